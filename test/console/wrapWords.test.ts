import {describe, expect, it} from 'vitest';
import {wrapRows, wrapWords} from '../../source/console/wrapWords.js';

describe('wrapWords', () => {
	it('wraps at spaces, and carries a word longer than a row on in pieces rather than dropping its rest', () => {
		expect(wrapWords('Cannot reach the Kinesis endpoint', 12)).toEqual(['Cannot reach', 'the Kinesis', 'endpoint']);
		const url = 'http://127.0.0.1:45678/a/long/path';
		const rows = wrapWords(`at ${url} now`, 10);
		expect(rows.every((row) => row.length <= 10)).toBe(true);
		expect(rows.join(' ').replace(/\s+/g, '')).toContain(url);
	});

	it('keeps at most maxRows rows, the last holding the rest', () => {
		expect(wrapRows('one two three four five six seven', 10, 2)).toEqual(['one two', 'three four five six seven']);
	});
});
