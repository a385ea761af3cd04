import {defineScreen} from '../screen.js';
import {DeregisterView} from '../views/DeregisterView.js';

/** Deregistering an enhanced fan-out consumer: what it ends, confirmed with y, then followed until it is gone. */
export const deregisterScreen = defineScreen<{readonly stream: string; readonly consumer: string}>()({
	title: 'Deregister consumer',
	shared: ['operation'],
	bindings: [],
	crumb: ({consumer}) => `deregister ${consumer}`,
	render: ({stream, consumer}, height) => <DeregisterView stream={stream} consumer={consumer} height={height} />,
});
