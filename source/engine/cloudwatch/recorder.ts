import type {Dimension, MetricStore, Series} from './metricStore.js';

/**
 * The AWS/Kinesis metrics the engine records as it serves, named, dimensioned and in the units AWS
 * uses (see "Monitoring the Amazon Kinesis Data Streams Service with Amazon CloudWatch"). Stream-level
 * metrics (dimension StreamName) are always recorded; shard-level ones (StreamName, ShardId) only
 * for the metrics EnableEnhancedMonitoring turned on for the stream; enhanced fan-out ones carry
 * StreamName and ConsumerName. Each call adds to per-second counters: no allocation per record, and
 * one map lookup per metric once a stream's series are known.
 */
export interface MetricsRecorder {
	/**
	 * What one PutRecord or PutRecords call wrote, once the admitted records are stored: for every
	 * record its shard, its size (data plus partition key) and whether the shard's budget admitted it.
	 */
	writes(stream: MeteredStream, records: RecordWrites, nowMs: number): void;
	putRecord(
		stream: MeteredStream,
		call: {readonly bytes: number; readonly succeeded: boolean; readonly latencyMs: number},
		nowMs: number,
	): void;
	putRecords(stream: MeteredStream, call: PutRecordsCall, nowMs: number): void;
	getRecords(stream: MeteredStream, shardIndex: number, call: GetRecordsCall, nowMs: number): void;
	/** A GetRecords call refused by the shard's read budget. */
	getRecordsThrottled(stream: MeteredStream, shardIndex: number, nowMs: number): void;
	/** A SubscribeToShard call: established, or refused (another subscription holds the shard, or too many calls). */
	subscribeToShard(stream: MeteredStream, consumerName: string, succeeded: boolean, nowMs: number): void;
	/** One SubscribeToShardEvent sent to a consumer. */
	subscribeToShardEvent(stream: MeteredStream, shardIndex: number, consumerName: string, event: SubscribeEvent, nowMs: number): void;
}

/** What the recorder needs of a stream (StreamState has it all). */
export interface MeteredStream {
	readonly uid: number;
	readonly region: string;
	readonly name: string;
	/** Shard-level metrics turned on by EnableEnhancedMonitoring. */
	readonly enhancedMonitoring: readonly string[];
}

/** The records of one write, per record in arrays: its shard, its size, and its position (negative when its shard's budget refused it). */
export interface RecordWrites {
	readonly count: number;
	readonly shardIndexes: ArrayLike<number>;
	readonly bytes: ArrayLike<number>;
	readonly positions: ArrayLike<number>;
	/** How many were admitted, and their bytes. */
	readonly admitted: number;
	readonly admittedBytes: number;
}

export interface PutRecordsCall {
	readonly totalRecords: number;
	readonly successfulRecords: number;
	readonly throttledRecords: number;
	/** Records refused by an internal failure (the engine has none today). */
	readonly failedRecords: number;
	/** Bytes of the records that succeeded. */
	readonly bytes: number;
	readonly latencyMs: number;
}

export interface GetRecordsCall {
	readonly records: number;
	readonly bytes: number;
	/** Now minus the arrival of the last record returned; 0 when nothing was returned. */
	readonly iteratorAgeMs: number;
	readonly latencyMs: number;
}

export interface SubscribeEvent {
	readonly records: number;
	readonly bytes: number;
	readonly millisBehindLatest: number;
}

export const NAMESPACE = 'AWS/Kinesis';

type Unit = 'Bytes' | 'Count' | 'Milliseconds';

/** Every AWS/Kinesis metric the engine records, with its unit. */
export const STREAM_METRICS: Readonly<Record<string, Unit>> = {
	'GetRecords.Bytes': 'Bytes',
	'GetRecords.IteratorAgeMilliseconds': 'Milliseconds',
	'GetRecords.Latency': 'Milliseconds',
	'GetRecords.Records': 'Count',
	'GetRecords.Success': 'Count',
	IncomingBytes: 'Bytes',
	IncomingRecords: 'Count',
	'PutRecord.Bytes': 'Bytes',
	'PutRecord.Latency': 'Milliseconds',
	'PutRecord.Success': 'Count',
	'PutRecords.Bytes': 'Bytes',
	'PutRecords.Latency': 'Milliseconds',
	'PutRecords.Records': 'Count',
	'PutRecords.Success': 'Count',
	'PutRecords.TotalRecords': 'Count',
	'PutRecords.SuccessfulRecords': 'Count',
	'PutRecords.FailedRecords': 'Count',
	'PutRecords.ThrottledRecords': 'Count',
	ReadProvisionedThroughputExceeded: 'Count',
	WriteProvisionedThroughputExceeded: 'Count',
};
export const SHARD_METRICS: Readonly<Record<string, Unit>> = {
	IncomingBytes: 'Bytes',
	IncomingRecords: 'Count',
	OutgoingBytes: 'Bytes',
	OutgoingRecords: 'Count',
	WriteProvisionedThroughputExceeded: 'Count',
	ReadProvisionedThroughputExceeded: 'Count',
	IteratorAgeMilliseconds: 'Milliseconds',
};
export const CONSUMER_METRICS: Readonly<Record<string, Unit>> = {
	'SubscribeToShard.RateExceeded': 'Count',
	'SubscribeToShard.Success': 'Count',
	'SubscribeToShardEvent.Bytes': 'Bytes',
	'SubscribeToShardEvent.MillisBehindLatest': 'Milliseconds',
	'SubscribeToShardEvent.Records': 'Count',
	'SubscribeToShardEvent.Success': 'Count',
};

type Meters = Map<string, Series>;

interface StreamMeters {
	readonly stream: Meters;
	readonly shards: Map<number, Meters>;
	readonly consumers: Map<string, Meters>;
}

/** Streams whose series handles are kept; past this the cache starts over (handles are cheap to find again). */
const MAX_CACHED_STREAMS = 4096;

export class KinesisMetrics implements MetricsRecorder {
	private readonly streams = new Map<number, StreamMeters>();

	constructor(private readonly store: MetricStore) {}

	writes(stream: MeteredStream, records: RecordWrites, nowMs: number): void {
		const {admitted, admittedBytes} = records;
		const throttled = records.count - admitted;
		if (admitted > 0) {
			this.stream(stream, 'IncomingBytes', nowMs, admittedBytes);
			this.stream(stream, 'IncomingRecords', nowMs, admitted);
		}
		this.stream(stream, 'WriteProvisionedThroughputExceeded', nowMs, throttled);

		const enhanced = stream.enhancedMonitoring;
		if (
			!enhanced.includes('IncomingBytes') &&
			!enhanced.includes('IncomingRecords') &&
			!enhanced.includes('WriteProvisionedThroughputExceeded')
		)
			return;
		// Per shard, one sample per call, as AWS counts "a single put operation for the shard".
		const perShard = new Map<number, [records: number, bytes: number, throttled: number]>();
		for (let index = 0; index < records.count; index++) {
			const shardIndex = records.shardIndexes[index] as number;
			let totals = perShard.get(shardIndex);
			if (!totals) perShard.set(shardIndex, (totals = [0, 0, 0]));
			if ((records.positions[index] as number) >= 0) {
				totals[0]++;
				totals[1] += records.bytes[index] as number;
			} else {
				totals[2]++;
			}
		}
		for (const [shardIndex, [count, size, refused]] of perShard) this.shardWrite(stream, shardIndex, count, size, refused, nowMs);
	}

	putRecord(stream: MeteredStream, call: {bytes: number; succeeded: boolean; latencyMs: number}, nowMs: number): void {
		if (call.succeeded) this.stream(stream, 'PutRecord.Bytes', nowMs, call.bytes);
		this.stream(stream, 'PutRecord.Success', nowMs, call.succeeded ? 1 : 0);
		this.stream(stream, 'PutRecord.Latency', nowMs, call.latencyMs);
	}

	putRecords(stream: MeteredStream, call: PutRecordsCall, nowMs: number): void {
		this.stream(stream, 'PutRecords.TotalRecords', nowMs, call.totalRecords);
		this.stream(stream, 'PutRecords.SuccessfulRecords', nowMs, call.successfulRecords);
		this.stream(stream, 'PutRecords.ThrottledRecords', nowMs, call.throttledRecords);
		this.stream(stream, 'PutRecords.FailedRecords', nowMs, call.failedRecords);
		if (call.successfulRecords > 0) {
			this.stream(stream, 'PutRecords.Records', nowMs, call.successfulRecords);
			this.stream(stream, 'PutRecords.Bytes', nowMs, call.bytes);
		}
		this.stream(stream, 'PutRecords.Success', nowMs, call.successfulRecords > 0 ? 1 : 0);
		this.stream(stream, 'PutRecords.Latency', nowMs, call.latencyMs);
	}

	getRecords(stream: MeteredStream, shardIndex: number, call: GetRecordsCall, nowMs: number): void {
		this.stream(stream, 'GetRecords.Success', nowMs, 1);
		this.stream(stream, 'GetRecords.Records', nowMs, call.records);
		this.stream(stream, 'GetRecords.Bytes', nowMs, call.bytes);
		this.stream(stream, 'GetRecords.IteratorAgeMilliseconds', nowMs, call.iteratorAgeMs);
		this.stream(stream, 'GetRecords.Latency', nowMs, call.latencyMs);
		this.stream(stream, 'ReadProvisionedThroughputExceeded', nowMs, 0);
		if (stream.enhancedMonitoring.length === 0) return;
		this.shard(stream, shardIndex, 'OutgoingRecords', nowMs, call.records);
		this.shard(stream, shardIndex, 'OutgoingBytes', nowMs, call.bytes);
		this.shard(stream, shardIndex, 'IteratorAgeMilliseconds', nowMs, call.iteratorAgeMs);
		this.shard(stream, shardIndex, 'ReadProvisionedThroughputExceeded', nowMs, 0);
	}

	getRecordsThrottled(stream: MeteredStream, shardIndex: number, nowMs: number): void {
		this.stream(stream, 'GetRecords.Success', nowMs, 0);
		this.stream(stream, 'ReadProvisionedThroughputExceeded', nowMs, 1);
		this.shard(stream, shardIndex, 'ReadProvisionedThroughputExceeded', nowMs, 1);
	}

	subscribeToShard(stream: MeteredStream, consumerName: string, succeeded: boolean, nowMs: number): void {
		this.consumer(stream, consumerName, succeeded ? 'SubscribeToShard.Success' : 'SubscribeToShard.RateExceeded', nowMs, 1);
	}

	subscribeToShardEvent(stream: MeteredStream, shardIndex: number, consumerName: string, event: SubscribeEvent, nowMs: number): void {
		this.consumer(stream, consumerName, 'SubscribeToShardEvent.Success', nowMs, 1);
		this.consumer(stream, consumerName, 'SubscribeToShardEvent.Records', nowMs, event.records);
		this.consumer(stream, consumerName, 'SubscribeToShardEvent.Bytes', nowMs, event.bytes);
		this.consumer(stream, consumerName, 'SubscribeToShardEvent.MillisBehindLatest', nowMs, event.millisBehindLatest);
		if (stream.enhancedMonitoring.length === 0) return;
		this.shard(stream, shardIndex, 'OutgoingRecords', nowMs, event.records);
		this.shard(stream, shardIndex, 'OutgoingBytes', nowMs, event.bytes);
	}

	private shardWrite(stream: MeteredStream, shardIndex: number, records: number, bytes: number, throttled: number, nowMs: number): void {
		if (records > 0) {
			this.shard(stream, shardIndex, 'IncomingBytes', nowMs, bytes);
			this.shard(stream, shardIndex, 'IncomingRecords', nowMs, records);
		}
		this.shard(stream, shardIndex, 'WriteProvisionedThroughputExceeded', nowMs, throttled);
	}

	private stream(stream: MeteredStream, name: string, nowMs: number, value: number): void {
		const meters = this.metersOf(stream).stream;
		let series = meters.get(name);
		if (!series) {
			series = this.store.engineSeries(
				stream.region,
				NAMESPACE,
				name,
				[{Name: 'StreamName', Value: stream.name}],
				STREAM_METRICS[name] ?? 'None',
			);
			if (!series) return;
			meters.set(name, series);
		}
		series.observe(value, nowMs);
	}

	/** Records a shard-level metric when the stream has it turned on. */
	private shard(stream: MeteredStream, shardIndex: number, name: string, nowMs: number, value: number): void {
		if (!stream.enhancedMonitoring.includes(name)) return;
		const shards = this.metersOf(stream).shards;
		let meters = shards.get(shardIndex);
		if (!meters) shards.set(shardIndex, (meters = new Map()));
		let series = meters.get(name);
		if (!series) {
			const dimensions: Dimension[] = [
				{Name: 'StreamName', Value: stream.name},
				{Name: 'ShardId', Value: `shardId-${String(shardIndex).padStart(12, '0')}`},
			];
			series = this.store.engineSeries(stream.region, NAMESPACE, name, dimensions, SHARD_METRICS[name] ?? 'None');
			if (!series) return;
			meters.set(name, series);
		}
		series.observe(value, nowMs);
	}

	private consumer(stream: MeteredStream, consumerName: string, name: string, nowMs: number, value: number): void {
		const consumers = this.metersOf(stream).consumers;
		let meters = consumers.get(consumerName);
		if (!meters) consumers.set(consumerName, (meters = new Map()));
		let series = meters.get(name);
		if (!series) {
			const dimensions: Dimension[] = [
				{Name: 'StreamName', Value: stream.name},
				{Name: 'ConsumerName', Value: consumerName},
			];
			series = this.store.engineSeries(stream.region, NAMESPACE, name, dimensions, CONSUMER_METRICS[name] ?? 'None');
			if (!series) return;
			meters.set(name, series);
		}
		series.observe(value, nowMs);
	}

	private metersOf(stream: MeteredStream): StreamMeters {
		let meters = this.streams.get(stream.uid);
		if (!meters) {
			if (this.streams.size >= MAX_CACHED_STREAMS) this.streams.clear();
			meters = {stream: new Map(), shards: new Map(), consumers: new Map()};
			this.streams.set(stream.uid, meters);
		}
		return meters;
	}
}

/** A recorder that records nothing, for contexts that have no metrics. */
export const noMetrics: MetricsRecorder = {
	writes() {},
	putRecord() {},
	putRecords() {},
	getRecords() {},
	getRecordsThrottled() {},
	subscribeToShard() {},
	subscribeToShardEvent() {},
};

/** The figures of a PutRecords call from what became of its records (stored or throttled). */
export function putRecordsCall(records: Pick<RecordWrites, 'count' | 'admitted' | 'admittedBytes'>, latencyMs: number): PutRecordsCall {
	return {
		totalRecords: records.count,
		successfulRecords: records.admitted,
		throttledRecords: records.count - records.admitted,
		failedRecords: 0,
		bytes: records.admittedBytes,
		latencyMs,
	};
}
