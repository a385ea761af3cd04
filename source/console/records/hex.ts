const BYTES_PER_LINE = 16;

function hexByte(byte: number): string {
	return byte.toString(16).padStart(2, '0');
}

/** One run of lowercase hex digits, two per byte. */
export function hexCompact(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * `hexdump -C`-style lines: an 8-digit hex offset, 16 bytes in two groups of 8, and the printable
 * ASCII between bars ('.' for anything else, so the dump itself never holds control characters).
 *
 *     00000000  48 65 6c 6c 6f 0a                                 |Hello.|
 */
export function hexDump(bytes: Uint8Array): string {
	const lines: string[] = [];
	for (let offset = 0; offset < bytes.length; offset += BYTES_PER_LINE) {
		const row = bytes.subarray(offset, offset + BYTES_PER_LINE);
		let hex = '';
		let ascii = '';
		for (let column = 0; column < BYTES_PER_LINE; column++) {
			const byte = row[column];
			if (column === 8) hex += ' ';
			hex += byte === undefined ? '   ' : `${hexByte(byte)} `;
			if (byte !== undefined) ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
		}
		lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
	}
	return lines.join('\n');
}
