import {GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, type _Record} from '@aws-sdk/client-kinesis';
import {retry} from '../aws/retry.js';
import {streamParameters, type StreamRef} from '../aws/shards.js';
import {pollSchedulerFor} from '../tail/pollScheduler.js';

/**
 * Reading a shard gently for the checkpoints code: each shard's 5 GetRecords calls a second are shared
 * with the application's own workers, so reads are paced and throttled calls retried with backoff.
 */

/** GetRecords calls while a page comes back empty but behind (Kinesis moving past expired data). */
const LAG_MAX_CALLS = 5;

export type IteratorStart = {
	readonly ShardIteratorType: 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'AT_TIMESTAMP';
	readonly StartingSequenceNumber?: string;
	readonly Timestamp?: Date;
};

/**
 * The first record from a position: a few Limit 1 calls at most (`maxCalls`: GetRecords may answer empty
 * pages while it moves past expired data). `ended`: a closed shard with nothing left.
 */
export async function firstRecord(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	start: IteratorStart,
	signal?: AbortSignal,
	maxCalls = LAG_MAX_CALLS,
): Promise<{record?: _Record; millisBehindLatest?: number; ended: boolean}> {
	let result: {record?: _Record; millisBehindLatest?: number; ended: boolean} = {ended: false};
	await scanRecords(
		kinesis,
		stream,
		shardId,
		start,
		{limit: 1, maxCalls, callsPerSecond: 4, ...(signal ? {signal} : {})},
		(record, page) => {
			result = {record, ...(page.millisBehindLatest === undefined ? {} : {millisBehindLatest: page.millisBehindLatest}), ended: false};
			return false;
		},
	).then((end) => {
		if (result.record === undefined) result = {ended: end.reason === 'end'};
	});
	return result;
}

export interface ScanOptions {
	/** GetRecords Limit, or the Limit of each call (0 first): small first, so a short range costs little. */
	readonly limit: number | ((call: number) => number);
	readonly callsPerSecond: number;
	readonly maxCalls?: number;
	/** Stop (reason 'budget') at this time (Date.now clock). */
	readonly deadline?: number;
	readonly signal?: AbortSignal;
}

export type ScanEnd = {readonly reason: 'visitor' | 'tip' | 'end' | 'budget'};

/** Retries of a throttled or failed GetRecords while scanning. */
const SCAN_RETRIES = 4;

/**
 * Reads a shard from a position, record by record, until `visit` returns false, the newest record has
 * been read ('tip'), a closed shard ends ('end'), or the budget runs out. Paced to `callsPerSecond`, each
 * call (a retry too) taking its turn with the process's other readers of the shard (tail/pollScheduler.ts:
 * scans of one shard at once, a tail and the dashboard share the console's share of its reads),
 * retrying throttled calls with backoff.
 */
export async function scanRecords(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	start: IteratorStart,
	options: ScanOptions,
	visit: (record: _Record, page: {readonly millisBehindLatest?: number}) => boolean,
): Promise<ScanEnd> {
	const send = options.signal ? {abortSignal: options.signal} : {};
	const scheduler = pollSchedulerFor(kinesis);
	const key = `${stream}/${shardId}`;
	// Within the console's share of the shard's reads, as every reader of the process is (pollScheduler.ts).
	const perSecond = Math.min(scheduler.readsPerShard, Math.max(0.1, options.callsPerSecond));
	const interval = 1000 / perSecond;
	let iterator = (
		await withRetries(
			() => kinesis.send(new GetShardIteratorCommand({...streamParameters(stream), ShardId: shardId, ...start}), send),
			options.signal,
		)
	).ShardIterator;
	let lastCall = Number.NEGATIVE_INFINITY;
	for (let call = 0; iterator; call++) {
		const at = Math.max(Date.now(), lastCall + interval);
		// The first call is always made: a scan that read nothing could say nothing, not even a rate.
		if (
			(options.maxCalls !== undefined && call >= options.maxCalls) ||
			(call > 0 && options.deadline !== undefined && at >= options.deadline)
		)
			return {reason: 'budget'};
		const current = iterator;
		const limit = typeof options.limit === 'number' ? options.limit : options.limit(call);
		const page = await withRetries(async () => {
			const release = await scheduler.turn({key, notBeforeMs: at, perSecond, ...(options.signal ? {signal: options.signal} : {})});
			if (!release) throw abortError();
			try {
				// Other readers of the shard may have had the turns meanwhile: past the deadline, the budget is spent.
				if (call > 0 && options.deadline !== undefined && Date.now() >= options.deadline) return undefined;
				lastCall = Date.now();
				return await kinesis.send(new GetRecordsCommand({ShardIterator: current, Limit: limit}), send);
			} finally {
				release();
			}
		}, options.signal);
		if (!page) return {reason: 'budget'};
		const behind = page.MillisBehindLatest === undefined ? {} : {millisBehindLatest: page.MillisBehindLatest};
		for (const record of page.Records ?? []) if (!visit(record, behind)) return {reason: 'visitor'};
		if (!page.NextShardIterator) return {reason: 'end'};
		if ((page.MillisBehindLatest ?? 0) === 0 && (page.Records ?? []).length < limit) return {reason: 'tip'};
		iterator = page.NextShardIterator;
	}
	return {reason: 'end'};
}

/** A scan's call, retried a few times while throttled or failing for a moment: a scan is a sample, never worth a long wait. */
export function withRetries<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
	return retry('a shard scan', call, {maxRetries: SCAN_RETRIES, baseMs: 250, capMs: 4_000, minDelayMs: 100, ...(signal ? {signal} : {})});
}

function abortError(): Error {
	const error = new Error('Stopped.');
	error.name = 'AbortError';
	return error;
}
