/** Cuts a line into pieces of at most `width` characters (code points), for text whose spaces must stay as they are. */
export function cutToWidth(line: string, width: number): string[] {
	if (line.length <= width) return [line];
	const characters = Array.from(line);
	if (characters.length <= width) return [line];
	const pieces: string[] = [];
	for (let start = 0; start < characters.length; start += width) pieces.push(characters.slice(start, start + width).join(''));
	return pieces;
}

/** Splits text into rows of at most `width` characters at spaces; a word longer than a row goes on in pieces. */
export function wrapWords(text: string, width: number): string[] {
	const rows: string[] = [];
	let row = '';
	for (const word of text.split(' ')) {
		const candidate = row === '' ? word : `${row} ${word}`;
		if (candidate.length <= width) row = candidate;
		else {
			if (row !== '') rows.push(row);
			const pieces = cutToWidth(word, width);
			rows.push(...pieces.slice(0, -1));
			row = pieces.at(-1) ?? '';
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
