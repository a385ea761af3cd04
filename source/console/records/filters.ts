/**
 * Record filters, written as `KIND:ARGUMENT` (the value of `--filter`, or what is typed after `/`):
 *
 *     text:SUBSTRING     the decoded text contains SUBSTRING (case-sensitive)
 *     itext:SUBSTRING    the same, ignoring case
 *     re:PATTERN         the decoded text matches the JavaScript regular expression PATTERN
 *     ire:PATTERN        the same, ignoring case
 *     key:PATTERN        the partition key is PATTERN; `*` matches any run of characters and `?`
 *                        one character (a glob over the whole key); `\*`, `\?`, `\\` are literal
 *     json:PATH=VALUE    the decoded JSON has VALUE at PATH, a dotted path of object keys and
 *                        array indexes (`user.id=42`, `level=ERROR`, `items.0.sku=A-1`). A string
 *                        must equal VALUE; a number must equal it as a number (`42` matches 42 and
 *                        42.0; beyond 2^53 both sides are rounded alike); true, false and null match
 *                        their names; an object or array matches its compact JSON. Keys that
 *                        contain dots cannot be addressed.
 *     SUBSTRING          with no `KIND:` prefix: the same as text:SUBSTRING
 *
 * Only the first colon separates, so `text:a:b` looks for `a:b`. A leading word followed by a
 * colon must be a known kind, so a mistyped kind is an error rather than a silent text search; to
 * look for such text, write it as `text:http://example.com`. Several filters compose: a record
 * must match all of them.
 */
import type {DecodedRecord} from './types.js';

export class FilterSyntaxError extends Error {
	override readonly name = 'FilterSyntaxError';
}

export type RecordFilter =
	| {readonly kind: 'text'; readonly expression: string; readonly needle: string; readonly ignoreCase: boolean}
	| {readonly kind: 'regex'; readonly expression: string; readonly pattern: RegExp}
	| {readonly kind: 'key'; readonly expression: string; readonly key: string | RegExp}
	| {readonly kind: 'json'; readonly expression: string; readonly path: readonly string[]; readonly value: string};

/** What a filter looks at: a decoded record, with its partition key when known. */
export type FilterableRecord = Pick<DecodedRecord, 'text' | 'format' | 'json' | 'partitionKey'>;

const KINDS = ['text', 'itext', 're', 'ire', 'key', 'json'] as const;
type Kind = (typeof KINDS)[number];

function isKind(word: string): word is Kind {
	return (KINDS as readonly string[]).includes(word);
}

export function parseFilter(expression: string): RecordFilter {
	const prefix = /^([A-Za-z]+):/.exec(expression);
	if (prefix === null) return textFilter(expression, expression, false);
	const word = (prefix[1] ?? '').toLowerCase();
	if (!isKind(word)) {
		throw new FilterSyntaxError(
			`unknown filter kind "${prefix[1] ?? ''}" in "${expression}": use one of ${KINDS.map((kind) => `${kind}:`).join(', ')} (to search for this text, write text:${expression})`,
		);
	}
	const argument = expression.slice(prefix[0].length);
	switch (word) {
		case 'text':
		case 'itext':
			return textFilter(expression, argument, word === 'itext');
		case 're':
		case 'ire':
			return regexFilter(expression, argument, word === 'ire');
		case 'key':
			return keyFilter(expression, argument);
		case 'json':
			return jsonFilter(expression, argument);
	}
}

/** Parses every expression; the first bad one throws. */
export function parseFilters(expressions: readonly string[]): RecordFilter[] {
	return expressions.map((expression) => parseFilter(expression));
}

function textFilter(expression: string, needle: string, ignoreCase: boolean): RecordFilter {
	if (needle === '') throw new FilterSyntaxError(`empty text filter "${expression}": give the text to look for, e.g. text:timeout`);
	return {kind: 'text', expression, needle: ignoreCase ? needle.toLowerCase() : needle, ignoreCase};
}

function regexFilter(expression: string, source: string, ignoreCase: boolean): RecordFilter {
	if (source === '') throw new FilterSyntaxError(`empty regular expression in "${expression}": e.g. re:^ERROR`);
	try {
		return {kind: 'regex', expression, pattern: new RegExp(source, ignoreCase ? 'iu' : 'u')};
	} catch (unicodeError) {
		// Patterns written for non-Unicode mode (e.g. an escaped `\-` outside a class) still work.
		try {
			return {kind: 'regex', expression, pattern: new RegExp(source, ignoreCase ? 'i' : '')};
		} catch {
			const reason = unicodeError instanceof Error ? unicodeError.message : String(unicodeError);
			throw new FilterSyntaxError(`bad regular expression in "${expression}": ${reason}`);
		}
	}
}

function keyFilter(expression: string, pattern: string): RecordFilter {
	if (pattern === '') throw new FilterSyntaxError(`empty partition key filter "${expression}": e.g. key:user-42 or key:user-*`);
	let regex = '';
	let literal = '';
	let glob = false;
	for (let index = 0; index < pattern.length; index++) {
		const char = pattern[index] ?? '';
		if (char === '\\') {
			const next = pattern[index + 1];
			if (next === undefined)
				throw new FilterSyntaxError(`partition key pattern "${pattern}" ends with a lone backslash: write \\\\ for a backslash`);
			regex += escapeRegExp(next);
			literal += next;
			index++;
		} else if (char === '*' || char === '?') {
			regex += char === '*' ? '[^]*' : '[^]';
			glob = true;
		} else {
			regex += escapeRegExp(char);
			literal += char;
		}
	}
	return {kind: 'key', expression, key: glob ? new RegExp(`^${regex}$`, 'u') : literal};
}

function escapeRegExp(text: string): string {
	return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function jsonFilter(expression: string, argument: string): RecordFilter {
	const equals = argument.indexOf('=');
	if (equals === -1) throw new FilterSyntaxError(`json filter "${expression}" needs PATH=VALUE, e.g. json:level=ERROR or json:user.id=42`);
	const path = argument.slice(0, equals);
	if (path === '') throw new FilterSyntaxError(`json filter "${expression}" has no path before "=": e.g. json:level=ERROR`);
	const segments = path.split('.');
	if (segments.includes(''))
		throw new FilterSyntaxError(
			`json filter "${expression}" has an empty segment in its path "${path}": write keys joined by single dots, e.g. user.id`,
		);
	return {kind: 'json', expression, path: segments, value: argument.slice(equals + 1)};
}

/** True when the record matches every filter (so no filters match everything). */
export function matches(filters: readonly RecordFilter[], record: FilterableRecord): boolean {
	return filters.every((filter) => matchesOne(filter, record));
}

function matchesOne(filter: RecordFilter, record: FilterableRecord): boolean {
	switch (filter.kind) {
		case 'text':
			return (filter.ignoreCase ? record.text.toLowerCase() : record.text).includes(filter.needle);
		case 'regex':
			return filter.pattern.test(record.text);
		case 'key':
			if (record.partitionKey === undefined) return false;
			return typeof filter.key === 'string' ? record.partitionKey === filter.key : filter.key.test(record.partitionKey);
		case 'json':
			return matchesJson(filter.path, filter.value, record);
	}
}

const NOT_FOUND = Symbol('not found');

function jsonOf(record: FilterableRecord): unknown {
	if (record.format === 'json') return record.json;
	if (record.format !== 'utf8') return NOT_FOUND;
	// Text chosen with the utf8 decoder may still be JSON.
	try {
		return JSON.parse(record.text) as unknown;
	} catch {
		return NOT_FOUND;
	}
}

function valueAt(root: unknown, path: readonly string[]): unknown {
	let current = root;
	for (const segment of path) {
		if (Array.isArray(current)) {
			if (!/^(0|[1-9]\d*)$/.test(segment)) return NOT_FOUND;
			const index = Number(segment);
			if (index >= current.length) return NOT_FOUND;
			current = current[index] as unknown;
		} else if (typeof current === 'object' && current !== null && Object.hasOwn(current, segment)) {
			current = (current as Record<string, unknown>)[segment];
		} else {
			return NOT_FOUND;
		}
	}
	return current;
}

function matchesJson(path: readonly string[], expected: string, record: FilterableRecord): boolean {
	const root = jsonOf(record);
	if (root === NOT_FOUND) return false;
	const actual = valueAt(root, path);
	if (actual === NOT_FOUND) return false;
	if (typeof actual === 'string') return actual === expected;
	if (typeof actual === 'number') return expected.trim() !== '' && Number(expected) === actual;
	if (typeof actual === 'boolean' || actual === null) return String(actual) === expected;
	try {
		return JSON.stringify(actual) === expected;
	} catch {
		// Nesting too deep to serialise: it cannot have been typed as a filter value anyway.
		return false;
	}
}
