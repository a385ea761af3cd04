/**
 * The decoders, from a user record's bytes to text. Each returns the decoded content; keys and
 * KPL positions are added by decodeRecord.
 */
import {decompress, detectCompression, DEFAULT_MAX_DECOMPRESSED_BYTES} from './gzip.js';
import {hexCompact, hexDump} from './hex.js';
import {formatJson, looksLikeJsonContainer, parseJson} from './json.js';
import type {Compression, DecodedRecord, DecodeOptions, DecoderName} from './types.js';
import {decodeUtf8Lenient, decodeUtf8Strict, isPrintableText} from './utf8.js';

export type DecodedContent = Omit<DecodedRecord, 'partitionKey' | 'explicitHashKey' | 'subSequenceNumber'>;

export interface DecoderSettings {
	readonly jsonStyle: 'pretty' | 'compact';
	readonly hexStyle: 'dump' | 'compact';
	readonly maxDecompressedBytes: number;
}

export function decoderSettings(options: DecodeOptions): DecoderSettings {
	return {
		jsonStyle: options.jsonStyle ?? 'pretty',
		hexStyle: options.hexStyle ?? 'dump',
		maxDecompressedBytes: options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
	};
}

export function decodeContent(bytes: Uint8Array, decoder: DecoderName, settings: DecoderSettings): DecodedContent {
	switch (decoder) {
		case 'utf8':
			return asUtf8(bytes);
		case 'json':
			return asJson(bytes, settings);
		case 'base64':
			return {
				text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
				format: 'base64',
				byteLength: bytes.length,
			};
		case 'hex':
			return asHex(bytes, settings);
		case 'gzip':
			return asCompressed(bytes, settings);
		case 'auto':
			return asAuto(bytes, settings);
	}
}

function withNotes(content: DecodedContent, notes: readonly string[]): DecodedContent {
	const all = [...notes, ...(content.notes ?? [])];
	return all.length === 0 ? content : {...content, notes: all};
}

function asUtf8(bytes: Uint8Array): DecodedContent {
	const text = decodeUtf8Strict(bytes);
	if (text !== undefined) return {text, format: 'utf8', byteLength: bytes.length};
	return {
		text: decodeUtf8Lenient(bytes),
		format: 'utf8',
		byteLength: bytes.length,
		notes: ['not valid UTF-8: invalid bytes are shown as U+FFFD'],
	};
}

function asHex(bytes: Uint8Array, settings: DecoderSettings): DecodedContent {
	return {text: settings.hexStyle === 'dump' ? hexDump(bytes) : hexCompact(bytes), format: 'hex', byteLength: bytes.length};
}

/** Budget for indenting: generous for real documents, small enough to stop pathological nesting. */
function prettyBudget(source: string): number {
	return 8 * source.length + 64 * 1024;
}

/** JSON laid out as asked, from text already known to parse. */
function jsonContent(source: string, value: unknown, byteLength: number, settings: DecoderSettings): DecodedContent {
	const pretty = settings.jsonStyle === 'pretty' ? formatJson(source, 'pretty', prettyBudget(source)) : undefined;
	if (pretty !== undefined) return {text: pretty, format: 'json', json: value, byteLength};
	const compact = formatJson(source, 'compact') ?? source;
	const notes = settings.jsonStyle === 'pretty' ? ['too deeply nested to indent: shown on one line'] : [];
	return withNotes({text: compact, format: 'json', json: value, byteLength}, notes);
}

function asJson(bytes: Uint8Array, settings: DecoderSettings): DecodedContent {
	const text = asUtf8(bytes);
	const parsed = parseJson(text.text);
	if (parsed.ok) return withNotes(jsonContent(text.text, parsed.value, bytes.length, settings), text.notes ?? []);
	return withNotes({...text, jsonError: parsed.error}, [`not valid JSON (${parsed.error}): shown as text`]);
}

/**
 * Content that is not compressed (or no longer): JSON when it is a JSON object or array, text when
 * it is printable UTF-8, else hex. Scalars such as `42` or `"x"` are shown as text, which reads the
 * same. Content cut short may end inside a UTF-8 sequence: that tail is ignored when judging it.
 */
function asPlain(bytes: Uint8Array, settings: DecoderSettings, truncated: boolean): DecodedContent {
	const text = decodeUtf8Strict(truncated ? withoutIncompleteUtf8Tail(bytes) : bytes);
	if (text !== undefined) {
		if (looksLikeJsonContainer(text)) {
			const parsed = parseJson(text);
			if (parsed.ok) return jsonContent(text, parsed.value, bytes.length, settings);
		}
		if (isPrintableText(text)) return {text, format: 'utf8', byteLength: bytes.length};
	}
	return asHex(bytes, settings);
}

/** Drops a multi-byte UTF-8 sequence that the end of the bytes cuts in two. */
function withoutIncompleteUtf8Tail(bytes: Uint8Array): Uint8Array {
	let start = bytes.length - 1;
	while (start >= 0 && bytes.length - start <= 3 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start--;
	const lead = bytes[start];
	if (lead === undefined) return bytes;
	const sequenceLength = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	return bytes.length - start < sequenceLength ? bytes.subarray(0, start) : bytes;
}

function decompressed(bytes: Uint8Array, compression: Compression, settings: DecoderSettings): DecodedContent | {readonly error: string} {
	const result = decompress(bytes, compression, settings.maxDecompressedBytes);
	if (!result.ok) return {error: result.error};
	const content = asPlain(result.data, settings, result.truncated);
	return withNotes(
		{...content, compression, ...(result.truncated ? {truncated: true} : {})},
		result.note === undefined ? [] : [result.note],
	);
}

/** gzip or zlib by their headers, else raw deflate; then JSON, text or hex. */
function asCompressed(bytes: Uint8Array, settings: DecoderSettings): DecodedContent {
	const compression = detectCompression(bytes) ?? 'deflate';
	const result = decompressed(bytes, compression, settings);
	if (!('error' in result)) return result;
	return withNotes(asPlain(bytes, settings, false), [
		`not ${compression === 'deflate' ? 'gzip, zlib or deflate' : compression} data (${result.error}): shown as it is`,
	]);
}

/**
 * gzip or zlib (by their headers) are decompressed first; then JSON object or array, printable
 * UTF-8 text, or hex. A zlib header is weak evidence, so a failed zlib inflate is silently taken to
 * mean "not compressed"; a failed gzip is worth a note.
 */
function asAuto(bytes: Uint8Array, settings: DecoderSettings): DecodedContent {
	const compression = detectCompression(bytes);
	if (compression === undefined) return asPlain(bytes, settings, false);
	const result = decompressed(bytes, compression, settings);
	if (!('error' in result)) return result;
	const notes = compression === 'gzip' ? [`starts like gzip but cannot be decompressed (${result.error}): shown as it is`] : [];
	return withNotes(asPlain(bytes, settings, false), notes);
}
