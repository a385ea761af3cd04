import {Box} from 'ink';
import {keysOf} from '../keymap.js';
import {Text} from './Text.js';
import {useEffect, useState, type ReactNode} from 'react';
import {problemHint, type ChangeProgress, type NameAction, type PlanProblem} from '../../console/changes.js';
import type {RangePreview} from '../../console/reshard.js';
import type {ShardView} from '../../console/streams.js';
import {cutMiddle, formatDuration, formatPercent} from '../../console/format.js';
import type {ChangeState} from '../hooks/useChange.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {useTheme} from '../theme.js';
import {wrapWords} from '../../console/wrapWords.js';
import {HashRangeBar} from './HashRangeBar.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A share as a percentage with one decimal: 50.0%. */

/** What a progress event says, in words. */
function describeProgress(event: ChangeProgress<unknown> | undefined): string {
	if (!event) return 'starting…';
	switch (event.type) {
		case 'submitting':
			return `submitting the ${event.operation}…`;
		case 'retrying':
			return `${event.call} ${event.kind === 'throttling' ? 'throttled' : 'failed'} (${event.reason}): retry ${event.attempt} in ${formatDuration(event.delayMs)}`;
		case 'submitted':
			return `submitted; waiting for ${event.waitingFor ?? 'the stream to be ACTIVE'}…`;
		case 'status':
			return `${event.subject ?? 'stream'} ${event.status}${event.openShards === undefined ? '' : ` · ${event.openShards} open shards`}`;
		case 'done':
			return 'done';
	}
}

/** A running change: a spinner, the time since it started, and the last thing it said. */
function ChangeProgressLine({state}: {readonly state: Extract<ChangeState<unknown>, {stage: 'running'}>}) {
	const theme = useTheme();
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		const timer = setInterval(() => setNow(Date.now()), 150);
		return () => clearInterval(timer);
	}, []);
	const frame = SPINNER[Math.floor(now / 100) % SPINNER.length] ?? '*';
	const updating = state.event?.type === 'status' && state.event.status !== 'ACTIVE';
	return (
		<Text wrap="truncate">
			<Text color={theme.accent}>{frame}</Text> {((now - state.startedMs) / 1000).toFixed(1)} s ·{' '}
			<Text color={updating ? theme.warning : undefined}>{describeProgress(state.event)}</Text>
			<Text color={theme.muted}> ({keysOf('global', 'back')} stops following; the change goes on)</Text>
		</Text>
	);
}

/**
 * Text wrapped at words to `columns`, a row a string. A panel shows these rows one Text each, so the rows it counts
 * are the rows it takes (Ink's own wrapping sometimes starts a row with the space it broke at, taking one more).
 */
export function wrapText(text: string, columns: number): string[] {
	return text.split('\n').flatMap((line) => {
		const rows = wrapWords(line, Math.max(10, columns));
		return rows.length > 0 ? rows : [''];
	});
}

/** Rows shared among parts in order: each gets its minimum first, then each in turn what it wants of what is left. */
export function shareRows<const P extends ReadonlyArray<{readonly want: number; readonly min: number}>>(
	rows: number,
	parts: P,
): {readonly [K in keyof P]: number} {
	let left = rows - parts.reduce((sum, part) => sum + Math.min(part.min, part.want), 0);
	return parts.map((part) => {
		const base = Math.min(part.min, part.want);
		const extra = Math.max(0, Math.min(part.want - base, left));
		left -= extra;
		return base + extra;
	}) as {readonly [K in keyof P]: number};
}

/** Wrapped text on at most `maxRows` rows; a text cut short ends in "…". */
export function Paragraph({text, color, maxRows}: {readonly text: string; readonly color?: string | undefined; readonly maxRows?: number}) {
	const {columns} = useTerminalSize();
	const rows = wrapText(text, columns);
	const limit = Math.max(1, maxRows ?? rows.length);
	const shown = rows.length > limit ? [...rows.slice(0, limit - 1), `${rows[limit - 1] ?? ''} …`] : rows;
	return (
		<>
			{shown.map((row, index) => (
				<Text key={index} color={color} wrap="truncate">
					{row}
				</Text>
			))}
		</>
	);
}

type NoteRow = {readonly text: string; readonly tone: 'danger' | 'warning' | 'muted'; readonly note: number};

/** The rows of problems (✗, then the hint under it) and warnings (!), each row marked with its note's index. */
function noteRows(
	problems: readonly PlanProblem[],
	warnings: readonly string[],
	columns: number,
	nameAction: NameAction | undefined,
): NoteRow[] {
	const problemRows = problems.flatMap((problem, note) => {
		const hint = problemHint(problem, nameAction);
		return [
			...wrapText(`✗ ${problem.message}`, columns).map((text) => ({text, tone: 'danger' as const, note})),
			...(hint ? wrapText(hint, columns - 2).map((text) => ({text: `  ${text}`, tone: 'muted' as const, note})) : []),
		];
	});
	const warningRows = warnings.flatMap((warning, index) =>
		wrapText(`! ${warning}`, columns).map((text) => ({text, tone: 'warning' as const, note: problems.length + index})),
	);
	return [...problemRows, ...warningRows];
}

/** The rows PlanNotes takes in full. */
export function planNotesRows(
	problems: readonly PlanProblem[],
	warnings: readonly string[],
	columns: number,
	nameAction?: NameAction,
): number {
	return noteRows(problems, warnings, columns, nameAction).length;
}

/**
 * Problems (why a plan cannot be submitted) and warnings (what to read first); `nameAction` names a problem's action
 * by its key. On at most `maxRows` rows: past them, how many notes are cut short is said instead.
 */
export function PlanNotes({
	problems,
	warnings,
	nameAction,
	maxRows,
}: {
	readonly problems: readonly PlanProblem[];
	readonly warnings: readonly string[];
	readonly nameAction?: NameAction;
	readonly maxRows?: number;
}) {
	const theme = useTheme();
	const {columns} = useTerminalSize();
	const rows = noteRows(problems, warnings, columns, nameAction);
	const limit = Math.max(1, maxRows ?? rows.length);
	const shown = rows.length > limit ? rows.slice(0, limit - 1) : rows;
	// Notes are in order: the first row left out is of the first note not shown whole.
	const cut = problems.length + warnings.length - (rows[shown.length]?.note ?? problems.length + warnings.length);
	return (
		<>
			{shown.map((row, index) => (
				<Text
					key={index}
					color={row.tone === 'danger' ? theme.danger : row.tone === 'warning' ? theme.warning : theme.muted}
					wrap="truncate"
				>
					{row.text}
				</Text>
			))}
			{cut > 0 ? (
				<Text color={theme.muted} wrap="truncate">
					… and {cut} more {problems.length > 0 ? (cut === 1 ? 'note' : 'notes') : cut === 1 ? 'warning' : 'warnings'} (a taller terminal
					shows them)
				</Text>
			) : null}
		</>
	);
}

/** One hash key range of a preview: a bar across the key space, its share of it, and its traffic when known. */
export function RangeLine({
	label,
	range,
	barWidth,
	extra,
}: {
	readonly label: string;
	readonly range: RangePreview;
	readonly barWidth: number;
	readonly extra?: ReactNode;
}) {
	const theme = useTheme();
	const {columns} = useTerminalSize();
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				{label.padEnd(22)} <HashRangeBar startingHashKey={range.startingHashKey} endingHashKey={range.endingHashKey} width={barWidth} />{' '}
				{formatPercent(range.keySpaceShare).padStart(6)} of keys
				{range.traffic ? (
					<Text bold>
						{' · '}
						{formatPercent(range.traffic.share)} of traffic
					</Text>
				) : null}
				{extra}
			</Text>
			{rangeLines(range, columns).map((line, index) => (
				<Text key={index} color={theme.muted} wrap="truncate">
					{line}
				</Text>
			))}
		</Box>
	);
}

/** The rows a RangeLine takes. */
export const rangeLineRows = (range: RangePreview, columns: number): number => 1 + rangeLines(range, columns).length;

/** Under the bar, where a range starts and ends: one line where both keys (up to 39 digits each) fit, else one line each, never cut. */
function rangeLines(range: RangePreview, columns: number): string[] {
	const whole = `${range.startingHashKey} – ${range.endingHashKey}`;
	if (23 + whole.length <= columns) return [`${''.padEnd(23)}${whole}`];
	const indent = ''.padEnd(columns >= 23 + 41 ? 23 : 2);
	return [`${indent}${range.startingHashKey} –`, `${indent}${range.endingHashKey}`];
}

/** The open shards after a change, in hash key order, the new ones marked, on at most `height` rows. */
export function ShardMap({
	shards,
	newShardIds,
	barWidth,
	height,
}: {
	readonly shards: readonly ShardView[];
	readonly newShardIds: readonly string[];
	readonly barWidth: number;
	readonly height: number;
}) {
	const theme = useTheme();
	// The "… and N more" row is one of the rows given. Cut, the map shows the new shards (a split's two children
	// among thousands), from the shard before the first of them.
	const rows = Math.max(1, height);
	const firstNew = shards.findIndex((shard) => newShardIds.includes(shard.shardId));
	const start = shards.length <= rows || firstNew < 0 ? 0 : Math.max(0, Math.min(firstNew - 1, shards.length - (rows - 1)));
	const shown = shards.length <= rows ? shards : shards.slice(start, start + rows - 1);
	const after = shards.length - start - shown.length;
	return (
		<Box flexDirection="column">
			{shown.map((shard) => {
				const created = newShardIds.includes(shard.shardId);
				return (
					<Text key={shard.shardId} wrap="truncate">
						{shard.shardId.padEnd(22)}{' '}
						<HashRangeBar startingHashKey={shard.startingHashKey} endingHashKey={shard.endingHashKey} width={barWidth} />
						{created ? <Text color={theme.success}> new</Text> : null}
					</Text>
				);
			})}
			{shards.length > shown.length ? (
				<Text color={theme.muted} wrap="truncate">
					{start === 0
						? `… and ${shards.length - shown.length} more open shards`
						: `… and ${shards.length - shown.length} more open shards (${start} before these, ${after} after)`}
				</Text>
			) : null}
		</Box>
	);
}

/**
 * The rows ChangeOutcome wants in full and at least, `doneRows` being its children's when done: the progress line,
 * the failure with its two lines around it, or the done line and the way back around the children.
 */
export function outcomeRows(state: ChangeState<unknown>, columns: number, doneRows: number): {want: number; min: number} {
	switch (state.stage) {
		case 'idle':
			return {want: 0, min: 0};
		case 'running':
			return {want: 1, min: 1};
		case 'failed':
			return {want: 2 + wrapText(state.error, columns).length, min: 3};
		case 'done':
			return {want: 2 + doneRows, min: 2 + Math.min(doneRows, 2)};
	}
}

/** The end of a change: failed (plainly), submitted but not confirmed, or done after some time; a failure on at most `maxRows` rows. */
export function ChangeOutcome({
	state,
	children,
	maxRows,
}: {
	readonly state: ChangeState<unknown>;
	readonly children?: ReactNode;
	readonly maxRows?: number;
}) {
	const theme = useTheme();
	if (state.stage === 'running') return <ChangeProgressLine state={state} />;
	if (state.stage === 'failed') {
		const tone = state.submitted ? theme.warning : theme.danger;
		return (
			<Box flexDirection="column">
				<Text color={tone} bold>
					{state.submitted ? 'Submitted, not confirmed:' : 'Failed:'}
				</Text>
				<Paragraph text={state.error} color={tone} {...(maxRows === undefined ? {} : {maxRows: maxRows - 2})} />
				<Text color={theme.muted}>
					{keysOf('operation', 'replan')} plans again · {keysOf('global', 'back')} goes back
				</Text>
			</Box>
		);
	}
	if (state.stage === 'done') {
		return (
			<Box flexDirection="column">
				<Text color={theme.success} bold>
					✓ Done in {formatDuration(state.elapsedMs)}: the stream is ACTIVE.
				</Text>
				{children}
				<Text color={theme.muted}>{keysOf('global', 'back')} goes back to the dashboard</Text>
			</Box>
		);
	}
	return null;
}

/**
 * The question before a change is submitted, on one row with its keys. A long `name` in it (a stream's,
 * up to 128 characters) is cut in its middle so that what the question asks and the keys stay whole.
 */
export function ConfirmLine({
	question,
	short,
	name,
	readOnly,
}: {
	readonly question: string;
	/** The question in fewer words, for a terminal too narrow for it and its keys (what it leaves out is in the title). */
	readonly short?: string;
	readonly name?: string;
	readonly readOnly: boolean;
}) {
	const theme = useTheme();
	const {columns} = useTerminalSize();
	if (readOnly) return <Text color={theme.warning}>read-only: changes are off.</Text>;
	const confirm = keysOf('operation', 'confirm');
	const cancel = `${keysOf('operation', 'cancel')}/${keysOf('global', 'back')}`;
	const keysWidth = ` ${confirm} submits · ${cancel} cancels`.length;
	const asked = short !== undefined && question.length + keysWidth > columns ? short : question;
	const shown =
		name !== undefined && asked.includes(name) && asked.length + keysWidth > columns
			? asked.replace(name, cutMiddle(name, Math.max(8, columns - keysWidth - (asked.length - name.length))))
			: asked;
	return (
		<Text wrap="truncate">
			<Text bold>{shown}</Text> <Text color={theme.accent}>{confirm}</Text> submits ·{' '}
			<Text color={theme.accent}>{keysOf('operation', 'cancel')}</Text>/{keysOf('global', 'back')} cancels
		</Text>
	);
}
