import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	CreateChannelCommand,
	CreateStreamCommand,
	DescribeAccountSettingsCommand,
	DescribeChannelCommand,
	DescribeStreamSummaryCommand,
	GetResourcePolicyCommand,
	PutRecordCommand,
	PutResourcePolicyCommand,
	RegisterStreamConsumerCommand,
	UpdateAccountSettingsCommand,
} from '@aws-sdk/client-kinesis';
import {afterEach, describe, expect, it} from 'vitest';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {ACCOUNT, arnOf, iterator, readToEnd} from './support.js';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});

const MiB = 1024 * 1024;
const statement = (resource: string) =>
	JSON.stringify({Statement: [{Effect: 'Allow', Principal: {AWS: ACCOUNT}, Action: 'kinesis:*', Resource: resource}]});

describe('settings of the new operations across a restart', () => {
	it('keeps the account commitment, the record size, warm throughput, distribution, policies and channels in the data directory', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'engine-settings-'));
		dirs.push(dir);
		let engine = await startEngine({dataDir: dir});
		let client = kinesisClient(engine.url);
		const commitment = (await client.send(new UpdateAccountSettingsCommand({MinimumThroughputBillingCommitment: {Status: 'ENABLED'}})))
			.MinimumThroughputBillingCommitment;
		await client.send(
			new CreateStreamCommand({
				StreamName: 'settings',
				StreamModeDetails: {StreamMode: 'ON_DEMAND'},
				MaxRecordSizeInKiB: 4096,
				WarmThroughputMiBps: 30,
				RecordDistributionStrategy: 'AUTO',
			}),
		);
		const large = Buffer.alloc(3 * MiB, 9);
		const {ShardId} = await client.send(new PutRecordCommand({StreamName: 'settings', PartitionKey: 'k', Data: large}));
		const {Consumer} = await client.send(new RegisterStreamConsumerCommand({StreamARN: arnOf('settings'), ConsumerName: 'reader'}));
		const consumerArn = Consumer?.ConsumerARN ?? '';
		await client.send(new PutResourcePolicyCommand({ResourceARN: arnOf('settings'), Policy: statement(arnOf('settings'))}));
		await client.send(new PutResourcePolicyCommand({ResourceARN: consumerArn, Policy: statement(consumerArn)}));
		const channel = (
			await client.send(
				new CreateChannelCommand({
					ChannelName: 'kept-channel',
					ServiceExecutionRoleARN: `arn:aws:iam::${ACCOUNT}:role/r`,
					StreamConfigurationList: [{StreamARN: arnOf('settings'), RecordConfiguration: {RecordFormatType: 'BYTE_ARRAY'}}],
					S3DestinationConfiguration: {
						DataFreshnessInSeconds: 450,
						StorageConfiguration: {BucketARN: 'arn:aws:s3:::kept-bucket', ExpectedBucketOwner: ACCOUNT, CompressionType: 'GZIP'},
					},
				}),
			)
		).ChannelDescription;
		const summary = (await client.send(new DescribeStreamSummaryCommand({StreamName: 'settings'}))).StreamDescriptionSummary;
		client.destroy();
		await engine.close();

		engine = await startEngine({dataDir: dir});
		client = kinesisClient(engine.url);
		try {
			expect((await client.send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment).toEqual(commitment);
			const restored = (await client.send(new DescribeStreamSummaryCommand({StreamName: 'settings'}))).StreamDescriptionSummary;
			expect(restored).toEqual(summary);
			expect(restored).toMatchObject({
				MaxRecordSizeInKiB: 4096,
				WarmThroughput: {TargetMiBps: 30, CurrentMiBps: 30},
				RecordDistributionStrategy: 'AUTO',
				ChannelCount: 1,
			});
			expect((await client.send(new GetResourcePolicyCommand({ResourceARN: arnOf('settings')}))).Policy).toBe(statement(arnOf('settings')));
			expect((await client.send(new GetResourcePolicyCommand({ResourceARN: consumerArn}))).Policy).toBe(statement(consumerArn));
			expect((await client.send(new DescribeChannelCommand({ChannelARN: channel?.ChannelARN ?? ''}))).ChannelDescription).toEqual({
				...channel,
				ChannelStatus: 'ACTIVE',
			});
			const [stored] = await readToEnd(client, await iterator(client, 'settings', ShardId ?? '', 'TRIM_HORIZON'));
			expect(Buffer.from(stored?.Data ?? []).equals(large)).toBe(true);
		} finally {
			client.destroy();
			await engine.close();
		}
	}, 30_000);
});
