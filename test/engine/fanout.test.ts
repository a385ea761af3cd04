import {
	AddTagsToStreamCommand,
	DeleteStreamCommand,
	DeregisterStreamConsumerCommand,
	DescribeStreamConsumerCommand,
	DescribeStreamSummaryCommand,
	type KinesisClient,
	ListStreamConsumersCommand,
	ListTagsForResourceCommand,
	PutRecordCommand,
	PutRecordsCommand,
	RegisterStreamConsumerCommand,
	SplitShardCommand,
	type StartingPosition,
	SubscribeToShardCommand,
	type SubscribeToShardEvent,
	TagResourceCommand,
	UntagResourceCommand,
	type _Record,
} from '@aws-sdk/client-kinesis';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {
	ACCOUNT,
	FakeClock,
	arnOf,
	createStream,
	expectError,
	iterator,
	readToEnd,
	rejection,
	text,
	uniqueName,
	useEngine,
} from './support.js';

const SHARD = 'shardId-000000000000';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Registered {
	readonly ConsumerName: string;
	readonly ConsumerARN: string;
	readonly ConsumerStatus: string;
	readonly ConsumerCreationTimestamp: Date;
}

const register = async (client: KinesisClient, streamName: string, consumerName: string): Promise<Registered> => {
	const {Consumer: consumer} = await client.send(
		new RegisterStreamConsumerCommand({StreamARN: arnOf(streamName), ConsumerName: consumerName}),
	);
	const {ConsumerName, ConsumerARN, ConsumerStatus, ConsumerCreationTimestamp} = consumer ?? {};
	if (!ConsumerARN || !ConsumerName || !ConsumerStatus || !ConsumerCreationTimestamp)
		throw new Error('RegisterStreamConsumer returned no consumer');
	return {ConsumerName, ConsumerARN, ConsumerStatus, ConsumerCreationTimestamp};
};

const subscribe = (client: KinesisClient, consumerArn: string, position: StartingPosition, shardId = SHARD) =>
	client.send(new SubscribeToShardCommand({ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: position}));

type Events = AsyncIterable<{SubscribeToShardEvent?: SubscribeToShardEvent}>;
const eventsOf = (output: {EventStream?: Events | undefined}): Events => {
	if (!output.EventStream) throw new Error('SubscribeToShard returned no event stream');
	return output.EventStream;
};

describe('consumer lifecycle: RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers, DeregisterStreamConsumer', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {now: clock.now, registerConsumerMs: 2_000, deregisterConsumerMs: 1_000});
	// At most 5 consumers may be CREATING in a region at once: let each test's become ACTIVE.
	afterEach(() => clock.advance(2_000));

	it('goes CREATING, ACTIVE, DELETING, gone, with the ARN AWS builds and the count DescribeStreamSummary shows', async () => {
		const {client} = harness;
		const name = uniqueName('lifecycle');
		await createStream(client, name);
		const consumer = await register(client, name, 'reader');
		const seconds = Math.floor(clock.ms / 1000);
		expect(consumer).toEqual({
			ConsumerName: 'reader',
			ConsumerARN: `${arnOf(name)}/consumer/reader:${seconds}`,
			ConsumerStatus: 'CREATING',
			ConsumerCreationTimestamp: new Date(clock.ms),
		});
		const describeByArn = async () =>
			(await client.send(new DescribeStreamConsumerCommand({ConsumerARN: consumer.ConsumerARN}))).ConsumerDescription;
		expect(await describeByArn()).toEqual({...consumer, StreamARN: arnOf(name)});
		const summary = async () => (await client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary;
		expect((await summary())?.ConsumerCount).toBe(1);

		clock.advance(2_000);
		expect((await describeByArn())?.ConsumerStatus).toBe('ACTIVE');
		const byName = await client.send(new DescribeStreamConsumerCommand({StreamARN: arnOf(name), ConsumerName: 'reader'}));
		expect(byName.ConsumerDescription?.ConsumerARN).toBe(consumer.ConsumerARN);

		await client.send(new DeregisterStreamConsumerCommand({ConsumerARN: consumer.ConsumerARN}));
		expect((await describeByArn())?.ConsumerStatus).toBe('DELETING');
		expect((await summary())?.ConsumerCount).toBe(1);
		clock.advance(1_000);
		await expectError(describeByArn(), 'ResourceNotFoundException', `Consumer ${consumer.ConsumerARN}, account ${ACCOUNT} not found.`);
		expect((await summary())?.ConsumerCount).toBe(0);
		expect((await client.send(new ListStreamConsumersCommand({StreamARN: arnOf(name)}))).Consumers).toEqual([]);

		// A consumer registered again under the same name is a new one: a new ARN, from its own creation time.
		clock.advance(1_000);
		const again = await register(client, name, 'reader');
		expect(again.ConsumerARN).toBe(`${arnOf(name)}/consumer/reader:${Math.floor(clock.ms / 1000)}`);
		expect(again.ConsumerARN).not.toBe(consumer.ConsumerARN);
		await expectError(
			client.send(new DescribeStreamConsumerCommand({ConsumerARN: consumer.ConsumerARN})),
			'ResourceNotFoundException',
			`Consumer ${consumer.ConsumerARN}, account ${ACCOUNT} not found.`,
		);
	});

	it('refuses a second consumer of one name, a 21st consumer and a 6th one CREATING, with AWS errors', async () => {
		const {client} = harness;
		const name = uniqueName('limits');
		await createStream(client, name);
		await register(client, name, 'c0');
		await expectError(
			register(client, name, 'c0'),
			'ResourceInUseException',
			`Consumer c0 under stream ${name} already exists for account ${ACCOUNT}.`,
		);
		for (let index = 1; index < 5; index++) await register(client, name, `c${index}`);
		const sixth = await rejection(register(client, name, 'c5'));
		expect(sixth.name).toBe('LimitExceededException');
		for (let index = 5; index < 20; index += 5) {
			clock.advance(2_000);
			for (let offset = 0; offset < 5; offset++) await register(client, name, `c${index + offset}`);
		}
		clock.advance(2_000);
		await expectError(
			register(client, name, 'c20'),
			'LimitExceededException',
			`Consumer limit of 20 reached for stream ${name} under account ${ACCOUNT}. Deregister a consumer before registering another.`,
		);
		expect((await client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary?.ConsumerCount).toBe(20);

		// Paged by MaxResults, in name order, every consumer once.
		const names: string[] = [];
		let nextToken: string | undefined;
		let pages = 0;
		do {
			const page = await client.send(
				new ListStreamConsumersCommand({StreamARN: arnOf(name), MaxResults: 7, ...(nextToken ? {NextToken: nextToken} : {})}),
			);
			names.push(...(page.Consumers ?? []).map((consumer) => consumer.ConsumerName ?? ''));
			nextToken = page.NextToken;
			pages++;
		} while (nextToken);
		expect(pages).toBe(3);
		expect(names).toEqual(Array.from({length: 20}, (_, index) => `c${index}`).sort());
	});

	it('names a consumer by ARN or by stream ARN and name, and says which is missing or unknown', async () => {
		const {client} = harness;
		const name = uniqueName('lookup');
		await createStream(client, name);
		await expectError(
			client.send(new DescribeStreamConsumerCommand({ConsumerName: 'x'})),
			'InvalidArgumentException',
			'ConsumerARN or both ConsumerName and StreamARN are required for this request.',
		);
		await expectError(
			client.send(new DescribeStreamConsumerCommand({StreamARN: arnOf(name), ConsumerName: 'nobody'})),
			'ResourceNotFoundException',
			`Consumer nobody, account ${ACCOUNT} not found.`,
		);
		await expectError(
			client.send(new RegisterStreamConsumerCommand({StreamARN: arnOf('no-such-stream'), ConsumerName: 'x'})),
			'ResourceNotFoundException',
			`Stream no-such-stream under account ${ACCOUNT} not found.`,
		);
		const invalid = await rejection(client.send(new RegisterStreamConsumerCommand({StreamARN: arnOf(name), ConsumerName: 'bad name'})));
		expect(invalid.name).toBe('ValidationException');
		expect(invalid.message).toBe(
			"1 validation error detected: Value 'bad name' at 'consumerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
		);
	});

	it('keeps DeleteStream from taking a stream with consumers unless EnforceConsumerDeletion is set', async () => {
		const {client} = harness;
		const name = uniqueName('delete');
		await createStream(client, name);
		const consumer = await register(client, name, 'holder');
		await expectError(
			client.send(new DeleteStreamCommand({StreamName: name})),
			'ResourceInUseException',
			`DeleteStream can't delete ${name} because there are consumers associated with this data stream. To delete ${name} anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.`,
		);
		await client.send(new DeleteStreamCommand({StreamName: name, EnforceConsumerDeletion: true}));
		await rejection(client.send(new DescribeStreamConsumerCommand({ConsumerARN: consumer.ConsumerARN})));
	});

	it('tags consumers by their ARN, apart from their stream', async () => {
		const {client} = harness;
		const name = uniqueName('tags');
		await createStream(client, name);
		await client.send(new AddTagsToStreamCommand({StreamName: name, Tags: {owner: 'stream'}}));
		const consumer = await register(client, name, 'tagged');
		await client.send(new TagResourceCommand({ResourceARN: consumer.ConsumerARN, Tags: {team: 'data', tier: 'gold'}}));
		await client.send(new UntagResourceCommand({ResourceARN: consumer.ConsumerARN, TagKeys: ['tier']}));
		expect((await client.send(new ListTagsForResourceCommand({ResourceARN: consumer.ConsumerARN}))).Tags).toEqual([
			{Key: 'team', Value: 'data'},
		]);
		expect((await client.send(new ListTagsForResourceCommand({ResourceARN: arnOf(name)}))).Tags).toEqual([{Key: 'owner', Value: 'stream'}]);
		await expectError(
			client.send(new ListTagsForResourceCommand({ResourceARN: `${arnOf(name)}/consumer/ghost:1`})),
			'ResourceNotFoundException',
			`Resource ${arnOf(name)}/consumer/ghost:1 under account ${ACCOUNT} not found.`,
		);
	});
});

describe('SubscribeToShard with the SDK default client (HTTP/2)', () => {
	const harness = useEngine('http2', {registerConsumerMs: 0, subscriptionMs: 1_000, subscriptionTakeoverMs: 400});

	it('pushes every record in order while a producer writes, across renewals from ContinuationSequenceNumber', async () => {
		const {client} = harness;
		const name = uniqueName('fanout');
		await createStream(client, name);
		const consumer = await register(client, name, 'app');
		const batches = 30;
		const perBatch = 10;
		const producer = (async () => {
			for (let batch = 0; batch < batches; batch++) {
				const records = Array.from({length: perBatch}, (_, index) => ({
					PartitionKey: `k${index % 3}`,
					Data: Buffer.from(`${batch}-${index}`),
				}));
				if (batch % 2 === 0) await client.send(new PutRecordsCommand({StreamName: name, Records: records}));
				else for (const record of records) await client.send(new PutRecordCommand({StreamName: name, ...record}));
				await sleep(60);
			}
		})();

		const received: _Record[] = [];
		let position: StartingPosition = {Type: 'TRIM_HORIZON'};
		let subscriptions = 0;
		let lastEvent: SubscribeToShardEvent | undefined;
		while (received.length < batches * perBatch) {
			subscriptions++;
			for await (const event of eventsOf(await subscribe(client, consumer.ConsumerARN, position))) {
				lastEvent = event.SubscribeToShardEvent;
				received.push(...(lastEvent?.Records ?? []));
				expect(lastEvent?.MillisBehindLatest).toBeGreaterThanOrEqual(0);
			}
			// The stream ended with the subscription's lifetime: carry on after the last record it covered.
			expect(lastEvent?.ContinuationSequenceNumber).toMatch(/^\d+$/);
			position = {Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: lastEvent?.ContinuationSequenceNumber};
		}
		await producer;

		expect(subscriptions).toBeGreaterThan(1);
		const written = await readToEnd(client, await iterator(client, name, SHARD, 'TRIM_HORIZON'));
		expect(received.map((record) => record.SequenceNumber)).toEqual(written.map((record) => record.SequenceNumber));
		expect(received.map(text)).toEqual(
			Array.from({length: batches * perBatch}, (_, index) => `${Math.floor(index / perBatch)}-${index % perBatch}`),
		);
		expect(received[0]?.ApproximateArrivalTimestamp).toBeInstanceOf(Date);
		expect(received[0]?.PartitionKey).toBe('k0');
	});

	it("sends the ChildShards at a closed shard's end, without a continuation, and ends the stream", async () => {
		const {client} = harness;
		const name = uniqueName('fanout-split');
		await createStream(client, name);
		const consumer = await register(client, name, 'app');
		for (const key of ['a', 'b', 'c'])
			await client.send(new PutRecordCommand({StreamName: name, PartitionKey: key, Data: Buffer.from(key)}));

		const events: SubscribeToShardEvent[] = [];
		for await (const event of eventsOf(await subscribe(client, consumer.ConsumerARN, {Type: 'TRIM_HORIZON'}))) {
			if (!event.SubscribeToShardEvent) continue;
			events.push(event.SubscribeToShardEvent);
			if (events.flatMap((each) => each.Records ?? []).length === 3 && events.length === 1) {
				await client.send(new SplitShardCommand({StreamName: name, ShardToSplit: SHARD, NewStartingHashKey: String(1n << 127n)}));
			}
		}
		expect(events.flatMap((each) => each.Records ?? []).map(text)).toEqual(['a', 'b', 'c']);
		const last = events.at(-1);
		expect(last?.ContinuationSequenceNumber).toBeUndefined();
		expect(last?.ChildShards).toEqual([
			{
				ShardId: 'shardId-000000000001',
				ParentShards: [SHARD],
				HashKeyRange: {StartingHashKey: '0', EndingHashKey: String((1n << 127n) - 1n)},
			},
			{
				ShardId: 'shardId-000000000002',
				ParentShards: [SHARD],
				HashKeyRange: {StartingHashKey: String(1n << 127n), EndingHashKey: String((1n << 128n) - 1n)},
			},
		]);
	});

	it('starts where asked: LATEST, AT_SEQUENCE_NUMBER and AT_TIMESTAMP', async () => {
		const {client} = harness;
		const name = uniqueName('fanout-start');
		await createStream(client, name);
		const consumer = await register(client, name, 'app');
		const puts = [];
		for (const data of ['one', 'two', 'three']) {
			puts.push(await client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from(data)})));
			await sleep(5);
		}
		const firstEvent = async (position: StartingPosition) => {
			for await (const event of eventsOf(await subscribe(client, consumer.ConsumerARN, position))) return event.SubscribeToShardEvent;
			return undefined;
		};
		const atSecond = await firstEvent({Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: puts[1]?.SequenceNumber});
		expect(atSecond?.Records?.map(text)).toEqual(['two', 'three']);
		// A new subscription for the same consumer and shard has to wait out the takeover window.
		await sleep(450);
		const latest = await firstEvent({Type: 'LATEST'});
		expect(latest?.Records).toEqual([]);
		// Nothing after LATEST yet: the continuation is the newest record, so a renewal misses nothing.
		expect(latest?.ContinuationSequenceNumber).toBe(puts[2]?.SequenceNumber);
		await sleep(450);
		const written = await readToEnd(client, await iterator(client, name, SHARD, 'TRIM_HORIZON'));
		const atTime = await firstEvent({Type: 'AT_TIMESTAMP', Timestamp: written[2]?.ApproximateArrivalTimestamp});
		expect(atTime?.Records?.map(text)).toEqual(['three']);
	});

	it('refuses a second subscription for the same consumer and shard, and lets a later one take over', async () => {
		const {client} = harness;
		const name = uniqueName('fanout-busy');
		await createStream(client, name);
		const consumer = await register(client, name, 'app');
		const first = eventsOf(await subscribe(client, consumer.ConsumerARN, {Type: 'LATEST'}));
		const firstDone = (async () => {
			for await (const _event of first) {
				// Reads until the stream fails.
			}
		})().then(
			() => undefined,
			(error: unknown) => error,
		);
		await expectError(
			subscribe(client, consumer.ConsumerARN, {Type: 'LATEST'}),
			'ResourceInUseException',
			`Another active subscription exists for this consumer: ${ACCOUNT}:${name}:${SHARD}:app`,
		);
		await sleep(450);
		const second = eventsOf(await subscribe(client, consumer.ConsumerARN, {Type: 'LATEST'}));
		const error = (await firstDone) as Error | undefined;
		expect({name: error?.name, message: error?.message}).toEqual({
			name: 'ResourceInUseException',
			message: `Another active subscription exists for this consumer: ${ACCOUNT}:${name}:${SHARD}:app`,
		});
		for await (const event of second) {
			expect(event.SubscribeToShardEvent?.Records).toEqual([]);
			break;
		}
	});

	it('ends a subscription with an exception event when its consumer is deregistered', async () => {
		const {client} = harness;
		const name = uniqueName('fanout-gone');
		await createStream(client, name);
		const consumer = await register(client, name, 'app');
		const events = eventsOf(await subscribe(client, consumer.ConsumerARN, {Type: 'TRIM_HORIZON'}));
		const failure = (async () => {
			for await (const _event of events) await client.send(new DeregisterStreamConsumerCommand({ConsumerARN: consumer.ConsumerARN}));
		})().then(
			() => undefined,
			(error: unknown) => error as Error,
		);
		const error = await failure;
		expect({name: error?.name, message: error?.message}).toEqual({
			name: 'ResourceNotFoundException',
			message: `Consumer ${consumer.ConsumerARN}, account ${ACCOUNT} not found.`,
		});
	});

	it('answers a bad subscription with AWS errors before any event', async () => {
		const {client} = harness;
		const name = uniqueName('fanout-errors');
		await createStream(client, name);
		const consumer = await register(client, name, 'app');
		const ghost = `${arnOf(name)}/consumer/ghost:1`;
		await expectError(
			subscribe(client, ghost, {Type: 'LATEST'}),
			'ResourceNotFoundException',
			`Consumer ${ghost}, account ${ACCOUNT} not found.`,
		);
		await expectError(
			subscribe(client, consumer.ConsumerARN, {Type: 'LATEST'}, 'shardId-000000000007'),
			'ResourceNotFoundException',
			`Shard shardId-000000000007 in stream ${name} under account ${ACCOUNT} does not exist`,
		);
		await expectError(
			subscribe(client, consumer.ConsumerARN, {Type: 'AT_SEQUENCE_NUMBER'}),
			'InvalidArgumentException',
			'StartingPosition of type AT_SEQUENCE_NUMBER requires a SequenceNumber.',
		);
	});
});

describe('SubscribeToShard with throughput limits', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {registerConsumerMs: 0, throughputLimits: true, now: clock.now, subscriptionMs: 30_000});

	it('pushes a consumer far behind at no more than 2 MiB/s, in events of at most 2 MiB, every record in order', async () => {
		const {client} = harness;
		const name = uniqueName('fanout-paced');
		await createStream(client, name);
		// 30 records of 200 KiB (about 5.9 MiB), written five a second so as to stay inside the 1 MiB/s write budget.
		const size = 200 * 1024;
		for (let batch = 0; batch < 6; batch++) {
			const records = Array.from({length: 5}, (_, index) => ({PartitionKey: 'k', Data: Buffer.alloc(size, batch * 5 + index)}));
			expect((await client.send(new PutRecordsCommand({StreamName: name, Records: records}))).FailedRecordCount).toBe(0);
			clock.advance(1000);
		}
		const consumer = await register(client, name, 'catching-up');

		const events: Array<{at: number; bytes: number}> = [];
		const received: _Record[] = [];
		const subscribed = Date.now();
		for await (const event of eventsOf(await subscribe(client, consumer.ConsumerARN, {Type: 'TRIM_HORIZON'}))) {
			const records = event.SubscribeToShardEvent?.Records ?? [];
			if (records.length === 0) continue;
			events.push({
				at: Date.now(),
				bytes: records.reduce((sum, record) => sum + (record.Data?.length ?? 0) + (record.PartitionKey?.length ?? 0), 0),
			});
			received.push(...records);
			if (received.length === 30) break;
		}
		expect(received.map((record) => record.Data?.[0])).toEqual(Array.from({length: 30}, (_, index) => index));
		expect(Math.max(...events.map((event) => event.bytes))).toBeLessThanOrEqual(2 * 1024 * 1024);
		// Each event arrives no sooner than the ones before it are paid for at 2 MiB/s, counted from the
		// subscription (a bound that a slow machine only makes looser; a few milliseconds' leeway for timers).
		expect(events.length).toBeGreaterThanOrEqual(3);
		let paidMs = 0;
		for (const event of events) {
			expect(event.at - subscribed).toBeGreaterThanOrEqual(paidMs - 5);
			paidMs += (event.bytes / (2 * 1024 * 1024)) * 1000;
		}
	});
});

describe('SubscribeToShard for a consumer still CREATING', () => {
	const harness = useEngine('http2', {registerConsumerMs: 60_000});

	it('is refused with ResourceInUseException until the consumer is ACTIVE', async () => {
		const {client} = harness;
		const name = uniqueName('fanout-creating');
		await createStream(client, name);
		const consumer = await register(client, name, 'early');
		const seconds = Math.floor(consumer.ConsumerCreationTimestamp.getTime() / 1000);
		await expectError(
			subscribe(client, consumer.ConsumerARN, {Type: 'LATEST'}),
			'ResourceInUseException',
			`Consumer early with creation timestamp ${seconds} under stream: ${name} , account ${ACCOUNT} is not in ACTIVE status.`,
		);
	});
});

describe('SubscribeToShard over HTTP/1.1 (the SDK with its HTTP/1.1 handler)', () => {
	const harness = useEngine('http1', {registerConsumerMs: 0, subscriptionMs: 800});

	it('streams the same events in chunks', async () => {
		const {client} = harness;
		const name = uniqueName('fanout-h1');
		await createStream(client, name);
		const consumer = await register(client, name, 'app');
		const writer = kinesisClient(harness.url, 'http1');
		try {
			setTimeout(() => void writer.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('over h1')})), 100);
			const records: _Record[] = [];
			for await (const event of eventsOf(await subscribe(client, consumer.ConsumerARN, {Type: 'LATEST'}))) {
				records.push(...(event.SubscribeToShardEvent?.Records ?? []));
			}
			expect(records.map(text)).toEqual(['over h1']);
		} finally {
			writer.destroy();
		}
	});
});

describe('a subscription under way', () => {
	it('ends when the engine closes, and the close does not wait out its 5 minutes', async () => {
		const engine = await startEngine({registerConsumerMs: 0});
		const client = kinesisClient(engine.url);
		try {
			const name = uniqueName('closing');
			await createStream(client, name);
			const consumer = await register(client, name, 'open');
			const events = eventsOf(await subscribe(client, consumer.ConsumerARN, {Type: 'LATEST'}));
			let seen = 0;
			const read = (async () => {
				for await (const _event of events) seen++;
			})().catch(() => undefined);
			while (seen === 0) await sleep(20);
			// Were the subscription's abort lost, its events would end only at the next heartbeat, 5 s on.
			const closing = performance.now();
			await engine.close();
			expect(performance.now() - closing).toBeLessThan(3_000);
			await read;
			expect(seen).toBeGreaterThan(0);
		} finally {
			client.destroy();
			await engine.close();
		}
	});
});

describe('consumers in the store', () => {
	it('are kept with their stream across a restart of the engine', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'engine-consumers-'));
		try {
			const first = await startEngine({dataDir, registerConsumerMs: 0});
			const client = kinesisClient(first.url);
			const name = uniqueName('kept');
			await createStream(client, name);
			const consumer = await register(client, name, 'durable');
			client.destroy();
			await first.close();

			const second = await startEngine({dataDir, registerConsumerMs: 0});
			const again = kinesisClient(second.url);
			try {
				const {ConsumerDescription} = await again.send(new DescribeStreamConsumerCommand({ConsumerARN: consumer.ConsumerARN}));
				expect(ConsumerDescription).toEqual({...consumer, StreamARN: arnOf(name)});
				expect((await again.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary?.ConsumerCount).toBe(1);
			} finally {
				again.destroy();
				await second.close();
			}
		} finally {
			rmSync(dataDir, {recursive: true, force: true});
		}
	});
});
