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
						UpdateExpression:
							'SET leaseOwner = :me, leaseCounter = leaseCounter + :one, ownerSwitchesSinceCheckpoint = if_not_exists(ownerSwitchesSinceCheckpoint, :zero) + :one',
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

/** The owner the console writes into leases it takes: named so that people reading the table know who holds them. */
const consoleLeaseOwner = (): string => `kinesis-console@${hostname()}:${process.pid}`;
