import {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import {
	CreateStreamCommand,
	EnableEnhancedMonitoringCommand,
	ListShardsCommand,
	PutRecordsCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {cleanup} from 'ink-testing-library';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {StreamDashboardStore} from '../../source/console/dashboardStore.js';
import {CloudWatchMetrics} from '../../source/console/metrics.js';
import type {Engine} from '../../source/engine/index.js';
import {DashboardView} from '../../source/ui/views/DashboardView.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {press, renderApp, testServices, waitForFrame} from '../helpers/ui.js';

const SHARDS = 300;
const STREAM = 'wide';
const HOT = 'shardId-000000000150';
/** More lines than the test's terminal has. */
const HEIGHT = 60;

/** A CloudWatch client that logs how many metrics each GetMetricData asked for. */
function countingCloudWatch(url: string, batches: number[]): CloudWatchClient {
	const client = new CloudWatchClient({endpoint: url, region: 'us-east-1', credentials: {accessKeyId: 'test', secretAccessKey: 'test'}});
	client.middlewareStack.add(
		(next, context) => async (args) => {
			const input = args.input as {MetricDataQueries?: unknown[]};
			if (context.commandName === 'GetMetricDataCommand') batches.push(input.MetricDataQueries?.length ?? 0);
			return next(args);
		},
		{step: 'initialize'},
	);
	return client;
}

describe('the dashboard of a stream of a few hundred shards', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine({shardLimit: 1_000});
		kinesis = kinesisClient(engine.url, 'http1');
		await kinesis.send(new CreateStreamCommand({StreamName: STREAM, ShardCount: SHARDS}));
		await kinesis.send(new EnableEnhancedMonitoringCommand({StreamName: STREAM, ShardLevelMetrics: ['ALL']}));
		const {Shards} = await kinesis.send(new ListShardsCommand({StreamName: STREAM}));
		const hashKey = Shards?.find((shard) => shard.ShardId === HOT)?.HashKeyRange?.StartingHashKey ?? '0';
		const records = Array.from({length: 100}, (_, index) => ({
			Data: Buffer.from(`r${index}`),
			PartitionKey: 'k',
			ExplicitHashKey: hashKey,
		}));
		await kinesis.send(new PutRecordsCommand({StreamName: STREAM, Records: records}));
	});
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});
	afterEach(() => cleanup());

	const shardReads = () =>
		engine
			.requestCounts()
			.filter((count) => count.operation === 'GetRecords' || count.operation === 'GetShardIterator')
			.reduce((sum, count) => sum + count.requests, 0);

	it('reads every shard’s CloudWatch figures at most 500 metrics a call', async () => {
		const batches: number[] = [];
		const cloudwatch = countingCloudWatch(engine.url, batches);
		const metrics = new CloudWatchMetrics(cloudwatch, {highResolution: true, shardFigureCallsPerSecond: 50});
		const shardIds = Array.from({length: SHARDS}, (_, index) => `shardId-${String(index).padStart(12, '0')}`);
		const figures = await metrics.shardFigures({stream: STREAM, shardIds, enhancedMetrics: ['ALL']});
		// Five metrics a shard: 1,500 metrics in three calls of 500.
		expect(batches).toEqual([500, 500, 500]);
		expect(figures.calls).toBe(3);
		expect(figures.shards.size).toBe(SHARDS);
		expect(figures.shards.get(HOT)?.recordsPerSecond).toBeGreaterThan(0);
		expect(figures.shards.get('shardId-000000000149')?.recordsPerSecond).toBe(0);
		cloudwatch.destroy();
	});

	it('opens without reading any shard, renders only the rows in view, sorts and filters, and reads the shards in view on l', async () => {
		const batches: number[] = [];
		const cloudwatch = countingCloudWatch(engine.url, batches);
		const services = testServices(kinesis, engine.url, {
			dashboard: (stream) =>
				new StreamDashboardStore({kinesis, metrics: new CloudWatchMetrics(cloudwatch, {highResolution: true}), stream}),
		});
		const app = renderApp(services, (_route, height) => <DashboardView stream={STREAM} height={height} />, {
			initialRoute: {kind: 'dashboard', stream: STREAM},
		});
		// The shard-level figures come, and name the hot shard, without a single read of a shard.
		const opened = await waitForFrame(
			app.lastFrame,
			(text) => text.includes('per-shard figures: CloudWatch shard-level metrics') && text.includes(`◆ hottest ${HOT}`),
			10_000,
		);
		expect(opened).toContain(`${SHARDS} open`);
		// The stream's row sums every shard's figures.
		expect(opened).toMatch(/› all shards +0\.3 +\d/);
		expect(opened).toMatch(new RegExp(`◆ hottest ${HOT} [\\d.]+ rec/s \\(CloudWatch, last 5m\\)`));
		const rendered = opened.split('\n').filter((line) => /shardId-\d{12}/.test(line));
		// Only the rows in view: a screenful, not 300.
		expect(rendered.length).toBeLessThan(HEIGHT);
		expect(opened).not.toContain('shardId-000000000299');
		expect(Math.max(...batches)).toBeLessThanOrEqual(500);
		expect(batches.length).toBeGreaterThanOrEqual(3);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(shardReads()).toBe(0);

		// Sorted by rate, the hot shard comes first, right under the stream's row.
		app.stdin.write('o');
		const byRate = await waitForFrame(app.lastFrame, (text) => text.includes('sort rate'));
		expect(byRate).toMatch(new RegExp(`all shards[^\\n]*\\n[^\\n]*${HOT} +open[^\\n]*◆ hot`));

		// Filtered by a shard id's digits.
		app.stdin.write('/');
		app.stdin.write('0299');
		app.stdin.write(press.enter);
		const filtered = await waitForFrame(app.lastFrame, (text) => text.includes('shardId-000000000299'));
		expect(filtered.split('\n').filter((line) => /shardId-\d{12} +open/.test(line))).toHaveLength(1);
		app.stdin.write(press.escape);
		await waitForFrame(app.lastFrame, (text) => text.includes(HOT) && !text.includes('shardId-000000000299'));

		// Asked, it reads the open shards in view (a screenful), never all 300.
		app.stdin.write('l');
		const live = await waitForFrame(app.lastFrame, (text) => /live: \d+ shards at LATEST · [\d.]+ GetRecords\/s measured/.test(text), 8000);
		const reading = Number(/live: (\d+) shards/.exec(live)?.[1]);
		expect(reading).toBeGreaterThan(0);
		expect(reading).toBeLessThan(HEIGHT);
		const iterators = engine.requestCounts().find((count) => count.operation === 'GetShardIterator')?.requests ?? 0;
		expect(iterators).toBeGreaterThan(0);
		expect(iterators).toBeLessThanOrEqual(reading);
		app.stdin.write('l');
		await waitForFrame(app.lastFrame, (text) => text.includes('live: off'));
		app.unmount();
		cloudwatch.destroy();
	});
});
