import {
	CreateStreamCommand,
	RegisterStreamConsumerCommand,
	SubscribeToShardCommand,
	DescribeStreamCommand,
	DescribeStreamSummaryCommand,
	PutRecordCommand,
	PutRecordsCommand,
	UpdateMaxRecordSizeCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, FakeClock, arnOf, createStream, expectError, iterator, readToEnd, uniqueName, useEngine} from './support.js';

const MiB = 1024 * 1024;
const oneError = (text: string) => `1 validation error detected: ${text}`;
/** AWS's words for data over a stream's limit (awslabs/amazon-kinesis-producer issue 680), with the value as the engine shows it. */
const dataTooLong = (bytes: number, path: string, limit: number) =>
	oneError(
		`Value 'java.nio.HeapByteBuffer[pos=0 lim=${bytes} cap=${bytes}]' at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${limit}`,
	);
/** Data that can be told apart byte for byte, so that a record read back intact is a real check. */
const pattern = (bytes: number, seed: number) => Buffer.from(Array.from({length: bytes}, (_, index) => (index * 31 + seed) % 251));

describe('max record size', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {now: clock.now});
	const summaryOf = async (name: string) =>
		(await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary;
	const readAll = async (name: string) =>
		readToEnd(harness.client, await iterator(harness.client, name, 'shardId-000000000000', 'TRIM_HORIZON'));
	const update = (name: string, kib: number) =>
		harness.client.send(new UpdateMaxRecordSizeCommand({StreamARN: arnOf(name), MaxRecordSizeInKiB: kib}));

	it('refuses records over 1 MiB on a stream at the default, takes up to 10 MiB once raised, and reads them back intact', async () => {
		const name = uniqueName('large-records');
		await createStream(harness.client, name);
		expect((await summaryOf(name))?.MaxRecordSizeInKiB).toBe(1024);
		const large = pattern(10 * MiB, 3);
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: pattern(MiB + 1, 1)})),
			'ValidationException',
			dataTooLong(MiB + 1, 'data', MiB),
		);
		await expectError(
			harness.client.send(
				new PutRecordsCommand({
					StreamName: name,
					Records: [
						{PartitionKey: 'a', Data: Buffer.from('small')},
						{PartitionKey: 'b', Data: pattern(2 * MiB, 2)},
					],
				}),
			),
			'ValidationException',
			dataTooLong(2 * MiB, 'records.2.member.data', MiB),
		);
		expect(await readAll(name)).toEqual([]);

		await update(name, 10_240);
		expect((await summaryOf(name))?.MaxRecordSizeInKiB).toBe(10_240);
		// DescribeStream's StreamDescription has no such member in the service model.
		expect((await harness.client.send(new DescribeStreamCommand({StreamName: name}))).StreamDescription).not.toHaveProperty(
			'MaxRecordSizeInKiB',
		);
		const put = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: large}));
		expect(put.ShardId).toBe('shardId-000000000000');
		const batch = await harness.client.send(
			new PutRecordsCommand({
				StreamName: name,
				Records: [
					{PartitionKey: 'x', Data: pattern(4 * MiB, 5)},
					{PartitionKey: 'y', Data: pattern(5 * MiB, 6)},
				],
			}),
		);
		expect(batch.FailedRecordCount).toBe(0);
		const stored = await readAll(name);
		expect(stored.map((record) => record.Data?.length)).toEqual([10 * MiB, 4 * MiB, 5 * MiB]);
		expect(Buffer.from(stored[0]?.Data ?? []).equals(large)).toBe(true);
		expect(Buffer.from(stored[1]?.Data ?? []).equals(pattern(4 * MiB, 5))).toBe(true);
		expect(Buffer.from(stored[2]?.Data ?? []).equals(pattern(5 * MiB, 6))).toBe(true);
		expect(stored[0]?.SequenceNumber).toBe(put.SequenceNumber);
	}, 60_000);

	it('takes 10 MiB a PutRecords on a raised stream and refuses more', async () => {
		const name = uniqueName('large-batch');
		await createStream(harness.client, name);
		await update(name, 8 * 1024);
		const records = (extra: number) => [
			{PartitionKey: 'a', Data: pattern(6 * MiB, 1)},
			{PartitionKey: 'b', Data: pattern(4 * MiB - 2 + extra, 2)},
		];
		await expectError(
			harness.client.send(new PutRecordsCommand({StreamName: name, Records: records(1)})),
			'InvalidArgumentException',
			'Records size exceeds 10 MB limit',
		);
		expect(await readAll(name)).toEqual([]);
		expect((await harness.client.send(new PutRecordsCommand({StreamName: name, Records: records(0)}))).FailedRecordCount).toBe(0);
		expect((await readAll(name)).map((record) => record.Data?.length)).toEqual([6 * MiB, 4 * MiB - 2]);
		// Over the stream's own 8 MiB, under the model's 10 MiB.
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: pattern(8 * MiB + 1, 1)})),
			'ValidationException',
			dataTooLong(8 * MiB + 1, 'data', 8 * MiB),
		);
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: pattern(10 * MiB + 1, 1)})),
			'ValidationException',
			dataTooLong(10 * MiB + 1, 'data', 10 * MiB),
		);
	}, 60_000);

	it('sets the size at CreateStream, and lowers it again', async () => {
		const name = uniqueName('created-large');
		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1, MaxRecordSizeInKiB: 2048}));
		expect((await summaryOf(name))?.MaxRecordSizeInKiB).toBe(2048);
		await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: pattern(2 * MiB, 1)}));
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: pattern(2 * MiB + 1, 1)})),
			'ValidationException',
			dataTooLong(2 * MiB + 1, 'data', 2 * MiB),
		);
		await update(name, 1024);
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: pattern(MiB + 1, 1)})),
			'ValidationException',
			dataTooLong(MiB + 1, 'data', MiB),
		);
		expect((await readAll(name)).map((record) => record.Data?.length)).toEqual([2 * MiB]);
	});

	it('refuses sizes outside 1024..10240 KiB, unknown streams, and streams not ACTIVE', async () => {
		const name = uniqueName('size-checks');
		await createStream(harness.client, name);
		await expectError(
			update(name, 1023),
			'ValidationException',
			oneError("Value '1023' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024"),
		);
		await expectError(
			update(name, 10_241),
			'ValidationException',
			oneError("Value '10241' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to 10240"),
		);
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: uniqueName('too-small'), ShardCount: 1, MaxRecordSizeInKiB: 512})),
			'ValidationException',
			oneError("Value '512' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024"),
		);
		await expectError(
			update('no-such-stream', 2048),
			'ResourceNotFoundException',
			`Stream no-such-stream under account ${ACCOUNT} not found.`,
		);
		expect((await summaryOf(name))?.MaxRecordSizeInKiB).toBe(1024);
	});
});

describe('max record size while a stream is not ACTIVE', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {now: clock.now, createStreamMs: 1000});

	it('refuses the update while the stream is CREATING, with ResourceInUseException', async () => {
		const name = uniqueName('creating');
		await harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1}));
		await expectError(
			harness.client.send(new UpdateMaxRecordSizeCommand({StreamARN: arnOf(name), MaxRecordSizeInKiB: 2048})),
			'ResourceInUseException',
			`Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state CREATING`,
		);
		clock.advance(1000);
		await harness.client.send(new UpdateMaxRecordSizeCommand({StreamARN: arnOf(name), MaxRecordSizeInKiB: 2048}));
		expect(
			(await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary?.MaxRecordSizeInKiB,
		).toBe(2048);
	});
});

describe('large records and the per-shard write budget', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {now: clock.now, throughputLimits: true});

	it('takes a 10 MiB record on a full budget, then refuses writes to the shard until 1 MiB/s has paid for it', async () => {
		const name = uniqueName('large-budget');
		await createStream(harness.client, name);
		await harness.client.send(new UpdateMaxRecordSizeCommand({StreamARN: arnOf(name), MaxRecordSizeInKiB: 10_240}));
		const small = () => harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('x')}));
		await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: pattern(10 * MiB, 1)}));
		const throttled = `Rate exceeded for shard shardId-000000000000 in stream ${name} under account ${ACCOUNT}.`;
		await expectError(small(), 'ProvisionedThroughputExceededException', throttled);
		// The record overdrew the budget by 9 MiB and a byte: nine seconds do not quite pay it back.
		clock.advance(8_900);
		await expectError(small(), 'ProvisionedThroughputExceededException', throttled);
		clock.advance(1_100);
		expect((await small()).ShardId).toBe('shardId-000000000000');
	}, 30_000);
});

describe('large records through enhanced fan-out', () => {
	const harness = useEngine('http2', {registerConsumerMs: 0});

	it('pushes a 10 MiB record to a SubscribeToShard subscriber intact', async () => {
		const name = uniqueName('large-fanout');
		await createStream(harness.client, name);
		await harness.client.send(new UpdateMaxRecordSizeCommand({StreamARN: arnOf(name), MaxRecordSizeInKiB: 10_240}));
		const large = pattern(10 * MiB, 4);
		await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: large}));
		const {Consumer} = await harness.client.send(new RegisterStreamConsumerCommand({StreamARN: arnOf(name), ConsumerName: 'big-reader'}));
		const subscription = await harness.client.send(
			new SubscribeToShardCommand({
				ConsumerARN: Consumer?.ConsumerARN ?? '',
				ShardId: 'shardId-000000000000',
				StartingPosition: {Type: 'TRIM_HORIZON'},
			}),
		);
		if (!subscription.EventStream) throw new Error('SubscribeToShard returned no event stream');
		for await (const event of subscription.EventStream) {
			const records = event.SubscribeToShardEvent?.Records ?? [];
			if (records.length === 0) continue;
			expect(records).toHaveLength(1);
			expect(Buffer.from(records[0]?.Data ?? []).equals(large)).toBe(true);
			break;
		}
	}, 60_000);
});
