import {once} from 'node:events';

/**
 * Where a subcommand's results go: plain text on a terminal, JSON lines with --json or when stdout is
 * a pipe or a file. Writes respect backpressure, so a slow reader slows the producer instead of
 * growing memory; a reader that goes away (`| head`) ends the command quietly.
 */
export interface Output {
	readonly json: boolean;
	/** Writes results, each as a JSON line or as its plain text. */
	write(values: readonly object[], plain: (value: object) => string): Promise<void>;
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
	return {
		json,
		write(values, plain) {
			let text = '';
			for (const value of values) text += `${json ? JSON.stringify(value) : plain(value)}\n`;
			return send(text);
		},
		text: send,
	};
}

/** Lines of columns, padded to the widest cell of each column. */
export function table(rows: ReadonlyArray<readonly string[]>): string {
	const widths: number[] = [];
	for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
	return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ')).join('\n');
}
