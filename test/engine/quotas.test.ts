import {
	AddTagsToStreamCommand,
	CreateStreamCommand,
	DeleteStreamCommand,
	DeregisterStreamConsumerCommand,
	DescribeLimitsCommand,
	DescribeStreamCommand,
	DescribeStreamConsumerCommand,
	DescribeStreamSummaryCommand,
	type KinesisClient,
	ListShardsCommand,
	ListStreamConsumersCommand,
	ListStreamsCommand,
	ListTagsForStreamCommand,
	MergeShardsCommand,
	RegisterStreamConsumerCommand,
	RemoveTagsFromStreamCommand,
	SplitShardCommand,
	SubscribeToShardCommand,
	UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import {afterAll, describe, expect, it} from 'vitest';
import {kinesisClient} from '../helpers/engine.js';
import {ACCOUNT, FakeClock, arnOf, expectError, rejection, uniqueName, useEngine} from './support.js';

const HALF = (2n ** 127n).toString();
const SHARD_0 = 'shardId-000000000000';
const SHARD_1 = 'shardId-000000000001';

/** AWS's refusal of a call over a control-plane quota: naming the stream when the call names one. */
const rateExceeded = (stream?: string) =>
	stream === undefined ? `Rate exceeded for account ${ACCOUNT}.` : `Rate exceeded for stream ${stream} under account ${ACCOUNT}.`;
const expectRateExceeded = (call: Promise<unknown>, stream?: string) => expectError(call, 'LimitExceededException', rateExceeded(stream));

/**
 * Regions no other test here uses: each holds its own streams and its own account-wide buckets, so a
 * test starts with every quota full, and a second region shows what a quota is not shared with.
 */
const REGIONS = [
	'us-east-2',
	'us-west-1',
	'ap-south-1',
	'ap-northeast-1',
	'ap-northeast-2',
	'ap-southeast-1',
	'ap-southeast-2',
	'ca-central-1',
	'eu-central-1',
	'eu-west-2',
	'eu-west-3',
	'eu-north-1',
	'sa-east-1',
	'af-south-1',
	'me-south-1',
	'ap-east-1',
	'eu-south-1',
	'ap-northeast-3',
	'ap-southeast-3',
	'me-central-1',
	'eu-central-2',
	'eu-south-2',
	'ap-south-2',
	'ap-southeast-4',
	'il-central-1',
	'ca-west-1',
	'mx-central-1',
	'ap-southeast-5',
	'ap-southeast-7',
	'ap-east-2',
];

describe('control-plane quotas with limits on', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {throughputLimits: true, now: clock.now, registerConsumerMs: 0, deregisterConsumerMs: 0});
	const clients: KinesisClient[] = [];
	afterAll(() => {
		for (const client of clients) client.destroy();
	});
	let regionsUsed = 0;
	/** A client in a region no test has used yet. */
	const freshRegion = (): KinesisClient => {
		const region = REGIONS[regionsUsed++];
		if (!region) throw new Error('add regions to REGIONS');
		const client = kinesisClient(harness.url, 'http2', region);
		clients.push(client);
		return client;
	};
	/** Creates streams (ACTIVE at once) at CreateStream's own rate, and leaves its budget full again. */
	const createStreams = async (client: KinesisClient, names: string[], shardCount = 1) => {
		for (const [index, name] of names.entries()) {
			if (index > 0 && index % 5 === 0) clock.advance(1000);
			await client.send(new CreateStreamCommand({StreamName: name, ShardCount: shardCount}));
		}
		clock.advance(1000);
	};
	const times = async (count: number, call: (index: number) => Promise<unknown>) => {
		for (let index = 0; index < count; index++) await call(index);
	};
	const openShards = async (client: KinesisClient, name: string) => {
		const {Shards} = await client.send(new ListShardsCommand({StreamName: name}));
		return (Shards ?? []).filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined).length;
	};

	type Call = (client: KinesisClient, stream: string) => Promise<unknown>;
	const reads: Array<[operation: string, perSecond: number, namesStream: boolean, call: Call]> = [
		['ListStreams', 5, false, (client) => client.send(new ListStreamsCommand({}))],
		['DescribeLimits', 1, false, (client) => client.send(new DescribeLimitsCommand({}))],
		['DescribeStream', 10, true, (client, stream) => client.send(new DescribeStreamCommand({StreamName: stream}))],
		['DescribeStreamSummary', 20, true, (client, stream) => client.send(new DescribeStreamSummaryCommand({StreamName: stream}))],
		['ListTagsForStream', 5, true, (client, stream) => client.send(new ListTagsForStreamCommand({StreamName: stream}))],
	];

	it.each(reads)(
		'%s: %i calls a second per account and region, then refusal with AWS message; another region is not affected; the budget refills with time',
		async (_operation, perSecond, namesStream, call) => {
			const client = freshRegion();
			const other = freshRegion();
			const stream = uniqueName('read-quota');
			await createStreams(client, [stream]);
			await createStreams(other, [stream]);

			await times(perSecond, () => call(client, stream));
			await expectRateExceeded(call(client, stream), namesStream ? stream : undefined);
			// The same stream name in another region, or another stream in this region for an account-wide quota.
			await call(other, stream);

			// A call's worth of time buys one call; a second buys the whole budget, and no more.
			clock.advance(1000 / perSecond);
			await call(client, stream);
			await expectRateExceeded(call(client, stream), namesStream ? stream : undefined);
			clock.advance(1000);
			await times(perSecond, () => call(client, stream));
			await expectRateExceeded(call(client, stream), namesStream ? stream : undefined);
		},
	);

	it('answers a malformed request with its own validation error while the quota is spent', async () => {
		const client = freshRegion();
		const stream = uniqueName('validated-first');
		await createStreams(client, [stream]);
		await times(20, () => client.send(new DescribeStreamSummaryCommand({StreamName: stream})));
		const error = await rejection(client.send(new DescribeStreamSummaryCommand({StreamName: 'not a stream name!'})));
		expect(error.name).toBe('ValidationException');
		await expectRateExceeded(client.send(new DescribeStreamSummaryCommand({StreamName: stream})), stream);
	});

	it('CreateStream: five a second; the sixth is refused and creates nothing', async () => {
		const client = freshRegion();
		const names = Array.from({length: 6}, () => uniqueName('create-quota'));
		await times(5, (index) => client.send(new CreateStreamCommand({StreamName: names[index], ShardCount: 1})));
		const sixth = names[5] ?? '';
		await expectRateExceeded(client.send(new CreateStreamCommand({StreamName: sixth, ShardCount: 1})), sixth);
		expect((await client.send(new ListStreamsCommand({}))).StreamNames).toEqual(names.slice(0, 5).sort());
		clock.advance(1000);
		await client.send(new CreateStreamCommand({StreamName: sixth, ShardCount: 1}));
		expect((await client.send(new ListStreamsCommand({}))).StreamNames).toEqual([...names].sort());
	});

	it('DeleteStream: five a second; the sixth is refused and its stream stays', async () => {
		const client = freshRegion();
		const names = Array.from({length: 6}, () => uniqueName('delete-quota'));
		await createStreams(client, names);
		await times(5, (index) => client.send(new DeleteStreamCommand({StreamName: names[index]})));
		const sixth = names[5] ?? '';
		await expectRateExceeded(client.send(new DeleteStreamCommand({StreamName: sixth})), sixth);
		expect((await client.send(new ListStreamsCommand({}))).StreamNames).toEqual([sixth]);
	});

	it('AddTagsToStream and RemoveTagsFromStream: five a second each; a refused call changes no tag', async () => {
		const client = freshRegion();
		const stream = uniqueName('tag-quota');
		await createStreams(client, [stream]);
		await times(5, (index) => client.send(new AddTagsToStreamCommand({StreamName: stream, Tags: {[`key${index}`]: 'v'}})));
		await expectRateExceeded(client.send(new AddTagsToStreamCommand({StreamName: stream, Tags: {key5: 'v'}})), stream);
		await times(5, (index) => client.send(new RemoveTagsFromStreamCommand({StreamName: stream, TagKeys: [`key${index}`]})));
		await expectRateExceeded(client.send(new RemoveTagsFromStreamCommand({StreamName: stream, TagKeys: ['key0']})), stream);
		expect((await client.send(new ListTagsForStreamCommand({StreamName: stream}))).Tags).toEqual([]);
	});

	it('SplitShard and MergeShards: five a second each per account; a refused call leaves the shards as they were', async () => {
		const client = freshRegion();
		const names = Array.from({length: 6}, () => uniqueName('reshard-quota'));
		await createStreams(client, names);
		await times(5, (index) =>
			client.send(new SplitShardCommand({StreamName: names[index], ShardToSplit: SHARD_0, NewStartingHashKey: HALF})),
		);
		const sixth = names[5] ?? '';
		await expectRateExceeded(
			client.send(new SplitShardCommand({StreamName: sixth, ShardToSplit: SHARD_0, NewStartingHashKey: HALF})),
			sixth,
		);
		expect(await openShards(client, sixth)).toBe(1);

		clock.advance(1000);
		await client.send(new SplitShardCommand({StreamName: sixth, ShardToSplit: SHARD_0, NewStartingHashKey: HALF}));
		const merge = (name: string | undefined) =>
			client.send(
				new MergeShardsCommand({StreamName: name, ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002'}),
			);
		await times(5, (index) => merge(names[index]));
		await expectRateExceeded(merge(sixth), sixth);
		expect(await openShards(client, sixth)).toBe(2);
		expect(await openShards(client, names[0] ?? '')).toBe(1);
	});

	it('UpdateShardCount: ten a second per account; the eleventh is refused and scales nothing', async () => {
		const client = freshRegion();
		const names = Array.from({length: 11}, () => uniqueName('scale-quota'));
		await createStreams(client, names);
		const scale = (name: string | undefined) =>
			client.send(new UpdateShardCountCommand({StreamName: name, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING'}));
		await times(10, (index) => scale(names[index]));
		const eleventh = names[10] ?? '';
		await expectRateExceeded(scale(eleventh), eleventh);
		expect(await openShards(client, eleventh)).toBe(1);
		expect(await openShards(client, names[0] ?? '')).toBe(2);
	});

	it('ListShards: a thousand a second per stream, by name or by NextToken; another stream is not affected', async () => {
		const client = freshRegion();
		const [busy = '', quiet = ''] = [uniqueName('list-shards-busy'), uniqueName('list-shards-quiet')];
		await createStreams(client, [busy, quiet], 2);
		const first = await client.send(new ListShardsCommand({StreamName: busy, MaxResults: 1}));
		expect(first.NextToken).toBeDefined();
		for (let sent = 1; sent < 1000; sent += 111) {
			await Promise.all(Array.from({length: Math.min(111, 1000 - sent)}, () => client.send(new ListShardsCommand({StreamName: busy}))));
		}
		await expectRateExceeded(client.send(new ListShardsCommand({StreamName: busy})), busy);
		await expectRateExceeded(client.send(new ListShardsCommand({NextToken: first.NextToken})), busy);
		expect((await client.send(new ListShardsCommand({StreamName: quiet}))).Shards).toHaveLength(2);
		clock.advance(1);
		expect((await client.send(new ListShardsCommand({NextToken: first.NextToken}))).Shards).toHaveLength(1);
	});

	describe('enhanced fan-out consumers', () => {
		const register = (client: KinesisClient, stream: string, consumer: string) =>
			client.send(new RegisterStreamConsumerCommand({StreamARN: arnOf(stream, REGION_OF.get(client)), ConsumerName: consumer}));
		const REGION_OF = new Map<KinesisClient, string>();
		const inRegion = () => {
			const region = REGIONS[regionsUsed] ?? '';
			const client = freshRegion();
			REGION_OF.set(client, region);
			return {client, region};
		};
		const consumersOf = async (client: KinesisClient, stream: string) =>
			((await client.send(new ListStreamConsumersCommand({StreamARN: arnOf(stream, REGION_OF.get(client))}))).Consumers ?? [])
				.map((consumer) => consumer.ConsumerName)
				.sort();

		it('RegisterStreamConsumer: five a second per account, across streams; a refused call registers nothing', async () => {
			const {client} = inRegion();
			const [one = '', two = ''] = [uniqueName('register-quota'), uniqueName('register-quota')];
			await createStreams(client, [one, two]);
			await times(5, (index) => register(client, one, `app${index}`));
			await expectRateExceeded(register(client, two, 'app5'), two);
			expect(await consumersOf(client, two)).toEqual([]);
			clock.advance(1000);
			await register(client, two, 'app5');
			expect(await consumersOf(client, two)).toEqual(['app5']);
		});

		it('ListStreamConsumers and DescribeStreamConsumer: 5 and 20 a second per stream', async () => {
			const {client, region} = inRegion();
			const [one = '', two = ''] = [uniqueName('consumer-reads'), uniqueName('consumer-reads')];
			await createStreams(client, [one, two]);
			await register(client, one, 'app');
			await register(client, two, 'app');
			const list = (stream: string) => client.send(new ListStreamConsumersCommand({StreamARN: arnOf(stream, region)}));
			const describeConsumer = (stream: string) =>
				client.send(new DescribeStreamConsumerCommand({StreamARN: arnOf(stream, region), ConsumerName: 'app'}));
			await times(5, () => list(one));
			await expectRateExceeded(list(one), one);
			await list(two);
			await times(20, () => describeConsumer(one));
			await expectRateExceeded(describeConsumer(one), one);
			await describeConsumer(two);
		});

		it('DeregisterStreamConsumer: five a second per stream; a refused call leaves the consumer registered', async () => {
			const {client, region} = inRegion();
			const stream = uniqueName('deregister-quota');
			await createStreams(client, [stream]);
			await times(5, (index) => register(client, stream, `app${index}`));
			clock.advance(1000);
			await register(client, stream, 'app5');
			const deregister = (consumer: string) =>
				client.send(new DeregisterStreamConsumerCommand({StreamARN: arnOf(stream, region), ConsumerName: consumer}));
			await times(5, (index) => deregister(`app${index}`));
			await expectRateExceeded(deregister('app5'), stream);
			expect(await consumersOf(client, stream)).toEqual(['app5']);
		});

		it('SubscribeToShard: one call a second per consumer and shard; another shard is not affected', async () => {
			const {client, region} = inRegion();
			const stream = uniqueName('subscribe-quota');
			await createStreams(client, [stream], 2);
			const {Consumer} = await register(client, stream, 'app');
			const consumerArn = Consumer?.ConsumerARN ?? '';
			expect(consumerArn).toContain(`:${region}:`);
			const subscribe = (shardId: string) =>
				client.send(new SubscribeToShardCommand({ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: {Type: 'LATEST'}}));
			const first = await subscribe(SHARD_0);
			await expectRateExceeded(subscribe(SHARD_0), stream);
			const other = await subscribe(SHARD_1);
			// A second later the call is admitted, and meets the subscription that still holds the shard.
			clock.advance(1000);
			const error = await rejection(subscribe(SHARD_0));
			expect(error.name).toBe('ResourceInUseException');
			for (const output of [first, other]) {
				for await (const _event of output.EventStream ?? []) break;
			}
		});
	});
});

describe('control-plane quotas with limits off', () => {
	const harness = useEngine('http2', {throughputLimits: false});

	it('refuses no call however fast they come', async () => {
		const stream = uniqueName('unlimited');
		await harness.client.send(new CreateStreamCommand({StreamName: stream, ShardCount: 1}));
		for (let index = 0; index < 30; index++) {
			await harness.client.send(new DescribeLimitsCommand({}));
			await harness.client.send(new ListStreamsCommand({}));
			await harness.client.send(new DescribeStreamSummaryCommand({StreamName: stream}));
		}
		expect(harness.engine.requestCounts().filter((count) => count.refused > 0)).toEqual([]);
	});
});
