import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {boundCacheSource, CACHE_LIMIT, load} from '../../source/ui/inkCaches.js';

const inkBuild = dirname(createRequire(import.meta.url).resolve('ink'));
const source = (file: string) => readFileSync(join(inkBuild, file), 'utf8');
const url = (file: string) => `file://${join(inkBuild, file)}`;

describe("bounding Ink's text caches", () => {
	it('rewrites the installed Ink so both caches are emptied at the limit (this fails when an Ink update moves them)', () => {
		const measure = boundCacheSource(url('measure-text.js'), source('measure-text.js'));
		expect(measure).toContain(`if (cache.size >= ${CACHE_LIMIT}) cache.clear();`);
		const wrap = boundCacheSource(url('wrap-text.js'), source('wrap-text.js'));
		expect(wrap).toContain('let cache = {};');
		expect(wrap).toContain(`if (++cacheSize > ${CACHE_LIMIT}) {`);
		expect(wrap).not.toContain('const cache = {};');
		const output = boundCacheSource(url('output.js'), source('output.js'), 'file:///hooks.js');
		expect(output.startsWith(source('output.js'))).toBe(true);
		expect(output).toContain('import {fastOutputGet as __fastOutputGet} from "file:///hooks.js";');
		expect(output).toContain('Output.prototype.get = __fastOutputGet(');
	});

	it('behaves as before until the limit, then starts over', async () => {
		// The rewritten measure-text module, with its one import replaced by a stand-in.
		const code = boundCacheSource(url('measure-text.js'), source('measure-text.js'))
			.replace(
				/^import widestLine from 'widest-line';$/m,
				'const widestLine = (text) => Math.max(...text.split("\\n").map((line) => line.length));',
			)
			.replace('const cache = new Map();', 'export const cache = new Map();');
		const module = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as {
			default: (text: string) => {width: number; height: number};
			cache: Map<string, unknown>;
		};
		expect(module.default('ab\ncde')).toEqual({width: 3, height: 2});
		for (let index = 0; index < CACHE_LIMIT * 3; index++) module.default(`row ${index}`);
		expect(module.cache.size).toBeLessThanOrEqual(CACHE_LIMIT);
	});

	it('leaves every other module alone', async () => {
		expect(boundCacheSource(url('output.js'), 'const cache = {};')).toBe('const cache = {};');
		const result = await load('file:///x/other.js', {}, async () => ({format: 'module', source: 'const cache = new Map();'}));
		expect(result.source).toBe('const cache = new Map();');
		const bytes = await load(url('measure-text.js'), {}, async () => ({
			format: 'module',
			source: new TextEncoder().encode(source('measure-text.js')),
		}));
		expect(String(bytes.source)).toContain('cache.clear()');
	});

	it('are in force in the built CLI: dist/ui/inkCaches.js registers itself as the hooks, Output.get too (npm run build first)', () => {
		// The bundle must keep it as its own file with its `load` export, or Node finds no hooks there and Ink stays unbounded.
		const built = new URL('../../dist/ui/inkCaches.js', import.meta.url).href;
		const script = [
			`const {boundInkCaches} = await import(${JSON.stringify(built)});`,
			'boundInkCaches();',
			`const measure = await import(${JSON.stringify(url('measure-text.js'))});`,
			`const {default: Output} = await import(${JSON.stringify(url('output.js'))});`,
			'const output = new Output({width: 20, height: 2});',
			"output.write(1, 1, '\\u001b[31mred\\u001b[39m', {transformers: []});",
			"process.stdout.write([String(measure.default), String(Output.prototype.get), JSON.stringify(output.get())].join('\\n'));",
		].join('\n');
		const measured = execFileSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8'});
		expect(measured).toContain(`if (cache.size >= ${CACHE_LIMIT}) cache.clear();`);
		// Ink's Output.get replaced by inkOutput.ts's, which draws the same.
		expect(measured).toContain('writesByRow');
		expect(measured).toContain(JSON.stringify({output: '\n \u001b[31mred\u001b[39m', height: 2}));
	});
});
