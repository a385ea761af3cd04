import {
	DecreaseStreamRetentionPeriodCommand,
	DescribeStreamCommand,
	DescribeStreamSummaryCommand,
	GetRecordsCommand,
	IncreaseStreamRetentionPeriodCommand,
	type KinesisClient,
	PutRecordsCommand,
	SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {
	ACCOUNT,
	FakeClock,
	arnOf,
	createStream,
	expectError,
	iterator,
	readToEnd,
	text,
	transports,
	uniqueName,
	useEngine,
} from './support.js';
import {allShards, shardId} from './shardMaps.js';

const HOUR = 3_600_000;

const increase = (client: KinesisClient, name: string, hours: number) =>
	client.send(new IncreaseStreamRetentionPeriodCommand({StreamName: name, RetentionPeriodHours: hours}));
const decrease = (client: KinesisClient, name: string, hours: number) =>
	client.send(new DecreaseStreamRetentionPeriodCommand({StreamName: name, RetentionPeriodHours: hours}));

const tooShort = (hours: number) =>
	`Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`;
const tooLong = (hours: number) =>
	`Maximum allowed retention period is 8760 hours. Requested retention period (${hours} hours) is too long.`;
const notShorter = (name: string, hours: number, current: number) =>
	`Requested retention period (${hours} hours) for stream ${name} can not be shorter than existing retention period (${current} hours). Use DecreaseRetentionPeriod API.`;
const notLonger = (name: string, hours: number, current: number) =>
	`Requested retention period (${hours} hours) for stream ${name} can not be longer than existing retention period (${current} hours). Use IncreaseRetentionPeriod API.`;

describe.each(transports)('retention periods over %s', (transport) => {
	const clock = new FakeClock();
	const harness = useEngine(transport, {now: clock.now});

	const retentionOf = async (name: string) => {
		const {StreamDescription: described} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));
		const {StreamDescriptionSummary: summary} = await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}));
		expect(summary?.RetentionPeriodHours).toBe(described?.RetentionPeriodHours);
		return described?.RetentionPeriodHours;
	};
	const put = (name: string, values: readonly string[]) =>
		harness.client.send(
			new PutRecordsCommand({StreamName: name, Records: values.map((value) => ({PartitionKey: 'k', Data: Buffer.from(value)}))}),
		);
	const readAll = async (name: string) =>
		(await readToEnd(harness.client, await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON'))).map(text);

	it('increases and decreases within 24..8760 hours, by name or ARN, shown in the descriptions', async () => {
		const name = uniqueName('retention');
		await createStream(harness.client, name);
		expect(await retentionOf(name)).toBe(24);
		await increase(harness.client, name, 48);
		expect(await retentionOf(name)).toBe(48);
		await increase(harness.client, name, 8760);
		expect(await retentionOf(name)).toBe(8760);
		await decrease(harness.client, name, 24);
		expect(await retentionOf(name)).toBe(24);
		await harness.client.send(new IncreaseStreamRetentionPeriodCommand({StreamARN: arnOf(name), RetentionPeriodHours: 168}));
		expect(await retentionOf(name)).toBe(168);
		await harness.client.send(new DecreaseStreamRetentionPeriodCommand({StreamARN: arnOf(name), RetentionPeriodHours: 100}));
		expect(await retentionOf(name)).toBe(100);
	});

	it('refuses periods outside 24..8760 hours and changes in the wrong direction', async () => {
		const name = uniqueName('retention-refused');
		await createStream(harness.client, name);
		await increase(harness.client, name, 168);
		for (const change of [increase, decrease]) {
			for (const hours of [0, 1, 23]) await expectError(change(harness.client, name, hours), 'InvalidArgumentException', tooShort(hours));
			for (const hours of [8761, 100_000])
				await expectError(change(harness.client, name, hours), 'InvalidArgumentException', tooLong(hours));
		}
		await expectError(increase(harness.client, name, 100), 'InvalidArgumentException', notShorter(name, 100, 168));
		await expectError(increase(harness.client, name, 24), 'InvalidArgumentException', notShorter(name, 24, 168));
		await expectError(decrease(harness.client, name, 169), 'InvalidArgumentException', notLonger(name, 169, 168));
		await expectError(decrease(harness.client, name, 8760), 'InvalidArgumentException', notLonger(name, 8760, 168));
		expect(await retentionOf(name)).toBe(168);
		const absent = uniqueName('absent');
		await expectError(
			increase(harness.client, absent, 48),
			'ResourceNotFoundException',
			`Stream ${absent} under account ${ACCOUNT} not found.`,
		);
		await expectError(
			decrease(harness.client, absent, 24),
			'ResourceNotFoundException',
			`Stream ${absent} under account ${ACCOUNT} not found.`,
		);
	});

	it('makes records older than a decreased retention unreadable at once, and moves TRIM_HORIZON with time', async () => {
		const name = uniqueName('retention-decrease');
		await createStream(harness.client, name);
		await increase(harness.client, name, 72);
		const startedAt = clock.ms;
		await put(name, ['old-0', 'old-1', 'old-2']);
		clock.advance(30 * HOUR);
		const newer = await put(name, ['new-0', 'new-1', 'new-2']);
		expect(await readAll(name)).toEqual(['old-0', 'old-1', 'old-2', 'new-0', 'new-1', 'new-2']);
		// An iterator taken before the decrease, at the oldest record.
		const early = await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON');

		await decrease(harness.client, name, 24);
		expect(await retentionOf(name)).toBe(24);
		expect(await readAll(name)).toEqual(['new-0', 'new-1', 'new-2']);
		const fromEarly = await harness.client.send(new GetRecordsCommand({ShardIterator: early}));
		expect(fromEarly.Records?.map(text)).toEqual(['new-0', 'new-1', 'new-2']);
		expect(fromEarly.Records?.[0]?.SequenceNumber).toBe(newer.Records?.[0]?.SequenceNumber);
		// AT_TIMESTAMP before the horizon starts at the oldest record still kept.
		const atStart = await iterator(harness.client, name, shardId(0), 'AT_TIMESTAMP', {Timestamp: new Date(startedAt)});
		expect((await readToEnd(harness.client, atStart)).map(text)).toEqual(['new-0', 'new-1', 'new-2']);

		clock.advance(20 * HOUR);
		await put(name, ['later-0', 'later-1']);
		expect(await readAll(name)).toEqual(['new-0', 'new-1', 'new-2', 'later-0', 'later-1']);
		// Once the new records are more than 24 hours old, TRIM_HORIZON has moved past them.
		clock.advance(4 * HOUR - 1);
		expect(await readAll(name)).toEqual(['new-0', 'new-1', 'new-2', 'later-0', 'later-1']);
		clock.advance(2);
		expect(await readAll(name)).toEqual(['later-0', 'later-1']);
	});

	it('does not bring back records that expired before retention was increased', async () => {
		const name = uniqueName('retention-increase');
		await createStream(harness.client, name);
		await put(name, ['expired']);
		clock.advance(25 * HOUR);
		await put(name, ['kept']);
		expect(await readAll(name)).toEqual(['kept']);
		await increase(harness.client, name, 168);
		expect(await readAll(name)).toEqual(['kept']);
		// Records within the old period stay, and now live for the new one.
		clock.advance(100 * HOUR);
		expect(await readAll(name)).toEqual(['kept']);
	});

	it('stops listing a closed shard once retention has passed since it closed', async () => {
		const name = uniqueName('retention-closed');
		await createStream(harness.client, name);
		await put(name, ['in the parent']);
		await harness.client.send(new SplitShardCommand({StreamName: name, ShardToSplit: shardId(0), NewStartingHashKey: String(1n << 127n)}));
		clock.advance(24 * HOUR - 1);
		expect((await allShards(harness.client, name)).map((shard) => shard.ShardId)).toEqual([shardId(0), shardId(1), shardId(2)]);
		clock.advance(2);
		expect((await allShards(harness.client, name)).map((shard) => shard.ShardId)).toEqual([shardId(1), shardId(2)]);
		const {StreamDescription: described} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));
		expect(described?.Shards?.map((shard) => shard.ShardId)).toEqual([shardId(1), shardId(2)]);
	});
});
