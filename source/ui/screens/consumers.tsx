import {defineScreen} from '../screen.js';
import {ConsumersView} from '../views/ConsumerViews.js';
import {consumerChangeBindings} from './consumer.js';

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
		...consumerChangeBindings,
	],
	crumb: () => 'consumers',
	render: ({stream}, height) => <ConsumersView stream={stream} height={height} />,
});
