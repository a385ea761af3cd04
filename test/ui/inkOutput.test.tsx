import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, styledCharsFromTokens, tokenize} from '@alcalzone/ansi-tokenize';
import chalk from 'chalk';
import fc from 'fast-check';
import {cleanup} from 'ink-testing-library';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {afterEach, describe, expect, it} from 'vitest';
import {NoticeStore} from '../../source/console/notices.js';
import {fastOutputGet, ROW_CACHE_LIMIT, type OutputParts, type OutputState} from '../../source/ui/inkOutput.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import {kinesisClient} from '../helpers/engine.js';
import {fakeTailStore, FakeTail, record} from '../helpers/tailSource.js';
import {renderApp, testServices, waitForFrame} from '../helpers/ui.js';

/** Ink's own Output class, the very module Ink renders with. */
const outputUrl = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('ink')), 'output.js')).href;
interface InkOutput extends OutputState {
	write(x: number, y: number, text: string, options: {transformers: Array<(line: string, index: number) => string>}): void;
	clip(clip: {x1?: number; x2?: number; y1?: number; y2?: number}): void;
	unclip(): void;
	get(): {output: string; height: number};
}
const {default: Output} = (await import(outputUrl)) as {default: new (size: {width: number; height: number}) => InkOutput};
const inkGet = Output.prototype.get;

const parts = {
	tokenize,
	styledCharsFromTokens,
	reduceAnsiCodesIncremental,
	diffAnsiCodes,
	ansiCodesToString,
	sliceAnsi,
	stringWidth,
} as unknown as OutputParts;

type Step =
	| {kind: 'write'; x: number; y: number; text: string; upper?: boolean}
	| {kind: 'clip'; x1?: number; x2?: number; y1?: number; y2?: number}
	| {kind: 'unclip'};

function outputOf(width: number, height: number, steps: readonly Step[]): InkOutput {
	const output = new Output({width, height});
	for (const step of steps) {
		if (step.kind === 'write')
			output.write(step.x, step.y, step.text, {
				transformers: step.upper ? [(line, index) => `${index}:${line.toUpperCase()}`] : [],
			});
		else if (step.kind === 'clip') {
			const {kind: _, ...clip} = step;
			output.clip(clip);
		} else output.unclip();
	}
	return output;
}

const SGR = [
	'\u001b[31m',
	'\u001b[39m',
	'\u001b[1m',
	'\u001b[2m',
	'\u001b[22m',
	'\u001b[7m',
	'\u001b[27m',
	'\u001b[0m',
	'\u001b[38;5;208m',
];
const PIECES = [
	...SGR,
	'\u001b[1;38;2;10;20;30m',
	'\u001b[m',
	'abc',
	' ',
	'  ',
	'{"page":"/x"}',
	'…',
	'✖',
	'漢字',
	'👍🏽',
	'🇫🇷',
	'❤️',
	'é',
	'\t',
	'\n',
	'\u001b[',
	'\u009b31m',
	'\u001b]8;;https://example.com\u0007link\u001b]8;;\u0007',
];

describe("the console's Output.get (ui/inkOutput.ts)", () => {
	afterEach(() => cleanup());

	it("gives the lines Ink's own gives, for a tail's rows and for text the fast path leaves to the tokenizer", () => {
		const get = fastOutputGet(parts);
		const row = (n: number, selected: boolean) =>
			selected
				? `\u001b[36m\u001b[7m› 10:20:30.456  3  ..12345678901  user-${n}  {"n":${n}}\u001b[27m\u001b[39m`
				: `  \u001b[90m10:20:30.456  3  ..12345678901  user-${n}\u001b[39m  {"n":${n}}`;
		const frames: Array<[number, number, Step[]]> = [
			[80, 6, [0, 1, 2, 3, 4].map((n) => ({kind: 'write', x: 0, y: n, text: row(n, n === 2)}))],
			[
				40,
				5,
				[
					{kind: 'write', x: 0, y: 0, text: '\u001b[1m\u001b[32m● following\u001b[39m\u001b[22m\u001b[90m · 1 records/s\u001b[39m'},
					{kind: 'write', x: 3, y: 1, text: 'over\nlapping\nthree'},
					{kind: 'write', x: 5, y: 1, text: '\u001b[31mX\u001b[39m'},
					{kind: 'write', x: 0, y: 3, text: '漢字 ✖ 👍🏽 é…', upper: true},
					{kind: 'write', x: 30, y: 4, text: 'wider than the frame is'},
					{kind: 'write', x: 0, y: -1, text: 'above\nthe frame'},
					{kind: 'write', x: 0, y: 4, text: 'below\nthe frame'},
				],
			],
			[
				30,
				6,
				[
					{kind: 'clip', x1: 2, x2: 20, y1: 1, y2: 4},
					{kind: 'write', x: 0, y: 0, text: `\u001b[7m${'a'.repeat(30)}\n${'b'.repeat(30)}\n漢字漢字漢字\u001b[27m`},
					{kind: 'clip', y1: 2, y2: 3},
					{kind: 'write', x: 4, y: 1, text: 'one\ntwo\nthree'},
					{kind: 'unclip'},
					{kind: 'write', x: 25, y: 2, text: 'clipped away'},
					{kind: 'unclip'},
					{kind: 'write', x: 0, y: 5, text: 'unclipped'},
				],
			],
		];
		for (const [width, height, steps] of frames) {
			const expected = inkGet.call(outputOf(width, height, steps));
			expect(get.call(outputOf(width, height, steps))).toEqual(expected);
			// Again, from its cache of rows.
			expect(get.call(outputOf(width, height, steps))).toEqual(expected);
		}
	});

	it("gives the lines Ink's own gives for any writes and clips of styled text", () => {
		const get = fastOutputGet(parts);
		const text = fc.array(fc.constantFrom(...PIECES), {maxLength: 12}).map((pieces) => pieces.join(''));
		const step: fc.Arbitrary<Step> = fc.oneof(
			{
				weight: 5,
				arbitrary: fc.record({
					kind: fc.constant('write' as const),
					x: fc.integer({min: 0, max: 25}),
					y: fc.integer({min: -1, max: 6}),
					text,
					upper: fc.boolean(),
				}),
			},
			{
				weight: 1,
				arbitrary: fc.record(
					{
						kind: fc.constant('clip' as const),
						x1: fc.integer({min: 0, max: 10}),
						x2: fc.integer({min: 5, max: 30}),
						y1: fc.integer({min: 0, max: 3}),
						y2: fc.integer({min: 2, max: 6}),
					},
					{requiredKeys: ['kind']},
				),
			},
			{weight: 1, arbitrary: fc.constant({kind: 'unclip' as const})},
		);
		// Sizes in halves too: Ink counts a fractional width's cells by rounding up.
		const size = (max: number) => fc.integer({min: 2, max: max * 2}).map((halves) => halves / 2);
		fc.assert(
			fc.property(size(30), size(6), fc.array(step, {maxLength: 10}), (width, height, steps) => {
				expect(get.call(outputOf(width, height, steps))).toEqual(inkGet.call(outputOf(width, height, steps)));
			}),
			{numRuns: 500},
		);
	});

	it('keeps no more than its limit of rows', () => {
		const get = fastOutputGet(parts);
		for (let frame = 0; frame < ROW_CACHE_LIMIT / 10 + 10; frame++) {
			const steps: Step[] = Array.from({length: 20}, (_, y) => ({kind: 'write', x: 0, y, text: `frame ${frame} row ${y}`}));
			expect(get.call(outputOf(40, 20, steps)).output.split('\n')[19]).toBe(`frame ${frame} row 19`);
		}
	});

	it("draws a live tail's frames as Ink's own does, frame by frame, in colour", async () => {
		const level = chalk.level;
		chalk.level = 3;
		const get = fastOutputGet(parts);
		let frames = 0;
		const mismatches: string[] = [];
		Output.prototype.get = function (this: InkOutput) {
			frames++;
			const expected = inkGet.call(this);
			const fast = get.call(this);
			if (fast.output !== expected.output || fast.height !== expected.height) mismatches.push(expected.output);
			return expected;
		};
		const unreachable = 'http://127.0.0.1:9';
		const client = kinesisClient(unreachable, 'http1');
		try {
			const fake = new FakeTail();
			const notices = new NoticeStore();
			const services = testServices(client, unreachable, {
				notices,
				tail: (options) => fakeTailStore({...options, notifyMs: 0}, fake, notices).store,
			});
			const app = renderApp(services, renderRoute, {initialRoute: {kind: 'tail', stream: 'clickstream'}});
			fake.started(['shardId-000000000000', 'shardId-000000000003']);
			for (let batch = 0; batch < 5; batch++) {
				fake.records(
					Array.from({length: 10}, (_, n) =>
						record(JSON.stringify({batch, n, note: n % 3 === 0 ? '漢字 ✖ …' : 'ascii'}), {
							key: `user-${n}`,
							shardId: `shardId-00000000000${n % 2 ? 3 : 0}`,
						}),
					),
				);
				await waitForFrame(app.lastFrame, (text) => text.includes(`"batch":${batch},"n":9`));
			}
			app.stdin.write('k');
			await waitForFrame(app.lastFrame, (text) => text.includes('scrolled'));
			app.stdin.write('p');
			await waitForFrame(app.lastFrame, (text) => text.includes('paused'));
			app.unmount();
		} finally {
			Output.prototype.get = inkGet;
			chalk.level = level;
			client.destroy();
		}
		expect(frames).toBeGreaterThan(5);
		expect(mismatches).toEqual([]);
	});
});
