import {describe, expect, it} from 'vitest';
import {
	formatBytes,
	formatBytesRate,
	formatCompact,
	formatCount,
	formatDelay,
	formatDuration,
	formatPercent,
	formatRate,
	formatShare,
	formatSpan,
	plural,
	shortShardId,
} from '../../source/console/format.js';

describe('the text formats', () => {
	it('writes a count in full, rounded, with separators, and with its noun', () => {
		expect([0, 7, 999, 1234, 1_234_567, 12.6].map(formatCount)).toEqual(['0', '7', '999', '1,234', '1,234,567', '13']);
		expect([plural(0, 'record'), plural(1, 'record'), plural(2_500, 'line')]).toEqual(['0 records', '1 record', '2,500 lines']);
	});

	it('writes a figure short for columns and charts', () => {
		expect([0, 0.25, 7, 12.4, 999, 1500, 23_456, 4_200_000, -1500, Number.NaN].map(formatCompact)).toEqual([
			'0',
			'0.3',
			'7',
			'12',
			'999',
			'1.5k',
			'23k',
			'4.2M',
			'-1.5k',
			'-',
		]);
	});

	it('writes sizes in binary units, and rates in sentences', () => {
		expect([0, 512, 1536, 12 * 1024 * 1024, Number.POSITIVE_INFINITY].map(formatBytes)).toEqual(['0 B', '512 B', '1.5 KiB', '12 MiB', '-']);
		expect([0.5, 9.94, 12.4, 1234].map(formatRate)).toEqual(['0.5', '9.9', '12', '1,234']);
		expect([12_800, 1_572_864].map(formatBytesRate)).toEqual(['12.5 KiB/s', '1.50 MiB/s']);
	});

	it('writes durations short in one unit, in sentences in two, and waits in ms or s', () => {
		expect([undefined, 0, 850, 1200, 45_000, 180_000, 9_000_000, 4 * 86_400_000].map(formatDuration)).toEqual([
			'-',
			'0ms',
			'850ms',
			'1.2s',
			'45s',
			'3m',
			'2.5h',
			'4d',
		]);
		// A value that rounds up to the next unit is said in it, so a column reads alike (24h beside 1d was the demo's).
		expect([999.6, 59_600, 3_599_000, 86_400_000 - 60_000, 86_400_000].map(formatDuration)).toEqual(['1s', '1m', '1h', '1d', '1d']);
		expect([0, 45_000, 200_000, 5 * 3_600_000 + 12 * 60_000, 51 * 3_600_000, -5_000].map(formatSpan)).toEqual([
			'0s',
			'45s',
			'3m 20s',
			'5h 12m',
			'2d 3h',
			'0s',
		]);
		expect([850, 1_500].map(formatDelay)).toEqual(['850 ms', '1.5 s']);
	});

	it('writes shares as whole percents for columns, to a tenth in sentences (a thousandth when tiny)', () => {
		expect([0, 0.04, 1].map(formatShare)).toEqual(['0%', '4%', '100%']);
		expect([0, 0.125, 0.00012, 1].map(formatPercent)).toEqual(['0.0%', '12.5%', '0.012%', '100.0%']);
	});

	it('writes shard ids by their number', () => {
		expect(shortShardId('shardId-000000000012')).toBe('12');
		expect(shortShardId('shardId-000000000000')).toBe('0');
		expect(shortShardId('odd')).toBe('odd');
	});
});
