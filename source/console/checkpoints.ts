import {
	DescribeStreamSummaryCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	type KinesisClient,
	type _Record,
} from '@aws-sdk/client-kinesis';
import {GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb';
import {AuditLog, auditTarget} from './auditLog.js';
import {isAbort, problemError, retrying, type ChangeContext, type ChangeProgress, type PlanProblem} from './changes.js';
import {ConsoleError, formatFailure, toFailure} from './failures.js';
import {
	checkpointPosition,
	documentsOf,
	LEASE_KEY,
	leaseFromItem,
	leaseKeyOf,
	leasesOfStream,
	requireLeaseTable,
	scanLeases,
	streamIdentifierText,
	streamIdentity,
	type CheckpointPosition,
	type Lease,
	type LeaseClients,
	type StreamIdentifier,
} from './leases.js';
import {normalizeShardId, shardNumber} from './reshard.js';
import {Store, type Loadable} from './store.js';
import {shardView, type ShardView} from './streams.js';
import {backoffDelay, sleep} from './tail/backoff.js';
import {failureAction} from './tail/retryPolicy.js';
import {listAllShards, streamParameters, type StreamRef} from './tail/shardListing.js';
import {mapLimited} from './mapLimited.js';
import {streamNameOf} from './traffic.js';

/**
 * A KCL application's checkpoints on one stream, read from its lease table: per shard the lease owner,
 * lease counter, checkpoint and lag (the age of the first record after the checkpoint), the shards no
 * live worker holds and the shards with no lease flagged; a store that keeps a lag series per shard
 * while a view is open; and checkpoint resets as plans (what each shard's checkpoint becomes and what
 * will be re-read or skipped) executed with conditional writes that never overwrite a checkpoint
 * written after the plan was made.
 *
 * Reads are gentle on each shard's 5 GetRecords calls a second, which the application's own workers
 * share: a few shards at a time, one or two calls each for the lag, at most `callsPerSecond` while
 * counting records for a plan.
 */

// ---------------------------------------------------------------------------------------------------
// Reading

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
	| 'shard-gone';

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
	/** From the lease, else from the shard. */
	readonly parentShardIds: readonly string[];
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
		readonly notHeld: number;
		readonly noLease: number;
		readonly finished: number;
	};
	/** Multi-stream: leases of an earlier stream of the same name, left out. */
	readonly otherIncarnations: number;
	/** How long apart the two lease reads were that liveness was judged over (0: one read). */
	readonly livenessMs: number;
}

/** What a reader of an application's checkpoints knows of the stream and its lease table. */
interface ApplicationState {
	readonly leases: readonly Lease[];
	readonly multiStream: boolean;
	readonly streamIdentifier?: StreamIdentifier;
	readonly otherIncarnations: number;
	/** Every shard ListShards lists, by id. */
	readonly shards: ReadonlyMap<string, ShardView>;
	/** The stream as lease keys name it, to read the leases again with. */
	readonly identity: StreamIdentity;
}

type StreamIdentity = ReturnType<typeof streamIdentity>;

async function loadState(
	clients: LeaseClients,
	documents: DynamoDBDocumentClient,
	stream: StreamRef,
	application: string,
	signal?: AbortSignal,
): Promise<ApplicationState> {
	const send = signal ? {abortSignal: signal} : {};
	const [{StreamDescriptionSummary: summary}, shards] = await Promise.all([
		clients.kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), send),
		listAllShards(clients.kinesis, stream, signal),
		requireLeaseTable(clients.dynamodb, application, signal),
	]);
	const identity = streamIdentity(stream, summary?.StreamARN, summary?.StreamCreationTimestamp);
	const leases = await readLeases(documents, application, identity, signal);
	return {...leases, identity, shards: new Map(shards.map((shard) => [shard.ShardId ?? '', shardView(shard)]))};
}

async function readLeases(documents: DynamoDBDocumentClient, application: string, identity: StreamIdentity, signal?: AbortSignal) {
	return leasesOfStream(await scanLeases(documents, application, signal ? {signal} : {}), identity);
}

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
class CheckpointReader {
	readonly watch: LeaseWatch;
	private readonly documents: DynamoDBDocumentClient;
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
		const state = await loadState(this.clients, this.documents, this.stream, this.application, signal);
		const firstAt = this.now();
		this.watch.observe(state.leases, firstAt);
		const lags = new Map<string, Promise<ShardLag>>();
		const lagOf = (lease: Lease) => {
			const key = `${lease.shardId} ${lease.checkpoint ?? ''} ${lease.checkpointSubSequenceNumber ?? 0}`;
			let lag = lags.get(key);
			if (lag === undefined) {
				lag = measureLag(this.clients.kinesis, this.stream, lease, state.shards.get(lease.shardId), this.now, signal);
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
			leases = (await readLeases(this.documents, this.application, state.identity, signal)).leases;
			readAt = this.now();
			this.watch.observe(leases, readAt);
		}
		await first;
		const lagByShard = new Map<string, ShardLag>();
		await mapLimited(leases, this.options.concurrency ?? 4, async (lease) => lagByShard.set(lease.shardId, await lagOf(lease)));
		return buildReport(
			this.stream,
			this.application,
			{...state, leases},
			lagByShard,
			(lease) => this.watch.holder(lease, readAt),
			readAt,
			secondReadAfterMs > 0 && owned ? secondReadAfterMs : 0,
		);
	}
}

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
	const shards = ids.map((shardId): ShardCheckpoint => {
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
		}
		return {
			shardId,
			...(lease === undefined ? {} : {leaseKey: lease.leaseKey}),
			...(shard === undefined ? {} : {shard: {open: shard.open, parents: shard.parents}}),
			...(lease?.leaseOwner === undefined ? {} : {leaseOwner: lease.leaseOwner}),
			...(lease === undefined ? {} : {leaseCounter: lease.leaseCounter}),
			...(lease?.checkpoint === undefined ? {} : {checkpoint: lease.checkpoint}),
			...(lease?.checkpointSubSequenceNumber === undefined ? {} : {checkpointSubSequenceNumber: lease.checkpointSubSequenceNumber}),
			parentShardIds,
			position,
			holder,
			lag,
			flags,
			...(note === undefined ? {} : {note}),
		};
	});
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
			.map(([owner, worker]) => ({owner, ...worker}))
			.sort((a, b) => b.leases - a.leases || a.owner.localeCompare(b.owner)),
		summary: {
			leases: state.leases.length,
			behind: shards.filter((shard) => shard.lag.state === 'behind').length,
			...(maxLag === undefined ? {} : {maxLagMs: maxLag.ms, maxLagShardId: maxLag.shardId}),
			notHeld: shards.filter((shard) => shard.flags.includes('not-held')).length,
			noLease: shards.filter((shard) => shard.flags.includes('no-lease')).length,
			finished: shards.filter((shard) => shard.lag.state === 'shard-end').length,
		},
		otherIncarnations: state.otherIncarnations,
		livenessMs,
	};
}

/** Closed shards with no lease whose descendants have leases: finished, their leases cleaned up by the KCL. */
function finishedShards(shards: ReadonlyMap<string, ShardView>, leases: ReadonlyMap<string, Lease>): Set<string> {
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

/** GetRecords calls while a page comes back empty but behind (Kinesis moving past expired data). */
const LAG_MAX_CALLS = 5;

/** The age of the first record after a lease's checkpoint: one GetShardIterator and usually one GetRecords (Limit 1). */
async function measureLag(
	kinesis: KinesisClient,
	stream: StreamRef,
	lease: Lease,
	shard: ShardView | undefined,
	now: () => number,
	signal?: AbortSignal,
): Promise<ShardLag> {
	const position = checkpointPosition(lease);
	if (position.type === 'SHARD_END') return {state: 'shard-end'};
	if (shard === undefined) return {state: 'unknown', reason: 'the stream no longer lists the shard'};
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

type IteratorStart = {
	readonly ShardIteratorType: 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';
	readonly StartingSequenceNumber?: string;
	readonly Timestamp?: Date;
};

/** The first record from a position: a few Limit 1 calls at most. `ended`: a closed shard with nothing left. */
async function firstRecord(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	start: IteratorStart,
	signal?: AbortSignal,
): Promise<{record?: _Record; millisBehindLatest?: number; ended: boolean}> {
	let result: {record?: _Record; millisBehindLatest?: number; ended: boolean} = {ended: false};
	await scanRecords(
		kinesis,
		stream,
		shardId,
		start,
		{limit: 1, maxCalls: LAG_MAX_CALLS, callsPerSecond: 4, ...(signal ? {signal} : {})},
		(record, page) => {
			result = {record, ...(page.millisBehindLatest === undefined ? {} : {millisBehindLatest: page.millisBehindLatest}), ended: false};
			return false;
		},
	).then((end) => {
		if (result.record === undefined) result = {ended: end.reason === 'end'};
	});
	return result;
}

interface ScanOptions {
	/** GetRecords Limit, or the Limit of each call (0 first): small first, so a short range costs little. */
	readonly limit: number | ((call: number) => number);
	readonly callsPerSecond: number;
	readonly maxCalls?: number;
	/** Stop (reason 'budget') at this time (Date.now clock). */
	readonly deadline?: number;
	readonly signal?: AbortSignal;
}

type ScanEnd = {readonly reason: 'visitor' | 'tip' | 'end' | 'budget'};

/** Retries of a throttled or failed GetRecords while scanning. */
const SCAN_RETRIES = 4;

/**
 * Reads a shard from a position, record by record, until `visit` returns false, the newest record has
 * been read ('tip'), a closed shard ends ('end'), or the budget runs out. Paced to `callsPerSecond`,
 * retrying throttled calls with backoff.
 */
async function scanRecords(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	start: IteratorStart,
	options: ScanOptions,
	visit: (record: _Record, page: {readonly millisBehindLatest?: number}) => boolean,
): Promise<ScanEnd> {
	const send = options.signal ? {abortSignal: options.signal} : {};
	const interval = 1000 / Math.min(5, Math.max(0.1, options.callsPerSecond));
	let iterator = (
		await withRetries(
			() => kinesis.send(new GetShardIteratorCommand({...streamParameters(stream), ShardId: shardId, ...start}), send),
			options.signal,
		)
	).ShardIterator;
	let lastCall = 0;
	for (let call = 0; iterator; call++) {
		const at = Math.max(Date.now(), lastCall + interval);
		// The first call is always made: a scan that read nothing could say nothing, not even a rate.
		if (
			(options.maxCalls !== undefined && call >= options.maxCalls) ||
			(call > 0 && options.deadline !== undefined && at >= options.deadline)
		)
			return {reason: 'budget'};
		await sleep(at - Date.now(), options.signal);
		if (options.signal?.aborted) throw abortError();
		lastCall = Date.now();
		const current = iterator;
		const limit = typeof options.limit === 'number' ? options.limit : options.limit(call);
		const page = await withRetries(() => kinesis.send(new GetRecordsCommand({ShardIterator: current, Limit: limit}), send), options.signal);
		const behind = page.MillisBehindLatest === undefined ? {} : {millisBehindLatest: page.MillisBehindLatest};
		for (const record of page.Records ?? []) if (!visit(record, behind)) return {reason: 'visitor'};
		if (!page.NextShardIterator) return {reason: 'end'};
		if ((page.MillisBehindLatest ?? 0) === 0 && (page.Records ?? []).length < limit) return {reason: 'tip'};
		iterator = page.NextShardIterator;
	}
	return {reason: 'end'};
}

async function withRetries<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		try {
			return await call();
		} catch (error) {
			if (signal?.aborted || attempt >= SCAN_RETRIES || failureAction(error) !== 'retry') throw error;
			await sleep(Math.max(100, backoffDelay(attempt, 250, 4_000)), signal);
		}
	}
}

function abortError(): Error {
	const error = new Error('Stopped.');
	error.name = 'AbortError';
	return error;
}

const describe = (error: unknown): string => {
	const shape = (error ?? {}) as {name?: string; message?: string};
	return [shape.name && shape.name !== 'Error' ? shape.name : undefined, shape.message].filter(Boolean).join(': ') || String(error);
};

// ---------------------------------------------------------------------------------------------------
// The store

export interface LagPoint {
	readonly atMs: number;
	/** The lag then; 0 when caught up or finished, undefined when unknown. */
	readonly lagMs: number | undefined;
}

export interface CheckpointsView {
	readonly report: CheckpointsReport;
	/** Lag over time per shard, oldest first, since the store started. */
	readonly series: Readonly<Record<string, readonly LagPoint[]>>;
}

export interface CheckpointsStoreOptions {
	readonly clients: LeaseClients;
	readonly stream: StreamRef;
	readonly application: string;
	/** Time between reads. Default 5 s. */
	readonly refreshMs?: number;
	/** A lease whose counter has not moved for this long is not held by a live worker. Default 10 s. */
	readonly staleAfterMs?: number;
	/** Points kept per shard. Default 360 (30 minutes at 5 s). */
	readonly seriesPoints?: number;
	readonly concurrency?: number;
	readonly now?: () => number;
	readonly describeError?: (error: unknown) => Promise<string> | string;
}

/** How long a lease's counter may stay put before a view says no live worker holds it (the KCL's default failover time). */
export const HOLDER_STALE_MS = 10_000;

/**
 * An application's checkpoints for a view: read at once and every few seconds while started, holders
 * judged over successive reads, and each shard's lag kept as a series for charting. Does nothing until
 * started, and leaves nothing running once stopped.
 */
export class CheckpointsStore extends Store<Loadable<CheckpointsView>> {
	private readonly reader: CheckpointReader;
	private readonly series = new Map<string, LagPoint[]>();
	private session: StoreSession | undefined;
	private running: Promise<void> | undefined;

	constructor(private readonly options: CheckpointsStoreOptions) {
		super({status: 'loading'});
		this.reader = new CheckpointReader(options.clients, options.stream, options.application, {
			staleAfterMs: options.staleAfterMs ?? HOLDER_STALE_MS,
			...(options.concurrency === undefined ? {} : {concurrency: options.concurrency}),
			...(options.now === undefined ? {} : {now: options.now}),
		});
	}

	/** The holders as this store has judged them: pass to planCheckpointReset to skip its own liveness reads. */
	get watch(): LeaseWatch {
		return this.reader.watch;
	}

	start(): void {
		if (this.session) return;
		const session: StoreSession = {controller: new AbortController(), work: new Set()};
		this.session = session;
		const tick = () => {
			if (this.session !== session) return;
			const work = this.refresh().finally(() => {
				session.work.delete(work);
				if (this.session === session) {
					session.timer = setTimeout(tick, this.options.refreshMs ?? 5_000);
					session.timer.unref?.();
				}
			});
			session.work.add(work);
		};
		tick();
	}

	async stop(): Promise<void> {
		const session = this.session;
		if (!session) return;
		this.session = undefined;
		clearTimeout(session.timer);
		session.controller.abort();
		await Promise.allSettled([...session.work]);
	}

	/** Reads once now (a read under way is shared). */
	refresh(): Promise<void> {
		this.running ??= this.readOnce(this.session?.controller.signal).finally(() => (this.running = undefined));
		return this.running;
	}

	lagSeries(shardId: string): readonly LagPoint[] {
		return this.series.get(shardId) ?? [];
	}

	private async readOnce(signal: AbortSignal | undefined): Promise<void> {
		try {
			const report = await this.reader.read(0, signal);
			const atMs = Date.parse(report.at);
			const keep = this.options.seriesPoints ?? 360;
			for (const shard of report.shards) {
				const lagMs = shard.lag.state === 'behind' ? shard.lag.ageMs : shard.lag.state === 'unknown' ? undefined : 0;
				const points = [...(this.series.get(shard.shardId) ?? []), {atMs, lagMs}];
				this.series.set(shard.shardId, points.slice(-keep));
			}
			for (const shardId of [...this.series.keys()])
				if (!report.shards.some((shard) => shard.shardId === shardId)) this.series.delete(shardId);
			this.set({status: 'ready', value: {report, series: Object.fromEntries(this.series)}, updatedAt: new Date(atMs)});
		} catch (error) {
			if (signal?.aborted) return;
			const message = await (this.options.describeError ?? defaultDescribe)(error);
			this.set((previous) => (previous.status === 'ready' ? {...previous, refreshError: message} : {status: 'failed', error: message}));
		}
	}
}

interface StoreSession {
	readonly controller: AbortController;
	readonly work: Set<Promise<unknown>>;
	timer?: NodeJS.Timeout;
}

const defaultDescribe = async (error: unknown): Promise<string> => formatFailure(await toFailure(error, {service: 'dynamodb'}));

// ---------------------------------------------------------------------------------------------------
// Resets

/** Where a reset moves checkpoints. */
export type ResetTarget =
	| {readonly type: 'TRIM_HORIZON'}
	| {readonly type: 'LATEST'}
	/** Resolved per shard to the sequence number just before the first record at or after the time. */
	| {readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date}
	/** The checkpoint becomes this sequence number: the application resumes with the record after it. One shard only. */
	| {readonly type: 'SEQUENCE_NUMBER'; readonly sequenceNumber: string};

export interface ResetRequest {
	readonly to: ResetTarget;
	/** Shard ids (or numbers); default every shard the application has a lease for. */
	readonly shards?: readonly string[];
	/**
	 * Also make leases, at the new position, for the shards that have none (children after a reshard,
	 * say), instead of leaving them to start where the KCL starts them. Default false.
	 */
	readonly createMissingLeases?: boolean;
}

/** What a reset makes the application read again, or skip, in one shard. */
export type ResetEffect =
	| {readonly kind: 'none'}
	| {
			readonly kind: 're-read' | 'skip';
			readonly records: number;
			/** The count stopped at its budget: there are at least `records`. */
			readonly atLeast: boolean;
			/** When the time budget stopped the count: the records of the whole range, from the rate counted over its span. */
			readonly estimate?: number;
			/** Arrival of the first and last record counted, or of the range's last record when estimated (ISO). */
			readonly from?: string;
			readonly to?: string;
			readonly spanMs?: number;
			/** Skipping to LATEST also skips what arrives until a worker takes the lease. */
			readonly andNewer?: boolean;
	  }
	| {readonly kind: 'unknown'; readonly reason: string};

export interface ShardResetPlan {
	readonly shardId: string;
	readonly leaseKey: string;
	/** reset: a conditional write of the lease; create: a lease made where there is none; unchanged: nothing written. */
	readonly action: 'reset' | 'create' | 'unchanged';
	/** The lease as read for the plan: the conditional write expects exactly this. */
	readonly current: {
		readonly exists: boolean;
		readonly checkpoint?: string;
		readonly subSequenceNumber?: number;
		readonly leaseCounter?: number;
		readonly leaseOwner?: string;
		readonly holder: Holder;
	};
	readonly next: {
		readonly checkpoint: string;
		readonly subSequenceNumber: number;
		/** AT_TIMESTAMP: the first record at or after the time, which the application will read first. */
		readonly firstRecord?: {readonly sequenceNumber: string; readonly arrivalTime: string};
	};
	readonly effect: ResetEffect;
	readonly parentShardIds: readonly string[];
	readonly note?: string;
}

/** A shard with no lease, which the reset does not move unless asked to make its lease: the child-shard trap. */
export interface LeaselessShard {
	readonly shardId: string;
	readonly open: boolean;
	readonly parents: readonly string[];
	/** child: its parents have leases, and the KCL gives it a lease at TRIM_HORIZON once they finish; new: its lease comes from the shard sync, at the initial position. */
	readonly reason: 'child' | 'new';
	readonly startsAt: string;
	/** What it would read from TRIM_HORIZON. */
	readonly records: number;
	readonly atLeast: boolean;
	readonly from?: string;
	/** Whether this plan makes its lease (createMissingLeases). */
	readonly leaseCreated: boolean;
}

export interface CheckpointResetPlan {
	readonly operation: 'checkpoint-reset';
	readonly stream: string;
	readonly application: string;
	readonly multiStream: boolean;
	/** Multi-stream: the stream identifier new leases are keyed with. */
	readonly streamIdentifier?: string;
	readonly request: ResetRequest;
	/** The target in words: "TRIM_HORIZON", "AT_TIMESTAMP 2024-05-01T10:00:00.000Z". */
	readonly target: string;
	readonly plannedAt: string;
	readonly shards: readonly ShardResetPlan[];
	readonly leaseless: readonly LeaselessShard[];
	/** Workers seen renewing leases of the shards to reset. */
	readonly liveWorkers: readonly string[];
	readonly problems: readonly PlanProblem[];
	readonly warnings: readonly string[];
}

export interface ResetPlanOptions {
	/** As for {@link readCheckpoints}: two lease reads this far apart tell live workers. Default 5 s; ignored with `watch`. */
	readonly livenessMs?: number;
	/** Holders already judged (an open CheckpointsStore's `watch`). */
	readonly watch?: LeaseWatch;
	/** The owner the console holds leases as (a LeaseHold's): those leases are not a worker's. */
	readonly heldBy?: string;
	/** Counting what is re-read or skipped. */
	readonly budget?: {
		/** Records counted per shard before saying "at least". Default 100,000. */
		readonly recordsPerShard?: number;
		/**
		 * Time for all the counting before saying "at least" and estimating the rest from the rate counted.
		 * Default 0.6 s: a plan is read while the user waits, and reading a busy shard through takes minutes
		 * at its 2 MB/s.
		 */
		readonly timeMs?: number;
		/** GetRecords calls per second per shard; the application's workers share the shard's 5. Default 2. */
		readonly callsPerSecond?: number;
	};
	readonly concurrency?: number;
	readonly signal?: AbortSignal;
	readonly now?: () => number;
}

/** A reset target from what people type: trim-horizon, latest, 15m / 2h / an ISO time, or a sequence number (after:SEQ). */
export function parseResetTarget(text: string, now: Date = new Date()): ResetTarget {
	const value = text.trim();
	const lower = value.toLowerCase().replaceAll('_', '-');
	if (lower === 'trim-horizon' || lower === 'oldest') return {type: 'TRIM_HORIZON'};
	if (lower === 'latest' || lower === 'now') return {type: 'LATEST'};
	const sequence = /^(?:after:)?(\d{1,129})$/i.exec(value)?.[1];
	if (sequence !== undefined && sequence.length > 14) return {type: 'SEQUENCE_NUMBER', sequenceNumber: sequence};
	const relative = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i.exec(value);
	if (relative?.[1] && relative[2]) {
		const unit = {s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}[
			relative[2].toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'
		];
		return {type: 'AT_TIMESTAMP', timestamp: new Date(now.getTime() - Number(relative[1]) * unit)};
	}
	const iso = /^(?:at-timestamp:|at_timestamp:)?(\d{4}-\d{2}-\d{2}.*)$/i.exec(value)?.[1];
	if (iso !== undefined && !Number.isNaN(new Date(iso).getTime())) return {type: 'AT_TIMESTAMP', timestamp: new Date(iso)};
	throw new ConsoleError({
		kind: 'refused',
		message: `Cannot read the position '${text}'.`,
		hint: 'Use trim-horizon, latest, a time ago (15m, 2h, 1d), an ISO time (2024-05-01T10:00:00Z), or a sequence number (the checkpoint becomes it: the application resumes after it).',
	});
}

export function describeTarget(target: ResetTarget): string {
	switch (target.type) {
		case 'AT_TIMESTAMP':
			return `AT_TIMESTAMP ${target.timestamp.toISOString()}`;
		case 'SEQUENCE_NUMBER':
			return `sequence number ${target.sequenceNumber}`;
		default:
			return target.type;
	}
}

/** A place in a shard, for comparing checkpoints: before the first record, after a record, or after the newest. */
type Cursor = {readonly kind: 'start'} | {readonly kind: 'after'; readonly sequenceNumber: string} | {readonly kind: 'tip'};

function cursorOf(position: CheckpointPosition): Cursor | undefined {
	switch (position.type) {
		case 'TRIM_HORIZON':
			return {kind: 'start'};
		case 'SEQUENCE_NUMBER':
			return {kind: 'after', sequenceNumber: position.sequenceNumber};
		case 'LATEST':
		case 'SHARD_END':
			return {kind: 'tip'};
		default:
			return undefined;
	}
}

function compareCursors(a: Cursor, b: Cursor): number {
	const rank = (cursor: Cursor) => (cursor.kind === 'start' ? 0 : cursor.kind === 'after' ? 1 : 2);
	if (a.kind === 'after' && b.kind === 'after') {
		const x = BigInt(a.sequenceNumber);
		const y = BigInt(b.sequenceNumber);
		return x < y ? -1 : x > y ? 1 : 0;
	}
	return rank(a) - rank(b);
}

const startOf = (cursor: Cursor): IteratorStart =>
	cursor.kind === 'after'
		? {ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: cursor.sequenceNumber}
		: {ShardIteratorType: 'TRIM_HORIZON'};

interface Budget {
	readonly recordsPerShard: number;
	readonly deadline: number;
	readonly callsPerSecond: number;
	readonly signal?: AbortSignal;
}

/**
 * GetRecords Limits while counting or probing: 1,000 records first, doubling to Kinesis's 10,000. A
 * page of 10,000 records can be 10 MB, which takes seconds to read and spends five seconds of a shard's
 * 2 MB/s read throughput, shared with the application's own workers; most ranges a plan reads are
 * short, and a long one is estimated once the time budget is spent.
 */
const growingLimit = (call: number): number => Math.min(10_000, 1_000 * 2 ** call);

/** Limits while probing for the record before a time: a window of a second or so holds a few hundred records at most. */
const probeLimit = (call: number): number => Math.min(10_000, 250 * 4 ** call);

interface Counted {
	readonly records: number;
	/** The count stopped at its budget: there are at least `records`. */
	readonly atLeast: boolean;
	/** Arrival of the first and last record counted (or, estimated, of the range's last record). */
	readonly firstMs?: number;
	readonly lastMs?: number;
	/** When the time budget stopped the count: the records in the whole range, from the rate counted over its span. */
	readonly estimate?: number;
}

/** Counts the records in (from, to]: those a move from one cursor to the other re-reads or skips. */
async function countBetween(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	from: Cursor,
	to: Cursor,
	budget: Budget,
): Promise<Counted> {
	const bound = to.kind === 'after' ? BigInt(to.sequenceNumber) : undefined;
	if (to.kind === 'start') return {records: 0, atLeast: false};
	let records = 0;
	let firstMs: number | undefined;
	let lastMs: number | undefined;
	let full = false;
	let behindMs: number | undefined;
	const end = await scanRecords(
		kinesis,
		stream,
		shardId,
		startOf(from),
		{
			limit: growingLimit,
			callsPerSecond: budget.callsPerSecond,
			deadline: budget.deadline,
			...(budget.signal ? {signal: budget.signal} : {}),
		},
		(record, page) => {
			if (bound !== undefined && BigInt(record.SequenceNumber ?? '0') > bound) return false;
			behindMs = page.millisBehindLatest;
			if (records >= budget.recordsPerShard) {
				full = true;
				return false;
			}
			records++;
			const arrival = record.ApproximateArrivalTimestamp?.getTime();
			if (arrival !== undefined) {
				firstMs ??= arrival;
				lastMs = arrival;
			}
			return true;
		},
	);
	const counted = {records, ...(firstMs === undefined ? {} : {firstMs}), ...(lastMs === undefined ? {} : {lastMs})};
	if (full || end.reason !== 'budget') return {...counted, atLeast: full};
	return {...counted, atLeast: true, ...(await estimateRest(kinesis, stream, shardId, to, {...counted, behindMs}, budget))};
}

/**
 * The records of a range whose count ran out of time, estimated from the rate counted so far over the
 * range's whole span (its last record's arrival, or now for the newest), and that arrival. Nothing when
 * the rate cannot be told (one instant counted) or the end cannot be read.
 */
async function estimateRest(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	to: Cursor,
	counted: {readonly records: number; readonly firstMs?: number; readonly lastMs?: number; readonly behindMs?: number | undefined},
	budget: Budget,
): Promise<{estimate?: number; lastMs?: number}> {
	const {records, firstMs, lastMs} = counted;
	if (firstMs === undefined || lastMs === undefined || lastMs <= firstMs || records < 2) return {};
	let endMs: number | undefined;
	// The newest record: as far past the last one counted as Kinesis says the reader is behind (its clock, not ours).
	if (to.kind === 'tip') endMs = lastMs + (counted.behindMs ?? Math.max(0, Date.now() - lastMs));
	else if (to.kind === 'after') {
		try {
			const found = await firstRecord(
				kinesis,
				stream,
				shardId,
				{ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: to.sequenceNumber},
				budget.signal,
			);
			endMs = found.record?.ApproximateArrivalTimestamp?.getTime();
		} catch (error) {
			if (budget.signal?.aborted) throw error;
		}
	}
	if (endMs === undefined || endMs <= lastMs) return {};
	// Traffic comes in waves and bursts: the rate at the start of the range alone can be ten times off.
	// A page at each of a few times across the rest gives more rates; the median of them all is used.
	const end = endMs;
	const times = Array.from({length: ESTIMATE_SAMPLES}, (_, index) => lastMs + ((end - lastMs) * (index + 1)) / (ESTIMATE_SAMPLES + 1));
	const sampled = await Promise.all(times.map((atMs) => rateAt(kinesis, stream, shardId, atMs, end, budget.signal)));
	const rates = [(records - 1) / (lastMs - firstMs), ...sampled.filter((rate): rate is number => rate !== undefined)].sort((a, b) => a - b);
	const middle = rates.length / 2;
	const rate = rates.length % 2 === 1 ? (rates[Math.floor(middle)] ?? 0) : ((rates[middle - 1] ?? 0) + (rates[middle] ?? 0)) / 2;
	return {estimate: Math.round(records + rate * (endMs - lastMs)), lastMs: endMs};
}

/** Pages read across the uncounted rest of a range to estimate its records, and their Limit: a few seconds of traffic each. */
const ESTIMATE_SAMPLES = 3;
const SAMPLE_LIMIT = 250;

/** Records per millisecond in one page read from a time (up to `endMs`); undefined when one page cannot tell. */
async function rateAt(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	atMs: number,
	endMs: number,
	signal?: AbortSignal,
): Promise<number | undefined> {
	const send = signal ? {abortSignal: signal} : {};
	try {
		const {ShardIterator: iterator} = await withRetries(
			() =>
				kinesis.send(
					new GetShardIteratorCommand({
						...streamParameters(stream),
						ShardId: shardId,
						ShardIteratorType: 'AT_TIMESTAMP',
						Timestamp: new Date(atMs),
					}),
					send,
				),
			signal,
		);
		if (!iterator) return undefined;
		const page = await withRetries(() => kinesis.send(new GetRecordsCommand({ShardIterator: iterator, Limit: SAMPLE_LIMIT}), send), signal);
		const arrivals = (page.Records ?? [])
			.map((record) => record.ApproximateArrivalTimestamp?.getTime())
			.filter((arrival): arrival is number => arrival !== undefined && arrival <= endMs);
		const first = arrivals[0];
		const last = arrivals.at(-1);
		return first === undefined || last === undefined || last <= first ? undefined : (arrivals.length - 1) / (last - first);
	} catch (error) {
		if (signal?.aborted) throw error;
		return undefined;
	}
}

/** How far back each probe for the record before a time looks: 1 s, 16 s, 4 min, 68 min, 18 h, 12 days, then from TRIM_HORIZON. */
const PROBE_WINDOWS_MS = [1_000, 16_000, 256_000, 4_096_000, 65_536_000, 1_048_576_000];

/**
 * The last record that arrived before a time, and the first at or after it: probes back from the
 * time in growing windows, so a busy shard costs a call or two. Undefined `before` means no record
 * arrived before the time (the checkpoint is TRIM_HORIZON).
 */
async function recordsAround(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	timestamp: Date,
	budget: Budget,
): Promise<{before?: {sequenceNumber: string; arrivalMs: number}; after?: {sequenceNumber: string; arrivalMs: number}}> {
	const at = timestamp.getTime();
	const oldest = await firstRecord(kinesis, stream, shardId, {ShardIteratorType: 'TRIM_HORIZON'}, budget.signal);
	const oldestMs = oldest.record?.ApproximateArrivalTimestamp?.getTime();
	if (oldest.record === undefined || oldestMs === undefined) return {};
	if (oldestMs >= at) return {after: {sequenceNumber: oldest.record.SequenceNumber ?? '', arrivalMs: oldestMs}};
	const probes: IteratorStart[] = [
		...PROBE_WINDOWS_MS.filter((window) => at - window > oldestMs).map((window): IteratorStart => ({
			ShardIteratorType: 'AT_TIMESTAMP',
			Timestamp: new Date(at - window),
		})),
		{ShardIteratorType: 'TRIM_HORIZON'},
	];
	// Resolving is not optional, so it gets at least 30 s whatever the counting budget says.
	const deadline = Math.max(budget.deadline, Date.now() + 30_000);
	for (const probe of probes) {
		let before: {sequenceNumber: string; arrivalMs: number} | undefined;
		let after: {sequenceNumber: string; arrivalMs: number} | undefined;
		let end: ScanEnd;
		try {
			end = await scanRecords(
				kinesis,
				stream,
				shardId,
				probe,
				{limit: probeLimit, callsPerSecond: budget.callsPerSecond, deadline, ...(budget.signal ? {signal: budget.signal} : {})},
				(record) => {
					const arrivalMs = record.ApproximateArrivalTimestamp?.getTime() ?? 0;
					const found = {sequenceNumber: record.SequenceNumber ?? '', arrivalMs};
					if (arrivalMs >= at) {
						after = found;
						return false;
					}
					before = found;
					return true;
				},
			);
		} catch (error) {
			// A probe time later than the service's clock is refused: nothing arrived after it yet.
			if ((error as {name?: string}).name === 'InvalidArgumentException' && /greater than|future/i.test((error as Error).message)) continue;
			throw error;
		}
		if (before !== undefined && (after !== undefined || end.reason !== 'budget')) return {before, ...(after === undefined ? {} : {after})};
		if (end.reason === 'budget') {
			throw new ConsoleError({
				kind: 'unexpected',
				message: `Could not find the last record of ${shardId} before ${timestamp.toISOString()} in time: the shard holds too many records to read through.`,
				hint: 'Pick a time within the last few hours, or reset that shard to a sequence number.',
			});
		}
	}
	return {};
}

/** Plans a checkpoint reset: per shard the current and new checkpoint and what will be re-read or skipped, with the warnings worth reading first. */
export async function planCheckpointReset(
	clients: LeaseClients,
	stream: StreamRef,
	application: string,
	request: ResetRequest,
	options: ResetPlanOptions = {},
): Promise<CheckpointResetPlan> {
	const now = options.now ?? Date.now;
	const documents = documentsOf(clients);
	const state = await loadState(clients, documents, stream, application, options.signal);
	const livenessMs = options.watch === undefined ? Math.max(0, options.livenessMs ?? 5_000) : 0;
	const watch = options.watch ?? new LeaseWatch(livenessMs);
	watch.observe(state.leases, now());
	const budget: Budget = {
		recordsPerShard: options.budget?.recordsPerShard ?? 100_000,
		deadline: Date.now() + (options.budget?.timeMs ?? 600),
		callsPerSecond: options.budget?.callsPerSecond ?? 2,
		...(options.signal ? {signal: options.signal} : {}),
	};
	const problems: PlanProblem[] = [];
	const warnings: string[] = [];
	const target = request.to;
	const byShard = new Map(state.leases.map((lease) => [lease.shardId, lease]));
	const finishedWithoutLease = finishedShards(state.shards, byShard);

	// Which shards: the ones asked for, or every lease.
	const asked = request.shards?.map(normalizeShardId);
	const chosen = asked === undefined ? [...byShard.keys()] : [...new Set(asked)];
	for (const shardId of asked ?? []) {
		if (byShard.has(shardId)) continue;
		if (!state.shards.has(shardId))
			problems.push({
				kind: 'not-found',
				message: `'${streamNameOf(stream)}' has no shard ${shardId}, and '${application}' has no lease for it.`,
			});
		else if (!request.createMissingLeases) {
			problems.push({
				kind: 'refused',
				message: `'${application}' has no lease for ${shardId}: there is no checkpoint to reset.`,
				hint: 'Make one at the new position with --create-missing.',
			});
		}
	}
	if (asked === undefined && state.leases.length === 0 && !request.createMissingLeases) {
		problems.push({
			kind: 'not-found',
			message: `'${application}' has no leases for '${streamNameOf(stream)}'${state.multiStream ? '' : ' (its lease table is empty)'}: there are no checkpoints to reset.`,
		});
	}
	if (target.type === 'SEQUENCE_NUMBER' && chosen.length !== 1) {
		problems.push({kind: 'refused', message: 'A sequence number belongs to one shard: name that shard (--shard) to reset to it.'});
	}

	// Shards with no lease: the child-shard trap.
	const leaselessIds = [...state.shards.values()]
		.filter((shard) => !byShard.has(shard.shardId) && !finishedWithoutLease.has(shard.shardId))
		.map((shard) => shard.shardId)
		.sort((a, b) => shardNumber(a) - shardNumber(b));
	const createIds = request.createMissingLeases ? leaselessIds.filter((shardId) => asked === undefined || asked.includes(shardId)) : [];

	// The second lease read for liveness goes on while records are counted.
	const livenessRead =
		livenessMs > 0 && state.leases.some((lease) => lease.leaseOwner !== undefined)
			? sleep(livenessMs, options.signal).then(async () => {
					const {leases} = await readLeases(documents, application, state.identity, options.signal);
					watch.observe(leases, now());
					return leases;
				})
			: Promise.resolve(undefined);

	const planShard = async (shardId: string, lease: Lease | undefined): Promise<ShardResetPlan> => {
		const shard = state.shards.get(shardId);
		const position = checkpointPosition(lease);
		const parentShardIds = lease && lease.parentShardIds.length > 0 ? lease.parentShardIds : (shard?.parents ?? []);
		const current = {
			exists: lease !== undefined,
			...(lease?.checkpoint === undefined ? {} : {checkpoint: lease.checkpoint}),
			...(lease?.checkpointSubSequenceNumber === undefined ? {} : {subSequenceNumber: lease.checkpointSubSequenceNumber}),
			...(lease === undefined ? {} : {leaseCounter: lease.leaseCounter}),
			...(lease?.leaseOwner === undefined ? {} : {leaseOwner: lease.leaseOwner}),
			holder: watch.holder(lease, now()),
		};
		const base = {
			shardId,
			leaseKey: lease?.leaseKey ?? leaseKeyOf(shardId, state.multiStream ? state.streamIdentifier : undefined),
			current,
			parentShardIds,
		};
		const unchanged = {checkpoint: lease?.checkpoint ?? '', subSequenceNumber: lease?.checkpointSubSequenceNumber ?? 0};
		if (shard === undefined)
			return {
				...base,
				action: 'unchanged',
				next: unchanged,
				effect: {kind: 'unknown', reason: 'the stream no longer lists the shard'},
				note: 'left as it is: the shard is gone',
			};
		if (target.type === 'SEQUENCE_NUMBER' && chosen.length !== 1)
			return {...base, action: 'unchanged', next: unchanged, effect: {kind: 'unknown', reason: 'a sequence number needs one shard'}};
		// The new checkpoint.
		let next: ShardResetPlan['next'];
		let nextCursor: Cursor;
		try {
			switch (target.type) {
				case 'TRIM_HORIZON':
					next = {checkpoint: 'TRIM_HORIZON', subSequenceNumber: 0};
					nextCursor = {kind: 'start'};
					break;
				case 'LATEST':
					next = {checkpoint: 'LATEST', subSequenceNumber: 0};
					nextCursor = {kind: 'tip'};
					break;
				case 'SEQUENCE_NUMBER': {
					await withRetries(
						() =>
							clients.kinesis.send(
								new GetShardIteratorCommand({
									...streamParameters(stream),
									ShardId: shardId,
									ShardIteratorType: 'AT_SEQUENCE_NUMBER',
									StartingSequenceNumber: target.sequenceNumber,
								}),
								options.signal ? {abortSignal: options.signal} : {},
							),
						options.signal,
					);
					next = {checkpoint: target.sequenceNumber, subSequenceNumber: 0};
					nextCursor = {kind: 'after', sequenceNumber: target.sequenceNumber};
					break;
				}
				case 'AT_TIMESTAMP': {
					const around = await recordsAround(clients.kinesis, stream, shardId, target.timestamp, budget);
					const firstRecord =
						around.after === undefined
							? {}
							: {firstRecord: {sequenceNumber: around.after.sequenceNumber, arrivalTime: new Date(around.after.arrivalMs).toISOString()}};
					if (around.before === undefined) {
						next = {checkpoint: 'TRIM_HORIZON', subSequenceNumber: 0, ...firstRecord};
						nextCursor = {kind: 'start'};
					} else {
						next = {checkpoint: around.before.sequenceNumber, subSequenceNumber: 0, ...firstRecord};
						nextCursor = {kind: 'after', sequenceNumber: around.before.sequenceNumber};
					}
					break;
				}
			}
		} catch (error) {
			if (options.signal?.aborted) throw error;
			if ((error as {name?: string}).name === 'InvalidArgumentException' && target.type === 'SEQUENCE_NUMBER') {
				problems.push({
					kind: 'refused',
					message: `${target.sequenceNumber} is not a sequence number of ${shardId} of '${streamNameOf(stream)}' (Kinesis said: ${(error as Error).message})`,
				});
				return {
					...base,
					action: 'unchanged',
					next: {checkpoint: target.sequenceNumber, subSequenceNumber: 0},
					effect: {kind: 'unknown', reason: 'not a sequence number of this shard'},
				};
			}
			throw error;
		}
		// What moves: from the current checkpoint (or where a leaseless shard would start: TRIM_HORIZON) to the new one.
		const currentCursor: Cursor | undefined = lease === undefined ? {kind: 'start'} : cursorOf(position);
		let effect: ResetEffect;
		if (currentCursor === undefined) {
			effect = {
				kind: 'unknown',
				reason:
					position.type === 'AT_TIMESTAMP'
						? "the current position is the application's initial timestamp, which the lease does not hold"
						: 'the current checkpoint is not a position',
			};
		} else {
			const order = compareCursors(nextCursor, currentCursor);
			if (order === 0) effect = {kind: 'none'};
			else {
				const [from, to] = order < 0 ? [nextCursor, currentCursor] : [currentCursor, nextCursor];
				const counted = await countBetween(clients.kinesis, stream, shardId, from, to, budget);
				effect =
					counted.records === 0 && !counted.atLeast
						? {kind: 'none'}
						: {
								kind: order < 0 ? 're-read' : 'skip',
								records: counted.records,
								atLeast: counted.atLeast,
								...(counted.estimate === undefined ? {} : {estimate: counted.estimate}),
								...(counted.firstMs === undefined ? {} : {from: new Date(counted.firstMs).toISOString()}),
								...(counted.lastMs === undefined ? {} : {to: new Date(counted.lastMs).toISOString()}),
								...(counted.firstMs === undefined || counted.lastMs === undefined ? {} : {spanMs: counted.lastMs - counted.firstMs}),
								...(to.kind === 'tip' && position.type !== 'SHARD_END' && order > 0 ? {andNewer: true} : {}),
							};
			}
		}
		const sameText = lease?.checkpoint === next.checkpoint && (lease.checkpointSubSequenceNumber ?? 0) === next.subSequenceNumber;
		// A finished shard stays finished unless the reset makes it read records again.
		const finishedStays = position.type === 'SHARD_END' && effect.kind !== 're-read';
		const action = lease === undefined ? 'create' : sameText || finishedStays ? 'unchanged' : 'reset';
		return {
			...base,
			action,
			next: finishedStays ? {checkpoint: 'SHARD_END', subSequenceNumber: 0} : next,
			effect: finishedStays ? {kind: 'none'} : effect,
			...(finishedStays
				? {note: 'finished (SHARD_END): nothing to read again at the new position'}
				: sameText
					? {note: 'already there'}
					: {}),
		};
	};

	const counted = await mapLimited(
		[...chosen.filter((shardId) => byShard.has(shardId)), ...createIds],
		options.concurrency ?? 4,
		async (shardId) => planShard(shardId, byShard.get(shardId)),
	);
	const leaselessCounts = await mapLimited(
		leaselessIds.filter((shardId) => !createIds.includes(shardId)),
		options.concurrency ?? 4,
		async (shardId) => ({shardId, ...(await countBetween(clients.kinesis, stream, shardId, {kind: 'start'}, {kind: 'tip'}, budget))}),
	);

	// With the second read in, re-plan the shards whose lease moved meanwhile: the plan expects the newest.
	const reread = await livenessRead;
	let shards = counted;
	if (reread !== undefined) {
		const newer = new Map(reread.map((lease) => [lease.shardId, lease]));
		shards = await mapLimited(counted, options.concurrency ?? 4, async (plan) => {
			const lease = newer.get(plan.shardId);
			if (!plan.current.exists || lease === undefined) return plan;
			if (lease.checkpoint === plan.current.checkpoint && lease.checkpointSubSequenceNumber === plan.current.subSequenceNumber) {
				return {
					...plan,
					current: {
						...plan.current,
						leaseCounter: lease.leaseCounter,
						...(lease.leaseOwner === undefined ? {} : {leaseOwner: lease.leaseOwner}),
						holder: watch.holder(lease, now()),
					},
				};
			}
			return planShard(plan.shardId, lease);
		});
	}
	shards.sort((a, b) => shardNumber(a.shardId) - shardNumber(b.shardId));

	const leaseless: LeaselessShard[] = leaselessIds.map((shardId) => {
		const shard = state.shards.get(shardId);
		const parents = shard?.parents ?? [];
		const child = parents.some((parent) => byShard.has(parent));
		const count = leaselessCounts.find((entry) => entry.shardId === shardId);
		return {
			shardId,
			open: shard?.open ?? false,
			parents,
			reason: child ? 'child' : 'new',
			startsAt: child
				? 'TRIM_HORIZON, once its parents reach SHARD_END'
				: "the application's initial position (often TRIM_HORIZON or LATEST)",
			records: count?.records ?? 0,
			atLeast: count?.atLeast ?? false,
			...(count?.firstMs === undefined ? {} : {from: new Date(count.firstMs).toISOString()}),
			leaseCreated: createIds.includes(shardId),
		};
	});

	// Warnings.
	const written = shards.filter((plan) => plan.action !== 'unchanged');
	const byConsole = (plan: ShardResetPlan) => options.heldBy !== undefined && plan.current.leaseOwner === options.heldBy;
	const held = written.filter(byConsole);
	if (held.length > 0)
		warnings.push(
			`The console holds the lease${held.length === 1 ? '' : 's'} of ${held.length === 1 ? held[0]?.shardId : `${held.length} shards`}: the workers stopped reading ${held.length === 1 ? 'it' : 'them'} and ${held.length === 1 ? 'its checkpoint stays' : 'their checkpoints stay'} put. The reset gives ${held.length === 1 ? 'it' : 'them'} back, and a worker takes each from its new checkpoint; leaving without writing gives them back unchanged.`,
		);
	const live = written.filter((plan) => plan.current.holder === 'live' && !byConsole(plan));
	const liveWorkers = [
		...new Set(live.map((plan) => plan.current.leaseOwner).filter((owner): owner is string => owner !== undefined)),
	].sort();
	if (live.length > 0) {
		warnings.push(
			`Workers still hold live leases on ${live.length < written.length ? `${live.length} of the ${written.length} shards` : written.length === 1 ? 'the shard' : `all ${written.length} shards`} to reset (${liveWorkers.join(', ')}): a running worker keeps its position in memory and may overwrite the reset. ` +
				'The reset bumps each lease counter, so the holder loses the lease at its next renewal and picks it up again from the new checkpoint; a checkpoint it writes before the reset is caught (changed since the plan). Stopping the application first is safest; ' +
				'taking the leases first (l in the console, --take-leases) keeps the checkpoints where the plan read them until the reset.',
		);
	}
	const unknown = written.filter((plan) => plan.current.holder === 'unknown' && !byConsole(plan));
	if (unknown.length > 0) {
		warnings.push(
			`${unknown.length} lease${unknown.length === 1 ? ' has an owner' : 's have owners'} whose liveness was not checked: a running worker may overwrite the reset.`,
		);
	}
	const trapped = leaseless.filter((shard) => !shard.leaseCreated);
	if (trapped.length > 0 && target.type !== 'TRIM_HORIZON') {
		const children = trapped.filter((shard) => shard.reason === 'child');
		const waiting = trapped.reduce((sum, shard) => sum + shard.records, 0);
		warnings.push(
			`The child-shard trap: ${trapped.map((shard) => shard.shardId).join(', ')} ${trapped.length === 1 ? 'has' : 'have'} no lease${children.length > 0 ? ` (${children.length === trapped.length ? '' : 'some are '}children after a reshard)` : ''}, so this reset does not move ${trapped.length === 1 ? 'it' : 'them'}. ` +
				`When the application reaches ${trapped.length === 1 ? 'it, it starts' : 'them, they start'} at TRIM_HORIZON (children of a finished parent) or at the application's initial position, ` +
				`reading ${trapped.some((shard) => shard.atLeast) ? 'at least ' : ''}${waiting.toLocaleString('en-US')} record${waiting === 1 ? '' : 's'} already there, whatever the reset says. ` +
				'Make their leases at the new position too with --create-missing (createMissingLeases).',
		);
	}
	if (target.type === 'LATEST' && written.length > 0) {
		warnings.push(
			'LATEST is kept as LATEST: a worker starts at the newest record when it takes the lease, so what arrives between the reset and then is skipped too.',
		);
	}
	const pending = written.filter((plan) => byShard.get(plan.shardId)?.pendingCheckpoint !== undefined);
	if (pending.length > 0)
		warnings.push(
			`${pending.length} lease${pending.length === 1 ? ' has a pending' : 's have pending'} (prepared) checkpoint${pending.length === 1 ? '' : 's'}: the reset removes ${pending.length === 1 ? 'it' : 'them'}.`,
		);
	if (written.length === 0 && problems.length === 0) warnings.push('Every chosen checkpoint is already there: there is nothing to write.');

	return {
		operation: 'checkpoint-reset',
		stream,
		application,
		multiStream: state.multiStream,
		...(state.multiStream && state.streamIdentifier ? {streamIdentifier: streamIdentifierText(state.streamIdentifier)} : {}),
		request,
		target: describeTarget(target),
		plannedAt: new Date(now()).toISOString(),
		shards,
		leaseless,
		liveWorkers,
		problems,
		warnings,
	};
}

/** Where and how a reset runs: a Connection's clients and target, and the audit log. */
export interface CheckpointChangeContext extends ChangeContext, LeaseClients {
	/** The owner the console holds leases as (a LeaseHold's): each such lease is given up by the write that resets it. */
	readonly releaseOwner?: string;
}

/** A shard whose lease changed between the plan and the write: nothing was written to it. */
export interface ChangedShard {
	readonly shardId: string;
	readonly planned: {readonly checkpoint?: string; readonly leaseCounter?: number; readonly exists: boolean};
	/** The lease now; absent when it was deleted. */
	readonly now?: {
		readonly checkpoint?: string;
		readonly subSequenceNumber?: number;
		readonly leaseCounter: number;
		readonly leaseOwner?: string;
	};
	/**
	 * What changed: the checkpoint (a worker checkpointed), or the lease's existence. A lease renewed or
	 * taken with its checkpoint where the plan read it is written: renewals move the counter alone.
	 */
	readonly change: 'checkpoint' | 'created' | 'deleted';
}

export interface CheckpointResetResult {
	readonly stream: string;
	readonly application: string;
	readonly written: ReadonlyArray<{
		readonly shardId: string;
		readonly action: 'reset' | 'create';
		readonly before?: string;
		readonly after: string;
	}>;
	readonly changedSincePlan: readonly ChangedShard[];
	/** When a shard changed since the plan: the plan made again from the table as it is now, to be shown and confirmed again. */
	readonly replan?: CheckpointResetPlan;
}

const PENDING_ATTRIBUTES = ['pendingCheckpoint', 'pendingCheckpointSubSequenceNumber', 'pendingCheckpointState'] as const;

/**
 * Writes a plan: each lease with a conditional write that expects the checkpoint and lease counter the
 * plan read, bumping the counter; a lease to make only where none exists. A shard whose lease moved
 * since the plan is left as it is and reported, and the plan is made again for the caller to show.
 * Yields `submitting`, `retrying` while throttled, and `done` with the result; the audit log
 * gets a `submitted` line before the writes and a `completed` (or `failed`) line after.
 */
export async function* executeCheckpointReset(
	context: CheckpointChangeContext,
	plan: CheckpointResetPlan,
	replanOptions: ResetPlanOptions = {},
): AsyncGenerator<ChangeProgress<CheckpointResetResult>, CheckpointResetResult> {
	const problem = problemError(plan.problems);
	if (problem) throw problem;
	const now = context.now ?? Date.now;
	const documents = documentsOf(context);
	const audit = context.audit === false ? undefined : (context.audit ?? new AuditLog());
	const toWrite = plan.shards.filter((shard) => shard.action !== 'unchanged');
	const base = {
		id: AuditLog.newId(),
		operation: 'checkpoint-reset',
		stream: streamNameOf(plan.stream),
		target: auditTarget(context.target),
		parameters: {
			application: plan.application,
			to: plan.target,
			shards: plan.request.shards ?? 'all',
			createMissingLeases: plan.request.createMissingLeases ?? false,
		},
	};
	const before = toWrite.map((shard) => ({
		shardId: shard.shardId,
		...(shard.current.exists
			? {
					checkpoint: shard.current.checkpoint ?? null,
					subSequenceNumber: shard.current.subSequenceNumber ?? 0,
					leaseCounter: shard.current.leaseCounter,
				}
			: {lease: 'none'}),
	}));
	const planned = toWrite.map((shard) => ({shardId: shard.shardId, checkpoint: shard.next.checkpoint}));

	await audit?.check();
	yield {type: 'submitting', operation: 'checkpoint reset'};
	const startedMs = now();
	await audit?.append({...base, outcome: 'submitted', before, after: {planned}});
	const written: Array<CheckpointResetResult['written'][number]> = [];
	const changed: ChangedShard[] = [];
	try {
		for (const shard of toWrite) {
			if (context.signal?.aborted) break;
			const outcome = yield* retrying(
				shard.action === 'create' ? 'PutItem' : 'UpdateItem',
				() => writeShard(documents, plan, shard, context.releaseOwner),
				context,
			);
			if (outcome === 'written') {
				written.push({
					shardId: shard.shardId,
					action: shard.action === 'create' ? 'create' : 'reset',
					...(shard.current.checkpoint === undefined ? {} : {before: shard.current.checkpoint}),
					after: shard.next.checkpoint,
				});
			} else {
				changed.push(await changedShard(documents, plan.application, shard));
			}
		}
	} catch (error) {
		const text = isAbort(error)
			? 'stopped'
			: formatFailure(await toFailure(error, {target: context.target, service: 'dynamodb', tableName: plan.application})).replaceAll(
					'\n',
					' ',
				);
		await audit?.append({
			...base,
			outcome: 'failed',
			before,
			after: {written: written.map(({shardId, after}) => ({shardId, checkpoint: after}))},
			error: text,
			elapsedMs: now() - startedMs,
		});
		throw error;
	}
	const elapsedMs = now() - startedMs;
	const after = {
		written: written.map(({shardId, after: checkpoint}) => ({shardId, checkpoint})),
		...(changed.length === 0 ? {} : {changedSincePlan: changed.map((shard) => shard.shardId)}),
	};
	await audit?.append({
		...base,
		outcome: written.length === 0 && changed.length > 0 ? 'failed' : 'completed',
		before,
		after,
		...(changed.length > 0 ? {error: `${changed.length} shard${changed.length === 1 ? '' : 's'} changed since the plan: not written`} : {}),
		elapsedMs,
	});
	const replan =
		changed.length > 0
			? await planCheckpointReset(context, plan.stream, plan.application, plan.request, {
					...replanOptions,
					...(context.signal ? {signal: context.signal} : {}),
				})
			: undefined;
	const result: CheckpointResetResult = {
		stream: plan.stream,
		application: plan.application,
		written,
		changedSincePlan: changed,
		...(replan ? {replan} : {}),
	};
	yield {type: 'done', elapsedMs, result};
	return result;
}

async function writeShard(
	documents: DynamoDBDocumentClient,
	plan: CheckpointResetPlan,
	shard: ShardResetPlan,
	releaseOwner?: string,
): Promise<'written' | 'changed'> {
	try {
		if (shard.action === 'create') {
			const identifier = plan.streamIdentifier;
			await documents.send(
				new PutCommand({
					TableName: plan.application,
					Item: {
						leaseKey: shard.leaseKey,
						checkpoint: shard.next.checkpoint,
						checkpointSubSequenceNumber: shard.next.subSequenceNumber,
						leaseCounter: 0,
						ownerSwitchesSinceCheckpoint: 0,
						...(shard.parentShardIds.length > 0 ? {parentShardId: new Set(shard.parentShardIds)} : {}),
						...(plan.multiStream && identifier !== undefined ? {streamName: identifier, shardId: shard.shardId} : {}),
					},
					ConditionExpression: 'attribute_not_exists(leaseKey)',
				}),
			);
			return 'written';
		}
		const names: Record<string, string> = {
			'#key': LEASE_KEY,
			'#cp': 'checkpoint',
			'#sub': 'checkpointSubSequenceNumber',
			'#counter': 'leaseCounter',
		};
		PENDING_ATTRIBUTES.forEach((name, index) => (names[`#p${index}`] = name));
		const values: Record<string, unknown> = {':cp': shard.next.checkpoint, ':sub': shard.next.subSequenceNumber, ':one': 1, ':zero': 0};
		// The write expects the checkpoint the plan read, not the lease counter: a KCL worker renews its
		// lease by bumping the counter alone every few seconds (DynamoDBLeaseRefresher.renewLease expects
		// leaseCounter and sets leaseCounter + 1, awslabs/amazon-kinesis-client), so a renewal says nothing
		// about the position, and expecting the counter refused every reset of a live application.
		// The counter is still bumped, so that the holder loses the lease at its next renewal or checkpoint.
		const conditions = ['attribute_exists(#key)'];
		if (shard.current.checkpoint === undefined) conditions.push('attribute_not_exists(#cp)');
		else {
			conditions.push('#cp = :oldcp');
			values[':oldcp'] = shard.current.checkpoint;
		}
		if (shard.current.subSequenceNumber === undefined) conditions.push('attribute_not_exists(#sub)');
		else {
			conditions.push('#sub = :oldsub');
			values[':oldsub'] = shard.current.subSequenceNumber;
		}
		// A lease the console holds is given up in the same write: the workers take it from the new checkpoint.
		const release = releaseOwner !== undefined && shard.current.leaseOwner === releaseOwner;
		if (release) {
			names['#owner'] = 'leaseOwner';
			values[':me'] = releaseOwner;
			conditions.push('#owner = :me');
		}
		const removed = [...PENDING_ATTRIBUTES.map((_, index) => `#p${index}`), ...(release ? ['#owner'] : [])];
		await documents.send(
			new UpdateCommand({
				TableName: plan.application,
				Key: {leaseKey: shard.leaseKey},
				UpdateExpression: `SET #cp = :cp, #sub = :sub, #counter = if_not_exists(#counter, :zero) + :one REMOVE ${removed.join(', ')}`,
				ConditionExpression: conditions.join(' AND '),
				ExpressionAttributeNames: names,
				ExpressionAttributeValues: values,
			}),
		);
		return 'written';
	} catch (error) {
		if ((error as {name?: string}).name === 'ConditionalCheckFailedException') return 'changed';
		throw error;
	}
}

async function changedShard(documents: DynamoDBDocumentClient, table: string, shard: ShardResetPlan): Promise<ChangedShard> {
	const planned = {
		exists: shard.current.exists,
		...(shard.current.checkpoint === undefined ? {} : {checkpoint: shard.current.checkpoint}),
		...(shard.current.leaseCounter === undefined ? {} : {leaseCounter: shard.current.leaseCounter}),
	};
	const item = (await documents.send(new GetCommand({TableName: table, Key: {leaseKey: shard.leaseKey}, ConsistentRead: true}))).Item;
	if (item === undefined) return {shardId: shard.shardId, planned, change: 'deleted'};
	const lease = leaseFromItem(item);
	const nowLease = {
		...(lease?.checkpoint === undefined ? {} : {checkpoint: lease.checkpoint}),
		...(lease?.checkpointSubSequenceNumber === undefined ? {} : {subSequenceNumber: lease.checkpointSubSequenceNumber}),
		leaseCounter: lease?.leaseCounter ?? 0,
		...(lease?.leaseOwner === undefined ? {} : {leaseOwner: lease.leaseOwner}),
	};
	return {shardId: shard.shardId, planned, now: nowLease, change: shard.current.exists ? 'checkpoint' : 'created'};
}

/** Why a shard was not written, in words the console and the command both use. */
export function changedShardText(shard: ChangedShard, checkpointText: (checkpoint: string) => string = (text) => text): string {
	switch (shard.change) {
		case 'checkpoint': {
			const now = shard.now;
			const position = now?.checkpoint === undefined ? 'no checkpoint' : checkpointText(now.checkpoint);
			const sub = (now?.subSequenceNumber ?? 0) > 0 ? `/${now?.subSequenceNumber}` : '';
			const planned = shard.planned.checkpoint === undefined ? 'none' : checkpointText(shard.planned.checkpoint);
			return `${now?.leaseOwner ?? 'someone'} checkpointed it at ${position}${sub} after the plan (planned on ${planned})`;
		}
		case 'deleted':
			return 'its lease was deleted after the plan';
		case 'created':
			return 'a lease was made for it after the plan';
	}
}

/**
 * What to do when checkpoints keep moving under a reset: the application's workers are running. Said
 * when a reset leaves shards because their checkpoint moved since the plan.
 */
export const MOVING_CHECKPOINTS_ADVICE =
	"The application's workers are still checkpointing these shards, so each plan is stale by the time it is written. " +
	'Stop the application (its workers give their leases up and the checkpoints stay put), then reset again; ' +
	'or take the leases first (l in the console, --take-leases on the command line): the workers stop reading those shards until the reset gives the leases back.';
