import {isUtf8} from 'node:buffer';
import {releaseInput, type LentInput} from '../../protocol/dispatch.js';
import {releasePiece, takePieceBuffer} from '../../protocol/pieceBuffers.js';
import {BASE64_ALPHABET, breaksLength, breaksString, parseInput, type Infer} from '../../protocol/schema.js';
import {Data, HashKey, PartitionKey, StreamRef} from '../model/fields.js';
import {IncomingRecords} from '../model/writeRecords.js';

export const putRecordsSchema = {
	Records: {
		type: 'List',
		required: true,
		min: 1,
		max: 500,
		memberText: 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry',
		member: {type: 'Structure', members: {Data, ExplicitHashKey: HashKey, PartitionKey}},
	},
	// After Records, as AWS's model lists them: the order its validation errors come in (and are cut off at ten).
	...StreamRef,
} as const;

export type PutRecordsInput = Infer<typeof putRecordsSchema>;
/** The request as the fast reader gives it: its records as the write path takes them, their data in lent memory. */
export type ReadPutRecords = Omit<PutRecordsInput, 'Records'> & {readonly Records: IncomingRecords} & LentInput;

/**
 * PutRecords' JSON body read straight from its bytes: what `parseInput(putRecordsSchema,
 * JSON.parse(body))` returns, in less than half the time, for the bodies clients send, with the records
 * as IncomingRecords. It decodes each record's base64 as it scans it, into one buffer for the whole
 * request, and makes no string, Buffer or object per record: partition keys stay where they are in the body. Anything but a plain, valid body (an escape or a control character in a string, a
 * null, a member it does not know, a value that breaks a constraint) gives undefined, and the general
 * path reads the body and reports AWS's error; so this never decides an answer of its own.
 */
export function readPutRecordsBody(body: Buffer): ReadPutRecords | undefined {
	// The data is decoded into a pooled piece, given back once the request's action has settled (dispatch.ts):
	// fresh memory outside the JS heap for every request made V8 run a full collection every few dozen of them.
	// A small body's data takes a slice of Node's own pool of small buffers instead of holding a whole piece.
	const room = Math.ceil((body.length * 3) / 4);
	const decoded = room < SMALL_DATA_BYTES ? Buffer.allocUnsafe(room) : takePieceBuffer(room);
	try {
		let lent = true;
		const release = () => {
			// Once only: a piece given back twice could be lent to two requests.
			if (lent) releasePiece(decoded);
			lent = false;
		};
		return {...new BodyReader(body, decoded).request(), [releaseInput]: release};
	} catch (error) {
		releasePiece(decoded);
		if (error === notPlain) return undefined;
		throw error;
	}
}

/** Below this, Buffer.allocUnsafe slices Node's shared pool rather than allocating memory of its own. */
const SMALL_DATA_BYTES = Buffer.poolSize >>> 1;

/** Thrown, once made, whenever the body needs the general path. */
const notPlain = new Error('not a plain PutRecords body');

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const PAD = 0x3d;

/** Each byte's value as a base64 digit, or -1: URL-safe digits and padding are not digits here. */
const DIGITS = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 64; digit++) DIGITS[BASE64_ALPHABET.charCodeAt(digit)] = digit;
/** Each pair of bytes' 12 bits as two base64 digits, or -1 (128 KiB): half the lookups of DIGITS, which makes decoding about 40% faster. */
const DIGIT_PAIRS = new Int16Array(65536).fill(-1);
for (let high = 0; high < 64; high++) {
	for (let low = 0; low < 64; low++)
		DIGIT_PAIRS[(BASE64_ALPHABET.charCodeAt(high) << 8) | BASE64_ALPHABET.charCodeAt(low)] = (high << 6) | low;
}

const MAX_RECORDS = putRecordsSchema.Records.max;

const DATA = Buffer.from('Data');
const PARTITION_KEY = Buffer.from('PartitionKey');
const EXPLICIT_HASH_KEY = Buffer.from('ExplicitHashKey');
const STREAM_NAME = Buffer.from('StreamName');
const STREAM_ARN = Buffer.from('StreamARN');
const RECORDS = Buffer.from('Records');

class BodyReader {
	private at = 0;
	/** Where the name of the member being read lies. */
	private keyStart = 0;
	private keyEnd = 0;
	private decodedLength = 0;
	/** Per record, in order: where its data ends in `decoded`, where its partition key lies in the body, its hash key if any. */
	private readonly dataEnds: number[] = [];
	private readonly keyStarts: number[] = [];
	private readonly keyBytes: number[] = [];
	private readonly hashKeys: Array<string | undefined> = [];
	private hashed = false;
	/** Where the string scanned last lies, and whether it is all ASCII. */
	private textStart = 0;
	private textEnd = 0;
	private textAscii = true;

	/** `decoded` holds three quarters of the body: base64 takes four characters for three bytes. */
	constructor(
		private readonly bytes: Buffer,
		private readonly decoded: Buffer,
	) {}

	request(): Omit<ReadPutRecords, typeof releaseInput> {
		let streamName: string | undefined;
		let streamArn: string | undefined;
		let hasRecords = false;
		this.expect(OPEN);
		do {
			this.key();
			if (this.is(RECORDS) && !hasRecords) {
				this.recordList();
				hasRecords = true;
			} else if (this.is(STREAM_NAME) && streamName === undefined) streamName = this.text();
			else if (this.is(STREAM_ARN) && streamArn === undefined) streamArn = this.text();
			else throw notPlain;
		} while (this.more(CLOSE));
		if (this.skipSpace() !== this.bytes.length || !hasRecords) throw notPlain;
		// The stream's members go through the schema, as in the general path; any error there is left to it.
		let stream: Omit<ReadPutRecords, 'Records'>;
		try {
			stream = parseInput(StreamRef, {StreamName: streamName, StreamARN: streamArn});
		} catch {
			throw notPlain;
		}
		return {...stream, Records: this.records()};
	}

	private records(): IncomingRecords {
		const data = this.decoded.subarray(0, this.decodedLength);
		return new IncomingRecords(data, this.dataEnds, this.bytes, this.keyStarts, this.keyBytes, this.hashed ? this.hashKeys : undefined);
	}

	private recordList(): void {
		this.expect(OPEN_LIST);
		do {
			if (this.dataEnds.length === MAX_RECORDS) throw notPlain;
			this.record();
		} while (this.more(CLOSE_LIST));
	}

	private record(): void {
		let keyStart = -1;
		let keyBytes = 0;
		let hashKey: string | undefined;
		let hasData = false;
		this.expect(OPEN);
		do {
			this.key();
			if (this.is(DATA) && !hasData) {
				this.data();
				hasData = true;
			} else if (this.is(PARTITION_KEY) && keyStart < 0) {
				this.partitionKey();
				keyStart = this.textStart;
				keyBytes = this.textEnd - keyStart;
			} else if (this.is(EXPLICIT_HASH_KEY) && hashKey === undefined) hashKey = this.checkedText(HashKey);
			else throw notPlain;
		} while (this.more(CLOSE));
		if (!hasData || keyStart < 0) throw notPlain;
		this.dataEnds.push(this.decodedLength);
		this.keyStarts.push(keyStart);
		this.keyBytes.push(keyBytes);
		this.hashKeys.push(hashKey);
		if (hashKey !== undefined) this.hashed = true;
	}

	/** Decodes a record's base64 data onto the end of `decoded`. */
	private data(): void {
		const {bytes} = this;
		const start = this.stringStart();
		const end = bytes.indexOf(QUOTE, start);
		const length = end - start;
		if (end < 0 || length % 4 !== 0) throw notPlain;
		const padding = length === 0 || bytes[end - 1] !== PAD ? 0 : bytes[end - 2] === PAD ? 2 : 1;
		const size = (length / 4) * 3 - padding;
		if (size > Data.max) throw notPlain;
		const out = this.decoded;
		let to = this.decodedLength;
		const whole = end - (padding === 0 ? 0 : 4);
		let from = start;
		for (; from < whole; from += 4) {
			const high = DIGIT_PAIRS[((bytes[from] as number) << 8) | (bytes[from + 1] as number)] as number;
			const low = DIGIT_PAIRS[((bytes[from + 2] as number) << 8) | (bytes[from + 3] as number)] as number;
			// A pair holding a byte that is no digit is -1, which makes the OR negative.
			if ((high | low) < 0) throw notPlain;
			const group = (high << 12) | low;
			out[to] = group >>> 16;
			out[to + 1] = (group >>> 8) & 0xff;
			out[to + 2] = group & 0xff;
			to += 3;
		}
		if (padding > 0) {
			// The last group: two or three digits, whose bits past the data must be zero, as AWS requires.
			const first = DIGITS[bytes[from] as number] as number;
			const second = DIGITS[bytes[from + 1] as number] as number;
			const third = padding === 1 ? (DIGITS[bytes[from + 2] as number] as number) : 0;
			if ((first | second | third) < 0 || (padding === 2 ? second & 0x0f : third & 0x03) !== 0) throw notPlain;
			out[to++] = (first << 2) | (second >>> 4);
			if (padding === 1) out[to++] = ((second & 0x0f) << 4) | (third >>> 2);
		}
		this.decodedLength = to;
		this.at = end + 1;
	}

	/** A string that keeps its member's constraints. */
	private checkedText(field: typeof HashKey): string {
		const text = this.text();
		if (breaksString(field, text)) throw notPlain;
		return text;
	}

	/**
	 * Scans a partition key that keeps its member's constraints, left as bytes in the body: its length
	 * in characters is its length in bytes when it is all ASCII, and only otherwise is it decoded. Bytes
	 * that are not UTF-8 take the general path, which hashes and stores the text they decode to.
	 */
	private partitionKey(): void {
		this.scanText();
		const {bytes, textStart: start, textEnd: end} = this;
		if (
			this.textAscii
				? breaksLength(PartitionKey, end - start)
				: !isUtf8(bytes.subarray(start, end)) || breaksString(PartitionKey, bytes.toString('utf8', start, end))
		)
			throw notPlain;
	}

	/** A string without escapes or control characters (those take the general path). */
	private text(): string {
		this.scanText();
		// A quote never falls inside a UTF-8 sequence, so the slice decodes as it would in the whole text.
		return this.bytes.toString(this.textAscii ? 'latin1' : 'utf8', this.textStart, this.textEnd);
	}

	/** Finds where a string without escapes or control characters lies (see textStart), and reads past it. */
	private scanText(): void {
		const {bytes} = this;
		const start = this.stringStart();
		let ascii = true;
		let index = start;
		for (; index < bytes.length; index++) {
			const byte = bytes[index] as number;
			if (byte === QUOTE) break;
			if (byte < 0x20 || byte === 0x5c) throw notPlain;
			if (byte >= 0x80) ascii = false;
		}
		if (index === bytes.length) throw notPlain;
		this.at = index + 1;
		this.textStart = start;
		this.textEnd = index;
		this.textAscii = ascii;
	}

	/** Reads a member's name, and its colon. */
	private key(): void {
		const start = this.stringStart();
		const end = this.bytes.indexOf(QUOTE, start);
		if (end < 0) throw notPlain;
		this.keyStart = start;
		this.keyEnd = end;
		this.at = end + 1;
		this.expect(COLON);
	}

	/** Whether the member just read is this one. */
	private is(name: Buffer): boolean {
		const start = this.keyStart;
		if (this.keyEnd - start !== name.length) return false;
		for (let index = 0; index < name.length; index++) if (this.bytes[start + index] !== name[index]) return false;
		return true;
	}

	private stringStart(): number {
		this.expect(QUOTE);
		return this.at;
	}

	/** After a member or an item: true at a comma (more follow), false at `close`. */
	private more(close: number): boolean {
		const byte = this.bytes[this.skipSpace()];
		this.at++;
		if (byte === COMMA) return true;
		if (byte === close) return false;
		throw notPlain;
	}

	private expect(byte: number): void {
		if (this.bytes[this.skipSpace()] !== byte) throw notPlain;
		this.at++;
	}

	private skipSpace(): number {
		const {bytes} = this;
		let byte = bytes[this.at];
		while (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) byte = bytes[++this.at];
		return this.at;
	}
}
