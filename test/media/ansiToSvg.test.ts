import {describe, expect, it} from 'vitest';
import {ansiToSvg, parseAnsi} from './ansiToSvg.js';

const ESC = String.fromCharCode(27);

describe('ansiToSvg', () => {
	it('reads colours, attributes and their resets, carrying a style across lines', () => {
		const rows = parseAnsi(`${ESC}[1m${ESC}[36mab${ESC}[0mc\n${ESC}[38;5;196md${ESC}[7me${ESC}[27;39mf\n`);
		expect(rows.map((cells) => cells.map((cell) => cell.char).join(''))).toEqual(['abc', 'def']);
		const [a, , c] = rows[0]!;
		expect(a!.style).toMatchObject({bold: true, fg: {kind: 'rgb', value: '#8be9fd'}});
		expect(c!.style).toMatchObject({bold: false, fg: {kind: 'default'}});
		const [d, e, f] = rows[1]!;
		expect(d!.style.fg).toEqual({kind: 'rgb', value: '#ff0000'});
		expect(e!.style.inverse).toBe(true);
		expect(f!.style).toMatchObject({inverse: false, fg: {kind: 'default'}});
	});

	it('counts wide characters as two columns and drops other control sequences', () => {
		const [cells] = parseAnsi(`${ESC}[?25l界x`);
		expect(cells!.map((cell) => [cell.char, cell.width])).toEqual([
			['界', 2],
			['x', 1],
		]);
	});

	it('draws a terminal window with each character at its column, text escaped for XML', () => {
		const svg = ansiToSvg(`a<b & ${ESC}[42m c${ESC}[0m\n`, {columns: 10, rows: 2, title: 'demo "1"'});
		expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
		expect(svg).toContain('a&lt;b &amp;');
		expect(svg).toContain('demo &quot;1&quot;');
		// A background run for the green cells, and their text.
		expect(svg).toMatch(/<rect x="[\d.]+" y="[\d.]+" width="16.80" height="[\d.]+" fill="#50fa7b"\/>/);
		expect(svg.trim().endsWith('</svg>')).toBe(true);
	});
});
