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
		const approximateArrivalTimestamp = record.arrivalTime.toISOString();
		const partitionKey = decoded.partitionKey ?? record.partitionKey;
		const data = decoded.format === 'json' ? decoded.json : decoded.text;
		// Two literal shapes rather than spreads: the keys keep their order, and a tail builds one per record.
		const line: {-readonly [K in keyof RecordLine]: RecordLine[K]} =
			decoded.subSequenceNumber === undefined
				? {shardId: record.shardId, sequenceNumber: record.sequenceNumber, approximateArrivalTimestamp, partitionKey, format: decoded.format, data}
				: {
						shardId: record.shardId,
						sequenceNumber: record.sequenceNumber,
						subSequenceNumber: decoded.subSequenceNumber,
						approximateArrivalTimestamp,
						partitionKey,
						format: decoded.format,
						data,
					};
		if (decoded.notes) line.notes = decoded.notes;
		lines.push(line);
	}
	return lines;
}
