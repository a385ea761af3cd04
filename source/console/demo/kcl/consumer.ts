import {DescribeStreamSummaryCommand} from '@aws-sdk/client-kinesis';
import {PutCommand, type DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb';
import {documentsOf, leaseKeyOf, scanLeases, type Lease, type LeaseClients} from '../../leases.js';
import {shardView, type ShardView} from '../../streams.js';
import {describeError} from '../../aws/errors.js';
import {sleep} from '../../aws/retry.js';
import {listAllShards} from '../../aws/shards.js';
import {Kcl3Coordination} from './kcl3.js';
import {ensureTable, leaseTableInput, type KclFormat} from './tables.js';
import {Worker} from './worker.js';

/**
 * The demo's KCL-style consumer applications of the clickstream, so that lag, checkpoint resets and a
 * split of the hot shard can be tried with no AWS account: `clickstream-analytics` (KCL 2.x tables,
 * behind on the hot shard) and `clickstream-enrichment` (KCL 3.x tables, keeping up).
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
 *
 * In the 3.x format (`format: '3.x'`) the lease table has the LeaseOwnerToLeaseKeyIndex GSI, every
 * renewal writes the lease's `throughputKBps` (DynamoDBLeaseRenewer: what the holder read, KB/s, 6
 * decimals), taking a lease removes `checkpointOwner` (DynamoDBLeaseSerializer.getDynamoTakeLeaseUpdate),
 * and the worker metric stats and coordinator state tables are kept (kcl3.ts).
 */

export interface DemoConsumerOptions {
	/** Which KCL's tables to keep. Default 2.x. */
	readonly format?: KclFormat;
	/** 3.x: how often workers report their metric stats (KCL: 30 s). Default 30 s. */
	readonly metricsEveryMs?: number;
	/** 3.x: the leader lock's heartbeat (KCL: 30 s). Default 30 s. */
	readonly leaderHeartbeatMs?: number;
	readonly random?: () => number;
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
/** The demo's KCL 3.x application. */
export const DEMO_KCL3_APPLICATION = 'clickstream-enrichment';
/** The demo producer's hot shard in a fresh 4-shard clickstream (see demo.ts). */
export const DEMO_HOT_SHARD = 'shardId-000000000001';

export function startDemoConsumer(clients: LeaseClients, options: DemoConsumerOptions = {}): DemoConsumer {
	const settings: Settings = {
		format: options.format ?? '2.x',
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
	const coordination = {
		metricsEveryMs: options.metricsEveryMs ?? 30_000,
		leaderHeartbeatMs: options.leaderHeartbeatMs ?? 30_000,
		random: options.random ?? Math.random,
	};
	const controller = new AbortController();
	const app = new Application(clients, settings, controller.signal, options.onError ?? (() => undefined), coordination);
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

export type Settings = {
	readonly format: KclFormat;
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

export class Application {
	readonly documents: DynamoDBDocumentClient;
	readonly workers: Worker[];
	/** The newest read of the table, shared by the workers. */
	leases: readonly Lease[] = [];
	shards = new Map<string, ShardView>();
	/** Records processed per shard, over every holder. */
	readonly processed = new Map<string, number>();
	/** 3.x: the tables beside the leases. */
	readonly kcl3: Kcl3Coordination | undefined;
	private lastError: string | undefined;

	constructor(
		readonly clients: LeaseClients,
		readonly settings: Settings,
		readonly signal: AbortSignal,
		private readonly onError: (message: string) => void,
		coordination: ConstructorParameters<typeof Kcl3Coordination>[4],
	) {
		this.documents = documentsOf(clients);
		this.workers = Array.from({length: settings.workers}, (_, index) => new Worker(this, `${settings.application}-worker-${index + 1}`));
		this.kcl3 =
			settings.format === '3.x'
				? new Kcl3Coordination(
						{dynamodb: clients.dynamodb, documents: this.documents},
						settings.application,
						this.workers,
						signal,
						coordination,
					)
				: undefined;
	}

	report(what: string, error: unknown): void {
		if (this.signal.aborted) return;
		const message = `demo consumer: ${what} failed: ${describeError(error)}; retrying`;
		if (message !== this.lastError) this.onError(message);
		this.lastError = message;
	}

	/** Makes the tables and waits for the stream. */
	async prepare(): Promise<void> {
		await ensureTable(this.clients.dynamodb, leaseTableInput(this.settings.application, this.settings.format), this.signal);
		await this.kcl3?.prepare();
		const deadline = Date.now() + 60_000;
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
		const coordination = this.kcl3?.run((what, error) => this.report(what, error));
		await Promise.all([leader, coordination, ...this.workers.map((worker) => worker.run())]);
	}

	async shutdown(): Promise<void> {
		await Promise.allSettled([...this.workers.map((worker) => worker.shutdown()), this.kcl3?.shutdown()]);
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
