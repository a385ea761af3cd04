/**
 * Terminal text with SGR escapes (what `tmux capture-pane -e -p` prints) as an SVG picture of a
 * terminal window, for the README. No dependencies: each run of cells with one style becomes a
 * <text> placed at its column, so box drawing and block characters line up whatever the font.
 */

export interface SvgOptions {
	/** Columns and rows of the terminal; by default the widest line and the number of lines. */
	readonly columns?: number;
	readonly rows?: number;
	/** Shown in the window's title bar. */
	readonly title?: string;
	readonly fontSize?: number;
}

interface Style {
	fg: Colour;
	bg: Colour;
	bold: boolean;
	dim: boolean;
	italic: boolean;
	underline: boolean;
	inverse: boolean;
}

type Colour = {readonly kind: 'default'} | {readonly kind: 'rgb'; readonly value: string};

interface Cell {
	readonly char: string;
	readonly style: Style;
	/** 2 for a wide character, whose next cell is empty. */
	readonly width: number;
}

const DEFAULT: Colour = {kind: 'default'};
const BACKGROUND = '#1e1f29';
const FOREGROUND = '#e6e6e6';
const TITLE_BAR = '#2c2e3b';
/** The 16 ANSI colours (a soft dark palette). */
const ANSI = [
	'#21222c', '#ff5555', '#50fa7b', '#f1fa8c', '#6c8cff', '#ff79c6', '#8be9fd', '#d8d8d8',
	'#7b7f96', '#ff6e6e', '#69ff94', '#ffffa5', '#8fa8ff', '#ff92df', '#a4ffff', '#ffffff',
];

const freshStyle = (): Style => ({fg: DEFAULT, bg: DEFAULT, bold: false, dim: false, italic: false, underline: false, inverse: false});

/** The xterm 256-colour palette. */
function xterm256(index: number): string {
	if (index < 16) return ANSI[index]!;
	if (index < 232) {
		const value = index - 16;
		const level = (step: number) => (step === 0 ? 0 : 55 + step * 40);
		return rgb(level(Math.floor(value / 36)), level(Math.floor(value / 6) % 6), level(value % 6));
	}
	const grey = 8 + (index - 232) * 10;
	return rgb(grey, grey, grey);
}

const rgb = (r: number, g: number, b: number) => `#${[r, g, b].map((value) => Math.max(0, Math.min(255, value)).toString(16).padStart(2, '0')).join('')}`;

/** Applies one SGR sequence's parameters to a style. */
function applySgr(style: Style, parameters: number[]): Style {
	const next = {...style};
	if (parameters.length === 0) parameters = [0];
	for (let index = 0; index < parameters.length; index++) {
		const value = parameters[index]!;
		if (value === 0) Object.assign(next, freshStyle());
		else if (value === 1) next.bold = true;
		else if (value === 2) next.dim = true;
		else if (value === 3) next.italic = true;
		else if (value === 4) next.underline = true;
		else if (value === 7) next.inverse = true;
		else if (value === 22) next.bold = next.dim = false;
		else if (value === 23) next.italic = false;
		else if (value === 24) next.underline = false;
		else if (value === 27) next.inverse = false;
		else if (value >= 30 && value <= 37) next.fg = {kind: 'rgb', value: ANSI[value - 30]!};
		else if (value >= 90 && value <= 97) next.fg = {kind: 'rgb', value: ANSI[value - 90 + 8]!};
		else if (value >= 40 && value <= 47) next.bg = {kind: 'rgb', value: ANSI[value - 40]!};
		else if (value >= 100 && value <= 107) next.bg = {kind: 'rgb', value: ANSI[value - 100 + 8]!};
		else if (value === 39) next.fg = DEFAULT;
		else if (value === 49) next.bg = DEFAULT;
		else if (value === 38 || value === 48) {
			const mode = parameters[index + 1];
			let colour: Colour | undefined;
			if (mode === 5) {
				colour = {kind: 'rgb', value: xterm256(parameters[index + 2] ?? 0)};
				index += 2;
			} else if (mode === 2) {
				colour = {kind: 'rgb', value: rgb(parameters[index + 2] ?? 0, parameters[index + 3] ?? 0, parameters[index + 4] ?? 0)};
				index += 4;
			}
			if (colour) {
				if (value === 38) next.fg = colour;
				else next.bg = colour;
			}
		}
	}
	return next;
}

/** Whether a character takes two columns (East Asian wide and fullwidth, and emoji). */
function isWide(codePoint: number): boolean {
	return (
		(codePoint >= 0x1100 && codePoint <= 0x115f) ||
		(codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
		(codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
		(codePoint >= 0xf900 && codePoint <= 0xfaff) ||
		(codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
		(codePoint >= 0xff00 && codePoint <= 0xff60) ||
		(codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
		(codePoint >= 0x1f300 && codePoint <= 0x1faff) ||
		(codePoint >= 0x20000 && codePoint <= 0x3fffd)
	);
}

const ESCAPE = String.fromCharCode(27);
/** A control sequence: ESC [ parameters final-byte (SGR ends in m; others are skipped). */
const CSI = new RegExp(`^${ESCAPE}\\[([0-9;:?]*)([A-Za-z])`);

/** Splits captured text into rows of styled cells. A style carries over from one line to the next, as in the terminal. */
export function parseAnsi(text: string): Cell[][] {
	const rows: Cell[][] = [];
	let style = freshStyle();
	for (const line of text.replace(/\n$/, '').split('\n')) {
		const cells: Cell[] = [];
		let index = 0;
		while (index < line.length) {
			if (line[index] === ESCAPE) {
				const match = CSI.exec(line.slice(index, index + 64));
				if (match) {
					if (match[2] === 'm') style = applySgr(style, (match[1] ?? '').split(/[;:]/).filter((part) => part !== '').map(Number));
					index += match[0].length;
				} else {
					index++;
				}
				continue;
			}
			const codePoint = line.codePointAt(index)!;
			const char = String.fromCodePoint(codePoint);
			index += char.length;
			if (codePoint < 0x20) continue;
			cells.push({char, style, width: isWide(codePoint) ? 2 : 1});
		}
		rows.push(cells);
	}
	return rows;
}

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** The colours a cell is drawn with, inverse applied. */
function coloursOf(style: Style): {fg: string; bg: string | undefined} {
	const fg = style.fg.kind === 'rgb' ? style.fg.value : FOREGROUND;
	const bg = style.bg.kind === 'rgb' ? style.bg.value : undefined;
	return style.inverse ? {fg: bg ?? BACKGROUND, bg: fg} : {fg, bg};
}

const sameLook = (a: Style, b: Style) =>
	coloursOf(a).fg === coloursOf(b).fg && coloursOf(a).bg === coloursOf(b).bg && a.bold === b.bold && a.dim === b.dim && a.italic === b.italic && a.underline === b.underline;

export function ansiToSvg(text: string, options: SvgOptions = {}): string {
	const rows = parseAnsi(text);
	const fontSize = options.fontSize ?? 14;
	const cellWidth = Math.round(fontSize * 0.6 * 100) / 100;
	// Box drawing and blocks fill the line at 1.2, so chart lines and bars join up.
	const lineHeight = Math.round(fontSize * 1.2 * 100) / 100;
	const columns = options.columns ?? Math.max(1, ...rows.map((cells) => cells.reduce((sum, cell) => sum + cell.width, 0)));
	const rowCount = options.rows ?? rows.length;
	const padding = 14;
	const titleHeight = 30;
	const width = Math.ceil(columns * cellWidth + padding * 2);
	const height = Math.ceil(rowCount * lineHeight + padding * 2 + titleHeight);

	const backgrounds: string[] = [];
	const texts: string[] = [];
	rows.slice(0, rowCount).forEach((cells, row) => {
		const y = titleHeight + padding + row * lineHeight;
		let column = 0;
		let index = 0;
		while (index < cells.length) {
			// A run: cells of one look.
			const first = cells[index]!;
			let end = index;
			let runColumns = 0;
			let content = '';
			while (end < cells.length && sameLook(cells[end]!.style, first.style)) {
				content += cells[end]!.char;
				runColumns += cells[end]!.width;
				end++;
			}
			const x = padding + column * cellWidth;
			const {fg, bg} = coloursOf(first.style);
			if (bg) backgrounds.push(`<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${(runColumns * cellWidth).toFixed(2)}" height="${lineHeight.toFixed(2)}" fill="${bg}"/>`);
			if (content.trim() !== '') {
				// Each character at its own column: fonts disagree on the widths of box drawing and symbols.
				let offset = 0;
				const xs: string[] = [];
				for (const cell of cells.slice(index, end)) {
					xs.push((x + offset * cellWidth).toFixed(2));
					offset += cell.width;
				}
				const attributes = [
					`x="${xs.join(' ')}"`,
					`y="${(y + lineHeight * 0.78).toFixed(2)}"`,
					fg === FOREGROUND ? '' : `fill="${fg}"`,
					first.style.bold ? 'font-weight="bold"' : '',
					first.style.dim ? 'opacity="0.6"' : '',
					first.style.italic ? 'font-style="italic"' : '',
					first.style.underline ? 'text-decoration="underline"' : '',
				].filter(Boolean);
				texts.push(`<text ${attributes.join(' ')}>${escapeXml(content)}</text>`);
			}
			column += runColumns;
			index = end;
		}
	});

	const title = options.title ? `<text x="${width / 2}" y="20" text-anchor="middle" fill="#9a9cb0" font-size="12">${escapeXml(options.title)}</text>` : '';
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
		`<rect width="${width}" height="${height}" rx="8" fill="${BACKGROUND}"/>`,
		`<path d="M0 8a8 8 0 0 1 8-8h${width - 16}a8 8 0 0 1 8 8v${titleHeight - 8}h-${width}z" fill="${TITLE_BAR}"/>`,
		`<circle cx="18" cy="15" r="6" fill="#ff5f56"/><circle cx="38" cy="15" r="6" fill="#ffbd2e"/><circle cx="58" cy="15" r="6" fill="#27c93f"/>`,
		title,
		`<g font-family="'DejaVu Sans Mono', 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace" font-size="${fontSize}" fill="${FOREGROUND}" xml:space="preserve">`,
		...backgrounds,
		...texts,
		'</g>',
		'</svg>',
		'',
	].join('\n');
}
