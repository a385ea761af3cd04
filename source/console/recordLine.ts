import {decodeRecord, matches, type DecodedRecord, type DecoderName, type RecordFilter} from './records/index.js';
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
	readonly data: unknown;
	readonly notes?: readonly string[];
}

/** The lines of one record decoded with `decoder`, keeping only the user records that match every filter. */
export function recordLines(record: TailRecord, decoder: DecoderName, filters: readonly RecordFilter[]): RecordLine[] {
	const lines: RecordLine[] = [];
	for (const decoded of decodeRecord(record.data, {decoder, jsonStyle: 'compact', hexStyle: 'compact', partitionKey: record.partitionKey})) {
		if (filters.length > 0 && !matches(filters, decoded)) continue;
		lines.push({
			shardId: record.shardId,
			sequenceNumber: record.sequenceNumber,
			...(decoded.subSequenceNumber === undefined ? {} : {subSequenceNumber: decoded.subSequenceNumber}),
			approximateArrivalTimestamp: record.arrivalTime.toISOString(),
			partitionKey: decoded.partitionKey ?? record.partitionKey,
			format: decoded.format,
			data: decoded.format === 'json' ? decoded.json : decoded.text,
			...(decoded.notes ? {notes: decoded.notes} : {}),
		});
	}
	return lines;
}
