import {Decoder, Encoder, Tag} from 'cbor-x';
import {Blob, SelfEncoding, Timestamp} from './values.js';

/**
 * `application/x-amz-cbor-1.1`, which the AWS SDK for Java v2 speaks to Kinesis by default: the JSON
 * 1.1 shapes in CBOR, blobs as byte strings, and timestamps as tag 1 over an integer of epoch
 * *milliseconds* (SdkCborGenerator writes `writeTag(1); writeNumber(instant.toEpochMilli())`, and its
 * unmarshaller reads the number as milliseconds), although RFC 8949 puts seconds under tag 1.
 */
export const CBOR_CONTENT_TYPE = 'application/x-amz-cbor-1.1';

// 64-bit integers (every epoch-millisecond timestamp) as numbers, not BigInt; maps as plain objects.
// (int64AsNumber is a decoder option cbor-x honours but leaves out of its typings.)
const decoder = new Decoder({useRecords: false, mapsAsObjects: true, int64AsNumber: true} as ConstructorParameters<typeof Decoder>[0]);
// Buffers as plain byte strings (major type 2), never typed-array tags.
const encoder = new Encoder({useRecords: false, mapsAsObjects: true, tagUint8Array: false});

export function decodeCbor(body: Buffer): unknown {
	return fromWire(decoder.decode(body));
}

export function encodeCbor(value: unknown): Buffer {
	return encoder.encode(toWire(value));
}

/**
 * cbor-x reads tag 1 as epoch seconds and makes a Date 1000 times too far in time; the Java SDK means
 * milliseconds, so each Date is brought back. (cbor-x's tag table is global to the process, so the
 * engine corrects the value rather than replacing the library's tag 1 reader for everyone.)
 */
function fromWire(value: unknown): unknown {
	if (value instanceof Date) return new Date(value.getTime() / 1000);
	if (Array.isArray(value)) return value.map(fromWire);
	if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
		const out: Record<string, unknown> = {};
		for (const [key, item] of Object.entries(value)) out[key] = fromWire(item);
		return out;
	}
	return value;
}

/** Blobs to byte strings, timestamps to tag 1 over integer milliseconds, absent members left out. */
function toWire(value: unknown): unknown {
	if (value instanceof SelfEncoding) return toWire(value.value());
	if (value instanceof Blob) return value.bytes;
	if (value instanceof Timestamp) return new Tag(BigInt(Math.round(value.ms)), 1);
	if (value instanceof Uint8Array || value === null || typeof value !== 'object') {
		// Whole numbers past 32 bits stay integers (cbor-x would write a float64).
		return typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) > 0xffff_ffff ? BigInt(value) : value;
	}
	if (Array.isArray(value)) return value.map(toWire);
	const out: Record<string, unknown> = {};
	for (const [key, item] of Object.entries(value)) {
		if (item !== undefined) out[key] = toWire(item);
	}
	return out;
}
