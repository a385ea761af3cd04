import type {PlanProblem} from '../changes.js';
import type {Holder} from './reading.js';

/**
 * Checkpoint resets and KCL 3.x graceful handoffs.
 *
 * How the KCL hands a lease over (awslabs/amazon-kinesis-client): the leader's lease assignment moves a
 * lease from worker A to worker B with DynamoDBLeaseRefresher.initiateGracefulLeaseHandoff, which sets
 * `leaseOwner` = B and `checkpointOwner` = A without bumping the counter. A finishes its batch and writes
 * its last checkpoint (its condition expects `checkpointOwner` = A: DynamoDBLeaseSerializer
 * .getDynamoLeaseOwnerExpectation), then removes `checkpointOwner` (getDynamoEvictLeaseUpdate); B's lease
 * discovery skips a lease while `checkpointOwner` is set (DynamoDBLeaseDiscoverer), and starts from that
 * last checkpoint. If A dies meanwhile, the lease expires and the leader assigns it again
 * (VarianceBasedLeaseAssignmentDecider, "expired pending checkpoint lease").
 *
 * The decision: a reset does not fight a handoff under way.
 * - A lease with `checkpointOwner` whose counter is still moving (or not judged: one read) is a plan
 *   problem: a reset written now races A's last checkpoint, and the bumped counter makes A lose the lease
 *   before it lets go, so B waits out a failover time. A handoff takes seconds: plan again once it is done.
 * - A lease with `checkpointOwner` whose counter has stopped (stale: A is gone) is reset like any other;
 *   the write keeps `checkpointOwner`, and the leader reassigns the expired lease, which then reads from the
 *   new checkpoint.
 * - Every write expects `checkpointOwner` as the plan read it (write.ts), so a handoff that starts between
 *   the plan and the write leaves that shard unwritten and reported (change 'handoff').
 */

/** What a reset plan knows of a shard's lease for this check. */
export interface HandoffCandidate {
	readonly shardId: string;
	readonly action: 'reset' | 'create' | 'unchanged';
	readonly current: {readonly leaseOwner?: string; readonly checkpointOwner?: string; readonly holder: Holder};
}

/** The problem of a plan that would write leases in the middle of a graceful handoff, if any. */
export function handoffProblem(shards: readonly HandoffCandidate[]): PlanProblem | undefined {
	const underWay = shards.filter(
		(shard) => shard.action === 'reset' && shard.current.checkpointOwner !== undefined && shard.current.holder !== 'stale',
	);
	if (underWay.length === 0) return undefined;
	const which = underWay
		.map((shard) => `${shard.shardId} (${shard.current.checkpointOwner ?? '?'} → ${shard.current.leaseOwner ?? '?'})`)
		.join(', ');
	return {
		kind: 'in-use',
		message:
			`${underWay.length === 1 ? 'A lease is' : `${underWay.length} leases are`} being handed over between workers (KCL 3.x graceful handoff): ${which}. ` +
			'The previous owner writes its last checkpoint before the next one reads; a reset now would race that checkpoint.',
		hint: 'A handoff takes seconds: plan the reset again once it is done, or leave these shards out',
	};
}
