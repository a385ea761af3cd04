import {
	CloudWatchClient,
	CloudWatchServiceException,
	GetMetricDataCommand,
	GetMetricStatisticsCommand,
	ListMetricsCommand,
	PutMetricDataCommand,
	type Dimension,
	type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
	DescribeStreamSummaryCommand,
	DisableEnhancedMonitoringCommand,
	EnableEnhancedMonitoringCommand,
	GetRecordsCommand,
	PutRecordCommand,
	PutRecordsCommand,
	RegisterStreamConsumerCommand,
	SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import {NodeHttp2Handler} from '@smithy/node-http-handler';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {MetricStore} from '../../source/engine/cloudwatch/metricStore.js';
import type {EngineOptions} from '../../source/engine/index.js';
import {credentials} from '../helpers/engine.js';
import {FakeClock, createStream, iterator, readToEnd, rejection, uniqueName, useEngine} from './support.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SHARD_0 = 'shardId-000000000000';
const SHARD_1 = 'shardId-000000000001';
// Hash keys inside the first and the second half of the key space: shard 0 and shard 1 of a two-shard stream.
const LOW_HASH = '1';
const HIGH_HASH = (2n ** 127n + 1n).toString();

/** An engine on a fake clock, with Kinesis and CloudWatch clients for the enclosing describe block. */
function useMetricsEngine(options: EngineOptions = {}) {
	const clock = new FakeClock();
	const harness = useEngine('http2', {now: clock.now, ...options});
	let cloudWatch: CloudWatchClient | undefined;
	beforeAll(() => {
		// The SDK's default handler: HTTP/1.1 for CloudWatch.
		cloudWatch = new CloudWatchClient({endpoint: harness.url, region: 'us-east-1', credentials, maxAttempts: 1});
	});
	afterAll(() => cloudWatch?.destroy());
	return {
		clock,
		harness,
		get cloudWatch(): CloudWatchClient {
			if (!cloudWatch) throw new Error('not started');
			return cloudWatch;
		},
	};
}

const streamDimension = (stream: string): Dimension[] => [{Name: 'StreamName', Value: stream}];
const shardDimensions = (stream: string, shardId: string): Dimension[] => [
	{Name: 'StreamName', Value: stream},
	{Name: 'ShardId', Value: shardId},
];

const bytesOf = (data: string, key: string) => Buffer.byteLength(data) + Buffer.byteLength(key);

/** The error a CloudWatch call failed with. */
async function cloudWatchError(call: Promise<unknown>): Promise<{name: string; message: string; status: number | undefined}> {
	try {
		await call;
	} catch (error) {
		if (error instanceof CloudWatchServiceException)
			return {name: error.name, message: error.message, status: error.$metadata.httpStatusCode};
		throw error;
	}
	return expect.fail('expected the call to fail, but it succeeded');
}

describe('CloudWatch metrics of streams', () => {
	const engine = useMetricsEngine();

	/** One statistic of a metric over [start, end) at a period, as GetMetricData returns it (oldest first). */
	async function series(
		namespace: string,
		name: string,
		dimensions: Dimension[],
		stat: string,
		period: number,
		startMs: number,
		endMs: number,
	) {
		const {MetricDataResults} = await engine.cloudWatch.send(
			new GetMetricDataCommand({
				StartTime: new Date(startMs),
				EndTime: new Date(endMs),
				ScanBy: 'TimestampAscending',
				MetricDataQueries: [
					{Id: 'q', MetricStat: {Metric: {Namespace: namespace, MetricName: name, Dimensions: dimensions}, Period: period, Stat: stat}},
				],
			}),
		);
		const [result] = MetricDataResults ?? [];
		return (result?.Timestamps ?? []).map((timestamp, index) => [timestamp.getTime(), result?.Values?.[index]] as const);
	}
	/** The total of one statistic of a stream's metric over the hour around the fake clock. */
	async function total(stream: string, name: string, stat = 'Sum', dimensions = streamDimension(stream)): Promise<number | undefined> {
		const points = await series('AWS/Kinesis', name, dimensions, stat, 3600, engine.clock.ms - HOUR, engine.clock.ms + HOUR);
		return points.length === 0 ? undefined : points.reduce((sum, [, value]) => sum + (value ?? 0), 0);
	}

	it('counts what was written and read, per stream, in the units AWS uses', async () => {
		const stream = uniqueName('metered');
		await createStream(engine.harness.client, stream, 2);
		const start = engine.clock.ms;
		const singles = [
			['first', 'k1'],
			['second record', 'k2'],
			['third', 'k3'],
		] as const;
		for (const [data, key] of singles)
			await engine.harness.client.send(new PutRecordCommand({StreamName: stream, PartitionKey: key, Data: Buffer.from(data)}));
		engine.clock.advance(1500);
		const batch = Array.from({length: 10}, (_, index) => ({PartitionKey: `key-${index}`, Data: Buffer.from(`record number ${index}`)}));
		const put = await engine.harness.client.send(new PutRecordsCommand({StreamName: stream, Records: batch}));
		expect(put.FailedRecordCount).toBe(0);

		const singleBytes = singles.reduce((sum, [data, key]) => sum + bytesOf(data, key), 0);
		const batchBytes = batch.reduce((sum, record) => sum + record.Data.length + record.PartitionKey.length, 0);
		expect(await total(stream, 'IncomingRecords')).toBe(13);
		expect(await total(stream, 'IncomingBytes')).toBe(singleBytes + batchBytes);
		// One sample per put operation: four operations, the largest being the batch.
		expect(await total(stream, 'IncomingRecords', 'SampleCount')).toBe(4);
		expect(await total(stream, 'IncomingBytes', 'Maximum')).toBe(batchBytes);
		expect(await total(stream, 'PutRecord.Success')).toBe(3);
		expect(await total(stream, 'PutRecord.Bytes')).toBe(singleBytes);
		expect(await total(stream, 'PutRecord.Latency', 'SampleCount')).toBe(3);
		expect(await total(stream, 'PutRecords.Records')).toBe(10);
		expect(await total(stream, 'PutRecords.TotalRecords')).toBe(10);
		expect(await total(stream, 'PutRecords.SuccessfulRecords')).toBe(10);
		expect(await total(stream, 'PutRecords.ThrottledRecords')).toBe(0);
		expect(await total(stream, 'PutRecords.FailedRecords')).toBe(0);
		expect(await total(stream, 'PutRecords.Bytes')).toBe(batchBytes);
		expect(await total(stream, 'PutRecords.Success')).toBe(1);
		expect(await total(stream, 'WriteProvisionedThroughputExceeded', 'Maximum')).toBe(0);

		// At a 1-second period the single puts and the batch fall in two seconds.
		expect(await series('AWS/Kinesis', 'IncomingRecords', streamDimension(stream), 'Sum', 1, start, start + 10_000)).toEqual([
			[start, 3],
			[start + 1000, 10],
		]);

		engine.clock.advance(5000);
		const shards = [
			await readToEnd(engine.harness.client, await iterator(engine.harness.client, stream, SHARD_0, 'TRIM_HORIZON')),
			await readToEnd(engine.harness.client, await iterator(engine.harness.client, stream, SHARD_1, 'TRIM_HORIZON')),
		];
		expect(shards.flat()).toHaveLength(13);
		// Each shard's records come in one page: its iterator age is how long ago the last of them arrived.
		const ages = shards.map((records) => engine.clock.ms - (records.at(-1)?.ApproximateArrivalTimestamp?.getTime() ?? engine.clock.ms));
		expect(await total(stream, 'GetRecords.Records')).toBe(13);
		expect(await total(stream, 'GetRecords.Bytes')).toBe(singleBytes + batchBytes);
		// readToEnd reads each shard until an empty page: at least two calls per shard.
		const calls = await total(stream, 'GetRecords.Success', 'SampleCount');
		expect(calls).toBeGreaterThanOrEqual(4);
		expect(await total(stream, 'GetRecords.Success')).toBe(calls);
		expect(await total(stream, 'GetRecords.Latency', 'SampleCount')).toBe(calls);
		expect(await total(stream, 'GetRecords.IteratorAgeMilliseconds', 'Maximum')).toBe(Math.max(...ages));
		expect(await total(stream, 'GetRecords.IteratorAgeMilliseconds', 'Minimum')).toBe(0);
		expect(await total(stream, 'ReadProvisionedThroughputExceeded', 'Sum')).toBe(0);

		// GetMetricStatistics agrees, with several statistics and the unit.
		const statistics = await engine.cloudWatch.send(
			new GetMetricStatisticsCommand({
				Namespace: 'AWS/Kinesis',
				MetricName: 'IncomingBytes',
				Dimensions: streamDimension(stream),
				StartTime: new Date(start),
				EndTime: new Date(start + MINUTE),
				Period: 60,
				Statistics: ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'],
			}),
		);
		expect(statistics.Label).toBe('IncomingBytes');
		expect(statistics.Datapoints).toEqual([
			{
				Timestamp: new Date(start),
				Sum: singleBytes + batchBytes,
				SampleCount: 4,
				Average: (singleBytes + batchBytes) / 4,
				Minimum: bytesOf('first', 'k1'),
				Maximum: batchBytes,
				Unit: 'Bytes',
			},
		]);

		// No shard-level metric without enhanced monitoring.
		const listed = await engine.cloudWatch.send(
			new ListMetricsCommand({Namespace: 'AWS/Kinesis', Dimensions: [{Name: 'StreamName', Value: stream}]}),
		);
		const names = (listed.Metrics ?? []).map((metric) => metric.MetricName).sort();
		expect(names).toEqual(
			[
				'GetRecords.Bytes',
				'GetRecords.IteratorAgeMilliseconds',
				'GetRecords.Latency',
				'GetRecords.Records',
				'GetRecords.Success',
				'IncomingBytes',
				'IncomingRecords',
				'PutRecord.Bytes',
				'PutRecord.Latency',
				'PutRecord.Success',
				'PutRecords.Bytes',
				'PutRecords.FailedRecords',
				'PutRecords.Latency',
				'PutRecords.Records',
				'PutRecords.Success',
				'PutRecords.SuccessfulRecords',
				'PutRecords.ThrottledRecords',
				'PutRecords.TotalRecords',
				'ReadProvisionedThroughputExceeded',
				'WriteProvisionedThroughputExceeded',
			].sort(),
		);
		for (const metric of listed.Metrics ?? []) expect(metric.Dimensions).toEqual(streamDimension(stream));
	});

	it('counts enhanced fan-out subscriptions and the records they push, per consumer', async () => {
		const {client} = engine.harness;
		const stream = uniqueName('fanned');
		await createStream(client, stream, 1);
		const {StreamDescriptionSummary: summary} = await client.send(new DescribeStreamSummaryCommand({StreamName: stream}));
		const {Consumer: consumer} = await client.send(new RegisterStreamConsumerCommand({StreamARN: summary?.StreamARN, ConsumerName: 'fan'}));
		engine.clock.advance(1000);
		const subscription = await client.send(
			new SubscribeToShardCommand({ConsumerARN: consumer?.ConsumerARN, ShardId: SHARD_0, StartingPosition: {Type: 'TRIM_HORIZON'}}),
		);
		const records = ['one', 'two', 'three'];
		await client.send(
			new PutRecordsCommand({StreamName: stream, Records: records.map((data) => ({PartitionKey: data, Data: Buffer.from(data)}))}),
		);
		let received = 0;
		for await (const event of subscription.EventStream ?? []) {
			received += event.SubscribeToShardEvent?.Records?.length ?? 0;
			if (received >= records.length) break;
		}
		expect(received).toBe(3);
		const consumerDimensions = [...streamDimension(stream), {Name: 'ConsumerName', Value: 'fan'}];
		expect(await total(stream, 'SubscribeToShard.Success', 'Sum', consumerDimensions)).toBe(1);
		expect(await total(stream, 'SubscribeToShardEvent.Records', 'Sum', consumerDimensions)).toBe(3);
		expect(await total(stream, 'SubscribeToShardEvent.Bytes', 'Sum', consumerDimensions)).toBe(
			records.reduce((sum, data) => sum + bytesOf(data, data), 0),
		);
	});

	it('records shard-level metrics only for those EnableEnhancedMonitoring turned on, and only while on', async () => {
		const stream = uniqueName('enhanced');
		await createStream(engine.harness.client, stream, 2);
		const put = (hashKey: string, data: string) =>
			engine.harness.client.send(
				new PutRecordCommand({StreamName: stream, PartitionKey: 'k', ExplicitHashKey: hashKey, Data: Buffer.from(data)}),
			);
		await put(LOW_HASH, 'before');
		await engine.harness.client.send(
			new EnableEnhancedMonitoringCommand({
				StreamName: stream,
				ShardLevelMetrics: ['IncomingRecords', 'OutgoingRecords', 'IteratorAgeMilliseconds'],
			}),
		);
		engine.clock.advance(1000);
		await put(LOW_HASH, 'one');
		await put(LOW_HASH, 'two');
		await put(HIGH_HASH, 'three');
		await engine.harness.client.send(
			new PutRecordsCommand({
				StreamName: stream,
				Records: [
					{PartitionKey: 'k', ExplicitHashKey: LOW_HASH, Data: Buffer.from('four')},
					{PartitionKey: 'k', ExplicitHashKey: HIGH_HASH, Data: Buffer.from('five')},
				],
			}),
		);
		engine.clock.advance(2000);
		const read = await readToEnd(engine.harness.client, await iterator(engine.harness.client, stream, SHARD_0, 'TRIM_HORIZON'));
		expect(read).toHaveLength(4);

		expect(await total(stream, 'IncomingRecords', 'Sum', shardDimensions(stream, SHARD_0))).toBe(3);
		expect(await total(stream, 'IncomingRecords', 'SampleCount', shardDimensions(stream, SHARD_0))).toBe(3);
		expect(await total(stream, 'IncomingRecords', 'Sum', shardDimensions(stream, SHARD_1))).toBe(2);
		expect(await total(stream, 'OutgoingRecords', 'Sum', shardDimensions(stream, SHARD_0))).toBe(4);
		// The last record of the first page was written 2 s before it was read, on the fake clock.
		expect(await total(stream, 'IteratorAgeMilliseconds', 'Maximum', shardDimensions(stream, SHARD_0))).toBe(2000);
		// Not turned on: no shard-level bytes, though the stream-level ones are there.
		expect(await total(stream, 'IncomingBytes', 'Sum', shardDimensions(stream, SHARD_0))).toBeUndefined();
		expect(await total(stream, 'IncomingRecords')).toBe(6);

		const shardLevel = await engine.cloudWatch.send(
			new ListMetricsCommand({Namespace: 'AWS/Kinesis', Dimensions: [{Name: 'StreamName', Value: stream}, {Name: 'ShardId'}]}),
		);
		expect(
			(shardLevel.Metrics ?? [])
				.map((metric) => `${metric.MetricName} ${metric.Dimensions?.map((dimension) => `${dimension.Name}=${dimension.Value}`).join(',')}`)
				.sort(),
		).toEqual([
			`IncomingRecords StreamName=${stream},ShardId=${SHARD_0}`,
			`IncomingRecords StreamName=${stream},ShardId=${SHARD_1}`,
			`IteratorAgeMilliseconds StreamName=${stream},ShardId=${SHARD_0}`,
			`OutgoingRecords StreamName=${stream},ShardId=${SHARD_0}`,
		]);
		const oneShard = await engine.cloudWatch.send(
			new ListMetricsCommand({MetricName: 'IncomingRecords', Dimensions: [{Name: 'ShardId', Value: SHARD_1}]}),
		);
		expect(oneShard.Metrics?.filter((metric) => metric.Dimensions?.some((dimension) => dimension.Value === stream))).toEqual([
			{Namespace: 'AWS/Kinesis', MetricName: 'IncomingRecords', Dimensions: shardDimensions(stream, SHARD_1)},
		]);

		await engine.harness.client.send(new DisableEnhancedMonitoringCommand({StreamName: stream, ShardLevelMetrics: ['ALL']}));
		await put(LOW_HASH, 'after');
		expect(await total(stream, 'IncomingRecords', 'Sum', shardDimensions(stream, SHARD_0))).toBe(3);
		expect(await total(stream, 'IncomingRecords')).toBe(7);
	});

	it('keeps a custom metric from PutMetricData, as KCL publishes MillisBehindLatest', async () => {
		const namespace = uniqueName('kcl-app');
		const dimensions = [
			{Name: 'ShardId', Value: SHARD_0},
			{Name: 'Operation', Value: 'ProcessTask'},
		];
		const start = Math.floor(engine.clock.ms / MINUTE) * MINUTE;
		await engine.cloudWatch.send(
			new PutMetricDataCommand({
				Namespace: namespace,
				MetricData: [
					{MetricName: 'MillisBehindLatest', Dimensions: dimensions, Timestamp: new Date(start), Value: 1200, Unit: 'Milliseconds'},
					{MetricName: 'MillisBehindLatest', Dimensions: dimensions, Timestamp: new Date(start + 500), Value: 800, Unit: 'Milliseconds'},
					{MetricName: 'MillisBehindLatest', Dimensions: dimensions, Timestamp: new Date(start + 2000), Value: 100, Unit: 'Milliseconds'},
					{
						MetricName: 'RecordsProcessed',
						Dimensions: dimensions,
						Timestamp: new Date(start + 2000),
						StatisticValues: {SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15},
						Unit: 'Count',
					},
					{MetricName: 'Time', Timestamp: new Date(start), Values: [10, 20], Counts: [3, 1], Unit: 'Milliseconds', StorageResolution: 1},
				],
			}),
		);
		// Dimensions in any order name the same metric.
		const queries: MetricDataQuery[] = [
			{
				Id: 'max',
				MetricStat: {
					Metric: {Namespace: namespace, MetricName: 'MillisBehindLatest', Dimensions: [...dimensions].reverse()},
					Period: 1,
					Stat: 'Maximum',
				},
			},
			{
				Id: 'avg',
				Label: 'lag',
				MetricStat: {Metric: {Namespace: namespace, MetricName: 'MillisBehindLatest', Dimensions: dimensions}, Period: 60, Stat: 'Average'},
			},
			{
				Id: 'sum',
				MetricStat: {Metric: {Namespace: namespace, MetricName: 'RecordsProcessed', Dimensions: dimensions}, Period: 60, Stat: 'Sum'},
			},
			{Id: 'count', MetricStat: {Metric: {Namespace: namespace, MetricName: 'Time'}, Period: 60, Stat: 'SampleCount'}},
			{Id: 'mean', MetricStat: {Metric: {Namespace: namespace, MetricName: 'Time'}, Period: 60, Stat: 'Average'}},
			{Id: 'wrongunit', MetricStat: {Metric: {Namespace: namespace, MetricName: 'Time'}, Period: 60, Stat: 'Sum', Unit: 'Bytes'}},
			{Id: 'hidden', ReturnData: false, MetricStat: {Metric: {Namespace: namespace, MetricName: 'Time'}, Period: 60, Stat: 'Sum'}},
		];
		const {MetricDataResults, NextToken} = await engine.cloudWatch.send(
			new GetMetricDataCommand({StartTime: new Date(start), EndTime: new Date(start + MINUTE), MetricDataQueries: queries}),
		);
		expect(NextToken).toBeUndefined();
		const byId = Object.fromEntries((MetricDataResults ?? []).map((result) => [result.Id, result]));
		expect(Object.keys(byId)).toEqual(['max', 'avg', 'sum', 'count', 'mean', 'wrongunit']);
		// Newest first, as GetMetricData scans by default.
		expect(byId.max).toMatchObject({
			Label: 'MillisBehindLatest',
			StatusCode: 'Complete',
			Timestamps: [new Date(start + 2000), new Date(start)],
			Values: [100, 1200],
		});
		expect(byId.avg).toMatchObject({Label: 'lag', Timestamps: [new Date(start)], Values: [700]});
		expect(byId.sum?.Values).toEqual([40]);
		expect(byId.count?.Values).toEqual([4]);
		expect(byId.mean?.Values).toEqual([12.5]);
		expect(byId.wrongunit?.Values).toEqual([]);

		const listed = await engine.cloudWatch.send(new ListMetricsCommand({Namespace: namespace}));
		expect(listed.Metrics?.map((metric) => metric.MetricName).sort()).toEqual(['MillisBehindLatest', 'RecordsProcessed', 'Time']);
		expect(listed.Metrics?.find((metric) => metric.MetricName === 'MillisBehindLatest')?.Dimensions).toEqual(dimensions);
		const filtered = await engine.cloudWatch.send(
			new ListMetricsCommand({Namespace: namespace, Dimensions: [{Name: 'Operation', Value: 'ProcessTask'}]}),
		);
		expect(filtered.Metrics?.map((metric) => metric.MetricName).sort()).toEqual(['MillisBehindLatest', 'RecordsProcessed']);
		const none = await engine.cloudWatch.send(
			new ListMetricsCommand({Namespace: namespace, Dimensions: [{Name: 'Operation', Value: 'Other'}]}),
		);
		expect(none.Metrics).toEqual([]);
	});

	it('pages GetMetricData by MaxDatapoints with a NextToken', async () => {
		const namespace = uniqueName('paged');
		const start = Math.floor(engine.clock.ms / MINUTE) * MINUTE;
		await engine.cloudWatch.send(
			new PutMetricDataCommand({
				Namespace: namespace,
				MetricData: Array.from({length: 5}, (_, index) => ({MetricName: 'Ticks', Timestamp: new Date(start + index * 1000), Value: index})),
			}),
		);
		const request = (NextToken?: string) =>
			engine.cloudWatch.send(
				new GetMetricDataCommand({
					StartTime: new Date(start),
					EndTime: new Date(start + MINUTE),
					MaxDatapoints: 2,
					ScanBy: 'TimestampAscending',
					MetricDataQueries: [
						{Id: 'a', MetricStat: {Metric: {Namespace: namespace, MetricName: 'Ticks'}, Period: 1, Stat: 'Sum'}},
						{Id: 'b', MetricStat: {Metric: {Namespace: namespace, MetricName: 'Ticks'}, Period: 60, Stat: 'SampleCount'}},
					],
					...(NextToken === undefined ? {} : {NextToken}),
				}),
			);
		const pages = [];
		let token: string | undefined;
		do {
			const page = await request(token);
			pages.push((page.MetricDataResults ?? []).map((result) => [result.Id, result.Values, result.StatusCode]));
			token = page.NextToken;
		} while (token !== undefined && pages.length < 10);
		expect(pages).toEqual([
			[['a', [0, 1], 'PartialData']],
			[['a', [2, 3], 'PartialData']],
			[
				['a', [4], 'Complete'],
				['b', [5], 'Complete'],
			],
		]);
		expect(await cloudWatchError(request('bm9wZQ'))).toMatchObject({name: 'InvalidNextToken', status: 400});
	});

	it('answers with CloudWatch errors the SDK knows', async () => {
		const now = Math.floor(engine.clock.ms / MINUTE) * MINUTE;
		const metric = {Namespace: 'AWS/Kinesis', MetricName: 'IncomingRecords'};
		expect(
			await cloudWatchError(
				engine.cloudWatch.send(new PutMetricDataCommand({Namespace: 'AWS/Kinesis', MetricData: [{MetricName: 'M', Value: 1}]})),
			),
		).toEqual({
			name: 'InvalidParameterValueException',
			message: 'The value AWS/Kinesis for parameter Namespace is invalid.',
			status: 400,
		});
		expect(
			await cloudWatchError(
				engine.cloudWatch.send(
					new PutMetricDataCommand({
						Namespace: 'app',
						MetricData: [{MetricName: 'M', Value: 1, StatisticValues: {SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1}}],
					}),
				),
			),
		).toMatchObject({name: 'InvalidParameterCombinationException'});
		expect(
			await cloudWatchError(
				engine.cloudWatch.send(
					new PutMetricDataCommand({
						Namespace: 'app',
						MetricData: [{MetricName: 'M', Value: 1, Timestamp: new Date(now - 15 * 24 * HOUR)}],
					}),
				),
			),
		).toMatchObject({name: 'InvalidParameterValueException'});
		expect(
			await cloudWatchError(
				engine.cloudWatch.send(
					new GetMetricDataCommand({
						StartTime: new Date(now),
						EndTime: new Date(now + MINUTE),
						MetricDataQueries: [{Id: 'e1', Expression: 'SUM(METRICS())'}],
					}),
				),
			),
		).toMatchObject({name: 'InvalidParameterValueException', message: expect.stringContaining('MetricDataQueries.member.1.Expression')});
		expect(
			await cloudWatchError(
				engine.cloudWatch.send(
					new GetMetricDataCommand({
						StartTime: new Date(now),
						EndTime: new Date(now + MINUTE),
						MetricDataQueries: [{Id: 'p', MetricStat: {Metric: metric, Period: 7, Stat: 'Sum'}}],
					}),
				),
			),
		).toMatchObject({name: 'InvalidParameterValueException'});
		expect(
			await cloudWatchError(
				engine.cloudWatch.send(
					new GetMetricDataCommand({
						StartTime: new Date(now),
						EndTime: new Date(now + MINUTE),
						MetricDataQueries: [{Id: 'p', MetricStat: {Metric: metric, Period: 60, Stat: 'p99'}}],
					}),
				),
			),
		).toMatchObject({name: 'InvalidParameterValueException', message: expect.stringContaining('p99')});
		expect(
			await cloudWatchError(
				engine.cloudWatch.send(
					new GetMetricStatisticsCommand({...metric, StartTime: new Date(now), EndTime: new Date(now), Period: 60, Statistics: ['Sum']}),
				),
			),
		).toEqual({
			name: 'InvalidParameterCombinationException',
			message: 'The parameter StartTime must be less than the parameter EndTime.',
			status: 400,
		});
		expect(
			await cloudWatchError(
				engine.cloudWatch.send(
					new GetMetricStatisticsCommand({
						...metric,
						StartTime: new Date(now - HOUR),
						EndTime: new Date(now),
						Period: 1,
						Statistics: ['Sum'],
					}),
				),
			),
		).toMatchObject({name: 'InvalidParameterCombinationException', message: expect.stringContaining('3,600 datapoints')});
		expect(await cloudWatchError(engine.cloudWatch.send(new ListMetricsCommand({RecentlyActive: 'PT1H' as 'PT3H'})))).toMatchObject({
			name: 'ValidationException',
		});
	});

	it('serves CloudWatch over HTTP/2 as well', async () => {
		const client = new CloudWatchClient({
			endpoint: engine.harness.url,
			region: 'us-east-1',
			credentials,
			maxAttempts: 1,
			requestHandler: new NodeHttp2Handler({}),
		});
		try {
			const listed = await client.send(new ListMetricsCommand({Namespace: 'AWS/Kinesis'}));
			expect(listed.Metrics?.length).toBeGreaterThan(0);
		} finally {
			client.destroy();
		}
	});
});

describe('CloudWatch windows', () => {
	// Its own engine: moving the clock days ahead ages out every other test's data.
	const engine = useMetricsEngine();

	async function readMetric(client: CloudWatchClient, namespace: string, name: string, period: number, startMs: number, endMs: number) {
		const {Datapoints} = await client.send(
			new GetMetricStatisticsCommand({
				Namespace: namespace,
				MetricName: name,
				StartTime: new Date(startMs),
				EndTime: new Date(endMs),
				Period: period,
				Statistics: ['Sum'],
			}),
		);
		return (Datapoints ?? []).map((point) => [point.Timestamp?.getTime(), point.Sum]);
	}

	it('keeps 1-second data for 3 hours and 1-minute data for 15 days', async () => {
		const namespace = uniqueName('aging');
		const start = engine.clock.ms;
		await engine.cloudWatch.send(
			new PutMetricDataCommand({Namespace: namespace, MetricData: [{MetricName: 'M', Value: 7, Timestamp: new Date(start)}]}),
		);
		const read = (period: number) => readMetric(engine.cloudWatch, namespace, 'M', period, start, start + MINUTE);
		expect(await read(1)).toEqual([[start, 7]]);
		engine.clock.ms = start + 3 * HOUR + MINUTE;
		expect(await read(1)).toEqual([]);
		expect(await read(60)).toEqual([[start, 7]]);
		const recent = await engine.cloudWatch.send(new ListMetricsCommand({Namespace: namespace, RecentlyActive: 'PT3H'}));
		expect(recent.Metrics).toEqual([]);
		engine.clock.ms = start + 15 * 24 * HOUR + HOUR;
		expect(await read(60)).toEqual([]);
		const listed = await engine.cloudWatch.send(new ListMetricsCommand({Namespace: namespace}));
		expect(listed.Metrics).toEqual([]);
	});
});

describe('CloudWatch metrics of throttling', () => {
	const engine = useMetricsEngine({throughputLimits: true});

	async function sum(stream: string, name: string, stat = 'Sum'): Promise<number | undefined> {
		const {Datapoints} = await engine.cloudWatch.send(
			new GetMetricStatisticsCommand({
				Namespace: 'AWS/Kinesis',
				MetricName: name,
				Dimensions: streamDimension(stream),
				StartTime: new Date(engine.clock.ms - MINUTE),
				EndTime: new Date(engine.clock.ms + MINUTE),
				Period: 120,
				Statistics: [stat as 'Sum'],
			}),
		);
		const [point] = Datapoints ?? [];
		return point?.[stat as 'Sum'];
	}

	it('counts throttled writes and reads the way AWS does', async () => {
		const stream = uniqueName('throttled');
		await createStream(engine.harness.client, stream, 1);
		await engine.harness.client.send(
			new EnableEnhancedMonitoringCommand({
				StreamName: stream,
				ShardLevelMetrics: ['WriteProvisionedThroughputExceeded', 'ReadProvisionedThroughputExceeded'],
			}),
		);
		// The clock stands still: the shard admits 1,000 records, then refuses the rest.
		const batch = Array.from({length: 500}, (_, index) => ({PartitionKey: `k${index}`, Data: Buffer.from('x')}));
		const failed = [];
		for (let call = 0; call < 3; call++)
			failed.push((await engine.harness.client.send(new PutRecordsCommand({StreamName: stream, Records: batch}))).FailedRecordCount);
		expect(failed).toEqual([0, 0, 500]);
		const refused = await rejection(
			engine.harness.client.send(new PutRecordCommand({StreamName: stream, PartitionKey: 'k', Data: Buffer.from('x')})),
		);
		expect(refused.name).toBe('ProvisionedThroughputExceededException');

		expect(await sum(stream, 'IncomingRecords')).toBe(1000);
		expect(await sum(stream, 'PutRecords.TotalRecords')).toBe(1500);
		expect(await sum(stream, 'PutRecords.SuccessfulRecords')).toBe(1000);
		expect(await sum(stream, 'PutRecords.ThrottledRecords')).toBe(500);
		expect(await sum(stream, 'PutRecords.Success')).toBe(2);
		expect(await sum(stream, 'PutRecords.Success', 'SampleCount')).toBe(3);
		expect(await sum(stream, 'PutRecord.Success')).toBe(0);
		expect(await sum(stream, 'PutRecord.Success', 'SampleCount')).toBe(1);
		expect(await sum(stream, 'WriteProvisionedThroughputExceeded')).toBe(501);
		expect(await sum(stream, 'WriteProvisionedThroughputExceeded', 'SampleCount')).toBe(4);

		// Five GetRecords calls a second per shard; the sixth is refused.
		let shardIterator = await iterator(engine.harness.client, stream, SHARD_0, 'TRIM_HORIZON');
		for (let call = 0; call < 5; call++) {
			const page = await engine.harness.client.send(new GetRecordsCommand({ShardIterator: shardIterator, Limit: 100}));
			shardIterator = page.NextShardIterator ?? shardIterator;
		}
		expect((await rejection(engine.harness.client.send(new GetRecordsCommand({ShardIterator: shardIterator})))).name).toBe(
			'ProvisionedThroughputExceededException',
		);
		expect(await sum(stream, 'GetRecords.Records')).toBe(500);
		expect(await sum(stream, 'GetRecords.Success')).toBe(5);
		expect(await sum(stream, 'GetRecords.Success', 'SampleCount')).toBe(6);
		expect(await sum(stream, 'ReadProvisionedThroughputExceeded')).toBe(1);
		expect(await sum(stream, 'ReadProvisionedThroughputExceeded', 'SampleCount')).toBe(6);

		const shardLevel = async (name: string) =>
			(
				await engine.cloudWatch.send(
					new GetMetricStatisticsCommand({
						Namespace: 'AWS/Kinesis',
						MetricName: name,
						Dimensions: shardDimensions(stream, SHARD_0),
						StartTime: new Date(engine.clock.ms - MINUTE),
						EndTime: new Date(engine.clock.ms + MINUTE),
						Period: 120,
						Statistics: ['Sum'],
					}),
				)
			).Datapoints?.[0]?.Sum;
		expect(await shardLevel('WriteProvisionedThroughputExceeded')).toBe(501);
		expect(await shardLevel('ReadProvisionedThroughputExceeded')).toBe(1);
	});
});

describe('CloudWatch limits', () => {
	const engine = useMetricsEngine({metricLimits: {maxClientSeries: 3}});

	it('refuses PutMetricData past the cap on custom metrics with LimitExceeded, whole requests at a time', async () => {
		const put = (names: string[]) =>
			engine.cloudWatch.send(
				new PutMetricDataCommand({Namespace: 'capped', MetricData: names.map((name) => ({MetricName: name, Value: 1}))}),
			);
		await put(['a', 'b']);
		const refused = await cloudWatchError(put(['a', 'c', 'd']));
		expect(refused).toMatchObject({name: 'LimitExceededFault', status: 400});
		await put(['a', 'c']);
		await put(['a', 'b', 'c']);
		expect(await cloudWatchError(put(['e']))).toMatchObject({name: 'LimitExceededFault'});
		const listed = await engine.cloudWatch.send(new ListMetricsCommand({Namespace: 'capped'}));
		expect(listed.Metrics?.map((metric) => metric.MetricName)).toEqual(['a', 'b', 'c']);
	});
});

describe('metric store memory', () => {
	it('stays within its chunk budgets and forgets series whose data has aged out', () => {
		const clock = new FakeClock();
		const store = new MetricStore({now: clock.now, maxSecondChunks: 50, maxMinuteChunks: 20});
		const handles = Array.from({length: 10}, (_, index) =>
			store.engineSeries('us-east-1', 'AWS/Kinesis', 'IncomingRecords', [{Name: 'StreamName', Value: `s${index}`}], 'Count'),
		);
		// Ten busy series for a simulated day, one sample per series every 10 seconds.
		for (let step = 0; step < 8640; step++) {
			clock.advance(10_000);
			for (const handle of handles) handle?.observe(1, clock.ms);
			const stats = store.stats();
			expect(stats.secondChunks).toBeLessThanOrEqual(50);
			expect(stats.minuteChunks).toBeLessThanOrEqual(20);
		}
		const [first] = handles;
		if (!first) throw new Error('no series');
		// The newest data is always there; the oldest went to keep within budget.
		const recent = store.aggregate(first, 60_000, clock.ms - 10 * 60_000, clock.ms + 1);
		expect(recent.sampleCount.reduce((sum, count) => sum + count, 0)).toBe(61);
		expect(store.aggregate(first, 60_000, clock.ms - 20 * HOUR, clock.ms - 19 * HOUR).timestamps).toEqual([]);

		clock.advance(16 * 24 * HOUR);
		store.expire();
		expect(store.stats()).toEqual({series: 0, clientSeries: 0, secondChunks: 0, minuteChunks: 0});
		// A caller that kept its handle records again.
		first.observe(5, clock.ms);
		expect(store.stats()).toMatchObject({series: 1, secondChunks: 1, minuteChunks: 1});
		expect(store.aggregate(first, 1000, clock.ms, clock.ms + 1000).sum).toEqual([5]);
	});
});
