import {randomBytes} from 'node:crypto';
import {invalidArgument, resourceInUse} from '../../protocol/errors.js';
import type {Infer} from '../../protocol/schema.js';
import type {ChannelState} from '../../store/streamState.js';
import {createChannelSchema, DEFAULT_DATA_FRESHNESS_SECONDS} from './channelFields.js';
import {channelsOf, channelStatus, describeChannel} from '../model/channels.js';
import {defineAction, perAccount} from '../action.js';
import {activeStream} from '../model/reshard.js';
import {checkTagCharacters, tagTexts} from '../model/tagRules.js';

type CreateChannelInput = Infer<typeof createChannelSchema>;

/**
 * "You must specify either S3DestinationConfiguration or S3TablesDestinationConfiguration, but not both."
 * "This operation is only supported for data streams with the on-demand capacity mode." (CreateChannel,
 * @aws-sdk/client-kinesis 3.1143). The wording of the refusals is the engine's own: none of AWS's was found.
 */
export default defineAction(
	createChannelSchema,
	async (context, input) => {
		const {streams, nowMs} = context;
		checkDestination(input);
		const [source] = input.StreamConfigurationList;
		if (!source) throw new Error('the schema lets no empty StreamConfigurationList through');
		const stream = activeStream(context, {StreamARN: source.StreamARN});
		if (stream.mode !== 'ON_DEMAND') {
			throw invalidArgument(
				`Channels are supported only for ON_DEMAND streams; stream ${stream.name} under account ${streams.account} is ${stream.mode}.`,
			);
		}
		if (channelsOf(context).some(({channel}) => channel.name === input.ChannelName)) {
			throw resourceInUse(`Channel ${input.ChannelName} under account ${streams.account} already exists.`);
		}
		const tags = input.Tags ?? {};
		checkTagCharacters(tagTexts(tags), `Failed to create channel ${input.ChannelName} under account ${streams.account}`);
		const id = randomBytes(10).toString('hex');
		const channel: ChannelState = {
			name: input.ChannelName,
			id,
			createdMs: nowMs,
			activeAtMs: nowMs + streams.timings.createMs,
			tags: Object.entries(tags),
			configuration: configurationOf(input, id),
		};
		// Channels deleted long enough ago are dropped as another is added.
		stream.channels = [...(stream.channels ?? []).filter((kept) => channelStatus(kept, nowMs) !== 'GONE'), channel];
		await streams.save(stream);
		return {ChannelDescription: describeChannel(context, stream, channel)};
	},
	// "This operation has a call limit of 5 transactions per second (TPS) for each ... account." (API_CreateChannel)
	{quota: perAccount(5)},
);

function checkDestination(input: CreateChannelInput): void {
	const s3 = input.S3DestinationConfiguration;
	const tables = input.S3TablesDestinationConfiguration;
	if ((s3 === undefined) === (tables === undefined)) {
		throw invalidArgument('Specify exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration.');
	}
	// "GSR_JSON - Supported only for streaming table (Amazon S3 Tables) destinations. ... STRING - Supported only for
	// general purpose Amazon S3 destinations. BYTE_ARRAY - Supported only for general purpose Amazon S3 destinations."
	// "GSRSchemaARN ... Required when the channel destination is a streaming table." (API_RecordConfiguration)
	for (const {RecordConfiguration: record} of input.StreamConfigurationList) {
		const format = record.RecordFormatType;
		if (tables && (format === 'STRING' || format === 'BYTE_ARRAY')) {
			throw invalidArgument(`RecordFormatType ${format} is supported only for general purpose Amazon S3 destinations.`);
		}
		if (s3 && format === 'GSR_JSON') throw invalidArgument('RecordFormatType GSR_JSON is supported only for streaming table destinations.');
		if (tables && record.GSRSchemaARN === undefined)
			throw invalidArgument('GSRSchemaARN is required when the channel destination is a streaming table.');
	}
	// "You cannot use the Amazon Kinesis Data Streams service key (aws/kinesis)." (ChannelEncryptionConfiguration)
	if (input.EncryptionConfiguration?.KeyId === 'alias/aws/kinesis') {
		throw invalidArgument('The Amazon Kinesis Data Streams service key (aws/kinesis) cannot encrypt channel deliveries.');
	}
}

/** The channel as DescribeChannel shows it: the request's configuration with AWS's defaults filled in. */
function configurationOf(input: CreateChannelInput, id: string): Record<string, unknown> {
	const errorPrefix = `kinesis-channel/errors/${input.ChannelName}/${id}/`;
	const s3 = input.S3DestinationConfiguration;
	const tables = input.S3TablesDestinationConfiguration;
	return {
		ServiceExecutionRoleARN: input.ServiceExecutionRoleARN,
		StreamConfigurationList: input.StreamConfigurationList.map(({StreamARN, RecordConfiguration}) => ({StreamARN, RecordConfiguration})),
		...(s3
			? {
					S3DestinationConfiguration: {
						DataFreshnessInSeconds: s3.DataFreshnessInSeconds ?? DEFAULT_DATA_FRESHNESS_SECONDS,
						// "If not specified, it defaults to the destination bucket with an error prefix." (S3DestinationConfiguration)
						DeadLetterQueueS3Configuration: {
							BucketARN: s3.StorageConfiguration.BucketARN,
							ExpectedBucketOwner: s3.StorageConfiguration.ExpectedBucketOwner,
							ErrorOutputPrefix: errorPrefix,
							...s3.DeadLetterQueueS3Configuration,
						},
						StorageConfiguration: {StorageClass: 'STANDARD', ...s3.StorageConfiguration},
					},
				}
			: {}),
		...(tables
			? {
					S3TablesDestinationConfiguration: {
						DataFreshnessInSeconds: tables.DataFreshnessInSeconds ?? DEFAULT_DATA_FRESHNESS_SECONDS,
						DeadLetterQueueS3Configuration: {ErrorOutputPrefix: errorPrefix, ...tables.DeadLetterQueueS3Configuration},
						S3TablesConfigurationList: tables.S3TablesConfigurationList,
					},
				}
			: {}),
		...(input.EncryptionConfiguration ? {EncryptionConfiguration: input.EncryptionConfiguration} : {}),
		// LoggingConfiguration is required in ChannelDescription: logging is off unless asked for.
		LoggingConfiguration: input.LoggingConfiguration?.CloudWatchLogs ? input.LoggingConfiguration : {CloudWatchLogs: {Enabled: false}},
	};
}
