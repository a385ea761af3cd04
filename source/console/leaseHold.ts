import {hostname} from 'node:os';
import {GetCommand, UpdateCommand} from '@aws-sdk/lib-dynamodb';
import {documentsOf, LEASE_KEY, leaseFromItem, type LeaseClients} from './leases.js';

/**
 * Leases the console takes from an application's workers while it resets their checkpoints, so that
 * the checkpoints stay put between the plan and the write.
 *
 * A KCL worker checkpoints and renews its lease with conditional writes that expect the lease counter
 * it last wrote (DynamoDBLeaseRefresher.renewLease and updateLease, awslabs/amazon-kinesis-client).
 * Taking a lease (the counter bumped, the console named its owner) makes the worker's next renewal or
 * checkpoint fail: it drops the shard, and its checkpoint no longer moves. The console renews what it
 * holds every few seconds, as a worker would, so that no worker takes the lease back as expired; the
 * reset then writes each checkpoint and gives its lease up in one write, and workers take the unowned
 * leases at once, from the new checkpoints. Leases not reset are given back when the hold is released.
 *
 * KCL 3.x (awslabs/amazon-kinesis-client 3.x): workers no longer take leases; the leader's
 * LeaseAssignmentManager assigns them, and each worker finds its own through the
 * LeaseOwnerToLeaseKeyIndex GSI (leaseOwner = its id). Taking is made to look like the KCL's own takeLease
 * and assignLease ("a fresh assignment": DynamoDBLeaseSerializer.getDynamoTakeLeaseUpdate), which also
 * remove `checkpointOwner`. That matters for a lease being handed over (checkpointOwner = A, leaseOwner = B):
 * - A's renewal expects the counter, and on failure it carries on when the lease still names it
 *   (DynamoDBLeaseRefresher.renewLease → handleGracefulShutdown compares actualOwner(), which is
 *   checkpointOwner when set). With `checkpointOwner` gone, A drops the lease; its last checkpoint
 *   (updateLease: the counter) and its release (evictLease: leaseOwner B and checkpointOwner A) fail.
 * - B's discovery queries the GSI for leaseOwner = B, and no longer finds it.
 * - The leader reassigns only leases expired (the counter still for leaseDuration, read between its runs)
 *   or unassigned (no actualOwner()), and balances by moving leases from active workers (those with
 *   WorkerMetricStats). A lease whose actualOwner() is the console, renewed every few seconds, is neither,
 *   and the console is no worker: the leader leaves it alone until the hold gives it back (unowned, then
 *   assigned at the leader's next run). With `checkpointOwner` kept, actualOwner() would still be A, an
 *   active worker, and the leader could hand the lease on in the middle of the reset.
 * What cannot be promised: KCL 2.x workers, and 3.x workers while the migration state is
 * CLIENT_VERSION_UPGRADE_FROM_2X or CLIENT_VERSION_2X, run the 2.x lease taker, which balances by stealing
 * from whichever owner holds more than its share, the console too (LEASE_STEALING_NOTE). A stolen lease
 * is not written: its write expects the console as owner, and the reset reports the shard as changed.
 */
export class LeaseHold {
	/** The lease keys held now. */
	readonly held = new Set<string>();
	private timer: NodeJS.Timeout | undefined;
	private renewing: Promise<unknown> = Promise.resolve();

	private constructor(
		private readonly clients: LeaseClients,
		readonly table: string,
		readonly owner: string,
	) {}

	/**
	 * Takes the leases (by key) from whoever holds them, each with a write that expects the counter just
	 * read (a few tries while a worker renews in between). Keys that could not be taken are returned.
	 */
	static async take(
		clients: LeaseClients,
		table: string,
		leaseKeys: readonly string[],
		options: {readonly renewEveryMs?: number; readonly owner?: string; readonly signal?: AbortSignal} = {},
	): Promise<{hold: LeaseHold; missed: string[]}> {
		const hold = new LeaseHold(clients, table, options.owner ?? consoleLeaseOwner());
		const missed: string[] = [];
		for (const leaseKey of leaseKeys) {
			if (options.signal?.aborted) break;
			if (await hold.takeOne(leaseKey, options.signal)) hold.held.add(leaseKey);
			else missed.push(leaseKey);
		}
		hold.timer = setInterval(() => (hold.renewing = hold.renew()), options.renewEveryMs ?? 2_000);
		hold.timer.unref?.();
		return {hold, missed};
	}

	private async takeOne(leaseKey: string, signal?: AbortSignal): Promise<boolean> {
		const documents = documentsOf(this.clients);
		const send = signal ? {abortSignal: signal} : {};
		// A worker renews every few seconds; a few tries get in between its renewals even when they come fast.
		for (let attempt = 0; attempt < 8; attempt++) {
			const item = (await documents.send(new GetCommand({TableName: this.table, Key: {[LEASE_KEY]: leaseKey}, ConsistentRead: true}), send))
				.Item;
			const lease = item === undefined ? undefined : leaseFromItem(item);
			if (lease === undefined) return false;
			try {
				await documents.send(
					new UpdateCommand({
						TableName: this.table,
						Key: {[LEASE_KEY]: leaseKey},
						// checkpointOwner goes, as in the KCL's own takeLease and assignLease: see the class comment.
						UpdateExpression:
							'SET leaseOwner = :me, leaseCounter = leaseCounter + :one, ownerSwitchesSinceCheckpoint = if_not_exists(ownerSwitchesSinceCheckpoint, :zero) + :one REMOVE checkpointOwner',
						ConditionExpression: 'leaseCounter = :seen',
						ExpressionAttributeValues: {':me': this.owner, ':one': 1, ':zero': 0, ':seen': lease.leaseCounter},
					}),
					send,
				);
				return true;
			} catch (error) {
				if ((error as {name?: string}).name !== 'ConditionalCheckFailedException') throw error;
			}
		}
		return false;
	}

	/** Bumps the counter of each lease still held; one another owner took, or the reset gave up, is no longer held. */
	private async renew(): Promise<void> {
		const documents = documentsOf(this.clients);
		for (const leaseKey of [...this.held]) {
			try {
				await documents.send(
					new UpdateCommand({
						TableName: this.table,
						Key: {[LEASE_KEY]: leaseKey},
						UpdateExpression: 'SET leaseCounter = leaseCounter + :one',
						ConditionExpression: 'leaseOwner = :me',
						ExpressionAttributeValues: {':me': this.owner, ':one': 1},
					}),
				);
			} catch (error) {
				if ((error as {name?: string}).name === 'ConditionalCheckFailedException') this.held.delete(leaseKey);
				// Other failures: tried again at the next renewal.
			}
		}
	}

	/** Stops renewing, and gives back (unowned, for any worker to take) every lease still held. */
	async release(): Promise<void> {
		clearInterval(this.timer);
		await this.renewing.catch(() => undefined);
		const documents = documentsOf(this.clients);
		await Promise.allSettled(
			[...this.held].map((leaseKey) =>
				documents.send(
					new UpdateCommand({
						TableName: this.table,
						Key: {[LEASE_KEY]: leaseKey},
						UpdateExpression: 'REMOVE leaseOwner SET leaseCounter = leaseCounter + :one',
						ConditionExpression: 'leaseOwner = :me',
						ExpressionAttributeValues: {':me': this.owner, ':one': 1},
					}),
				),
			),
		);
		this.held.clear();
	}
}

/** Said before a reset with taken leases is confirmed: the one case where a hold may not last (see LeaseHold). */
export const LEASE_STEALING_NOTE =
	'KCL 2.x workers (and 3.x workers while upgrading from 2.x) balance leases by stealing from whoever holds more than its share, the console too: a lease stolen back is not written, and the reset says so. A KCL 3.x leader leaves the leases the console holds alone.';

/** The owner the console writes into leases it takes: named so that people reading the table know who holds them. */
const consoleLeaseOwner = (): string => `kinesis-console@${hostname()}:${process.pid}`;
