import type {Schema} from '../protocol/schema.js';

/**
 * The request shapes of the operations the engine serves, with the constraints of AWS's service model
 * (botocore/data/kinesisanalyticsv2/2018-05-23/service-2.json: ApplicationName, RoleARN, ResourceARN,
 * Id, PropertyMap, InAppStreamName, ListApplicationsInputLimit, ...). Members the engine keeps nothing
 * of (VPCs, Zeppelin, snapshots' details, outputs and reference data) are not listed, and are dropped.
 */

export const ApplicationName = {type: 'String', required: true, min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+'} as const;
const Arn = {type: 'String', required: true, min: 1, max: 2048, pattern: 'arn:.*'} as const;
const Id = {type: 'String', required: true, min: 1, max: 50, pattern: '[a-zA-Z0-9_.-]+'} as const;

/** RuntimeEnvironment's values in the model (the newest first would read better; the model's order is kept). */
export const RUNTIME_ENVIRONMENTS = [
	'SQL-1_0',
	'FLINK-1_6',
	'FLINK-1_8',
	'ZEPPELIN-FLINK-1_0',
	'FLINK-1_11',
	'FLINK-1_13',
	'ZEPPELIN-FLINK-2_0',
	'FLINK-1_15',
	'ZEPPELIN-FLINK-3_0',
	'FLINK-1_18',
	'FLINK-1_19',
	'FLINK-1_20',
	'FLINK-2_2',
	'FLINK-2_3',
] as const;

const ConfigurationType = {type: 'String', required: true, enum: ['DEFAULT', 'CUSTOM']} as const;
const RecordColumn = {
	type: 'Structure',
	members: {
		Name: {type: 'String', required: true, min: 1, max: 256},
		Mapping: {type: 'String', min: 0, max: 65_535},
		SqlType: {type: 'String', required: true, min: 1, max: 100},
	},
} as const;
const SourceSchema = {
	type: 'Structure',
	required: true,
	members: {
		RecordFormat: {
			type: 'Structure',
			required: true,
			members: {
				RecordFormatType: {type: 'String', required: true, enum: ['JSON', 'CSV']},
				MappingParameters: {
					type: 'Structure',
					members: {
						JSONMappingParameters: {
							type: 'Structure',
							members: {RecordRowPath: {type: 'String', required: true, min: 1, max: 65_535, pattern: '^(?=^\\$)(?=^\\S+$).*$'}},
						},
						CSVMappingParameters: {
							type: 'Structure',
							members: {
								RecordRowDelimiter: {type: 'String', required: true, min: 1, max: 1024},
								RecordColumnDelimiter: {type: 'String', required: true, min: 1, max: 1024},
							},
						},
					},
				},
			},
		},
		RecordEncoding: {type: 'String', min: 5, max: 5, pattern: 'UTF-8'},
		RecordColumns: {type: 'List', required: true, min: 1, max: 1000, member: RecordColumn},
	},
} as const;
const Input = {
	type: 'Structure',
	members: {
		NamePrefix: {type: 'String', required: true, min: 1, max: 32, pattern: '[^-\\s<>&]*'},
		KinesisStreamsInput: {type: 'Structure', members: {ResourceARN: Arn}},
		KinesisFirehoseInput: {type: 'Structure', members: {ResourceARN: Arn}},
		InputParallelism: {type: 'Structure', members: {Count: {type: 'Integer', minValue: 1, maxValue: 64}}},
		InputSchema: SourceSchema,
	},
} as const;
const PropertyGroup = {
	type: 'Structure',
	members: {
		PropertyGroupId: Id,
		PropertyMap: {
			type: 'Map',
			required: true,
			min: 1,
			max: 50,
			key: {type: 'String', min: 1, max: 2048},
			value: {type: 'String', min: 1, max: 2048},
		},
	},
} as const;

export const createApplication = {
	ApplicationName,
	ApplicationDescription: {type: 'String', min: 0, max: 1024},
	RuntimeEnvironment: {type: 'String', required: true, enum: RUNTIME_ENVIRONMENTS},
	ServiceExecutionRole: Arn,
	ApplicationConfiguration: {
		type: 'Structure',
		members: {
			SqlApplicationConfiguration: {type: 'Structure', members: {Inputs: {type: 'List', member: Input}}},
			FlinkApplicationConfiguration: {
				type: 'Structure',
				members: {
					CheckpointConfiguration: {
						type: 'Structure',
						members: {
							ConfigurationType,
							CheckpointingEnabled: {type: 'Boolean'},
							CheckpointInterval: {type: 'Long', minValue: 1},
							MinPauseBetweenCheckpoints: {type: 'Long', minValue: 0},
						},
					},
					MonitoringConfiguration: {
						type: 'Structure',
						members: {
							ConfigurationType,
							MetricsLevel: {type: 'String', enum: ['APPLICATION', 'TASK', 'OPERATOR', 'PARALLELISM']},
							LogLevel: {type: 'String', enum: ['INFO', 'WARN', 'ERROR', 'DEBUG']},
						},
					},
					ParallelismConfiguration: {
						type: 'Structure',
						members: {
							ConfigurationType,
							Parallelism: {type: 'Integer', minValue: 1},
							ParallelismPerKPU: {type: 'Integer', minValue: 1},
							AutoScalingEnabled: {type: 'Boolean'},
						},
					},
				},
			},
			EnvironmentProperties: {
				type: 'Structure',
				members: {PropertyGroups: {type: 'List', required: true, max: 50, member: PropertyGroup}},
			},
			ApplicationCodeConfiguration: {
				type: 'Structure',
				members: {
					CodeContent: {
						type: 'Structure',
						members: {
							TextContent: {type: 'String', min: 0, max: 102_400},
							S3ContentLocation: {
								type: 'Structure',
								members: {BucketARN: Arn, FileKey: {type: 'String', required: true, min: 1, max: 1024}},
							},
						},
					},
					CodeContentType: {type: 'String', required: true, enum: ['PLAINTEXT', 'ZIPFILE']},
				},
			},
			ApplicationSnapshotConfiguration: {type: 'Structure', members: {SnapshotsEnabled: {type: 'Boolean', required: true}}},
		},
	},
	CloudWatchLoggingOptions: {type: 'List', member: {type: 'Structure', members: {LogStreamARN: Arn}}},
	Tags: {
		type: 'List',
		min: 1,
		max: 200,
		member: {
			type: 'Structure',
			members: {Key: {type: 'String', required: true, min: 1, max: 128}, Value: {type: 'String', min: 0, max: 256}},
		},
	},
	ApplicationMode: {type: 'String', enum: ['STREAMING', 'INTERACTIVE']},
} as const satisfies Schema;

export const describeApplication = {ApplicationName, IncludeAdditionalDetails: {type: 'Boolean'}} as const satisfies Schema;

export const listApplications = {
	Limit: {type: 'Integer', minValue: 1, maxValue: 50},
	// The model names the token's shape ApplicationName: it is the name the next page starts after.
	NextToken: {...ApplicationName, required: false},
} as const satisfies Schema;

export const deleteApplication = {ApplicationName, CreateTimestamp: {type: 'Timestamp', required: true}} as const satisfies Schema;

export const startApplication = {
	ApplicationName,
	RunConfiguration: {
		type: 'Structure',
		members: {
			FlinkRunConfiguration: {type: 'Structure', members: {AllowNonRestoredState: {type: 'Boolean'}}},
			ApplicationRestoreConfiguration: {
				type: 'Structure',
				members: {
					ApplicationRestoreType: {
						type: 'String',
						required: true,
						enum: ['SKIP_RESTORE_FROM_SNAPSHOT', 'RESTORE_FROM_LATEST_SNAPSHOT', 'RESTORE_FROM_CUSTOM_SNAPSHOT'],
					},
					SnapshotName: {type: 'String', min: 1, max: 256, pattern: '[a-zA-Z0-9_.-]+'},
				},
			},
		},
	},
} as const satisfies Schema;

export const stopApplication = {ApplicationName, Force: {type: 'Boolean'}} as const satisfies Schema;
