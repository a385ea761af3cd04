import type {Route} from './navigation.js';
import {CheckpointsView, ConsumersView, ResetView} from './views/ConsumerViews.js';
import {DashboardView} from './views/DashboardView.js';
import {MergeView, ScaleView, SplitView} from './views/ReshardViews.js';
import {RetentionView} from './views/RetentionView.js';
import {StreamsView} from './views/StreamsView.js';
import {TailView} from './views/TailView.js';

/** The view for each route. */
export function renderRoute(route: Route, height: number) {
	switch (route.kind) {
		case 'streams':
			return <StreamsView height={height} />;
		case 'dashboard':
			return <DashboardView stream={route.stream} height={height} />;
		case 'tail':
			return <TailView stream={route.stream} shardId={route.shardId} height={height} />;
		case 'split':
			return (
				<SplitView
					stream={route.stream}
					shardId={route.shardId}
					height={height}
					{...(route.observations ? {observations: route.observations} : {})}
					{...(route.observedFrom ? {observedFrom: route.observedFrom} : {})}
				/>
			);
		case 'merge':
			return (
				<MergeView
					stream={route.stream}
					height={height}
					{...(route.shardId ? {shardId: route.shardId} : {})}
					{...(route.traffic ? {traffic: route.traffic} : {})}
				/>
			);
		case 'scale':
			return <ScaleView stream={route.stream} height={height} />;
		case 'retention':
			return <RetentionView stream={route.stream} height={height} />;
		case 'consumers':
			return <ConsumersView stream={route.stream} height={height} />;
		case 'checkpoints':
			return <CheckpointsView stream={route.stream} application={route.application} height={height} />;
		case 'reset':
			return (
				<ResetView
					stream={route.stream}
					application={route.application}
					height={height}
					{...(route.shards ? {shards: route.shards} : {})}
				/>
			);
	}
}
