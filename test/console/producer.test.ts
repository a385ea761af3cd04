import {
	CreateStreamCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	ListShardsCommand,
	type KinesisClient,
	type PutRecordsCommand,
	type _Record,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {
	produceRecords,
	type FailedRecord,
	type ProducerInput,
	type ProducerOptions,
	type ProducerResult,
	type WrittenRecord,
} from '../../source/console/producer.js';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';

let streams = 0;
async function createStream(client: KinesisClient, shards: number): Promise<string> {
	const name = `producer-${process.pid}-${++streams}`;
	await client.send(new CreateStreamCommand({StreamName: name, ShardCount: shards}));
	return name;
}

/** Every record of every shard, from the beginning, in shard order. */
async function readAll(client: KinesisClient, stream: string): Promise<_Record[]> {
	const {Shards: shards = []} = await client.send(new ListShardsCommand({StreamName: stream}));
	const records: _Record[] = [];
	for (const shard of shards) {
		let iterator = (
			await client.send(new GetShardIteratorCommand({StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON'}))
		).ShardIterator;
		while (iterator) {
			const page = await client.send(new GetRecordsCommand({ShardIterator: iterator}));
			records.push(...(page.Records ?? []));
			if ((page.Records ?? []).length === 0) break;
			iterator = page.NextShardIterator;
		}
	}
	return records;
}

const text = (record: _Record) => Buffer.from(record.Data ?? new Uint8Array()).toString('utf8');

async function collect(
	client: KinesisClient,
	input: AsyncIterable<ProducerInput> | Iterable<ProducerInput>,
	options: ProducerOptions,
): Promise<ProducerResult[]> {
	const results: ProducerResult[] = [];
	for await (const result of produceRecords(client, input, options)) results.push(result);
	return results;
}

const written = (results: ProducerResult[]) => results.filter((result): result is WrittenRecord => result.ok);
const failed = (results: ProducerResult[]) => results.filter((result): result is FailedRecord => !result.ok);

/** For each key, the `n` of its records in the order the stream holds them. */
function orderPerKey(records: _Record[]): Map<string, number[]> {
	const byKey = new Map<string, number[]>();
	for (const record of records) {
		const {n} = JSON.parse(text(record)) as {n: number};
		const key = record.PartitionKey ?? '';
		byKey.set(key, [...(byKey.get(key) ?? []), n]);
	}
	return byKey;
}

async function* slowly<T>(items: readonly T[]): AsyncGenerator<T> {
	for (const item of items) {
		await new Promise((resolve) => setImmediate(resolve));
		yield item;
	}
}

describe('produceRecords', () => {
	let engine: Engine;
	let client: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine();
		client = kinesisClient(engine.url);
	});
	afterAll(async () => {
		client.destroy();
		await engine.close();
	});

	it('writes every record once, reports its shard and sequence number, and keeps each key in input order', async () => {
		const stream = await createStream(client, 4);
		const input = Array.from({length: 3_000}, (_, n) => ({
			data: Buffer.from(JSON.stringify({n})),
			partitionKey: `key-${n % 17}`,
			line: n + 1,
		}));
		const results = await collect(client, slowly(input), {stream});
		expect(failed(results)).toEqual([]);
		expect(results.map((result) => result.index).sort((a, b) => a - b)).toEqual(input.map((_, index) => index));
		expect(new Set(results.map((result) => result.line)).size).toBe(3_000);

		const records = await readAll(client, stream);
		expect(records).toHaveLength(3_000);
		const bySequence = new Map(records.map((record) => [record.SequenceNumber, record]));
		for (const result of written(results)) {
			const record = bySequence.get(result.sequenceNumber);
			expect(record && text(record)).toBe(JSON.stringify({n: (result.line ?? 0) - 1}));
			expect(result.shardId).toMatch(/^shardId-\d{12}$/);
		}
		for (const [key, numbers] of orderPerKey(records)) {
			expect(numbers, key).toEqual([...numbers].sort((a, b) => a - b));
			expect(numbers.length, key).toBeGreaterThan(170);
		}
		expect(new Set(written(results).map((result) => result.shardId)).size).toBeGreaterThan(1);
	});

	it('gives records without a partition key a random one each, spread over the shards', async () => {
		const stream = await createStream(client, 4);
		const results = written(
			await collect(
				client,
				Array.from({length: 200}, () => ({data: Buffer.from('x')})),
				{stream},
			),
		);
		expect(results).toHaveLength(200);
		expect(new Set(results.map((result) => result.partitionKey)).size).toBe(200);
		expect(new Set(results.map((result) => result.shardId)).size).toBe(4);
	});

	it('reports a record over 1 MiB, a bad partition key or hash key, and rejected inputs, in place, and writes the rest', async () => {
		const stream = await createStream(client, 1);
		const input: ProducerInput[] = [
			{data: Buffer.from('first'), partitionKey: 'k', line: 1},
			{data: Buffer.alloc(1_048_576), partitionKey: 'k', line: 2},
			{data: Buffer.alloc(1_048_576 - 1), partitionKey: 'k', line: 3},
			{data: Buffer.from('x'), partitionKey: 'p'.repeat(257), line: 4},
			{data: Buffer.from('x'), partitionKey: 'k', explicitHashKey: (1n << 128n).toString(), line: 5},
			{error: 'not base64', line: 6},
			{data: Buffer.from('last'), partitionKey: 'k', line: 7},
		];
		const results = await collect(client, input, {stream});
		expect(failed(results).map(({line, error, attempts}) => ({line, error, attempts}))).toEqual([
			{
				line: 2,
				error: 'the record is 1,048,577 bytes with its partition key; Kinesis takes at most 1 MiB (1,048,576 bytes) per record',
				attempts: 0,
			},
			{line: 4, error: 'the partition key is 257 characters; Kinesis takes 1 to 256', attempts: 0},
			{line: 5, error: expect.stringContaining('larger than 2^128 - 1'), attempts: 0},
			{line: 6, error: 'not base64', attempts: 0},
		]);
		expect(written(results).map((result) => result.line)).toEqual([1, 3, 7]);
		const records = await readAll(client, stream);
		expect(records.map((record) => record.Data?.length)).toEqual([5, 1_048_575, 4]);
	});

	it('keeps calls within 5 MiB: six records of nearly 1 MiB take two calls', async () => {
		const stream = await createStream(client, 2);
		const calls: number[] = [];
		const counting = {
			send: (command: PutRecordsCommand, options: never) => {
				calls.push(
					command.input.Records?.reduce((sum, record) => sum + (record.Data?.length ?? 0) + (record.PartitionKey?.length ?? 0), 0) ?? 0,
				);
				return client.send(command, options);
			},
		} as unknown as KinesisClient;
		const input = Array.from({length: 6}, (_, n) => ({data: Buffer.alloc(1_000_000, n), partitionKey: `k${n}`}));
		const results = await collect(counting, input, {stream, concurrency: 1});
		expect(written(results)).toHaveLength(6);
		expect(calls).toHaveLength(2);
		expect(Math.max(...calls)).toBeLessThanOrEqual(5 * 1_048_576);
	});

	it('reads its input only as far ahead as the calls need', async () => {
		const stream = await createStream(client, 1);
		let pulled = 0;
		function* endless(): Generator<ProducerInput> {
			for (;;) {
				pulled++;
				yield {data: Buffer.from(String(pulled)), partitionKey: 'k'};
			}
		}
		let seen = 0;
		for await (const result of produceRecords(client, endless(), {stream, concurrency: 2})) {
			expect(result.ok).toBe(true);
			if (++seen === 2_000) break;
		}
		// What it has written, plus at most two calls in flight and the read-ahead of 1,000 records.
		expect(pulled).toBeLessThan(2_000 + 2 * 500 + 1_000 + 2);
	});

	it('throws when the stream does not exist', async () => {
		await expect(collect(client, [{data: Buffer.from('x'), partitionKey: 'k'}], {stream: 'no-such-stream'})).rejects.toMatchObject({
			name: 'ResourceNotFoundException',
		});
	});

	it('retries a call that fails as a whole on a transient error, and counts the attempt', async () => {
		const stream = await createStream(client, 1);
		let calls = 0;
		const flaky = {
			send: (command: never, options: never) =>
				++calls === 1
					? Promise.reject(
							Object.assign(new Error('We encountered an internal error.'), {name: 'InternalFailure', $metadata: {httpStatusCode: 500}}),
						)
					: client.send(command, options),
		} as unknown as KinesisClient;
		const results = await collect(
			flaky,
			[
				{data: Buffer.from('a'), partitionKey: 'k'},
				{data: Buffer.from('b'), partitionKey: 'k'},
			],
			{stream, retryBaseMs: 1},
		);
		// The first call goes out with the first record alone; the second record waits behind its retry.
		expect(written(results).map((result) => [result.index, result.attempts])).toEqual([
			[0, 2],
			[1, 1],
		]);
		expect((await readAll(client, stream)).map(text)).toEqual(['a', 'b']);
	});

	it('gives up on a record after --max-retries of a transient failure', async () => {
		const stream = await createStream(client, 1);
		const failing = {
			send: () =>
				Promise.reject(
					Object.assign(new Error('Service unavailable'), {name: 'ServiceUnavailableException', $metadata: {httpStatusCode: 503}}),
				),
		} as unknown as KinesisClient;
		const results = await collect(failing, [{data: Buffer.from('a'), partitionKey: 'k'}], {stream, maxRetries: 2, retryBaseMs: 1});
		expect(results).toEqual([
			{
				ok: false,
				index: 0,
				partitionKey: 'k',
				attempts: 3,
				error: 'ServiceUnavailableException: Service unavailable (gave up after 3 attempts)',
			},
		]);
	});

	it('stops when a record runs out of retries on an endpoint that does not answer: every record reported, then a GaveUpError', async () => {
		// Refused after a moment, as a real connection attempt is: the input (a record per turn of the event loop) is all
		// read by then, however busy the machine, so every record is the producer's to report when it gives up.
		const refused = async () => {
			await new Promise((resolve) => setTimeout(resolve, 20));
			throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {code: 'ECONNREFUSED', name: 'Error'});
		};
		const unreachable = {send: refused} as unknown as KinesisClient;
		const results: ProducerResult[] = [];
		// Records of three keys, read one by one: they go out in separate calls, some queued behind the backoff.
		const input = slowly(['a', 'b', 'c', 'd', 'e', 'f'].map((data, n) => ({data: Buffer.from(data), partitionKey: `k${n % 3}`})));
		await expect(
			(async () => {
				for await (const result of produceRecords(unreachable, input, {stream: 'any', maxRetries: 2, retryBaseMs: 1})) results.push(result);
			})(),
		).rejects.toMatchObject({name: 'GaveUpError', attempts: 3});
		expect(results.map((result) => result.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
		expect(results.every((result) => !result.ok)).toBe(true);
		expect(failed(results).some((result) => result.error.endsWith('(gave up after 3 attempts)'))).toBe(true);
	});

	it('stops on an abort signal: calls in flight end, records not sent are reported as such', async () => {
		const stream = await createStream(client, 1);
		const controller = new AbortController();
		const results: ProducerResult[] = [];
		function* endless(): Generator<ProducerInput> {
			for (let n = 0; ; n++) yield {data: Buffer.from(String(n)), partitionKey: 'k'};
		}
		for await (const result of produceRecords(client, endless(), {stream, signal: controller.signal})) {
			results.push(result);
			if (results.length === 1_000) controller.abort();
		}
		const sent = written(results).length;
		expect(sent).toBeGreaterThanOrEqual(1_000);
		expect(failed(results).every((result) => result.error === 'not sent: stopped')).toBe(true);
		expect((await readAll(client, stream)).length).toBe(sent);
	});
});

describe('produceRecords against per-shard throughput limits', () => {
	let engine: Engine;
	let client: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine({throughputLimits: true});
		client = kinesisClient(engine.url);
	});
	afterAll(async () => {
		client.destroy();
		await engine.close();
	});

	it('gets a hot key over 1,000 records/s through by retrying, in order, with other keys', async () => {
		const stream = await createStream(client, 2);
		const input = Array.from({length: 3_000}, (_, n) => ({
			data: Buffer.from(JSON.stringify({n})),
			partitionKey: n % 10 === 0 ? `cold-${n}` : 'hot',
		}));
		const results = await collect(client, input, {stream});
		expect(failed(results)).toEqual([]);
		expect(written(results).some((result) => result.attempts > 1)).toBe(true);
		const records = await readAll(client, stream);
		expect(records).toHaveLength(3_000);
		const hot = input
			.filter((record) => record.partitionKey === 'hot')
			.map((record) => (JSON.parse(record.data.toString()) as {n: number}).n);
		expect(orderPerKey(records).get('hot')).toEqual(hot);
	});

	it('fails records it may not retry, and still writes the rest of the key in order', async () => {
		const stream = await createStream(client, 1);
		const input = Array.from({length: 2_500}, (_, n) => ({data: Buffer.from(JSON.stringify({n})), partitionKey: 'hot'}));
		const results = await collect(client, input, {stream, maxRetries: 0, concurrency: 1});
		const refused = failed(results);
		expect(refused.length).toBeGreaterThan(0);
		expect(refused[0]?.error).toMatch(
			/^ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000000 .* \(gave up after 1 attempt\)$/,
		);
		const numbers = orderPerKey(await readAll(client, stream)).get('hot') ?? [];
		expect(numbers).toHaveLength(2_500 - refused.length);
		expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
	});

	it('may let a record overtake one of its key refused in the same call, and says so; strictOrder prevents it', async () => {
		// 700 KB takes most of a shard's 1 MiB/s: the second 700 KB record is refused, the small one after it is not.
		const records = (tag: string) => [
			{data: Buffer.alloc(700_000, 'a'), partitionKey: tag},
			{data: Buffer.alloc(700_000, 'b'), partitionKey: tag},
			{data: Buffer.from('c'), partitionKey: tag},
		];
		const firstBytes = async (stream: string) =>
			(await readAll(client, stream)).map((record) => String.fromCharCode(record.Data?.[0] ?? 0));

		const loose = await createStream(client, 1);
		const looseResults = written(await collect(client, records('k'), {stream: loose}));
		expect(looseResults.find((result) => result.index === 2)?.overtook).toBe(true);
		expect(await firstBytes(loose)).toEqual(['a', 'c', 'b']);

		const strict = await createStream(client, 1);
		const strictResults = written(await collect(client, records('k'), {stream: strict, strictOrder: true}));
		expect(strictResults.some((result) => result.overtook)).toBe(false);
		expect(await firstBytes(strict)).toEqual(['a', 'b', 'c']);
	});
});
