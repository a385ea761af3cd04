import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {useMemo, useState} from 'react';
import {coordinationSummary, workerLoadText} from '../../console/checkpoints/coordination.js';
import type {CheckpointsReport, ShardCheckpoint} from '../../console/checkpoints/reading.js';
import {HOLDER_STALE_MS} from '../../console/checkpoints/store.js';
import {consumerKey, type BehindRow} from '../../console/consumers/behind.js';
import {kindOf, kindsInOrder} from '../../console/consumers/index.js';
import type {ConsumerStatus} from '../../console/consumers/status.js';
import {sanitizeForTerminal} from '../../console/records/index.js';
import {Chart} from '../components/Chart.js';
import {SelectableList, moveSelection} from '../components/SelectableList.js';
import {StateView} from '../components/StateView.js';
import type {ConsumerServices} from '../consumerServices.js';
import {cutMiddle, formatDuration, shortShardId} from '../../console/format.js';
import {useRunWhileVisible, useStore} from '../hooks/useStore.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {keysOf} from '../keymap.js';
import {useNavigator, useViewCommands} from '../navigation.js';
import {useServices, type ConsoleServices} from '../services.js';
import {useConsumerActions} from '../hooks/useConsumerActions.js';
import {useTheme, type Theme} from '../theme.js';

/**
 * Consumers and their lag: the stream's consumers of every kind in the registry (console/consumers/),
 * each offering what its kind can do; for an application, per shard its lease owner, counter, checkpoint and lag
 * (charted while the view is open) with the shards no worker holds flagged, and the shards marked
 * for a checkpoint reset (ResetView.tsx).
 */

export function Unavailable() {
	const theme = useTheme();
	return <Text color={theme.warning}>Consumers are not available in this console.</Text>;
}

export function ConsumersView(props: {readonly stream: string; readonly height: number}) {
	const services = useServices();
	return services.consumers ? <ConsumersPanel {...props} consumers={services.consumers} /> : <Unavailable />;
}

function ConsumersPanel({
	stream,
	height,
	consumers,
}: {
	readonly stream: string;
	readonly height: number;
	readonly consumers: ConsumerServices;
}) {
	const theme = useTheme();
	const navigator = useNavigator();
	const store = useMemo(() => consumers.behind(stream), [consumers, stream]);
	const state = useStore(store);
	useRunWhileVisible(store);
	const [selected, setSelected] = useState(0);
	const rows: readonly BehindRow[] = state.status === 'ready' ? state.value.rows : [];
	const chosen = Math.min(selected, Math.max(0, rows.length - 1));
	const consumer = rows[chosen]?.consumer;
	// What the chosen consumer's kind can do: the keys below are offered only for what it has.
	const actions = useConsumerActions(stream, consumer, consumers, store);
	useViewCommands('consumers', (command) => {
		switch (command) {
			case 'open':
				if (!consumer) return;
				// A KCL application opens its checkpoints; any other consumer its own view.
				if (actions.positions) navigator.push({kind: 'checkpoints', stream, application: actions.positions.leaseTable});
				else navigator.push({kind: 'consumer', stream, id: consumerKey(consumer), name: consumer.name});
				return;
			case 'resetPositions':
				return actions.openReset();
			case 'deregister':
				return actions.openDeregister();
			case 'pause':
				return actions.openPause();
			case 'refresh':
				return void store.refresh();
			case 'back':
				return false;
			default:
				setSelected((current) => moveSelection(command, Math.min(current, rows.length - 1), rows.length, Math.max(1, height - 8)));
		}
	});
	// Its actions first, then its own view, then why its status is what it is.
	const offers = [
		...(actions.positions ? [`${keysOf('consumers', 'open')} its positions and lag per shard`] : []),
		...(actions.reset ? [`${keysOf('consumers', 'resetPositions')} resets them`] : []),
		...(actions.deregister ? [`${keysOf('consumers', 'deregister')} deregisters it`] : []),
		...(actions.pause ? [`${keysOf('consumers', 'pause')} ${actions.pause.enabled ? 'pauses' : 'resumes'} it`] : []),
		...(consumer && !actions.positions ? [`${keysOf('consumers', 'open')} its lag and fields`] : []),
		...(rows[chosen] ? [rows[chosen].reason] : []),
	];
	const kinds = kindsInOrder.map((kind) => kind.title).join(', ');
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text bold color={theme.accent}>
					Who is behind
				</Text>{' '}
				on {stream}
				<Text color={theme.muted}>
					{state.status === 'ready'
						? ` · worst first · status over ${formatDuration(state.value.windowMs)} (${state.value.readings} reading${state.value.readings === 1 ? '' : 's'}, every ${formatDuration(state.value.periodMs)}) or CloudWatch's 5 min`
						: ` · ${kinds}`}
				</Text>
			</Text>
			<StateView
				state={state}
				what={`the consumers (${kinds})`}
				isEmpty={(value) => value.rows.length === 0 && value.problems.length === 0}
				empty={<Text color={theme.muted}>No consumer of any kind ({kinds}) reads this stream.</Text>}
			>
				{(value) => (
					<Box flexDirection="column">
						<SelectableList
							items={value.rows}
							selected={chosen}
							height={Math.max(1, height - 6 - value.problems.length)}
							header={
								<Text color={theme.muted} bold wrap="truncate">
									{'  '}
									{'STATUS'.padEnd(8)}
									{'KIND'.padEnd(9)}
									{'NAME'.padEnd(23)}
									{'LAG'.padStart(6)}
									{'  '}
									{'EXPIRES'.padStart(7)}
									{'  '}
									{'DETAIL'}
								</Text>
							}
							renderRow={(row) => <BehindLine row={row} theme={theme} />}
						/>
						{consumer ? (
							<Text color={theme.muted} wrap="truncate">
								{sanitizeForTerminal(consumer.name, {keepNewlines: false})}: {offers.join(' · ')}
							</Text>
						) : null}
						<Text color={theme.muted} wrap="truncate">
							EXPIRES: until its oldest unread record passes the stream&apos;s retention
							{value.retentionHours === undefined ? '' : ` (${value.retentionHours} h)`}
						</Text>
						{state.status === 'ready' && state.refreshError ? (
							<Text color={theme.warning}>refresh failed: {state.refreshError}</Text>
						) : null}
						{value.problems.map((problem, index) => (
							<Text key={index} color={theme.warning} wrap="wrap">
								! {problem.part}: {problem.message}
							</Text>
						))}
					</Box>
				)}
			</StateView>
		</Box>
	);
}

/** The pause screen's route for a pausable consumer: pause when it runs, resume when it does not. */
/** A status's colour: what needs a look stands out. */
export const statusColor = (status: ConsumerStatus, theme: Theme): string | undefined =>
	status === 'OK' ? theme.success : status === 'WARNING' ? theme.warning : theme.danger;

function BehindLine({row, theme}: {readonly row: BehindRow; readonly theme: Theme}) {
	const kind = kindOf(row.consumer);
	const text = kind.row(row.consumer);
	return (
		<Text wrap="truncate">
			<Text color={statusColor(row.status, theme)}>{row.status.padEnd(8)}</Text>
			<Text color={theme.muted}>{kind.label.padEnd(9)}</Text>
			<Text bold>{cutMiddle(sanitizeForTerminal(row.consumer.name, {keepNewlines: false}), 22).padEnd(23)}</Text>
			{formatDuration(row.lagMs).padStart(6)}
			{'  '}
			{formatDuration(row.expiresInMs).padStart(7)}
			{'  '}
			<Text color={text.warn ? theme.warning : undefined}>{text.text}</Text>
		</Text>
	);
}

export const shortCheckpoint = (text: string | undefined): string =>
	text === undefined ? '-' : text.length > 18 ? `…${text.slice(-15)}` : text;

function lagText(shard: ShardCheckpoint): string {
	switch (shard.lag.state) {
		case 'behind':
			return formatDuration(shard.lag.ageMs);
		case 'caught-up':
			return shard.lag.endReached ? 'at end' : '0';
		case 'shard-end':
			return 'at SHARD_END';
		case 'unknown':
			return '?';
	}
}

const FLAG_WORDS = {
	'no-lease': 'no lease',
	'not-held': 'no live worker',
	'waiting-for-parent': 'waiting for parent',
	'shard-gone': 'shard gone',
	handoff: 'handing off',
} as const;

export function CheckpointsView(props: {readonly stream: string; readonly application: string; readonly height: number}) {
	const services = useServices();
	return services.consumers ? <CheckpointsPanel {...props} services={services} consumers={services.consumers} /> : <Unavailable />;
}

function CheckpointsPanel({
	stream,
	application,
	height,
	services,
	consumers,
}: {
	readonly stream: string;
	readonly application: string;
	readonly height: number;
	readonly services: ConsoleServices;
	readonly consumers: ConsumerServices;
}) {
	const theme = useTheme();
	const navigator = useNavigator();
	const {columns} = useTerminalSize();
	const store = useMemo(() => consumers.checkpoints(stream, application), [consumers, stream, application]);
	const state = useStore(store);
	const [selected, setSelected] = useState(0);
	const [marked, setMarked] = useState<ReadonlySet<string>>(new Set());
	useRunWhileVisible(store);
	const shards = state.status === 'ready' ? state.value.report.shards : [];
	const chosen = Math.min(selected, Math.max(0, shards.length - 1));
	const chosenShard = shards[chosen];
	const chartLines = height >= 18 ? Math.min(8, height - 13 - Math.min(shards.length, 8)) : 0;
	const kcl = state.status === 'ready' ? kclLine(state.value.report) : undefined;
	const otherStream = state.status === 'ready' ? state.value.report.otherStream : undefined;
	const tableRows = Math.max(
		1,
		height - 6 - (kcl === undefined ? 0 : 1) - (otherStream === undefined ? 0 : 1) - (chartLines > 0 ? chartLines + 1 : 0),
	);
	const {shardWidth, ownerWidth} = checkpointColumns(columns);
	useViewCommands('checkpoints', (command) => {
		switch (command) {
			case 'mark':
				if (!chosenShard) return;
				setMarked((current) => {
					const next = new Set(current);
					if (next.has(chosenShard.shardId)) next.delete(chosenShard.shardId);
					else next.add(chosenShard.shardId);
					return next;
				});
				return;
			case 'resetCheckpoints':
				if (services.readOnly || !consumers.reset) return;
				return navigator.push({kind: 'reset', stream, application, ...(marked.size > 0 ? {shards: [...marked].sort()} : {})});
			case 'refresh':
				return void store.refresh();
			case 'back':
				return false;
			default:
				setSelected((current) => moveSelection(command, Math.min(current, shards.length - 1), shards.length, tableRows));
		}
	});
	const series =
		chosenShard && state.status === 'ready' ? (state.value.series[chosenShard.shardId] ?? []).map((point) => point.lagMs ?? 0) : [];
	return (
		<Box flexDirection="column">
			<StateView state={state} what={`the checkpoints of ${application}`}>
				{(view) => {
					const {report} = view;
					const unheld = report.shards.filter((shard) => shard.flags.includes('not-held') || shard.flags.includes('no-lease'));
					return (
						<Box flexDirection="column">
							<Text wrap="truncate">
								<Text bold color={theme.accent}>
									{application}
								</Text>{' '}
								on {stream}
								<Text color={theme.muted}>
									{' · '}
									{report.summary.leases} leases ·{' '}
									{report.workers
										.map(
											(worker) =>
												`${worker.owner} (${worker.throughputKBps === undefined && worker.cpuPercent === undefined ? worker.leases : workerLoadText(worker)}${worker.live ? ', live' : ''})`,
										)
										.join(', ') || 'no workers'}
									{report.summary.maxLagMs !== undefined
										? ` · max lag ${formatDuration(report.summary.maxLagMs)} on ${report.summary.maxLagShardId ?? '?'}`
										: ''}
								</Text>
							</Text>
							{otherStream === undefined ? null : (
								<Text color={theme.warning} wrap="truncate">
									{`! These checkpoints do not look like those of ${sanitizeForTerminal(stream, {keepNewlines: false})}: ${sanitizeForTerminal(otherStream, {keepNewlines: false})}`}
								</Text>
							)}
							{kcl === undefined ? null : (
								<Text color={theme.muted} wrap="truncate">
									{sanitizeForTerminal(kcl, {keepNewlines: false})}
								</Text>
							)}
							<SelectableList
								items={report.shards}
								selected={chosen}
								height={tableRows}
								header={
									<Text color={theme.muted} bold wrap="truncate">
										{'    '}
										{'SHARD'.padEnd(shardWidth)}
										{'OWNER'.padEnd(ownerWidth + 1)}
										{'COUNTER'.padStart(8)}
										{'  '}
										{'CHECKPOINT'.padEnd(18)}
										{'LAG'.padStart(13)}
										{'  '}FLAGS
									</Text>
								}
								renderRow={(shard) => (
									<CheckpointRow
										shard={shard}
										marked={marked.has(shard.shardId)}
										shardWidth={shardWidth}
										ownerWidth={ownerWidth}
										theme={theme}
									/>
								)}
							/>
							<Text color={theme.muted} wrap="truncate">
								FLAGS: unknown until a second read · live: the lease counter moved since (its worker renews it every few seconds) · no live
								worker: not renewed for {Math.round(HOLDER_STALE_MS / 1000)} s, or no owner
							</Text>
							{unheld.length > 0 ? (
								<Text color={theme.warning} wrap="truncate">
									⚠ no worker holds {unheld.map((shard) => shortShardId(shard.shardId)).join(', ')}: their records wait until a worker takes
									their lease
								</Text>
							) : (
								<Text color={theme.muted}>every shard with records is held by a worker</Text>
							)}
							{state.status === 'ready' && state.refreshError ? (
								<Text color={theme.warning}>refresh failed: {state.refreshError}</Text>
							) : null}
							{chartLines > 0 && chosenShard ? (
								<Box flexDirection="column">
									<Text color={theme.muted} wrap="truncate">
										lag of {chosenShard.shardId} since this view opened ({series.length} reads)
									</Text>
									<Chart
										series={series}
										width={Math.min(columns, 100)}
										height={chartLines}
										format={(value) => formatDuration(value)}
										fold="max"
									/>
								</Box>
							) : null}
						</Box>
					);
				}}
			</StateView>
		</Box>
	);
}

/** The application's KCL 3.x state in a line (version, leader, migration), or why it could not be read; nothing for a plain 2.x table. */
function kclLine(report: CheckpointsReport): string | undefined {
	if (report.kclProblem !== undefined) return `KCL 3.x state unreadable: ${report.kclProblem}`;
	if (report.kcl === undefined || (report.kcl.version === '2.x' && report.kcl.migration === undefined)) return undefined;
	return coordinationSummary(report.kcl);
}

/** The widths of every column but SHARD and OWNER: the list's selection and the row's mark, counter, checkpoint, lag and flags, and gaps. */
const FIXED_COLUMNS = 2 + 2 + 8 + 2 + 18 + 13 + 2 + 'waiting for parent'.length;
/** A shard's whole id and the space after it. */
const SHARD_ID_WIDTH = 22;

/**
 * The SHARD and OWNER columns for a terminal's width. LAG and FLAGS, what the view is opened for, always
 * fit: on a narrow terminal a shard is shown by its number and the owner cut shorter. Owners are long (an
 * application name, a host, a worker number) and told apart by their ends: the column grows on wide terminals.
 */
export function checkpointColumns(columns: number): {readonly shardWidth: number; readonly ownerWidth: number} {
	const room = columns - FIXED_COLUMNS;
	const shardWidth = room - SHARD_ID_WIDTH - 1 >= 12 ? SHARD_ID_WIDTH : 'SHARD '.length;
	return {shardWidth, ownerWidth: Math.max(6, Math.min(40, room - shardWidth - 1))};
}

function CheckpointRow({
	shard,
	marked,
	shardWidth,
	ownerWidth,
	theme,
}: {
	readonly shard: ShardCheckpoint;
	readonly marked: boolean;
	readonly shardWidth: number;
	readonly ownerWidth: number;
	readonly theme: Theme;
}) {
	const flags = shard.flags.map((flag) => FLAG_WORDS[flag]);
	return (
		<Text wrap="truncate">
			<Text color={theme.accent}>{marked ? '✓ ' : '  '}</Text>
			{(shardWidth >= SHARD_ID_WIDTH ? shard.shardId : shortShardId(shard.shardId)).padEnd(shardWidth)}
			{cutMiddle(sanitizeForTerminal(shard.leaseOwner ?? '-', {keepNewlines: false}), ownerWidth).padEnd(ownerWidth + 1)}
			{(shard.leaseCounter === undefined ? '-' : String(shard.leaseCounter)).padStart(8)}
			{'  '}
			{shortCheckpoint(shard.checkpoint).padEnd(18)}
			<Text color={shard.lag.state === 'behind' && shard.lag.ageMs > 60_000 ? theme.warning : undefined}>
				{lagText(shard).padStart(13)}
			</Text>
			{'  '}
			<Text color={flags.length > 0 ? theme.warning : theme.muted}>
				{flags.join(', ') || (shard.holder === 'live' ? 'live' : shard.holder)}
			</Text>
		</Text>
	);
}
