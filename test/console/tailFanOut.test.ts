import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	RegisterStreamConsumerCommand,
	SplitShardCommand,
	SubscribeToShardCommand,
	type KinesisClient,
	type SubscribeToShardEvent,
} from '@aws-sdk/client-kinesis';
import {afterEach, describe, expect, it} from 'vitest';
import type {TailEvent} from '../../source/console/tail/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {collect, numbered, putEntries, range} from '../helpers/numberedRecords.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
	readonly client: KinesisClient;
	readonly http2: KinesisClient;
	readonly consumerArn: string;
	/** SubscribeToShard calls made so far. */
	readonly subscriptions: () => number;
}

async function setUp(shards: number): Promise<Setup> {
	const engine = await startEngine({registerConsumerMs: 0, subscriptionMs: 600, subscriptionTakeoverMs: 300});
	const client = kinesisClient(engine.url, 'http1');
	const http2 = kinesisClient(engine.url);
	cleanups.push(
		() => engine.close(),
		() => client.destroy(),
		() => http2.destroy(),
	);
	let subscriptions = 0;
	http2.middlewareStack.add(
		(next, context) => (args) => {
			if (context.commandName === 'SubscribeToShardCommand') subscriptions++;
			return next(args);
		},
		{step: 'initialize'},
	);
	await client.send(new CreateStreamCommand({StreamName: 'tailed', ShardCount: shards}));
	const summary = await client.send(new DescribeStreamSummaryCommand({StreamName: 'tailed'}));
	const {Consumer} = await client.send(
		new RegisterStreamConsumerCommand({StreamARN: summary.StreamDescriptionSummary?.StreamARN, ConsumerName: 'tail-test'}),
	);
	return {client, http2, consumerArn: Consumer?.ConsumerARN ?? '', subscriptions: () => subscriptions};
}

const put = (client: KinesisClient, entries: Array<[key: string, value: string]>) => putEntries(client, 'tailed', entries);
const keys = Array.from({length: 8}, (_, index) => `user-${index}`);
const milestones = (events: TailEvent[]) =>
	events
		.filter((event) => event.type === 'shard-started' || event.type === 'shard-ended')
		.map((event) => `${event.type}:${'shardId' in event ? event.shardId : ''}`);

describe('tailStream through enhanced fan-out', () => {
	it('delivers every record of each key once and in order across renewals and a split while it runs', async () => {
		const {client, http2, consumerArn, subscriptions} = await setUp(2);
		const writing = (async () => {
			for (let batch = 0; batch < 30; batch++) {
				await put(client, numbered(keys, batch * 5, batch * 5 + 5));
				if (batch === 12) {
					await client.send(
						new SplitShardCommand({
							StreamName: 'tailed',
							ShardToSplit: 'shardId-000000000001',
							NewStartingHashKey: (3n * 2n ** 126n).toString(),
						}),
					);
				}
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
		})();
		const {seen, events} = await collect(
			client,
			{stream: 'tailed', from: {type: 'TRIM_HORIZON'}, shardRefreshMs: 200, fanOut: {client: http2, consumerArn}},
			(seen) => keys.every((key) => (seen.get(key)?.length ?? 0) >= 150),
		);
		await writing;
		for (const key of keys) expect(seen.get(key), key).toEqual(range(150));
		// Two shards for about 2 s with 600 ms subscriptions: renewed, not once per shard.
		expect(subscriptions()).toBeGreaterThan(4);
		const order = milestones(events);
		expect(order).toContain('shard-ended:shardId-000000000001');
		expect(order.indexOf('shard-ended:shardId-000000000001')).toBeLessThan(order.indexOf('shard-started:shardId-000000000002'));
		expect(order.indexOf('shard-ended:shardId-000000000001')).toBeLessThan(order.indexOf('shard-started:shardId-000000000003'));
		const ended = events.find((event) => event.type === 'shard-ended');
		expect(ended).toMatchObject({shardId: 'shardId-000000000001', childShardIds: ['shardId-000000000002', 'shardId-000000000003']});
		expect(events.some((event) => event.type === 'failed')).toBe(false);
	});

	it('reads a closed parent to its ChildShards, then the children, and stops at the newest record', async () => {
		const {client, http2, consumerArn} = await setUp(1);
		await put(client, numbered(keys, 0, 20));
		await client.send(
			new SplitShardCommand({StreamName: 'tailed', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString()}),
		);
		await put(client, numbered(keys, 20, 40));
		const {seen, events} = await collect(client, {
			stream: 'tailed',
			from: {type: 'TRIM_HORIZON'},
			stopAtLatest: true,
			fanOut: {client: http2, consumerArn},
		});
		for (const key of keys) expect(seen.get(key), key).toEqual(range(40));
		expect(milestones(events).slice(0, 2)).toEqual(['shard-started:shardId-000000000000', 'shard-ended:shardId-000000000000']);
		expect(
			events
				.filter((event) => event.type === 'caught-up')
				.map((event) => ('shardId' in event ? event.shardId : ''))
				.sort(),
		).toEqual(['shardId-000000000001', 'shardId-000000000002']);
	});

	it('waits while another subscription holds the shard, saying so, then takes over', async () => {
		const {client, http2, consumerArn} = await setUp(1);
		await put(client, numbered(['k'], 0, 10));
		// Another reader subscribes first; the tail's subscription is refused until the takeover window passes.
		const held = await http2.send(
			new SubscribeToShardCommand({ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: {Type: 'LATEST'}}),
		);
		const draining = (async () => {
			for await (const _event of held.EventStream as AsyncIterable<{SubscribeToShardEvent?: SubscribeToShardEvent}>) {
				// Until the tail takes over.
			}
		})().catch(() => undefined);
		const {seen, events} = await collect(client, {
			stream: 'tailed',
			from: {type: 'TRIM_HORIZON'},
			stopAtLatest: true,
			fanOut: {client: http2, consumerArn},
		});
		await draining;
		expect(seen.get('k')).toEqual(range(10));
		const reasons = events.flatMap((event) => (event.type === 'retrying' ? [event.reason] : []));
		expect(reasons[0]).toMatch(/another subscription holds this shard.*ResourceInUseException/);
		expect(events.some((event) => event.type === 'recovered')).toBe(true);
	});
});
