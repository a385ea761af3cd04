import {register} from 'node:module';
export {fastOutputGet} from './inkOutput.js';

/**
 * Ink 6 keeps two module-level caches keyed by the full text of every <Text> it lays out
 * (build/measure-text.js, a Map; build/wrap-text.js, an object) and never evicts from them
 * (vadimdemedes/ink#986; later Ink lines bound them, but need Node 22). A view whose text changes
 * all the time, such as a tail at thousands of records a second or a live chart, leaks through
 * them: about 70 KB/s at 20,000 records/s. These module hooks rewrite the two files as Node loads
 * them so each cache is emptied once it holds CACHE_LIMIT entries; if Ink's source is not what
 * they expect, they leave it as it is.
 *
 * The same hooks give Ink's Output a cheaper `get` (inkOutput.ts): output.js is left as it is but for
 * a few lines added at its end that replace the method, with Ink's own imports handed to it.
 *
 * Register them before Ink is first imported: `boundInkCaches()` in the CLI, ahead of the UI.
 */
export const CACHE_LIMIT = 2_000;

const MEASURE_TEXT = /\/ink\/build\/measure-text\.js$/;
const WRAP_TEXT = /\/ink\/build\/wrap-text\.js$/;
const OUTPUT = /\/ink\/build\/output\.js$/;
/** What output.js must say for inkOutput.ts's get to stand in for its own (Ink 6.8). */
const OUTPUT_EXPECTED = [
	'export default class Output {',
	"import { styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';",
	"import sliceAnsi from 'slice-ansi';",
	"import stringWidth from 'string-width';",
	'const characters = this.caches.getStyledChars(line);',
];

/**
 * The source of one of Ink's files rewritten (measure-text.js and wrap-text.js with their cache
 * bounded; output.js with inkOutput.ts's get, imported from `hooks`, this module's URL); other sources as they are.
 */
export function boundCacheSource(url: string, source: string, hooks: string = import.meta.url): string {
	if (OUTPUT.test(url)) {
		if (!OUTPUT_EXPECTED.every((line) => source.includes(line))) return source;
		return [
			source,
			`import {fastOutputGet as __fastOutputGet} from ${JSON.stringify(hooks)};`,
			"import {reduceAnsiCodesIncremental as __reduce, diffAnsiCodes as __diff, ansiCodesToString as __codes} from '@alcalzone/ansi-tokenize';",
			'Output.prototype.get = __fastOutputGet({tokenize, styledCharsFromTokens, reduceAnsiCodesIncremental: __reduce, diffAnsiCodes: __diff, ansiCodesToString: __codes, sliceAnsi, stringWidth});',
			'',
		].join('\n');
	}
	if (MEASURE_TEXT.test(url)) {
		return source.replace(
			'cache.set(text, dimensions);',
			`if (cache.size >= ${CACHE_LIMIT}) cache.clear();\n    cache.set(text, dimensions);`,
		);
	}
	if (WRAP_TEXT.test(url) && source.includes('const cache = {};')) {
		return source
			.replace('const cache = {};', 'let cache = {};\nlet cacheSize = 0;')
			.replace(
				'cache[cacheKey] = wrappedText;',
				`if (++cacheSize > ${CACHE_LIMIT}) {\n        cache = {};\n        cacheSize = 1;\n    }\n    cache[cacheKey] = wrappedText;`,
			);
	}
	return source;
}

interface LoadResult {
	readonly format?: string | null;
	readonly source?: string | ArrayBuffer | ArrayBufferView | null;
	readonly shortCircuit?: boolean;
}

/** The module hook: Node calls it, on its hooks thread, for every module it loads. */
export async function load(
	url: string,
	context: unknown,
	nextLoad: (url: string, context: unknown) => Promise<LoadResult>,
): Promise<LoadResult> {
	const result = await nextLoad(url, context);
	if (!MEASURE_TEXT.test(url) && !WRAP_TEXT.test(url) && !OUTPUT.test(url)) return result;
	if (result.source === undefined || result.source === null) return result;
	const {source} = result;
	const text =
		typeof source === 'string'
			? source
			: ArrayBuffer.isView(source)
				? Buffer.from(source.buffer, source.byteOffset, source.byteLength).toString('utf8')
				: Buffer.from(source).toString('utf8');
	return {...result, source: boundCacheSource(url, text)};
}

/** Registers the hooks for the modules loaded from now on (Ink must not be loaded yet). */
export function boundInkCaches(): void {
	register(import.meta.url);
}
