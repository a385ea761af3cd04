/** A line of input: its bytes (without the LF or a CRLF), or only its length when it was longer than the limit. */
export interface InputLine {
	/** From 1. */
	readonly number: number;
	/** Length in bytes, without the line ending. */
	readonly length: number;
	/** The bytes; undefined for a line over the limit, whose bytes were not kept. */
	readonly bytes: Buffer | undefined;
}

/**
 * Splits a byte stream into lines on LF, dropping a CR before it, keeping bytes as they are (no UTF-8
 * decoding, so binary and invalid text survive). Reads only as fast as the lines are consumed, and holds
 * at most `maxLineBytes` of any line: a longer one is reported by its length alone.
 */
export async function* readLines(
	source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
	maxLineBytes = Infinity,
): AsyncGenerator<InputLine> {
	let parts: Buffer[] = [];
	let length = 0;
	let number = 0;
	let lastByte: number | undefined;
	const add = (piece: Buffer) => {
		if (piece.length === 0) return;
		if (length + piece.length <= maxLineBytes) parts.push(piece);
		else parts = [];
		length += piece.length;
		lastByte = piece[piece.length - 1];
	};
	const finish = (): InputLine => {
		number++;
		if (length > maxLineBytes) {
			// A CR before the LF is not part of the line.
			const line: InputLine = {number, length: length - (lastByte === 0x0d ? 1 : 0), bytes: undefined};
			parts = [];
			length = 0;
			lastByte = undefined;
			return line;
		}
		let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
		if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
		parts = [];
		length = 0;
		lastByte = undefined;
		return {number, length: bytes.length, bytes};
	};
	for await (const chunk of source) {
		const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
		let start = 0;
		for (;;) {
			const newline = buffer.indexOf(0x0a, start);
			if (newline === -1) {
				if (start < buffer.length) add(buffer.subarray(start));
				break;
			}
			add(buffer.subarray(start, newline));
			yield finish();
			start = newline + 1;
		}
	}
	if (length > 0) yield finish();
}
