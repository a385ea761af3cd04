import {
	CreateStreamCommand,
	type CreateStreamCommandInput,
	DescribeStreamCommand,
	DescribeStreamSummaryCommand,
	GetShardIteratorCommand,
	ListShardsCommand,
	ListStreamsCommand,
	ListTagsForStreamCommand,
	PutRecordCommand,
	type PutRecordCommandInput,
	PutRecordsCommand,
	type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, createStream, expectError, iterator, readToEnd, transports, uniqueName, useEngine} from './support.js';

const MiB = 1024 * 1024;
const NAME_PATTERN = 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+';
const oneError = (detail: string) => `1 validation error detected: ${detail}`;
const errors = (...details: string[]) => `${details.length} validation errors detected: ${details.join('; ')}`;
const at = (value: string, path: string, constraint: string) => `Value ${value} at '${path}' failed to satisfy constraint: ${constraint}`;

describe.each(transports)('validation over %s', (transport) => {
	const harness = useEngine(transport);

	it('refuses a stream name outside the pattern', async () => {
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: 'bad name!', ShardCount: 1})),
			'ValidationException',
			"1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
		);
	});

	it('validates before looking the stream up', async () => {
		await expectError(
			harness.client.send(new DescribeStreamCommand({StreamName: 'no such stream'})),
			'ValidationException',
			oneError(at("'no such stream'", 'streamName', NAME_PATTERN)),
		);
	});

	it('reports every broken constraint of a member, pattern before length, as AWS orders them', async () => {
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: '', ShardCount: 1})),
			'ValidationException',
			errors(at("''", 'streamName', NAME_PATTERN), at("''", 'streamName', 'Member must have length greater than or equal to 1')),
		);
		const long = 'a'.repeat(129);
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: long, ShardCount: 1})),
			'ValidationException',
			oneError(at(`'${long}'`, 'streamName', 'Member must have length less than or equal to 128')),
		);
		const longAndBad = `${'a'.repeat(128)}!`;
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: longAndBad, ShardCount: 1})),
			'ValidationException',
			errors(
				at(`'${longAndBad}'`, 'streamName', NAME_PATTERN),
				at(`'${longAndBad}'`, 'streamName', 'Member must have length less than or equal to 128'),
			),
		);
	});

	it("joins errors of several members with '; '", async () => {
		await expectError(
			harness.client.send(
				new GetShardIteratorCommand({
					StreamName: 'fine',
					ShardId: '',
					ShardIteratorType: 'SOMEWHERE' as ShardIteratorType,
					StartingSequenceNumber: '',
				}),
			),
			'ValidationException',
			errors(
				at("''", 'shardId', NAME_PATTERN),
				at("''", 'shardId', 'Member must have length greater than or equal to 1'),
				at(
					"'SOMEWHERE'",
					'shardIteratorType',
					'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]',
				),
				at("''", 'startingSequenceNumber', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})'),
			),
		);
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: 'ok', ShardCount: 0})),
			'ValidationException',
			oneError(at("'0'", 'shardCount', 'Member must have value greater than or equal to 1')),
		);
	});

	it('reports a missing required member as null', async () => {
		await expectError(
			harness.client.send(new CreateStreamCommand({ShardCount: 1} as CreateStreamCommandInput)),
			'ValidationException',
			oneError(at('null', 'streamName', 'Member must not be null')),
		);
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: 'fine', Data: Buffer.from('x')} as PutRecordCommandInput)),
			'ValidationException',
			oneError(at('null', 'partitionKey', 'Member must not be null')),
		);
	});

	it('refuses numbers out of range', async () => {
		await expectError(
			harness.client.send(new ListShardsCommand({StreamName: 'fine', MaxResults: 10_001})),
			'ValidationException',
			oneError(at("'10001'", 'maxResults', 'Member must have value less than or equal to 10000')),
		);
		await expectError(
			harness.client.send(new DescribeStreamCommand({StreamName: 'fine', Limit: 0})),
			'ValidationException',
			oneError(at("'0'", 'limit', 'Member must have value greater than or equal to 1')),
		);
		await expectError(
			harness.client.send(new ListStreamsCommand({Limit: 0})),
			'ValidationException',
			oneError(at("'0'", 'limit', 'Member must have value greater than or equal to 1')),
		);
		await expectError(
			harness.client.send(new ListTagsForStreamCommand({StreamName: 'fine', Limit: 51})),
			'ValidationException',
			oneError(at("'51'", 'limit', 'Member must have value less than or equal to 50')),
		);
	});

	it('refuses a StreamARN outside the ARN pattern', async () => {
		await expectError(
			harness.client.send(new DescribeStreamCommand({StreamARN: 'not-an-arn'})),
			'ValidationException',
			oneError(at("'not-an-arn'", 'streamARN', 'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+')),
		);
	});

	it('refuses partition keys outside 1..256 characters', async () => {
		const long = 'k'.repeat(257);
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: 'fine', PartitionKey: long, Data: Buffer.from('x')})),
			'ValidationException',
			oneError(at(`'${long}'`, 'partitionKey', 'Member must have length less than or equal to 256')),
		);
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: 'fine', PartitionKey: '', Data: Buffer.from('x')})),
			'ValidationException',
			oneError(at("''", 'partitionKey', 'Member must have length greater than or equal to 1')),
		);
	});

	it('refuses data over 1 MiB, shown as Java prints a byte buffer', async () => {
		const name = uniqueName('big-data');
		await createStream(harness.client, name);
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'a', Data: Buffer.alloc(MiB + 1)})),
			'ValidationException',
			oneError(
				at("'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]'", 'data', 'Member must have length less than or equal to 1048576'),
			),
		);
	});

	it('names list members by their 1-based position', async () => {
		await expectError(
			harness.client.send(
				new PutRecordsCommand({
					StreamName: 'fine',
					Records: [
						{PartitionKey: '', Data: Buffer.from('a')},
						{PartitionKey: 'b', Data: Buffer.alloc(10 * MiB + 1)},
						{PartitionKey: 'c', Data: Buffer.from('c'), ExplicitHashKey: '0123'},
						{PartitionKey: 'd', Data: Buffer.from('d')},
					],
				}),
			),
			'ValidationException',
			errors(
				at("''", 'records.1.member.partitionKey', 'Member must have length greater than or equal to 1'),
				// Over the service model's 10 MiB: refused before the stream's own limit is looked at.
				at(
					"'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]'",
					'records.2.member.data',
					'Member must have length less than or equal to 10485760',
				),
				at("'0123'", 'records.3.member.explicitHashKey', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})'),
			),
		);
	});

	it('refuses a malformed ExplicitHashKey', async () => {
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: 'fine', PartitionKey: 'a', Data: Buffer.from('x'), ExplicitHashKey: '-1'})),
			'ValidationException',
			oneError(at("'-1'", 'explicitHashKey', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})')),
		);
		const fortyDigits = '1'.repeat(40);
		await expectError(
			harness.client.send(
				new PutRecordCommand({StreamName: 'fine', PartitionKey: 'a', Data: Buffer.from('x'), ExplicitHashKey: fortyDigits}),
			),
			'ValidationException',
			oneError(at(`'${fortyDigits}'`, 'explicitHashKey', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})')),
		);
	});

	it('stops at 10 errors', async () => {
		await expectError(
			harness.client.send(
				new PutRecordsCommand({StreamName: 'fine', Records: Array.from({length: 12}, () => ({PartitionKey: '', Data: Buffer.from('x')}))}),
			),
			'ValidationException',
			errors(
				...Array.from({length: 10}, (_, index) =>
					at("''", `records.${index + 1}.member.partitionKey`, 'Member must have length greater than or equal to 1'),
				),
			),
		);
	});

	it('refuses PutRecords with no records or more than 500', async () => {
		await expectError(
			harness.client.send(new PutRecordsCommand({StreamName: 'fine', Records: []})),
			'ValidationException',
			oneError(at("'[]'", 'records', 'Member must have length greater than or equal to 1')),
		);
		const entries = Array.from({length: 501}, () => 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry').join(', ');
		await expectError(
			harness.client.send(
				new PutRecordsCommand({
					StreamName: 'fine',
					Records: Array.from({length: 501}, () => ({PartitionKey: 'a', Data: Buffer.from('x')})),
				}),
			),
			'ValidationException',
			oneError(at(`'[${entries}]'`, 'records', 'Member must have length less than or equal to 500')),
		);
	});

	it('takes a PutRecords of exactly 5 MiB with keys and refuses one byte more', async () => {
		const name = uniqueName('five-mib');
		const shards = await createStream(harness.client, name, 5);
		// One record per shard, so that no shard goes over its 1 MiB/s write budget.
		const records = (extra: number) =>
			shards.map((shard, index) => ({
				PartitionKey: String(index),
				ExplicitHashKey: shard.HashKeyRange?.StartingHashKey ?? '',
				Data: Buffer.alloc(MiB - 1 + (index === 0 ? extra : 0), index),
			}));
		await expectError(
			harness.client.send(new PutRecordsCommand({StreamName: name, Records: records(1)})),
			'InvalidArgumentException',
			'Records size exceeds 5 MB limit',
		);
		const accepted = await harness.client.send(new PutRecordsCommand({StreamName: name, Records: records(0)}));
		expect(accepted.FailedRecordCount).toBe(0);
		expect(accepted.Records?.map((record) => record.ShardId)).toEqual(shards.map((shard) => shard.ShardId));
		for (const [index, shard] of shards.entries()) {
			const stored = await readToEnd(harness.client, await iterator(harness.client, name, shard.ShardId ?? '', 'TRIM_HORIZON'));
			expect(stored.map((record) => Buffer.from(record.Data ?? new Uint8Array()).equals(Buffer.alloc(MiB - 1, index)))).toEqual([true]);
		}
	});

	it('refuses six records of 1 MiB as over 5 MB before storing any', async () => {
		const name = uniqueName('six-mib');
		await createStream(harness.client, name);
		await expectError(
			harness.client.send(
				new PutRecordsCommand({
					StreamName: name,
					Records: Array.from({length: 6}, (_, index) => ({PartitionKey: String(index), Data: Buffer.alloc(MiB)})),
				}),
			),
			'InvalidArgumentException',
			'Records size exceeds 5 MB limit',
		);
		expect(await readToEnd(harness.client, await iterator(harness.client, name, 'shardId-000000000000', 'TRIM_HORIZON'))).toEqual([]);
	});

	it("refuses shards beyond the account's default limit of 20,000 in us-east-1", async () => {
		const name = uniqueName('too-many-shards');
		let current = 0;
		for (const stream of (await harness.client.send(new ListStreamsCommand({}))).StreamNames ?? []) {
			current +=
				(await harness.client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary?.OpenShardCount ?? 0;
		}
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: name, ShardCount: 20_001 - current})),
			'LimitExceededException',
			`This request would exceed the shard limit for the account ${ACCOUNT} in us-east-1. Current shard count for the account: ${current}. Limit: 20000. ` +
				`Number of additional shards that would have resulted from this request: ${20_001 - current}. ` +
				'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.',
		);
	});
});
