import {Box} from 'ink';
import {keysOf} from '../keymap.js';
import {Text} from '../components/Text.js';
import {useEffect, useState} from 'react';
import type {Loadable} from '../../console/store.js';
import {
	confirmsDecrease,
	retentionHoursProblem,
	RETENTION_LIMITS,
	type RetentionOverview,
	type RetentionPlan,
	type RetentionResult,
	type ShardLoss,
} from '../../console/retention.js';
import {
	ChangeOutcome,
	ConfirmLine,
	outcomeRows,
	Paragraph,
	PlanNotes,
	planNotesRows,
	shareRows,
	wrapText,
} from '../components/ChangePanel.js';
import {StateView} from '../components/StateView.js';
import {TextPrompt} from '../components/TextPrompt.js';
import {formatCompact, formatDuration} from '../../console/format.js';
import {useChange, useLoad} from '../hooks/useChange.js';
import {useOperationCommands} from '../hooks/useOperationCommands.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import type {Operations} from '../operations.js';
import {useServices, type ConsoleServices} from '../services.js';
import {useTheme} from '../theme.js';
import {NoOperations} from './ReshardViews.js';

/**
 * Retention: the current period and the age of each shard's oldest record; a new period typed in
 * hours (24..8760); an increase is confirmed with y, a decrease first shows what becomes unreadable
 * per shard and is confirmed by typing the stream's name. Then the stream is followed to ACTIVE.
 */
export function RetentionView(props: {readonly stream: string; readonly height: number}) {
	const services = useServices();
	return services.operations ? <RetentionPanel {...props} services={services} ops={services.operations} /> : <NoOperations />;
}

/** What a decrease makes unreadable at once, in words. */
function estimateText(estimate: NonNullable<RetentionPlan['estimate']>): string {
	const span = estimate.records > 0 ? `, arrived over ${formatDuration(estimate.spanMs)} from ${estimate.oldest ?? '?'}` : '';
	return `Unreadable at once: ${estimate.atLeast ? 'at least ' : ''}${formatCompact(estimate.records)} records${span} (older than ${estimate.horizon}).`;
}

const hoursText = (hours: number): string => `${hours}h${hours % 24 === 0 && hours >= 48 ? ` (${hours / 24} days)` : ''}`;

// One component still: the typed hours, the plan, the name prompt and the change are state the commands and the prompts
// share; the shard table is OverviewTable below.
function RetentionPanel({
	services,
	ops,
	stream,
	height,
}: {
	readonly services: ConsoleServices;
	readonly ops: Operations;
	readonly stream: string;
	readonly height: number;
}) {
	const theme = useTheme();
	const [overview, reloadOverview] = useLoad((signal) => ops.retentionOverview(stream, signal), ops.describeError, [stream]);
	const [typing, setTyping] = useState(true);
	const [hours, setHours] = useState<number | undefined>(undefined);
	const [inputError, setInputError] = useState<string | undefined>(undefined);
	const [plan, replan] = useLoad<RetentionPlan>(
		hours === undefined ? undefined : (signal) => ops.planRetention(stream, hours, signal),
		ops.describeError,
		[stream, hours],
	);
	const [naming, setNaming] = useState(false);
	const [nameError, setNameError] = useState<string | undefined>(undefined);
	const change = useChange<RetentionResult>({
		what: 'retention change',
		describe: ops.describeError,
		say: (level, text) => services.notices.say(level, text),
		onDone: () => reloadOverview(),
	});
	const ready = hours !== undefined && plan.status === 'ready' ? plan.value : undefined;
	const submittable = ready !== undefined && ready.problems.length === 0 && ready.direction !== 'unchanged' && !services.readOnly;

	// A decrease asks for the stream's name as soon as its estimate is in.
	useEffect(() => {
		if (ready?.direction === 'decrease' && submittable && change.state.stage === 'idle') setNaming(true);
	}, [ready, submittable, change.state.stage]);

	const submit = () => {
		if (!ready || !submittable) return;
		if (ready.direction === 'decrease') {
			setNameError(undefined);
			setNaming(true);
			return;
		}
		change.run((signal) => ops.retention(ready, signal));
	};

	useOperationCommands('retention', change, {
		confirm: submit,
		replan: () => {
			reloadOverview();
			replan();
		},
		other: (command) => {
			if (command === 'edit') setTyping(true);
		},
	});

	const {columns} = useTerminalSize();
	const confirming = change.state.stage === 'idle' && submittable && !typing && (ready.direction === 'increase' || !naming);
	const prompting = (naming && ready?.confirmationText !== undefined ? 1 : 0) + (typing ? 1 : 0);
	// One row each: the title, the table's two heads, the limits, the plan's first line, and what is shown of the rest.
	const fixed = 5 + (inputError ? 1 : 0) + (nameError ? 1 : 0) + (confirming ? 1 : 0) + prompting;
	const shardCount = overview.status === 'ready' ? overview.value.shards.length : 0;
	const [outcomeHeight, notesHeight, estimateHeight, tableHeight] = shareRows(height - fixed, [
		outcomeRows(change.state, columns, 1),
		{want: ready ? planNotesRows(ready.problems, ready.warnings, columns) : 0, min: 1},
		{want: ready?.estimate ? wrapText(estimateText(ready.estimate), columns).length : 0, min: 1},
		{want: shardCount, min: 2},
	]);
	const losses = ready?.estimate ? new Map(ready.estimate.shards.map((loss) => [loss.shardId, loss])) : undefined;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text bold color={theme.accent}>
					Retention
				</Text>
				<Text> of {stream}</Text>
			</Text>
			<OverviewTable overview={overview} losses={losses} height={tableHeight} />
			<Text color={theme.muted}>
				Kinesis keeps records {RETENTION_LIMITS.minHours} to {RETENTION_LIMITS.maxHours} hours (1 to 365 days).
			</Text>
			{inputError ? <Text color={theme.danger}>{inputError}</Text> : null}
			{hours !== undefined ? (
				<StateView state={plan} what={`the plan (a decrease counts what it makes unreadable)`}>
					{(value) => (
						<Box flexDirection="column">
							<Text bold wrap="truncate">
								{hoursText(value.currentHours)} → {hoursText(value.newHours)} ({value.direction})
							</Text>
							{value.estimate ? (
								<Paragraph
									text={estimateText(value.estimate)}
									color={value.estimate.records > 0 ? theme.warning : undefined}
									maxRows={estimateHeight}
								/>
							) : null}
							<PlanNotes problems={value.problems} warnings={value.warnings} maxRows={notesHeight} />
							{nameError ? <Text color={theme.danger}>{nameError}</Text> : null}
							{change.state.stage === 'idle' && submittable && value.direction === 'increase' && !typing ? (
								<ConfirmLine
									question={`Increase the retention of ${stream} to ${value.newHours} hours?`}
									name={stream}
									readOnly={services.readOnly}
								/>
							) : null}
							{change.state.stage === 'idle' && submittable && value.direction === 'decrease' && !naming && !typing ? (
								<Text color={theme.muted}>
									{keysOf('operation', 'confirm')} types the stream&apos;s name to confirm · {keysOf('operation', 'cancel')}/
									{keysOf('global', 'back')} cancels
								</Text>
							) : null}
							<ChangeOutcome state={change.state} maxRows={outcomeHeight}>
								{change.state.stage === 'done' ? (
									<Text>The stream keeps records for {hoursText(change.state.result.retentionHours)} now.</Text>
								) : null}
							</ChangeOutcome>
						</Box>
					)}
				</StateView>
			) : null}
			{naming && ready?.confirmationText !== undefined ? (
				<TextPrompt
					label={`To decrease the retention, type the stream's name (${ready.confirmationText}): `}
					onSubmit={(typed) => {
						setNaming(false);
						if (confirmsDecrease(ready, typed)) {
							setNameError(undefined);
							change.run((signal) => ops.retention(ready, signal));
						} else {
							setNameError(`'${typed}' is not the stream's name: nothing was changed (y to type it again).`);
						}
					}}
					onCancel={() => setNaming(false)}
				/>
			) : null}
			{typing ? (
				<TextPrompt
					label={`new retention in hours (${RETENTION_LIMITS.minHours}..${RETENTION_LIMITS.maxHours}): `}
					onSubmit={(text) => {
						setTyping(false);
						const value = Number(text.trim());
						const problem = /^\d+$/.test(text.trim()) ? retentionHoursProblem(value) : `'${text}' is not a number of hours.`;
						setInputError(problem);
						setNameError(undefined);
						change.reset();
						if (problem === undefined) {
							if (value === hours) replan();
							setHours(value);
						}
					}}
					onCancel={() => setTyping(false)}
				/>
			) : null}
		</Box>
	);
}

/** The retention now, and each shard's oldest record beside what a planned decrease makes unreadable in it; the shards on at most `height` rows. */
function OverviewTable({
	overview,
	losses,
	height,
}: {
	readonly overview: Loadable<RetentionOverview>;
	readonly losses: ReadonlyMap<string, ShardLoss> | undefined;
	readonly height: number;
}) {
	const theme = useTheme();
	const shards = overview.status === 'ready' ? overview.value.shards : [];
	// The "… and N more" row is one of the rows given.
	const rows = shards.length <= height ? shards.length : Math.max(0, height - 1);
	return (
		<StateView state={overview} what="the retention and the oldest records">
			{(value) => (
				<Box flexDirection="column">
					<Text wrap="truncate">
						now {hoursText(value.retentionHours)} · oldest record{' '}
						{value.oldestAgeMs === undefined ? 'none (the stream is empty)' : `${formatDuration(value.oldestAgeMs)} old`} · {value.status}
					</Text>
					<Text color={theme.muted} bold wrap="truncate">
						{'  '}
						{'SHARD'.padEnd(22)}
						{'STATE'.padEnd(8)}
						{'OLDEST'.padStart(8)}
						{losses ? `  ${'UNREADABLE AFTER'.padStart(18)}  SPAN` : ''}
					</Text>
					{shards.slice(0, rows).map((shard) => {
						const loss = losses?.get(shard.shardId);
						return (
							<Text key={shard.shardId} wrap="truncate">
								{'  '}
								{shard.shardId.padEnd(22)}
								{(shard.open ? 'open' : 'closed').padEnd(8)}
								{(shard.oldest ? formatDuration(shard.oldest.ageMs) : '-').padStart(8)}
								{loss ? (
									<Text color={loss.records > 0 ? theme.warning : undefined}>
										{'  '}
										{`${loss.atLeast ? '≥' : ''}${formatCompact(loss.records)} records`.padStart(18)}
										{'  '}
										{loss.records > 0 ? formatDuration(loss.spanMs) : '-'}
									</Text>
								) : null}
							</Text>
						);
					})}
					{shards.length > rows ? <Text color={theme.muted}>… and {shards.length - rows} more shards</Text> : null}
				</Box>
			)}
		</StateView>
	);
}
