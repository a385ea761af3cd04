import {defineScreen} from '../screen.js';
import {ResetView} from '../views/ResetView.js';

/** A checkpoint reset of some shards (or every shard with a lease): the plan, then conditional writes. */
export const resetScreen = defineScreen<{readonly stream: string; readonly application: string; readonly shards?: readonly string[]}>()({
	title: 'Checkpoint reset',
	shared: ['operation'],
	bindings: [
		// Steps that only serve the reset: hidden by --read-only with it.
		{id: 'edit', keys: ['t'], description: 'Type the target', servesChange: true, hint: true},
		{id: 'createMissing', keys: ['c'], description: 'Also make leases for shards without one', servesChange: true, hint: true},
		{
			id: 'foreignCheckpoints',
			keys: ['f'],
			description: "Reset checkpoints that are not the stream's (a stream deleted and made again under its name)",
			servesChange: true,
		},
		{
			id: 'takeLeases',
			keys: ['l'],
			description: 'Take the leases first: their workers stop, the checkpoints stay put until the reset',
			dangerous: true,
			changes: "the application's leases",
			hint: true,
		},
	],
	crumb: () => 'reset',
	render: ({stream, application, shards}, height) => (
		<ResetView stream={stream} application={application} height={height} {...(shards ? {shards} : {})} />
	),
});
