export type JsonParseResult = {readonly ok: true; readonly value: unknown} | {readonly ok: false; readonly error: string};

export function parseJson(text: string): JsonParseResult {
	try {
		return {ok: true, value: JSON.parse(text) as unknown};
	} catch (error) {
		return {ok: false, error: error instanceof Error ? error.message : String(error)};
	}
}

/** Whether text starts (after whitespace) like a JSON object or array: what `auto` calls JSON. */
export function looksLikeJsonContainer(text: string): boolean {
	const first = /\S/.exec(text)?.[0];
	return first === '{' || first === '[';
}

const INDENT = '  ';
const MAX_PRETTY_INDENT_LEVELS = 64;

function isJsonWhitespace(char: string | undefined): boolean {
	return char === ' ' || char === '\n' || char === '\r' || char === '\t';
}

/**
 * Lays out JSON text, which must already be valid (`parseJson` succeeded), either indented by two
 * spaces per level or on one line. It works on the text rather than on the parsed value, so what
 * the record holds is shown as written: big numbers keep their digits (JSON.parse would round
 * 12345678901234567890), escapes stay escapes, duplicate keys stay.
 *
 * Indentation stops growing after 64 levels, and the result is undefined when it would be longer
 * than `maxLength`, so deeply nested input cannot blow up memory (the compact layout is never
 * longer than the source).
 */
export function formatJson(source: string, style: 'pretty' | 'compact', maxLength = Number.POSITIVE_INFINITY): string | undefined {
	const pretty = style === 'pretty';
	// Compact JSON with no whitespace at all (what JSON.stringify writes) is already laid out.
	if (!pretty && !/[ \n\r\t]/.test(source)) return source.length <= maxLength ? source : undefined;
	const parts: string[] = [];
	let length = 0;
	const push = (part: string): void => {
		parts.push(part);
		length += part.length;
	};
	let depth = 0;
	const newline = (): string => '\n' + INDENT.repeat(Math.min(depth, MAX_PRETTY_INDENT_LEVELS));
	let index = 0;
	while (index < source.length) {
		const char = source[index];
		if (isJsonWhitespace(char)) {
			index++;
		} else if (char === '"') {
			let end = index + 1;
			while (end < source.length && source[end] !== '"') end += source[end] === '\\' ? 2 : 1;
			push(source.slice(index, end + 1));
			index = end + 1;
		} else if (char === '{' || char === '[') {
			let next = index + 1;
			while (isJsonWhitespace(source[next])) next++;
			const close = char === '{' ? '}' : ']';
			if (source[next] === close) {
				push(char + close);
				index = next + 1;
			} else {
				depth++;
				push(pretty ? char + newline() : char);
				index++;
			}
		} else if (char === '}' || char === ']') {
			depth--;
			push(pretty ? newline() + char : char);
			index++;
		} else if (char === ',') {
			push(pretty ? ',' + newline() : ',');
			index++;
		} else if (char === ':') {
			push(pretty ? ': ' : ':');
			index++;
		} else {
			// A number or a literal (true, false, null): copied as written.
			let end = index + 1;
			while (end < source.length && !isJsonWhitespace(source[end]) && !',:]}'.includes(source[end] ?? '')) end++;
			push(source.slice(index, end));
			index = end;
		}
		if (length > maxLength) return undefined;
	}
	return parts.join('');
}
