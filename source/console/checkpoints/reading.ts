import {DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import type {DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb';
import {
	checkpointPosition,
	documentsOf,
	leasesOfStream,
	requireLeaseTable,
	scanLeases,
	streamIdentity,
	type CheckpointPosition,
	type Lease,
	type LeaseClients,
	type StreamIdentifier,
} from '../leases.js';
import {mapLimited} from '../mapLimited.js';
import {shardNumber} from '../reshard.js';
import {shardView, type ShardView} from '../streams.js';
import {sleep} from '../aws/retry.js';
import {listAllShards, streamParameters, type StreamRef} from '../aws/shards.js';
import {readCoordination, workerLoad, type KclCoordination} from './coordination.js';
import {leaseOwnership} from './ownership.js';
import {firstRecord, type IteratorStart} from './scan.js';

/**
 * A KCL application's checkpoints on one stream, read from its lease table: per shard the lease owner,
 * lease counter, checkpoint and lag (the age of the first record after the checkpoint), with the shards
 * no live worker holds and the shards with no lease flagged. The store that keeps reading them for a
 * screen is store.ts; resets are plan.ts and write.ts.
 *
 * Reads are gentle on each shard's 5 GetRecords calls a second, which the application's own workers
 * share: a few shards at a time, one or two calls each for the lag.
 */

/** Whether a live worker holds a lease: judged by its counter, which a live worker bumps every few seconds. */
export type Holder =
	/** The counter moved between reads: a worker renews it. */
	| 'live'
	/** An owner is named, but the counter has not moved for the liveness window: no live worker holds it. */
	| 'stale'
	/** No owner. */
	| 'unowned'
	/** An owner is named; one read is not enough to tell whether it is alive. */
	| 'unknown'
	/** There is no lease. */
	| 'none';

export type ShardLag =
	/** The first record after the checkpoint, and its age. */
	| {
			readonly state: 'behind';
			readonly ageMs: number;
			readonly arrivalTime: string;
			readonly sequenceNumber: string;
			/** What Kinesis says of the same position. */
			readonly millisBehindLatest?: number;
	  }
	/** No record after the checkpoint. `endReached`: a closed shard read to its end, not yet checkpointed at SHARD_END. */
	| {readonly state: 'caught-up'; readonly endReached?: boolean; readonly note?: string}
	/** The checkpoint is SHARD_END: the shard is finished. */
	| {readonly state: 'shard-end'}
	| {readonly state: 'unknown'; readonly reason: string};

export type CheckpointFlag =
	/** A shard with unread records and no lease: no worker will read it until a lease is made for it. */
	| 'no-lease'
	/** An unfinished lease no live worker holds. */
	| 'not-held'
	/** A lease whose parent shards' leases are not at SHARD_END: the KCL does not read it yet. */
	| 'waiting-for-parent'
	/** An unfinished lease of a shard the stream no longer lists (past retention, or another stream's). */
	| 'shard-gone'
	/** KCL 3.x: a graceful handoff is under way (checkpointOwner set): the previous owner writes the last checkpoint, then the next one reads. */
	| 'handoff';

export interface ShardCheckpoint {
	readonly shardId: string;
	/** Absent when the shard has no lease. */
	readonly leaseKey?: string;
	/** The shard as ListShards lists it; absent when it no longer does. */
	readonly shard?: {readonly open: boolean; readonly parents: readonly string[]};
	readonly leaseOwner?: string;
	readonly leaseCounter?: number;
	/** As stored in the lease. */
	readonly checkpoint?: string;
	readonly checkpointSubSequenceNumber?: number;
	/** KCL 3.x: during a graceful handoff, the previous owner, which alone may still checkpoint (`leaseOwner` names the next). */
	readonly checkpointOwner?: string;
	/** KCL 3.x: what the owner reads from the shard, KB/s. */
	readonly throughputKBps?: number;
	/** From the lease, else from the shard. */
	readonly parentShardIds: readonly string[];
	/** The lease's childShardIds, once the KCL has recorded them at the shard's end. */
	readonly childShardIds?: readonly string[];
	/** The hash key range the lease records. */
	readonly hashKeyRange?: {readonly startingHashKey: string; readonly endingHashKey: string};
	readonly position: CheckpointPosition;
	readonly holder: Holder;
	readonly lag: ShardLag;
	readonly flags: readonly CheckpointFlag[];
	/** A word on the shard's state, for the user. */
	readonly note?: string;
}

export interface WorkerSummary {
	readonly owner: string;
	readonly leases: number;
	/** Whether any of its leases was seen renewed; undefined when liveness was not checked. */
	readonly live: boolean | undefined;
	/** KCL 3.x: the sum of its leases' throughputKBps. */
	readonly throughputKBps?: number;
	/** KCL 3.x: its CPU utilization as its worker metric stats last reported it, percent. */
	readonly cpuPercent?: number;
	/** When its worker metric stats were last reported (ISO). */
	readonly metricsUpdatedAt?: string;
}

export interface CheckpointsReport {
	readonly stream: string;
	readonly application: string;
	readonly multiStream: boolean;
	/** When the leases were read (ISO). */
	readonly at: string;
	/** Every shard with a lease or still listed, in shard id order. */
	readonly shards: readonly ShardCheckpoint[];
	readonly workers: readonly WorkerSummary[];
	readonly summary: {
		readonly leases: number;
		/** Shards with records after their checkpoint. */
		readonly behind: number;
		readonly maxLagMs?: number;
		readonly maxLagShardId?: string;
		/** Shards whose lag could not be told (no checkpoint to read from, the shard gone, Kinesis refusing the checkpoint). */
		readonly unknownLag: number;
		readonly notHeld: number;
		readonly noLease: number;
		readonly finished: number;
	};
	/** Multi-stream: leases of an earlier stream of the same name, left out. */
	readonly otherIncarnations: number;
	/** Why the leases do not look like this stream's (ownership.ts), when they do not: another stream's application, or the stream's before it was made again. */
	readonly otherStream?: string;
	/** How long apart the two lease reads were that liveness was judged over (0: one read). */
	readonly livenessMs: number;
	/** The KCL version, leader, migration state and worker metrics (coordination.ts); absent when they could not be read. */
	readonly kcl?: KclCoordination;
	/** Why `kcl` could not be read. */
	readonly kclProblem?: string;
}

/** What a reader of an application's checkpoints knows of the stream and its lease table. */
export interface ApplicationState {
	readonly leases: readonly Lease[];
	readonly multiStream: boolean;
	readonly streamIdentifier?: StreamIdentifier;
	readonly otherIncarnations: number;
	/** Every shard ListShards lists, by id. */
	readonly shards: ReadonlyMap<string, ShardView>;
	/** The stream as lease keys name it, to read the leases again with. */
	readonly identity: StreamIdentity;
	readonly coordination?: KclCoordination;
	readonly coordinationProblem?: string;
}

type StreamIdentity = ReturnType<typeof streamIdentity>;

export async function loadState(
	clients: LeaseClients,
	documents: DynamoDBDocumentClient,
	stream: StreamRef,
	application: string,
	signal?: AbortSignal,
	reads: LeaseReads = 'consistent',
): Promise<ApplicationState> {
	const send = signal ? {abortSignal: signal} : {};
	const [{StreamDescriptionSummary: summary}, shards, table] = await Promise.all([
		clients.kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), send),
		listAllShards(clients.kinesis, stream, signal),
		requireLeaseTable(clients.dynamodb, application, signal),
	]);
	const identity = streamIdentity(stream, summary?.StreamARN, summary?.StreamCreationTimestamp);
	const others: Array<Readonly<Record<string, unknown>>> = [];
	const leases = leasesOfStream(
		await scanLeases(documents, application, {
			...(signal ? {signal} : {}),
			others: (item) => others.push(item),
			consistent: reads === 'consistent',
		}),
		identity,
	);
	let coordination: Pick<ApplicationState, 'coordination' | 'coordinationProblem'>;
	try {
		coordination = {coordination: await readCoordination(documents, application, table, others, leases.leases, signal)};
	} catch (error) {
		// The leases are what the checkpoints are; what 3.x keeps beside them is shown when it can be read.
		if (signal?.aborted) throw error;
		coordination = {coordinationProblem: describe(error)};
	}
	return {...leases, ...coordination, identity, shards: new Map(shards.map((shard) => [shard.ShardId ?? '', shardView(shard)]))};
}

export async function readLeases(
	documents: DynamoDBDocumentClient,
	application: string,
	identity: StreamIdentity,
	signal?: AbortSignal,
	reads: LeaseReads = 'consistent',
) {
	return leasesOfStream(
		await scanLeases(documents, application, {...(signal ? {signal} : {}), consistent: reads === 'consistent'}),
		identity,
	);
}

/** How a lease table is read: strongly consistent for a plan that changes it, eventually for a view (scanLeases). */
type LeaseReads = 'consistent' | 'eventual';

/**
 * Tells live leases from abandoned ones over successive reads of a lease table: a lease whose counter
 * moved within `staleAfterMs` is live, one whose counter has not moved for that long is stale.
 */
export class LeaseWatch {
	private readonly seen = new Map<string, {counter: number; sinceMs: number; changedAtMs?: number}>();

	constructor(readonly staleAfterMs: number) {}

	observe(leases: readonly Lease[], atMs: number): void {
		const keys = new Set<string>();
		for (const lease of leases) {
			keys.add(lease.leaseKey);
			const previous = this.seen.get(lease.leaseKey);
			if (previous === undefined) this.seen.set(lease.leaseKey, {counter: lease.leaseCounter, sinceMs: atMs});
			else if (previous.counter !== lease.leaseCounter)
				this.seen.set(lease.leaseKey, {counter: lease.leaseCounter, sinceMs: atMs, changedAtMs: atMs});
		}
		for (const key of [...this.seen.keys()]) if (!keys.has(key)) this.seen.delete(key);
	}

	holder(lease: Lease | undefined, atMs: number): Holder {
		if (lease === undefined) return 'none';
		if (lease.leaseOwner === undefined) return 'unowned';
		if (this.staleAfterMs <= 0) return 'unknown';
		const entry = this.seen.get(lease.leaseKey);
		if (entry === undefined || entry.counter !== lease.leaseCounter) return 'unknown';
		if (entry.changedAtMs !== undefined && atMs - entry.changedAtMs < this.staleAfterMs) return 'live';
		if (atMs - entry.sinceMs >= this.staleAfterMs) return 'stale';
		return 'unknown';
	}
}

export interface ReadOptions {
	/**
	 * Read the leases twice this long apart to tell live workers from dead ones (a KCL worker renews its
	 * leases every third of its failover time, 10 s by default). 0 reads once. Default 5 s.
	 */
	readonly livenessMs?: number;
	/** Shards whose lag is read at once. Default 4. */
	readonly concurrency?: number;
	readonly signal?: AbortSignal;
	/** The clock lag is measured with. */
	readonly now?: () => number;
}

/** The application's checkpoints on the stream: per shard lease, checkpoint, holder and lag. */
export async function readCheckpoints(
	clients: LeaseClients,
	stream: StreamRef,
	application: string,
	options: ReadOptions = {},
): Promise<CheckpointsReport> {
	const livenessMs = Math.max(0, options.livenessMs ?? 5_000);
	return new CheckpointReader(clients, stream, application, {...options, staleAfterMs: livenessMs}).read(livenessMs);
}

/** Reads an application's checkpoints again and again, keeping what liveness needs between reads. */
export class CheckpointReader {
	readonly watch: LeaseWatch;
	private readonly documents: DynamoDBDocumentClient;
	private ownership: Promise<string | undefined> | undefined;
	private readonly now: () => number;

	constructor(
		private readonly clients: LeaseClients,
		private readonly stream: StreamRef,
		private readonly application: string,
		private readonly options: Omit<ReadOptions, 'livenessMs'> & {readonly staleAfterMs: number},
	) {
		this.watch = new LeaseWatch(options.staleAfterMs);
		this.documents = documentsOf(clients);
		this.now = options.now ?? Date.now;
	}

	/** One report; with `secondReadAfterMs`, the leases are read again that much later (while lags are read) to judge liveness. */
	async read(secondReadAfterMs = 0, signal = this.options.signal): Promise<CheckpointsReport> {
		const state = await loadState(this.clients, this.documents, this.stream, this.application, signal, 'eventual');
		const firstAt = this.now();
		this.watch.observe(state.leases, firstAt);
		// Whose leases: asked once per reader (a GetShardIterator), beside the lags; again while there are no
		// leases yet or Kinesis could not be asked.
		if (this.ownership === undefined && !state.multiStream && state.leases.length > 0) {
			const asked = leaseOwnership(this.clients.kinesis, this.stream, state.leases, new Set(state.shards.keys()), signal).then(
				(owned) => {
					if (owned.kind === 'unconfirmed') this.ownership = undefined;
					return owned.kind === 'other-stream' ? owned.reason : undefined;
				},
				(error: unknown) => {
					this.ownership = undefined;
					throw error;
				},
			);
			// Awaited after the lags; should they fail first (the view closed), its failure is not another.
			asked.catch(() => undefined);
			this.ownership = asked;
		}
		const ownership = this.ownership ?? Promise.resolve(undefined);
		const lags = new Map<string, Promise<ShardLag>>();
		const lagOf = (lease: Lease) => {
			const key = `${lease.shardId} ${lease.checkpoint ?? ''} ${lease.checkpointSubSequenceNumber ?? 0}`;
			let lag = lags.get(key);
			if (lag === undefined) {
				lag = measureLag(this.clients.kinesis, this.stream, lease, state.shards.has(lease.shardId), this.now, signal);
				lags.set(key, lag);
			}
			return lag;
		};
		const first = mapLimited(state.leases, this.options.concurrency ?? 4, lagOf);
		let leases = state.leases;
		let readAt = firstAt;
		const owned = leases.some((lease) => lease.leaseOwner !== undefined && checkpointPosition(lease).type !== 'SHARD_END');
		if (secondReadAfterMs > 0 && owned) {
			await sleep(secondReadAfterMs, signal);
			leases = (await readLeases(this.documents, this.application, state.identity, signal, 'eventual')).leases;
			readAt = this.now();
			this.watch.observe(leases, readAt);
		}
		await first;
		const lagByShard = new Map<string, ShardLag>();
		await mapLimited(leases, this.options.concurrency ?? 4, async (lease) => lagByShard.set(lease.shardId, await lagOf(lease)));
		const otherStream = await ownership;
		const report = buildReport(
			this.stream,
			this.application,
			{...state, leases},
			lagByShard,
			(lease) => this.watch.holder(lease, readAt),
			readAt,
			secondReadAfterMs > 0 && owned ? secondReadAfterMs : 0,
		);
		return otherStream === undefined ? report : {...report, otherStream};
	}
}

/** The report from what was read: a row per shard (shardCheckpoint), the workers with their leases, and the summary. */
function buildReport(
	stream: StreamRef,
	application: string,
	state: ApplicationState,
	lags: ReadonlyMap<string, ShardLag>,
	holderOf: (lease: Lease | undefined) => Holder,
	atMs: number,
	livenessMs: number,
): CheckpointsReport {
	const byShard = new Map(state.leases.map((lease) => [lease.shardId, lease]));
	const finishedWithoutLease = finishedShards(state.shards, byShard);
	const ids = [...new Set([...byShard.keys(), ...state.shards.keys()])].sort(
		(a, b) => shardNumber(a) - shardNumber(b) || a.localeCompare(b),
	);
	const shards = ids.map((shardId) => shardCheckpoint(shardId, {state, byShard, finishedWithoutLease, lags, holderOf}));
	const workers = new Map<string, {leases: number; live: boolean | undefined}>();
	for (const lease of state.leases) {
		if (lease.leaseOwner === undefined) continue;
		const worker = workers.get(lease.leaseOwner) ?? {leases: 0, live: livenessMs > 0 ? false : undefined};
		worker.leases++;
		if (holderOf(lease) === 'live') worker.live = true;
		workers.set(lease.leaseOwner, worker);
	}
	let maxLag: {ms: number; shardId: string} | undefined;
	for (const shard of shards)
		if (shard.lag.state === 'behind' && (maxLag === undefined || shard.lag.ageMs > maxLag.ms))
			maxLag = {ms: shard.lag.ageMs, shardId: shard.shardId};
	return {
		stream,
		application,
		multiStream: state.multiStream,
		at: new Date(atMs).toISOString(),
		shards,
		workers: [...workers]
			.map(([owner, worker]) => ({owner, ...worker, ...workerLoad(owner, state.leases, state.coordination)}))
			.sort((a, b) => b.leases - a.leases || a.owner.localeCompare(b.owner)),
		summary: {
			leases: state.leases.length,
			behind: shards.filter((shard) => shard.lag.state === 'behind').length,
			...(maxLag === undefined ? {} : {maxLagMs: maxLag.ms, maxLagShardId: maxLag.shardId}),
			unknownLag: shards.filter((shard) => shard.lag.state === 'unknown').length,
			notHeld: shards.filter((shard) => shard.flags.includes('not-held')).length,
			noLease: shards.filter((shard) => shard.flags.includes('no-lease')).length,
			finished: shards.filter((shard) => shard.lag.state === 'shard-end').length,
		},
		otherIncarnations: state.otherIncarnations,
		livenessMs,
		...(state.coordination === undefined ? {} : {kcl: state.coordination}),
		...(state.coordinationProblem === undefined ? {} : {kclProblem: state.coordinationProblem}),
	};
}

/** One shard's row of the report: its lease, position, holder and lag, with the flags and the note worth reading. */
function shardCheckpoint(
	shardId: string,
	{
		state,
		byShard,
		finishedWithoutLease,
		lags,
		holderOf,
	}: {
		readonly state: ApplicationState;
		readonly byShard: ReadonlyMap<string, Lease>;
		readonly finishedWithoutLease: ReadonlySet<string>;
		readonly lags: ReadonlyMap<string, ShardLag>;
		readonly holderOf: (lease: Lease | undefined) => Holder;
	},
): ShardCheckpoint {
	const lease = byShard.get(shardId);
	const shard = state.shards.get(shardId);
	const position = checkpointPosition(lease);
	const holder = holderOf(lease);
	const parentShardIds = lease && lease.parentShardIds.length > 0 ? lease.parentShardIds : (shard?.parents ?? []);
	const flags: CheckpointFlag[] = [];
	let note: string | undefined;
	let lag: ShardLag = lags.get(shardId) ?? {state: 'unknown', reason: 'not read'};
	if (lease === undefined) {
		if (finishedWithoutLease.has(shardId)) {
			lag = {state: 'shard-end'};
			note = 'finished: its lease was removed once its children had leases';
		} else {
			flags.push('no-lease');
			const leasedParents = parentShardIds.filter((parent) => byShard.has(parent));
			lag = {state: 'unknown', reason: 'no lease'};
			note =
				leasedParents.length > 0
					? `no lease yet: the KCL makes one when ${leasedParents.join(' and ')} reach${leasedParents.length === 1 ? 'es' : ''} SHARD_END, starting at TRIM_HORIZON`
					: "no lease: the application has not picked this shard up; its shard sync makes a lease at the application's initial position";
		}
	} else {
		const finished = position.type === 'SHARD_END';
		if (!finished && shard === undefined) {
			flags.push('shard-gone');
			note = 'the stream no longer lists this shard (past retention, or not this stream)';
		}
		if (!finished && (holder === 'stale' || holder === 'unowned')) flags.push('not-held');
		const waiting = lease.parentShardIds.filter((parent) => {
			const parentLease = byShard.get(parent);
			return parentLease !== undefined && checkpointPosition(parentLease).type !== 'SHARD_END';
		});
		if (!finished && waiting.length > 0) {
			flags.push('waiting-for-parent');
			note ??= `waits for ${waiting.join(' and ')} to reach SHARD_END`;
		}
		if (!finished && lease.checkpointOwner !== undefined) {
			flags.push('handoff');
			note ??= `handed off: ${lease.checkpointOwner} writes its last checkpoint, then ${lease.leaseOwner ?? 'the next owner'} reads on`;
		}
	}
	return {
		shardId,
		...(lease === undefined ? {} : {leaseKey: lease.leaseKey}),
		...(shard === undefined ? {} : {shard: {open: shard.open, parents: shard.parents}}),
		...(lease?.leaseOwner === undefined ? {} : {leaseOwner: lease.leaseOwner}),
		...(lease === undefined ? {} : {leaseCounter: lease.leaseCounter}),
		...(lease?.checkpoint === undefined ? {} : {checkpoint: lease.checkpoint}),
		...(lease?.checkpointSubSequenceNumber === undefined ? {} : {checkpointSubSequenceNumber: lease.checkpointSubSequenceNumber}),
		...(lease?.checkpointOwner === undefined ? {} : {checkpointOwner: lease.checkpointOwner}),
		...(lease?.throughputKBps === undefined ? {} : {throughputKBps: lease.throughputKBps}),
		parentShardIds,
		...(lease === undefined || lease.childShardIds.length === 0 ? {} : {childShardIds: lease.childShardIds}),
		...(lease?.hashKeyRange === undefined ? {} : {hashKeyRange: lease.hashKeyRange}),
		position,
		holder,
		lag,
		flags,
		...(note === undefined ? {} : {note}),
	};
}

/** Closed shards with no lease whose descendants have leases: finished, their leases cleaned up by the KCL. */
export function finishedShards(shards: ReadonlyMap<string, ShardView>, leases: ReadonlyMap<string, Lease>): Set<string> {
	const children = new Map<string, string[]>();
	for (const shard of shards.values())
		for (const parent of shard.parents) children.set(parent, [...(children.get(parent) ?? []), shard.shardId]);
	const hasLeasedDescendant = (shardId: string, depth = 0): boolean =>
		depth < 64 && (children.get(shardId) ?? []).some((child) => leases.has(child) || hasLeasedDescendant(child, depth + 1));
	return new Set(
		[...shards.values()]
			.filter((shard) => !shard.open && !leases.has(shard.shardId) && hasLeasedDescendant(shard.shardId))
			.map((shard) => shard.shardId),
	);
}

/** The age of the first record after a lease's checkpoint: one GetShardIterator and usually one GetRecords (Limit 1). `listed`: ListShards lists its shard. */
export async function measureLag(
	kinesis: KinesisClient,
	stream: StreamRef,
	lease: Lease,
	listed: boolean,
	now: () => number,
	signal?: AbortSignal,
): Promise<ShardLag> {
	const position = checkpointPosition(lease);
	if (position.type === 'SHARD_END') return {state: 'shard-end'};
	if (!listed) return {state: 'unknown', reason: 'the stream no longer lists the shard'};
	let start: IteratorStart;
	switch (position.type) {
		case 'TRIM_HORIZON':
			start = {ShardIteratorType: 'TRIM_HORIZON'};
			break;
		case 'SEQUENCE_NUMBER':
			// A checkpoint inside an aggregated record (sub-sequence above 0) resumes at that record.
			start = {
				ShardIteratorType: position.subSequenceNumber > 0 ? 'AT_SEQUENCE_NUMBER' : 'AFTER_SEQUENCE_NUMBER',
				StartingSequenceNumber: position.sequenceNumber,
			};
			break;
		case 'LATEST':
			return {state: 'caught-up', note: 'starts at LATEST: reads only what arrives once a worker takes the lease'};
		case 'AT_TIMESTAMP':
			return {state: 'unknown', reason: "starts at the application's initial timestamp, which is in its configuration, not in the lease"};
		case 'NONE':
			return {state: 'unknown', reason: 'no checkpoint'};
		case 'UNKNOWN':
			return {state: 'unknown', reason: `checkpoint '${position.text}' is not a sequence number`};
	}
	try {
		const found = await firstRecord(kinesis, stream, lease.shardId, start, signal);
		if (found.record) {
			const arrivalMs = found.record.ApproximateArrivalTimestamp?.getTime() ?? now();
			return {
				state: 'behind',
				ageMs: Math.max(0, now() - arrivalMs),
				arrivalTime: new Date(arrivalMs).toISOString(),
				sequenceNumber: found.record.SequenceNumber ?? '',
				...(found.millisBehindLatest === undefined ? {} : {millisBehindLatest: found.millisBehindLatest}),
			};
		}
		return found.ended
			? {state: 'caught-up', endReached: true, note: 'read to the end of the closed shard; SHARD_END not checkpointed yet'}
			: {state: 'caught-up'};
	} catch (error) {
		if (signal?.aborted) throw error;
		return {state: 'unknown', reason: describe(error)};
	}
}

const describe = (error: unknown): string => {
	const shape = (error ?? {}) as {name?: string; message?: string};
	return [shape.name && shape.name !== 'Error' ? shape.name : undefined, shape.message].filter(Boolean).join(': ') || String(error);
};
