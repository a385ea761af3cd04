import {hashKeyProblem} from './hashKeys.js';
import type {ProducerRecord} from './producer.js';

/** Kinesis's write limits: a record (data and partition key together), and one PutRecords call (the same, summed). */
export const PUT_LIMITS = {
	recordBytes: 1_048_576,
	partitionKeyLength: 256,
	requestRecords: 500,
	requestBytes: 5 * 1_048_576,
} as const;

/** Why a record cannot be written at all, or undefined. */
export function recordProblem(record: ProducerRecord, partitionKey: string): string | undefined {
	const bytes = record.data.byteLength + Buffer.byteLength(partitionKey);
	if (bytes > PUT_LIMITS.recordBytes) return recordTooLarge(bytes);
	const length = [...partitionKey].length;
	if (length < 1 || length > PUT_LIMITS.partitionKeyLength) return `the partition key is ${length} characters; Kinesis takes 1 to 256`;
	if (record.explicitHashKey !== undefined) return hashKeyProblem(record.explicitHashKey);
	return undefined;
}

/** The failure of a record over the size limit: `bytes` counts its data and its partition key. */
export function recordTooLarge(bytes: number): string {
	return `the record is ${bytes.toLocaleString('en-US')} bytes with its partition key; Kinesis takes at most 1 MiB (1,048,576 bytes) per record`;
}
