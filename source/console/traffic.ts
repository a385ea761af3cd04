import {GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery} from '@aws-sdk/client-cloudwatch';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {partitionKeyHash} from './hashKeys.js';
import {mapLimited} from './mapLimited.js';
import type {TailEvent} from './tail/events.js';
import {readShard} from './tail/shardReader.js';
import type {StreamRef} from './aws/shards.js';

/**
 * The traffic resharding decisions rest on: the hash keys records were routed by (to split a shard at
 * the median of its real keys) and the records each shard takes (to find the coldest neighbours to
 * merge). Either from what a tail has seen, by reading the last minutes of a shard, or from CloudWatch's
 * shard-level metrics when enhanced monitoring records them.
 *
 * Records read back carry their partition key but not an ExplicitHashKey they were written with: hash
 * keys are the MD5 of partition keys, and a record whose hash key falls outside its shard's range
 * (written with an explicit hash key) is counted apart.
 */

/** Records seen of a partition key, or of a hash key (decimal or bigint). `count` defaults to 1 and may be fractional (a weighted sample). */
export type Observation =
	{readonly partitionKey: string; readonly count?: number} | {readonly hashKey: string | bigint; readonly count?: number};

export interface HashKeyCount {
	readonly hashKey: bigint;
	readonly count: number;
}

/** Observations as counts per hash key, in hash key order. */
export function hashKeyCounts(observations: Iterable<Observation>): HashKeyCount[] {
	const counts = new Map<bigint, number>();
	for (const observation of observations) {
		const hashKey = 'partitionKey' in observation ? partitionKeyHash(observation.partitionKey) : BigInt(observation.hashKey);
		const count = observation.count ?? 1;
		if (!(count > 0)) continue;
		counts.set(hashKey, (counts.get(hashKey) ?? 0) + count);
	}
	return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([hashKey, count]) => ({hashKey, count}));
}

/** The records among sorted counts whose hash key is within [start, end]. */
export function countInRange(counts: readonly HashKeyCount[], start: bigint, end: bigint): number {
	let total = 0;
	for (let index = lowerBound(counts, start); index < counts.length; index++) {
		const entry = counts[index] as HashKeyCount;
		if (entry.hashKey > end) break;
		total += entry.count;
	}
	return total;
}

function lowerBound(counts: readonly HashKeyCount[], key: bigint): number {
	let low = 0;
	let high = counts.length;
	while (low < high) {
		const middle = (low + high) >>> 1;
		if ((counts[middle] as HashKeyCount).hashKey < key) low = middle + 1;
		else high = middle;
	}
	return low;
}

/**
 * A bounded sample of the partition keys a tail has seen, per shard: every record while a shard has
 * seen fewer than `perShard`, then a uniform reservoir sample of them (Vitter's algorithm R), so that
 * the median of a hot shard's keys can be taken at any time in bounded memory. Feed it tail events.
 */
export class TrafficSample {
	private readonly shards = new Map<string, {seen: number; keys: string[]}>();
	private readonly perShard: number;
	private readonly random: () => number;

	constructor(options: {readonly perShard?: number; readonly random?: () => number} = {}) {
		this.perShard = options.perShard ?? 10_000;
		this.random = options.random ?? Math.random;
	}

	observe(event: TailEvent): void {
		if (event.type !== 'records') return;
		for (const record of event.records) this.add(event.shardId, record.partitionKey);
	}

	add(shardId: string, partitionKey: string): void {
		let shard = this.shards.get(shardId);
		if (!shard) this.shards.set(shardId, (shard = {seen: 0, keys: []}));
		shard.seen++;
		if (shard.keys.length < this.perShard) {
			shard.keys.push(partitionKey);
			return;
		}
		const slot = Math.floor(this.random() * shard.seen);
		if (slot < this.perShard) shard.keys[slot] = partitionKey;
	}

	/** Forgets every shard but these (the shards still read). */
	retain(shardIds: ReadonlySet<string>): void {
		for (const shardId of this.shards.keys()) if (!shardIds.has(shardId)) this.shards.delete(shardId);
	}

	/** Records seen on a shard since the sample began. */
	seen(shardId: string): number {
		return this.shards.get(shardId)?.seen ?? 0;
	}

	/** The sample of a shard, weighted so that the counts add up to the records seen. */
	observations(shardId: string): Observation[] {
		const shard = this.shards.get(shardId);
		if (!shard || shard.keys.length === 0) return [];
		const weight = shard.seen / shard.keys.length;
		const counts = new Map<string, number>();
		for (const key of shard.keys) counts.set(key, (counts.get(key) ?? 0) + 1);
		return [...counts.entries()].map(([partitionKey, count]) => ({partitionKey, count: count * weight}));
	}
}

/** What reading a shard's recent records found. */
export interface ShardSample {
	readonly shardId: string;
	/** Per partition key, the records read. */
	readonly observations: readonly Observation[];
	readonly records: number;
	/** Data bytes of the records read. */
	readonly bytes: number;
	/** The window read: from (the start asked for) to when reading stopped, or to the last record read when it stopped early. */
	readonly fromMs: number;
	readonly toMs: number;
	/** False when reading stopped at `maxRecords` or `deadlineMs` before the newest record. */
	readonly complete: boolean;
}

export interface SampleOptions {
	/** Read the records that arrived from this time on. */
	readonly sinceMs: number;
	/** Stop after this many records (the sample is then incomplete). Default 100,000. */
	readonly maxRecords?: number;
	/** Stop reading at this time (Date.now() scale). */
	readonly deadlineMs?: number;
	/** GetRecords calls per second: the shard's 5 are shared with its consumers. Default 2. */
	readonly callsPerSecond?: number;
	readonly signal?: AbortSignal;
	readonly now?: () => number;
}

/** Reads a shard's records since a time, up to its newest, counting them per partition key. */
export async function sampleShard(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	options: SampleOptions,
): Promise<ShardSample> {
	const now = options.now ?? Date.now;
	const maxRecords = options.maxRecords ?? 100_000;
	const controller = new AbortController();
	const abort = () => controller.abort();
	options.signal?.addEventListener('abort', abort, {once: true});
	const timer = options.deadlineMs === undefined ? undefined : setTimeout(abort, Math.max(0, options.deadlineMs - Date.now()));
	const counts = new Map<string, number>();
	let records = 0;
	let bytes = 0;
	let lastArrivalMs: number | undefined;
	let failure: unknown;
	try {
		const result = await readShard({
			kinesis,
			stream,
			shardId,
			from: {type: 'AT_TIMESTAMP', timestamp: new Date(options.sinceMs)},
			callsPerSecond: options.callsPerSecond ?? 2,
			limit: 10_000,
			stopAtLatest: true,
			signal: controller.signal,
			emit: async (event) => {
				if (event.type !== 'records') return;
				for (const record of event.records) {
					if (records >= maxRecords) break;
					records++;
					bytes += record.data.length;
					lastArrivalMs = record.arrivalTime.getTime();
					counts.set(record.partitionKey, (counts.get(record.partitionKey) ?? 0) + 1);
				}
				if (records >= maxRecords) controller.abort();
			},
		});
		if (result.kind === 'failed') failure = result.error;
	} finally {
		if (timer) clearTimeout(timer);
		options.signal?.removeEventListener('abort', abort);
	}
	if (failure !== undefined) throw failure;
	const complete = !controller.signal.aborted;
	return {
		shardId,
		observations: [...counts.entries()].map(([partitionKey, count]) => ({partitionKey, count})),
		records,
		bytes,
		fromMs: options.sinceMs,
		toMs: complete ? now() : (lastArrivalMs ?? now()),
		complete,
	};
}

/** The records a shard took over a window. */
export interface ShardTraffic {
	readonly shardId: string;
	readonly records: number;
	readonly bytes: number;
	readonly recordsPerSecond: number;
	readonly bytesPerSecond: number;
	/** False when the count stopped short (a read cap): the rates are then estimated from the part read. */
	readonly complete: boolean;
}

export interface TrafficReport {
	/** observed: what the console's tail saw; sample: read back from the shards; cloudwatch: shard-level IncomingRecords. */
	readonly source: 'observed' | 'sample' | 'cloudwatch';
	readonly windowMs: number;
	readonly shards: readonly ShardTraffic[];
	/** A caveat for the preview, e.g. why CloudWatch was not used. */
	readonly note?: string;
}

/** Traffic from rates the console measured itself (the meters of a tail), over the window they cover. */
export function observedTraffic(
	rows: ReadonlyArray<{readonly shardId: string; readonly recordsPerSecond: number; readonly bytesPerSecond?: number}>,
	windowMs: number,
): TrafficReport {
	const seconds = windowMs / 1000;
	return {
		source: 'observed',
		windowMs,
		shards: rows.map((row) => ({
			shardId: row.shardId,
			records: Math.round(row.recordsPerSecond * seconds),
			bytes: Math.round((row.bytesPerSecond ?? 0) * seconds),
			recordsPerSecond: row.recordsPerSecond,
			bytesPerSecond: row.bytesPerSecond ?? 0,
			complete: true,
		})),
	};
}

export interface MeasureOptions {
	readonly windowMs: number;
	/** When the stream was made: a window reaching back before it counts from it (rates over its life, not the window's). */
	readonly notBeforeMs?: number;
	/** The stream's shard-level metrics (DescribeStreamSummary's EnhancedMonitoring): CloudWatch is asked only when IncomingRecords is among them. */
	readonly enhancedMetrics?: readonly string[];
	readonly cloudwatch?: CloudWatchClient;
	/** Per shard, when reading records back. Default 100,000. */
	readonly maxRecordsPerShard?: number;
	/** Shards read at once. Default 8. */
	readonly concurrency?: number;
	/** Give up reading (counts become partial) after this long. Default 60 s. */
	readonly budgetMs?: number;
	readonly signal?: AbortSignal;
	readonly now?: () => number;
}

/**
 * The records each given shard took over the last `windowMs`: from CloudWatch's shard-level
 * IncomingRecords when enhanced monitoring records it, otherwise by reading the shards' records back.
 */
export async function measureTraffic(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardIds: readonly string[],
	options: MeasureOptions,
): Promise<TrafficReport> {
	const now = options.now ?? Date.now;
	const enhanced = options.enhancedMetrics ?? [];
	const nowMs = now();
	const sinceMs = Math.max(nowMs - options.windowMs, options.notBeforeMs ?? Number.NEGATIVE_INFINITY);
	let note: string | undefined;
	if (options.cloudwatch && (enhanced.includes('ALL') || enhanced.includes('IncomingRecords'))) {
		try {
			return await cloudWatchTraffic(options.cloudwatch, streamNameOf(stream), shardIds, options.windowMs, nowMs, sinceMs, options.signal);
		} catch (error) {
			note = `CloudWatch could not be read (${(error as Error).name}): traffic was read back from the shards instead.`;
		}
	}
	const deadlineMs = Date.now() + (options.budgetMs ?? 60_000);
	const samples = await mapLimited(shardIds, options.concurrency ?? 8, (shardId) =>
		sampleShard(kinesis, stream, shardId, {
			sinceMs,
			deadlineMs,
			maxRecords: options.maxRecordsPerShard ?? 100_000,
			...(options.signal ? {signal: options.signal} : {}),
			now,
		}),
	);
	return {
		source: 'sample',
		windowMs: options.windowMs,
		shards: samples.map((sample) => {
			const seconds = Math.max(1, sample.toMs - sample.fromMs) / 1000;
			return {
				shardId: sample.shardId,
				records: sample.records,
				bytes: sample.bytes,
				recordsPerSecond: sample.records / seconds,
				bytesPerSecond: sample.bytes / seconds,
				complete: sample.complete,
			};
		}),
		...(note === undefined ? {} : {note}),
	};
}

const MAX_QUERIES = 500;

async function cloudWatchTraffic(
	cloudwatch: CloudWatchClient,
	streamName: string,
	shardIds: readonly string[],
	windowMs: number,
	nowMs: number,
	/** Where the window starts: its start, or the stream's creation if later (the rates' span). */
	sinceMs: number,
	signal?: AbortSignal,
): Promise<TrafficReport> {
	const periodSeconds = Math.max(60, Math.ceil(windowMs / 60_000) * 60);
	// From the stream's creation if later: a deleted stream of the same name left its metrics before it.
	const startMs = sinceMs;
	const totals = new Map<string, {records: number; bytes: number}>(shardIds.map((id) => [id, {records: 0, bytes: 0}]));
	const queries: MetricDataQuery[] = shardIds.flatMap((shardId, index) =>
		(['IncomingRecords', 'IncomingBytes'] as const).map((metric) => ({
			Id: `${metric === 'IncomingRecords' ? 'r' : 'b'}${index}`,
			MetricStat: {
				Metric: {
					Namespace: 'AWS/Kinesis',
					MetricName: metric,
					Dimensions: [
						{Name: 'StreamName', Value: streamName},
						{Name: 'ShardId', Value: shardId},
					],
				},
				Period: periodSeconds,
				Stat: 'Sum',
			},
			ReturnData: true,
		})),
	);
	for (let offset = 0; offset < queries.length; offset += MAX_QUERIES) {
		let nextToken: string | undefined;
		do {
			const page = await cloudwatch.send(
				new GetMetricDataCommand({
					MetricDataQueries: queries.slice(offset, offset + MAX_QUERIES),
					StartTime: new Date(startMs),
					EndTime: new Date(nowMs),
					...(nextToken === undefined ? {} : {NextToken: nextToken}),
				}),
				signal ? {abortSignal: signal} : {},
			);
			for (const result of page.MetricDataResults ?? []) {
				const id = result.Id ?? '';
				const shardId = shardIds[Number(id.slice(1))];
				const entry = shardId === undefined ? undefined : totals.get(shardId);
				if (!entry) continue;
				const sum = (result.Values ?? []).reduce((total, value) => total + value, 0);
				if (id.startsWith('r')) entry.records += sum;
				else entry.bytes += sum;
			}
			nextToken = page.NextToken;
		} while (nextToken);
	}
	const seconds = Math.max(1, nowMs - sinceMs) / 1000;
	return {
		source: 'cloudwatch',
		windowMs,
		shards: shardIds.map((shardId) => {
			const {records, bytes} = totals.get(shardId) ?? {records: 0, bytes: 0};
			return {shardId, records, bytes, recordsPerSecond: records / seconds, bytesPerSecond: bytes / seconds, complete: true};
		}),
	};
}

/** The stream name in a name or an ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME). */
export const streamNameOf = (stream: StreamRef): string =>
	stream.startsWith('arn:') ? stream.slice(stream.indexOf(':stream/') + ':stream/'.length) : stream;
