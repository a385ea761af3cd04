import {readdirSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {CACHE_LIMIT, patchedInkSource} from '../../source/ui/inkCaches.js';

const inkBuild = dirname(createRequire(import.meta.url).resolve('ink'));
const source = (file: string) => readFileSync(join(inkBuild, file), 'utf8');
const path = (file: string) => join(inkBuild, file);
const patched = (file: string) => patchedInkSource(path(file), source(file), '/source/ui/inkOutput.ts');

describe("bounding Ink's text caches", () => {
	it('rewrites the installed Ink so both caches are emptied at the limit (this fails when an Ink update moves them)', () => {
		const measure = patched('measure-text.js');
		expect(measure).toContain(`if (cache.size >= ${CACHE_LIMIT}) cache.clear();`);
		const wrap = patched('wrap-text.js');
		expect(wrap).toContain('let cache = {};');
		expect(wrap).toContain(`if (++cacheSize > ${CACHE_LIMIT}) {`);
		expect(wrap).not.toContain('const cache = {};');
		const output = patched('output.js');
		expect(output.startsWith(source('output.js'))).toBe(true);
		expect(output).toContain('import {fastOutputGet as __fastOutputGet} from "/source/ui/inkOutput.ts";');
		expect(output).toContain('Output.prototype.get = __fastOutputGet(');
	});

	it('behaves as before until the limit, then starts over', async () => {
		// The rewritten measure-text module, with its one import replaced by a stand-in.
		const code = patched('measure-text.js')
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

	it('leaves every other file alone, and stops the build when one of the three is not what it expects', () => {
		expect(patchedInkSource('/x/ink/build/other.js', 'const cache = {};', '/o.ts')).toBe('const cache = {};');
		expect(patchedInkSource('/x/other/build/output.js', 'const cache = {};', '/o.ts')).toBe('const cache = {};');
		for (const file of ['measure-text.js', 'wrap-text.js', 'output.js']) {
			expect(() => patchedInkSource(path(file), 'export default 1;', '/o.ts')).toThrow(
				/Ink changed, and source\/ui\/inkCaches\.ts must follow it/,
			);
		}
		// A text found twice is as unexpected as one not found.
		const twice = source('measure-text.js').replace(
			'cache.set(text, dimensions);',
			'cache.set(text, dimensions); cache.set(text, dimensions);',
		);
		expect(() => patchedInkSource(path('measure-text.js'), twice, '/o.ts')).toThrow(/does not say "cache.set\(text, dimensions\);" once/);
	});

	it('are in the built CLI: dist bundles Ink rewritten, and nothing loads Ink from node_modules (npm run build first)', () => {
		const dist = new URL('../../dist/', import.meta.url);
		const files = readdirSync(dist, {recursive: true, encoding: 'utf8'}).filter((file) => file.endsWith('.js'));
		const code = files.map((file) => readFileSync(new URL(file, dist), 'utf8'));
		// esbuild names each bundled file in a comment, by its path from the build's directory (node_modules may lie elsewhere).
		const bundled = code.filter((text) => /^\/\/ \S*node_modules\/ink\/build\/output\.js$/m.test(text));
		expect(bundled).toHaveLength(1);
		const [ui] = bundled as [string];
		// esbuild writes the limit in its shortest form (2000 as 2e3).
		expect(ui).toMatch(
			new RegExp(`if \\(cache\\.size >= (${CACHE_LIMIT}|${CACHE_LIMIT.toExponential().replace('+', '')})\\) cache\\.clear\\(\\);`),
		);
		expect(ui).toContain('cacheSize = 1;');
		expect(ui).toMatch(/Output\.prototype\.get = fastOutputGet\(/);
		for (const text of code) expect(text).not.toMatch(/(from |import\(|require\()["']ink(\/[^"']*)?["']/);
	});
});
