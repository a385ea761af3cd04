import {decodeRecord, matches, type Compression, type DecodedRecord, type DecoderName, type RecordFilter} from './records/index.js';
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
 * A line as JSON text, the same text JSON.stringify(line) writes, field by field: a tail writes one per
 * record, and the generic walk over the object costs more than the record's decoding.
 */
export function recordLineJson(line: RecordLine): string {
	let json = `{"shardId":${JSON.stringify(line.shardId)},"sequenceNumber":${JSON.stringify(line.sequenceNumber)}`;
	if (line.subSequenceNumber !== undefined) json += `,"subSequenceNumber":${line.subSequenceNumber}`;
	json += `,"approximateArrivalTimestamp":"${line.approximateArrivalTimestamp}","partitionKey":${JSON.stringify(line.partitionKey)}`;
	json += `,"format":"${line.format}"`;
	if (line.data !== undefined) json += `,"data":${JSON.stringify(line.data)}`;
	if (line.decoded) json += `,"decoded":"${line.decoded}"`;
	if (line.aggregated) json += `,"aggregated":{"index":${line.aggregated.index},"count":${line.aggregated.count}}`;
	if (line.notes) json += `,"notes":${JSON.stringify(line.notes)}`;
	return `${json}}`;
}

// The records of one GetRecords answer mostly share an arrival millisecond: its ISO text is made once.
let lastTime = {ms: Number.NaN, iso: ''};
function isoTime(time: Date): string {
	const ms = time.getTime();
	if (ms !== lastTime.ms) lastTime = {ms, iso: time.toISOString()};
	return lastTime.iso;
}
