import {once} from 'node:events';
import {sanitizeForTerminal, terminalSafeJson} from '../console/records/terminalText.js';
import {wrapWords} from '../console/wrapWords.js';

/**
 * Where a subcommand's results go: plain text on a terminal, JSON lines with --json or when stdout is
 * a pipe or a file. Writes respect backpressure, so a slow reader slows the producer instead of
 * growing memory; a reader that goes away (`| head`) ends the command quietly.
 *
 * Nothing the endpoint returned can drive the terminal: plain text has its control characters made
 * visible (an ESC in a stream name, a tag or a record prints as ␛), and JSON lines carry the C1
 * controls and bidirectional overrides that JSON.stringify leaves raw as \u escapes.
 */
export interface Output {
	readonly json: boolean;
	/** Writes results, each as a JSON line (by `json`, JSON.stringify unless given) or as its plain text. */
	write<T extends object>(values: readonly T[], plain: (value: T) => string, json?: (value: T) => string): Promise<void>;
	/** Writes JSON lines already made and already terminal-safe (terminalSafeJson), one a string: JSON mode only (`tail` builds its lines as text, one at a time). */
	jsonLines(lines: Iterable<string>): Promise<void>;
	/** Writes text as is (plain mode only). */
	text(text: string): Promise<void>;
}

/**
 * What a reader going away (`| head`) does to the command: ends it quietly (exit 0), or, with 'drop',
 * leaves it running with its output dropped: `put`'s records are the point of it, its lines only a
 * report, and ending it would lose records already read from its input.
 */
export type WhenClosed = 'exit' | 'drop';

export function createOutput(options: {json?: boolean; stream?: NodeJS.WriteStream; whenClosed?: WhenClosed} = {}): Output {
	const stream = options.stream ?? process.stdout;
	const json = options.json === true || !stream.isTTY;
	let closed = false;
	let markClosed = () => {};
	const closing = new Promise<void>((resolve) => (markClosed = resolve));
	stream.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code !== 'EPIPE') throw error;
		if (options.whenClosed !== 'drop') process.exit(0);
		closed = true;
		markClosed();
	});
	// Dropping, messages on stderr may have no reader either (2>&1 | head): the work goes on without them.
	if (options.whenClosed === 'drop')
		process.stderr.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code !== 'EPIPE') throw error;
		});
	// A write waiting for room also ends when the reader goes away (its 'drain' never comes).
	const drained = () => Promise.race([once(stream, 'drain').catch(() => undefined), closing]);
	const send = async (text: string) => {
		if (closed || text.length === 0) return;
		if (!stream.write(text)) await drained();
	};
	// A tail writes thousands of lines a batch: each goes as UTF-8 straight into one buffer as it is made
	// (so it dies young), and the buffer is reused once the stream is done with its last write, rather than
	// the lines joined into a string the stream copies to bytes again.
	let scratch = Buffer.alloc(0);
	let written: Promise<void> = Promise.resolve();
	const jsonLines = async (lines: Iterable<string>) => {
		// Calls take turns: the buffer is filled again only once the stream is done with its last write.
		const previous = written;
		let done = () => {};
		written = new Promise((resolve) => (done = resolve));
		await previous;
		let length = 0;
		try {
			for (const line of lines) {
				// A UTF-16 code unit is at most 3 bytes of UTF-8.
				const most = length + line.length * 3 + 1;
				if (most > scratch.length) {
					const larger = Buffer.allocUnsafe(Math.max(most, 2 * scratch.length));
					scratch.copy(larger, 0, 0, length);
					scratch = larger;
				}
				length += scratch.write(line, length);
				scratch[length++] = 0x0a;
			}
		} catch (error) {
			done();
			throw error;
		}
		if (length === 0 || closed) return done();
		if (!stream.write(scratch.subarray(0, length), () => done())) await drained();
	};
	return {
		json,
		write(values, plain, toJson = JSON.stringify) {
			if (json) return jsonLines(values.map((value) => terminalSafeJson(toJson(value))));
			let text = '';
			for (const value of values) text += `${sanitizeForTerminal(plain(value))}\n`;
			return send(text);
		},
		jsonLines,
		text: (text) => send(sanitizeForTerminal(text)),
	};
}

/**
 * Lines of columns, padded to the widest cell of each column. Given a `width` (what is left of the
 * terminal's), a last cell that would run past it wraps at its words under its own column.
 */
export function table(rows: ReadonlyArray<readonly string[]>, width?: number): string {
	const widths: number[] = [];
	for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
	return rows
		.map((row) => {
			const line = row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ');
			const start = line.length - (row.at(-1)?.length ?? 0);
			// Only where the last column has room enough to wrap into.
			if (width === undefined || line.length <= width || width - start < 20) return line;
			return wrapWords(row.at(-1) ?? '', width - start)
				.map((piece, index) => (index === 0 ? line.slice(0, start) : ' '.repeat(start)) + piece)
				.join('\n');
		})
		.join('\n');
}

/** The columns a plain text indented by `by` has on this terminal; undefined when stdout is not one. */
export const columnsLeft = (by: string): number | undefined => (process.stdout.columns ? process.stdout.columns - by.length : undefined);
