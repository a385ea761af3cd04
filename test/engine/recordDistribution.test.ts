import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	PutRecordCommand,
	PutRecordsCommand,
	UpdateStreamRecordDistributionStrategyCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, arnOf, createStream, expectError, uniqueName, useEngine} from './support.js';

const autoRefused = (name: string) =>
	`Record distribution strategy AUTO is supported only for ON_DEMAND streams; stream ${name} under account ${ACCOUNT} is PROVISIONED.`;

describe('record distribution strategy', () => {
	const harness = useEngine('http2');
	const summaryOf = async (name: string) =>
		(await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary;
	const setStrategy = (name: string, strategy: 'AUTO' | 'USER_PARTITION_KEY') =>
		harness.client.send(new UpdateStreamRecordDistributionStrategyCommand({StreamARN: arnOf(name), RecordDistributionStrategy: strategy}));
	/** The shards 200 records of one partition key (and one explicit hash key) land on. */
	const shardsOfOneKey = async (name: string) => {
		const answer = await harness.client.send(
			new PutRecordsCommand({
				StreamName: name,
				Records: Array.from({length: 200}, () => ({PartitionKey: 'same', ExplicitHashKey: '0', Data: Buffer.from('x')})),
			}),
		);
		return new Set(answer.Records?.map((record) => record.ShardId));
	};

	it('spreads one partition key over the shards of an on-demand stream under AUTO, and keeps it on one shard otherwise', async () => {
		const name = uniqueName('distribution');
		await harness.client.send(new CreateStreamCommand({StreamName: name, StreamModeDetails: {StreamMode: 'ON_DEMAND'}}));
		expect((await summaryOf(name))?.RecordDistributionStrategy).toBe('USER_PARTITION_KEY');
		expect(await shardsOfOneKey(name)).toEqual(new Set(['shardId-000000000000']));

		await setStrategy(name, 'AUTO');
		// No UPDATING: "the change takes effect immediately".
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'ACTIVE', RecordDistributionStrategy: 'AUTO'});
		// 200 records on one of four shards by chance: 4 × (1/4)^200.
		expect((await shardsOfOneKey(name)).size).toBeGreaterThan(1);
		const single = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'same', Data: Buffer.from('y')}));
		expect(single.ShardId).toMatch(/^shardId-00000000000[0-3]$/);

		await setStrategy(name, 'USER_PARTITION_KEY');
		expect(await shardsOfOneKey(name)).toEqual(new Set(['shardId-000000000000']));
	});

	it('sets AUTO at CreateStream on an on-demand stream only', async () => {
		const name = uniqueName('distribution-created');
		await harness.client.send(
			new CreateStreamCommand({StreamName: name, StreamModeDetails: {StreamMode: 'ON_DEMAND'}, RecordDistributionStrategy: 'AUTO'}),
		);
		expect((await summaryOf(name))?.RecordDistributionStrategy).toBe('AUTO');
		const provisioned = uniqueName('distribution-provisioned');
		await expectError(
			harness.client.send(new CreateStreamCommand({StreamName: provisioned, ShardCount: 1, RecordDistributionStrategy: 'AUTO'})),
			'InvalidArgumentException',
			autoRefused(provisioned),
		);
	});

	it('refuses AUTO on a provisioned stream, values outside the enum, and unknown streams', async () => {
		const name = uniqueName('distribution-checks');
		await createStream(harness.client, name);
		await expectError(setStrategy(name, 'AUTO'), 'InvalidArgumentException', autoRefused(name));
		// The member is present only for on-demand streams.
		expect(await summaryOf(name)).not.toHaveProperty('RecordDistributionStrategy');
		await expectError(
			setStrategy(name, 'RANDOM' as 'AUTO'),
			'ValidationException',
			"1 validation error detected: Value 'RANDOM' at 'recordDistributionStrategy' failed to satisfy constraint: Member must satisfy enum value set: [AUTO, USER_PARTITION_KEY]",
		);
		await expectError(
			setStrategy('no-such-stream', 'AUTO'),
			'ResourceNotFoundException',
			`Stream no-such-stream under account ${ACCOUNT} not found.`,
		);
	});
});
