import {
	CreateStreamCommand,
	DescribeStreamCommand,
	ListShardsCommand,
	ListStreamsCommand,
	type ShardFilterType,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {createStream, expectError, rejection, transports, uniqueName, useEngine} from './support.js';

const shardId = (index: number) => `shardId-${String(index).padStart(12, '0')}`;
const shardIds = (from: number, to: number) => Array.from({length: to - from}, (_, offset) => shardId(from + offset));
const idsOf = (shards: ReadonlyArray<{ShardId?: string | undefined}> | undefined) => (shards ?? []).map((shard) => shard.ShardId);

describe.each(transports)('paging over %s', (transport) => {
	const harness = useEngine(transport);

	it('pages DescribeStream with Limit and ExclusiveStartShardId', async () => {
		const name = uniqueName('describe-pages');
		await createStream(harness.client, name, 5);
		const first = (await harness.client.send(new DescribeStreamCommand({StreamName: name, Limit: 2}))).StreamDescription;
		expect(idsOf(first?.Shards)).toEqual(shardIds(0, 2));
		expect(first?.HasMoreShards).toBe(true);
		const second = (await harness.client.send(new DescribeStreamCommand({StreamName: name, Limit: 2, ExclusiveStartShardId: shardId(1)})))
			.StreamDescription;
		expect(idsOf(second?.Shards)).toEqual(shardIds(2, 4));
		expect(second?.HasMoreShards).toBe(true);
		const last = (await harness.client.send(new DescribeStreamCommand({StreamName: name, Limit: 2, ExclusiveStartShardId: shardId(3)})))
			.StreamDescription;
		expect(idsOf(last?.Shards)).toEqual([shardId(4)]);
		expect(last?.HasMoreShards).toBe(false);
		const exact = (await harness.client.send(new DescribeStreamCommand({StreamName: name, Limit: 5}))).StreamDescription;
		expect(idsOf(exact?.Shards)).toEqual(shardIds(0, 5));
		expect(exact?.HasMoreShards).toBe(false);
		const past = (await harness.client.send(new DescribeStreamCommand({StreamName: name, ExclusiveStartShardId: shardId(4)})))
			.StreamDescription;
		expect(past?.Shards).toEqual([]);
		expect(past?.HasMoreShards).toBe(false);
	});

	it('returns at most 100 shards from DescribeStream, whatever the Limit', async () => {
		const name = uniqueName('describe-cap');
		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 130}));
		const byDefault = (await harness.client.send(new DescribeStreamCommand({StreamName: name}))).StreamDescription;
		expect(idsOf(byDefault?.Shards)).toEqual(shardIds(0, 100));
		expect(byDefault?.HasMoreShards).toBe(true);
		const asked = (await harness.client.send(new DescribeStreamCommand({StreamName: name, Limit: 10_000}))).StreamDescription;
		expect(idsOf(asked?.Shards)).toEqual(shardIds(0, 100));
		expect(asked?.HasMoreShards).toBe(true);
		const rest = (
			await harness.client.send(new DescribeStreamCommand({StreamName: name, Limit: 10_000, ExclusiveStartShardId: shardId(99)}))
		).StreamDescription;
		expect(idsOf(rest?.Shards)).toEqual(shardIds(100, 130));
		expect(rest?.HasMoreShards).toBe(false);
	});

	it('pages ListShards with MaxResults and NextToken, and with ExclusiveStartShardId', async () => {
		const name = uniqueName('list-shards');
		await createStream(harness.client, name, 7);
		const all = await harness.client.send(new ListShardsCommand({StreamName: name}));
		expect(idsOf(all.Shards)).toEqual(shardIds(0, 7));
		expect(all.NextToken).toBeUndefined();
		expect(all.Shards?.[0]).toMatchObject({
			HashKeyRange: {StartingHashKey: '0'},
			SequenceNumberRange: {StartingSequenceNumber: expect.stringMatching(/^\d+$/)},
		});

		const pages: Array<Array<string | undefined>> = [];
		let page = await harness.client.send(new ListShardsCommand({StreamName: name, MaxResults: 3}));
		pages.push(idsOf(page.Shards));
		while (page.NextToken) {
			page = await harness.client.send(new ListShardsCommand({NextToken: page.NextToken, MaxResults: 3}));
			pages.push(idsOf(page.Shards));
		}
		expect(pages).toEqual([shardIds(0, 3), shardIds(3, 6), shardIds(6, 7)]);

		const after = await harness.client.send(new ListShardsCommand({StreamName: name, ExclusiveStartShardId: shardId(4)}));
		expect(idsOf(after.Shards)).toEqual(shardIds(5, 7));
		const afterPaged = await harness.client.send(
			new ListShardsCommand({StreamName: name, ExclusiveStartShardId: shardId(1), MaxResults: 2}),
		);
		expect(idsOf(afterPaged.Shards)).toEqual(shardIds(2, 4));
		const rest = await harness.client.send(new ListShardsCommand({NextToken: afterPaged.NextToken}));
		expect(idsOf(rest.Shards)).toEqual(shardIds(4, 7));
		expect(rest.NextToken).toBeUndefined();
	});

	it('refuses NextToken together with StreamName, and neither', async () => {
		const name = uniqueName('list-shards-token');
		await createStream(harness.client, name, 3);
		const {NextToken} = await harness.client.send(new ListShardsCommand({StreamName: name, MaxResults: 1}));
		expect(NextToken).toEqual(expect.any(String));
		await expectError(
			harness.client.send(new ListShardsCommand({StreamName: name, NextToken})),
			'InvalidArgumentException',
			'NextToken and StreamName cannot be provided together.',
		);
		await expectError(
			harness.client.send(new ListShardsCommand({})),
			'InvalidArgumentException',
			'Either NextToken or StreamName should be provided.',
		);
		expect((await rejection(harness.client.send(new ListShardsCommand({NextToken: 'bm90IGEgdG9rZW4='})))).name).toBe(
			'InvalidArgumentException',
		);
	});

	it('filters ListShards with every ShardFilter type', async () => {
		const name = uniqueName('shard-filter');
		await createStream(harness.client, name, 4);
		const list = async (Type: ShardFilterType, extra: {ShardId?: string | undefined; Timestamp?: Date} = {}, MaxResults?: number) =>
			harness.client.send(
				new ListShardsCommand({StreamName: name, ShardFilter: {Type, ...extra}, ...(MaxResults === undefined ? {} : {MaxResults})}),
			);
		// On a stream never resharded every shard is open, from creation on.
		for (const type of ['AT_TRIM_HORIZON', 'FROM_TRIM_HORIZON', 'AT_LATEST'] as const) {
			expect([type, idsOf((await list(type)).Shards)]).toEqual([type, shardIds(0, 4)]);
		}
		for (const type of ['AT_TIMESTAMP', 'FROM_TIMESTAMP'] as const) {
			expect([type, idsOf((await list(type, {Timestamp: new Date()})).Shards)]).toEqual([type, shardIds(0, 4)]);
		}
		expect(idsOf((await list('AFTER_SHARD_ID', {ShardId: shardId(1)})).Shards)).toEqual(shardIds(2, 4));

		// The filter holds across pages.
		const first = await list('AFTER_SHARD_ID', {ShardId: shardId(0)}, 2);
		expect(idsOf(first.Shards)).toEqual(shardIds(1, 3));
		const second = await harness.client.send(new ListShardsCommand({NextToken: first.NextToken}));
		expect(idsOf(second.Shards)).toEqual([shardId(3)]);
		expect(second.NextToken).toBeUndefined();

		expect((await rejection(list('AFTER_SHARD_ID'))).name).toBe('InvalidArgumentException');
		expect((await rejection(list('AT_TIMESTAMP'))).name).toBe('InvalidArgumentException');
	});

	it('pages ListStreams with Limit and ExclusiveStartStreamName, and with NextToken', async () => {
		const prefix = uniqueName('pages');
		const names = Array.from({length: 7}, (_, index) => `${prefix}-${index}`);
		for (const name of names) await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1}));
		const ours = (page: {StreamNames?: string[] | undefined}) => (page.StreamNames ?? []).filter((name) => name.startsWith(prefix));

		// Names sort after `${prefix}-`, so these are the first three pages from there.
		const first = await harness.client.send(new ListStreamsCommand({Limit: 3, ExclusiveStartStreamName: `${prefix}-`}));
		expect([first.StreamNames, first.HasMoreStreams]).toEqual([names.slice(0, 3), true]);
		expect(first.StreamSummaries?.map((summary) => summary.StreamName)).toEqual(first.StreamNames);
		const second = await harness.client.send(new ListStreamsCommand({Limit: 3, ExclusiveStartStreamName: names[2]}));
		expect([second.StreamNames, second.HasMoreStreams]).toEqual([names.slice(3, 6), true]);
		const third = await harness.client.send(new ListStreamsCommand({Limit: 3, ExclusiveStartStreamName: names[5]}));
		expect(ours(third)).toEqual([names[6]]);

		const byToken: string[] = [];
		let page = await harness.client.send(new ListStreamsCommand({Limit: 2, ExclusiveStartStreamName: `${prefix}-`}));
		byToken.push(...ours(page));
		while (page.NextToken && byToken.length < names.length) {
			expect(page.HasMoreStreams).toBe(true);
			expect(ours(page)).toEqual(page.StreamNames);
			page = await harness.client.send(new ListStreamsCommand({NextToken: page.NextToken, Limit: 2}));
			byToken.push(...ours(page));
		}
		expect(byToken).toEqual(names);
	});

	it('returns at most 100 streams from ListStreams, whatever the Limit', async () => {
		const prefix = uniqueName('many');
		await Promise.all(
			Array.from({length: 105}, (_, index) =>
				harness.client.send(new CreateStreamCommand({StreamName: `${prefix}-${String(index).padStart(3, '0')}`, ShardCount: 1})),
			),
		);
		const asked = await harness.client.send(new ListStreamsCommand({Limit: 10_000, ExclusiveStartStreamName: `${prefix}-`}));
		expect(asked.StreamNames).toHaveLength(100);
		expect(asked.StreamNames?.[0]).toBe(`${prefix}-000`);
		expect(asked.StreamNames?.[99]).toBe(`${prefix}-099`);
		expect(asked.HasMoreStreams).toBe(true);
		const rest = await harness.client.send(new ListStreamsCommand({NextToken: asked.NextToken}));
		expect(rest.StreamNames?.filter((name) => name.startsWith(prefix))).toEqual(
			['100', '101', '102', '103', '104'].map((suffix) => `${prefix}-${suffix}`),
		);
	});
});

describe.each(transports)('ListShards at scale over %s', (transport) => {
	const harness = useEngine(transport, {shardLimit: 1_100});

	it('returns at most 1,000 shards from ListShards, whatever MaxResults', async () => {
		const name = uniqueName('thousand');
		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1_001}));
		const byDefault = await harness.client.send(new ListShardsCommand({StreamName: name}));
		expect(idsOf(byDefault.Shards)).toEqual(shardIds(0, 1_000));
		const asked = await harness.client.send(new ListShardsCommand({StreamName: name, MaxResults: 10_000}));
		expect(idsOf(asked.Shards)).toEqual(shardIds(0, 1_000));
		expect(asked.NextToken).toEqual(expect.any(String));
		const rest = await harness.client.send(new ListShardsCommand({NextToken: asked.NextToken, MaxResults: 10_000}));
		expect(idsOf(rest.Shards)).toEqual([shardId(1_000)]);
		expect(rest.NextToken).toBeUndefined();
	});
});
