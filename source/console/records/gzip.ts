import zlib from 'node:zlib';
import type {Compression} from './types.js';

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

/** Deflate cannot expand its input more than about 1032 times (a 258-byte match coded in 2 bits). */
const MAX_DEFLATE_RATIO = 1032;

/**
 * Recognises gzip (1F 8B, method 8) and zlib (a CMF/FLG header: method 8, window ≤ 32 KiB, no
 * preset dictionary, check bits making it a multiple of 31) by their first bytes. Raw deflate has no
 * header and cannot be recognised. A zlib header is only two bytes and some text starts with one
 * (`x^2`, `HKEY_…`), so a failed zlib inflate means "not compressed" rather than "broken".
 */
export function detectCompression(bytes: Uint8Array): 'gzip' | 'zlib' | undefined {
	// Indexed rather than destructured: destructuring walks a typed array with an iterator, for every record of a tail.
	const first = bytes[0];
	const second = bytes[1];
	const third = bytes[2];
	if (first === undefined || second === undefined) return undefined;
	if (first === 0x1f && second === 0x8b && third === 8) return 'gzip';
	const method = first & 0x0f;
	const windowBits = first >> 4;
	const presetDictionary = (second & 0x20) !== 0;
	if (method === 8 && windowBits <= 7 && !presetDictionary && ((first << 8) | second) % 31 === 0) return 'zlib';
	return undefined;
}

export type Decompressed =
	| {readonly ok: true; readonly data: Uint8Array; readonly truncated: boolean; readonly note?: string}
	| {readonly ok: false; readonly error: string};

type Inflate = (input: Uint8Array, options: zlib.ZlibOptions) => Buffer;

const inflaters: Record<Compression, Inflate> = {
	gzip: zlib.gunzipSync,
	zlib: zlib.inflateSync,
	deflate: zlib.inflateRawSync,
};

function errorCode(error: unknown): string | undefined {
	return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

function formatSize(bytes: number): string {
	if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
	if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
	return `${bytes} bytes`;
}

/**
 * Decompresses, never producing more than `maxOutputLength` bytes (node:zlib's own cap, so a zip
 * bomb stops there instead of filling memory). When the whole output would exceed the cap, the
 * beginning of it is returned, marked truncated: zlib's cap throws rather than returning what it
 * has, so a prefix of the input is inflated instead, short enough that it cannot overflow.
 * A stream that ends early (a cut-off record) yields what it holds, also marked truncated.
 */
export function decompress(bytes: Uint8Array, compression: Compression, maxOutputLength = DEFAULT_MAX_DECOMPRESSED_BYTES): Decompressed {
	const inflate = inflaters[compression];
	try {
		return {ok: true, data: inflate(bytes, {maxOutputLength}), truncated: false};
	} catch (error) {
		if (errorCode(error) === 'ERR_BUFFER_TOO_LARGE') return decompressBeginning(bytes, inflate, maxOutputLength);
		if (errorCode(error) !== 'Z_BUF_ERROR') return {ok: false, error: errorMessage(error)};
	}
	// The stream ends early: flush what was inflated so far.
	try {
		const data = inflate(bytes, {maxOutputLength, finishFlush: zlib.constants.Z_SYNC_FLUSH});
		return {ok: true, data, truncated: true, note: `${compression} data ends early: showing the ${data.length} bytes it holds`};
	} catch (error) {
		if (errorCode(error) === 'ERR_BUFFER_TOO_LARGE') return decompressBeginning(bytes, inflate, maxOutputLength);
		return {ok: false, error: errorMessage(error)};
	}
}

function decompressBeginning(bytes: Uint8Array, inflate: Inflate, maxOutputLength: number): Decompressed {
	// No prefix this short can inflate past the cap, whatever it holds.
	const inputLength = Math.max(1, Math.floor(maxOutputLength / MAX_DEFLATE_RATIO));
	try {
		const data = inflate(bytes.subarray(0, inputLength), {maxOutputLength, finishFlush: zlib.constants.Z_SYNC_FLUSH});
		return {
			ok: true,
			data,
			truncated: true,
			note: `decompressed content is larger than ${formatSize(maxOutputLength)}: showing the first ${data.length} bytes`,
		};
	} catch (error) {
		return {ok: false, error: errorMessage(error)};
	}
}
