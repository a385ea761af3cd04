import {stripVTControlCharacters} from 'node:util';
import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {Chart, chartCapacity, chartLines, fitSeries} from '../../source/ui/components/Chart.js';
import {HashRangeBar, hashRangeCells} from '../../source/ui/components/HashRangeBar.js';
import {formatCompact} from '../../source/console/format.js';
import {ThemeContext, colorTheme, noColorTheme} from '../../source/ui/theme.js';

const ESC = '\u001b[';

describe('the chart', () => {
	it('fills exactly the rows and columns it is given, with the axis from 0 to the largest value', () => {
		const series = Array.from({length: 30}, (_, index) => index % 10);
		const lines = chartLines(series, {width: 40, height: 6, format: formatCompact});
		expect(lines).toHaveLength(6);
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
		expect(lines.join('\n')).toMatch(/─/);
		expect(lines[0]).toMatch(/^ {6}9 [┤┼]/);
		expect(lines.at(-1)).toMatch(/^ {6}0 [┤┼]/);
	});

	it('draws a flat line along 0 for a series of zeros, and nothing for no data', () => {
		const lines = chartLines([0, 0, 0, 0], {width: 20, height: 3});
		expect(lines).toHaveLength(3);
		expect(lines.at(-1)).toMatch(/^ {6}0 ┼───$/);
		expect(chartLines([], {width: 20, height: 3})).toEqual([]);
	});

	it('is coloured from the theme, and plain under NO_COLOR', () => {
		const series = [1, 3, 2, 5, 4];
		const colored = render(
			<ThemeContext.Provider value={colorTheme}>
				<Chart series={series} width={30} height={4} color="magenta" />
			</ThemeContext.Provider>,
		);
		expect(colored.lastFrame()).toContain(`${ESC}35m`);
		const plain = render(
			<ThemeContext.Provider value={noColorTheme}>
				<Chart series={series} width={30} height={4} color="magenta" />
			</ThemeContext.Provider>,
		);
		const frame = plain.lastFrame() ?? '';
		expect(frame).not.toContain(ESC);
		expect(frame.split('\n')).toHaveLength(4);
		expect(frame).toMatch(/^ {6}5 [┤┼] +╭╮$/m);
	});

	it('folds a long series to fit, keeping the newest values whole', () => {
		expect(chartCapacity(40)).toBe(30);
		expect(fitSeries([1, 2, 3, 4, 5, 6], 3)).toEqual([1.5, 3.5, 5.5]);
		expect(fitSeries([1, 9, 3, 4, 5, 6, 7], 3, 'max')).toEqual([1, 9, 7]);
		expect(fitSeries([1, Number.NaN, -2], 5)).toEqual([1, 0, 0]);
	});
});

describe('the hash range bar', () => {
	const max = (2n ** 128n - 1n).toString();
	const half = (2n ** 127n).toString();
	const halfLess = (2n ** 127n - 1n).toString();

	it('places each range across the key space, adjacent ranges meeting without a gap', () => {
		expect(hashRangeCells('0', max, 10)).toEqual({before: 0, inside: 10, after: 0});
		expect(hashRangeCells('0', halfLess, 10)).toEqual({before: 0, inside: 5, after: 5});
		expect(hashRangeCells(half, max, 10)).toEqual({before: 5, inside: 5, after: 0});
		// A sliver still shows.
		expect(hashRangeCells('1000', '2000', 10)).toEqual({before: 0, inside: 1, after: 9});
		expect(hashRangeCells('not a number', '', 4)).toEqual({before: 0, inside: 0, after: 4});
	});

	it('draws filled cells for the range', () => {
		const {lastFrame} = render(
			<ThemeContext.Provider value={noColorTheme}>
				<HashRangeBar startingHashKey={half} endingHashKey={max} width={8} />
			</ThemeContext.Provider>,
		);
		expect(stripVTControlCharacters(lastFrame() ?? '')).toBe('····████');
	});
});
