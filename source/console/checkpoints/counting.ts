import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {ConsoleError} from '../failures.js';
import type {StreamRef} from '../aws/shards.js';
import {firstRecord, scanRecords, type IteratorStart, type ScanEnd} from './scan.js';
import {startOf, type Cursor} from './targets.js';
import {pollSchedulerFor} from '../tail/pollScheduler.js';

/**
 * Counting the records a checkpoint move re-reads or skips, and finding the record before a time,
 * within a budget of calls and time: a plan is read while the user waits.
 */

export interface Budget {
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
export async function countBetween(
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
	// As many pages as the console's share of the shard's reads allows in a second (scan.ts paces them so).
	const samples = Math.min(ESTIMATE_SAMPLES, pollSchedulerFor(kinesis).readsPerShard);
	const times = Array.from({length: samples}, (_, index) => lastMs + ((end - lastMs) * (index + 1)) / (samples + 1));
	const sampled = await Promise.all(times.map((atMs) => rateAt(kinesis, stream, shardId, atMs, end, budget.signal)));
	const rates = [(records - 1) / (lastMs - firstMs), ...sampled.filter((rate): rate is number => rate !== undefined)].sort((a, b) => a - b);
	const middle = rates.length / 2;
	const rate = rates.length % 2 === 1 ? (rates[Math.floor(middle)] ?? 0) : ((rates[middle - 1] ?? 0) + (rates[middle] ?? 0)) / 2;
	return {estimate: Math.round(records + rate * (endMs - lastMs)), lastMs: endMs};
}

/** Pages read across the uncounted rest of a range to estimate its records, and their Limit: a few seconds of traffic each. */
const ESTIMATE_SAMPLES = 3;
const SAMPLE_LIMIT = 250;

/**
 * Records per millisecond in one page read from a time (up to `endMs`); undefined when one page cannot tell.
 * Read as the scans read (scan.ts): within the console's share of the shard's reads.
 */
async function rateAt(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	atMs: number,
	endMs: number,
	signal?: AbortSignal,
): Promise<number | undefined> {
	const arrivals: number[] = [];
	try {
		await scanRecords(
			kinesis,
			stream,
			shardId,
			{ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(atMs)},
			{limit: SAMPLE_LIMIT, maxCalls: 1, callsPerSecond: 4, ...(signal ? {signal} : {})},
			(record) => {
				const arrival = record.ApproximateArrivalTimestamp?.getTime();
				if (arrival === undefined || arrival > endMs) return false;
				arrivals.push(arrival);
				return true;
			},
		);
	} catch (error) {
		if (signal?.aborted) throw error;
		return undefined;
	}
	const first = arrivals[0];
	const last = arrivals.at(-1);
	return first === undefined || last === undefined || last <= first ? undefined : (arrivals.length - 1) / (last - first);
}

/** How far back each probe for the record before a time looks: 1 s, 16 s, 4 min, 68 min, 18 h, 12 days, then from TRIM_HORIZON. */
const PROBE_WINDOWS_MS = [1_000, 16_000, 256_000, 4_096_000, 65_536_000, 1_048_576_000];

/**
 * The last record that arrived before a time, and the first at or after it: probes back from the
 * time in growing windows, so a busy shard costs a call or two. Undefined `before` means no record
 * arrived before the time (the checkpoint is TRIM_HORIZON).
 */
export async function recordsAround(
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
