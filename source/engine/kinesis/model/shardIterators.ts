import {createHmac, timingSafeEqual} from 'node:crypto';

/**
 * Shard iterators are opaque to clients. They carry where to read next and when they were issued,
 * with a MAC so that a truncated or edited iterator is refused rather than misread.
 */
export interface IteratorState {
	readonly region: string;
	readonly streamName: string;
	readonly streamCreatedMs: number;
	readonly shardIndex: number;
	/** The next position to read (inclusive). */
	readonly position: number;
	readonly issuedMs: number;
}

const VERSION = 1;
const MAC_BYTES = 12;
// Not a secret: the MAC guards against damage, not forgery. Iterators must survive engine restarts.
const MAC_KEY = 'kinesis-console engine shard iterator';
const HEADER = 1 + 8 + 8 + 8 + 4 + 1;

const mac = (bytes: Buffer) => createHmac('sha256', MAC_KEY).update(bytes).digest().subarray(0, MAC_BYTES);

/**
 * An iterator as AWS's look: base64 of 8 bytes 00..01, then (AWS: encrypted) content, 152 bytes or more in
 * all and a multiple of 16 past that (kinesalite's suite recorded the shape: mhart/kinesalite test/helpers.js
 * assertShardIterator). Here the content is the state and its MAC, its length first, then zero padding.
 */
const PREFIX = Buffer.from('0000000000000001', 'hex');
const MIN_BYTES = 152;

export function encodeIterator(state: IteratorState): string {
	const region = Buffer.from(state.region, 'utf8');
	const name = Buffer.from(state.streamName, 'utf8');
	const body = Buffer.alloc(HEADER + region.length + name.length);
	let offset = body.writeUInt8(VERSION, 0);
	offset = body.writeDoubleBE(state.issuedMs, offset);
	offset = body.writeDoubleBE(state.position, offset);
	offset = body.writeDoubleBE(state.streamCreatedMs, offset);
	offset = body.writeUInt32BE(state.shardIndex, offset);
	offset = body.writeUInt8(region.length, offset);
	offset += region.copy(body, offset);
	name.copy(body, offset);
	const content = Buffer.concat([body, mac(body)]);
	const used = PREFIX.length + 2 + content.length;
	const bytes = Buffer.alloc(used <= MIN_BYTES ? MIN_BYTES : MIN_BYTES + Math.ceil((used - MIN_BYTES) / 16) * 16);
	PREFIX.copy(bytes);
	bytes.writeUInt16BE(content.length, PREFIX.length);
	content.copy(bytes, PREFIX.length + 2);
	return bytes.toString('base64');
}

export function decodeIterator(text: string): IteratorState | undefined {
	const bytes = Buffer.from(text, 'base64');
	if (bytes.length < MIN_BYTES || bytes.toString('base64') !== text || !bytes.subarray(0, PREFIX.length).equals(PREFIX)) return undefined;
	const length = bytes.readUInt16BE(PREFIX.length);
	const start = PREFIX.length + 2;
	if (length < HEADER + MAC_BYTES || start + length > bytes.length) return undefined;
	const body = bytes.subarray(start, start + length - MAC_BYTES);
	const tag = bytes.subarray(start + length - MAC_BYTES, start + length);
	if (!timingSafeEqual(tag, mac(body)) || body.readUInt8(0) !== VERSION) return undefined;
	const regionLength = body.readUInt8(HEADER - 1);
	if (HEADER + regionLength > body.length) return undefined;
	return {
		issuedMs: body.readDoubleBE(1),
		position: body.readDoubleBE(9),
		streamCreatedMs: body.readDoubleBE(17),
		shardIndex: body.readUInt32BE(25),
		region: body.toString('utf8', HEADER, HEADER + regionLength),
		streamName: body.toString('utf8', HEADER + regionLength),
	};
}
