import {GetRecordsCommand, GetShardIteratorCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {UpdateCommand} from '@aws-sdk/lib-dynamodb';
import {checkpointPosition, type Lease} from '../../leases.js';
import {shardView} from '../../streams.js';
import {isIteratorLost} from '../../aws/errors.js';
import {RetrySchedule, sleep} from '../../aws/retry.js';
import {listAllShards} from '../../aws/shards.js';
import type {DemoConsumerShard} from './consumer.js';
import type {Worker} from './worker.js';

/** A lease a worker holds, and the processor reading its shard. */
export class HeldLease {
	readonly leaseKey: string;
	readonly shardId: string;
	readonly slow: boolean;
	/** The counter as this holder last wrote it: every write expects it. */
	private counter: number;
	private readonly controller = new AbortController();
	private writes: Promise<unknown> = Promise.resolve();
	private lastSequence: string | undefined;
	private checkpointed: string | undefined;
	millisBehindLatest: number | undefined;
	/** Bytes read since the last renewal, for KCL 3.x's throughputKBps. */
	private bytesSinceRenewal = 0;
	private renewedAtMs = Date.now();
	lost = false;
	finished = false;
	done: Promise<void> = Promise.resolve();

	constructor(
		private readonly worker: Worker,
		private readonly lease: Lease,
	) {
		this.leaseKey = lease.leaseKey;
		this.shardId = lease.shardId;
		this.counter = lease.leaseCounter;
		this.checkpointed = lease.checkpoint;
		this.slow = worker.app.settings.slowShards.has(lease.shardId);
		worker.app.signal.addEventListener('abort', () => this.controller.abort(), {once: true});
	}

	stats(owner: string): DemoConsumerShard {
		return {
			shardId: this.shardId,
			owner,
			processed: this.worker.app.processed.get(this.shardId) ?? 0,
			millisBehindLatest: this.millisBehindLatest,
			slow: this.slow,
		};
	}

	start(): void {
		this.done = this.process().catch((error: unknown) => {
			this.worker.app.report(`reading ${this.shardId}`, error);
			this.lose();
		});
	}

	/** Stops reading, without a checkpoint: the lease is someone else's now. */
	lose(): void {
		this.lost = true;
		this.controller.abort();
	}

	/** Bumps the counter, expecting the one this holder last wrote; KCL 3.x writes the lease's throughput with it. */
	renew(): Promise<boolean> {
		if (!this.worker.app.kcl3) return this.write('SET leaseCounter = leaseCounter + :one', {});
		const nowMs = Date.now();
		// DynamoDBLeaseRenewer: KB/s read from the shard, rounded to 6 decimals (DEFAULT_THROUGHPUT_DIGIT_AFTER_DECIMAL).
		const kbps = Math.round((this.bytesSinceRenewal / 1024 / Math.max(0.001, (nowMs - this.renewedAtMs) / 1000)) * 1e6) / 1e6;
		this.bytesSinceRenewal = 0;
		this.renewedAtMs = nowMs;
		return this.write('SET leaseCounter = leaseCounter + :one, throughputKBps = :kbps', {':kbps': kbps});
	}

	/** Checkpoints the last record processed, then gives the lease up (graceful shutdown). */
	async release(): Promise<void> {
		this.controller.abort();
		await this.done;
		if (this.lost || this.finished) return;
		await this.checkpoint();
		await this.write('REMOVE leaseOwner SET leaseCounter = leaseCounter + :one', {});
	}

	private async checkpoint(value = this.lastSequence): Promise<boolean> {
		if (value === undefined || value === this.checkpointed) return true;
		const written = await this.write(
			'SET checkpoint = :cp, checkpointSubSequenceNumber = :zero, ownerSwitchesSinceCheckpoint = :zero, leaseCounter = leaseCounter + :one',
			{':cp': value, ':zero': 0},
		);
		if (written) this.checkpointed = value;
		return written;
	}

	/** One conditional write of the lease (one at a time per lease): false when the lease moved under us. */
	private write(update: string, values: Record<string, unknown>): Promise<boolean> {
		const attempt = async (): Promise<boolean> => {
			if (this.lost) return false;
			try {
				const response = await this.worker.app.documents.send(
					new UpdateCommand({
						TableName: this.worker.app.settings.application,
						Key: {leaseKey: this.leaseKey},
						UpdateExpression: update,
						ConditionExpression: 'leaseOwner = :me AND leaseCounter = :counter',
						ExpressionAttributeValues: {...values, ':me': this.worker.id, ':counter': this.counter, ':one': 1},
						ReturnValues: 'UPDATED_NEW',
					}),
				);
				const counter = response.Attributes?.leaseCounter;
				this.counter = typeof counter === 'number' ? counter : this.counter + 1;
				return true;
			} catch (error) {
				if (nameOf(error) === 'ConditionalCheckFailedException') {
					this.lost = true;
					this.controller.abort();
					return false;
				}
				throw error;
			}
		};
		const result = this.writes.then(attempt, attempt);
		this.writes = result.catch(() => undefined);
		return result;
	}

	private async process(): Promise<void> {
		const {app} = this.worker;
		const {settings} = app;
		const signal = this.controller.signal;
		const kinesis: KinesisClient = app.clients.kinesis;
		// The KCL reads a child only once its parents are finished.
		while (!signal.aborted && !this.parentsDone()) await sleep(settings.renewEveryMs, signal);
		const rate = this.slow ? settings.slowRecordsPerSecond : settings.recordsPerSecond;
		const limit = Math.max(1, Math.min(10_000, Math.round((rate * settings.pollMs) / 1000)));
		let iterator: string | undefined;
		let lastCheckpointMs = Date.now();
		const retries = new RetrySchedule(`GetRecords ${this.shardId}`, {baseMs: 500, capMs: 10_000, minDelayMs: 200});
		while (!signal.aborted) {
			try {
				iterator ??= await this.iterator(kinesis, signal);
				if (iterator === undefined) return;
				const page = await kinesis.send(new GetRecordsCommand({ShardIterator: iterator, Limit: limit}), {abortSignal: signal});
				retries.succeeded();
				const records = page.Records ?? [];
				if (records.length > 0) {
					this.lastSequence = records.at(-1)?.SequenceNumber;
					this.worker.processed += records.length;
					for (const record of records) this.bytesSinceRenewal += record.Data?.length ?? 0;
					app.processed.set(this.shardId, (app.processed.get(this.shardId) ?? 0) + records.length);
				}
				this.millisBehindLatest = page.MillisBehindLatest;
				if (!page.NextShardIterator) {
					await this.finish(page.ChildShards?.map((child) => ({shardId: child.ShardId ?? '', parents: child.ParentShards ?? []})) ?? []);
					return;
				}
				iterator = page.NextShardIterator;
				if (Date.now() - lastCheckpointMs >= settings.checkpointEveryMs) {
					lastCheckpointMs = Date.now();
					if (!(await this.checkpoint())) return;
				}
				// Processing takes the time it takes: a poll's worth of records per poll.
				await sleep(settings.pollMs, signal);
			} catch (error) {
				if (signal.aborted) return;
				iterator = undefined;
				// A lost iterator is renewed at once from the last record processed, as the KCL does.
				if (isIteratorLost(error)) continue;
				const decision = retries.failed(error);
				if ('giveUp' in decision) throw decision.giveUp;
				await sleep(decision.retry.delayMs, signal);
			}
		}
	}

	private parentsDone(): boolean {
		const leases = this.worker.app.leases;
		return this.lease.parentShardIds.every((parent) => {
			const parentLease = leases.find((lease) => lease.shardId === parent);
			return parentLease === undefined || checkpointPosition(parentLease).type === 'SHARD_END';
		});
	}

	/** An iterator from the last record processed, or from the lease's checkpoint. */
	private async iterator(kinesis: KinesisClient, signal: AbortSignal): Promise<string | undefined> {
		const position = checkpointPosition(this.lease);
		const start =
			this.lastSequence !== undefined
				? {ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, StartingSequenceNumber: this.lastSequence}
				: position.type === 'SEQUENCE_NUMBER'
					? {
							ShardIteratorType: position.subSequenceNumber > 0 ? ('AT_SEQUENCE_NUMBER' as const) : ('AFTER_SEQUENCE_NUMBER' as const),
							StartingSequenceNumber: position.sequenceNumber,
						}
					: position.type === 'LATEST'
						? {ShardIteratorType: 'LATEST' as const}
						: position.type === 'SHARD_END'
							? undefined
							: {ShardIteratorType: 'TRIM_HORIZON' as const};
		if (start === undefined) return undefined;
		const response = await kinesis.send(
			new GetShardIteratorCommand({StreamName: this.worker.app.settings.stream, ShardId: this.shardId, ...start}),
			{abortSignal: signal},
		);
		return response.ShardIterator;
	}

	/** The shard's end: SHARD_END, then leases for the children at TRIM_HORIZON, as the KCL 2.x does. */
	private async finish(children: ReadonlyArray<{shardId: string; parents: readonly string[]}>): Promise<void> {
		const app = this.worker.app;
		let known = children.filter((child) => child.shardId !== '');
		if (known.length === 0) {
			const shards = (await listAllShards(app.clients.kinesis, app.settings.stream, this.controller.signal)).map(shardView);
			known = shards
				.filter((shard) => shard.parents.includes(this.shardId))
				.map((shard) => ({shardId: shard.shardId, parents: shard.parents}));
		}
		if (!(await this.checkpoint('SHARD_END'))) return;
		this.finished = true;
		for (const child of known) await app.createLease(child.shardId, 'TRIM_HORIZON', child.parents);
		await app.refreshLeases();
	}
}

const nameOf = (error: unknown): string | undefined => (error as {name?: string} | undefined)?.name;
