import {CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {API_QUOTAS} from '../../source/console/apiQuotas.js';
import {attachBudget, scopeOf} from '../../source/console/budgetMiddleware.js';
import {RequestBudget} from '../../source/console/requestBudget.js';
import type {Engine} from '../../source/engine/index.js';
import {FIREHOSE_QUOTAS} from '../../source/engine/firehose/index.js';
import {CONTROL_PLANE_QUOTAS} from '../../source/engine/kinesis/quotas.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';

const isThrottle = (error: unknown) => error instanceof Error && error.name === 'LimitExceededException';

describe('RequestBudget', () => {
	it('lets a share of the quota through at once, then paces the rest', async () => {
		const budget = new RequestBudget({quotas: {DescribeStreamSummary: {perSecond: 20, scope: 'account'}}, share: 0.25});
		expect(budget.sharePerSecond('DescribeStreamSummary')).toBe(5);
		const started = Date.now();
		const times: number[] = [];
		await Promise.all(Array.from({length: 10}, () => budget.take('DescribeStreamSummary').then(() => times.push(Date.now() - started))));
		times.sort((a, b) => a - b);
		// Five at once (one second of the share), then one every 200 ms.
		expect(times[4]).toBeLessThan(100);
		expect(times[9]).toBeGreaterThanOrEqual(900);
		expect(times[9]).toBeLessThan(1_600);
	});

	it("gives the console its share of each shard's 5 GetRecords a second, at least one", () => {
		const shares = [0.1, 0.25, 0.39, 0.4, 0.6, 0.8, 1];
		expect(shares.map((share) => new RequestBudget({quotas: {}, share}).readsPerShard)).toEqual([1, 1, 1, 2, 3, 4, 5]);
		expect(new RequestBudget({quotas: {}}).readsPerShard).toBe(1);
	});

	it('does not limit an operation with no quota', async () => {
		const budget = new RequestBudget({quotas: {}});
		const started = Date.now();
		await Promise.all(Array.from({length: 1_000}, () => budget.take('GetRecords')));
		expect(Date.now() - started).toBeLessThan(200);
	});

	it('counts per stream where AWS does', async () => {
		const budget = new RequestBudget({quotas: {ListShards: {perSecond: 4, scope: 'stream'}}, share: 0.25});
		const started = Date.now();
		await Promise.all([budget.take('ListShards', 'a'), budget.take('ListShards', 'b'), budget.take('ListShards', 'c')]);
		expect(Date.now() - started).toBeLessThan(100);
		await budget.take('ListShards', 'a');
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
	});

	it('drops a waiting call when its signal aborts, and every waiting call when closed', async () => {
		const budget = new RequestBudget({quotas: {ListStreams: {perSecond: 1, scope: 'account'}}, share: 0.1});
		await budget.take('ListStreams');
		const controller = new AbortController();
		const aborted = budget.take('ListStreams', '', controller.signal);
		const waiting = budget.take('ListStreams');
		controller.abort(new Error('screen closed'));
		await expect(aborted).rejects.toThrow('screen closed');
		budget.close();
		await expect(waiting).rejects.toMatchObject({name: 'AbortError'});
		await expect(budget.take('ListStreams')).rejects.toMatchObject({name: 'AbortError'});
	});

	it('halves the rate when throttled, says so, and climbs back', async () => {
		let nowMs = 0;
		const budget = new RequestBudget({quotas: {DescribeStream: {perSecond: 10, scope: 'account'}}, share: 0.5, now: () => nowMs});
		await budget.take('DescribeStream');
		budget.throttled('DescribeStream');
		budget.throttled('DescribeStream');
		expect(budget.getSnapshot()).toEqual([{operation: 'DescribeStream', perSecond: 1.25, sharePerSecond: 5, throttles: 2}]);
		nowMs += 5_000;
		budget.throttled('DescribeStream');
		expect(budget.getSnapshot()[0]?.perSecond).toBeCloseTo(1.875);
		nowMs += 60_000;
		// The status line is told once a second; here the next throttle-free check publishes.
		budget.throttled('Unlimited');
		await new Promise((resolve) => setTimeout(resolve, 1_100));
		expect(budget.getSnapshot()).toEqual([]);
		budget.close();
	});

	it('reads the stream, consumer and shard a call is counted against', () => {
		expect(scopeOf({StreamName: 'orders', ShardId: 'shardId-000000000001'})).toBe('orders|shardId-000000000001');
		expect(scopeOf({StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/orders'})).toBe('orders');
		const consumer = 'arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/app:1700000000';
		expect(scopeOf({ConsumerARN: consumer, ShardId: 'shardId-0'})).toBe(`orders|${consumer}|shardId-0`);
		expect(scopeOf({})).toBe('');
	});
});

describe('a client with a budget, against an engine that enforces AWS quotas', () => {
	let engine: Engine;
	let plain: KinesisClient;
	let budgeted: KinesisClient;
	let budget: RequestBudget;

	beforeAll(async () => {
		engine = await startEngine({throughputLimits: true});
		plain = kinesisClient(engine.url, 'http1');
		budgeted = kinesisClient(engine.url, 'http1');
		budget = new RequestBudget({quotas: {DescribeStreamSummary: {perSecond: 20, scope: 'account'}}, share: 0.25});
		attachBudget(budgeted, budget, isThrottle);
		await plain.send(new CreateStreamCommand({StreamName: 'orders', ShardCount: 1}));
	});

	afterAll(async () => {
		budget.close();
		plain.destroy();
		budgeted.destroy();
		await engine.close();
	});

	const described = () => engine.requestCounts().find((count) => count.operation === 'DescribeStreamSummary');

	it('is never refused where the same calls without it are', async () => {
		const burst = (client: KinesisClient, calls: number) =>
			Promise.allSettled(Array.from({length: calls}, () => client.send(new DescribeStreamSummaryCommand({StreamName: 'orders'}))));
		const unbudgeted = await burst(plain, 40);
		expect(unbudgeted.filter((result) => result.status === 'rejected').length).toBeGreaterThan(0);
		await new Promise((resolve) => setTimeout(resolve, 1_100));
		const before = described();
		const results = await burst(budgeted, 15);
		expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
		expect(described()?.refused).toBe(before?.refused);
		expect((described()?.requests ?? 0) - (before?.requests ?? 0)).toBe(15);
	});
});

describe("the console's table of AWS's quotas", () => {
	it("agrees with the engine's, operation by operation", () => {
		for (const [operation, quota] of Object.entries({...CONTROL_PLANE_QUOTAS, ...FIREHOSE_QUOTAS})) {
			expect({operation, ...API_QUOTAS[operation]}).toEqual({operation, perSecond: quota.perSecond, scope: quota.scope});
		}
	});
});

describe('a connection', () => {
	it('paces its Kinesis calls through its budget, at the share it was given', async () => {
		// The built-in engine enforces AWS's quotas, as AWS does: unpaced, 30 calls at once would see 10 refused.
		const {connect} = await import('../../source/console/connect.js');
		const connection = await connect({local: true, quotaShare: 0.25});
		try {
			await connection.kinesis.send(new CreateStreamCommand({StreamName: 'paced', ShardCount: 1}));
			expect(connection.budget.sharePerSecond('DescribeStreamSummary')).toBe(5);
			const started = Date.now();
			const results = await Promise.allSettled(
				Array.from({length: 30}, () => connection.kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'paced'}))),
			);
			// 30 calls at 5/s with 5 at once: about 5 s, and none refused.
			expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
			expect(Date.now() - started).toBeGreaterThan(4_000);
		} finally {
			await connection.close();
		}
	});
});
