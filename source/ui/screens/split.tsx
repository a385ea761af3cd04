import type {Observation} from '../../console/traffic.js';
import {defineScreen} from '../screen.js';
import {SplitView} from '../views/ReshardViews.js';

/** Splitting a shard, opened from the dashboard with the traffic it observed on that shard. */
export const splitScreen = defineScreen<{
	readonly stream: string;
	readonly shardId: string;
	readonly observations?: readonly Observation[];
	readonly observedFrom?: string;
}>()({
	title: 'Split',
	shared: ['operation'],
	bindings: [
		{id: 'atMidpoint', keys: ['m'], description: 'At the midpoint', hint: true},
		{id: 'atMedian', keys: ['d'], description: 'At the observed median', hint: true},
		{id: 'atHashKey', keys: ['h'], description: 'At a hash key', hint: true},
	],
	crumb: ({shardId}) => `split ${shardId}`,
	render: ({stream, shardId, observations, observedFrom}, height) => (
		<SplitView
			stream={stream}
			shardId={shardId}
			height={height}
			{...(observations ? {observations} : {})}
			{...(observedFrom ? {observedFrom} : {})}
		/>
	),
});
