import {createInterface} from 'node:readline';
import type {ChangeContext, ChangeProgress} from '../console/changes.js';
import {isAbort} from '../console/changes.js';
import type {Connection} from '../console/connect.js';
import {EXIT_CODES, EXIT_DECLINED} from '../console/failures.js';
import {type RangePreview} from '../console/reshard.js';
import {sanitizeForTerminal} from '../console/records/terminalText.js';
import type {ShardView} from '../console/streams.js';
import {parseStartPosition} from '../console/tail/index.js';
import {UsageError} from './command.js';
import {columnsLeft, table, type Output} from './output.js';
import {wrapWords} from '../console/wrapWords.js';
import {formatPercent} from '../console/format.js';

/**
 * What the commands that change a stream share (split, merge, scale, retention): the safety flags, the
 * refusals that come before any call (--read-only, no terminal to ask on), the question, the progress
 * line on stderr, and the shard map at the end.
 */

export const changeFlags = {
	yes: {type: 'boolean', default: false},
	dryRun: {type: 'boolean', default: false},
	readOnly: {type: 'boolean', default: false},
} as const;

export const changeHelp = `
  Safety
    --dry-run              Print the preview only: change nothing
    --yes                  Do not ask (for scripts). Without it the command asks on the terminal, and
                           refuses to run when stdin is not one (exit code 2)
    --read-only            Refuse to change anything (exit code 14); --dry-run still previews

  Every change is appended to the audit log ($KINESIS_CONSOLE_AUDIT_LOG, or
  $XDG_STATE_HOME/kinesis-console/audit.jsonl, or ~/.local/state/kinesis-console/audit.jsonl):
  time, connection (never credentials), operation, parameters, before, after and outcome.`;

export interface ChangeFlagValues {
	readonly yes: boolean;
	readonly dryRun: boolean;
	readonly readOnly: boolean;
}

/**
 * The refusals that need no connection: --read-only (returns its exit code, having said why), and a
 * change with no --yes and no terminal to ask on (a usage error). Undefined when the command may go on.
 * `changed` names what the change changes, for the --read-only message.
 */
export function refuseEarly(flags: ChangeFlagValues, command: string, what: string, changed = 'the stream'): number | undefined {
	if (flags.readOnly && !flags.dryRun) {
		process.stderr.write(
			`kinesis-console ${command}: refused under --read-only: ${sanitize(what)} changes ${sanitize(changed)}. --dry-run previews it.\n`,
		);
		return EXIT_CODES['read-only'];
	}
	if (!flags.yes && !flags.dryRun && !process.stdin.isTTY) {
		throw new UsageError(
			`stdin is not a terminal, so there is no one to ask before ${what}: pass --yes to go ahead without asking, or --dry-run to preview.`,
		);
	}
	return undefined;
}

/** Asks a yes/no question on the terminal (stderr); anything but y or yes, end of input or Ctrl-C is no. */
export async function askYesNo(question: string): Promise<boolean> {
	const answer = await ask(`${question} [y/N] `);
	return answer !== undefined && /^(y|yes)$/i.test(answer.trim());
}

/** Asks for a text to be typed back exactly (the stream name before a retention decrease). */
export async function askToType(question: string, expected: string): Promise<boolean> {
	const answer = await ask(question);
	return answer !== undefined && answer.trim() === expected;
}

function ask(question: string): Promise<string | undefined> {
	return new Promise((resolve) => {
		const lines = createInterface({input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY)});
		let answered = false;
		const finish = (answer: string | undefined) => {
			if (answered) return;
			answered = true;
			lines.close();
			process.stdin.pause();
			resolve(answer);
		};
		lines.on('SIGINT', () => {
			process.stderr.write('\n');
			finish(undefined);
		});
		lines.on('close', () => finish(undefined));
		lines.question(question, finish);
	});
}

/** Says the change was not made (declined at the question): its own exit code, neither success nor a failure. */
export function declined(): number {
	process.stderr.write('Nothing changed.\n');
	return EXIT_DECLINED;
}

/** A window of recent time, as --sample takes it: 15m, 2h, or a time since (ISO). */
export function parseWindow(text: string, flag: string, now = Date.now()): number {
	let timestamp: Date | undefined;
	try {
		const position = parseStartPosition(text, new Date(now));
		if (position.type === 'AT_TIMESTAMP') timestamp = position.timestamp;
	} catch {
		// Said below.
	}
	if (timestamp === undefined || timestamp.getTime() >= now)
		throw new UsageError(`${flag} takes a time ago (15m, 2h, 1d) or a past ISO time, not '${text}'.`);
	return now - timestamp.getTime();
}

/** The context a command runs a change in: the connection, with Ctrl-C to stop following. */
export function changeContext(connection: Connection, signal: AbortSignal): ChangeContext {
	return {kinesis: connection.kinesis, target: connection.target, signal};
}

/**
 * Runs a change to the end, showing progress on stderr when it is a terminal (and retries always).
 * Ctrl-C stops following; the change goes on at Kinesis. Returns the result, or undefined when stopped.
 */
export async function follow<R>(start: (signal: AbortSignal) => AsyncGenerator<ChangeProgress<R>, R>): Promise<R | undefined> {
	const controller = new AbortController();
	const stop = () => controller.abort();
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
	const progress = new ProgressLine();
	let result: R | undefined;
	try {
		for await (const event of start(controller.signal)) {
			progress.show(event);
			if (event.type === 'done') result = event.result;
		}
	} catch (error) {
		progress.clear();
		if (isAbort(error) || controller.signal.aborted) {
			process.stderr.write(
				'Stopped following the change: it goes on at Kinesis (kinesis-console streams shows when the stream is ACTIVE again).\n',
			);
			return undefined;
		}
		throw error;
	} finally {
		progress.clear();
		process.off('SIGINT', stop);
		process.off('SIGTERM', stop);
	}
	return result;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** One line on stderr, rewritten in place on a terminal; nothing but retries elsewhere. */
class ProgressLine {
	private readonly tty = Boolean(process.stderr.isTTY);
	private shown = false;
	private frame = 0;

	show(event: ChangeProgress<unknown>): void {
		switch (event.type) {
			case 'retrying':
				this.clear();
				process.stderr.write(
					`${event.call} ${event.kind === 'throttling' ? 'was throttled' : 'failed'} (${sanitizeForTerminal(event.reason, {keepNewlines: false})}); retrying in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt}).\n`,
				);
				return;
			case 'submitting':
				return this.line(`Submitting the ${event.operation}...`);
			case 'submitted':
				return this.line(`Submitted; waiting for ${event.waitingFor ?? 'the stream to be ACTIVE'}...`);
			case 'status':
				return this.line(
					`${event.subject === undefined ? '' : `${event.subject} `}${event.status} · ${(event.elapsedMs / 1000).toFixed(1)} s${event.openShards === undefined ? '' : ` · ${event.openShards} open shard${event.openShards === 1 ? '' : 's'}`}`,
				);
			case 'done':
				this.clear();
				return;
		}
	}

	clear(): void {
		if (this.shown) process.stderr.write('\r\u001b[K');
		this.shown = false;
	}

	private line(text: string): void {
		if (!this.tty) return;
		const spinner = SPINNER[this.frame++ % SPINNER.length] ?? '';
		process.stderr.write(`\r\u001b[K${spinner} ${text}`);
		this.shown = true;
	}
}

/** A hash key range as a table shows it. */
const rangeText = (range: {readonly startingHashKey: string; readonly endingHashKey: string}): string =>
	`${range.startingHashKey}..${range.endingHashKey}`;

/** The open shards after a change, new ones marked. */
export async function printShardMap(
	output: Output,
	result: {
		readonly stream: string;
		readonly openShards: readonly ShardView[];
		readonly newShardIds: readonly string[];
		readonly operation: string;
	},
	elapsedMs: number | undefined,
): Promise<void> {
	if (output.json) {
		await output.write([{type: 'result', ...result, ...(elapsedMs === undefined ? {} : {elapsedMs})}], () => '');
		return;
	}
	const fresh = new Set(result.newShardIds);
	const rows = result.openShards.map((shard) => [
		`${fresh.has(shard.shardId) ? '+ ' : '  '}${shard.shardId}`,
		shard.parents.join(',') || '-',
		rangeText(shard),
		formatPercent(rangeShare(shard)),
	]);
	await output.text(
		`\n'${sanitize(result.stream)}' is ACTIVE with ${result.openShards.length} open shard${result.openShards.length === 1 ? '' : 's'}${elapsedMs === undefined ? '' : ` (${(elapsedMs / 1000).toFixed(1)} s)`}; + marks new shards.\n\n` +
			`${rangeTable([['  SHARD', 'PARENTS', 'HASH KEY RANGE', 'KEY SPACE'], ...rows], 2)}\n`,
	);
}

function rangeShare(shard: ShardView): number {
	const size = BigInt(shard.endingHashKey) - BigInt(shard.startingHashKey) + 1n;
	return Number((size * 10n ** 12n) / (1n << 128n)) / 1e12;
}

/**
 * A table with a hash key range column (two keys of up to 39 digits), indented by `by`, fitted to the
 * terminal: where its lines would wrap, each range goes under its row instead, on two lines if one is
 * too narrow for it.
 */
export function rangeTable(rows: ReadonlyArray<readonly string[]>, rangeColumn: number, by = '  '): string {
	const width = columnsLeft(by);
	const whole = table(rows);
	if (width === undefined || whole.split('\n').every((line) => line.length <= width)) return indent(whole, by);
	const under = '      ';
	const lines = table(rows.map((row) => row.filter((_, index) => index !== rangeColumn))).split('\n');
	const fitted = lines.map((line, index) => {
		const range = index === 0 ? '' : (rows[index]?.[rangeColumn] ?? '');
		if (range === '') return line;
		const [start = '', end] = range.split('..');
		if (end === undefined || under.length + range.length <= width) return `${line}\n${under}${range}`;
		return `${line}\n${under}${start}\n${under.slice(2)}..${end}`;
	});
	return indent(fitted.join('\n'), by);
}

/** A range row: label, range, share of the key space, then any traffic columns. */
export function rangeRow(label: string, range: RangePreview, traffic: string[] = []): string[] {
	return [label, range.startingHashKey === '' ? '?' : rangeText(range), formatPercent(range.keySpaceShare), ...traffic];
}

export const indent = (text: string, by = '  '): string =>
	text
		.split('\n')
		.map((line) => (line === '' ? line : `${by}${line}`))
		.join('\n');

/** Warnings as a preview lists them: `  ! ` before each, wrapped under it to the terminal's width. */
export const warningLines = (warnings: readonly string[]): string =>
	warnings
		.map((warning) => {
			const width = columnsLeft('    ');
			const rows = width === undefined || width < 20 ? [sanitize(warning)] : wrapWords(sanitize(warning), width);
			return `${rows.map((row, index) => `${index === 0 ? '  ! ' : '    '}${row}`).join('\n')}\n`;
		})
		.join('');

export const sanitize = (text: string): string => sanitizeForTerminal(text, {keepNewlines: false});
