/**
 * Record decoding and filtering: pure functions over record bytes, with no UI or AWS SDK imports.
 *
 *     const records = decodeRecord(data, {decoder: 'auto', partitionKey});
 *     const filters = parseFilters(['key:user-*', 'json:level=ERROR']);
 *     for (const record of records) if (matches(filters, record)) show(sanitizeForTerminal(record.text));
 */
export {decodeRecord} from './decodeRecord.js';
export {FilterSyntaxError, matches, parseFilter, parseFilters, type FilterableRecord, type RecordFilter} from './filters.js';
export {deaggregate, hasKplMagic, KPL_MAGIC, type Deaggregation, type KplUserRecord} from './kpl.js';
export {DEFAULT_MAX_DECOMPRESSED_BYTES} from './gzip.js';
export {sanitizeForTerminal, sanitizeLine, terminalSafeJson, type SanitizeOptions} from './terminalText.js';
export {
	DECODER_NAMES,
	isDecoderName,
	type Compression,
	type DecodedRecord,
	type DecodeOptions,
	type DecoderName,
	type RecordFormat,
} from './types.js';
