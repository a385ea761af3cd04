import {
	CreateStreamCommand,
	DescribeStreamCommand,
	DescribeStreamSummaryCommand,
	type KinesisClient,
	MergeShardsCommand,
	PutRecordCommand,
	PutRecordsCommand,
	type Shard,
	SplitShardCommand,
	UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, FakeClock, arnOf, createStream, expectError, transports, uniqueName, useEngine} from './support.js';
import {MAX_HASH_KEY, allShards, endOf, expectLineage, expectTiling, isOpen, md5, openShards, shardId, startOf} from './shardMaps.js';

const UPDATE_MS = 2_000;

const notActive = (name: string, state: string) => `Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state ${state}`;
const alreadyResharded = (name: string, shard: string) =>
	`Shard ${shard} in stream ${name} under account ${ACCOUNT} has already been merged or split, and thus is not eligible for merging or splitting.`;
const badSplitPoint = (name: string, shard: string, key: bigint, start: bigint, end: bigint) =>
	`NewStartingHashKey ${key} used in SplitShard() on shard ${shard} in stream ${name} under account ${ACCOUNT} ` +
	`is not both greater than one plus the shard's StartingHashKey ${start} and less than the shard's EndingHashKey ${end}.`;
const notAdjacent = (name: string, a: string, b: string) =>
	`Shards ${a} and ${b} in stream ${name} under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging`;
const missingShard = (name: string, shard: string) => `Could not find shard ${shard} in stream ${name} under account ${ACCOUNT}.`;

const split = (client: KinesisClient, name: string, shard: string, key: bigint) =>
	client.send(new SplitShardCommand({StreamName: name, ShardToSplit: shard, NewStartingHashKey: String(key)}));
const merge = (client: KinesisClient, name: string, shard: string, adjacent: string) =>
	client.send(new MergeShardsCommand({StreamName: name, ShardToMerge: shard, AdjacentShardToMerge: adjacent}));
const scale = (client: KinesisClient, name: string, target: number) =>
	client.send(new UpdateShardCountCommand({StreamName: name, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING'}));

const endingSequence = (shard: Shard) => BigInt(shard.SequenceNumberRange?.EndingSequenceNumber ?? 'NaN');
const startingSequence = (shard: Shard) => BigInt(shard.SequenceNumberRange?.StartingSequenceNumber ?? 'NaN');

describe.each(transports)('SplitShard and MergeShards over %s', (transport) => {
	const clock = new FakeClock();
	const harness = useEngine(transport, {updateStreamMs: UPDATE_MS, now: clock.now});
	const status = async (name: string) =>
		(await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary?.StreamStatus;
	/** Lets the UPDATING a change started run out. */
	const settle = () => clock.advance(UPDATE_MS);

	it('closes the parent and opens two children that tile its range exactly', async () => {
		const name = uniqueName('split');
		await createStream(harness.client, name, 1);
		const puts = [];
		for (const key of ['a', 'b', 'c', 'd']) {
			puts.push(await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: key, Data: Buffer.from(key)})));
			clock.advance(1);
		}
		const splitAt = 1n << 127n;
		await split(harness.client, name, shardId(0), splitAt);

		const {StreamDescription: description} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));
		expect(description?.StreamStatus).toBe('UPDATING');
		const shards = description?.Shards ?? [];
		expect(shards.map((shard) => shard.ShardId)).toEqual([shardId(0), shardId(1), shardId(2)]);
		const [parent, lower, upper] = shards as [Shard, Shard, Shard];

		expect(parent.HashKeyRange).toEqual({StartingHashKey: '0', EndingHashKey: String(MAX_HASH_KEY)});
		expect(parent.SequenceNumberRange?.EndingSequenceNumber).toMatch(/^\d+$/);
		// The parent's last number is at or above every record written to it.
		for (const put of puts) expect(BigInt(put.SequenceNumber ?? 'NaN')).toBeLessThanOrEqual(endingSequence(parent));

		expect(lower).toMatchObject({ParentShardId: shardId(0), HashKeyRange: {StartingHashKey: '0', EndingHashKey: String(splitAt - 1n)}});
		expect(upper).toMatchObject({
			ParentShardId: shardId(0),
			HashKeyRange: {StartingHashKey: String(splitAt), EndingHashKey: String(MAX_HASH_KEY)},
		});
		for (const child of [lower, upper]) {
			expect(child.AdjacentParentShardId).toBeUndefined();
			expect(child.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
			expect(startingSequence(child)).toBeGreaterThan(endingSequence(parent));
		}

		// ListShards shows the same map.
		expect(await allShards(harness.client, name)).toEqual(shards);
		const {StreamDescriptionSummary: summary} = await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}));
		expect(summary?.OpenShardCount).toBe(2);
	});

	it('splits at any key strictly inside the range, leaving children that tile the parent', async () => {
		const name = uniqueName('split-anywhere');
		const [, middle] = await createStream(harness.client, name, 3);
		if (!middle) throw new Error('no middle shard');
		const start = startOf(middle);
		const end = endOf(middle);
		const at = start + 12_345_678_901_234_567_890n;
		await split(harness.client, name, shardId(1), at);
		settle();
		let shards = await allShards(harness.client, name);
		expect(shards.slice(3).map((shard) => [shard.ShardId, shard.ParentShardId, startOf(shard), endOf(shard)])).toEqual([
			[shardId(3), shardId(1), start, at - 1n],
			[shardId(4), shardId(1), at, end],
		]);
		expectTiling(openShards(shards));

		// The narrowest splits AWS allows: the key two above the start, and the key one below the end.
		await split(harness.client, name, shardId(3), start + 2n);
		settle();
		await split(harness.client, name, shardId(4), end - 1n);
		settle();
		shards = await allShards(harness.client, name);
		expect(shards.slice(5).map((shard) => [shard.ShardId, shard.ParentShardId, startOf(shard), endOf(shard)])).toEqual([
			[shardId(5), shardId(3), start, start + 1n],
			[shardId(6), shardId(3), start + 2n, at - 1n],
			[shardId(7), shardId(4), at, end - 2n],
			[shardId(8), shardId(4), end - 1n, end],
		]);
		expectTiling(openShards(shards));
		expectLineage(shards, [shardId(0), shardId(1), shardId(2)]);
	});

	it('is UPDATING for updateStreamMs, refusing every other reshard meanwhile, then ACTIVE', async () => {
		const name = uniqueName('updating');
		await createStream(harness.client, name, 2);
		await split(harness.client, name, shardId(0), 1n << 126n);
		expect(await status(name)).toBe('UPDATING');

		await expectError(split(harness.client, name, shardId(1), 3n << 126n), 'ResourceInUseException', notActive(name, 'UPDATING'));
		await expectError(split(harness.client, name, shardId(2), 1n << 125n), 'ResourceInUseException', notActive(name, 'UPDATING'));
		await expectError(merge(harness.client, name, shardId(2), shardId(3)), 'ResourceInUseException', notActive(name, 'UPDATING'));
		await expectError(scale(harness.client, name, 4), 'ResourceInUseException', notActive(name, 'UPDATING'));
		// Reads and writes go on while UPDATING, as on AWS; new records go to the children at once here (AWS, as
		// kinesalite recorded it, keeps writing to the parents until ACTIVE: see the README, Reliability).
		const put = await harness.client.send(
			new PutRecordCommand({StreamName: name, PartitionKey: 'x', ExplicitHashKey: '0', Data: Buffer.from('x')}),
		);
		expect(put.ShardId).toBe(shardId(2));

		clock.advance(UPDATE_MS - 1);
		expect(await status(name)).toBe('UPDATING');
		clock.advance(1);
		expect(await status(name)).toBe('ACTIVE');
		// None of the refused calls changed anything.
		const shards = await allShards(harness.client, name);
		expect(shards.map((shard) => [shard.ShardId, isOpen(shard)])).toEqual([
			[shardId(0), false],
			[shardId(1), true],
			[shardId(2), true],
			[shardId(3), true],
		]);
		await split(harness.client, name, shardId(1), 3n << 126n);
		expect(await status(name)).toBe('UPDATING');
	});

	it('refuses to split a shard that was already split or merged', async () => {
		const name = uniqueName('resplit');
		await createStream(harness.client, name, 2);
		await split(harness.client, name, shardId(0), 1n << 126n);
		settle();
		await expectError(split(harness.client, name, shardId(0), 1n << 125n), 'InvalidArgumentException', alreadyResharded(name, shardId(0)));
		await merge(harness.client, name, shardId(3), shardId(1));
		settle();
		for (const closed of [shardId(3), shardId(1)]) {
			await expectError(split(harness.client, name, closed, (1n << 127n) + 5n), 'InvalidArgumentException', alreadyResharded(name, closed));
		}
	});

	it("refuses a NewStartingHashKey that is not above the shard's start plus one and below its end", async () => {
		const name = uniqueName('split-bounds');
		const shards = await createStream(harness.client, name, 2);
		for (const [index, shard] of shards.entries()) {
			const start = startOf(shard);
			const end = endOf(shard);
			const refused = [start, start + 1n, end, ...(index === 0 ? [end + 1n, end + 1000n] : [])];
			if (index === 1) refused.push(0n, start - 1n);
			for (const key of refused) {
				await expectError(
					split(harness.client, name, shardId(index), key),
					'InvalidArgumentException',
					badSplitPoint(name, shardId(index), key, start, end),
				);
			}
		}
		expect((await allShards(harness.client, name)).every(isOpen)).toBe(true);
		expect(await status(name)).toBe('ACTIVE');
	});

	it('refuses a shard the stream does not have, and a stream that does not exist', async () => {
		const name = uniqueName('split-missing');
		await createStream(harness.client, name, 2);
		await expectError(split(harness.client, name, shardId(2), 1n), 'ResourceNotFoundException', missingShard(name, shardId(2)));
		await expectError(split(harness.client, name, shardId(99), 1n), 'ResourceNotFoundException', missingShard(name, shardId(99)));
		await expectError(merge(harness.client, name, shardId(1), shardId(7)), 'ResourceNotFoundException', missingShard(name, shardId(7)));
		await expectError(merge(harness.client, name, shardId(9), shardId(1)), 'ResourceNotFoundException', missingShard(name, shardId(9)));
		const absent = uniqueName('absent');
		const notFound = `Stream ${absent} under account ${ACCOUNT} not found.`;
		await expectError(split(harness.client, absent, shardId(0), 1n << 127n), 'ResourceNotFoundException', notFound);
		await expectError(merge(harness.client, absent, shardId(0), shardId(1)), 'ResourceNotFoundException', notFound);
		await expectError(scale(harness.client, absent, 2), 'ResourceNotFoundException', notFound);
	});

	it('merges an adjacent pair into one child with both parents and the union of their ranges', async () => {
		const name = uniqueName('merge');
		const created = await createStream(harness.client, name, 3);
		await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'p', ExplicitHashKey: '0', Data: Buffer.from('in 0')}));
		const last = await harness.client.send(
			new PutRecordCommand({
				StreamName: name,
				PartitionKey: 'p',
				ExplicitHashKey: String(endOf(created[1] ?? {})),
				Data: Buffer.from('in 1'),
			}),
		);
		await merge(harness.client, name, shardId(0), shardId(1));
		expect(await status(name)).toBe('UPDATING');

		const shards = await allShards(harness.client, name);
		expect(shards).toHaveLength(4);
		const [first, second, third, child] = shards as [Shard, Shard, Shard, Shard];
		expect(child).toMatchObject({
			ShardId: shardId(3),
			ParentShardId: shardId(0),
			AdjacentParentShardId: shardId(1),
			HashKeyRange: {StartingHashKey: '0', EndingHashKey: String(endOf(second))},
		});
		expect(isOpen(child)).toBe(true);
		for (const parent of [first, second]) {
			expect(isOpen(parent)).toBe(false);
			expect(startingSequence(child)).toBeGreaterThan(endingSequence(parent));
		}
		expect(BigInt(last.SequenceNumber ?? 'NaN')).toBeLessThanOrEqual(endingSequence(second));
		expect(isOpen(third)).toBe(true);
		expectTiling(openShards(shards));
		expectLineage(shards, [shardId(0), shardId(1), shardId(2)]);

		settle();
		expect(await status(name)).toBe('ACTIVE');
		// The child merges on with its neighbour; lineage of lineage.
		await merge(harness.client, name, shardId(3), shardId(2));
		settle();
		const merged = await allShards(harness.client, name);
		expect(
			openShards(merged).map((shard) => [shard.ShardId, shard.ParentShardId, shard.AdjacentParentShardId, startOf(shard), endOf(shard)]),
		).toEqual([[shardId(4), shardId(3), shardId(2), 0n, MAX_HASH_KEY]]);
		expectLineage(merged, [shardId(0), shardId(1), shardId(2)]);
	});

	it('refuses shards that are not adjacent, the adjacent pair inverted, and one shard twice', async () => {
		const name = uniqueName('merge-refused');
		await createStream(harness.client, name, 3);
		const refused: Array<[string, string]> = [
			[shardId(0), shardId(2)],
			[shardId(2), shardId(0)],
			[shardId(1), shardId(0)],
			[shardId(2), shardId(1)],
			[shardId(1), shardId(1)],
		];
		for (const [shard, adjacent] of refused) {
			await expectError(merge(harness.client, name, shard, adjacent), 'InvalidArgumentException', notAdjacent(name, shard, adjacent));
		}
		expect((await allShards(harness.client, name)).every(isOpen)).toBe(true);
		expect(await status(name)).toBe('ACTIVE');
	});

	it('refuses to merge a closed shard, whichever side it is on', async () => {
		const name = uniqueName('merge-closed');
		await createStream(harness.client, name, 2);
		await split(harness.client, name, shardId(1), 3n << 126n);
		settle();
		// shardId-000000000002 now starts where shardId-000000000001 started: adjacent to shard 0 by range, but shard 1 is closed.
		await expectError(merge(harness.client, name, shardId(0), shardId(1)), 'InvalidArgumentException', alreadyResharded(name, shardId(1)));
		await expectError(merge(harness.client, name, shardId(1), shardId(3)), 'InvalidArgumentException', alreadyResharded(name, shardId(1)));
		await merge(harness.client, name, shardId(0), shardId(2));
		settle();
		await expectError(merge(harness.client, name, shardId(4), shardId(2)), 'InvalidArgumentException', alreadyResharded(name, shardId(2)));
		await expectError(merge(harness.client, name, shardId(0), shardId(4)), 'InvalidArgumentException', alreadyResharded(name, shardId(0)));
		await merge(harness.client, name, shardId(4), shardId(3));
		settle();
		expect(openShards(await allShards(harness.client, name)).map((shard) => shard.ShardId)).toEqual([shardId(5)]);
	});

	it('answers UpdateShardCount with the counts and the stream, and is UPDATING until done', async () => {
		const name = uniqueName('scale-answer');
		await createStream(harness.client, name, 3);
		const answer = await scale(harness.client, name, 5);
		expect(answer).toMatchObject({StreamName: name, StreamARN: arnOf(name), CurrentShardCount: 3, TargetShardCount: 5});
		expect(await status(name)).toBe('UPDATING');
		await expectError(scale(harness.client, name, 4), 'ResourceInUseException', notActive(name, 'UPDATING'));
		settle();
		expect(await status(name)).toBe('ACTIVE');
		const {StreamDescriptionSummary: summary} = await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}));
		expect(summary?.OpenShardCount).toBe(5);
	});
});

describe.each(transports)('UpdateShardCount over %s', (transport) => {
	const clock = new FakeClock();
	const harness = useEngine(transport, {updateStreamMs: UPDATE_MS, now: clock.now});
	const settle = () => clock.advance(UPDATE_MS);

	/**
	 * Asserts the open shards are `target` equal ranges tiling the key space, all descended from the roots:
	 * each cut where CreateStream cuts (multiples of 2^128 / target, rounded down), or on an existing
	 * boundary within 2^32 keys of it, which a reshard keeps rather than cutting a sliver (reshard.ts).
	 */
	async function expectUniform(name: string, target: number, roots: readonly string[]) {
		const shards = await allShards(harness.client, name);
		const open = openShards(shards);
		expect(open).toHaveLength(target);
		expectTiling(open);
		const step = (MAX_HASH_KEY + 1n) / BigInt(target);
		const offCut = open.map((shard, index) => {
			const distance = startOf(shard) - step * BigInt(index);
			return distance < 0n ? -distance : distance;
		});
		expect(offCut.filter((distance) => distance > 1n << 32n)).toEqual([]);
		expectLineage(shards, roots);
		return open;
	}

	it('scales uniformly up and down: 3→5, 5→3, 4→2, 2→4, 1→2, 2→1, 4→7, 6→3', async () => {
		for (const [from, to] of [
			[3, 5],
			[5, 3],
			[4, 2],
			[2, 4],
			[1, 2],
			[2, 1],
			[4, 7],
			[6, 3],
		] as const) {
			const name = uniqueName(`scale-${from}-${to}`);
			const created = await createStream(harness.client, name, from);
			const answer = await scale(harness.client, name, to);
			expect(answer).toMatchObject({CurrentShardCount: from, TargetShardCount: to});
			settle();
			const open = await expectUniform(
				name,
				to,
				created.map((shard) => shard.ShardId ?? ''),
			);
			// Records written now are routed by the new map.
			const keys = Array.from({length: 60}, (_, index) => `scaled-${index}`);
			const batch = await harness.client.send(
				new PutRecordsCommand({StreamName: name, Records: keys.map((key) => ({PartitionKey: key, Data: Buffer.from(key)}))}),
			);
			expect(batch.Records?.map((result) => result.ShardId)).toEqual(
				keys.map((key) => open.find((shard) => startOf(shard) <= md5(key) && md5(key) <= endOf(shard))?.ShardId),
			);
			expect(new Set(batch.Records?.map((result) => result.ShardId)).size).toBe(to);
		}
	});

	it('scales the same stream again and again, each time from the open shards', async () => {
		const name = uniqueName('rescale');
		const created = await createStream(harness.client, name, 2);
		const roots = created.map((shard) => shard.ShardId ?? '');
		for (const target of [3, 6, 4, 2, 1]) {
			await scale(harness.client, name, target);
			settle();
			await expectUniform(name, target, roots);
		}
	});

	it('refuses more than double or less than half the open shards', async () => {
		const name = uniqueName('scale-bounds');
		await createStream(harness.client, name, 5);
		const up = (target: number) =>
			`UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 5 Target shard count: ${target}`;
		const down = (target: number) =>
			`UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 5 Target shard count: ${target}`;
		await expectError(scale(harness.client, name, 11), 'LimitExceededException', up(11));
		await expectError(scale(harness.client, name, 100), 'LimitExceededException', up(100));
		await expectError(scale(harness.client, name, 2), 'LimitExceededException', down(2));
		await expectError(scale(harness.client, name, 1), 'LimitExceededException', down(1));
		expect(openShards(await allShards(harness.client, name))).toHaveLength(5);

		// The bounds count open shards only, not the closed ones a reshard leaves behind.
		await scale(harness.client, name, 10);
		settle();
		await expectError(
			scale(harness.client, name, 21),
			'LimitExceededException',
			'UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 10 Target shard count: 21',
		);
		await scale(harness.client, name, 5);
		settle();
		expect(openShards(await allShards(harness.client, name))).toHaveLength(5);
	});

	it('allows 10 scalings per stream in a rolling 24 hours', async () => {
		const name = uniqueName('scale-rate');
		const other = uniqueName('scale-rate-other');
		await createStream(harness.client, name, 1);
		await createStream(harness.client, other, 1);
		const tooMany = `Exceeded the limit of 10 UpdateShardCount operations per rolling 24 hours for stream ${name} under account ${ACCOUNT}.`;
		const startedAt = clock.ms;
		// One scaling every 2 * UPDATE_MS.
		for (let call = 0; call < 10; call++) {
			await scale(harness.client, name, call % 2 === 0 ? 2 : 1);
			clock.advance(2 * UPDATE_MS);
		}
		await expectError(scale(harness.client, name, 2), 'LimitExceededException', tooMany);
		// Another stream has its own count.
		await scale(harness.client, other, 2);
		settle();

		// The first scaling leaves the window 24 hours after it ran, the second one 2 * UPDATE_MS later.
		clock.ms = startedAt + 86_400_000 - 1;
		await expectError(scale(harness.client, name, 2), 'LimitExceededException', tooMany);
		clock.ms = startedAt + 86_400_000;
		await scale(harness.client, name, 2);
		settle();
		await expectError(scale(harness.client, name, 1), 'LimitExceededException', tooMany);
		clock.ms = startedAt + 86_400_000 + 2 * UPDATE_MS;
		await scale(harness.client, name, 1);
		settle();
		expect(openShards(await allShards(harness.client, name))).toHaveLength(1);
	});

	it('refuses an ON_DEMAND stream', async () => {
		const name = uniqueName('scale-on-demand');
		await harness.client.send(new CreateStreamCommand({StreamName: name, StreamModeDetails: {StreamMode: 'ON_DEMAND'}}));
		await expectError(
			scale(harness.client, name, 8),
			'ValidationException',
			`UpdateShardCount is not supported for stream ${name} under account ${ACCOUNT}: its capacity mode is ON_DEMAND.`,
		);
		expect(openShards(await allShards(harness.client, name))).toHaveLength(4);
	});
});
