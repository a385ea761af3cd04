import {defineScreen} from '../screen.js';
import {ConsumersView} from '../views/ConsumerViews.js';

/** Who is behind: the stream's consumers of every registered kind, worst first, with their lag, status and time left; each offers what its kind can do (console/consumers/). */
export const consumersScreen = defineScreen<{readonly stream: string}>()({
	title: 'Consumers',
	shared: ['list'],
	bindings: [
		{
			id: 'open',
			keys: ['enter'],
			description: "Open the consumer: a KCL application's positions and lag per shard, any other's lag chart, fields and actions",
			hint: true,
			hintText: 'Open',
		},
		{
			id: 'resetPositions',
			keys: ['R'],
			description: "Reset the consumer's positions (when its kind can)",
			dangerous: true,
			changes: "the consumer's positions",
			hint: true,
			hintText: 'Reset positions',
		},
		{
			id: 'deregister',
			keys: ['D'],
			description: 'Deregister the consumer from the stream (when its kind can)',
			dangerous: true,
			changes: "the stream's consumers",
			hint: true,
			hintText: 'Deregister',
		},
		{
			id: 'pause',
			keys: ['P'],
			description: 'Pause the consumer, or resume it when paused (when its kind can)',
			dangerous: true,
			changes: 'whether the consumer reads the stream',
			hint: true,
			hintText: 'Pause/resume',
		},
		{id: 'refresh', keys: ['r'], description: 'Refresh now'},
	],
	crumb: () => 'consumers',
	render: ({stream}, height) => <ConsumersView stream={stream} height={height} />,
});
