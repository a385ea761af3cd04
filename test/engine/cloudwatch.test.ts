import {
	CloudWatchClient,
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
	PutRecordCommand,
	PutRecordsCommand,
	RegisterStreamConsumerCommand,
	SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import {NodeHttp2Handler} from '@smithy/node-http-handler';
import {describe, expect, it} from 'vitest';
import {credentials} from '../helpers/engine.js';
import {createStream, iterator, readToEnd, uniqueName} from './support.js';
import {
	HIGH_HASH,
	HOUR,
	LOW_HASH,
	MINUTE,
	SHARD_0,
	SHARD_1,
	bytesOf,
	cloudWatchError,
	shardDimensions,
	streamDimension,
	useMetricsEngine,
} from './cloudwatchSupport.js';

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
