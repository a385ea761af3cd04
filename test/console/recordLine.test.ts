import {gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {recordJsonLines, recordLines} from '../../source/console/recordLine.js';
import {parseFilters, terminalSafeJson} from '../../source/console/records/index.js';
import type {TailRecord} from '../../source/console/tail/index.js';
import {aggregate} from './records/support.js';

const record = (data: Uint8Array | string, partitionKey = 'key', arrival = '2026-11-22T03:00:00.123Z'): TailRecord => ({
	shardId: 'shardId-000000000003',
	sequenceNumber: '49650000000000000000000000000000000000000000000001',
	partitionKey,
	arrivalTime: new Date(arrival),
	data: typeof data === 'string' ? Buffer.from(data) : data,
});

describe('record lines', () => {
	const records: TailRecord[] = [
		record(
			'{"user":"zoë","said":"a \\"quote\\" and \\\\ a backslash","n":[1,2.5,-3e2],"nested":{"ok":true,"none":null}}',
			'pk "quoted" \\ é',
		),
		record('plain text with a tab\tand unicode ✓'),
		record(Uint8Array.of(0, 1, 2, 0xff, 0xfe)),
		record(gzipSync(Buffer.from('{"logEvents":[{"message":"hi"}]}')), 'gz'),
		record('{"broken": '),
		record(
			aggregate([
				{partitionKey: 'user-1', data: Buffer.from('{"a":1}')},
				{partitionKey: 'user-2', explicitHashKey: '42', data: Buffer.from('two')},
			]),
		),
		record('\u001b[2J\u009b31m control characters', 'key\u0000with nul'),
		// What JSON.stringify or the terminal escapes leave alone or not: line separators, a bidi override, a lone surrogate, DEL.
		record('text\u2028with a line separator and \u202eoverride', 'key\u2028\u202e\ud800\u007f'),
		record(Uint8Array.of(0xed, 0xa0, 0x80), 'surrogate \ud83d\ude00 pair'),
	];

	it('writes each line as JSON.stringify would, field for field, in the same order, with terminal controls escaped', () => {
		const lines = records.flatMap((each) => recordLines(each, 'auto', []));
		expect(lines.length).toBe(records.length + 1);
		expect(lines.some((line) => line.subSequenceNumber !== undefined)).toBe(true);
		expect(records.flatMap((each) => recordJsonLines(each, 'auto', []))).toEqual(
			lines.map((line) => terminalSafeJson(JSON.stringify(line))),
		);
		let withNotes = 0;
		for (const decoder of ['utf8', 'json', 'base64', 'hex', 'gzip'] as const) {
			const lines = records.flatMap((each) => recordLines(each, decoder, []));
			expect(records.flatMap((each) => recordJsonLines(each, decoder, []))).toEqual(
				lines.map((line) => terminalSafeJson(JSON.stringify(line))),
			);
			for (const line of lines) if (line.notes) withNotes++;
		}
		expect(withNotes).toBeGreaterThan(0);
	});

	it('gives each record its own arrival time, also when consecutive records share or do not share one', () => {
		const times = ['2026-11-22T03:00:00.123Z', '2026-11-22T03:00:00.123Z', '2026-11-22T03:00:00.124Z', '2026-11-22T03:00:00.123Z'];
		const lines = times.flatMap((time) => recordLines(record('x', 'k', time), 'auto', []));
		expect(lines.map((line) => line.approximateArrivalTimestamp)).toEqual(times);
	});

	it('keeps only the user records that match every filter', () => {
		const lines = recordLines(records[5] as TailRecord, 'auto', parseFilters(['key:user-2']));
		expect(recordJsonLines(records[5] as TailRecord, 'auto', parseFilters(['key:user-2']))).toEqual(
			lines.map((line) => terminalSafeJson(JSON.stringify(line))),
		);
		expect(lines.map((line) => [line.partitionKey, line.subSequenceNumber, line.data])).toEqual([['user-2', 1, 'two']]);
		// Its place among all the aggregate's user records, not among those that matched.
		expect(lines[0]?.aggregated).toEqual({index: 1, count: 2});
		expect(recordLines(records[3] as TailRecord, 'auto', [])[0]).toMatchObject({decoded: 'gzip', format: 'json'});
	});
});
