import type {StringField} from '../../protocol/schema.js';
import {StreamARN, TagKey, TagValue} from '../model/fields.js';

/**
 * Members of the channel operations, constrained as the Kinesis API reference lists them
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_S3StorageConfiguration.html,
 * API_DeadLetterQueueS3Configuration, API_S3TablesConfiguration, API_RecordConfiguration, API_CloudWatchLogs,
 * API_ListChannels, API_ChannelDescription, API_DescribeChannel). Where no constraint was found
 * (ServiceExecutionRoleARN, PartitionField.SourceName), the engine takes lengths only.
 */
const BucketARN = {type: 'String', required: true, min: 1, max: 2048, pattern: 'arn:aws[-a-z0-9]*:s3:::[a-z0-9._-]{3,63}'} as const;
const ExpectedBucketOwner = {type: 'String', required: true, min: 12, max: 12, pattern: '\\d{12}'} as const;
/** The AWS SDK for Ruby documents DataFreshnessInSeconds: "Valid range is 300 to 900 seconds (5 to 15 minutes)." */
const DataFreshnessInSeconds = {type: 'Integer', minValue: 300, maxValue: 900} as const;
export const DEFAULT_DATA_FRESHNESS_SECONDS = 300;

export const ChannelName = {type: 'String', min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+'} as const satisfies StringField;
export const ChannelARN = {
	type: 'String',
	required: true,
	min: 1,
	max: 2048,
	pattern: 'arn:aws.*:kinesis:.*:\\d{12}:channel/\\S+',
} as const;

const DeadLetterQueueS3Configuration = {
	type: 'Structure',
	members: {
		BucketARN,
		ExpectedBucketOwner,
		ErrorOutputPrefix: {type: 'String', min: 1, max: 512, pattern: "[0-9A-Za-z!\\-_'.*()\\/]+"},
	},
} as const;

const CloudWatchLogs = {
	type: 'Structure',
	required: true,
	members: {
		Enabled: {type: 'Boolean', required: true},
		LogGroupName: {type: 'String', min: 1, max: 512, pattern: '[\\.\\-_/#A-Za-z0-9]+'},
		LogStreamName: {type: 'String', min: 1, max: 512, pattern: '[^:*]*'},
	},
} as const;

export const createChannelSchema = {
	ChannelName: {...ChannelName, required: true},
	ServiceExecutionRoleARN: {type: 'String', required: true, min: 1, max: 2048},
	StreamConfigurationList: {
		type: 'List',
		required: true,
		// "Currently, one stream is supported per channel." (CreateChannelInput)
		min: 1,
		max: 1,
		member: {
			type: 'Structure',
			members: {
				StreamARN: {...StreamARN, required: true},
				RecordConfiguration: {
					type: 'Structure',
					required: true,
					members: {
						RecordFormatType: {type: 'String', required: true, enum: ['GSR_JSON', 'JSON', 'STRING', 'BYTE_ARRAY']},
						GSRSchemaARN: {
							type: 'String',
							min: 1,
							max: 512,
							pattern: 'arn:aws[-a-z0-9]*:glue:[-a-z0-9]+:\\d{12}:schema/[-a-zA-Z0-9_$#.]+/[-a-zA-Z0-9_$#.]+',
						},
					},
				},
			},
		},
	},
	S3DestinationConfiguration: {
		type: 'Structure',
		members: {
			DataFreshnessInSeconds,
			DeadLetterQueueS3Configuration,
			StorageConfiguration: {
				type: 'Structure',
				required: true,
				members: {
					BucketARN,
					ExpectedBucketOwner,
					OutputKeyTemplate: {type: 'String', min: 1, max: 1024, pattern: "[0-9A-Za-z!\\-_'.*()\\/=:{}]+"},
					StorageClass: {type: 'String', enum: ['STANDARD', 'INTELLIGENT_TIERING', 'GLACIER_IR']},
					CompressionType: {type: 'String', required: true, enum: ['NONE', 'GZIP', 'ZSTD']},
				},
			},
		},
	},
	S3TablesDestinationConfiguration: {
		type: 'Structure',
		members: {
			DataFreshnessInSeconds,
			DeadLetterQueueS3Configuration: {...DeadLetterQueueS3Configuration, required: true},
			S3TablesConfigurationList: {
				type: 'List',
				required: true,
				// "Currently, one table is supported per channel." (S3TablesDestinationConfiguration)
				min: 1,
				max: 1,
				member: {
					type: 'Structure',
					members: {
						TableBucketARN: {
							type: 'String',
							required: true,
							min: 1,
							max: 2048,
							pattern: 'arn:aws[-a-z0-9]*:s3tables:[-a-z0-9]+:\\d{12}:bucket/[a-z0-9_-]{3,63}',
						},
						Namespace: {type: 'String', required: true, min: 1, max: 255, pattern: '[0-9a-z_]+'},
						TableName: {type: 'String', required: true, min: 1, max: 255, pattern: '[0-9a-z_]+'},
						CompressionType: {type: 'String', required: true, enum: ['NONE', 'ZSTD', 'SNAPPY']},
						PartitionSpec: {
							type: 'Structure',
							members: {
								PartitionFields: {
									type: 'List',
									required: true,
									member: {
										type: 'Structure',
										members: {
											Transform: {type: 'String', required: true, enum: ['TIME_HOUR']},
											SourceName: {type: 'String', required: true, min: 1, max: 255},
										},
									},
								},
							},
						},
					},
				},
			},
		},
	},
	EncryptionConfiguration: {
		type: 'Structure',
		members: {
			EncryptionType: {type: 'String', required: true, enum: ['KMS']},
			KeyId: {type: 'String', required: true, min: 1, max: 2048},
		},
	},
	Tags: {type: 'Map', key: TagKey, value: TagValue, min: 1, max: 50},
	LoggingConfiguration: {type: 'Structure', members: {CloudWatchLogs}},
} as const;

export const updateChannelSchema = {
	ChannelARN,
	S3DestinationConfiguration: {type: 'Structure', members: {DataFreshnessInSeconds: {...DataFreshnessInSeconds, required: true}}},
	S3TablesDestinationConfiguration: {type: 'Structure', members: {DataFreshnessInSeconds: {...DataFreshnessInSeconds, required: true}}},
	LoggingConfiguration: {type: 'Structure', members: {CloudWatchLogs}},
} as const;

export const listChannelsSchema = {
	StreamFilter: {
		type: 'List',
		min: 1,
		max: 10_000,
		member: {type: 'Structure', members: {StreamARN: {...StreamARN, required: true}, StreamCreationTimestamp: {type: 'Timestamp'}}},
	},
	MaxResults: {type: 'Integer', minValue: 1, maxValue: 10_000},
	NextToken: {type: 'String', min: 1, max: 1_048_576},
} as const;
