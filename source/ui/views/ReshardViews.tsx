import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {useMemo, useState} from 'react';
import type {MergePlan, ReshardResult, SplitRequest} from '../../console/reshard.js';
import {planNeighbourMerge, planScale, planSplit, proposeMerge} from '../../console/reshardPlans.js';
import type {Observation, TrafficReport} from '../../console/traffic.js';
import {
	ChangeOutcome,
	ConfirmLine,
	outcomeRows,
	Paragraph,
	PlanNotes,
	planNotesRows,
	RangeLine,
	rangeLineRows,
	shareRows,
	ShardMap,
	wrapText,
} from '../components/ChangePanel.js';
import {HashRangeBar} from '../components/HashRangeBar.js';
import {StateView} from '../components/StateView.js';
import {TextPrompt} from '../components/TextPrompt.js';
import {cutMiddle, formatBytes, formatCompact, formatCount, formatPercent} from '../../console/format.js';
import {useChange, useLoad, type ChangeRunner} from '../hooks/useChange.js';
import {useOperationCommands} from '../hooks/useOperationCommands.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import type {Operations} from '../operations.js';
import {useServices, type ConsoleServices} from '../services.js';
import {useTheme} from '../theme.js';

/**
 * The resharding operations, each a view over the dashboard: a preview of the resulting hash key
 * ranges (with the share of the key space and of the observed traffic each takes), the problems that
 * keep it from being submitted and the warnings worth reading, a y/N confirmation, then the stream
 * followed through UPDATING to ACTIVE, and the shard map it ends with. Plans come from the core's
 * planners, changes go through its executor (which writes the audit log).
 */

export function SplitView(props: {
	readonly stream: string;
	readonly shardId: string;
	readonly observations?: readonly Observation[];
	readonly observedFrom?: string;
	readonly height: number;
}) {
	const services = useServices();
	return services.operations ? <SplitPanel {...props} services={services} ops={services.operations} /> : <NoOperations />;
}

export function MergeView(props: {
	readonly stream: string;
	readonly shardId?: string;
	readonly traffic?: TrafficReport;
	readonly height: number;
}) {
	const services = useServices();
	return services.operations ? <MergePanel {...props} services={services} ops={services.operations} /> : <NoOperations />;
}

export function ScaleView(props: {readonly stream: string; readonly height: number}) {
	const services = useServices();
	return services.operations ? <ScalePanel {...props} services={services} ops={services.operations} /> : <NoOperations />;
}

export function NoOperations() {
	const theme = useTheme();
	return <Text color={theme.warning}>Changes are not available in this console.</Text>;
}

interface PanelProps {
	readonly services: ConsoleServices;
	readonly ops: Operations;
	readonly stream: string;
	readonly height: number;
}

const useBarWidth = () => {
	const {columns} = useTerminalSize();
	return Math.max(16, Math.min(48, columns - 60));
};

function useReshard(services: ConsoleServices, ops: Operations, what: string): ChangeRunner<ReshardResult> {
	return useChange<ReshardResult>({what, describe: ops.describeError, say: (level, text) => services.notices.say(level, text)});
}

function OperationTitle({verb, stream, detail}: {readonly verb: string; readonly stream: string; readonly detail?: string | undefined}) {
	const theme = useTheme();
	const {columns} = useTerminalSize();
	// A long name is cut in its middle, so that the detail (what the change does) stays whole; never below
	// 24 characters (a detail too long for the row is cut at its end instead).
	const room = Math.max(24, columns - verb.length - ' of '.length - (detail ? ` · ${detail}`.length : 0));
	return (
		<Text wrap="truncate">
			<Text bold color={theme.accent}>
				{verb}
			</Text>
			<Text> of {cutMiddle(stream, room)}</Text>
			{detail ? <Text color={theme.muted}> · {detail}</Text> : null}
		</Text>
	);
}

/** The rows ResultMap wants in full and at least: the shard map is one row a shard, under a line that counts them. */
function resultRows(change: ChangeRunner<ReshardResult>, columns: number): {want: number; min: number} {
	return outcomeRows(change.state, columns, change.state.stage === 'done' ? 1 + change.state.result.openShards.length : 0);
}

/** The change's end on at most `height` rows: the shard map it left, or its failure. */
function ResultMap({
	change,
	barWidth,
	height,
}: {
	readonly change: ChangeRunner<ReshardResult>;
	readonly barWidth: number;
	readonly height: number;
}) {
	if (change.state.stage !== 'done') return <ChangeOutcome state={change.state} maxRows={height} />;
	const {result} = change.state;
	return (
		<ChangeOutcome state={change.state}>
			<Text>
				{result.openShards.length} open shards now{result.newShardIds.length > 0 ? `, ${result.newShardIds.length} new` : ''}:
			</Text>
			<ShardMap shards={result.openShards} newShardIds={result.newShardIds} barWidth={barWidth} height={height - 3} />
		</ChangeOutcome>
	);
}

const METHOD_WORDS = {
	midpoint: 'at the midpoint of its range',
	median: 'at the median of the observed traffic',
	'hash-key': 'at the hash key typed',
} as const;

function SplitPanel({
	services,
	ops,
	stream,
	shardId,
	observations,
	observedFrom,
	height,
}: PanelProps & {readonly shardId: string; readonly observations?: readonly Observation[]; readonly observedFrom?: string}) {
	const theme = useTheme();
	const barWidth = useBarWidth();
	const {columns} = useTerminalSize();
	const [shape, reload] = useLoad((signal) => ops.loadShape(stream, signal), ops.describeError, [stream]);
	const distinct = new Set(
		(observations ?? []).map((observation) => ('partitionKey' in observation ? observation.partitionKey : String(observation.hashKey))),
	).size;
	const [at, setAt] = useState<SplitRequest['at']>(distinct >= 2 ? 'median' : 'midpoint');
	const [typing, setTyping] = useState(false);
	const change = useReshard(services, ops, `split of ${shardId}`);
	const plan = useMemo(
		() =>
			shape.status === 'ready'
				? planSplit(shape.value, {shardId, at, ...(observations ? {observations} : {}), ...(observedFrom ? {observedFrom} : {})})
				: undefined,
		[shape, shardId, at, observations, observedFrom],
	);
	const confirming = change.state.stage === 'idle' && !typing;
	// The ranges, their keys and the counts take what they take; the result and the warnings share the rest.
	const fixed =
		1 +
		(typing ? 1 : 0) +
		(plan ? rangeLineRows(plan.parent, columns) + plan.children.reduce((sum, child) => sum + rangeLineRows(child, columns), 0) : 0) +
		(plan && plan.children.length > 0 ? 1 : 0) +
		1 +
		(confirming ? 1 : 0);
	const [resultHeight, notesHeight] = shareRows(height - fixed, [
		resultRows(change, columns),
		{want: plan ? planNotesRows([], plan.warnings, columns) : 0, min: 1},
	]);
	useOperationCommands('split', change, {
		confirm: () => {
			if (plan && plan.problems.length === 0 && !services.readOnly) change.run((signal) => ops.reshard(plan, signal));
		},
		replan: reload,
		other: (command) => {
			if (command === 'atMidpoint') setAt('midpoint');
			else if (command === 'atMedian') setAt('median');
			else if (command === 'atHashKey') setTyping(true);
		},
	});
	return (
		<Box flexDirection="column">
			<OperationTitle verb={`Split ${shardId}`} stream={stream} detail={plan ? METHOD_WORDS[plan.method] : undefined} />
			<StateView state={shape} what="the stream's shards">
				{() =>
					plan && plan.problems.length > 0 ? (
						<PlanNotes problems={plan.problems} warnings={[]} maxRows={height - 1 - (typing ? 1 : 0)} />
					) : plan ? (
						<Box flexDirection="column">
							<RangeLine label={`${shardId} now`} range={plan.parent} barWidth={barWidth} />
							{plan.children.map((child, index) => (
								<RangeLine key={index} label={index === 0 ? 'lower child' : 'upper child'} range={child} barWidth={barWidth} />
							))}
							{plan.children.length > 0 ? <Text wrap="truncate">NewStartingHashKey {plan.newStartingHashKey}</Text> : null}
							<Text color={theme.muted} wrap="truncate">
								{plan.observed
									? `traffic seen: ${formatCompact(plan.observed.inRange)} records, ${plan.observed.distinctHashKeys} distinct keys${plan.observed.from ? ` (${plan.observed.from})` : ''}`
									: 'traffic seen: none of this shard yet (shares of traffic unknown)'}
								{' · '}open shards {plan.openShards.before} → {plan.openShards.after}
							</Text>
							<PlanNotes problems={[]} warnings={plan.warnings} maxRows={notesHeight} />
							{confirming ? (
								<ConfirmLine
									question={`Split ${shardId} ${METHOD_WORDS[plan.method]}?`}
									short={`Split ${shardId}?`}
									readOnly={services.readOnly}
								/>
							) : null}
							<ResultMap change={change} barWidth={barWidth} height={resultHeight} />
						</Box>
					) : null
				}
			</StateView>
			{typing ? (
				<TextPrompt
					label="split at hash key (decimal): "
					onSubmit={(value) => {
						setTyping(false);
						if (value.trim()) setAt({hashKey: value.trim()});
					}}
					onCancel={() => setTyping(false)}
				/>
			) : null}
		</Box>
	);
}

type MergeMode = {readonly kind: 'coldest'} | {readonly kind: 'neighbour'; readonly side: 'upper' | 'lower'};

// One component: its hooks (the shape, the pair chosen, the plan, the change) and one tree that shows the plan or why
// there is none; the bars are already RangeLine and ResultMap.
function MergePanel({
	services,
	ops,
	stream,
	shardId,
	traffic,
	height,
}: PanelProps & {readonly shardId?: string; readonly traffic?: TrafficReport}) {
	const theme = useTheme();
	const barWidth = useBarWidth();
	const {columns} = useTerminalSize();
	const [shape, reload] = useLoad((signal) => ops.loadShape(stream, signal), ops.describeError, [stream]);
	const [mode, setMode] = useState<MergeMode>(shardId ? {kind: 'neighbour', side: 'upper'} : {kind: 'coldest'});
	const plan = useMemo((): MergePlan | {error: string} | undefined => {
		if (shape.status !== 'ready') return undefined;
		try {
			return mode.kind === 'coldest' || shardId === undefined
				? proposeMerge(shape.value, traffic)
				: planNeighbourMerge(shape.value, shardId, mode.side, traffic);
		} catch (error) {
			return {error: error instanceof Error ? error.message : String(error)};
		}
	}, [shape, mode, shardId, traffic]);
	const ready = plan && !('error' in plan) ? plan : undefined;
	const change = useReshard(services, ops, ready ? `merge of ${ready.shardToMerge} and ${ready.adjacentShardToMerge}` : 'merge');
	useOperationCommands('merge', change, {
		confirm: () => {
			if (ready && ready.problems.length === 0 && !services.readOnly) change.run((signal) => ops.reshard(ready, signal));
		},
		replan: reload,
		other: (command) => {
			if (command === 'coldestPair') setMode({kind: 'coldest'});
			else if (command === 'otherNeighbour' && shardId)
				setMode((current) => ({kind: 'neighbour', side: current.kind === 'neighbour' && current.side === 'upper' ? 'lower' : 'upper'}));
		},
	});
	// The title, the three ranges, the traffic line and the question take what they take; the result and the warnings share the rest.
	const fixed = ready
		? 1 +
			[...ready.shards, ready.merged].reduce((sum, range) => sum + rangeLineRows(range, columns), 0) +
			1 +
			(change.state.stage === 'idle' ? 1 : 0)
		: 1;
	const [resultHeight, notesHeight] = shareRows(height - fixed, [
		resultRows(change, columns),
		{want: ready ? planNotesRows([], ready.warnings, columns) : 0, min: 1},
	]);
	const rate = (plan: MergePlan, index: 0 | 1) => {
		const traffic = plan.shards[index].traffic;
		return traffic?.recordsPerSecond === undefined ? null : (
			<Text color={theme.muted}> {formatCompact(traffic.recordsPerSecond)} rec/s</Text>
		);
	};
	return (
		<Box flexDirection="column">
			<OperationTitle
				verb={
					ready === undefined
						? 'Merge'
						: ready.shardToMerge === ready.adjacentShardToMerge
							? `Merge ${ready.shardToMerge}`
							: `Merge ${ready.shardToMerge} + ${ready.adjacentShardToMerge}`
				}
				stream={stream}
				detail={
					ready
						? ready.reason === 'coldest'
							? 'the coldest adjacent pair'
							: ready.reason === 'smallest'
								? 'the adjacent pair with the least key space (traffic unknown)'
								: `the selected shard with its ${mode.kind === 'neighbour' ? mode.side : 'upper'} neighbour`
						: undefined
				}
			/>
			<StateView state={shape} what="the stream's shards">
				{() =>
					plan && 'error' in plan ? (
						<Paragraph text={plan.error} color={theme.danger} maxRows={height - 1} />
					) : ready && ready.problems.length > 0 ? (
						<PlanNotes problems={ready.problems} warnings={[]} maxRows={height - 1} />
					) : ready ? (
						<Box flexDirection="column">
							<RangeLine label={ready.shards[0].shardId ?? 'lower'} range={ready.shards[0]} barWidth={barWidth} extra={rate(ready, 0)} />
							<RangeLine label={ready.shards[1].shardId ?? 'upper'} range={ready.shards[1]} barWidth={barWidth} extra={rate(ready, 1)} />
							<RangeLine
								label="merged"
								range={ready.merged}
								barWidth={barWidth}
								extra={
									ready.merged.traffic?.recordsPerSecond === undefined ? null : (
										<Text color={theme.muted}>
											{' '}
											{formatCompact(ready.merged.traffic.recordsPerSecond)} rec/s, {formatBytes(ready.merged.traffic.bytesPerSecond ?? 0)}
											/s
										</Text>
									)
								}
							/>
							<Text color={theme.muted} wrap="truncate">
								{ready.traffic
									? `traffic: the dashboard's live reader, last ${Math.round(ready.traffic.windowMs / 1000)} s; shares are of the pair's traffic`
									: 'traffic: unknown (the live reader had seen none)'}
								{' · '}open shards {ready.openShards.before} → {ready.openShards.after}
							</Text>
							<PlanNotes problems={[]} warnings={ready.warnings} maxRows={notesHeight} />
							{change.state.stage === 'idle' ? (
								<ConfirmLine question={`Merge ${ready.shardToMerge} and ${ready.adjacentShardToMerge}?`} readOnly={services.readOnly} />
							) : null}
							<ResultMap change={change} barWidth={barWidth} height={resultHeight} />
						</Box>
					) : null
				}
			</StateView>
		</Box>
	);
}

// One component: its hooks (the shape, the account quota, the typed target, the plan) and one tree of the limits, then
// the equal ranges or the problems; a little over 80 lines, and the tree reads best whole.
function ScalePanel({services, ops, stream, height}: PanelProps) {
	const theme = useTheme();
	const barWidth = useBarWidth();
	const {columns} = useTerminalSize();
	const [shape, reloadShape] = useLoad((signal) => ops.loadShape(stream, signal), ops.describeError, [stream]);
	const [account, reloadAccount] = useLoad((signal) => ops.accountLimits(signal), ops.describeError, []);
	const [typed, setTyped] = useState<string | undefined>(undefined);
	const [typing, setTyping] = useState(true);
	const change = useReshard(services, ops, `scaling of ${stream}`);
	const accountLimits = account.status === 'ready' ? account.value : undefined;
	const target = typed !== undefined && /^\d+$/.test(typed.trim()) ? Number(typed.trim()) : undefined;
	const limits = shape.status === 'ready' ? planScale(shape.value, shape.value.openShards.length, accountLimits).limits : undefined;
	const plan = useMemo(
		() => (shape.status === 'ready' && target !== undefined ? planScale(shape.value, target, accountLimits) : undefined),
		[shape, target, accountLimits],
	);
	useOperationCommands('scale', change, {
		confirm: () => {
			if (plan && plan.problems.length === 0 && !plan.unchanged && !services.readOnly) change.run((signal) => ops.reshard(plan, signal));
		},
		// The account's open shards change with every other stream's: planning again reads them again too.
		replan: () => {
			reloadShape();
			reloadAccount();
		},
		other: (command) => {
			if (command === 'edit') setTyping(true);
		},
	});
	const prompting = typing && change.state.stage !== 'running';
	const confirming = plan !== undefined && change.state.stage === 'idle' && !plan.unchanged && !typing;
	const invalid = typed !== undefined && target === undefined;
	// The limits above the plan take what they take; under them the result, the warnings and the ranges share the rest.
	const top = 4 + (limits ? wrapText(limits.note, columns).length : 0) + (invalid ? 1 : 0) + (prompting ? 1 : 0);
	const [resultHeight, notesHeight, rangesHeight] = shareRows(height - top - 1 - (confirming ? 1 : 0), [
		resultRows(change, columns),
		{want: plan ? planNotesRows([], plan.warnings, columns) : 0, min: 1},
		{want: plan?.ranges.length ?? 0, min: 2},
	]);
	// The "… and N more" row is one of the ranges' rows.
	const ranges = plan && plan.ranges.length > rangesHeight ? plan.ranges.slice(0, Math.max(0, rangesHeight - 1)) : (plan?.ranges ?? []);
	return (
		<Box flexDirection="column">
			<OperationTitle verb="Uniform scaling" stream={stream} detail={plan ? `${plan.current} → ${plan.target} open shards` : undefined} />
			<StateView state={shape} what="the stream's shards">
				{() =>
					limits ? (
						<Box flexDirection="column">
							<Text wrap="truncate">
								now {limits.openShards} open shards ·{' '}
								{limits.inReach
									? `one step reaches ${limits.minTarget} to ${limits.maxTarget}`
									: 'no target in reach (merge shards instead)'}{' '}
								· at most {formatCount(limits.maxShardsPerStream)} shards per stream
							</Text>
							<Text wrap="truncate" color={theme.muted}>
								{limits.account
									? `account: ${formatCount(limits.account.openShardCount)} of ${formatCount(limits.account.shardLimit)} open shards in the region (${formatCount(limits.account.headroom)} more allowed)`
									: account.status === 'loading'
										? 'account: reading the shard quota…'
										: 'account: the shard quota could not be read (DescribeLimits)'}
							</Text>
							<Paragraph text={limits.note} color={theme.muted} />
							{invalid ? <Text color={theme.danger}>&apos;{typed}&apos; is not a number of shards.</Text> : null}
							{plan && plan.problems.length > 0 ? (
								<PlanNotes problems={plan.problems} warnings={[]} maxRows={height - top} />
							) : plan ? (
								<Box flexDirection="column">
									<Text bold>After: {plan.ranges.length} shards of equal ranges</Text>
									{ranges.map((range, index) => (
										<Text key={index} wrap="truncate">
											{`#${index + 1}`.padEnd(6)}{' '}
											<HashRangeBar startingHashKey={range.startingHashKey} endingHashKey={range.endingHashKey} width={barWidth} />{' '}
											{formatPercent(range.keySpaceShare)}
										</Text>
									))}
									{plan.ranges.length > ranges.length ? (
										<Text color={theme.muted}>… and {plan.ranges.length - ranges.length} more</Text>
									) : null}
									<PlanNotes problems={[]} warnings={plan.warnings} maxRows={notesHeight} />
									{confirming ? (
										<ConfirmLine
											question={`Scale ${stream} from ${plan.current} to ${plan.target} shards?`}
											name={stream}
											readOnly={services.readOnly}
										/>
									) : null}
									<ResultMap change={change} barWidth={barWidth} height={resultHeight} />
								</Box>
							) : null}
						</Box>
					) : null
				}
			</StateView>
			{prompting ? (
				<TextPrompt
					label={`target shards${limits?.inReach ? ` (${limits.minTarget}..${limits.maxTarget})` : ''}: `}
					initial={typed ?? ''}
					onSubmit={(value) => {
						setTyping(false);
						change.reset();
						setTyped(value);
					}}
					onCancel={() => setTyping(false)}
				/>
			) : null}
		</Box>
	);
}
