import {defineScreen} from '../screen.js';
import {ConsumersView} from '../views/ConsumerViews.js';

/** The stream's consumers: KCL applications by their lease tables, and enhanced fan-out consumers. */
export const consumersScreen = defineScreen<{readonly stream: string}>()({
	title: 'Consumers',
	shared: ['list'],
	bindings: [
		{id: 'openApplication', keys: ['enter'], description: "Open the application's checkpoints and lag", hint: true},
		{id: 'refresh', keys: ['r'], description: 'Refresh now'},
	],
	crumb: () => 'consumers',
	render: ({stream}, height) => <ConsumersView stream={stream} height={height} />,
});
