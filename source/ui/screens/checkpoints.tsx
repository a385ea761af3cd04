import {defineScreen} from '../screen.js';
import {CheckpointsView} from '../views/ConsumerViews.js';

/** A KCL application's checkpoints and lag per shard; marked shards (or all) can be reset. */
export const checkpointsScreen = defineScreen<{readonly stream: string; readonly application: string}>()({
	title: 'Checkpoints',
	shared: ['list'],
	bindings: [
		{id: 'mark', keys: ['space'], description: 'Mark the shard (for a reset)', servesChange: true, hint: true},
		{
			id: 'resetCheckpoints',
			keys: ['R'],
			description: 'Reset checkpoints: the marked shards, or all',
			dangerous: true,
			changes: "the application's checkpoints",
			hint: true,
		},
		{id: 'refresh', keys: ['r'], description: 'Refresh now'},
	],
	crumb: ({application}) => application,
	render: ({stream, application}, height) => <CheckpointsView stream={stream} application={application} height={height} />,
});
