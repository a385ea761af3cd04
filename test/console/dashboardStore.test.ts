import {CreateStreamCommand, EnableEnhancedMonitoringCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {StreamDashboardStore, hottestShard, type DashboardSnapshot, type TailSource} from '../../source/console/dashboardStore.js';
import type {HistoryRequest, MetricsSource, StreamHistory} from '../../source/console/metrics.js';
import type {TailEvent, TailOptions} from '../../source/console/tail/index.js';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {until as untilValue} from '../helpers/wait.js';
import {NoticeStore} from '../../source/console/notices.js';

/** Resolves once the store's snapshot satisfies a check. */
const until = (store: StreamDashboardStore, check: (snapshot: DashboardSnapshot) => boolean, timeoutMs = 6000) =>
	untilValue(store.getSnapshot, check, timeoutMs);

const emptyHistory = (request: HistoryRequest): StreamHistory => ({
	windowLabel: request.window.label,
	startMs: 0,
	endMs: request.window.durationMs,
	periodSeconds: request.window.periodSeconds,
	recordsPerSecond: {timestamps: [], values: []},
	bytesPerSecond: {timestamps: [], values: []},
	iteratorAgeMs: {timestamps: [], values: []},
	writeThrottled: {timestamps: [], values: []},
	readThrottled: {timestamps: [], values: []},
	shards: {},
	shardMetrics: [],
	shardsLeftOut: 0,
});

/** A CloudWatch stand-in that logs each request, and fails when told to. */
class FakeMetrics implements MetricsSource {
	readonly requests: HistoryRequest[] = [];
	failWith: Error | undefined;
	async streamHistory(request: HistoryRequest): Promise<StreamHistory> {
		this.requests.push(request);
		if (this.failWith) throw this.failWith;
		return emptyHistory(request);
	}
	async incomingRates(): Promise<Map<string, number>> {
		return new Map();
	}
}

describe('the dashboard store on the engine', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let calls = 0;
	let reads = 0;
	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		// Counts every call the client makes, to prove that nothing runs after stop, and the reads of shards.
		kinesis.middlewareStack.add(
			(next, context) => async (args) => {
				calls++;
				if (context.commandName === 'GetRecordsCommand' || context.commandName === 'GetShardIteratorCommand') reads++;
				return next(args);
			},
			{step: 'initialize'},
		);
		await kinesis.send(new CreateStreamCommand({StreamName: 'clicks', ShardCount: 2}));
		await kinesis.send(new EnableEnhancedMonitoringCommand({StreamName: 'clicks', ShardLevelMetrics: ['IncomingRecords']}));
	});
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});

	it('loads the shard map, reads no shard until asked, then the shards in view at 1 call/s each, and stops leaving nothing running', async () => {
		const metrics = new FakeMetrics();
		const store = new StreamDashboardStore({kinesis, metrics, stream: 'clicks', tickMs: 100});
		expect(store.getSnapshot().live.status).toBe('off');
		const before = calls;
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(calls).toBe(before);

		store.start();
		store.start();
		const loaded = await until(store, (snapshot) => snapshot.shards.status === 'ready' && snapshot.history.status === 'ready');
		expect(loaded.shards.status === 'ready' && loaded.shards.value.map((shard) => shard.shardId)).toEqual([
			'shardId-000000000000',
			'shardId-000000000001',
		]);
		expect(loaded.counts).toEqual({open: 2, closed: 0});
		expect(loaded.info).toMatchObject({status: 'ACTIVE', mode: 'PROVISIONED', retentionHours: 24, enhancedMetrics: ['IncomingRecords']});
		// History asks for the shard-level metrics that are on; this CloudWatch stand-in gives no shard figures to pick shards by.
		expect(metrics.requests.at(-1)).toMatchObject({stream: 'clicks', shardIds: [], enhancedMetrics: ['IncomingRecords']});
		expect(loaded.figures).toEqual({status: 'off'});
		// Open, it reads no shard.
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(reads).toBe(0);
		expect(store.getSnapshot().live).toMatchObject({status: 'off', shards: []});

		store.show(['shardId-000000000000', 'shardId-000000000001']);
		store.toggleLive();
		const running = await until(store, (snapshot) => snapshot.live.status === 'running');
		expect(running.live).toMatchObject({shards: ['shardId-000000000000', 'shardId-000000000001'], pace: 1});

		const records = Array.from({length: 50}, (_, index) => ({
			Data: Buffer.from('x'.repeat(10)),
			PartitionKey: index < 40 ? 'hot' : `cold-${index}`,
			ExplicitHashKey: '1',
		}));
		await kinesis.send(new PutRecordsCommand({StreamName: 'clicks', Records: records}));
		const live = await until(
			store,
			(snapshot) => snapshot.meters.some((meter) => meter.totalRecords === 50) && snapshot.hottest !== undefined,
		);
		expect(live.hottest).toMatchObject({shardId: 'shardId-000000000000', source: 'live'});
		expect(live.hottest?.topKeys[0]).toEqual({key: 'hot', count: 40, share: 0.8});
		// 50 records over the seconds the shards have been read (at least one, at most the 10-second window).
		expect(live.totals.recordsPerSecond).toBeGreaterThanOrEqual(5);
		expect(live.totals.recordsPerSecond).toBeLessThanOrEqual(50);
		expect(store.liveSeries('shardId-000000000000', 'records', 30).reduce((sum, value) => sum + value, 0)).toBe(50);
		expect(store.liveSeries(undefined, 'records', 30).reduce((sum, value) => sum + value, 0)).toBe(50);

		// About one GetRecords per second per shard: over 2 s, two shards make at most about 5 calls (plus listings).
		const start = calls;
		await new Promise((resolve) => setTimeout(resolve, 2000));
		expect(calls - start).toBeLessThanOrEqual(8);
		// What it says it spends is what it measured: about one call a second per shard.
		const measured = store.getSnapshot().live.callsPerSecond;
		expect(measured).toBeGreaterThan(0.5);
		expect(measured).toBeLessThanOrEqual(2.5);

		// Asked again, it stops reading.
		store.toggleLive();
		expect(store.getSnapshot().live.status).toBe('off');
		await new Promise((resolve) => setTimeout(resolve, 300));
		const readsAfter = reads;
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(reads).toBe(readsAfter);

		await store.stop();
		expect(store.getSnapshot().live.status).toBe('off');
		const stopped = calls;
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(calls).toBe(stopped);
	});

	it('hidden, drops what it read live; shown again, reads live again if it was when it was hidden', async () => {
		const store = new StreamDashboardStore({kinesis, metrics: new FakeMetrics(), stream: 'clicks', tickMs: 100});
		store.start();
		await until(store, (snapshot) => snapshot.shards.status === 'ready');
		store.show(['shardId-000000000000', 'shardId-000000000001']);
		store.toggleLive();
		await until(store, (snapshot) => snapshot.live.status === 'running');
		await kinesis.send(
			new PutRecordsCommand({StreamName: 'clicks', Records: [{Data: Buffer.from('x'), PartitionKey: 'k', ExplicitHashKey: '1'}]}),
		);
		await until(store, (snapshot) => snapshot.meters.some((meter) => meter.totalRecords > 0));

		// Another screen over it (a split opened from it): nothing is read, and no figure is left to decay to zero.
		await store.stop();
		expect(store.getSnapshot()).toMatchObject({live: {status: 'off'}, meters: [], totals: {recordsPerSecond: 0}});
		const hidden = reads;
		await new Promise((resolve) => setTimeout(resolve, 1200));
		expect(reads).toBe(hidden);

		// Back on it: live again, without asking, over the shards in view.
		store.start();
		const again = await until(store, (snapshot) => snapshot.live.status === 'running');
		expect(again.live.shards).toEqual(['shardId-000000000000', 'shardId-000000000001']);
		store.toggleLive();
		await store.stop();
		// Left with live off, it comes back with live off.
		store.start();
		await until(store, (snapshot) => snapshot.shards.status === 'ready');
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(store.getSnapshot().live.status).toBe('off');
		await store.stop();
	});

	it('keeps working when CloudWatch fails, and says so', async () => {
		const metrics = new FakeMetrics();
		metrics.failWith = Object.assign(new Error('GetMetricData is not served here'), {name: 'UnknownOperationException'});
		const store = new StreamDashboardStore({kinesis, metrics, stream: 'clicks', tickMs: 100});
		store.start();
		const failed = await until(store, (snapshot) => snapshot.history.status === 'failed');
		expect(failed.history).toEqual({status: 'failed', error: 'UnknownOperationException: GetMetricData is not served here'});
		expect(failed.shards.status).toBe('ready');

		// A window change asks again, for the new window.
		metrics.failWith = undefined;
		store.cycleWindow();
		const next = await until(store, (snapshot) => snapshot.history.status === 'ready');
		expect(next.window.label).toBe('1h');
		expect(metrics.requests.at(-1)?.window.label).toBe('1h');
		store.cycleMetric();
		expect(store.getSnapshot().metric).toBe('bytes');
		await store.stop();
	});

	it('says when the stream is not there', async () => {
		const store = new StreamDashboardStore({
			kinesis,
			metrics: new FakeMetrics(),
			stream: 'missing',
			describeError: (error) => `described: ${(error as Error).name}`,
		});
		store.start();
		const failed = await until(store, (snapshot) => snapshot.shards.status === 'failed');
		expect(failed.shards).toEqual({status: 'failed', error: 'described: ResourceNotFoundException'});
		expect(failed.live.status).toBe('off');
		await store.stop();
	});
});

describe('the dashboard store with a fake tail', () => {
	it('counts throttled reads, notes retries, and aborts the tail on stop', async () => {
		let options: TailOptions | undefined;
		let finished = false;
		const tail: TailSource = (_kinesis, given) => {
			options = given;
			return (async function* (): AsyncGenerator<TailEvent> {
				try {
					yield {type: 'shard-started', shardId: 's-1', position: {type: 'LATEST'}};
					yield {type: 'polled', shardId: 's-1', millisBehindLatest: 0, atMs: Date.now()};
					yield {
						type: 'retrying',
						shardId: 's-1',
						kind: 'throttling',
						reason: 'ProvisionedThroughputExceededException: Rate exceeded for shard s-1',
						attempt: 1,
						delayMs: 100,
					};
					await new Promise((resolve) => given.signal?.addEventListener('abort', resolve, {once: true}));
				} finally {
					finished = true;
				}
			})();
		};
		// The shard map answers; every other call never does, but stops when aborted, as the SDK's do.
		const kinesis = {
			send: (command: object, options?: {abortSignal?: AbortSignal}) =>
				command.constructor.name === 'ListShardsCommand'
					? Promise.resolve({
							Shards: [
								{
									ShardId: 's-1',
									HashKeyRange: {StartingHashKey: '0', EndingHashKey: '9'},
									SequenceNumberRange: {StartingSequenceNumber: '1'},
								},
							],
						})
					: command.constructor.name === 'DescribeStreamSummaryCommand'
						? Promise.resolve({StreamDescriptionSummary: {StreamStatus: 'ACTIVE'}})
						: new Promise((_resolve, reject) =>
								options?.abortSignal?.addEventListener('abort', () => reject(new Error('aborted')), {once: true}),
							),
		} as unknown as KinesisClient;
		const notices = new NoticeStore();
		const store = new StreamDashboardStore({
			kinesis,
			metrics: new FakeMetrics(),
			stream: 'fake',
			tail,
			tickMs: 50,
			liveCallsPerSecond: 2,
			notices,
		});
		store.start();
		await until(store, (snapshot) => snapshot.shards.status === 'ready');
		store.show(['s-1']);
		store.toggleLive();
		const noted = await until(store, (snapshot) => snapshot.live.note !== undefined && snapshot.totals.throttledPerMinute === 1);
		expect(noted.live).toMatchObject({
			status: 'running',
			pace: 2,
			shards: ['s-1'],
			note: 'retrying s-1: ProvisionedThroughputExceededException: Rate exceeded for shard s-1',
		});
		// Said on the status line too, as every screen's retries are.
		expect(notices.getSnapshot()).toMatchObject({
			level: 'warning',
			text: 's-1: ProvisionedThroughputExceededException: Rate exceeded for shard s-1; retrying in 100 ms',
		});
		// One poll, measured over the time since it (up to 10 s): the rate falls as nothing more is read.
		const falling = await until(store, (snapshot) => snapshot.live.callsPerSecond > 0 && snapshot.live.callsPerSecond < 0.6);
		expect(falling.live.callsPerSecond).toBeGreaterThanOrEqual(0.1);
		expect(options).toMatchObject({stream: 'fake', from: {type: 'LATEST'}, callsPerSecond: 2, shards: ['s-1']});
		await store.stop();
		expect(options?.signal?.aborted).toBe(true);
		expect(finished).toBe(true);
	});

	it('names the hottest shard from CloudWatch when nothing is live', () => {
		const history = emptyHistory({stream: 's', window: {label: '15m', durationMs: 900_000, periodSeconds: 60, finePeriodSeconds: 10}});
		const withShards: StreamHistory = {
			...history,
			shards: {a: {recordsPerSecond: {timestamps: [0], values: [15]}}, b: {recordsPerSecond: {timestamps: [0, 60_000], values: [15, 15]}}},
		};
		expect(hottestShard([], {status: 'ready', value: withShards, updatedAt: new Date()})).toEqual({
			shardId: 'b',
			recordsPerSecond: 2,
			source: 'cloudwatch',
			topKeys: [],
		});
		expect(hottestShard([], {status: 'loading'})).toBeUndefined();
	});
});
