/**
 * Text from a record must never drive the terminal it is shown in. Every terminal control
 * sequence starts with a control character (ESC, or a C1 control such as CSI U+009B), so
 * replacing the control characters with visible stand-ins disarms them all: `ESC [2J` is shown
 * as `␛[2J` and clears nothing; OSC window-title sequences, cursor moves, bells, backspaces and
 * carriage returns that would overwrite a line are shown the same way.
 *
 * - C0 controls U+0000..U+001F: the Control Pictures glyph (␀ … ␟, ␛ for ESC).
 * - DEL U+007F: ␡.
 * - C1 controls U+0080..U+009F: `\x80` … `\x9f`.
 * - Bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069), which reorder what is
 *   shown and can make a record read differently from what it holds: `\u202e` and so on.
 *
 * Newlines (and CRLF pairs, shown as a newline) and tabs are kept unless turned off, e.g. for a
 * one-line row in a table.
 */
export interface SanitizeOptions {
	/** Keep `\n` (default true); CRLF counts as a newline. */
	readonly keepNewlines?: boolean;
	/** Keep `\t` (default true). */
	readonly keepTabs?: boolean;
}

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const TAB = 0x09;
const DELETE = 0x7f;

function needsEscape(code: number): boolean {
	return code < 0x20 || (code >= DELETE && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

function visible(code: number): string {
	if (code < 0x20) return String.fromCharCode(0x2400 + code);
	if (code === DELETE) return '\u2421';
	const hex = code.toString(16).padStart(2, '0');
	return code <= 0xff ? `\\x${hex}` : `\\u${hex}`;
}

export function sanitizeForTerminal(text: string, options: SanitizeOptions = {}): string {
	const keepNewlines = options.keepNewlines ?? true;
	const keepTabs = options.keepTabs ?? true;
	let out = '';
	let copiedUpTo = 0;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (!needsEscape(code)) continue;
		if (keepTabs && code === TAB) continue;
		if (keepNewlines && code === LINE_FEED) continue;
		out += text.slice(copiedUpTo, index);
		if (keepNewlines && code === CARRIAGE_RETURN && text.charCodeAt(index + 1) === LINE_FEED) {
			out += '\n';
			index++;
		} else {
			out += visible(code);
		}
		copiedUpTo = index + 1;
	}
	return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/**
 * A message for one line of the screen (a status line, a footer): its lines joined with spaces (a
 * failure's sentence and hint read on), then sanitized, tabs and all. Not for record data, whose
 * newlines are part of it and are shown as ␊.
 */
export function sanitizeLine(text: string): string {
	return sanitizeForTerminal(text.replace(/[ \t]*(?:\r\n|\n)[ \t]*/g, ' ').trim(), {keepNewlines: false, keepTabs: false});
}

/** Characters JSON.stringify leaves as they are that a terminal may act on: DEL, the C1 controls (CSI is U+009B), bidi overrides. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text with the characters a terminal could act on written as \u escapes: the same JSON values,
 * safe to `cat`. JSON.stringify already escapes the C0 controls.
 */
export function terminalSafeJson(json: string): string {
	return json.replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
