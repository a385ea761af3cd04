import {describe, expect, it} from 'vitest';
import {decodeRecord, sanitizeForTerminal} from '../../../source/console/records/index.js';
import {utf8} from './support.js';

const ESC = '\u001b';

describe('sanitizeForTerminal', () => {
	it('disarms screen clearing, cursor moves, colours and window titles', () => {
		expect(sanitizeForTerminal(`${ESC}[2J${ESC}[H`)).toBe('␛[2J␛[H');
		expect(sanitizeForTerminal(`${ESC}[10A${ESC}[31mred${ESC}[0m`)).toBe('␛[10A␛[31mred␛[0m');
		expect(sanitizeForTerminal(`${ESC}]0;pwned\u0007`)).toBe('␛]0;pwned␇');
		expect(sanitizeForTerminal(`${ESC}]2;title${ESC}\\`)).toBe('␛]2;title␛\\');
		expect(sanitizeForTerminal(`${ESC}P+q${ESC}\\`)).toBe('␛P+q␛\\');
	});

	it('disarms C1 controls, which some terminals obey like ESC sequences', () => {
		expect(sanitizeForTerminal('\u009b2J')).toBe('\\x9b2J');
		expect(sanitizeForTerminal('\u009d0;title\u009c')).toBe('\\x9d0;title\\x9c');
		expect(sanitizeForTerminal('\u0085')).toBe('\\x85');
	});

	it('shows other C0 controls and DEL as control pictures', () => {
		expect(sanitizeForTerminal('a\u0000b\u0008c\u007f')).toBe('a␀b␈c␡');
		expect(sanitizeForTerminal('overwritten\rspoofed')).toBe('overwritten␍spoofed');
		expect(sanitizeForTerminal('\u000b\u000c')).toBe('␋␌');
	});

	it('keeps newlines (CRLF as a newline) and tabs unless asked not to', () => {
		expect(sanitizeForTerminal('a\tb\nc\r\nd')).toBe('a\tb\nc\nd');
		expect(sanitizeForTerminal('a\tb\nc\r\nd', {keepNewlines: false})).toBe('a\tb␊c␍␊d');
		expect(sanitizeForTerminal('a\tb\nc', {keepTabs: false})).toBe('a␉b\nc');
	});

	it('shows bidirectional overrides instead of letting them reorder the line', () => {
		expect(sanitizeForTerminal('user\u202Egnp.exe')).toBe('user\\u202egnp.exe');
		expect(sanitizeForTerminal('\u2066x\u2069')).toBe('\\u2066x\\u2069');
	});

	it('leaves ordinary text alone', () => {
		const text = 'grüße, 世界 🌍 — “quotes” ¡ © \u00a0 end';
		expect(sanitizeForTerminal(text)).toBe(text);
	});

	it('leaves no control character at all, for every code point that is one', () => {
		const all = Array.from({length: 0xa0}, (_, code) => String.fromCharCode(code)).join('');
		for (const options of [{}, {keepNewlines: false, keepTabs: false}]) {
			const keep = Object.keys(options).length === 0 ? '\t\n' : '';
			for (const char of sanitizeForTerminal(all, options)) {
				const code = char.charCodeAt(0);
				const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
				expect(control && !keep.includes(char), `U+${code.toString(16)} survived`).toBe(false);
			}
		}
	});

	it('makes a hostile record safe to print', () => {
		const [record] = decodeRecord(utf8(`{"msg":"hi${'\\u001b'}[2J${'\\u001b'}]0;owned\\u0007"}`), {jsonStyle: 'compact'});
		expect(record?.format).toBe('json');
		// The JSON text holds escapes, not control characters; the parsed value holds the real ones.
		expect(record?.json).toEqual({msg: `hi${ESC}[2J${ESC}]0;owned\u0007`});
		expect(sanitizeForTerminal((record?.json as {msg: string}).msg)).toBe('hi␛[2J␛]0;owned␇');
		const [raw] = decodeRecord(utf8(`log ${ESC}[2J${ESC}]0;owned\u0007`), {decoder: 'utf8'});
		expect(sanitizeForTerminal(raw!.text)).toBe('log ␛[2J␛]0;owned␇');
	});
});
