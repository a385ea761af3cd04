/** Builders for real record payloads: KPL aggregates, gzip'd CloudWatch Logs batches. */
import {createHash} from 'node:crypto';
import {gzipSync} from 'node:zlib';
import {BinaryWriter, WireType} from '@bufbuild/protobuf/wire';

export const KPL_MAGIC_BYTES = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);

export interface UserRecordSpec {
	readonly partitionKeyIndex?: number;
	readonly explicitHashKeyIndex?: number;
	readonly data?: Uint8Array | string;
	/** Extra raw fields appended to the Record message, e.g. unknown fields. */
	readonly extra?: (writer: BinaryWriter) => void;
}

export interface AggregateSpec {
	readonly partitionKeys: readonly string[];
	readonly explicitHashKeys?: readonly string[];
	readonly records: readonly UserRecordSpec[];
}

const bytesOf = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? new TextEncoder().encode(data) : data);

/** The protobuf AggregatedRecord message, field by field, without magic or checksum. */
export function encodeAggregatedRecord(spec: AggregateSpec): Uint8Array {
	const writer = new BinaryWriter();
	for (const key of spec.partitionKeys) writer.tag(1, WireType.LengthDelimited).string(key);
	for (const key of spec.explicitHashKeys ?? []) writer.tag(2, WireType.LengthDelimited).string(key);
	for (const record of spec.records) {
		writer.tag(3, WireType.LengthDelimited).fork();
		if (record.partitionKeyIndex !== undefined) writer.tag(1, WireType.Varint).uint64(record.partitionKeyIndex);
		if (record.explicitHashKeyIndex !== undefined) writer.tag(2, WireType.Varint).uint64(record.explicitHashKeyIndex);
		if (record.data !== undefined) writer.tag(3, WireType.LengthDelimited).bytes(bytesOf(record.data));
		record.extra?.(writer);
		writer.join();
	}
	return writer.finish();
}

/** Magic number + message + MD5(message): the KPL's framing. */
export function frameAggregate(message: Uint8Array, digest: Uint8Array = md5(message)): Uint8Array {
	// A plain Uint8Array, as the SDK hands over record data.
	return new Uint8Array(Buffer.concat([KPL_MAGIC_BYTES, message, digest]));
}

export function md5(bytes: Uint8Array): Uint8Array {
	return createHash('md5').update(bytes).digest();
}

export interface UserRecord {
	readonly partitionKey: string;
	readonly explicitHashKey?: string;
	readonly data: Uint8Array | string;
}

/** A KPL aggregate as the KPL writes it: keys shared through the tables. */
export function aggregate(records: readonly UserRecord[]): Uint8Array {
	const partitionKeys: string[] = [];
	const explicitHashKeys: string[] = [];
	const indexIn = (table: string[], key: string): number => {
		const found = table.indexOf(key);
		if (found !== -1) return found;
		table.push(key);
		return table.length - 1;
	};
	const specs = records.map((record) => ({
		partitionKeyIndex: indexIn(partitionKeys, record.partitionKey),
		...(record.explicitHashKey === undefined ? {} : {explicitHashKeyIndex: indexIn(explicitHashKeys, record.explicitHashKey)}),
		data: record.data,
	}));
	return frameAggregate(encodeAggregatedRecord({partitionKeys, explicitHashKeys, records: specs}));
}

export interface LogEvent {
	readonly id: string;
	readonly timestamp: number;
	readonly message: string;
}

/** What a CloudWatch Logs subscription filter puts on a stream: a gzip'd DATA_MESSAGE. */
export function cloudWatchLogsBatch(
	logGroup: string,
	logEvents: readonly LogEvent[],
): {readonly document: unknown; readonly data: Uint8Array} {
	const document = {
		messageType: 'DATA_MESSAGE',
		owner: '123456789012',
		logGroup,
		logStream: '2024/05/01/[$LATEST]0123456789abcdef',
		subscriptionFilters: ['to-kinesis'],
		logEvents,
	};
	return {document, data: gzipSync(JSON.stringify(document))};
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
