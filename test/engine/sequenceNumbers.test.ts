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

	it('write runs of consecutive positions, across carries and after jumps, as they write each alone', () => {
		const runs = [
			[0, 12],
			[99_999_990, 20],
			[5, 3],
			[8_999_999_999_999_990, 15],
			[createdMs * 1000 + 995, 10],
			[4, 1],
		];
		for (const [start, length] of runs as Array<[number, number]>) {
			const out = Buffer.alloc(17 * length);
			for (let index = 0; index < length; index++) writePositionDigits(out, 17 * index, start + index);
			const expected = Array.from({length}, (_, index) => String(start + index).padStart(17, '0')).join('');
			expect(out.toString('latin1')).toBe(expected);
		}
	});
});
