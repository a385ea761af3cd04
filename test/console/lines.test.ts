import {describe, expect, it} from 'vitest';
import {readLines, type InputLine} from '../../source/console/lines.js';

async function lines(
	chunks: Array<string | Buffer>,
	max?: number,
): Promise<Array<{number: number; length: number; text: string | undefined}>> {
	const out: InputLine[] = [];
	for await (const line of readLines(
		chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk)),
		max,
	))
		out.push(line);
	return out.map((line) => ({number: line.number, length: line.length, text: line.bytes?.toString('latin1')}));
}

describe('readLines', () => {
	it('splits on LF across chunk boundaries, drops a CR before LF even when split from it, and keeps a last line without LF', async () => {
		expect(await lines(['ab', 'c\r', '\nd\n\n', 'e\r\r\nf'])).toEqual([
			{number: 1, length: 3, text: 'abc'},
			{number: 2, length: 1, text: 'd'},
			{number: 3, length: 0, text: ''},
			{number: 4, length: 2, text: 'e\r'},
			{number: 5, length: 1, text: 'f'},
		]);
		expect(await lines(['a\n'])).toEqual([{number: 1, length: 1, text: 'a'}]);
		expect(await lines([])).toEqual([]);
	});

	it('keeps bytes as they are, invalid UTF-8 included', async () => {
		const [line] = await lines([Buffer.from([0xff, 0x00, 0xc3, 0x0a])]);
		expect(line).toEqual({number: 1, length: 3, text: '\xff\x00\xc3'});
	});

	it('reports a line over the limit by its length alone, and goes on with the next', async () => {
		expect(await lines(['12345', '6789\r\nok\n'], 8)).toEqual([
			{number: 1, length: 9, text: undefined},
			{number: 2, length: 2, text: 'ok'},
		]);
	});
});
