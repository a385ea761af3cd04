import {isUtf8} from 'node:buffer';

const lenientDecoder = new TextDecoder('utf-8');

/**
 * The bytes as text, or undefined when they are not valid UTF-8. A leading BOM is dropped. Checked
 * before decoding: binary records are common, and a fatal decoder's exception costs far more than the check.
 */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
	return isUtf8(bytes) ? lenientDecoder.decode(bytes) : undefined;
}

/** The bytes as text, invalid sequences replaced with U+FFFD. */
export function decodeUtf8Lenient(bytes: Uint8Array): string {
	return lenientDecoder.decode(bytes);
}

/**
 * Whether text reads as text rather than as binary: no control characters except tab, line feed,
 * form feed, carriage return and ESC (coloured log lines are text; the terminal sanitizer shows ESC
 * safely), no DEL and no C1 controls.
 */
export function isPrintableText(text: string): boolean {
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code < 0x20) {
			if (code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d && code !== 0x1b) return false;
		} else if (code >= 0x7f && code <= 0x9f) {
			return false;
		}
	}
	return true;
}
