import type {GetRecordsCommandOutput, KinesisClient} from '@aws-sdk/client-kinesis';
import {shardCallsOf} from '../aws/directReads.js';
import {isIteratorLost, isUnreachable} from '../aws/errors.js';
import {RetrySchedule, type RetryPolicy} from '../aws/retry.js';
import {streamParameters, type StreamRef} from '../aws/shards.js';
import {iteratorRequest, type StartPosition} from './positions.js';
import {deliver} from './delivery.js';
import {HOT_RECORDS, pollSchedulerFor, type PollScheduler} from './pollScheduler.js';
import type {TailEvent} from './events.js';

export interface ShardReadOptions {
	readonly kinesis: KinesisClient;
	readonly stream: StreamRef;
	readonly shardId: string;
	readonly from: StartPosition;
	/** GetRecords calls per second at most (in any second); AWS allows 5 per shard, shared by every consumer. */
	readonly callsPerSecond: number;
	/** GetRecords Limit. */
	readonly limit: number;
	/** Stop once the reader has caught up with the newest record. */
	readonly stopAtLatest: boolean;
	/** Stop at records that arrived after this time. */
	readonly until?: Date;
	readonly signal: AbortSignal;
	readonly emit: (event: TailEvent, weight?: number) => Promise<void>;
	readonly now?: () => number;
	/**
	 * When the credentials fail (expired, rejected, none to be had), keep trying every few seconds instead
	 * of stopping: the reader resumes after the last record delivered once the SDK's provider hands out
	 * valid ones. For a console left open; a script had better stop and say so.
	 */
	readonly waitForCredentials?: boolean;
	/** Takes turns with the other readers of the process (one pool, one budget per shard). Default: the client's (pollSchedulerFor). */
	readonly scheduler?: PollScheduler;
	/** The longest wait before polling again a shard that had nothing new. Default IDLE_POLL_MAX_MS. */
	readonly idlePollMaxMs?: number;
	/** Stop (failed, with a GaveUpError) once the endpoint has not answered for this long, instead of retrying on. */
	readonly unreachableLimitMs?: number;
}

export type ShardReadResult =
	| {readonly kind: 'ended'; readonly childShardIds: string[] | undefined}
	| {readonly kind: 'stopped'}
	| {readonly kind: 'failed'; readonly error: unknown};

/**
 * The longest a reader waits before polling again a shard that keeps answering with nothing new: a
 * record arriving on an idle shard is read at most this much later than on a busy one.
 */
export const IDLE_POLL_MAX_MS = 2_000;

/** The longest a reader at LATEST waits after its iterator before its first read. */
const FIRST_READ_WAIT_MS = 200;

/**
 * Reads one shard in order: at most one GetRecords in flight, within `callsPerSecond` calls in any
 * second, taking turns with the other readers on the client (pollScheduler.ts); polling again at once
 * while behind, soon after records, and ever later (up to `idlePollMaxMs`) while the shard is idle;
 * backing off with jitter on throttling and faults, and renewing an expired or lost iterator right
 * after the last record delivered, so that no record is skipped or repeated.
 */
export async function readShard(options: ShardReadOptions): Promise<ShardReadResult> {
	const {shardId, signal} = options;
	const calls = shardCallsOf(options.kinesis);
	const now = options.now ?? Date.now;
	const scheduler = options.scheduler ?? pollSchedulerFor(options.kinesis);
	// Within the console's share of the shard's reads, which every reader of the process shares.
	const perSecond = Math.min(scheduler.readsPerShard, Math.max(0.01, options.callsPerSecond));
	const minIntervalMs = 1000 / perSecond;
	const idleMaxMs = Math.max(minIntervalMs, options.idlePollMaxMs ?? IDLE_POLL_MAX_MS);
	const key = `${options.stream}/${shardId}`;
	// A reader that started at LATEST and lost its iterator before any record resumes from when it started.
	const from: StartPosition = options.from.type === 'LATEST' ? {type: 'AT_TIMESTAMP', timestamp: new Date(now())} : options.from;
	let lastSequence: string | undefined;
	let iterator: string | undefined;
	let dueMs = now();
	let lastCallMs = Number.NEGATIVE_INFINITY;
	// Whether the reader has had its first read's turn: its iterator and first read are outside the pool's rate (pollScheduler.ts).
	let polled = false;
	// How long to wait after an empty answer: doubled by each one, halved by each answer with records.
	let idleMs = minIntervalMs;
	let caughtUp = false;
	// What the last answer says of the shard (pollScheduler.ts): nothing new at its tip (idle: the next poll waits while
	// other shards start), behind or many records (hot: polled before the others), or records at a trickle (busy).
	let temperature: 'idle' | 'busy' | 'hot' = 'busy';
	let useOriginalLatest = options.from.type === 'LATEST';
	const until = options.until?.getTime();
	const retries = readerRetries(`GetRecords ${shardId}`, options, now);

	const renew = async () => {
		const position: StartPosition = lastSequence
			? {type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: lastSequence}
			: useOriginalLatest
				? options.from
				: from;
		useOriginalLatest = false;
		const response = await calls.getShardIterator(
			{...streamParameters(options.stream), ShardId: shardId, ...iteratorRequest(position)},
			signal,
		);
		return response.ShardIterator;
	};

	while (!signal.aborted) {
		// Every call is a turn of its own (the pool counts calls): the iterator first, when there is none.
		const renewing = iterator === undefined;
		// Never sooner than the shard's own rate, whatever the window of the scheduler allows; an iterator is
		// outside the GetRecords budget (the request budget paces GetShardIterator per shard).
		const release = await scheduler.turn({
			key,
			notBeforeMs: renewing ? dueMs : Math.max(dueMs, lastCallMs + minIntervalMs),
			perSecond: renewing ? 0 : perSecond,
			...(polled ? (renewing || temperature === 'busy' ? {} : {phase: `${temperature} poll`}) : {phase: renewing ? 'start' : 'first read'}),
			signal,
		});
		if (!release) break;
		if (!renewing) polled = true;
		let page: GetRecordsCommandOutput;
		try {
			if (renewing) {
				const latest = useOriginalLatest;
				iterator = await renew();
				if (!iterator) return {kind: 'ended', childShardIds: undefined};
				// A LATEST iterator just taken has nothing behind it: its first read waits a moment, when it may
				// have something, instead of an empty answer at once; no longer than FIRST_READ_WAIT_MS, which
				// is all the delay a record arriving meanwhile sees (the shard's interval, 500 ms at 2 calls a second,
				// held the start of a big tail back by as much).
				dueMs = latest ? now() + Math.min(minIntervalMs, FIRST_READ_WAIT_MS) : now();
				continue;
			}
			lastCallMs = now();
			page = await calls.getRecords({ShardIterator: iterator, Limit: options.limit}, signal);
		} catch (error) {
			// Given back before the retry report, which may wait for a slow consumer (finally gives it back for the rest).
			release();
			if (signal.aborted) break;
			iterator = undefined;
			// An expired or lost iterator is renewed at once, from the last record delivered.
			if (isIteratorLost(error)) continue;
			const decision = retries.failed(error);
			if ('giveUp' in decision) return {kind: 'failed', error: decision.giveUp};
			const {kind, reason, attempt, delayMs} = decision.retry;
			await options.emit({type: 'retrying', shardId, kind, reason, attempt, delayMs, error});
			dueMs = now() + delayMs;
			continue;
		} finally {
			// The pool's place is given back before delivering, which may wait for a slow consumer.
			release();
		}
		if (retries.attempt > 0) await options.emit({type: 'recovered', shardId});
		retries.succeeded();

		const {lastSequence: delivered, pastUntil} = await deliver(
			{shardId, untilMs: until, emit: options.emit, now},
			page.Records,
			page.MillisBehindLatest,
		);
		if (delivered) lastSequence = delivered;
		const records = page.Records ?? [];
		if (pastUntil) return {kind: 'stopped'};

		if (!page.NextShardIterator) {
			return {kind: 'ended', childShardIds: page.ChildShards?.map((child) => child.ShardId ?? '').filter(Boolean)};
		}
		iterator = page.NextShardIterator;

		// At the tip: nothing behind, and nothing new (or, for a reader that stops there, fewer than a full page: a
		// call more would only confirm it, a second later within the shard's share of reads).
		const atTip =
			(page.MillisBehindLatest ?? 0) === 0 && (records.length === 0 || (options.stopAtLatest && records.length < options.limit));
		temperature = atTip ? 'idle' : (page.MillisBehindLatest ?? 0) > 0 || records.length >= HOT_RECORDS ? 'hot' : 'busy';
		if (atTip && !caughtUp) {
			caughtUp = true;
			await options.emit({type: 'caught-up', shardId});
		}
		if (atTip && (options.stopAtLatest || (until !== undefined && now() > until))) return {kind: 'stopped'};
		({dueMs, idleMs} = nextPoll({
			lastCallMs,
			records: records.length,
			behindMs: page.MillisBehindLatest ?? 0,
			idleMs,
			minIntervalMs,
			idleMaxMs,
		}));
	}
	return {kind: 'stopped'};
}

/**
 * When to poll a shard again after an answer, and the idle wait after that: at once while behind (the
 * shard's rate and the scheduler's window pace it); after records at the tip, half the idle wait; after
 * nothing, the idle wait, doubled for next time up to its bound. A shard that receives a record every
 * few seconds settles near its own pace, an idle one at the bound.
 */
function nextPoll(poll: {
	readonly lastCallMs: number;
	readonly records: number;
	readonly behindMs: number;
	readonly idleMs: number;
	readonly minIntervalMs: number;
	readonly idleMaxMs: number;
}): {dueMs: number; idleMs: number} {
	const {lastCallMs, records, behindMs, idleMs, minIntervalMs, idleMaxMs} = poll;
	if (behindMs > 0) return {dueMs: lastCallMs, idleMs: minIntervalMs};
	if (records > 0) {
		const shorter = Math.max(minIntervalMs, idleMs / 2);
		return {dueMs: lastCallMs + shorter, idleMs: shorter};
	}
	return {dueMs: lastCallMs + idleMs, idleMs: Math.min(idleMaxMs, idleMs * 2)};
}

/**
 * A shard reader's retries: throttling, faults and dropped connections after a backoff; credential
 * failures too when the reader waits for them; and, for a script, giving up on an endpoint that has
 * not answered for `unreachableLimitMs`.
 */
export function readerRetries(
	operation: string,
	options: Pick<ShardReadOptions, 'waitForCredentials' | 'unreachableLimitMs'>,
	now: () => number,
	classify?: RetryPolicy['classify'],
): RetrySchedule {
	return new RetrySchedule(operation, {
		now,
		...(options.waitForCredentials === true ? {waitForCredentials: true} : {}),
		...(options.unreachableLimitMs === undefined ? {} : {deadline: {ms: options.unreachableLimitMs, counts: isUnreachable}}),
		...(classify === undefined ? {} : {classify}),
	});
}
