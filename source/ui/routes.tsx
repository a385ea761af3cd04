import type {Route} from './navigation.js';
import {DashboardView} from './views/DashboardView.js';
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
	}
}
