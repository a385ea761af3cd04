import {defineScreen} from '../screen.js';
import {ScaleView} from '../views/ReshardViews.js';

/** Uniform scaling to N shards, with Kinesis's limits shown first. */
export const scaleScreen = defineScreen<{readonly stream: string}>()({
	title: 'Scale',
	shared: ['operation'],
	bindings: [{id: 'edit', keys: ['t'], description: 'Type the target', hint: true}],
	crumb: () => 'scale',
	render: ({stream}, height) => <ScaleView stream={stream} height={height} />,
});
