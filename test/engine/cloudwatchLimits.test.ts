import {GetMetricStatisticsCommand, ListMetricsCommand, PutMetricDataCommand, type CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import {EnableEnhancedMonitoringCommand, GetRecordsCommand, PutRecordCommand, PutRecordsCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {MetricStore} from '../../source/engine/cloudwatch/metricStore.js';
import {FakeClock, createStream, iterator, rejection, uniqueName} from './support.js';
import {HOUR, MINUTE, SHARD_0, cloudWatchError, shardDimensions, streamDimension, useMetricsEngine} from './cloudwatchSupport.js';

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
