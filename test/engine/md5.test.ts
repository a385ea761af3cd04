import {createHash} from 'node:crypto';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {md5Words} from '../../source/engine/kinesis/model/md5.js';

/** The engine's MD5 of a partition key (its UTF-8 bytes, somewhere in a buffer), as 32 hex digits, to compare with node:crypto's. */
function engineHex(key: string): string {
	const words = new Uint32Array(6).fill(0xdeadbeef);
	const bytes = Buffer.from(key);
	md5Words(Buffer.concat([Buffer.from('before'), bytes, Buffer.from('after')]), 6, bytes.length, words, 1);
	expect([words[0], words[5]]).toStrictEqual([0xdeadbeef, 0xdeadbeef]);
	return Array.from(words.subarray(1, 5), (word) => word.toString(16).padStart(8, '0')).join('');
}

const md5 = (key: string) => createHash('md5').update(key, 'utf8').digest('hex');

describe('the MD5 partition keys are routed by', () => {
	it('is RFC 1321’s test suite', () => {
		// RFC 1321, A.5 Test suite.
		expect(engineHex('a')).toBe('0cc175b9c0f1b6a831c399e269772661');
		expect(engineHex('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
		expect(engineHex('message digest')).toBe('f96b697d7cb7938d525a2f31aaf161d0');
		expect(engineHex('abcdefghijklmnopqrstuvwxyz')).toBe('c3fcd3d76192e4007dfb496cca67e13b');
		expect(engineHex('12345678901234567890123456789012345678901234567890123456789012345678901234567890')).toBe(
			'57edf4a22be3c955ac49da2e2107b67a',
		);
	});

	it('is node:crypto’s at every length across block boundaries, ASCII or not', () => {
		for (let length = 1; length <= 256; length++) {
			expect(engineHex('k'.repeat(length))).toBe(md5('k'.repeat(length)));
			expect(engineHex('é'.repeat(length))).toBe(md5('é'.repeat(length)));
			expect(engineHex('😀'.repeat(length >> 1) + 'x')).toBe(md5('😀'.repeat(length >> 1) + 'x'));
		}
	});

	it('is node:crypto’s for any key, one after another', () => {
		fc.assert(
			fc.property(fc.array(fc.string({unit: 'binary', minLength: 1, maxLength: 256}), {minLength: 1, maxLength: 5}), (keys) => {
				for (const key of keys) expect(engineHex(key)).toBe(md5(key));
			}),
			{numRuns: 500},
		);
	});
});
