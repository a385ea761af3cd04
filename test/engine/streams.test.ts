import {
	AddTagsToStreamCommand,
	CreateStreamCommand,
	DeleteStreamCommand,
	DescribeStreamCommand,
	DescribeStreamSummaryCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	ListShardsCommand,
	ListStreamsCommand,
	ListTagsForStreamCommand,
	PutRecordCommand,
	PutRecordsCommand,
	RemoveTagsFromStreamCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, FakeClock, arnOf, createStream, expectError, rejection, text, transports, uniqueName, useEngine} from './support.js';

const MAX_HASH_KEY = (1n << 128n) - 1n;
const notFound = (name: string) => `Stream ${name} under account ${ACCOUNT} not found.`;

describe.each(transports)('streams over %s', (transport) => {
	const harness = useEngine(transport);

	it('creates a provisioned stream and describes it as AWS does', async () => {
		const name = uniqueName('described');
		const before = Date.now();
		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 3}));
		const {StreamDescription: description} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));

		expect(description).toMatchObject({
			StreamName: name,
			StreamARN: arnOf(name),
			StreamStatus: 'ACTIVE',
			StreamModeDetails: {StreamMode: 'PROVISIONED'},
			RetentionPeriodHours: 24,
			EncryptionType: 'NONE',
			HasMoreShards: false,
			EnhancedMonitoring: [{ShardLevelMetrics: []}],
		});
		const created = description?.StreamCreationTimestamp?.getTime() ?? 0;
		expect(created).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
		expect(created).toBeLessThanOrEqual(Date.now());

		// The hash ranges AWS gives a new 3-shard stream.
		expect(
			description?.Shards?.map((shard) => [shard.ShardId, shard.HashKeyRange?.StartingHashKey, shard.HashKeyRange?.EndingHashKey]),
		).toEqual([
			['shardId-000000000000', '0', '113427455640312821154458202477256070484'],
			['shardId-000000000001', '113427455640312821154458202477256070485', '226854911280625642308916404954512140969'],
			['shardId-000000000002', '226854911280625642308916404954512140970', '340282366920938463463374607431768211455'],
		]);
		for (const shard of description?.Shards ?? []) {
			expect(shard.SequenceNumberRange?.StartingSequenceNumber).toMatch(/^\d+$/);
			expect(shard.SequenceNumberRange?.EndingSequenceNumber).toBeUndefined();
			expect(shard.ParentShardId).toBeUndefined();
		}
	});

	it('splits the hash key space evenly for two shards, at 2^127', async () => {
		const shards = await createStream(harness.client, uniqueName('halves'), 2);
		expect(shards.map((shard) => shard.HashKeyRange)).toEqual([
			{StartingHashKey: '0', EndingHashKey: '170141183460469231731687303715884105727'},
			{StartingHashKey: '170141183460469231731687303715884105728', EndingHashKey: '340282366920938463463374607431768211455'},
		]);
	});

	it('tiles the whole hash key space with contiguous ranges for any shard count', async () => {
		for (const count of [1, 5, 7, 16]) {
			const shards = await createStream(harness.client, uniqueName('tiles'), count);
			expect(shards).toHaveLength(count);
			const step = (MAX_HASH_KEY + 1n) / BigInt(count);
			let expectedStart = 0n;
			for (const [index, shard] of shards.entries()) {
				expect(shard.ShardId).toBe(`shardId-${String(index).padStart(12, '0')}`);
				expect(BigInt(shard.HashKeyRange?.StartingHashKey ?? '-1')).toBe(expectedStart);
				const end = BigInt(shard.HashKeyRange?.EndingHashKey ?? '-1');
				expect(end).toBe(index === count - 1 ? MAX_HASH_KEY : step * BigInt(index + 1) - 1n);
				expectedStart = end + 1n;
			}
		}
	});

	it('gives an ON_DEMAND stream 4 shards', async () => {
		const name = uniqueName('on-demand');
		await harness.client.send(new CreateStreamCommand({StreamName: name, StreamModeDetails: {StreamMode: 'ON_DEMAND'}}));
		const {StreamDescription: description} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));
		expect(description?.StreamModeDetails).toEqual({StreamMode: 'ON_DEMAND'});
		const quarter = (MAX_HASH_KEY + 1n) / 4n;
		expect(description?.Shards?.map((shard) => shard.HashKeyRange?.StartingHashKey)).toEqual([
			'0',
			String(quarter),
			String(2n * quarter),
			String(3n * quarter),
		]);
		const {StreamDescriptionSummary: summary} = await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}));
		expect(summary?.OpenShardCount).toBe(4);
	});

	it('summarises a stream with DescribeStreamSummary', async () => {
		const name = uniqueName('summary');
		await createStream(harness.client, name, 5);
		const {StreamDescriptionSummary: summary} = await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}));
		expect(summary).toMatchObject({
			StreamName: name,
			StreamARN: arnOf(name),
			StreamStatus: 'ACTIVE',
			StreamModeDetails: {StreamMode: 'PROVISIONED'},
			RetentionPeriodHours: 24,
			EncryptionType: 'NONE',
			OpenShardCount: 5,
			ConsumerCount: 0,
			EnhancedMonitoring: [{ShardLevelMetrics: []}],
		});
		expect(summary?.StreamCreationTimestamp).toBeInstanceOf(Date);
	});

	it('lists streams by name and with summaries', async () => {
		const names = [uniqueName('listed-b'), uniqueName('listed-a')];
		for (const name of names) await createStream(harness.client, name);
		const listed = await harness.client.send(new ListStreamsCommand({}));
		expect(listed.HasMoreStreams).toBe(false);
		expect(listed.NextToken).toBeUndefined();
		const streamNames = listed.StreamNames ?? [];
		expect(streamNames).toEqual(expect.arrayContaining(names));
		expect(streamNames).toEqual([...streamNames].sort());
		const summary = listed.StreamSummaries?.find((candidate) => candidate.StreamName === names[0]);
		expect(summary).toMatchObject({
			StreamName: names[0],
			StreamARN: arnOf(names[0] ?? ''),
			StreamStatus: 'ACTIVE',
			StreamModeDetails: {StreamMode: 'PROVISIONED'},
		});
		expect(summary?.StreamCreationTimestamp).toBeInstanceOf(Date);
		expect(listed.StreamSummaries?.map((entry) => entry.StreamName)).toEqual(streamNames);
	});

	it('deletes a stream: it leaves the listing and every operation then reports it missing', async () => {
		const name = uniqueName('deleted');
		await createStream(harness.client, name);
		await harness.client.send(new DeleteStreamCommand({StreamName: name}));
		const listed = await harness.client.send(new ListStreamsCommand({}));
		expect(listed.StreamNames).not.toContain(name);
		await expectError(harness.client.send(new DescribeStreamCommand({StreamName: name})), 'ResourceNotFoundException', notFound(name));
		await expectError(
			harness.client.send(new DescribeStreamSummaryCommand({StreamName: name})),
			'ResourceNotFoundException',
			notFound(name),
		);
		await expectError(harness.client.send(new DeleteStreamCommand({StreamName: name})), 'ResourceNotFoundException', notFound(name));
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'a', Data: Buffer.from('x')})),
			'ResourceNotFoundException',
			notFound(name),
		);
		// The name is free again.
		expect(await createStream(harness.client, name, 2)).toHaveLength(2);
	});

	it('refuses to create a stream that exists', async () => {
		const name = uniqueName('twice');
		await createStream(harness.client, name);
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1})),
			'ResourceInUseException',
			`Stream ${name} under account ${ACCOUNT} already exists.`,
		);
	});

	it('lets exactly one of two concurrent creates of one name succeed', async () => {
		const name = uniqueName('race');
		const results = await Promise.allSettled(
			[1, 2].map((shards) => harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: shards}))),
		);
		expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
		const [failed] = results.filter((result) => result.status === 'rejected');
		expect(failed?.status === 'rejected' && (failed.reason as Error).name).toBe('ResourceInUseException');
	});

	it('reports missing streams with AWS message text', async () => {
		const name = uniqueName('missing');
		await expectError(harness.client.send(new DescribeStreamCommand({StreamName: name})), 'ResourceNotFoundException', notFound(name));
		await expectError(harness.client.send(new ListShardsCommand({StreamName: name})), 'ResourceNotFoundException', notFound(name));
		await expectError(
			harness.client.send(new GetShardIteratorCommand({StreamName: name, ShardId: 'shardId-0', ShardIteratorType: 'LATEST'})),
			'ResourceNotFoundException',
			// AWS names the shard, as it spells it, though the stream is missing too (kinesalite's suite, test/getShardIterator.js).
			`Shard shardId-000000000000 in stream ${name} under account ${ACCOUNT} does not exist`,
		);
		await expectError(
			harness.client.send(new PutRecordsCommand({StreamName: name, Records: [{PartitionKey: 'a', Data: Buffer.from('x')}]})),
			'ResourceNotFoundException',
			notFound(name),
		);
	});

	it('reports a shard the stream does not have', async () => {
		const name = uniqueName('no-shard');
		await createStream(harness.client, name, 2);
		await expectError(
			harness.client.send(new GetShardIteratorCommand({StreamName: name, ShardId: 'shardId-000000000002', ShardIteratorType: 'LATEST'})),
			'ResourceNotFoundException',
			`Shard shardId-000000000002 in stream ${name} under account ${ACCOUNT} does not exist`,
		);
	});

	it('accepts StreamARN wherever StreamName is accepted', async () => {
		const name = uniqueName('by-arn');
		await createStream(harness.client, name, 2);
		const StreamARN = arnOf(name);

		const {StreamDescription} = await harness.client.send(new DescribeStreamCommand({StreamARN}));
		expect(StreamDescription?.StreamName).toBe(name);
		const {StreamDescriptionSummary} = await harness.client.send(new DescribeStreamSummaryCommand({StreamARN}));
		expect(StreamDescriptionSummary?.StreamName).toBe(name);
		const {Shards} = await harness.client.send(new ListShardsCommand({StreamARN}));
		expect(Shards).toHaveLength(2);

		const put = await harness.client.send(new PutRecordCommand({StreamARN, PartitionKey: 'a', Data: Buffer.from('one')}));
		const batch = await harness.client.send(new PutRecordsCommand({StreamARN, Records: [{PartitionKey: 'a', Data: Buffer.from('two')}]}));
		expect(batch.Records?.[0]?.ShardId).toBe(put.ShardId);
		const {ShardIterator} = await harness.client.send(
			new GetShardIteratorCommand({StreamARN, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON'}),
		);
		const read = await harness.client.send(new GetRecordsCommand({StreamARN, ShardIterator}));
		expect(read.Records?.map(text)).toEqual(['one', 'two']);

		await harness.client.send(new AddTagsToStreamCommand({StreamARN, Tags: {team: 'data'}}));
		expect((await harness.client.send(new ListTagsForStreamCommand({StreamARN}))).Tags).toEqual([{Key: 'team', Value: 'data'}]);
		await harness.client.send(new RemoveTagsFromStreamCommand({StreamARN, TagKeys: ['team']}));
		expect((await harness.client.send(new ListTagsForStreamCommand({StreamName: name}))).Tags).toEqual([]);

		// Both names, when they agree, are accepted too.
		expect(
			(await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name, StreamARN}))).StreamDescriptionSummary?.StreamName,
		).toBe(name);

		await harness.client.send(new DeleteStreamCommand({StreamARN}));
		await expectError(harness.client.send(new DescribeStreamCommand({StreamName: name})), 'ResourceNotFoundException', notFound(name));
	});

	it('refuses a StreamARN that disagrees with StreamName or names another region', async () => {
		const name = uniqueName('arn-mismatch');
		await createStream(harness.client, name);
		const mismatch = await rejection(harness.client.send(new DescribeStreamSummaryCommand({StreamName: 'other', StreamARN: arnOf(name)})));
		expect(mismatch.name).toBe('InvalidArgumentException');
		const elsewhere = arnOf(name, 'eu-west-1');
		await expectError(
			harness.client.send(new DescribeStreamSummaryCommand({StreamARN: elsewhere})),
			'ResourceNotFoundException',
			`Stream ${elsewhere} under account ${ACCOUNT} not found.`,
		);
	});
});

describe.each(transports)('stream status over %s', (transport) => {
	const clock = new FakeClock();
	const harness = useEngine(transport, {createStreamMs: 10_000, deleteStreamMs: 5_000, now: clock.now});
	const status = async (name: string) =>
		(await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary?.StreamStatus;

	it('is CREATING for createStreamMs, then ACTIVE', async () => {
		const name = uniqueName('creating');
		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 2}));

		const {StreamDescription: creating} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));
		expect(creating).toMatchObject({StreamStatus: 'CREATING', Shards: [], HasMoreShards: false});
		const listed = await harness.client.send(new ListStreamsCommand({}));
		expect(listed.StreamSummaries?.find((summary) => summary.StreamName === name)?.StreamStatus).toBe('CREATING');
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1})),
			'ResourceInUseException',
			`Stream ${name} under account ${ACCOUNT} already exists.`,
		);

		clock.advance(9_999);
		expect(await status(name)).toBe('CREATING');
		clock.advance(1);
		expect(await status(name)).toBe('ACTIVE');
		const {StreamDescription: active} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));
		expect(active?.Shards).toHaveLength(2);
	});

	it('takes no records while CREATING', async () => {
		const name = uniqueName('not-yet');
		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1}));
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'a', Data: Buffer.from('early')})),
			'ResourceNotFoundException',
			notFound(name),
		);
		await expectError(
			harness.client.send(new PutRecordsCommand({StreamName: name, Records: [{PartitionKey: 'a', Data: Buffer.from('early')}]})),
			'ResourceNotFoundException',
			notFound(name),
		);
		clock.advance(10_000);
		const put = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'a', Data: Buffer.from('on time')}));
		expect(put.ShardId).toBe('shardId-000000000000');
	});

	// AWS's answer, as mhart/kinesalite's test/deleteStream.js recorded it ("should allow stream to be deleted
	// while it is being created"): DELETING, with no shards listed.
	it('lists no shards while DELETING a stream deleted while CREATING, and keeps listing those of one deleted once ACTIVE', async () => {
		const early = uniqueName('deleted-creating');
		const late = uniqueName('deleted-active');
		await harness.client.send(new CreateStreamCommand({StreamName: late, ShardCount: 2}));
		clock.advance(10_000);
		await harness.client.send(new CreateStreamCommand({StreamName: early, ShardCount: 2}));
		await harness.client.send(new DeleteStreamCommand({StreamName: early}));
		await harness.client.send(new DeleteStreamCommand({StreamName: late}));

		const {StreamDescription: deletedEarly} = await harness.client.send(new DescribeStreamCommand({StreamName: early}));
		expect(deletedEarly).toMatchObject({StreamStatus: 'DELETING', Shards: [], HasMoreShards: false});
		const {StreamDescriptionSummary: summary} = await harness.client.send(new DescribeStreamSummaryCommand({StreamName: early}));
		expect(summary).toMatchObject({StreamStatus: 'DELETING', OpenShardCount: 0});
		const {StreamDescription: deletedLate} = await harness.client.send(new DescribeStreamCommand({StreamName: late}));
		expect(deletedLate?.StreamStatus).toBe('DELETING');
		expect(deletedLate?.Shards).toHaveLength(2);
		// So it stays until it is gone: it never turns ACTIVE, nor shows its shards.
		clock.advance(4_999);
		expect((await harness.client.send(new DescribeStreamCommand({StreamName: early}))).StreamDescription).toMatchObject({
			StreamStatus: 'DELETING',
			Shards: [],
		});
	});

	it('is DELETING for deleteStreamMs, then gone', async () => {
		const name = uniqueName('deleting');
		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1}));
		clock.advance(10_000);
		await harness.client.send(new DeleteStreamCommand({StreamName: name}));

		expect(await status(name)).toBe('DELETING');
		const listed = await harness.client.send(new ListStreamsCommand({}));
		expect(listed.StreamSummaries?.find((summary) => summary.StreamName === name)?.StreamStatus).toBe('DELETING');
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'a', Data: Buffer.from('late')})),
			'ResourceNotFoundException',
			notFound(name),
		);
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1})),
			'ResourceInUseException',
			`Stream ${name} under account ${ACCOUNT} already exists.`,
		);

		clock.advance(4_999);
		expect(await status(name)).toBe('DELETING');
		clock.advance(1);
		await expectError(
			harness.client.send(new DescribeStreamSummaryCommand({StreamName: name})),
			'ResourceNotFoundException',
			notFound(name),
		);
		expect((await harness.client.send(new ListStreamsCommand({}))).StreamNames).not.toContain(name);

		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 3}));
		expect(await status(name)).toBe('CREATING');
	});
});
