import {once} from 'node:events';
import {sanitizeForTerminal, terminalSafeJson} from '../console/records/terminalText.js';

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
	/** Writes JSON lines already made and already terminal-safe (terminalSafeJson), one a string: JSON mode only (`tail` builds its lines as text). */
	jsonLines(lines: readonly string[]): Promise<void>;
	/** Writes text as is (plain mode only). */
	text(text: string): Promise<void>;
}

export function createOutput(options: {json?: boolean; stream?: NodeJS.WriteStream} = {}): Output {
	const stream = options.stream ?? process.stdout;
	const json = options.json === true || !stream.isTTY;
	stream.on('error', (error: NodeJS.ErrnoException) => {
		if (error.code === 'EPIPE') process.exit(0);
		throw error;
	});
	const send = async (text: string) => {
		if (text.length > 0 && !stream.write(text)) await once(stream, 'drain');
	};
	// One flat string per batch (join copies once; += would build a rope to flatten): a tail writes thousands of lines at once.
	const jsonLines = (lines: readonly string[]) => send(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
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

/** Lines of columns, padded to the widest cell of each column. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
	const widths: number[] = [];
	for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
	return rows
		.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  '))
		.join('\n');
}
