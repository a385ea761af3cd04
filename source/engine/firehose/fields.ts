/**
 * Firehose's request members as its service model constrains them (botocore
 * botocore/data/firehose/2015-08-04/service-2.json, the same model as @aws-sdk/client-firehose's):
 * lengths, patterns and enums, checked by protocol/schema.ts and reported in AWS's words.
 */

export const DeliveryStreamName = {type: 'String', min: 1, max: 64, pattern: '[a-zA-Z0-9_.-]+'} as const;
export const DeliveryStreamType = {
	type: 'String',
	enum: ['DirectPut', 'KinesisStreamAsSource', 'MSKAsSource', 'DatabaseAsSource'],
} as const;
export const KinesisStreamARN = {
	type: 'String',
	min: 1,
	max: 512,
	pattern: 'arn:.*:kinesis:[a-zA-Z0-9\\-]+:\\d{12}:stream/[a-zA-Z0-9_.-]+',
} as const;
export const RoleARN = {type: 'String', min: 1, max: 512, pattern: 'arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+'} as const;
const BucketARN = {type: 'String', min: 1, max: 2048, pattern: 'arn:.*:s3:::[\\w\\.\\-]{1,255}'} as const;
const Prefix = {type: 'String', min: 0, max: 1024, pattern: '.*'} as const;
const AWSKMSKeyARN = {
	type: 'String',
	min: 1,
	max: 512,
	pattern: 'arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\\-_/]+',
} as const;

const BufferingHints = {
	type: 'Structure',
	members: {SizeInMBs: {type: 'Integer', minValue: 1, maxValue: 128}, IntervalInSeconds: {type: 'Integer', minValue: 0, maxValue: 900}},
} as const;
const CompressionFormat = {type: 'String', enum: ['UNCOMPRESSED', 'GZIP', 'ZIP', 'Snappy', 'HADOOP_SNAPPY']} as const;
const EncryptionConfiguration = {
	type: 'Structure',
	members: {
		NoEncryptionConfig: {type: 'String', enum: ['NoEncryption']},
		KMSEncryptionConfig: {type: 'Structure', members: {AWSKMSKeyARN: {...AWSKMSKeyARN, required: true}}},
	},
} as const;
const CloudWatchLoggingOptions = {
	type: 'Structure',
	members: {
		Enabled: {type: 'Boolean'},
		LogGroupName: {type: 'String', min: 0, max: 512, pattern: '[\\.\\-_/#A-Za-z0-9]*'},
		LogStreamName: {type: 'String', min: 0, max: 512, pattern: '[^:*]*'},
	},
} as const;

const s3Members = {
	RoleARN: {...RoleARN, required: true},
	BucketARN: {...BucketARN, required: true},
	Prefix,
	ErrorOutputPrefix: Prefix,
	BufferingHints,
	CompressionFormat,
	EncryptionConfiguration,
	CloudWatchLoggingOptions,
} as const;

/** S3DestinationConfiguration: also the backup of ExtendedS3's. */
export const S3DestinationConfiguration = {type: 'Structure', members: s3Members} as const;
export const ExtendedS3DestinationConfiguration = {
	type: 'Structure',
	members: {
		...s3Members,
		S3BackupMode: {type: 'String', enum: ['Disabled', 'Enabled']},
		S3BackupConfiguration: S3DestinationConfiguration,
		FileExtension: {type: 'String', min: 0, max: 128, pattern: "^$|\\.[0-9a-z!\\-_.*'()]+"},
		CustomTimeZone: {type: 'String', min: 0, max: 50, pattern: '^$|[a-zA-Z/_]+'},
	},
} as const;

/** The other destinations the model has: taken by name only, to refuse them with a clear message (see createDeliveryStream.ts). */
export const OTHER_DESTINATIONS = [
	'RedshiftDestinationConfiguration',
	'ElasticsearchDestinationConfiguration',
	'AmazonopensearchserviceDestinationConfiguration',
	'SplunkDestinationConfiguration',
	'HttpEndpointDestinationConfiguration',
	'AmazonOpenSearchServerlessDestinationConfiguration',
	'SnowflakeDestinationConfiguration',
	'IcebergDestinationConfiguration',
] as const;

export const Tags = {
	type: 'List',
	min: 1,
	max: 50,
	memberText: 'com.amazonaws.firehose.model.Tag',
	member: {
		type: 'Structure',
		members: {
			// Lengths only: the model's patterns use Unicode classes (\p{L}) that protocol/schema.ts's patterns do not read.
			Key: {type: 'String', required: true, min: 1, max: 128},
			Value: {type: 'String', min: 0, max: 256},
		},
	},
} as const;

export const DeliveryStreamEncryptionConfigurationInput = {
	type: 'Structure',
	members: {
		// AWSKMSKeyARNForSSE in the model: a key, not an alias.
		KeyARN: {type: 'String', min: 1, max: 512, pattern: 'arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:key/[a-zA-Z_0-9+=,.@\\-_/]+'},
		KeyType: {type: 'String', required: true, enum: ['AWS_OWNED_CMK', 'CUSTOMER_MANAGED_CMK']},
	},
} as const;
