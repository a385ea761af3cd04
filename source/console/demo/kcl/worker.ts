import {UpdateCommand} from '@aws-sdk/lib-dynamodb';
import {checkpointPosition, type Lease} from '../../leases.js';
import {sleep} from '../../aws/retry.js';
import type {Application} from './consumer.js';
import {HeldLease} from './heldLease.js';

/** One worker: takes leases, renews them, and runs a processor per lease. */
export class Worker {
	readonly held = new Map<string, HeldLease>();
	processed = 0;
	/** When each lease's counter was last seen to move, for taking over abandoned leases. */
	private readonly counters = new Map<string, {counter: number; sinceMs: number}>();

	constructor(
		readonly app: Application,
		readonly id: string,
	) {}

	async run(): Promise<void> {
		const {signal, settings} = this.app;
		while (!signal.aborted) {
			try {
				await this.cycle();
			} catch (error) {
				this.app.report(`${this.id}'s lease cycle`, error);
			}
			await sleep(settings.renewEveryMs, signal);
		}
		await Promise.allSettled([...this.held.values()].map((held) => held.done));
	}

	private async cycle(): Promise<void> {
		const leases = await this.app.refreshLeases();
		const now = Date.now();
		for (const lease of leases) {
			const seen = this.counters.get(lease.leaseKey);
			if (seen === undefined || seen.counter !== lease.leaseCounter)
				this.counters.set(lease.leaseKey, {counter: lease.leaseCounter, sinceMs: now});
		}
		// Renew what is held; a lease whose counter moved under us is lost.
		for (const held of [...this.held.values()]) {
			if (held.finished) {
				this.held.delete(held.leaseKey);
				continue;
			}
			if (!(await held.renew())) held.lose();
		}
		for (const [key, held] of this.held) if (held.lost) this.held.delete(key);
		// Take unowned, abandoned, or our own leases we do not hold (after a restart, or a reset that bumped the counter).
		const unfinished = leases.filter((lease) => checkpointPosition(lease).type !== 'SHARD_END');
		const share = Math.ceil(unfinished.length / this.app.settings.workers);
		for (const lease of unfinished) {
			if (this.held.size >= share || this.app.signal.aborted) break;
			if (this.held.has(lease.leaseKey)) continue;
			const seen = this.counters.get(lease.leaseKey);
			const abandoned = seen !== undefined && now - seen.sinceMs >= this.app.settings.failoverMs;
			const ownedByOtherWorkerHere = this.app.workers.some((worker) => worker !== this && worker.held.has(lease.leaseKey));
			if (ownedByOtherWorkerHere) continue;
			if (lease.leaseOwner !== undefined && lease.leaseOwner !== this.id && !abandoned) continue;
			const taken = await this.take(lease);
			if (taken) {
				const held = new HeldLease(this, taken);
				this.held.set(taken.leaseKey, held);
				held.start();
			}
		}
	}

	/** Takes a lease at the counter last seen, as the KCL does; undefined when someone else moved it first. */
	private async take(lease: Lease): Promise<Lease | undefined> {
		try {
			const response = await this.app.documents.send(
				new UpdateCommand({
					TableName: this.app.settings.application,
					Key: {leaseKey: lease.leaseKey},
					// KCL 3.x removes checkpointOwner with every take: a fresh assignment ends any handoff.
					UpdateExpression:
						'SET leaseOwner = :me, leaseCounter = leaseCounter + :one, ownerSwitchesSinceCheckpoint = if_not_exists(ownerSwitchesSinceCheckpoint, :zero) + :switch' +
						(this.app.kcl3 ? ' REMOVE checkpointOwner' : ''),
					ConditionExpression: 'leaseCounter = :counter',
					ExpressionAttributeValues: {
						':me': this.id,
						':one': 1,
						':zero': 0,
						':counter': lease.leaseCounter,
						':switch': lease.leaseOwner === this.id ? 0 : 1,
					},
					ReturnValues: 'ALL_NEW',
				}),
				{abortSignal: this.app.signal},
			);
			const attributes = response.Attributes ?? {};
			return {
				...lease,
				leaseOwner: this.id,
				leaseCounter: typeof attributes.leaseCounter === 'number' ? attributes.leaseCounter : lease.leaseCounter + 1,
				...(typeof attributes.checkpoint === 'string' ? {checkpoint: attributes.checkpoint} : {}),
				...(typeof attributes.checkpointSubSequenceNumber === 'number'
					? {checkpointSubSequenceNumber: attributes.checkpointSubSequenceNumber}
					: {}),
			};
		} catch (error) {
			if (nameOf(error) === 'ConditionalCheckFailedException') return undefined;
			throw error;
		}
	}

	async shutdown(): Promise<void> {
		await Promise.allSettled([...this.held.values()].map((held) => held.release()));
		this.held.clear();
	}
}

const nameOf = (error: unknown): string | undefined => (error as {name?: string} | undefined)?.name;
