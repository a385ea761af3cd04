import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {writeBase64} from '../../source/engine/protocol/base64.js';

/** GetRecords' base64 writer (protocol/base64.ts) against Node's own encoder, at every length about the point where it hands over to it. */
describe('base64 written into an answer', () => {
	it("writes exactly what Buffer's base64 writes, at any offset, small or large", () => {
		fc.assert(
			fc.property(fc.uint8Array({maxLength: 400}), fc.nat({max: 8}), fc.nat({max: 8}), (bytes, before, after) => {
				const source = Buffer.concat([Buffer.alloc(before, 0xaa), bytes, Buffer.alloc(after, 0x55)]);
				const out = Buffer.alloc(before + 4 * Math.ceil(bytes.length / 3) + 16, 0x21);
				const end = writeBase64(source, before, before + bytes.length, out, before);
				expect(out.toString('latin1', before, end)).toBe(Buffer.from(bytes).toString('base64'));
				// Nothing written around it.
				expect(out.subarray(0, before).every((byte) => byte === 0x21)).toBe(true);
				expect(out.subarray(end).every((byte) => byte === 0x21)).toBe(true);
			}),
			{numRuns: 2000},
		);
	});
});
