import {defineScreen} from '../screen.js';
import {DashboardView} from '../views/DashboardView.js';

/** A stream's shards, throughput and lag, and the changes that start from it. */
export const dashboardScreen = defineScreen<{readonly stream: string}>()({
	title: 'Stream dashboard',
	shared: ['list'],
	bindings: [
		{id: 'tailStream', keys: ['t'], description: 'Tail the stream', hint: true},
		{id: 'tailShard', keys: ['enter'], description: 'Tail the selected shard', hint: true},
		{id: 'window', keys: ['w'], description: 'Change the time window', hint: true},
		{id: 'metric', keys: ['m'], description: 'Chart records/s, bytes/s or lag'},
		{id: 'live', keys: ['l'], description: 'Read the shards in view live (GetRecords), or stop', hint: true},
		{id: 'sort', keys: ['o'], description: 'Sort the shards by id, rate, lag or throttling', hint: true},
		{id: 'closed', keys: ['x'], description: 'Show or hide closed shards'},
		{id: 'refresh', keys: ['r'], description: 'Refresh now'},
		{id: 'split', keys: ['s'], description: 'Split the selected shard', dangerous: true, hint: true},
		{id: 'merge', keys: ['M'], description: 'Merge the selected shard with a neighbour, or the coldest pair', dangerous: true, hint: true},
		{id: 'scale', keys: ['S'], description: 'Scale uniformly to N shards', dangerous: true},
		{id: 'retention', keys: ['R'], description: 'Change the retention period', dangerous: true},
		{id: 'consumers', keys: ['c'], description: 'Consumers and their lag', hint: true},
	],
	crumb: ({stream}) => stream,
	render: ({stream}, height) => <DashboardView stream={stream} height={height} />,
});
