import {describe, expect, it} from 'vitest';
import {expiresInMs, judge, STALL_MS, type Reading} from '../../source/console/consumers/status.js';

/** Readings every `stepMs` from 0, with the lags (and positions) given. */
const series = (stepMs: number, lags: ReadonlyArray<number | undefined>, positions?: readonly string[]): Reading[] =>
	lags.map((lagMs, index) => ({atMs: index * stepMs, lagMs, ...(positions ? {position: positions[index]} : {})}));

const reading = {reading: true, failure: undefined};
const WINDOW = 120_000;

describe('who is behind: the status over a window', () => {
	it('growing lag while the position moves is WARNING', () => {
		// A KCL application checkpointing every reading, falling further behind each time.
		const lags = [2_000, 5_000, 9_000, 14_000, 20_000, 27_000, 35_000];
		const positions = lags.map((_, index) => `shardId-0=${100 + index}`);
		expect(judge(series(10_000, lags, positions), reading, WINDOW)).toEqual({status: 'WARNING', reason: 'its lag grows'});
		// Two readings a few seconds apart (the command's default) tell the same.
		expect(judge(series(5_000, [10_000, 14_000]), reading, 5_000).status).toBe('WARNING');
	});

	it('a position that does not move while records wait is STALLED, once the window spans a minute', () => {
		const lags = [30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000];
		const flat = lags.map(() => 'shardId-0=100');
		expect(judge(series(10_000, lags, flat), reading, WINDOW)).toEqual({
			status: 'STALLED',
			reason: 'its position did not move for 60 s while records wait',
		});
		// Without positions (a CloudWatch series), lag growing with the clock is the same stall: IteratorAge minute by minute.
		expect(judge(series(60_000, [60_000, 120_000, 180_000, 240_000, 300_000]), reading, 5 * 60_000).status).toBe('STALLED');
		// Under a minute a flat position may be a pause between checkpoints: the growing lag says WARNING, not STALLED.
		expect(judge(series(10_000, [30_000, 40_000, 50_000], ['a', 'a', 'a']), reading, WINDOW).status).toBe('WARNING');
		expect(STALL_MS).toBe(60_000);
	});

	it('a flat position with nothing waiting (an idle stream, caught up) is OK', () => {
		expect(judge(series(10_000, [0, 0, 0, 0, 0, 0, 0, 0], Array(8).fill('p')), reading, WINDOW)).toEqual({
			status: 'OK',
			reason: 'keeping up',
		});
	});

	it('nothing reading is STOPPED, whatever the lag', () => {
		expect(judge(series(10_000, [1_000, 1_000]), {reading: false, failure: undefined}, WINDOW)).toEqual({
			status: 'STOPPED',
			reason: 'nothing reads',
		});
	});

	it('a reported failure is ERROR, before anything else', () => {
		const failure = 'PROBLEM: Function call failed';
		expect(judge(series(10_000, [1_000, 50_000]), {reading: false, failure}, WINDOW)).toEqual({status: 'ERROR', reason: failure});
	});

	it('falling lag, steady small lag, a checkpoint sawtooth and unknown lag are OK', () => {
		expect(judge(series(10_000, [60_000, 40_000, 20_000, 5_000]), reading, WINDOW).status).toBe('OK');
		expect(judge(series(10_000, [800, 1_200, 900, 1_100, 1_000]), reading, WINDOW).status).toBe('OK');
		// Checkpoints every 30 s: lag climbs between them and drops back; its troughs hold, so it keeps up.
		const sawtooth = [0, 10_000, 20_000, 0, 10_000, 20_000, 0, 10_000, 20_000, 0, 10_000, 20_000, 0];
		const positions = sawtooth.map((_, index) => `p${Math.floor(index / 3)}`);
		expect(judge(series(10_000, sawtooth, positions), reading, WINDOW).status).toBe('OK');
		expect(judge(series(10_000, [undefined, undefined]), reading, WINDOW)).toEqual({status: 'OK', reason: 'lag unknown'});
		expect(judge([], reading, WINDOW)).toEqual({status: 'OK', reason: 'no reading yet'});
	});

	it('judges only the readings within the window of the newest', () => {
		// It grew long ago and has held since: OK over the last two minutes.
		const lags = [1_000, 30_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000];
		expect(judge(series(30_000, lags), reading, WINDOW).status).toBe('OK');
		expect(judge(series(30_000, lags), reading, 10 * 60_000).status).toBe('WARNING');
	});

	it('time until the oldest unread record passes retention: retention less the lag, never below 0, unknown without a lag', () => {
		expect(expiresInMs(3_600_000, 24 * 3_600_000)).toBe(23 * 3_600_000);
		expect(expiresInMs(25 * 3_600_000, 24 * 3_600_000)).toBe(0);
		expect(expiresInMs(undefined, 24 * 3_600_000)).toBeUndefined();
	});
});
