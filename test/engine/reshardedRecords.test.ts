import {
	GetRecordsCommand,
	type GetRecordsCommandOutput,
	type KinesisClient,
	MergeShardsCommand,
	PutRecordCommand,
	PutRecordsCommand,
	type Shard,
	SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {createStream, iterator, text, transports, uniqueName, useEngine} from './support.js';
import {MAX_HASH_KEY, allShards, endOf, isOpen, md5, openShards, readParentsFirst, readShard, shardId, startOf} from './shardMaps.js';

const HALF = 1n << 127n;
const QUARTER = 1n << 126n;

/** A partition key whose hash lies in [from, to]. */
function keyIn(from: bigint, to: bigint, prefix: string): string {
	for (let n = 0; ; n++) {
		const key = `${prefix}-${n}`;
		const hash = md5(key);
		if (from <= hash && hash <= to) return key;
	}
}

const holderOf = (shards: readonly Shard[], key: string): string | undefined =>
	shards.find((shard) => isOpen(shard) && startOf(shard) <= md5(key) && md5(key) <= endOf(shard))?.ShardId;

const split = (client: KinesisClient, name: string, shard: string, key: bigint) =>
	client.send(new SplitShardCommand({StreamName: name, ShardToSplit: shard, NewStartingHashKey: String(key)}));

describe.each(transports)('records across reshards over %s', (transport) => {
	// Reshards take no time here, so each can follow the last at once; status changes are tested in resharding.test.ts.
	const harness = useEngine(transport, {updateStreamMs: 0});

	it('keeps records written before a split in the closed parent, whose end lists the children', async () => {
		const name = uniqueName('parent-records');
		await createStream(harness.client, name, 1);
		const keys = Array.from({length: 20}, (_, index) => `before-${index}`);
		const written = await harness.client.send(
			new PutRecordsCommand({StreamName: name, Records: keys.map((key) => ({PartitionKey: key, Data: Buffer.from(key)}))}),
		);
		await split(harness.client, name, shardId(0), HALF);

		const children = [
			{ShardId: shardId(1), ParentShards: [shardId(0)], HashKeyRange: {StartingHashKey: '0', EndingHashKey: String(HALF - 1n)}},
			{ShardId: shardId(2), ParentShards: [shardId(0)], HashKeyRange: {StartingHashKey: String(HALF), EndingHashKey: String(MAX_HASH_KEY)}},
		];
		const parent = await readShard(harness.client, name, shardId(0));
		expect(parent.records.map((record) => [record.PartitionKey, record.SequenceNumber])).toEqual(
			keys.map((key, index) => [key, written.Records?.[index]?.SequenceNumber]),
		);
		expect(parent.records.map(text)).toEqual(keys);
		expect(parent.ended).toBe(true);
		expect(parent.childShards).toEqual(children);

		// Page by page, only the page that reaches the end drops NextShardIterator and lists the children.
		const pages: GetRecordsCommandOutput[] = [];
		let next: string | undefined = await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON');
		while (next) {
			const page: GetRecordsCommandOutput = await harness.client.send(new GetRecordsCommand({ShardIterator: next, Limit: 7}));
			pages.push(page);
			next = page.NextShardIterator;
		}
		expect(pages.map((page) => [page.Records?.length, page.NextShardIterator === undefined, page.ChildShards?.length ?? 0])).toEqual([
			[7, false, 0],
			[7, false, 0],
			[6, true, 2],
		]);
		expect(pages.at(-1)?.ChildShards).toEqual(children);

		// Iterators at the end of the closed parent end at once.
		const lastSequence = written.Records?.at(-1)?.SequenceNumber ?? '';
		for (const start of [
			await iterator(harness.client, name, shardId(0), 'LATEST'),
			await iterator(harness.client, name, shardId(0), 'AFTER_SEQUENCE_NUMBER', {StartingSequenceNumber: lastSequence}),
		]) {
			const page = await harness.client.send(new GetRecordsCommand({ShardIterator: start}));
			expect(page.Records).toEqual([]);
			expect(page.NextShardIterator).toBeUndefined();
			expect(page.ChildShards).toEqual(children);
		}

		// An open child is read with a NextShardIterator and no ChildShards.
		const child = await harness.client.send(
			new GetRecordsCommand({ShardIterator: await iterator(harness.client, name, shardId(1), 'TRIM_HORIZON')}),
		);
		expect(child.NextShardIterator).toBeDefined();
		expect(child.ChildShards ?? []).toEqual([]);
	});

	it('writes a key to the child that holds its hash after a split, and nothing more to the parent', async () => {
		const name = uniqueName('child-routing');
		await createStream(harness.client, name, 2);
		const keys = Array.from({length: 60}, (_, index) => `after-${index}`);
		await split(harness.client, name, shardId(0), QUARTER);
		const shards = await allShards(harness.client, name);
		expect(openShards(shards).map((shard) => shard.ShardId)).toEqual([shardId(2), shardId(3), shardId(1)]);

		const batch = await harness.client.send(
			new PutRecordsCommand({StreamName: name, Records: keys.map((key) => ({PartitionKey: key, Data: Buffer.from(key)}))}),
		);
		expect(batch.Records?.map((result) => result.ShardId)).toEqual(keys.map((key) => holderOf(shards, key)));
		expect(new Set(batch.Records?.map((result) => result.ShardId))).toEqual(new Set([shardId(1), shardId(2), shardId(3)]));
		for (const key of keys.slice(0, 10)) {
			const put = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: key, Data: Buffer.from(key)}));
			expect([key, put.ShardId]).toEqual([key, holderOf(shards, key)]);
		}
		expect((await readShard(harness.client, name, shardId(0))).records).toEqual([]);
		for (const child of [shardId(2), shardId(3)]) {
			const {records} = await readShard(harness.client, name, child);
			expect(records.map((record) => record.PartitionKey)).toEqual(
				[...keys, ...keys.slice(0, 10)].filter((key) => holderOf(shards, key) === child),
			);
		}
	});

	it('ends each parent of a merge with the one merged child', async () => {
		const name = uniqueName('merge-children');
		await createStream(harness.client, name, 3);
		const lower = keyIn(0n, QUARTER, 'low');
		const upper = keyIn(HALF - QUARTER / 2n, HALF - 1n, 'high');
		await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: lower, Data: Buffer.from('a')}));
		await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: upper, Data: Buffer.from('b')}));
		await harness.client.send(new MergeShardsCommand({StreamName: name, ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1)}));
		const [, second] = await allShards(harness.client, name);
		const merged = {
			ShardId: shardId(3),
			ParentShards: [shardId(0), shardId(1)],
			HashKeyRange: {StartingHashKey: '0', EndingHashKey: String(endOf(second ?? {}))},
		};
		for (const [parent, key] of [
			[shardId(0), lower],
			[shardId(1), upper],
		] as const) {
			const read = await readShard(harness.client, name, parent);
			expect(read.records.map((record) => record.PartitionKey)).toEqual([key]);
			expect(read.ended).toBe(true);
			expect(read.childShards).toEqual([merged]);
		}
		const put = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: upper, Data: Buffer.from('c')}));
		expect(put.ShardId).toBe(shardId(3));
	});

	it('delivers every record of each key once and in order, parents first, across a split and a merge under concurrent writes', async () => {
		const name = uniqueName('lineage-order');
		await createStream(harness.client, name, 2);
		// Keys on both halves of shard 0 (which is split) and on shard 1 (which is merged with the upper half).
		const keys = [
			keyIn(0n, QUARTER - 1n, 'q0a'),
			keyIn(0n, QUARTER - 1n, 'q0b'),
			keyIn(QUARTER, HALF - 1n, 'q1a'),
			keyIn(QUARTER, HALF - 1n, 'q1b'),
			keyIn(HALF, MAX_HASH_KEY, 'h1a'),
			keyIn(HALF, MAX_HASH_KEY, 'h1b'),
			keyIn(HALF, MAX_HASH_KEY, 'h1c'),
		];
		const shardsOfKey = new Map<string, string[]>(keys.map((key) => [key, []]));
		/** Per key, one write after another (each waits for the last to be acknowledged); the keys write side by side. */
		const write = (from: number, to: number) =>
			Promise.all(
				keys.map(async (key) => {
					for (let n = from; n < to; n++) {
						const put = await harness.client.send(
							new PutRecordCommand({StreamName: name, PartitionKey: key, Data: Buffer.from(`${key}:${n}`)}),
						);
						shardsOfKey.get(key)?.push(put.ShardId ?? '');
					}
				}),
			);
		/** Reshards once every key has two more writes acknowledged, while the rest of the batch is still being written. */
		const reshardDuring = async (writes: Promise<unknown>, reshard: () => Promise<unknown>) => {
			const landed = keys.map((key) => shardsOfKey.get(key)?.length ?? 0);
			while (keys.some((key, index) => (shardsOfKey.get(key)?.length ?? 0) < (landed[index] ?? 0) + 2)) {
				await new Promise((resolve) => setTimeout(resolve, 1));
			}
			await Promise.all([writes, reshard()]);
		};

		await write(0, 6);
		await reshardDuring(write(6, 20), () => split(harness.client, name, shardId(0), QUARTER));
		await write(20, 24);
		// Writes of the batch the split cut through went to the parent, then to a child.
		for (const key of keys.slice(0, 4)) {
			expect([key, new Set(shardsOfKey.get(key)?.slice(6, 20)).size]).toEqual([key, 2]);
		}
		// After the split, keys of shard 0 write to its children.
		const afterSplit = await allShards(harness.client, name);
		for (const key of keys) expect([key, shardsOfKey.get(key)?.at(-1)]).toEqual([key, holderOf(afterSplit, key)]);

		await reshardDuring(write(24, 36), () =>
			harness.client.send(new MergeShardsCommand({StreamName: name, ShardToMerge: shardId(3), AdjacentShardToMerge: shardId(1)})),
		);
		await write(36, 40);
		const afterMerge = await allShards(harness.client, name);
		expect(openShards(afterMerge).map((shard) => [shard.ShardId, shard.ParentShardId, shard.AdjacentParentShardId])).toEqual([
			[shardId(2), shardId(0), undefined],
			[shardId(4), shardId(3), shardId(1)],
		]);
		for (const key of keys) expect([key, shardsOfKey.get(key)?.at(-1)]).toEqual([key, holderOf(afterMerge, key)]);
		for (const key of keys.slice(2)) {
			expect([key, new Set(shardsOfKey.get(key)?.slice(24, 36)).size]).toEqual([key, 2]);
		}
		// Every key changed shards, so the reshards cut through each sequence: keys of shard 0's upper half went 0 → 3 → 4.
		expect(keys.map((key) => new Set(shardsOfKey.get(key)).size)).toEqual([2, 2, 3, 3, 2, 2, 2]);

		const records = await readParentsFirst(harness.client, name);
		const numbers = new Map<string, number[]>(keys.map((key) => [key, []]));
		for (const record of records) {
			const [key = '', n = ''] = text(record).split(':');
			expect(record.PartitionKey).toBe(key);
			numbers.get(key)?.push(Number(n));
		}
		const expected = Array.from({length: 40}, (_, n) => n);
		for (const key of keys) expect([key, numbers.get(key)]).toEqual([key, expected]);
		expect(records).toHaveLength(keys.length * 40);
	});
});
