import {createHash} from 'node:crypto';
import {
	type ChildShard,
	GetRecordsCommand,
	type GetRecordsCommandOutput,
	type KinesisClient,
	ListShardsCommand,
	type _Record,
	type Shard,
} from '@aws-sdk/client-kinesis';
import {expect} from 'vitest';
import {iterator} from './support.js';

/** Shard maps as the SDK returns them, checked the way a resharding consumer relies on them. */

export const MAX_HASH_KEY = (1n << 128n) - 1n;

/** MD5 of the partition key's UTF-8 bytes as an unsigned 128-bit integer: the hash key Kinesis routes by. */
export const md5 = (key: string): bigint => BigInt(`0x${createHash('md5').update(key, 'utf8').digest('hex')}`);

export const shardId = (index: number) => `shardId-${String(index).padStart(12, '0')}`;

type Ranged = Partial<Pick<Shard | ChildShard, 'HashKeyRange'>>;
export const startOf = (shard: Ranged): bigint => BigInt(shard.HashKeyRange?.StartingHashKey ?? '-1');
export const endOf = (shard: Ranged): bigint => BigInt(shard.HashKeyRange?.EndingHashKey ?? '-1');
export const isOpen = (shard: Shard): boolean => shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
export const byStart = (a: Shard, b: Shard): number => (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : 0);

/** Every shard of a stream, closed ones included, in shard id order (ListShards, following NextToken). */
export async function allShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
	const shards: Shard[] = [];
	let next: string | undefined;
	do {
		const page = await client.send(new ListShardsCommand(next ? {NextToken: next} : {StreamName: streamName}));
		shards.push(...(page.Shards ?? []));
		next = page.NextToken;
	} while (next);
	return shards;
}

/** The open shards, lowest range first. */
export const openShards = (shards: readonly Shard[]): Shard[] => shards.filter(isOpen).sort(byStart);

/** Asserts that shards tile 0..2^128-1: the first starts at 0, each starts right after the previous one ends, the last ends at 2^128-1. */
export function expectTiling(shards: readonly Shard[]): void {
	let expectedStart = 0n;
	for (const shard of [...shards].sort(byStart)) {
		expect({shard: shard.ShardId, start: startOf(shard)}).toEqual({shard: shard.ShardId, start: expectedStart});
		expect(endOf(shard)).toBeGreaterThanOrEqual(startOf(shard));
		expectedStart = endOf(shard) + 1n;
	}
	expect(expectedStart).toBe(MAX_HASH_KEY + 1n);
}

/** Asserts that a shard's range is the union of its parents' (merge) or lies inside its parent's (split). */
function expectRangeFromParents(shard: Shard, byId: ReadonlyMap<string, Shard>): void {
	const parent = byId.get(shard.ParentShardId ?? '');
	if (!parent) throw new Error(`${shard.ShardId} names parent ${shard.ParentShardId}, which the stream does not list`);
	if (shard.AdjacentParentShardId === undefined) {
		expect(startOf(shard) >= startOf(parent) && endOf(shard) <= endOf(parent), `${shard.ShardId} lies inside ${parent.ShardId}`).toBe(true);
		return;
	}
	const adjacent = byId.get(shard.AdjacentParentShardId);
	if (!adjacent) throw new Error(`${shard.ShardId} names adjacent parent ${shard.AdjacentParentShardId}, which the stream does not list`);
	expect(endOf(parent) + 1n).toBe(startOf(adjacent));
	expect([startOf(shard), endOf(shard)]).toEqual([startOf(parent), endOf(adjacent)]);
}

/**
 * Asserts that every shard's lineage leads back to one of the roots through closed parents, that each
 * child's range comes from its parents', and that a child's first sequence number is above each parent's last.
 */
export function expectLineage(shards: readonly Shard[], rootIds: readonly string[]): void {
	const byId = new Map(shards.map((shard) => [shard.ShardId ?? '', shard]));
	const visit = (shard: Shard, path: readonly string[]): void => {
		if (rootIds.includes(shard.ShardId ?? '')) {
			expect(shard.ParentShardId).toBeUndefined();
			return;
		}
		expectRangeFromParents(shard, byId);
		for (const parentId of [shard.ParentShardId, shard.AdjacentParentShardId]) {
			if (parentId === undefined) continue;
			const parent = byId.get(parentId);
			if (!parent) throw new Error(`${shard.ShardId} names parent ${parentId}, which the stream does not list`);
			expect(isOpen(parent), `${parentId} (parent of ${shard.ShardId}) is closed`).toBe(false);
			expect(BigInt(shard.SequenceNumberRange?.StartingSequenceNumber ?? '0')).toBeGreaterThan(
				BigInt(parent.SequenceNumberRange?.EndingSequenceNumber ?? '0'),
			);
			expect(path).not.toContain(parentId);
			visit(parent, [...path, parentId]);
		}
	};
	for (const shard of shards) visit(shard, [shard.ShardId ?? '']);
}

export interface ShardRead {
	readonly records: _Record[];
	/** The ChildShards of the page that ended the shard, when it is closed and was read to its end. */
	readonly childShards: ChildShard[] | undefined;
	/** Whether the last page came without a NextShardIterator. */
	readonly ended: boolean;
}

/**
 * Reads a shard from TRIM_HORIZON until GetRecords stops handing out a NextShardIterator (a closed
 * shard's end) or, for an open shard, until a page comes back empty.
 */
export async function readShard(client: KinesisClient, streamName: string, id: string): Promise<ShardRead> {
	const records: _Record[] = [];
	let next: string | undefined = await iterator(client, streamName, id, 'TRIM_HORIZON');
	while (next) {
		const page: GetRecordsCommandOutput = await client.send(new GetRecordsCommand({ShardIterator: next}));
		records.push(...(page.Records ?? []));
		if (page.NextShardIterator === undefined) return {records, childShards: page.ChildShards, ended: true};
		if ((page.Records ?? []).length === 0) return {records, childShards: page.ChildShards, ended: false};
		next = page.NextShardIterator;
	}
	throw new Error('unreachable');
}

/**
 * Reads a whole stream as a resharding-aware consumer does: a shard only after all its parents were read
 * to their end. Returns the records in that reading order.
 */
export async function readParentsFirst(client: KinesisClient, streamName: string): Promise<_Record[]> {
	return readShardsParentsFirst(client, streamName, await allShards(client, streamName));
}

/** The same, over shards already listed; a parent no longer listed (past retention) holds nothing to wait for. */
export async function readShardsParentsFirst(client: KinesisClient, streamName: string, shards: readonly Shard[]): Promise<_Record[]> {
	const listed = new Set(shards.map((shard) => shard.ShardId ?? ''));
	const finished = new Set<string>();
	const out: _Record[] = [];
	while (finished.size < shards.length) {
		const ready = shards.filter(
			(shard) =>
				!finished.has(shard.ShardId ?? '') &&
				[shard.ParentShardId, shard.AdjacentParentShardId].every(
					(parent) => parent === undefined || !listed.has(parent) || finished.has(parent),
				),
		);
		if (ready.length === 0) throw new Error('no shard is ready to read: the lineage has a cycle');
		for (const shard of ready) {
			const read = await readShard(client, streamName, shard.ShardId ?? '');
			// A parent must be read to its end before its children are started.
			expect(read.ended || isOpen(shard), `${shard.ShardId} was read to its end`).toBe(true);
			out.push(...read.records);
			finished.add(shard.ShardId ?? '');
		}
	}
	return out;
}
