import {CreateTableCommand} from '@aws-sdk/client-dynamodb';
import {DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {PutCommand, UpdateCommand, type DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb';
import {checkpointPosition, describeTable, documentsOf, leaseKeyOf, scanLeases, type Lease, type LeaseClients} from './leases.js';
import {shardView, type ShardView} from './streams.js';
import {describeError, isIteratorLost} from './aws/errors.js';
import {RetrySchedule, sleep} from './aws/retry.js';
import {listAllShards} from './aws/shards.js';

/**
 * The demo's consumer application: a small KCL-style consumer of the demo's clickstream, so that lag,
 * checkpoint resets and a split of the hot shard can be tried with no AWS account.
 *
 * It keeps KCL-format leases in a lease table named after the application (`clickstream-analytics`):
 * the leader makes a lease per shard (parents before children, at the initial position), workers take
 * unowned or abandoned leases and renew theirs with conditional writes on the lease counter, as the
 * KCL does, read each shard with GetRecords and checkpoint every few seconds. A shard that reaches its
 * end is checkpointed at SHARD_END and its children get leases at TRIM_HORIZON; a child is read only
 * once its parents are finished. A lease whose counter moved under its holder (a checkpoint reset
 * bumps it) is dropped and taken again from the table's checkpoint.
 *
 * It processes each shard at a steady rate, and the hot shard (the demo producer's heaviest users all
 * hash into shardId-000000000001) much more slowly, so that shard falls behind while the others keep
 * up; splitting it gives its children their own, faster processors.
 */

export interface DemoConsumerOptions {
	/** Default 'clickstream'. */
	readonly stream?: string;
	/** The application, and its lease table. Default 'clickstream-analytics'. */
	readonly application?: string;
	/** Workers sharing the leases. Default 2. */
	readonly workers?: number;
	/** Records per second a shard's processor handles. Default 500. */
	readonly recordsPerSecond?: number;
	/** Shards processed slowly. Default the demo's hot shard, shardId-000000000001. */
	readonly slowShards?: readonly string[];
	/** Records per second for the slow shards. Default 40. */
	readonly slowRecordsPerSecond?: number;
	/** Time between GetRecords calls on a shard. Default 1 s. */
	readonly pollMs?: number;
	/** Time between checkpoints of a shard. Default 5 s. */
	readonly checkpointEveryMs?: number;
	/** Time between lease renewals (and looks for leases to take). Default 2 s. */
	readonly renewEveryMs?: number;
	/** A lease whose counter has not moved for this long is taken over. Default 10 s. */
	readonly failoverMs?: number;
	/** Time between the leader's looks for new shards. Default 10 s. */
	readonly shardSyncEveryMs?: number;
	/** Where a new application starts. Default TRIM_HORIZON. */
	readonly initialPosition?: 'TRIM_HORIZON' | 'LATEST';
	/** Told when a call fails (the consumer retries). */
	readonly onError?: (message: string) => void;
}

export interface DemoConsumerShard {
	readonly shardId: string;
	readonly owner: string;
	/** Records processed from this shard since the consumer started, by every holder (re-reads count again). */
	readonly processed: number;
	readonly millisBehindLatest: number | undefined;
	readonly slow: boolean;
}

export interface DemoConsumerStats {
	readonly application: string;
	readonly stream: string;
	readonly processed: number;
	/** Shards being read now. */
	readonly shards: readonly DemoConsumerShard[];
}

export interface DemoConsumer {
	readonly application: string;
	/** Resolves once the lease table exists and the first leases are made; rejects when the table cannot be made. */
	readonly ready: Promise<void>;
	stats(): DemoConsumerStats;
	/** Checkpoints what was processed, gives the leases up, and stops. Safe to call twice. */
	stop(): Promise<void>;
}

export const DEMO_APPLICATION = 'clickstream-analytics';
/** The demo producer's hot shard in a fresh 4-shard clickstream (see demo.ts). */
export const DEMO_HOT_SHARD = 'shardId-000000000001';

export function startDemoConsumer(clients: LeaseClients, options: DemoConsumerOptions = {}): DemoConsumer {
	const settings = {
		stream: options.stream ?? 'clickstream',
		application: options.application ?? DEMO_APPLICATION,
		workers: Math.max(1, options.workers ?? 2),
		recordsPerSecond: options.recordsPerSecond ?? 500,
		slowShards: new Set(options.slowShards ?? [DEMO_HOT_SHARD]),
		slowRecordsPerSecond: options.slowRecordsPerSecond ?? 40,
		pollMs: options.pollMs ?? 1_000,
		checkpointEveryMs: options.checkpointEveryMs ?? 5_000,
		renewEveryMs: options.renewEveryMs ?? 2_000,
		failoverMs: options.failoverMs ?? 10_000,
		shardSyncEveryMs: options.shardSyncEveryMs ?? 10_000,
		initialPosition: options.initialPosition ?? 'TRIM_HORIZON',
	};
	const controller = new AbortController();
	const app = new Application(clients, settings, controller.signal, options.onError ?? (() => undefined));
	const ready = app.prepare();
	ready.catch(() => undefined);
	const running = ready.then(
		() => app.run(),
		() => undefined,
	);
	let stopping: Promise<void> | undefined;
	return {
		application: settings.application,
		ready,
		stats: () => app.stats(),
		stop() {
			stopping ??= (async () => {
				controller.abort();
				await running;
				await app.shutdown();
			})();
			return stopping;
		},
	};
}

type Settings = {
	readonly stream: string;
	readonly application: string;
	readonly workers: number;
	readonly recordsPerSecond: number;
	readonly slowShards: ReadonlySet<string>;
	readonly slowRecordsPerSecond: number;
	readonly pollMs: number;
	readonly checkpointEveryMs: number;
	readonly renewEveryMs: number;
	readonly failoverMs: number;
	readonly shardSyncEveryMs: number;
	readonly initialPosition: 'TRIM_HORIZON' | 'LATEST';
};

const nameOf = (error: unknown): string | undefined => (error as {name?: string} | undefined)?.name;

class Application {
	readonly documents: DynamoDBDocumentClient;
	readonly workers: Worker[];
	/** The newest read of the table, shared by the workers. */
	leases: readonly Lease[] = [];
	shards = new Map<string, ShardView>();
	/** Records processed per shard, over every holder. */
	readonly processed = new Map<string, number>();
	private lastError: string | undefined;

	constructor(
		readonly clients: LeaseClients,
		readonly settings: Settings,
		readonly signal: AbortSignal,
		private readonly onError: (message: string) => void,
	) {
		this.documents = documentsOf(clients);
		this.workers = Array.from({length: settings.workers}, (_, index) => new Worker(this, `${settings.application}-worker-${index + 1}`));
	}

	report(what: string, error: unknown): void {
		if (this.signal.aborted) return;
		const message = `demo consumer: ${what} failed: ${describeError(error)}; retrying`;
		if (message !== this.lastError) this.onError(message);
		this.lastError = message;
	}

	/** Makes the lease table and waits for the stream. */
	async prepare(): Promise<void> {
		const {dynamodb} = this.clients;
		const table = this.settings.application;
		if ((await describeTable(dynamodb, table, this.signal)) === undefined) {
			try {
				await dynamodb.send(
					new CreateTableCommand({
						TableName: table,
						KeySchema: [{AttributeName: 'leaseKey', KeyType: 'HASH'}],
						AttributeDefinitions: [{AttributeName: 'leaseKey', AttributeType: 'S'}],
						BillingMode: 'PAY_PER_REQUEST',
					}),
					{abortSignal: this.signal},
				);
			} catch (error) {
				if (nameOf(error) !== 'ResourceInUseException') throw error;
			}
		}
		const deadline = Date.now() + 60_000;
		while (!this.signal.aborted && (await describeTable(dynamodb, table, this.signal))?.TableStatus !== 'ACTIVE') {
			if (Date.now() > deadline) throw new Error(`The lease table ${table} did not become ACTIVE within 60 s.`);
			await sleep(100, this.signal);
		}
		// The producer makes the stream; wait for it.
		while (!this.signal.aborted) {
			try {
				const summary = await this.clients.kinesis.send(new DescribeStreamSummaryCommand({StreamName: this.settings.stream}), {
					abortSignal: this.signal,
				});
				const status = summary.StreamDescriptionSummary?.StreamStatus;
				if (status === 'ACTIVE' || status === 'UPDATING') break;
			} catch (error) {
				if (nameOf(error) !== 'ResourceNotFoundException') this.report('waiting for the stream', error);
			}
			if (Date.now() > deadline) throw new Error(`The stream ${this.settings.stream} did not become ACTIVE within 60 s.`);
			await sleep(250, this.signal);
		}
		await this.syncShards();
	}

	/** The leader's part: a lease for every shard that needs one and has none. */
	async syncShards(): Promise<void> {
		if (this.signal.aborted) return;
		const listed = (await listAllShards(this.clients.kinesis, this.settings.stream, this.signal)).map(shardView);
		this.shards = new Map(listed.map((shard) => [shard.shardId, shard]));
		const leases = await this.refreshLeases();
		const leased = new Set(leases.map((lease) => lease.shardId));
		const empty = leases.length === 0;
		for (const shard of listed) {
			if (leased.has(shard.shardId)) continue;
			// Children of leased parents get theirs when a parent finishes; shards whose parents are still listed come with them.
			const parentKnown = shard.parents.some((parent) => leased.has(parent) || this.shards.has(parent));
			if (!empty && parentKnown) continue;
			// A new application at LATEST starts with the open shards only.
			if (empty && this.settings.initialPosition === 'LATEST' && !shard.open) continue;
			if (empty && this.settings.initialPosition === 'LATEST' && shard.parents.some((parent) => this.shards.get(parent)?.open)) continue;
			await this.createLease(shard.shardId, this.settings.initialPosition, shard.parents);
		}
		await this.refreshLeases();
	}

	async createLease(shardId: string, checkpoint: string, parents: readonly string[]): Promise<void> {
		try {
			await this.documents.send(
				new PutCommand({
					TableName: this.settings.application,
					Item: {
						leaseKey: leaseKeyOf(shardId),
						checkpoint,
						checkpointSubSequenceNumber: 0,
						leaseCounter: 0,
						ownerSwitchesSinceCheckpoint: 0,
						...(parents.length > 0 ? {parentShardId: new Set(parents)} : {}),
					},
					ConditionExpression: 'attribute_not_exists(leaseKey)',
				}),
				{abortSignal: this.signal},
			);
		} catch (error) {
			if (nameOf(error) !== 'ConditionalCheckFailedException') throw error;
		}
	}

	async refreshLeases(): Promise<readonly Lease[]> {
		this.leases = await scanLeases(this.documents, this.settings.application, {signal: this.signal});
		return this.leases;
	}

	async run(): Promise<void> {
		const leader = (async () => {
			while (!this.signal.aborted) {
				await sleep(this.settings.shardSyncEveryMs, this.signal);
				try {
					await this.syncShards();
				} catch (error) {
					this.report('the shard sync', error);
				}
			}
		})();
		await Promise.all([leader, ...this.workers.map((worker) => worker.run())]);
	}

	async shutdown(): Promise<void> {
		await Promise.allSettled(this.workers.map((worker) => worker.shutdown()));
	}

	stats(): DemoConsumerStats {
		const shards = this.workers
			.flatMap((worker) => [...worker.held.values()].filter((held) => !held.lost && !held.finished).map((held) => held.stats(worker.id)))
			.sort((a, b) => a.shardId.localeCompare(b.shardId));
		return {
			application: this.settings.application,
			stream: this.settings.stream,
			processed: this.workers.reduce((sum, worker) => sum + worker.processed, 0),
			shards,
		};
	}
}

/** One worker: takes leases, renews them, and runs a processor per lease. */
class Worker {
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
					UpdateExpression:
						'SET leaseOwner = :me, leaseCounter = leaseCounter + :one, ownerSwitchesSinceCheckpoint = if_not_exists(ownerSwitchesSinceCheckpoint, :zero) + :switch',
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

/** A lease a worker holds, and the processor reading its shard. */
class HeldLease {
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

	/** Bumps the counter, expecting the one this holder last wrote. */
	renew(): Promise<boolean> {
		return this.write('SET leaseCounter = leaseCounter + :one', {});
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
