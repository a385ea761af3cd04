/**
 * Filter expressions as typed after `/`, separated by spaces. Quotes are part of the text and matched as
 * typed (`text:"level":"ERROR"` looks for those quotes, as in the JSON); a quoted run only keeps its
 * spaces in one expression (`text:"two words"`). An expression wrapped whole in quotes loses them, so
 * that `'text:two words'` looks for two words, as a shell would pass it. A quote with no match is a character.
 */
export function splitExpressions(text: string): string[] {
	const expressions: string[] = [];
	let word = '';
	/** Where in `word` the quoted run that opened it ends, when it opened with one. */
	let firstRunEnd = -1;
	const push = () => {
		if (word) expressions.push(firstRunEnd === word.length - 1 && word.length >= 2 ? word.slice(1, -1) : word);
		word = '';
		firstRunEnd = -1;
	};
	for (let at = 0; at < text.length;) {
		const char = text[at] ?? '';
		if (/\s/.test(char)) {
			push();
			at++;
			continue;
		}
		const close = char === '"' || char === "'" ? text.indexOf(char, at + 1) : -1;
		if (close === -1) {
			word += char;
			at++;
			continue;
		}
		if (word === '') firstRunEnd = close - at;
		word += text.slice(at, close + 1);
		at = close + 1;
	}
	push();
	return expressions;
}
