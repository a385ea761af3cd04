import {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import {CreateStreamCommand, EnableEnhancedMonitoringCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CloudWatchMetrics, TIME_WINDOWS, historyQueries, toSlots, total, type TimeWindow} from '../../source/console/metrics.js';
import type {Engine} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';

const FIFTEEN_MINUTES = TIME_WINDOWS[0];
const LOW_HASH = '1';
const HIGH_HASH = (2n ** 127n + 1n).toString();

describe('CloudWatch history of a stream', () => {
	// A fake clock shared by the engine (which stamps metrics with it) and the console (which picks the window).
	let nowMs = Date.UTC(2024, 4, 1, 12, 0, 0);
	const now = () => nowMs;
	let engine: Engine;
	let kinesis: KinesisClient;
	let cloudwatch: CloudWatchClient;
	beforeAll(async () => {
		engine = await startEngine({now});
		kinesis = kinesisClient(engine.url, 'http1');
		cloudwatch = new CloudWatchClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		for (const name of ['plain', 'enhanced', 'idle']) await kinesis.send(new CreateStreamCommand({StreamName: name, ShardCount: 2}));
		await kinesis.send(
			new EnableEnhancedMonitoringCommand({
				StreamName: 'enhanced',
				ShardLevelMetrics: ['IncomingRecords', 'IncomingBytes', 'IteratorAgeMilliseconds'],
			}),
		);
		// 120 records to the first shard and 60 to the second, of 10 bytes each (data plus key), in the minute from 12:00.
		for (const stream of ['plain', 'enhanced']) {
			await put(stream, LOW_HASH, 120);
			await put(stream, HIGH_HASH, 60);
		}
		nowMs += 60_000;
	});
	afterAll(async () => {
		kinesis.destroy();
		cloudwatch.destroy();
		await engine.close();
	});

	async function put(stream: string, hashKey: string, count: number) {
		const records = Array.from({length: count}, () => ({Data: Buffer.from('data12'), PartitionKey: 'pk12', ExplicitHashKey: hashKey}));
		const {FailedRecordCount} = await kinesis.send(new PutRecordsCommand({StreamName: stream, Records: records}));
		expect(FailedRecordCount).toBe(0);
	}

	it('reads stream-level rates, ages and throttling in one GetMetricData, at 1-minute periods', async () => {
		const metrics = new CloudWatchMetrics(cloudwatch, {now});
		const history = await metrics.streamHistory({
			stream: 'plain',
			window: FIFTEEN_MINUTES,
			shardIds: ['shardId-000000000000', 'shardId-000000000001'],
			enhancedMetrics: [],
		});
		expect(history).toMatchObject({
			windowLabel: '15m',
			periodSeconds: 60,
			endMs: nowMs,
			startMs: nowMs - 15 * 60_000,
			shardMetrics: [],
			shards: {},
			shardsLeftOut: 0,
		});
		expect(history.recordsPerSecond).toEqual({timestamps: [nowMs - 60_000], values: [3]});
		expect(history.bytesPerSecond.values).toEqual([30]);
		expect(total(history.writeThrottled)).toBe(0);
		expect(history.iteratorAgeMs.values).toEqual([]);
	});

	it('reads shard-level metrics that enhanced monitoring turned on, per shard', async () => {
		const metrics = new CloudWatchMetrics(cloudwatch, {now});
		const history = await metrics.streamHistory({
			stream: 'enhanced',
			window: FIFTEEN_MINUTES,
			shardIds: ['shardId-000000000000', 'shardId-000000000001'],
			enhancedMetrics: ['IncomingRecords', 'IncomingBytes', 'IteratorAgeMilliseconds'],
		});
		expect(history.shardMetrics).toEqual(['IncomingRecords', 'IncomingBytes', 'IteratorAgeMilliseconds']);
		expect(history.shards['shardId-000000000000']?.recordsPerSecond?.values).toEqual([2]);
		expect(history.shards['shardId-000000000001']?.recordsPerSecond?.values).toEqual([1]);
		expect(history.shards['shardId-000000000001']?.bytesPerSecond?.values).toEqual([10]);
	});

	it('uses 1-second data where the endpoint keeps it', async () => {
		const metrics = new CloudWatchMetrics(cloudwatch, {now, highResolution: true});
		const history = await metrics.streamHistory({stream: 'plain', window: FIFTEEN_MINUTES});
		expect(history.periodSeconds).toBe(10);
		expect(history.recordsPerSecond.values).toEqual([18]);
		expect(toSlots(history.recordsPerSecond, history.startMs, history.endMs, 10)).toHaveLength(90);
	});

	it('gives incoming records/s over the last 5 minutes for many streams at once, 0 for idle ones', async () => {
		const metrics = new CloudWatchMetrics(cloudwatch, {now});
		const rates = await metrics.incomingRates(['plain', 'enhanced', 'idle', 'missing']);
		expect(Object.fromEntries(rates)).toEqual({plain: 0.6, enhanced: 0.6, idle: 0, missing: 0});
	});

	it('ends the window with the period still filling, its rate over the time it has run', async () => {
		nowMs += 5_000;
		await put('idle', LOW_HASH, 50);
		const metrics = new CloudWatchMetrics(cloudwatch, {now, highResolution: true});
		const history = await metrics.streamHistory({stream: 'idle', window: FIFTEEN_MINUTES});
		expect(history.endMs).toBe(nowMs + 5_000);
		expect(history.recordsPerSecond).toEqual({timestamps: [nowMs - 5_000], values: [10]});
	});

	it('fails as CloudWatch does where there is no CloudWatch', async () => {
		const nowhere = new CloudWatchClient({endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials, maxAttempts: 1});
		await expect(new CloudWatchMetrics(nowhere).streamHistory({stream: 'plain', window: FIFTEEN_MINUTES})).rejects.toThrow();
		nowhere.destroy();
	});
});

describe('history queries', () => {
	const window: TimeWindow = FIFTEEN_MINUTES;

	it('asks five stream-level metrics, and shard-level ones only when enabled', () => {
		const plain = historyQueries({stream: 's', window, shardIds: ['a', 'b']}, 60);
		expect(plain.queries.map((query) => query.MetricStat?.Metric?.MetricName)).toEqual([
			'IncomingRecords',
			'IncomingBytes',
			'GetRecords.IteratorAgeMilliseconds',
			'WriteProvisionedThroughputExceeded',
			'ReadProvisionedThroughputExceeded',
		]);
		expect(plain.queries[2]?.MetricStat?.Stat).toBe('Maximum');
		const all = historyQueries({stream: 's', window, shardIds: ['a', 'b'], enhancedMetrics: ['ALL']}, 60);
		expect(all.queries).toHaveLength(5 + 6);
		expect(all.queries[5]?.MetricStat?.Metric?.Dimensions).toEqual([
			{Name: 'StreamName', Value: 's'},
			{Name: 'ShardId', Value: 'a'},
		]);
	});

	it('stays within 500 queries a call, saying how many shards were left out', () => {
		const shardIds = Array.from({length: 200}, (_, index) => `shard-${index}`);
		const plan = historyQueries(
			{stream: 's', window, shardIds, enhancedMetrics: ['IncomingRecords', 'IncomingBytes', 'IteratorAgeMilliseconds']},
			60,
		);
		expect(plan.queries.length).toBeLessThanOrEqual(500);
		expect(plan.shardsLeftOut).toBe(200 - 165);
		expect(new Set(plan.queries.map((query) => query.Id)).size).toBe(plan.queries.length);
	});

	it('lays points on the window: gaps are 0 for rates and carry the last age', () => {
		const points = {timestamps: [1000, 3000], values: [5, 7]};
		expect(toSlots(points, 0, 5000, 1)).toEqual([0, 5, 0, 7, 0]);
		expect(toSlots(points, 0, 5000, 1, 'carry')).toEqual([0, 5, 5, 7, 7]);
	});
});
