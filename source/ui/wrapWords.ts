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
