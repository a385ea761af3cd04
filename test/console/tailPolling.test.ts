import http from 'node:http';
import {CreateStreamCommand, ListShardsCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterEach, describe, expect, it} from 'vitest';
import {scanRecords} from '../../source/console/checkpoints/scan.js';
import {connect} from '../../source/console/connect.js';
import {IDLE_POLL_MAX_MS, tailStream, type TailEvent} from '../../source/console/tail/index.js';
import {decodeIterator} from '../../source/engine/kinesis/model/shardIterators.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {forward} from '../helpers/throttlingProxy.js';
import {isolateAwsEnvironment, useEnvCredentials} from './awsEnv.js';

isolateAwsEnvironment();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * An HTTP proxy in front of the engine that notes when each GetRecords reaches it and for which shard
 * (read from the engine's own iterator): the calls per shard as the engine sees them.
 */
async function countingProxy(targetPort: number): Promise<{url: string; calls: Map<number, number[]>}> {
	const calls = new Map<number, number[]>();
	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const body = Buffer.concat(chunks);
			if (String(request.headers['x-amz-target']).endsWith('.GetRecords')) {
				const iterator = decodeIterator((JSON.parse(body.toString()) as {ShardIterator: string}).ShardIterator);
				if (iterator) calls.set(iterator.shardIndex, [...(calls.get(iterator.shardIndex) ?? []), Date.now()]);
			}
			forward(targetPort, request, body, response);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
	server.on('connection', (socket) => cleanups.push(() => void socket.destroy()));
	return {url: `http://127.0.0.1:${(server.address() as {port: number}).port}`, calls};
}

/** The most calls in any window of `windowMs` among these times (sorted). */
function mostInWindow(times: readonly number[], windowMs: number): number {
	let most = 0;
	let start = 0;
	for (let end = 0; end < times.length; end++) {
		while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
		most = Math.max(most, end - start + 1);
	}
	return most;
}

async function putOn(client: KinesisClient, hashKey: string, values: readonly string[]): Promise<void> {
	for (let from = 0; from < values.length; from += 500) {
		const entries = values
			.slice(from, from + 500)
			.map((value) => ({Data: Buffer.from(value), PartitionKey: 'k', ExplicitHashKey: hashKey}));
		const result = await client.send(new PutRecordsCommand({StreamName: 'wide', Records: entries}));
		expect(result.FailedRecordCount ?? 0).toBe(0);
	}
}

describe('tailing many shards from one process', () => {
	it('never makes more than 5 GetRecords on a shard in any second, polls idle shards less than busy ones, and still reads a quiet shard within the bound', async () => {
		const SHARDS = 300;
		const engine = await startEngine();
		cleanups.push(() => engine.close());
		const writer = kinesisClient(engine.url, 'http1');
		cleanups.push(() => writer.destroy());
		await writer.send(new CreateStreamCommand({StreamName: 'wide', ShardCount: SHARDS}));
		const listed = await writer.send(new ListShardsCommand({StreamName: 'wide', MaxResults: 1000}));
		const hashKeys = (listed.Shards ?? []).map((shard) => shard.HashKeyRange?.StartingHashKey ?? '0');
		// Two busy shards, far behind: at 10 records a call they stay behind for the whole test.
		const BUSY = [0, 1];
		for (const shard of BUSY) {
			await putOn(
				writer,
				hashKeys[shard] ?? '0',
				Array.from({length: 600}, (_, n) => `${shard}:${n}`),
			);
		}

		const proxy = await countingProxy(engine.port);
		const client = kinesisClient(proxy.url, 'http1');
		cleanups.push(() => client.destroy());
		const controller = new AbortController();
		const seen = new Map<string, number[]>();
		let quietReadMs: number | undefined;
		const QUIET = 150;
		const quietShardId = listed.Shards?.[QUIET]?.ShardId ?? '';
		const events: TailEvent[] = [];
		const reading = (async () => {
			for await (const event of tailStream(client, {
				stream: 'wide',
				from: {type: 'TRIM_HORIZON'},
				limit: 10,
				callsPerSecond: 5,
				signal: controller.signal,
			})) {
				events.push(event);
				if (event.type !== 'records') continue;
				const numbers = seen.get(event.shardId) ?? [];
				numbers.push(...event.records.map((record) => Number(Buffer.from(record.data).toString().split(':')[1])));
				seen.set(event.shardId, numbers);
				if (event.shardId === quietShardId) quietReadMs ??= Date.now();
			}
		})();
		// Long enough for the idle shards to back off to their bound (0.5, 1 and 2 s after a first read that a busy machine may delay), then a record on one of them.
		await new Promise((resolve) => setTimeout(resolve, 8_000));
		const quietWrittenMs = Date.now();
		await putOn(writer, hashKeys[QUIET] ?? '0', ['quiet:0']);
		await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MAX_MS + 1_500));
		controller.abort();
		await reading;

		// Every shard was read, none more than 5 times in any second as the engine saw the calls.
		expect(proxy.calls.size).toBe(SHARDS);
		const most = Math.max(...[...proxy.calls.values()].map((times) => mostInWindow(times, 1_000)));
		expect(most).toBeLessThanOrEqual(5);
		// Over the last three seconds, a busy shard is polled near its budget and an idle one near its bound.
		const recentRate = (shard: number) =>
			(proxy.calls.get(shard) ?? []).filter((at) => at > quietWrittenMs - 1_000 && at <= quietWrittenMs + 2_000).length / 3;
		const busy = Math.min(...BUSY.map(recentRate));
		const idle = Array.from({length: SHARDS}, (_, shard) => shard)
			.filter((shard) => !BUSY.includes(shard) && shard !== QUIET)
			.map(recentRate);
		const idleMean = idle.reduce((sum, rate) => sum + rate, 0) / idle.length;
		expect(busy).toBeGreaterThanOrEqual(2);
		expect(idleMean).toBeLessThanOrEqual(1000 / IDLE_POLL_MAX_MS + 0.2);
		expect(idleMean).toBeLessThan(busy / 3);
		// The record on the quiet shard came within the bound (and the time its call takes on a busy machine).
		expect(quietReadMs).toBeDefined();
		expect((quietReadMs ?? 0) - quietWrittenMs).toBeLessThanOrEqual(IDLE_POLL_MAX_MS + 1_000);
		// Each busy shard's records in order, none skipped or repeated.
		for (const shard of BUSY) {
			const numbers = seen.get(listed.Shards?.[shard]?.ShardId ?? '') ?? [];
			expect(numbers.length).toBeGreaterThan(0);
			expect(numbers).toEqual(Array.from({length: numbers.length}, (_, n) => n));
		}
		expect(events.some((event) => event.type === 'failed')).toBe(false);
	}, 60_000);

	it("keeps every reader of a shard in the process together within the console's share of its reads", async () => {
		const engine = await startEngine();
		cleanups.push(() => engine.close());
		const writer = kinesisClient(engine.url, 'http1');
		cleanups.push(() => writer.destroy());
		await writer.send(new CreateStreamCommand({StreamName: 'wide', ShardCount: 1}));
		await putOn(
			writer,
			'0',
			Array.from({length: 300}, (_, n) => `0:${n}`),
		);
		const proxy = await countingProxy(engine.port);
		// A share of 0.4: 2 of the shard's 5 reads a second, for a tail asking 5 and three scans asking 4 each.
		useEnvCredentials();
		const connection = await connect({endpointUrl: proxy.url, quotaShare: 0.4});
		cleanups.push(() => connection.close());
		expect(connection.budget.readsPerShard).toBe(2);
		const controller = new AbortController();
		const tailed: number[] = [];
		const tailing = (async () => {
			for await (const event of tailStream(connection.kinesis, {
				stream: 'wide',
				from: {type: 'TRIM_HORIZON'},
				limit: 10,
				callsPerSecond: 5,
				signal: controller.signal,
			})) {
				if (event.type === 'records')
					tailed.push(...event.records.map((record) => Number(Buffer.from(record.data).toString().split(':')[1])));
			}
		})();
		const visited = [0, 0, 0];
		const ends = await Promise.all(
			visited.map((_, scan) =>
				scanRecords(
					connection.kinesis,
					'wide',
					'shardId-000000000000',
					{ShardIteratorType: 'TRIM_HORIZON'},
					{limit: 5, maxCalls: 2, callsPerSecond: 4},
					() => ++visited[scan]! > 0,
				),
			),
		);
		await new Promise((resolve) => setTimeout(resolve, 1_500));
		controller.abort();
		await tailing;

		expect(ends.map((end) => end.reason)).toEqual(['budget', 'budget', 'budget']);
		expect(visited).toEqual([10, 10, 10]);
		expect(tailed.length).toBeGreaterThan(0);
		expect(tailed).toEqual(Array.from({length: tailed.length}, (_, n) => n));
		// Together: the scans' 6 calls and the tail's, never more than 2 in any second as the engine saw them.
		const times = proxy.calls.get(0) ?? [];
		expect(times.length).toBeGreaterThanOrEqual(8);
		expect(mostInWindow(times, 1_000)).toBeLessThanOrEqual(2);
	}, 60_000);
});
