import {gunzipSync} from 'node:zlib';
import {createHash} from 'node:crypto';
import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	ListShardsCommand,
	type KinesisClient,
	type _Record,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AppLogs, type LogsSubscriptionPayload} from '../../source/console/demo/appLogs.js';
import {Clickstream} from '../../source/console/demo/clickstream.js';
import {describeDemo, ensureStream, startDemo} from '../../source/console/demo.js';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';

/** A seeded generator (mulberry32), so that runs are alike. */
function seeded(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state + 0x6d2b79f5) | 0;
		let t = Math.imul(state ^ (state >>> 15), 1 | state);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** Every record of a stream, shard by shard, each shard's in its order. */
async function readShards(client: KinesisClient, stream: string): Promise<Map<string, _Record[]>> {
	const {Shards: shards = []} = await client.send(new ListShardsCommand({StreamName: stream}));
	const out = new Map<string, _Record[]>();
	for (const shard of shards) {
		const records: _Record[] = [];
		let iterator = (
			await client.send(new GetShardIteratorCommand({StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON'}))
		).ShardIterator;
		while (iterator) {
			const page = await client.send(new GetRecordsCommand({ShardIterator: iterator}));
			records.push(...(page.Records ?? []));
			if ((page.Records ?? []).length === 0) break;
			iterator = page.NextShardIterator;
		}
		out.set(shard.ShardId!, records);
	}
	return out;
}

const shardOf = (key: string, shards: number) => Math.floor((createHash('md5').update(key).digest().readUIntBE(0, 6) / 2 ** 48) * shards);

describe('demo traffic generators', () => {
	it('clickstream: JSON events whose heaviest users all hash into the hot shard', () => {
		const clicks = new Clickstream(seeded(1), 4);
		expect(clicks.heavyUsers).toHaveLength(3);
		for (const user of clicks.heavyUsers) expect(shardOf(user, 4)).toBe(1);
		const records = [...clicks.events(5_000)];
		const perShard = [0, 0, 0, 0];
		const perUser = new Map<string, number>();
		for (const record of records.slice(0, 50)) {
			const event = JSON.parse(Buffer.from(record.data).toString('utf8')) as Record<string, unknown>;
			expect(event).toMatchObject({
				userId: record.partitionKey,
				eventType: expect.any(String),
				sessionId: expect.any(String),
				page: expect.any(String),
				latencyMs: expect.any(Number),
			});
			expect(event.device).toMatchObject({type: expect.any(String), os: expect.any(String), browser: expect.any(String)});
		}
		for (const record of records) {
			perShard[shardOf(record.partitionKey!, 4)]!++;
			perUser.set(record.partitionKey!, (perUser.get(record.partitionKey!) ?? 0) + 1);
		}
		// Skewed: the hot shard takes the most, and a few users make a large share.
		expect(Math.max(...perShard)).toBe(perShard[1]);
		expect(perShard[1]!).toBeGreaterThan(1.5 * Math.min(...perShard));
		const top = [...perUser.values()].sort((a, b) => b - a);
		expect(top[0]! / records.length).toBeGreaterThan(0.08);
		expect(perUser.size).toBeGreaterThan(300);
	});

	it('clickstream: during a burst the extra events come from the heaviest users', () => {
		const clicks = new Clickstream(seeded(2), 4);
		const users = [...clicks.events(1_000, 1)].map((record) => record.partitionKey);
		expect(new Set(users)).toEqual(new Set(clicks.heavyUsers));
	});

	it('clickstream: each user numbers its events, so order per key can be checked', () => {
		const clicks = new Clickstream(seeded(3), 4);
		const last = new Map<string, number>();
		for (const record of clicks.events(2_000)) {
			const {seq} = JSON.parse(Buffer.from(record.data).toString('utf8')) as {seq: number};
			if (seq !== (last.get(record.partitionKey!) ?? 0) + 1) expect.fail(`${record.partitionKey} jumped to ${seq}`);
			last.set(record.partitionKey!, seq);
		}
	});

	it('app-logs: gzip’d CloudWatch Logs subscription payloads with log lines of varied levels', () => {
		const logs = new AppLogs(seeded(4));
		const control = JSON.parse(gunzipSync(logs.controlMessage().data).toString('utf8')) as LogsSubscriptionPayload;
		expect(control.messageType).toBe('CONTROL_MESSAGE');
		const payloads = [...logs.batches(200)].map((record) => {
			const payload = JSON.parse(gunzipSync(record.data).toString('utf8')) as LogsSubscriptionPayload;
			expect(record.partitionKey).toBe(payload.logStream);
			return payload;
		});
		for (const payload of payloads) {
			expect(payload).toMatchObject({messageType: 'DATA_MESSAGE', owner: '123456789012', subscriptionFilters: [expect.any(String)]});
			expect(payload.logGroup).toMatch(/^\/(aws\/lambda|ecs)\//);
			expect(payload.logEvents.length).toBeGreaterThanOrEqual(5);
			expect(payload.logEvents.every((event) => /^\d{56}$/.test(event.id) && typeof event.timestamp === 'number')).toBe(true);
		}
		const text = payloads.flatMap((payload) => payload.logEvents.map((event) => event.message)).join('\n');
		for (const level of [
			/\bINFO\b|"level":"info"/,
			/\bWARN\b|"level":"warn"/,
			/\bERROR\b|"level":"error"/,
			/\bDEBUG\b|"level":"debug"/,
			/^REPORT RequestId/m,
		])
			expect(text).toMatch(level);
	});
});

describe('startDemo against the engine with throughput limits on', () => {
	let engine: Engine;
	let kinesis: KinesisClient;

	beforeAll(async () => {
		engine = await startEngine({throughputLimits: true, createStreamMs: 100});
		kinesis = kinesisClient(engine.url, 'http1');
	});

	afterAll(async () => {
		kinesis?.destroy();
		await engine?.close();
	});

	it(
		'creates the streams, writes both, gets the hot shard throttled, retries without dropping, and keeps order per user',
		{timeout: 30_000},
		async () => {
			const errors: string[] = [];
			const demo = startDemo(kinesis, {
				clicksPerSecond: 300,
				logBatchesPerSecond: 10,
				bursts: {firstAfterSeconds: 0.3, lastsSeconds: 1.5, extraPerSecond: 2_500, everySeconds: [60, 60]},
				random: seeded(5),
				onError: (message) => errors.push(message),
			});
			await demo.ready;
			for (const [name, shards] of [
				['clickstream', 4],
				['app-logs', 2],
			] as const) {
				const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: name}));
				expect(summary?.OpenShardCount).toBe(shards);
			}
			// Until the burst is over and has been throttled.
			const deadline = Date.now() + 20_000;
			let stats = demo.stats();
			let burst = false;
			while (Date.now() < deadline) {
				await new Promise((resolve) => setTimeout(resolve, 100));
				stats = demo.stats();
				burst ||= stats.bursting;
				if (burst && !stats.bursting && stats.streams[0]!.retries > 0) break;
			}
			const started = Date.now();
			await demo.stop();
			expect(Date.now() - started).toBeLessThan(5_000);
			expect(errors).toEqual([]);

			const [clicks, logs] = stats.streams;
			expect(clicks!.retries).toBeGreaterThan(0);
			expect(clicks!.failed).toBe(0);
			expect(clicks!.overtook).toBe(0);
			expect(logs!.written).toBeGreaterThan(5);
			expect(describeDemo(stats)).toMatch(/^demo traffic: [\d,]+ records\/s/);

			// What the stream holds: every acknowledged record, each user's events in order, the hot shard busiest.
			const shards = await readShards(kinesis, 'clickstream');
			const counts = [...shards.values()].map((records) => records.length);
			expect(counts.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(demo.stats().streams[0]!.written);
			expect(Math.max(...counts)).toBe(shards.get('shardId-000000000001')!.length);
			for (const records of shards.values()) {
				const last = new Map<string, number>();
				for (const record of records) {
					const {userId, seq} = JSON.parse(Buffer.from(record.Data!).toString('utf8')) as {userId: string; seq: number};
					if (seq <= (last.get(userId) ?? 0)) expect.fail(`the events of ${userId} are out of order: ${seq} after ${last.get(userId)}`);
					last.set(userId, seq);
				}
			}
			const logRecords = [...(await readShards(kinesis, 'app-logs')).values()].flat();
			const messageTypes = new Set(
				logRecords.map((record) => (JSON.parse(gunzipSync(record.Data!).toString('utf8')) as LogsSubscriptionPayload).messageType),
			);
			expect(messageTypes).toEqual(new Set(['CONTROL_MESSAGE', 'DATA_MESSAGE']));
		},
	);

	it('uses streams that exist, and stop is safe to call twice', async () => {
		await kinesis.send(new CreateStreamCommand({StreamName: 'demo-existing', ShardCount: 1}));
		await ensureStream(kinesis, 'demo-existing', 3);
		const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'demo-existing'}));
		expect(summary?.OpenShardCount).toBe(1);
		const demo = startDemo(kinesis, {
			clickstream: {name: 'demo-clicks-2'},
			appLogs: {name: 'demo-existing'},
			bursts: false,
			random: seeded(6),
		});
		await demo.ready;
		await new Promise((resolve) => setTimeout(resolve, 600));
		await Promise.all([demo.stop(), demo.stop()]);
		const after = demo.stats();
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(demo.stats().streams.map((stream) => stream.written)).toEqual(after.streams.map((stream) => stream.written));
		expect(after.streams[0]!.written).toBeGreaterThan(0);
	});
});
