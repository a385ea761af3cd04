import {defineScreen} from '../screen.js';
import {PauseView} from '../views/PauseView.js';

/** Pausing or resuming a Lambda event source mapping: what it stops or restarts, confirmed with y, then followed until Lambda says so. */
export const pauseScreen = defineScreen<{
	readonly stream: string;
	readonly uuid: string;
	readonly functionName: string;
	readonly action: 'pause' | 'resume';
}>()({
	title: 'Pause or resume a Lambda mapping',
	shared: ['operation'],
	bindings: [],
	crumb: ({action, functionName}) => `${action} ${functionName}`,
	render: (params, height) => <PauseView {...params} height={height} />,
});
