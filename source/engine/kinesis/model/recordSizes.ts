import {parseInput, type Field, type Infer, type Schema} from '../../protocol/schema.js';
import type {StreamState} from '../../store/streamState.js';
import {Data} from './fields.js';

/** "The default maximum record size for existing, and newly created streams is set to 1 MiB." (https://docs.aws.amazon.com/streams/latest/dev/large-records.html) */
export const DEFAULT_MAX_RECORD_KIB = 1024;
/** UpdateMaxRecordSize: "Specify a value between 1024 and 10240 KiB (1 to 10 MiB)." (API_UpdateMaxRecordSize) */
export const MaxRecordSizeInKiB = {type: 'Integer', minValue: 1024, maxValue: 10_240} as const;

const MiB = 1024 * 1024;

export const maxRecordBytes = (stream: StreamState): number => (stream.maxRecordSizeKiB ?? DEFAULT_MAX_RECORD_KIB) * 1024;

/**
 * The most a PutRecords call may carry, data and partition keys together. The API reference has long said
 * "up to a limit of 5 MiB for the entire request"; the SDK's current text (@aws-sdk/client-kinesis 3.1143,
 * PutRecordsCommand) says "Each record in the request can be as large as 10 MiB, up to a limit of 10 MiB for
 * the entire request". The engine applies 10 MiB to streams whose records may be larger than 1 MiB.
 */
export const requestLimitBytes = (stream: StreamState): number => (maxRecordBytes(stream) > MiB ? 10 : 5) * MiB;

/**
 * Refuses records whose data is larger than the stream takes, with the error AWS gives for a stream at its
 * default 1 MiB ("1 validation error detected: Value at 'records.1.member.data' failed to satisfy constraint:
 * Member must have length less than or equal to 1048576", awslabs/amazon-kinesis-producer issue 680): the
 * request's own schema, checked again with the stream's limit on Data, words it as every other check. The
 * request as parsed (`input`) is asked for only then.
 */
export function checkRecordSizes<S extends Schema>(schema: S, largestData: number, stream: StreamState, input: () => Infer<S>): void {
	const max = maxRecordBytes(stream);
	if (largestData <= max) return;
	parseInput(withDataMax(schema, max), input());
}

const limitedSchemas = new Map<Schema, Map<number, Schema>>();

/** The schema with the stream's limit on every Data member, made once per schema and limit. */
function withDataMax(schema: Schema, max: number): Schema {
	let byMax = limitedSchemas.get(schema);
	if (!byMax) limitedSchemas.set(schema, (byMax = new Map()));
	let limited = byMax.get(max);
	if (!limited) byMax.set(max, (limited = limitFields(schema, max)));
	return limited;
}

function limitFields(schema: Schema, max: number): Schema {
	return Object.fromEntries(Object.entries(schema).map(([name, field]) => [name, limitField(field, max)]));
}

function limitField(field: Field, max: number): Field {
	if (field === Data) return {...Data, max};
	if (field.type === 'Structure') return {...field, members: limitFields(field.members, max)};
	if (field.type === 'List') return {...field, member: limitField(field.member, max)};
	return field;
}
