import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {CreateStreamCommand, ListShardsCommand, MergeShardsCommand, SplitShardCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterEach, describe, expect, it} from 'vitest';
import type {Engine, EngineOptions} from '../../source/engine/index.js';
import {tailStream, type TailEvent} from '../../source/console/tail/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {collect, numbered, putEntries, range} from '../helpers/numberedRecords.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: EngineOptions = {}, shards = 2): Promise<{engine: Engine; client: KinesisClient}> {
	const engine = await startEngine(options);
	const client = kinesisClient(engine.url, 'http1');
	cleanups.push(
		() => engine.close(),
		() => client.destroy(),
	);
	await client.send(new CreateStreamCommand({StreamName: 'tailed', ShardCount: shards}));
	return {engine, client};
}

const put = (client: KinesisClient, entries: Array<[key: string, value: string]>) => putEntries(client, 'tailed', entries);
const keys = Array.from({length: 12}, (_, index) => `user-${index}`);

describe('tailStream', () => {
	it('delivers every record of each key once and in order across a split and a merge', async () => {
		const {client} = await setUp();
		await put(client, numbered(keys, 0, 20));
		await client.send(
			new SplitShardCommand({StreamName: 'tailed', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 126n).toString()}),
		);
		await put(client, numbered(keys, 20, 40));
		await client.send(
			new MergeShardsCommand({StreamName: 'tailed', ShardToMerge: 'shardId-000000000002', AdjacentShardToMerge: 'shardId-000000000003'}),
		);
		await put(client, numbered(keys, 40, 60));

		const {seen, events} = await collect(client, {stream: 'tailed', from: {type: 'TRIM_HORIZON'}, stopAtLatest: true, callsPerSecond: 5});
		for (const key of keys) expect(seen.get(key), key).toEqual(range(60));
		// Parents end before their children start.
		const order = events
			.filter((event) => event.type === 'shard-started' || event.type === 'shard-ended')
			.map((event) => `${event.type}:${'shardId' in event ? event.shardId : ''}`);
		expect(order.indexOf('shard-ended:shardId-000000000000')).toBeLessThan(order.indexOf('shard-started:shardId-000000000002'));
		expect(order.indexOf('shard-ended:shardId-000000000003')).toBeLessThan(order.indexOf('shard-started:shardId-000000000004'));
	});

	it('with stopAtLatest, ends on shards written all the while, once it has read up to their tip', async () => {
		const {client} = await setUp({}, 1);
		await put(client, numbered(keys, 0, 40));
		// Records all the while: every answer has some, so "nothing new at the tip" never comes.
		let writing = true;
		const writer = (async () => {
			for (let round = 40; writing; round++) {
				await put(client, numbered(keys.slice(0, 3), round, round + 1));
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
		})();
		const started = Date.now();
		const {seen} = await collect(client, {stream: 'tailed', from: {type: 'TRIM_HORIZON'}, stopAtLatest: true, callsPerSecond: 1});
		const tookMs = Date.now() - started;
		writing = false;
		await writer;
		expect(tookMs).toBeLessThan(5_000);
		for (const key of keys) expect(seen.get(key)?.slice(0, 40), key).toEqual(range(40));
	});

	it('follows a split that happens while it runs, without losing or repeating a record', async () => {
		const {client} = await setUp();
		const writing = (async () => {
			for (let batch = 0; batch < 30; batch++) {
				await put(client, numbered(keys, batch * 5, batch * 5 + 5));
				if (batch === 10) {
					await client.send(
						new SplitShardCommand({
							StreamName: 'tailed',
							ShardToSplit: 'shardId-000000000001',
							NewStartingHashKey: (3n * 2n ** 126n).toString(),
						}),
					);
				}
				await new Promise((resolve) => setTimeout(resolve, 15));
			}
		})();
		const {seen} = await collect(client, {stream: 'tailed', shardRefreshMs: 100}, (seen) =>
			keys.every((key) => (seen.get(key)?.length ?? 0) >= 150),
		);
		await writing;
		for (const key of keys) expect(seen.get(key), key).toEqual(range(150));
	});

	it('starts at LATEST, at a time, and stops after a count', async () => {
		const {client} = await setUp();
		await put(client, numbered(['a'], 0, 10));
		// AT_TIMESTAMP takes records that arrived at or after the time, to the millisecond: a put answered
		// within the millisecond it arrived in would count as at the cut, so the cut comes strictly later.
		await new Promise((resolve) => setTimeout(resolve, 20));
		const cut = new Date();
		await new Promise((resolve) => setTimeout(resolve, 20));
		await put(client, numbered(['a'], 10, 20));

		const atTime = await collect(client, {stream: 'tailed', from: {type: 'AT_TIMESTAMP', timestamp: cut}, stopAtLatest: true});
		expect(atTime.seen.get('a')).toEqual(range(20).slice(10));

		const counted = await collect(client, {stream: 'tailed', count: 7});
		expect(counted.seen.get('a')).toEqual(range(7));

		const latest = tailStream(client, {stream: 'tailed', from: {type: 'LATEST'}});
		const iterator = latest[Symbol.asyncIterator]();
		// Wait until every shard reader has its iterator, then write.
		let started = 0;
		while (started < 2) {
			const {value} = await iterator.next();
			if ((value as TailEvent).type === 'polled') started++;
		}
		await put(client, numbered(['a'], 20, 23));
		const got: number[] = [];
		while (got.length < 3) {
			const {value} = await iterator.next();
			const event = value as TailEvent;
			if (event.type === 'records') got.push(...event.records.map((record) => Number(Buffer.from(record.data).toString().split(':')[1])));
		}
		await iterator.return?.(undefined);
		expect(got).toEqual([20, 21, 22]);
	});

	it('renews expired iterators from the last record delivered', async () => {
		let nowMs = Date.now();
		const {client} = await setUp({now: () => nowMs, iteratorTtlMs: 300_000});
		await put(client, numbered(['k'], 0, 30));
		const events: TailEvent[] = [];
		const seen: number[] = [];
		let moved = false;
		for await (const event of tailStream(client, {stream: 'tailed', limit: 10, stopAtLatest: true})) {
			events.push(event);
			if (event.type !== 'records') continue;
			seen.push(...event.records.map((record) => Number(Buffer.from(record.data).toString().split(':')[1])));
			if (!moved) {
				// Every iterator the readers hold is now older than five minutes.
				nowMs += 301_000;
				moved = true;
			}
		}
		expect(seen).toEqual(range(30));
	});

	it('rides out an engine restart and resumes after the last record delivered', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'tail-restart-'));
		cleanups.push(() => rmSync(dir, {recursive: true, force: true}));
		let engine = await startEngine({dataDir: dir});
		const port = engine.port;
		const client = kinesisClient(engine.url, 'http1');
		cleanups.push(
			() => client.destroy(),
			() => engine.close(),
		);
		await client.send(new CreateStreamCommand({StreamName: 'tailed', ShardCount: 1}));
		await put(client, numbered(['k'], 0, 50));

		const seen: number[] = [];
		const reasons: string[] = [];
		let restarted = false;
		// Five calls a second: the reader calls again (200 ms on) while the engine is down for 300 ms.
		for await (const event of tailStream(client, {stream: 'tailed', limit: 20, callsPerSecond: 5})) {
			if (event.type === 'retrying') reasons.push(event.reason);
			if (event.type !== 'records') continue;
			seen.push(...event.records.map((record) => Number(Buffer.from(record.data).toString().split(':')[1])));
			if (!restarted) {
				restarted = true;
				await engine.close();
				await new Promise((resolve) => setTimeout(resolve, 300));
				engine = await startEngine({dataDir: dir, port});
				await put(client, numbered(['k'], 50, 60));
			}
			if (seen.length >= 60) break;
		}
		expect(seen).toEqual(range(60));
		expect(reasons.join('\n')).toMatch(/ECONNREFUSED|socket hang up|ECONNRESET/);
	});

	it('reads only the chosen shards and their children', async () => {
		const {client} = await setUp({}, 4);
		await put(client, numbered(keys, 0, 5));
		const {Shards = []} = await client.send(new ListShardsCommand({StreamName: 'tailed'}));
		const chosen = Shards[2]?.ShardId ?? '';
		const {events} = await collect(client, {stream: 'tailed', shards: [chosen], stopAtLatest: true});
		const shardsRead = new Set(
			events.filter((event) => event.type === 'records').map((event) => ('shardId' in event ? event.shardId : '')),
		);
		expect([...shardsRead]).toEqual([chosen]);
	});
});
