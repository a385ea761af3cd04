import {
	decodeRecord,
	matches,
	terminalSafeJson,
	type Compression,
	type DecodedRecord,
	type DecoderName,
	type RecordFilter,
} from './records/index.js';
import type {TailRecord} from './tail/index.js';

/**
 * One decoded record as a JSON line: what `kinesis-console tail --json` prints and what the tail view
 * saves, so that a saved file and a piped tail read the same. A KPL aggregate gives one line per user
 * record, with its subSequenceNumber.
 */
export interface RecordLine {
	readonly shardId: string;
	readonly sequenceNumber: string;
	readonly subSequenceNumber?: number;
	readonly approximateArrivalTimestamp: string;
	readonly partitionKey: string;
	readonly format: DecodedRecord['format'];
	/** How the bytes were unpacked before decoding (gzip, zlib, deflate); absent when they were not. */
	readonly decoded?: Compression;
	/** For a user record of a KPL aggregate: its place in the aggregate (its subSequenceNumber) and how many it holds. */
	readonly aggregated?: {readonly index: number; readonly count: number};
	readonly data: unknown;
	readonly notes?: readonly string[];
}

/** The lines of one record decoded with `decoder`, keeping only the user records that match every filter. */
export function recordLines(record: TailRecord, decoder: DecoderName, filters: readonly RecordFilter[]): RecordLine[] {
	const lines: RecordLine[] = [];
	const userRecords = decodeRecord(record.data, {
		decoder,
		jsonStyle: 'compact',
		hexStyle: 'compact',
		partitionKey: record.partitionKey,
	});
	for (const decoded of userRecords) {
		if (filters.length > 0 && !matches(filters, decoded)) continue;
		const approximateArrivalTimestamp = isoTime(record.arrivalTime);
		const partitionKey = decoded.partitionKey ?? record.partitionKey;
		const data = decoded.format === 'json' ? decoded.json : decoded.text;
		// Two literal shapes rather than spreads: the keys keep their order, and a tail builds one per record.
		const line: {-readonly [K in keyof RecordLine]: RecordLine[K]} =
			decoded.subSequenceNumber === undefined
				? {
						shardId: record.shardId,
						sequenceNumber: record.sequenceNumber,
						approximateArrivalTimestamp,
						partitionKey,
						format: decoded.format,
						data,
					}
				: {
						shardId: record.shardId,
						sequenceNumber: record.sequenceNumber,
						subSequenceNumber: decoded.subSequenceNumber,
						approximateArrivalTimestamp,
						partitionKey,
						format: decoded.format,
						data,
					};
		if (decoded.compression) line.decoded = decoded.compression;
		if (decoded.subSequenceNumber !== undefined) line.aggregated = {index: decoded.subSequenceNumber, count: userRecords.length};
		if (decoded.notes) line.notes = decoded.notes;
		lines.push(line);
	}
	return lines;
}

/**
 * The same lines as JSON text, each exactly what JSON.stringify(line) writes for `recordLines`' line
 * but terminal-safe (terminalSafeJson: C1 controls, DEL and bidi overrides as \u escapes, the same
 * JSON values), built field by field with no line object: `tail --json` writes one per record, and
 * building an object only to walk it again cost more than the record's decoding. The escapes are
 * made per field, where record text can hold them, rather than over every line again.
 */
export function recordJsonLines(record: TailRecord, decoder: DecoderName, filters: readonly RecordFilter[]): string[] {
	const lines: string[] = [];
	const userRecords = decodeRecord(record.data, {
		decoder,
		jsonStyle: 'compact',
		hexStyle: 'compact',
		partitionKey: record.partitionKey,
	});
	const head = `{"shardId":${safeJson(record.shardId)},"sequenceNumber":${safeJson(record.sequenceNumber)}`;
	const time = `,"approximateArrivalTimestamp":"${isoTime(record.arrivalTime)}","partitionKey":`;
	for (const decoded of userRecords) {
		if (filters.length > 0 && !matches(filters, decoded)) continue;
		let json = decoded.subSequenceNumber === undefined ? head : `${head},"subSequenceNumber":${decoded.subSequenceNumber}`;
		json += `${time}${safeJson(decoded.partitionKey ?? record.partitionKey)},"format":"${decoded.format}"`;
		// Hex and base64 digits need no escaping in JSON: the text is its own JSON string's content.
		if (decoded.format === 'hex' || decoded.format === 'base64') json += `,"data":"${decoded.text}"`;
		else json += `,"data":${safeJson(decoded.format === 'json' ? decoded.json : decoded.text)}`;
		if (decoded.compression) json += `,"decoded":"${decoded.compression}"`;
		if (decoded.subSequenceNumber !== undefined)
			json += `,"aggregated":{"index":${decoded.subSequenceNumber},"count":${userRecords.length}}`;
		if (decoded.notes) json += `,"notes":${safeJson(decoded.notes)}`;
		lines.push(`${json}}`);
	}
	return lines;
}

/**
 * Text that JSON.stringify writes as it is between quotes and terminalSafeJson leaves alone: no quote,
 * backslash, control (C0, DEL, C1), bidi override or surrogate (a lone one is escaped). Keys, sequence
 * numbers and hex or text data mostly are: testing is cheaper than stringifying and escaping each.
 */
// eslint-disable-next-line no-control-regex -- the controls are what the test is for
const PLAIN_JSON_TEXT = /^[^"\\\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]*$/;

const safeJson = (value: unknown): string =>
	typeof value === 'string' && PLAIN_JSON_TEXT.test(value) ? `"${value}"` : terminalSafeJson(JSON.stringify(value));

// The records of one GetRecords answer mostly share an arrival millisecond: its ISO text is made once.
let lastTime = {ms: Number.NaN, iso: ''};
function isoTime(time: Date): string {
	const ms = time.getTime();
	if (ms !== lastTime.ms) lastTime = {ms, iso: time.toISOString()};
	return lastTime.iso;
}
