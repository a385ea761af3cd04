/** Splits text into rows of at most `width` characters at spaces (a longer word is cut). */
export function wrapWords(text: string, width: number): string[] {
	const rows: string[] = [];
	let row = '';
	for (const word of text.split(' ')) {
		const candidate = row === '' ? word : `${row} ${word}`;
		if (candidate.length <= width) row = candidate;
		else {
			if (row !== '') rows.push(row);
			row = word.slice(0, width);
		}
	}
	if (row !== '') rows.push(row);
	return rows;
}

/** `text` on at most `maxRows` rows of `width`, wrapped at words; the last row holds the rest, for Ink to cut. */
export function wrapRows(text: string, width: number, maxRows: number): string[] {
	const rows = wrapWords(text, Math.max(10, width));
	return rows.length <= maxRows ? rows : [...rows.slice(0, maxRows - 1), rows.slice(maxRows - 1).join(' ')];
}
