import {CreateChannelCommand, CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';

/** The engine's account (test/engine/support.ts ACCOUNT), which owns the buckets channels deliver to. */
const ACCOUNT = '000000000000';

/** A channel from a stream to an S3 bucket, as a user would create it. */
export async function createS3Channel(kinesis: KinesisClient, name: string, streamArn: string, bucket: string): Promise<string> {
	const {ChannelDescription: channel} = await kinesis.send(
		new CreateChannelCommand({
			ChannelName: name,
			ServiceExecutionRoleARN: `arn:aws:iam::${ACCOUNT}:role/channel-role`,
			StreamConfigurationList: [{StreamARN: streamArn, RecordConfiguration: {RecordFormatType: 'JSON'}}],
			S3DestinationConfiguration: {
				StorageConfiguration: {BucketARN: `arn:aws:s3:::${bucket}`, ExpectedBucketOwner: ACCOUNT, CompressionType: 'ZSTD'},
			},
		}),
	);
	return channel?.ChannelARN ?? '';
}

/** An ON_DEMAND stream (channels read only those), ACTIVE at once on an engine from startEngine; returns its ARN. */
export async function createOnDemandStream(kinesis: KinesisClient, name: string): Promise<string> {
	await kinesis.send(new CreateStreamCommand({StreamName: name, StreamModeDetails: {StreamMode: 'ON_DEMAND'}}));
	return (await kinesis.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary?.StreamARN ?? '';
}
