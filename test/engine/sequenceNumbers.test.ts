import {describe, expect, it} from 'vitest';
import {parseSequenceNumber, sequenceFormatter, sequenceParts, writePositionDigits} from '../../source/engine/kinesis/sequenceNumbers.js';

const createdMs = Date.UTC(2026, 10, 22, 8, 30);
const positions = [0, 7, 99_999_999, 100_000_000, 123_456_789_012, createdMs * 1000, createdMs * 1000 + 999, Number.MAX_SAFE_INTEGER];

describe('sequence numbers', () => {
	it('write the position as 17 zero-padded digits between the fixed parts, as text and as bytes', () => {
		const format = sequenceFormatter(createdMs, 3);
		const {prefix, suffix} = sequenceParts(createdMs, 3);
		for (const position of positions) {
			const text = format(position);
			expect(text).toBe(`4${String(createdMs).padStart(14, '0')}${String(position).padStart(17, '0')}0000000003`);
			expect(text.startsWith(prefix) && text.endsWith(suffix)).toBe(true);
			const bytes = Buffer.alloc(20, '.');
			expect(writePositionDigits(bytes, 2, position)).toBe(19);
			expect(bytes.toString('latin1')).toBe(`..${String(position).padStart(17, '0')}.`);
			expect(parseSequenceNumber(text)).toEqual({streamCreatedMs: createdMs, position, shardIndex: 3});
		}
	});
});
