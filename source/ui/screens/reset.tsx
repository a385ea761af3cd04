import {defineScreen} from '../screen.js';
import {ResetView} from '../views/ConsumerViews.js';

/** A checkpoint reset of some shards (or every shard with a lease): the plan, then conditional writes. */
export const resetScreen = defineScreen<{readonly stream: string; readonly application: string; readonly shards?: readonly string[]}>()({
	title: 'Checkpoint reset',
	shared: ['operation'],
	bindings: [
		{id: 'edit', keys: ['t'], description: 'Type the target', hint: true},
		{id: 'createMissing', keys: ['c'], description: 'Also make leases for shards without one', hint: true},
	],
	crumb: () => 'reset',
	render: ({stream, application, shards}, height) => (
		<ResetView stream={stream} application={application} height={height} {...(shards ? {shards} : {})} />
	),
});
