/**
 * De-aggregation of records written by the Kinesis Producer Library (KPL), following
 * https://github.com/awslabs/amazon-kinesis-producer/blob/master/aggregation-format.md
 *
 *     F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16 bytes)
 *
 *     message AggregatedRecord {              // proto2
 *       repeated string partition_key_table     = 1;
 *       repeated string explicit_hash_key_table = 2;
 *       repeated Record records                 = 3;
 *     }
 *     message Record {
 *       required uint64 partition_key_index     = 1;
 *       optional uint64 explicit_hash_key_index = 2;
 *       required bytes  data                    = 3;
 *       repeated Tag    tags                    = 4;
 *     }
 *     message Tag { required string key = 1; optional string value = 2; }
 *
 * As in the KCL (AggregatorUtil): a record is an aggregate only if it starts with the magic number
 * and has more than 16 bytes after it; a checksum mismatch or a protobuf that cannot be parsed
 * (including a missing required field) makes it a plain record. The KCL logs and drops an aggregate
 * whose key indices point outside the tables; a console shows it as a plain record instead, saying
 * why. User records are numbered from 0 (their sub-sequence number).
 */
import {createHash} from 'node:crypto';
import {BinaryReader, WireType} from '@bufbuild/protobuf/wire';

export const KPL_MAGIC: readonly number[] = [0xf3, 0x89, 0x9a, 0xc2];
const DIGEST_SIZE = 16;

export interface KplUserRecord {
	readonly partitionKey: string;
	readonly explicitHashKey?: string;
	readonly data: Uint8Array;
	readonly subSequenceNumber: number;
}

export type Deaggregation =
	/** No KPL magic number: an ordinary record. */
	| {readonly kind: 'plain'}
	| {readonly kind: 'aggregated'; readonly records: readonly KplUserRecord[]}
	/** The magic number is there, but the rest is not a valid aggregate: to be treated as an ordinary record. */
	| {readonly kind: 'invalid'; readonly reason: string};

export function hasKplMagic(data: Uint8Array): boolean {
	return data.length > KPL_MAGIC.length + DIGEST_SIZE && KPL_MAGIC.every((byte, index) => data[index] === byte);
}

export function deaggregate(data: Uint8Array): Deaggregation {
	if (!hasKplMagic(data)) return {kind: 'plain'};
	const message = data.subarray(KPL_MAGIC.length, data.length - DIGEST_SIZE);
	const digest = data.subarray(data.length - DIGEST_SIZE);
	if (!createHash('md5').update(message).digest().equals(digest)) {
		return {kind: 'invalid', reason: 'starts with the KPL magic number, but its MD5 checksum does not match'};
	}
	let aggregate: AggregatedRecord;
	try {
		aggregate = readAggregatedRecord(message);
	} catch (error) {
		return {
			kind: 'invalid',
			reason: `starts with the KPL magic number, but its protobuf message cannot be read: ${error instanceof Error ? error.message : String(error)}`,
		};
	}
	const records: KplUserRecord[] = [];
	for (const [subSequenceNumber, record] of aggregate.records.entries()) {
		const partitionKey = lookUp(aggregate.partitionKeys, record.partitionKeyIndex);
		if (partitionKey === undefined) {
			return {
				kind: 'invalid',
				reason: outOfRange(subSequenceNumber, 'partition key', record.partitionKeyIndex, aggregate.partitionKeys.length),
			};
		}
		let explicitHashKey: string | undefined;
		if (record.explicitHashKeyIndex !== undefined) {
			explicitHashKey = lookUp(aggregate.explicitHashKeys, record.explicitHashKeyIndex);
			if (explicitHashKey === undefined) {
				return {
					kind: 'invalid',
					reason: outOfRange(subSequenceNumber, 'explicit hash key', record.explicitHashKeyIndex, aggregate.explicitHashKeys.length),
				};
			}
		}
		records.push({partitionKey, ...(explicitHashKey === undefined ? {} : {explicitHashKey}), data: record.data, subSequenceNumber});
	}
	return {kind: 'aggregated', records};
}

function lookUp(table: readonly string[], index: bigint): string | undefined {
	return index < BigInt(table.length) ? table[Number(index)] : undefined;
}

function outOfRange(subSequenceNumber: number, what: string, index: bigint, tableSize: number): string {
	return `KPL user record ${subSequenceNumber} refers to ${what} ${index}, but the aggregate's ${what} table has ${tableSize} entries`;
}

interface AggregatedRecord {
	readonly partitionKeys: string[];
	readonly explicitHashKeys: string[];
	readonly records: UserRecordMessage[];
}

interface UserRecordMessage {
	readonly partitionKeyIndex: bigint;
	readonly explicitHashKeyIndex?: bigint;
	readonly data: Uint8Array;
}

// Fields are matched on number and wire type; anything else is skipped as an unknown field, as
// protobuf parsers do. The reader throws on truncated input and malformed varints or tags.
function readAggregatedRecord(bytes: Uint8Array): AggregatedRecord {
	const reader = new BinaryReader(bytes);
	const aggregate: AggregatedRecord = {partitionKeys: [], explicitHashKeys: [], records: []};
	while (reader.pos < reader.len) {
		const [field, wireType] = reader.tag();
		if (field === 1 && wireType === WireType.LengthDelimited) aggregate.partitionKeys.push(reader.string());
		else if (field === 2 && wireType === WireType.LengthDelimited) aggregate.explicitHashKeys.push(reader.string());
		else if (field === 3 && wireType === WireType.LengthDelimited)
			aggregate.records.push(readUserRecord(reader.bytes(), aggregate.records.length));
		else reader.skip(wireType, field);
	}
	return aggregate;
}

function readUserRecord(bytes: Uint8Array, position: number): UserRecordMessage {
	const reader = new BinaryReader(bytes);
	let partitionKeyIndex: bigint | undefined;
	let explicitHashKeyIndex: bigint | undefined;
	let data: Uint8Array | undefined;
	while (reader.pos < reader.len) {
		const [field, wireType] = reader.tag();
		if (field === 1 && wireType === WireType.Varint) partitionKeyIndex = BigInt(reader.uint64());
		else if (field === 2 && wireType === WireType.Varint) explicitHashKeyIndex = BigInt(reader.uint64());
		else if (field === 3 && wireType === WireType.LengthDelimited) data = reader.bytes();
		else if (field === 4 && wireType === WireType.LengthDelimited) checkTag(reader.bytes(), position);
		else reader.skip(wireType, field);
	}
	if (partitionKeyIndex === undefined) throw new Error(`user record ${position} has no partition_key_index`);
	if (data === undefined) throw new Error(`user record ${position} has no data`);
	return {partitionKeyIndex, ...(explicitHashKeyIndex === undefined ? {} : {explicitHashKeyIndex}), data};
}

// Tags are not used by the KPL or KCL, but a tag without its required key fails the whole parse.
function checkTag(bytes: Uint8Array, position: number): void {
	const reader = new BinaryReader(bytes);
	let hasKey = false;
	while (reader.pos < reader.len) {
		const [field, wireType] = reader.tag();
		if (field === 1 && wireType === WireType.LengthDelimited) hasKey = true;
		reader.skip(wireType, field);
	}
	if (!hasKey) throw new Error(`user record ${position} has a tag without a key`);
}
