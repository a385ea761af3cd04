import {createHash} from 'node:crypto';
import {CreateStreamCommand, ListShardsCommand, PutRecordCommand, SplitShardCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';

interface LookupLine {
	partitionKey?: string;
	hashKey: string;
	hashKeySource: string;
	shardId: string | null;
	startingHashKey: string | null;
	endingHashKey: string | null;
	closedShardIds: string[];
}

const MAX_HASH_KEY = (1n << 128n) - 1n;
const SPLIT_AT = (1n << 126n) + (1n << 124n) + 12_345_678_901n;
/** Computed here independently: MD5 of the UTF-8 key, big-endian, unsigned. */
const md5 = (key: string) => BigInt(`0x${createHash('md5').update(Buffer.from(key, 'utf8')).digest('hex')}`);

describe('find-shard, as a process', () => {
	let engine: Engine;
	let client: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine({shardLimit: 2_000});
		client = kinesisClient(engine.url);
		await client.send(new CreateStreamCommand({StreamName: 'orders', ShardCount: 4}));
		// An uneven split leaves a closed parent and two children whose ranges are not the even quarters.
		await client.send(
			new SplitShardCommand({StreamName: 'orders', ShardToSplit: 'shardId-000000000001', NewStartingHashKey: SPLIT_AT.toString()}),
		);
	});
	afterAll(async () => {
		client.destroy();
		await engine.close();
	});

	it('agrees with the shard PutRecord reports for 300 keys, and names the hash key and the closed shards that held it', async () => {
		const keys = [...Array.from({length: 296}, (_, n) => `customer-${n}`), 'ü-ñ-☃', '🦄', ' ', 'x'.repeat(256)];
		const {stdout, code} = await runCli(['find-shard', 'orders', ...keys, '--endpoint-url', engine.url]);
		expect(code).toBe(0);
		const lines = jsonLines(stdout) as LookupLine[];
		expect(lines.map((line) => line.partitionKey)).toEqual(keys);
		const {Shards: shards = []} = await client.send(new ListShardsCommand({StreamName: 'orders'}));
		const parent = shards.find((shard) => shard.ShardId === 'shardId-000000000001');
		let inParent = 0;
		for (const [index, key] of keys.entries()) {
			const line = lines[index];
			const put = await client.send(new PutRecordCommand({StreamName: 'orders', PartitionKey: key, Data: Buffer.from('x')}));
			expect(line?.shardId, key).toBe(put.ShardId);
			expect(line?.hashKey).toBe(md5(key).toString());
			expect(line?.hashKeySource).toBe('partition-key');
			const hash = md5(key);
			expect(BigInt(line?.startingHashKey ?? '-1') <= hash && hash <= BigInt(line?.endingHashKey ?? '-1')).toBe(true);
			const heldByParent =
				BigInt(parent?.HashKeyRange?.StartingHashKey ?? '-1') <= hash && hash <= BigInt(parent?.HashKeyRange?.EndingHashKey ?? '-1');
			expect(line?.closedShardIds).toEqual(heldByParent ? ['shardId-000000000001'] : []);
			if (heldByParent) inParent++;
		}
		expect(inParent).toBeGreaterThan(20);
		expect(new Set(lines.map((line) => line.shardId)).size).toBe(5);
	});

	it('looks up an explicit hash key as PutRecord routes it: the ends of the key space, either side of the split', async () => {
		const hashKeys = ['0', MAX_HASH_KEY.toString(), (SPLIT_AT - 1n).toString(), SPLIT_AT.toString()];
		for (const hashKey of hashKeys) {
			const {stdout, code} = await runCli([
				'find-shard',
				'orders',
				'ignored-key',
				'--explicit-hash-key',
				hashKey,
				'--endpoint-url',
				engine.url,
			]);
			expect(code).toBe(0);
			const [line] = jsonLines(stdout) as LookupLine[];
			const put = await client.send(
				new PutRecordCommand({StreamName: 'orders', PartitionKey: 'ignored-key', ExplicitHashKey: hashKey, Data: Buffer.from('x')}),
			);
			expect(line).toMatchObject({partitionKey: 'ignored-key', hashKey, hashKeySource: 'explicit-hash-key', shardId: put.ShardId});
		}
	});

	it('follows ListShards pages: a stream of 1,100 shards', async () => {
		await client.send(new CreateStreamCommand({StreamName: 'wide', ShardCount: 1_100}));
		const keys = Array.from({length: 400}, (_, n) => `k${n}`);
		// The last shards are on ListShards' second page: pick keys that land there, as well as others.
		const top = keys.filter((key) => md5(key) > (MAX_HASH_KEY / 1_100n) * 1_000n);
		expect(top.length).toBeGreaterThan(10);
		const {stdout, code} = await runCli(['find-shard', 'wide', ...keys, '--endpoint-url', engine.url]);
		expect(code).toBe(0);
		const lines = jsonLines(stdout) as LookupLine[];
		for (const [index, key] of keys.entries()) {
			const put = await client.send(new PutRecordCommand({StreamName: 'wide', PartitionKey: key, Data: Buffer.from('x')}));
			expect(lines[index]?.shardId, key).toBe(put.ShardId);
		}
		expect(lines.some((line) => Number(line.shardId?.slice('shardId-'.length)) >= 1_000)).toBe(true);
	});

	it('prints a table on a terminal', async () => {
		const output = await runInTerminal(['find-shard', 'orders', 'customer-7', '--endpoint-url', engine.url]);
		const put = await client.send(new PutRecordCommand({StreamName: 'orders', PartitionKey: 'customer-7', Data: Buffer.from('x')}));
		const [header, row, ...rest] = output.trimEnd().split('\n');
		expect(header).toMatch(/^PARTITION KEY\s+HASH KEY\s+SHARD\s+SHARD HASH KEY RANGE\s+CLOSED SHARDS$/);
		expect(row?.split(/\s+/).slice(0, 3)).toEqual(['customer-7', md5('customer-7').toString(), put.ShardId]);
		expect(rest).toEqual([]);
	});

	it('says a stream does not exist and exits with 9, also with --local', async () => {
		const remote = await runCli(['find-shard', 'no-such-stream', 'k', '--endpoint-url', engine.url]);
		expect(remote.code).toBe(9);
		expect(remote.stderr).toMatch(
			/^The stream 'no-such-stream' was not found in us-east-1 at http:\/\/127\.0\.0\.1:\d+\.\nStreams there: orders/,
		);
		const local = await runCli(['find-shard', 'no-such-stream', 'k', '--local']);
		expect(local.code).toBe(9);
		expect(local.stderr).toMatch(/^The stream 'no-such-stream' was not found in us-east-1 at http:\/\/127\.0\.0\.1:\d+\.\n/);
	});

	it('refuses a hash key out of range, a missing key, and a partition key over 256 characters, with exit code 2', async () => {
		const tooBig = await runCli(['find-shard', 'orders', '--explicit-hash-key', (MAX_HASH_KEY + 1n).toString()]);
		expect(tooBig).toMatchObject({code: 2, stderr: expect.stringContaining('it is larger than 2^128 - 1')});
		const notDecimal = await runCli(['find-shard', 'orders', '--explicit-hash-key', '0x10']);
		expect(notDecimal).toMatchObject({code: 2, stderr: expect.stringContaining("'0x10' is not a hash key")});
		const none = await runCli(['find-shard', 'orders']);
		expect(none).toMatchObject({code: 2, stderr: expect.stringContaining('Give a partition key, or a hash key with --explicit-hash-key.')});
		const long = await runCli(['find-shard', 'orders', 'y'.repeat(257)]);
		expect(long).toMatchObject({code: 2, stderr: expect.stringContaining('has 257')});
	});
});
