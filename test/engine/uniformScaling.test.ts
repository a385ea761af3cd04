import {DescribeStreamSummaryCommand, type KinesisClient, UpdateShardCountCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {FakeClock, createStream, uniqueName, useEngine} from './support.js';
import {MAX_HASH_KEY, allShards, endOf, expectLineage, expectTiling, isOpen, openShards, shardId, startOf} from './shardMaps.js';

const UPDATE_MS = 2_000;

const scale = (client: KinesisClient, name: string, target: number) =>
	client.send(new UpdateShardCountCommand({StreamName: name, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING'}));

/**
 * The shards AWS closes scaling `from` evenly cut shards to `to` (reshard.ts cites the sources): each
 * old shard is split once at each new boundary inside it (S splits, two children each), and the pieces of
 * each new range are merged pairwise (M merges, one child each). Boundaries meet where k/to = i/from.
 * Closed shards: the old ones, and every child that is not one of the `to` open shards.
 */
function expectedClosed(from: number, to: number): number {
	let splits = 0;
	let merges = 0;
	for (let k = 0; k < to; k++) {
		if (k > 0 && (k * from) % to !== 0) splits++;
		const first = Math.floor((k * from) / to);
		const last = Math.ceil(((k + 1) * from) / to) - 1;
		merges += last - first;
	}
	return from + 2 * splits + merges - to;
}

describe('UpdateShardCount leaves the shards AWS leaves', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {updateStreamMs: UPDATE_MS, now: clock.now, shardLimit: 10_000});

	/** Waits for the stream to turn ACTIVE: a big scaling goes on after the call returns, as on AWS. */
	async function scaled(name: string): Promise<void> {
		clock.advance(UPDATE_MS);
		for (let tries = 0; tries < 3000; tries++) {
			const {StreamDescriptionSummary: summary} = await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}));
			if (summary?.StreamStatus === 'ACTIVE') return;
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		throw new Error(`${name} is still UPDATING`);
	}

	it.each([
		[1, 2],
		[2, 4],
		[4, 2],
		[3, 5],
		[5, 3],
		[4, 3],
		[6, 3],
		[100, 200],
		[200, 100],
		[1000, 2000],
	])('%i → %i shards', async (from, to) => {
		const name = uniqueName(`uniform-${from}-${to}`);
		await createStream(harness.client, name, from);
		const roots = (await allShards(harness.client, name)).map((shard) => shard.ShardId ?? '');
		await scale(harness.client, name, to);
		await scaled(name);
		const shards = await allShards(harness.client, name);
		const open = openShards(shards);
		expect(open).toHaveLength(to);
		expectTiling(open);
		expectLineage(shards, roots);
		expect(shards.filter((shard) => !isOpen(shard))).toHaveLength(expectedClosed(from, to));
		// Equal ranges: each within 2^32 keys (2^-96 of the key space) of CreateStream's cut.
		const step = (MAX_HASH_KEY + 1n) / BigInt(to);
		for (const [index, shard] of open.entries()) {
			const off = startOf(shard) - step * BigInt(index);
			expect(off < 0n ? -off : off).toBeLessThanOrEqual(1n << 32n);
			expect(endOf(shard) - startOf(shard)).toBeGreaterThan(step - (1n << 33n));
		}
	});

	it('splits and merges in the order AWS does, 4 → 3 leaving shards 6, 9 and 10 open', async () => {
		const name = uniqueName('uniform-4-3-ids');
		await createStream(harness.client, name, 4);
		await scale(harness.client, name, 3);
		await scaled(name);
		const shards = await allShards(harness.client, name);
		expect(openShards(shards).map((shard) => shard.ShardId)).toEqual([shardId(6), shardId(9), shardId(10)]);
		const parents = (id: string) => {
			const shard = shards.find((candidate) => candidate.ShardId === id);
			return [shard?.ParentShardId, shard?.AdjacentParentShardId];
		};
		expect([parents(shardId(6)), parents(shardId(9)), parents(shardId(10))]).toEqual([
			[shardId(0), shardId(4)],
			[shardId(5), shardId(7)],
			[shardId(8), shardId(3)],
		]);
	});
});
