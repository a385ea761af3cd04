import type {Field, StringField} from '../../protocol/schema.js';

/** Members shared by many actions, with the constraints of the Kinesis service model. */
export const StreamName = {type: 'String', min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+'} as const satisfies StringField;
export const StreamARN = {
	type: 'String',
	min: 1,
	max: 2048,
	pattern: 'arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
} as const satisfies StringField;
export const ShardId = {type: 'String', min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+'} as const satisfies StringField;
export const SequenceNumber = {type: 'String', pattern: '0|([1-9]\\d{0,128})'} as const satisfies StringField;
export const HashKey = {type: 'String', pattern: '0|([1-9]\\d{0,38})'} as const satisfies StringField;
export const PartitionKey = {type: 'String', required: true, min: 1, max: 256} as const satisfies StringField;
export const TagKey = {type: 'String', min: 1, max: 128} as const satisfies StringField;
export const TagValue = {type: 'String', min: 0, max: 256} as const satisfies StringField;
export const ResourceARN = {
	type: 'String',
	required: true,
	min: 1,
	max: 1011,
	pattern: 'arn:aws.*:kinesis:.*:\\d{12}:.+',
} as const satisfies StringField;
/**
 * The service model allows 10 MiB (botocore's kinesis service-2.json: Data max 10485760), the most a stream
 * takes once UpdateMaxRecordSize raises it; each stream's own limit is checked in recordSizes.ts.
 */
export const Data = {type: 'Blob', required: true, max: 10_485_760} as const satisfies Field;

/** A stream named either way: AWS accepts StreamName, StreamARN, or both when they agree. */
export const StreamRef = {StreamName, StreamARN} as const;

/** Enhanced fan-out consumers, constrained as the service model constrains them. */
export const ConsumerName = {type: 'String', min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+'} as const satisfies StringField;
export const ConsumerARN = {
	type: 'String',
	min: 1,
	max: 2048,
	pattern: '^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+',
} as const satisfies StringField;
