import {writeBase64} from '../../protocol/base64.js';
import {PIECE_BYTES, releasePiece, takePieceBuffer} from '../../protocol/pieceBuffers.js';
import {eachRecordIn, type RecordPage} from '../../store/store.js';
import {SEQUENCE_DIGITS, type SequenceWriter} from '../model/sequenceNumbers.js';

const PARTITION_KEY = ascii('","PartitionKey":');
const ENCRYPTED = ascii(',"EncryptionType":"KMS"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export interface RecordsJsonFormat {
	/** Writes this shard's sequence numbers. */
	readonly sequence: SequenceWriter;
	/** Whether the record at a position was written while the stream was encrypted. */
	readonly encryptedAt: (position: number) => boolean;
}

/**
 * A page of records as the JSON of a GetRecords answer (`open`, the records, `close`), in pieces of
 * about 256 KiB (see pieceBuffers). The bytes are written straight from the stored batches, with no
 * object per record and no string but a large record's base64, and are byte for byte what JSON.stringify writes.
 */
export function* recordsJson(page: RecordPage, format: RecordsJsonFormat, open: string, close: string): Generator<Buffer> {
	const head = ascii(`{"SequenceNumber":"`);
	let out = takePieceBuffer(PIECE_BYTES);
	let at = out.write(open, 0, 'latin1');
	let first = true;
	let wanted = 0;
	for (const span of page.spans) {
		const {value} = span;
		const middle = ascii(`","ApproximateArrivalTimestamp":${span.arrivalMs / 1000},"Data":"`);
		const write = (position: number, keyStart: number, dataStart: number, end: number): boolean => {
			// Keys are valid UTF-8 (they were written from strings), so only quotes, backslashes and controls need escaping.
			const escapedKey = isPlainJsonText(value, keyStart, dataStart)
				? undefined
				: JSON.stringify(value.toString('utf8', keyStart, dataStart));
			const keyBytes = escapedKey === undefined ? dataStart - keyStart + 2 : Buffer.byteLength(escapedKey);
			const room =
				1 +
				head.length +
				SEQUENCE_DIGITS +
				middle.length +
				Math.ceil((end - dataStart) / 3) * 4 +
				PARTITION_KEY.length +
				keyBytes +
				ENCRYPTED.length +
				1;
			if (at + room > out.length) {
				wanted = room;
				return false;
			}
			if (!first) out[at++] = 0x2c;
			first = false;
			out.set(head, at);
			at = format.sequence.write(out, at + head.length, position);
			out.set(middle, at);
			at += middle.length;
			at = writeBase64(value, dataStart, end, out, at);
			out.set(PARTITION_KEY, at);
			at += PARTITION_KEY.length;
			if (escapedKey === undefined) {
				out[at++] = QUOTE;
				for (let index = keyStart; index < dataStart; index++) out[at++] = value[index] as number;
				out[at++] = QUOTE;
			} else at += out.write(escapedKey, at, 'utf8');
			if (format.encryptedAt(position)) {
				out.set(ENCRYPTED, at);
				at += ENCRYPTED.length;
			}
			out[at++] = 0x7d;
			return true;
		};
		for (let from = eachRecordIn(span, write); from < span.end; from = eachRecordIn(span, write, from)) {
			if (at > 0) yield out.subarray(0, at);
			else releasePiece(out);
			out = takePieceBuffer(wanted);
			at = 0;
		}
	}
	const closing = Buffer.from(close);
	if (at + closing.length > out.length) {
		yield out.subarray(0, at);
		yield closing;
		return;
	}
	out.set(closing, at);
	yield out.subarray(0, at + closing.length);
}

/** Whether UTF-8 bytes stand in a JSON string as they are: no quote, backslash or control character. */
function isPlainJsonText(bytes: Buffer, start: number, end: number): boolean {
	for (let index = start; index < end; index++) {
		const byte = bytes[index] as number;
		if (byte < 0x20 || byte === QUOTE || byte === BACKSLASH) return false;
	}
	return true;
}

function ascii(text: string): Buffer {
	return Buffer.from(text, 'latin1');
}
