import {
	type CreateChannelCommandInput,
	type ListChannelsCommandInput,
	CreateChannelCommand,
	CreateStreamCommand,
	DeleteChannelCommand,
	DeleteStreamCommand,
	DescribeChannelCommand,
	DescribeLimitsCommand,
	DescribeStreamSummaryCommand,
	ListChannelsCommand,
	ListTagsForResourceCommand,
	TagResourceCommand,
	UntagResourceCommand,
	UpdateChannelCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, FakeClock, REGION, arnOf, expectError, uniqueName, useEngine} from './support.js';

const STATE_MS = 1000;
const NOT_DELIVERED =
	'Emulated by the kinesis-console engine: the configuration and lifecycle are kept, but no record is ever delivered to the destination.';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/channel-role`;

const s3Channel = (channelName: string, streamName: string): CreateChannelCommandInput => ({
	ChannelName: channelName,
	ServiceExecutionRoleARN: ROLE,
	StreamConfigurationList: [{StreamARN: arnOf(streamName), RecordConfiguration: {RecordFormatType: 'JSON'}}],
	S3DestinationConfiguration: {
		StorageConfiguration: {BucketARN: 'arn:aws:s3:::channel-bucket', ExpectedBucketOwner: ACCOUNT, CompressionType: 'ZSTD'},
	},
	Tags: {team: 'data'},
});

const tablesChannel = (channelName: string, streamName: string): CreateChannelCommandInput => ({
	ChannelName: channelName,
	ServiceExecutionRoleARN: ROLE,
	StreamConfigurationList: [
		{
			StreamARN: arnOf(streamName),
			RecordConfiguration: {RecordFormatType: 'GSR_JSON', GSRSchemaARN: `arn:aws:glue:${REGION}:${ACCOUNT}:schema/registry/orders`},
		},
	],
	S3TablesDestinationConfiguration: {
		DataFreshnessInSeconds: 600,
		DeadLetterQueueS3Configuration: {BucketARN: 'arn:aws:s3:::channel-dlq', ExpectedBucketOwner: ACCOUNT},
		S3TablesConfigurationList: [
			{
				TableBucketARN: `arn:aws:s3tables:${REGION}:${ACCOUNT}:bucket/tables`,
				Namespace: 'sales',
				TableName: 'orders',
				CompressionType: 'SNAPPY',
				PartitionSpec: {PartitionFields: [{Transform: 'TIME_HOUR', SourceName: 'created_at'}]},
			},
		],
	},
	LoggingConfiguration: {CloudWatchLogs: {Enabled: true, LogGroupName: '/aws/kinesis/orders'}},
});

describe('channels', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {now: clock.now, createStreamMs: STATE_MS, updateStreamMs: STATE_MS, deleteStreamMs: STATE_MS});
	const createStream = async (name: string, mode: 'ON_DEMAND' | 'PROVISIONED' = 'ON_DEMAND') => {
		await harness.client.send(
			new CreateStreamCommand({
				StreamName: name,
				StreamModeDetails: {StreamMode: mode},
				...(mode === 'PROVISIONED' ? {ShardCount: 1} : {}),
			}),
		);
		clock.advance(STATE_MS);
	};
	const create = async (input: CreateChannelCommandInput) =>
		(await harness.client.send(new CreateChannelCommand(input))).ChannelDescription;
	const describeChannel = async (ChannelARN: string) =>
		(await harness.client.send(new DescribeChannelCommand({ChannelARN}))).ChannelDescription;

	it('creates a channel CREATING, ACTIVE after the create time, with the destination as given and the defaults AWS fills in', async () => {
		const stream = uniqueName('channel-source');
		await createStream(stream);
		const created = await create(s3Channel('orders-to-s3', stream));
		const id = created?.ChannelId ?? '';
		const arn = `arn:aws:kinesis:${REGION}:${ACCOUNT}:channel/${id}`;
		expect(created).toEqual({
			ChannelName: 'orders-to-s3',
			ChannelARN: arn,
			ChannelId: id,
			ChannelStatus: 'CREATING',
			ChannelStatusReason: NOT_DELIVERED,
			ChannelCreationTimestamp: new Date(clock.ms),
			ServiceExecutionRoleARN: ROLE,
			StreamConfigurationList: [
				{StreamARN: arnOf(stream), StreamCreationTimestamp: new Date(clock.ms - STATE_MS), RecordConfiguration: {RecordFormatType: 'JSON'}},
			],
			S3DestinationConfiguration: {
				DataFreshnessInSeconds: 300,
				DeadLetterQueueS3Configuration: {
					BucketARN: 'arn:aws:s3:::channel-bucket',
					ExpectedBucketOwner: ACCOUNT,
					ErrorOutputPrefix: `kinesis-channel/errors/orders-to-s3/${id}/`,
				},
				StorageConfiguration: {
					BucketARN: 'arn:aws:s3:::channel-bucket',
					ExpectedBucketOwner: ACCOUNT,
					CompressionType: 'ZSTD',
					StorageClass: 'STANDARD',
				},
			},
			LoggingConfiguration: {CloudWatchLogs: {Enabled: false}},
		});
		expect((await describeChannel(arn))?.ChannelStatus).toBe('CREATING');
		clock.advance(STATE_MS);
		expect(await describeChannel(arn)).toEqual({...created, ChannelStatus: 'ACTIVE'});
		expect((await harness.client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary?.ChannelCount).toBe(
			1,
		);

		await expectError(
			harness.client.send(new CreateChannelCommand(s3Channel('orders-to-s3', stream))),
			'ResourceInUseException',
			`Channel orders-to-s3 under account ${ACCOUNT} already exists.`,
		);
	});

	it('updates the data freshness and logging while UPDATING, and refuses changes to a channel that is not ACTIVE', async () => {
		const stream = uniqueName('channel-update');
		await createStream(stream);
		const name = uniqueName('tables');
		const arn = (await create(tablesChannel(name, stream)))?.ChannelARN ?? '';
		await expectError(
			harness.client.send(new UpdateChannelCommand({ChannelARN: arn, S3TablesDestinationConfiguration: {DataFreshnessInSeconds: 900}})),
			'ResourceInUseException',
			`Channel ${name} under account ${ACCOUNT} not ACTIVE, instead in state CREATING`,
		);
		clock.advance(STATE_MS);
		const updated = await harness.client.send(
			new UpdateChannelCommand({
				ChannelARN: arn,
				S3TablesDestinationConfiguration: {DataFreshnessInSeconds: 900},
				LoggingConfiguration: {CloudWatchLogs: {Enabled: false}},
			}),
		);
		expect(updated.ChannelDescription).toMatchObject({
			ChannelStatus: 'UPDATING',
			S3TablesDestinationConfiguration: {DataFreshnessInSeconds: 900, S3TablesConfigurationList: [{TableName: 'orders'}]},
			LoggingConfiguration: {CloudWatchLogs: {Enabled: false}},
		});
		clock.advance(STATE_MS);
		expect(await describeChannel(arn)).toMatchObject({
			ChannelStatus: 'ACTIVE',
			S3TablesDestinationConfiguration: {DataFreshnessInSeconds: 900},
		});
		await expectError(
			harness.client.send(new UpdateChannelCommand({ChannelARN: arn, S3DestinationConfiguration: {DataFreshnessInSeconds: 300}})),
			'InvalidArgumentException',
			`Channel ${name} has no S3DestinationConfiguration to update.`,
		);
		await expectError(
			harness.client.send(new UpdateChannelCommand({ChannelARN: arn, S3TablesDestinationConfiguration: {DataFreshnessInSeconds: 100}})),
			'ValidationException',
			"1 validation error detected: Value '100' at 's3TablesDestinationConfiguration.dataFreshnessInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 300",
		);
	});

	it('lists channels by source stream, a page at a time', async () => {
		const first = uniqueName('list-a');
		const second = uniqueName('list-b');
		await createStream(first);
		await createStream(second);
		const a = uniqueName('chan-a');
		const b = uniqueName('chan-b');
		const c = uniqueName('chan-c');
		await create(s3Channel(a, first));
		await create(tablesChannel(b, second));
		await create(s3Channel(c, first));
		const list = async (input: ListChannelsCommandInput) => harness.client.send(new ListChannelsCommand(input));
		const ofFirst = await list({StreamFilter: [{StreamARN: arnOf(first)}]});
		expect(ofFirst.ChannelSummaries?.map((summary) => summary.ChannelName)).toEqual([a, c]);
		expect(ofFirst.ChannelSummaries?.[0]).toMatchObject({
			ChannelStatus: 'CREATING',
			ChannelStatusReason: NOT_DELIVERED,
			ChannelDestinationType: 'S3',
			Streams: [{StreamARN: arnOf(first)}],
		});
		const ofSecond = await list({StreamFilter: [{StreamARN: arnOf(second)}]});
		expect(ofSecond.ChannelSummaries?.map((summary) => [summary.ChannelName, summary.ChannelDestinationType])).toEqual([[b, 'S3_TABLES']]);
		// A creation time of another stream of the name matches nothing.
		expect((await list({StreamFilter: [{StreamARN: arnOf(first), StreamCreationTimestamp: new Date(0)}]})).ChannelSummaries).toEqual([]);

		const pageOne = await list({StreamFilter: [{StreamARN: arnOf(first)}, {StreamARN: arnOf(second)}], MaxResults: 2});
		expect(pageOne.ChannelSummaries?.map((summary) => summary.ChannelName)).toEqual([a, b]);
		const pageTwo = await list({StreamFilter: [{StreamARN: arnOf(first)}, {StreamARN: arnOf(second)}], NextToken: pageOne.NextToken});
		expect(pageTwo.ChannelSummaries?.map((summary) => summary.ChannelName)).toEqual([c]);
		expect(pageTwo.NextToken).toBeUndefined();
		await expectError(list({NextToken: 'bm90IGEgdG9rZW4='}), 'InvalidArgumentException', 'Invalid NextToken.');
	});

	it('deletes a channel through DELETING, and keeps its stream from being deleted until then', async () => {
		const stream = uniqueName('channel-delete');
		await createStream(stream);
		const channel = await create(s3Channel(uniqueName('doomed'), stream));
		const arn = channel?.ChannelARN ?? '';
		await expectError(
			harness.client.send(new DeleteStreamCommand({StreamName: stream})),
			'ResourceInUseException',
			`DeleteStream can't delete ${stream} because channels read from it. Delete the channels first (ListChannels with a StreamFilter finds them).`,
		);
		const channelCount = async () => (await harness.client.send(new DescribeLimitsCommand({}))).ChannelCount;
		const before = await channelCount();
		await harness.client.send(new DeleteChannelCommand({ChannelARN: arn}));
		expect((await describeChannel(arn))?.ChannelStatus).toBe('DELETING');
		// DescribeLimits counts the account's channels in the region, a DELETING one until it is gone.
		expect(await channelCount()).toBe(before);
		// Deleting again changes nothing.
		await harness.client.send(new DeleteChannelCommand({ChannelARN: arn}));
		clock.advance(STATE_MS);
		expect(await channelCount()).toBe((before ?? 0) - 1);
		await expectError(
			harness.client.send(new DescribeChannelCommand({ChannelARN: arn})),
			'ResourceNotFoundException',
			`Channel ${arn} under account ${ACCOUNT} not found.`,
		);
		await expectError(
			harness.client.send(new DeleteChannelCommand({ChannelARN: arn})),
			'ResourceNotFoundException',
			`Channel ${arn} under account ${ACCOUNT} not found.`,
		);
		await expectError(
			harness.client.send(new DescribeChannelCommand({ChannelARN: arnOf(stream)})),
			'ValidationException',
			`1 validation error detected: Value '${arnOf(stream)}' at 'channelARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:channel/\\S+`,
		);
		await harness.client.send(new DeleteStreamCommand({StreamName: stream}));
	});

	it("refuses provisioned and unknown streams, and destinations AWS's rules rule out", async () => {
		const provisioned = uniqueName('channel-provisioned');
		await createStream(provisioned, 'PROVISIONED');
		await expectError(
			harness.client.send(new CreateChannelCommand(s3Channel(uniqueName('p'), provisioned))),
			'InvalidArgumentException',
			`Channels are supported only for ON_DEMAND streams; stream ${provisioned} under account ${ACCOUNT} is PROVISIONED.`,
		);
		await expectError(
			harness.client.send(new CreateChannelCommand(s3Channel(uniqueName('m'), 'no-such-stream'))),
			'ResourceNotFoundException',
			`Stream no-such-stream under account ${ACCOUNT} not found.`,
		);
		const stream = uniqueName('channel-rules');
		await createStream(stream);
		const s3 = s3Channel(uniqueName('r'), stream);
		const tables = tablesChannel(uniqueName('t'), stream);
		await expectError(
			harness.client.send(new CreateChannelCommand({...s3, S3TablesDestinationConfiguration: tables.S3TablesDestinationConfiguration})),
			'InvalidArgumentException',
			'Specify exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration.',
		);
		await expectError(
			harness.client.send(new CreateChannelCommand({...s3, S3DestinationConfiguration: undefined})),
			'InvalidArgumentException',
			'Specify exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration.',
		);
		await expectError(
			harness.client.send(
				new CreateChannelCommand({
					...tables,
					StreamConfigurationList: [{StreamARN: arnOf(stream), RecordConfiguration: {RecordFormatType: 'GSR_JSON'}}],
				}),
			),
			'InvalidArgumentException',
			'GSRSchemaARN is required when the channel destination is a streaming table.',
		);
		await expectError(
			harness.client.send(
				new CreateChannelCommand({
					...tables,
					StreamConfigurationList: [{StreamARN: arnOf(stream), RecordConfiguration: {RecordFormatType: 'STRING'}}],
				}),
			),
			'InvalidArgumentException',
			'RecordFormatType STRING is supported only for general purpose Amazon S3 destinations.',
		);
		await expectError(
			harness.client.send(
				new CreateChannelCommand({
					...s3,
					StreamConfigurationList: [{StreamARN: arnOf(stream), RecordConfiguration: {RecordFormatType: 'GSR_JSON'}}],
				}),
			),
			'InvalidArgumentException',
			'RecordFormatType GSR_JSON is supported only for streaming table destinations.',
		);
		await expectError(
			harness.client.send(
				new CreateChannelCommand({
					...s3,
					S3DestinationConfiguration: {
						DataFreshnessInSeconds: 1000,
						StorageConfiguration: {BucketARN: 'arn:aws:s3:::B', ExpectedBucketOwner: ACCOUNT, CompressionType: 'GZIP'},
					},
				}),
			),
			'ValidationException',
			"2 validation errors detected: Value '1000' at 's3DestinationConfiguration.dataFreshnessInSeconds' failed to satisfy constraint: Member must have value less than or equal to 900; Value 'arn:aws:s3:::B' at 's3DestinationConfiguration.storageConfiguration.bucketARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws[-a-z0-9]*:s3:::[a-z0-9._-]{3,63}",
		);
		expect((await harness.client.send(new ListChannelsCommand({StreamFilter: [{StreamARN: arnOf(stream)}]}))).ChannelSummaries).toEqual([]);
	});

	it('tags, lists and untags a channel by its ARN (TagResource and friends), and keeps a resource not found apart', async () => {
		const stream = uniqueName('channel-tags');
		await createStream(stream);
		const channel = await create({...s3Channel(uniqueName('tagged'), stream), Tags: {team: 'data'}});
		const arn = channel?.ChannelARN ?? '';
		const tagsOf = async () => (await harness.client.send(new ListTagsForResourceCommand({ResourceARN: arn}))).Tags;
		expect(await tagsOf()).toEqual([{Key: 'team', Value: 'data'}]);
		await harness.client.send(new TagResourceCommand({ResourceARN: arn, Tags: {team: 'platform', cost: '42'}}));
		expect(await tagsOf()).toEqual([
			{Key: 'cost', Value: '42'},
			{Key: 'team', Value: 'platform'},
		]);
		await harness.client.send(new UntagResourceCommand({ResourceARN: arn, TagKeys: ['team', 'absent']}));
		expect(await tagsOf()).toEqual([{Key: 'cost', Value: '42'}]);
		// The stream's tags are its own.
		expect((await harness.client.send(new ListTagsForResourceCommand({ResourceARN: arnOf(stream)}))).Tags).toEqual([]);

		const many = Object.fromEntries(Array.from({length: 50}, (_, index) => [`k${index}`, 'v']));
		await expectError(
			harness.client.send(new TagResourceCommand({ResourceARN: arn, Tags: many})),
			'InvalidArgumentException',
			`Failed to add tags to channel ${channel?.ChannelName ?? ''} under account ${ACCOUNT} because a given channel cannot have more than 50 tags associated with it.`,
		);
		const missing = `arn:aws:kinesis:${REGION}:${ACCOUNT}:channel/no-such-channel`;
		await expectError(
			harness.client.send(new ListTagsForResourceCommand({ResourceARN: missing})),
			'ResourceNotFoundException',
			`Resource ${missing} under account ${ACCOUNT} not found.`,
		);
		await expectError(
			harness.client.send(new TagResourceCommand({ResourceARN: missing, Tags: {a: 'b'}})),
			'ResourceNotFoundException',
			`Resource ${missing} under account ${ACCOUNT} not found.`,
		);
	});
});
