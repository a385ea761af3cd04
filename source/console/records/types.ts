/** The decoders a user can pick by name (`--decoder NAME`); `auto` is the default. */
export const DECODER_NAMES = ['auto', 'utf8', 'json', 'base64', 'hex', 'gzip'] as const;
export type DecoderName = (typeof DECODER_NAMES)[number];

/** Validates a `--decoder` value. */
export function isDecoderName(name: string): name is DecoderName {
	return (DECODER_NAMES as readonly string[]).includes(name);
}

/** How a decoded record's `text` is to be read. */
export type RecordFormat = 'utf8' | 'json' | 'base64' | 'hex';

/** The container a record's bytes were unpacked from before decoding. */
export type Compression = 'gzip' | 'zlib' | 'deflate';

export interface DecodeOptions {
	/** Default `auto`. */
	readonly decoder?: DecoderName;
	/** JSON layout: indented (default) or on one line. Number and string literals are kept as written. */
	readonly jsonStyle?: 'pretty' | 'compact';
	/** Hex layout: `hexdump -C`-like lines (default) or one run of hex digits. */
	readonly hexStyle?: 'dump' | 'compact';
	/** Split KPL-aggregated records into their user records (default true); false shows the aggregate's own bytes. */
	readonly deaggregate?: boolean;
	/** Cap on decompressed bytes (default 16 MiB): output beyond it is cut off and the record is marked truncated. */
	readonly maxDecompressedBytes?: number;
	/** The Kinesis record's own keys, carried onto the result unless a KPL user record has its own. */
	readonly partitionKey?: string;
	readonly explicitHashKey?: string;
}

/**
 * One record as the console shows it. A Kinesis record yields one of these, or one per user
 * record when it is a KPL aggregate.
 *
 * `text` is the decoded content as it is, control characters and all, so that filters and
 * `--json` output see the real data: pass it through `sanitizeForTerminal` before it reaches a
 * terminal.
 */
export interface DecodedRecord {
	readonly text: string;
	readonly format: RecordFormat;
	/** The parsed value, when `format` is `json`. */
	readonly json?: unknown;
	/** Why the content was not shown as JSON although JSON was expected (the `json` decoder, or decompressed content that looked like JSON). */
	readonly jsonError?: string;
	/** Set when the bytes were decompressed first. */
	readonly compression?: Compression;
	/** True when only part of the content is shown (decompression cap, or a compressed stream that ends early). */
	readonly truncated?: boolean;
	/** Size in bytes of the content that was decoded (after decompression and de-aggregation). */
	readonly byteLength: number;
	readonly partitionKey?: string;
	readonly explicitHashKey?: string;
	/** Position of a user record inside its KPL aggregate (0-based); absent for plain records. */
	readonly subSequenceNumber?: number;
	/** Things a reader should know: fallbacks taken, checks that failed. */
	readonly notes?: readonly string[];
}
