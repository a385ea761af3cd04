/**
 * Ink 6 keeps two module-level caches keyed by the full text of every <Text> it lays out
 * (build/measure-text.js, a Map; build/wrap-text.js, an object) and never evicts from them
 * (vadimdemedes/ink#986; later Ink lines bound them, but need Node 22). A view whose text changes
 * all the time, such as a tail at thousands of records a second or a live chart, leaks through
 * them: about 70 KB/s at 20,000 records/s. The build (scripts/build.ts) bundles Ink with these two
 * files rewritten so each cache is emptied once it holds CACHE_LIMIT entries.
 *
 * The build also gives Ink's Output a cheaper `get` (inkOutput.ts): output.js is left as it is but for
 * a few lines added at its end that replace the method, with Ink's own imports handed to it.
 *
 * This is done when building, not by module hooks as Node loads Ink: hooks run every later module
 * load through a second thread, and cost the console about 0.4 s before its first screen.
 */
export const CACHE_LIMIT = 2_000;

/** Ink's files that the build rewrites, by where they lie: the ones it bundles from node_modules/ink/build. */
export const INK_FILES = /[\\/]ink[\\/]build[\\/](measure-text|wrap-text|output)\.js$/;

/** What output.js must say for inkOutput.ts's get to stand in for its own (Ink 6.8). */
const OUTPUT_EXPECTED = [
	'export default class Output {',
	"import { styledCharsFromTokens, styledCharsToString, tokenize, } from '@alcalzone/ansi-tokenize';",
	"import sliceAnsi from 'slice-ansi';",
	"import stringWidth from 'string-width';",
	'const characters = this.caches.getStyledChars(line);',
];

/**
 * One of Ink's files as the build bundles it: measure-text.js and wrap-text.js with their cache bounded,
 * output.js with inkOutput.ts's get (imported from `outputModule`, that file's path); any other file as it
 * is. When one of the three is not what this expects (an Ink update moved its code), it throws: the
 * build stops, rather than ship a console whose memory grows without bound.
 */
export function patchedInkSource(path: string, source: string, outputModule: string): string {
	const file = INK_FILES.exec(path)?.[1];
	if (file === 'output') {
		const missing = OUTPUT_EXPECTED.find((line) => !source.includes(line));
		if (missing !== undefined) throw unexpected(path, missing);
		return [
			source,
			`import {fastOutputGet as __fastOutputGet} from ${JSON.stringify(outputModule)};`,
			"import {reduceAnsiCodesIncremental as __reduce, diffAnsiCodes as __diff, ansiCodesToString as __codes} from '@alcalzone/ansi-tokenize';",
			'Output.prototype.get = __fastOutputGet({tokenize, styledCharsFromTokens, reduceAnsiCodesIncremental: __reduce, diffAnsiCodes: __diff, ansiCodesToString: __codes, sliceAnsi, stringWidth});',
			'',
		].join('\n');
	}
	if (file === 'measure-text') {
		return replaced(
			path,
			source,
			'cache.set(text, dimensions);',
			`if (cache.size >= ${CACHE_LIMIT}) cache.clear();\n    cache.set(text, dimensions);`,
		);
	}
	if (file === 'wrap-text') {
		const unbounded = replaced(path, source, 'const cache = {};', 'let cache = {};\nlet cacheSize = 0;');
		return replaced(
			path,
			unbounded,
			'cache[cacheKey] = wrappedText;',
			`if (++cacheSize > ${CACHE_LIMIT}) {\n        cache = {};\n        cacheSize = 1;\n    }\n    cache[cacheKey] = wrappedText;`,
		);
	}
	return source;
}

/** `source` with its one occurrence of `from` replaced. */
function replaced(path: string, source: string, from: string, to: string): string {
	const at = source.indexOf(from);
	if (at < 0 || source.includes(from, at + 1)) throw unexpected(path, from);
	return source.slice(0, at) + to + source.slice(at + from.length);
}

function unexpected(path: string, text: string): Error {
	return new Error(`${path} does not say ${JSON.stringify(text)} once: Ink changed, and source/ui/inkCaches.ts must follow it.`);
}
