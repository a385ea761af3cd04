import type {TrafficReport} from '../../console/traffic.js';
import {defineScreen} from '../screen.js';
import {MergeView} from '../views/ReshardViews.js';

/** Merging two adjacent shards: the selected one with a neighbour, or the coldest pair by the dashboard's traffic. */
export const mergeScreen = defineScreen<{readonly stream: string; readonly shardId?: string; readonly traffic?: TrafficReport}>()({
	title: 'Merge',
	shared: ['operation'],
	bindings: [
		{id: 'coldestPair', keys: ['p'], description: 'The coldest pair', hint: true},
		{id: 'otherNeighbour', keys: ['o'], description: 'The other neighbour', hint: true},
	],
	crumb: () => 'merge',
	render: ({stream, shardId, traffic}, height) => (
		<MergeView stream={stream} height={height} {...(shardId ? {shardId} : {})} {...(traffic ? {traffic} : {})} />
	),
});
