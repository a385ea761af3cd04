import {Box} from 'ink';
import {keysOf} from '../keymap.js';
import {Text} from './Text.js';
import {useEffect, useState, type ReactNode} from 'react';
import {problemHint, type ChangeProgress, type NameAction, type PlanProblem} from '../../console/changes.js';
import type {RangePreview} from '../../console/reshard.js';
import type {ShardView} from '../../console/streams.js';
import {formatDuration, formatPercent} from '../../console/format.js';
import type {ChangeState} from '../hooks/useChange.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {useTheme} from '../theme.js';
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

/** Problems (why a plan cannot be submitted) and warnings (what to read first); `nameAction` names a problem's action by its key. */
export function PlanNotes({
	problems,
	warnings,
	nameAction,
}: {
	readonly problems: readonly PlanProblem[];
	readonly warnings: readonly string[];
	readonly nameAction?: NameAction;
}) {
	const theme = useTheme();
	return (
		<>
			{problems.map((problem, index) => {
				const hint = problemHint(problem, nameAction);
				return (
					<Text key={`p${index}`} color={theme.danger} wrap="wrap">
						✗ {problem.message}
						{hint ? <Text color={theme.muted}> {hint}</Text> : null}
					</Text>
				);
			})}
			{warnings.map((warning, index) => (
				<Text key={`w${index}`} color={theme.warning} wrap="wrap">
					! {warning}
				</Text>
			))}
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

/** Under the bar, where a range starts and ends: one line where both keys (up to 39 digits each) fit, else one line each, never cut. */
function rangeLines(range: RangePreview, columns: number): string[] {
	const whole = `${range.startingHashKey} – ${range.endingHashKey}`;
	if (23 + whole.length <= columns) return [`${''.padEnd(23)}${whole}`];
	const indent = ''.padEnd(columns >= 23 + 41 ? 23 : 2);
	return [`${indent}${range.startingHashKey} –`, `${indent}${range.endingHashKey}`];
}

/** The open shards after a change, in hash key order, the new ones marked. */
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
	const rows = Math.max(1, height);
	const shown = shards.slice(0, rows);
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
			{shards.length > shown.length ? <Text color={theme.muted}>… and {shards.length - shown.length} more open shards</Text> : null}
		</Box>
	);
}

/** The end of a change: failed (plainly), submitted but not confirmed, or done after some time. */
export function ChangeOutcome({state, children}: {readonly state: ChangeState<unknown>; readonly children?: ReactNode}) {
	const theme = useTheme();
	if (state.stage === 'running') return <ChangeProgressLine state={state} />;
	if (state.stage === 'failed') {
		const tone = state.submitted ? theme.warning : theme.danger;
		return (
			<Box flexDirection="column">
				<Text color={tone} bold>
					{state.submitted ? 'Submitted, not confirmed:' : 'Failed:'}
				</Text>
				<Text color={tone} wrap="wrap">
					{state.error}
				</Text>
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

/** The question before a change is submitted. */
export function ConfirmLine({question, readOnly}: {readonly question: string; readonly readOnly: boolean}) {
	const theme = useTheme();
	if (readOnly) return <Text color={theme.warning}>read-only: changes are off.</Text>;
	return (
		<Text wrap="truncate">
			<Text bold>{question}</Text> <Text color={theme.accent}>{keysOf('operation', 'confirm')}</Text> submits ·{' '}
			<Text color={theme.accent}>{keysOf('operation', 'cancel')}</Text>/{keysOf('global', 'back')} cancels
		</Text>
	);
}
