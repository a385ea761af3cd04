/**
 * A cheaper `Output.get` for Ink 6 (build/output.js), the step that turns a frame's text writes into
 * the frame's lines. Ink's own version makes every cell of the terminal an object, runs every line
 * through @alcalzone/ansi-tokenize (a grapheme segmenter and an object per character) and diffs the
 * styles of every pair of neighbouring cells, on every frame, for every line, changed or not: a third
 * of the console's busy time under a 50,000 records/s tail, in the turn a key's frame is drawn in
 * (issue 18 item 5). This one gives the same lines (test/ui/inkOutput.test.ts holds the two equal):
 *   - a row is a function of the frame's width and the writes on it (their x and text), so a row
 *     written as in a recent frame (the status line, the hints, a paused or scrolled tail's rows) is
 *     taken from a bounded cache;
 *   - a line of printable ASCII and SGR codes (a tail's rows: fit() keeps them ASCII) is split into
 *     characters directly, its characters sharing one styles array per run, and neighbours with the
 *     same styles array need no diff; any other line goes through the tokenizer as before.
 * The build puts it in Ink's output.js (inkCaches.ts), handing it Ink's own imports.
 */

/** Ink's imports in output.js that this uses, passed in so that the very copies Ink resolves are used. */
export interface OutputParts {
	readonly tokenize: (text: string) => readonly Token[];
	readonly styledCharsFromTokens: (tokens: readonly Token[]) => StyledChar[];
	readonly reduceAnsiCodesIncremental: (codes: readonly AnsiCode[], added: readonly AnsiCode[]) => AnsiCode[];
	readonly diffAnsiCodes: (from: readonly AnsiCode[], to: readonly AnsiCode[]) => AnsiCode[];
	readonly ansiCodesToString: (codes: readonly AnsiCode[]) => string;
	readonly sliceAnsi: (text: string, from: number, to?: number) => string;
	readonly stringWidth: (text: string) => number;
}

interface AnsiCode {
	readonly type: 'ansi';
	readonly code: string;
	readonly endCode: string;
}
interface StyledChar {
	readonly type: 'char';
	readonly value: string;
	readonly fullWidth: boolean;
	readonly styles: readonly AnsiCode[];
}
type Token = AnsiCode | {readonly type: 'char'; readonly value: string; readonly fullWidth: boolean};

interface Clip {
	readonly x1?: number | undefined;
	readonly x2?: number | undefined;
	readonly y1?: number | undefined;
	readonly y2?: number | undefined;
}
type Operation =
	| {
			readonly type: 'write';
			readonly x: number;
			readonly y: number;
			readonly text: string;
			readonly transformers: ReadonlyArray<(line: string, index: number) => string>;
	  }
	| {readonly type: 'clip'; readonly clip: Clip}
	| {readonly type: 'unclip'};

/** What `get` reads of an Output (its fields in Ink 6.8). */
export interface OutputState {
	readonly width: number;
	readonly height: number;
	readonly operations: readonly Operation[];
}

/** Rows (and string widths, SGR codes) kept across frames; emptied when full, as inkCaches.ts does Ink's. */
export const ROW_CACHE_LIMIT = 2_000;

// SGR codes are what these look for: ESC is meant.
// eslint-disable-next-line no-control-regex
const PRINTABLE_ASCII_AND_SGR = /^(?:[\x20-\x7e]|\x1b\[[0-9;]*m)*$/;
// eslint-disable-next-line no-control-regex
const PIECES = /\x1b\[[0-9;]*m|[\x20-\x7e]+/g;
const BLANK: StyledChar = Object.freeze({type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([])});

/** Output.get's replacement, to be called with an Output as `this`. */
export function fastOutputGet(parts: OutputParts): (this: OutputState) => {output: string; height: number} {
	let rows = new Map<string, string>();
	let widths = new Map<string, number>();
	/** One SGR code's tokens, by the code's text (a theme's few; bounded all the same). */
	let codes = new Map<string, readonly AnsiCode[]>();

	const width = (text: string): number => {
		let found = widths.get(text);
		if (found === undefined) {
			found = parts.stringWidth(text);
			if (widths.size >= ROW_CACHE_LIMIT) widths = new Map();
			widths.set(text, found);
		}
		return found;
	};
	const widestLine = (text: string): number => {
		let widest = 0;
		for (const line of text.split('\n')) widest = Math.max(widest, width(line));
		return widest;
	};

	/** The line's characters with their styles, as styledCharsFromTokens(tokenize(line)) gives them. */
	const styledChars = (line: string): readonly StyledChar[] => {
		if (!PRINTABLE_ASCII_AND_SGR.test(line)) return parts.styledCharsFromTokens(parts.tokenize(line));
		const chars: StyledChar[] = [];
		let active: readonly AnsiCode[] = [];
		for (const [piece] of line.matchAll(PIECES)) {
			if (piece.charCodeAt(0) === 0x1b) {
				let tokens = codes.get(piece);
				if (tokens === undefined) {
					tokens = parts.tokenize(piece) as readonly AnsiCode[];
					if (codes.size >= ROW_CACHE_LIMIT) codes = new Map();
					codes.set(piece, tokens);
				}
				active = parts.reduceAnsiCodesIncremental(active, tokens);
				continue;
			}
			// One array for the run: styles are only read (Ink copies the reference too, for wide characters' cells).
			const styles = [...active];
			for (const value of piece) chars.push({type: 'char', value, fullWidth: false, styles});
		}
		return chars;
	};

	/** styledCharsToString, skipping the diff between neighbours that share their styles. */
	const toText = (chars: readonly StyledChar[]): string => {
		let text = '';
		let previous: readonly AnsiCode[] | undefined;
		for (const char of chars) {
			if (previous === undefined) text += parts.ansiCodesToString(char.styles);
			else if (previous !== char.styles) text += parts.ansiCodesToString(parts.diffAnsiCodes(previous, char.styles));
			text += char.value;
			previous = char.styles;
		}
		if (previous !== undefined) text += parts.ansiCodesToString(parts.diffAnsiCodes(previous, []));
		return text;
	};

	/** A row from its writes, as Ink's get lays them into its cells. */
	const drawRow = (frameWidth: number, writes: ReadonlyArray<readonly [number, string]>): string => {
		// Counted as Ink counts them (a fractional width rounds up).
		const cells: Array<StyledChar | undefined> = [];
		for (let x = 0; x < frameWidth; x++) cells.push(BLANK);
		for (const [x, line] of writes) {
			let offsetX = x;
			for (const character of styledChars(line)) {
				cells[offsetX] = character;
				const characterWidth = Math.max(1, width(character.value));
				for (let index = 1; index < characterWidth; index++)
					cells[offsetX + index] = {type: 'char', value: '', fullWidth: false, styles: character.styles};
				offsetX += characterWidth;
			}
		}
		return toText(cells.filter((cell): cell is StyledChar => cell !== undefined)).trimEnd();
	};

	return function get(this: OutputState) {
		const writesByRow: Array<Array<readonly [number, string]>> = [];
		for (let y = 0; y < this.height; y++) writesByRow.push([]);
		const clips: Clip[] = [];
		for (const operation of this.operations) {
			if (operation.type === 'clip') clips.push(operation.clip);
			if (operation.type === 'unclip') clips.pop();
			if (operation.type !== 'write') continue;
			// As Ink 6.8's get: clipped, sliced, transformed, line by line.
			const {text, transformers} = operation;
			let {x, y} = operation;
			let lines = text.split('\n');
			const clip = clips.at(-1);
			if (clip) {
				const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
				const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
				if (clipHorizontally && (x + widestLine(text) < clip.x1! || x > clip.x2!)) continue;
				if (clipVertically && (y + lines.length < clip.y1! || y > clip.y2!)) continue;
				if (clipHorizontally) {
					const x1 = clip.x1!;
					const x2 = clip.x2!;
					lines = lines.map((line) => {
						const from = x < x1 ? x1 - x : 0;
						const lineWidth = width(line);
						const to = x + lineWidth > x2 ? x2 - x : lineWidth;
						return parts.sliceAnsi(line, from, to);
					});
					if (x < x1) x = x1;
				}
				if (clipVertically) {
					const y1 = clip.y1!;
					const y2 = clip.y2!;
					const from = y < y1 ? y1 - y : 0;
					const to = y + lines.length > y2 ? y2 - y : lines.length;
					lines = lines.slice(from, to);
					if (y < y1) y = y1;
				}
			}
			let offsetY = 0;
			for (const [index, text] of lines.entries()) {
				const row = writesByRow[y + offsetY];
				if (!row) continue;
				let line = text;
				for (const transformer of transformers) line = transformer(line, index);
				row.push([x, line]);
				offsetY++;
			}
		}
		const output = writesByRow.map((writes) => {
			if (writes.length === 0) return '';
			let key = `${this.width}`;
			for (const [x, line] of writes) key += `|${x},${line.length},${line}`;
			let row = rows.get(key);
			if (row === undefined) {
				row = drawRow(this.width, writes);
				if (rows.size >= ROW_CACHE_LIMIT) rows = new Map();
				rows.set(key, row);
			}
			return row;
		});
		return {output: output.join('\n'), height: output.length};
	};
}
