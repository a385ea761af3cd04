import {deflateRawSync, deflateSync, gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {decompress, detectCompression} from '../../../source/console/records/gzip.js';
import {utf8} from './support.js';

const MiB = 1024 * 1024;
const sample = utf8('{"message":"hello"}'.repeat(50));

describe('detectCompression', () => {
	it('recognises gzip and zlib by their headers', () => {
		expect(detectCompression(gzipSync(sample))).toBe('gzip');
		for (const level of [1, 6, 9]) expect(detectCompression(deflateSync(sample, {level}))).toBe('zlib');
		expect(detectCompression(deflateSync(sample, {windowBits: 9}))).toBe('zlib');
	});

	it('does not take text, JSON, empty or raw deflate data for compressed', () => {
		for (const data of [utf8('hello'), utf8('{"a":1}'), new Uint8Array(0), Uint8Array.of(0x1f), deflateRawSync(utf8('a'))]) {
			expect(detectCompression(data)).toBeUndefined();
		}
		// 1F 8B with a method other than deflate is not gzip.
		expect(detectCompression(Uint8Array.of(0x1f, 0x8b, 0x07, 0, 0))).toBeUndefined();
		// A zlib header that asks for a preset dictionary (FDICT) cannot be inflated without it.
		expect(detectCompression(Uint8Array.of(0x78, 0xbb))).toBeUndefined();
	});

	it('sees a zlib header in some text: it is only two bytes', () => {
		expect(detectCompression(utf8('HKEY_LOCAL_MACHINE'))).toBe('zlib');
		expect(detectCompression(utf8('x^2 + 1'))).toBe('zlib');
	});
});

describe('decompress', () => {
	it('inflates gzip, zlib and raw deflate', () => {
		expect(decompress(gzipSync(sample), 'gzip')).toEqual({ok: true, data: Buffer.from(sample), truncated: false});
		expect(decompress(deflateSync(sample), 'zlib')).toEqual({ok: true, data: Buffer.from(sample), truncated: false});
		expect(decompress(deflateRawSync(sample), 'deflate')).toEqual({ok: true, data: Buffer.from(sample), truncated: false});
	});

	it('stops a zip bomb at the cap and returns its beginning, marked truncated', () => {
		const bomb = gzipSync(Buffer.alloc(64 * MiB, 'A'), {level: 9});
		expect(bomb.length).toBeLessThan(100 * 1024);
		const result = decompress(bomb, 'gzip');
		if (!result.ok) throw new Error(result.error);
		expect(result.truncated).toBe(true);
		expect(result.data.length).toBeLessThanOrEqual(16 * MiB);
		expect(result.data.length).toBeGreaterThan(15 * MiB);
		expect(result.data.every((byte) => byte === 0x41)).toBe(true);
		expect(result.note).toBe(`decompressed content is larger than 16 MiB: showing the first ${result.data.length} bytes`);
	});

	it('honours a smaller cap, for every container', () => {
		const content = Buffer.alloc(4 * MiB, 'xyz');
		for (const [compression, data] of [
			['gzip', gzipSync(content)],
			['zlib', deflateSync(content)],
			['deflate', deflateRawSync(content)],
		] as const) {
			const result = decompress(data, compression, MiB);
			if (!result.ok) throw new Error(result.error);
			expect(result.truncated).toBe(true);
			expect(result.data.length).toBeLessThanOrEqual(MiB);
			expect(result.data.length).toBeGreaterThan(0);
			expect(Buffer.from(result.data).equals(content.subarray(0, result.data.length))).toBe(true);
		}
	});

	it('is not truncated when the output is exactly at the cap', () => {
		const content = Buffer.alloc(MiB, 'q');
		expect(decompress(gzipSync(content), 'gzip', MiB)).toMatchObject({ok: true, truncated: false});
	});

	it('returns what a stream cut short holds, marked truncated', () => {
		const content = Buffer.from(Array.from({length: 2000}, (_, index) => `line ${index}\n`).join(''));
		const compressed = gzipSync(content);
		const result = decompress(compressed.subarray(0, Math.floor(compressed.length / 2)), 'gzip');
		if (!result.ok) throw new Error(result.error);
		expect(result.truncated).toBe(true);
		expect(result.data.length).toBeGreaterThan(0);
		expect(result.data.length).toBeLessThan(content.length);
		expect(Buffer.from(result.data).equals(content.subarray(0, result.data.length))).toBe(true);
		expect(result.note).toBe(`gzip data ends early: showing the ${result.data.length} bytes it holds`);
	});

	it('reports corrupt data', () => {
		const corrupt = gzipSync(sample);
		corrupt[corrupt.length - 6]! ^= 0xff; // the CRC-32 trailer
		expect(decompress(corrupt, 'gzip')).toEqual({ok: false, error: 'incorrect data check'});
		expect(decompress(utf8('HKEY_LOCAL_MACHINE'), 'zlib')).toMatchObject({ok: false});
	});
});
