import {Box} from 'ink';
import {useEffect, useRef, useState} from 'react';
import type {CheckpointResetPlan, ShardResetPlan} from '../../console/checkpoints/plan.js';
import {parseResetTarget, type ResetTarget} from '../../console/checkpoints/targets.js';
import {ConsoleError} from '../../console/failures.js';
import {changedShardText, movingCheckpointsAdvice, type CheckpointResetResult} from '../../console/checkpoints/write.js';
import type {LeaseHold} from '../../console/leaseHold.js';
import {sanitizeForTerminal} from '../../console/records/index.js';
import {ChangeOutcome, ConfirmLine, PlanNotes} from '../components/ChangePanel.js';
import {StateView} from '../components/StateView.js';
import {Text} from '../components/Text.js';
import {TextPrompt} from '../components/TextPrompt.js';
import type {ConsumerServices} from '../consumerServices.js';
import {formatCompact, formatDuration, shortShardId} from '../../console/format.js';
import {keysOf} from '../keymap.js';
import {keyOfResetAction} from '../resetActions.js';
import {useChange, useLoad} from '../hooks/useChange.js';
import {useNavigator, useViewCommands} from '../navigation.js';
import {useServices, type ConsoleServices} from '../services.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {useTheme} from '../theme.js';
import {shortCheckpoint, Unavailable} from './ConsumerViews.js';

/**
 * A checkpoint reset: a target and shards, the plan (current → new, what is re-read or skipped), the
 * live-lease warning and the child-shard trap, the leases taken first when workers keep checkpointing,
 * a confirmation, conditional writes, and the plan again when a shard changed since it was made.
 */

function effectText(plan: ShardResetPlan): string {
	const {effect} = plan;
	switch (effect.kind) {
		case 'none':
			return plan.note ?? 'nothing';
		case 'unknown':
			return `unknown: ${effect.reason}`;
		default: {
			// An estimate (the count ran out of time) is marked ~, and the records actually counted follow it.
			const records =
				effect.estimate === undefined
					? `${effect.atLeast ? '≥' : ''}${formatCompact(effect.records)} records`
					: `~${formatCompact(effect.estimate)} records (${formatCompact(effect.records)} counted)`;
			return `${effect.kind} ${records}${effect.spanMs ? ` over ${formatDuration(effect.spanMs)}` : ''}${effect.andNewer ? ' and newer' : ''}`;
		}
	}
}

/** The status line's word on a reset: done only when every planned checkpoint was written. */
function resetOutcome(application: string, result: CheckpointResetResult): {level: 'warning'; text: string} | undefined {
	const changed = result.changedSincePlan.length;
	if (changed === 0) return undefined;
	const shards = `${changed} shard${changed === 1 ? '' : 's'} changed since the plan`;
	return {
		level: 'warning',
		text:
			result.written.length === 0
				? `The checkpoint reset of ${application} wrote nothing: ${shards}.`
				: `The checkpoint reset of ${application} wrote ${result.written.length} of ${result.written.length + changed} checkpoints: ${shards}.`,
	};
}

/** Leases the view took for a reset: given back when the reset is written, and when the view goes. */
function useLeaseHold(): {readonly current: LeaseHold | undefined; set(hold: LeaseHold): void; release(): Promise<void>} {
	const [current, setCurrent] = useState<LeaseHold | undefined>(undefined);
	const latest = useRef<LeaseHold | undefined>(undefined);
	useEffect(() => () => void latest.current?.release(), []);
	return {
		current,
		set(hold) {
			latest.current = hold;
			setCurrent(hold);
		},
		async release() {
			const hold = latest.current;
			latest.current = undefined;
			setCurrent(undefined);
			await hold?.release();
		},
	};
}

export function ResetView(props: {
	readonly stream: string;
	readonly application: string;
	readonly shards?: readonly string[];
	readonly height: number;
}) {
	const services = useServices();
	const consumers = services.consumers;
	return consumers?.planReset && consumers.reset && !services.readOnly ? (
		<ResetPanel {...props} services={services} consumers={consumers} />
	) : (
		<Unavailable />
	);
}

// One component still: the target, the plan, the lease hold and the change are state that the key commands and the tree
// both read and set; the table and the result are drawn by ResetPlanTable and ResetResultLines below.
function ResetPanel({
	stream,
	application,
	shards,
	height,
	services,
	consumers,
}: {
	readonly stream: string;
	readonly application: string;
	readonly shards?: readonly string[];
	readonly height: number;
	readonly services: ConsoleServices;
	readonly consumers: ConsumerServices;
}) {
	const theme = useTheme();
	const navigator = useNavigator();
	const [typing, setTyping] = useState(true);
	const [target, setTarget] = useState<ResetTarget | undefined>(undefined);
	const [targetError, setTargetError] = useState<string | undefined>(undefined);
	const [createMissing, setCreateMissing] = useState(false);
	const [foreign, setForeign] = useState(false);
	const [replanned, setReplanned] = useState<CheckpointResetPlan | undefined>(undefined);
	const hold = useLeaseHold();
	// The owner the plans know the console's leases by: kept once the hold is given back, so the plan shown is not made again.
	const [heldBy, setHeldBy] = useState<string | undefined>(undefined);
	const request =
		target === undefined
			? undefined
			: {to: target, ...(shards ? {shards} : {}), createMissingLeases: createMissing, foreignCheckpoints: foreign};
	const [planned, replan] = useLoad<CheckpointResetPlan>(
		request === undefined || !consumers.planReset
			? undefined
			: (signal) =>
					(consumers.planReset as NonNullable<ConsumerServices['planReset']>)(stream, application, request, {
						signal,
						...(heldBy ? {heldBy} : {}),
					}),
		consumers.describeError,
		[target, createMissing, foreign, stream, application, shards?.join(','), heldBy],
	);
	const plan = replanned ?? (planned.status === 'ready' && target !== undefined ? planned.value : undefined);
	const change = useChange<CheckpointResetResult>({
		what: `checkpoint reset of ${application}`,
		describe: consumers.describeError,
		say: (level, text) => services.notices.say(level, text),
		onDone: (result) => {
			setReplanned(result.replan);
			// The written leases were given back by their writes; the others go back now.
			void hold.release();
		},
		outcome: (result) => resetOutcome(application, result),
	});
	const submittable = plan !== undefined && plan.problems.length === 0 && plan.shards.some((shard) => shard.action !== 'unchanged');
	const run = (which: CheckpointResetPlan) => {
		const reset = consumers.reset;
		if (!reset) return;
		change.reset();
		change.run((signal) => reset(which, signal, hold.current?.owner));
	};
	const takeLeases = async (which: CheckpointResetPlan) => {
		if (!consumers.takeLeases || hold.current) return;
		const keys = which.shards.filter((shard) => shard.action === 'reset').map((shard) => shard.leaseKey);
		try {
			const {hold: taken, missed} = await consumers.takeLeases(application, keys);
			hold.set(taken);
			setHeldBy(taken.owner);
			services.notices.say(
				missed.length > 0 ? 'warning' : 'info',
				`The console holds ${taken.held.size} lease${taken.held.size === 1 ? '' : 's'} of ${application}${missed.length > 0 ? `; ${missed.length} could not be taken` : ''}: the plan again, from checkpoints that stay put.`,
			);
		} catch (error) {
			services.notices.say('error', `Could not take the leases: ${await consumers.describeError(error)}`);
		}
		change.reset();
		setReplanned(undefined);
	};
	useViewCommands('reset', (command) => {
		if (command === 'back') return false;
		if (change.state.stage === 'running') return;
		const again = change.state.stage === 'done' && replanned !== undefined;
		if (change.state.stage === 'done' && !again) {
			if (command === 'cancel') navigator.back();
			return;
		}
		switch (command) {
			case 'confirm':
				if (plan && submittable && (change.state.stage === 'idle' || again)) run(plan);
				return;
			case 'cancel':
				return navigator.back();
			case 'replan':
				change.reset();
				setReplanned(undefined);
				return replan();
			case 'edit':
				change.reset();
				setReplanned(undefined);
				return setTyping(true);
			case 'createMissing':
				change.reset();
				setReplanned(undefined);
				return setCreateMissing((value) => !value);
			case 'foreignCheckpoints':
				change.reset();
				setReplanned(undefined);
				return setForeign((value) => !value);
			case 'takeLeases':
				if (plan && submittable) void takeLeases(plan);
				return;
		}
	});
	const result = change.state.stage === 'done' ? change.state.result : undefined;
	return (
		<Box flexDirection="column">
			{/* Wrapped, never cut: what the reset moves checkpoints to is what the y below confirms. */}
			<Text wrap="wrap">
				<Text bold color={theme.accent}>
					Reset checkpoints
				</Text>{' '}
				of {application} on {stream}
				<Text color={theme.muted}>
					{' · '}
					{shards ? `shards ${shards.map(shortShardId).join(', ')}` : 'every shard with a lease'}
					{plan ? ` · to ${plan.target}` : ''}
					{createMissing ? ' · making leases for shards without one' : ''}
					{foreign ? " · checkpoints that are not the stream's too" : ''}
				</Text>
			</Text>
			{targetError ? <Text color={theme.danger}>{targetError}</Text> : null}
			{target !== undefined && !replanned ? (
				<StateView state={planned} what="the plan (reading leases, counting records to re-read or skip)">
					{() => null}
				</StateView>
			) : null}
			{plan ? (
				<ResetPlanTable
					plan={plan}
					rows={Math.max(2, height - 14)}
					replanned={replanned !== undefined}
					heldBy={heldBy}
					createMissing={createMissing}
					confirming={submittable && (change.state.stage === 'idle' || replanned !== undefined) && !typing}
					readOnly={services.readOnly}
				/>
			) : null}
			{result ? (
				<ResetResultLines result={result} finished={change.state.stage === 'done' && !replanned} />
			) : (
				<ChangeOutcome state={change.state} />
			)}
			{typing ? (
				<TextPrompt
					label="reset to (trim-horizon, latest, 15m, 2024-05-01T10:00:00Z, or a sequence number): "
					onSubmit={(text) => {
						setTyping(false);
						try {
							setTarget(parseResetTarget(text));
							setTargetError(undefined);
							setReplanned(undefined);
							change.reset();
						} catch (error) {
							// With its hint, as a command prints it: what to type instead.
							const hint = error instanceof ConsoleError ? error.failure.hint : undefined;
							setTargetError(`${error instanceof Error ? error.message : String(error)}${hint === undefined ? '' : ` ${hint}`}`);
						}
					}}
					onCancel={() => setTyping(false)}
				/>
			) : null}
		</Box>
	);
}

/** The plan's table: each shard's checkpoint now and after, who holds it, and what is re-read or skipped; then the confirmation. */
function ResetPlanTable({
	plan,
	rows,
	replanned,
	heldBy,
	createMissing,
	confirming,
	readOnly,
}: {
	readonly plan: CheckpointResetPlan;
	readonly rows: number;
	/** The plan was made again after the reset found shards changed. */
	readonly replanned: boolean;
	readonly heldBy: string | undefined;
	readonly createMissing: boolean;
	readonly confirming: boolean;
	readonly readOnly: boolean;
}) {
	const theme = useTheme();
	// Below 100 columns a shard goes by its number, so that each row's EFFECT (records re-read or skipped) is whole.
	const wide = useTerminalSize().columns >= 100;
	const shardWidth = wide ? 22 : 7;
	return (
		<Box flexDirection="column">
			{replanned ? (
				<Text color={theme.warning} bold>
					The plan again, made from the lease table as it is now:
				</Text>
			) : null}
			<Text color={theme.muted} bold wrap="truncate">
				{'SHARD'.padEnd(shardWidth)}
				{'CURRENT'.padEnd(20)}
				{'NEW'.padEnd(20)}
				{'HOLDER'.padEnd(9)}EFFECT
			</Text>
			{plan.shards.slice(0, rows).map((shard) => (
				<Text key={shard.shardId} wrap="truncate" color={shard.action === 'unchanged' ? theme.muted : undefined}>
					{(wide ? shard.shardId : shortShardId(shard.shardId)).padEnd(shardWidth)}
					{shortCheckpoint(shard.current.checkpoint ?? (shard.current.exists ? undefined : 'no lease')).padEnd(20)}
					{(shard.action === 'unchanged' ? '=' : `→ ${shortCheckpoint(shard.next.checkpoint)}`).padEnd(20)}
					{heldBy !== undefined && shard.current.leaseOwner === heldBy ? (
						<Text color={theme.accent}>{'console'.padEnd(9)}</Text>
					) : (
						<Text color={shard.current.holder === 'live' ? theme.warning : undefined}>{shard.current.holder.padEnd(9)}</Text>
					)}
					{effectText(shard)}
				</Text>
			))}
			{plan.shards.length > rows ? <Text color={theme.muted}>… and {plan.shards.length - rows} more shards</Text> : null}
			{plan.leaseless.length > 0 ? (
				<Text wrap="wrap" color={plan.leaseless.some((shard) => !shard.leaseCreated) ? theme.warning : theme.muted}>
					Without a lease:{' '}
					{plan.leaseless
						.map(
							(shard) =>
								`${shard.shardId} (${shard.reason}, starts at ${shard.leaseCreated ? 'the new position: its lease is made' : shard.startsAt}, ${shard.atLeast ? '≥' : ''}${formatCompact(shard.records)} records)`,
						)
						.join('; ')}{' '}
					· c {createMissing ? 'leaves them alone' : 'makes their leases too'}
				</Text>
			) : null}
			<PlanNotes problems={plan.problems} warnings={plan.warnings} nameAction={keyOfResetAction} />
			{confirming ? (
				<ConfirmLine
					question={`${plan.liveWorkers.length > 0 ? 'Workers hold live leases. ' : ''}Write ${plan.shards.filter((shard) => shard.action !== 'unchanged').length} checkpoint${plan.shards.filter((shard) => shard.action !== 'unchanged').length === 1 ? '' : 's'}?`}
					readOnly={readOnly}
				/>
			) : null}
		</Box>
	);
}

/** What the reset wrote, and each shard it left alone because it changed since the plan. */
function ResetResultLines({result, finished}: {readonly result: CheckpointResetResult; readonly finished: boolean}) {
	const theme = useTheme();
	return (
		<Box flexDirection="column">
			<Text color={result.written.length > 0 ? theme.success : theme.warning} bold>
				Written:{' '}
				{result.written.length === 0
					? 'none'
					: result.written
							.map((entry) => `${shortShardId(entry.shardId)} ${shortCheckpoint(entry.before)} → ${shortCheckpoint(entry.after)}`)
							.join(', ')}
			</Text>
			{result.changedSincePlan.map((shard) => (
				<Text key={shard.shardId} color={theme.warning} wrap="wrap">
					! {shard.shardId} not written: {sanitizeForTerminal(changedShardText(shard, shortCheckpoint), {keepNewlines: false})}
				</Text>
			))}
			{result.changedSincePlan.some((shard) => shard.change === 'checkpoint') ? (
				<Text color={theme.warning} wrap="wrap">
					{movingCheckpointsAdvice(keyOfResetAction)}
				</Text>
			) : null}
			{finished ? <Text color={theme.muted}>{keysOf('global', 'back')} goes back to the checkpoints</Text> : null}
		</Box>
	);
}
