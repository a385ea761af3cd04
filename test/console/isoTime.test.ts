import {describe, expect, it} from 'vitest';
import {parseResetTarget} from '../../source/console/checkpoints/targets.js';
import {parseIsoTime} from '../../source/console/isoTime.js';
import {parseStartPosition} from '../../source/console/tail/positions.js';

describe('times as people type them', () => {
	it('reads ISO days and times, leap days included, and refuses a day no month has instead of rolling it into the next month', () => {
		expect(parseIsoTime('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
		expect(parseIsoTime('2024-05-01T10:00:00+02:00')?.toISOString()).toBe('2024-05-01T08:00:00.000Z');
		expect(parseIsoTime('2024-12-31T23:59:59.999Z')?.toISOString()).toBe('2024-12-31T23:59:59.999Z');
		for (const impossible of [
			'2023-02-29',
			'2024-02-30',
			'2024-02-31',
			'2024-04-31',
			'2024-13-01',
			'2024-00-10',
			'2024-01-00',
			'2024-01-01T25:00:00Z',
		])
			expect(parseIsoTime(impossible), impossible).toBeUndefined();
		expect(parseIsoTime('15m')).toBeUndefined();
	});

	it('reads a day as its local midnight, as it reads a time without Z or an offset', () => {
		const zone = process.env.TZ;
		process.env.TZ = 'America/New_York';
		try {
			expect(parseIsoTime('2024-02-29')?.toISOString()).toBe('2024-02-29T05:00:00.000Z');
			expect(parseIsoTime('2024-02-29T00:00:00')?.toISOString()).toBe('2024-02-29T05:00:00.000Z');
			expect(parseIsoTime('2024-07-01')?.toISOString()).toBe('2024-07-01T04:00:00.000Z');
			expect(parseIsoTime('2024-02-29T00:00:00Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
		} finally {
			if (zone === undefined) delete process.env.TZ;
			else process.env.TZ = zone;
		}
	});

	it('a tail refuses an impossible day as an unreadable position', () => {
		expect(parseStartPosition('2024-04-30T12:00:00Z')).toEqual({type: 'AT_TIMESTAMP', timestamp: new Date('2024-04-30T12:00:00Z')});
		expect(() => parseStartPosition('2024-04-31T12:00:00Z')).toThrow("Cannot read the starting position '2024-04-31T12:00:00Z'");
	});

	it('a checkpoint reset refuses an impossible day, and a time to come (which would skip every record under a date that may be a typo)', () => {
		const now = new Date('2026-12-07T00:00:00Z');
		expect(parseResetTarget('at-timestamp:2026-12-06T23:00:00Z', now)).toEqual({
			type: 'AT_TIMESTAMP',
			timestamp: new Date('2026-12-06T23:00:00Z'),
		});
		expect(() => parseResetTarget('2024-04-31', now)).toThrow("Cannot read the position '2024-04-31'.");
		expect(() => parseResetTarget('2030-01-01T00:00:00Z', now)).toThrow(
			'2030-01-01T00:00:00.000Z is in the future (it is now 2026-12-07T00:00:00.000Z): a checkpoint moves to a time that has passed.',
		);
		expect(() => parseResetTarget('2030-01-01T00:00:00Z', now)).toThrow(
			expect.objectContaining({
				failure: expect.objectContaining({kind: 'refused', hint: 'To skip every record written so far, reset to latest.'}),
			}),
		);
	});
});
