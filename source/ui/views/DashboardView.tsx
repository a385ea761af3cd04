import {Box} from 'ink';
import {keysOf} from '../keymap.js';
import {Text} from '../components/Text.js';
import {useEffect, useMemo, useState} from 'react';
import type {DashboardSnapshot, DashboardStore, HotShard} from '../../console/dashboardStore.js';
import {SHARD_SORTS, SortMemory, rowFigures, shardTable, type RowFigures, type ShardSort} from '../../console/shardTable.js';
import type {ShardMeter} from '../../console/meters.js';
import {total} from '../../console/metrics.js';
import {sanitizeForTerminal, sanitizeLine} from '../../console/records/index.js';
import type {ShardView} from '../../console/streams.js';
import {Charts, METRIC_LABELS} from './dashboardCharts.js';
import {HashRangeBar} from '../components/HashRangeBar.js';
import {SelectableList, moveSelection, windowStart} from '../components/SelectableList.js';
import {StateView} from '../components/StateView.js';
import {FilterLine} from '../components/FilterLine.js';
import {
	cutMiddle,
	formatBytes,
	formatCompact,
	formatCount,
	formatDuration,
	formatShare,
	plural,
	shortShardId,
} from '../../console/format.js';
import {useRunWhileVisible, useStore} from '../hooks/useStore.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {useNavigator, useViewCommands} from '../navigation.js';
import {mergeRoute, splitRoute} from '../operations.js';
import {useServices} from '../services.js';
import {useTheme, type Theme} from '../theme.js';

/** The shard list's first row stands for the whole stream; the others are shards. */
type Row = {readonly kind: 'stream'} | {readonly kind: 'shard'; readonly shard: ShardView};

const SORT_LABELS: Record<ShardSort, string> = {shard: 'id', rate: 'rate', lag: 'lag', throttling: 'throttling'};
/**
 * Lines the dashboard always takes besides the shard rows and the charts: title, table header, where the
 * figures come from, hot shard, throttling, chart titles, live note.
 */
const FIXED_LINES = 7;
const MAX_CHART_LINES = 12;
const MIN_CHART_LINES = 5;
const STREAM_ROW: Row = {kind: 'stream'};

/**
 * One stream at a glance: the shard map with each shard's hash range and figures (CloudWatch's
 * shard-level metrics, or live while `l` reads the shards in view), sorted (`o`) and filtered (`/`),
 * closed shards behind `x`; CloudWatch history over a chosen window, the busiest shards, throttling, and
 * the hottest shard with its top partition keys. Only the rows in view are rendered, and the table's order
 * is computed when its data changes, not per frame. Enter tails the selected shard, `t` the stream; `w`
 * and `m` change the window and the charted metric. The background work runs only while the view is on top.
 * One component still: past its state and memos, its body is the one command switch and the one tree, both reading
 * the same selection, sort and filter; the height split and the shards in view are named helpers below.
 */
export function DashboardView({stream, height, width}: {readonly stream: string; readonly height: number; readonly width?: number}) {
	const services = useServices();
	const navigator = useNavigator();
	const theme = useTheme();
	const {columns} = useTerminalSize();
	const cols = Math.max(40, width ?? columns);
	const store = useMemo(() => services.dashboard(stream), [services, stream]);
	const snapshot = useStore(store);
	// The selected row by its shard, so that it stays on that shard when the order changes.
	const [selection, setSelection] = useState<Selection>({index: 0, shardId: undefined});
	const [filter, setFilter] = useState('');
	const [editingFilter, setEditingFilter] = useState(false);
	const [sort, setSort] = useState<ShardSort>('shard');
	const [showClosed, setShowClosed] = useState(false);

	useRunWhileVisible(store);

	const {meters, figures: figureState} = snapshot;
	const shards = snapshot.shards.status === 'ready' ? snapshot.shards.value : NO_SHARDS;
	const figures = figureState.status === 'ready' ? figureState.value.shards : undefined;
	const metersById = useMemo(() => new Map(meters.map((meter) => [meter.shardId, meter])), [meters]);
	// Live meters change every second but only reorder a table sorted by a figure they give, by each shard's last.
	const memory = useMemo(() => (sort === 'shard' ? undefined : new SortMemory()), [sort]);
	const orderMeters = useMemo(() => memory?.merge(metersById) ?? NO_METERS, [memory, metersById]);
	const shown = useMemo(
		() => shardTable({shards, figures, meters: orderMeters, sort, filter, showClosed}),
		[shards, figures, orderMeters, sort, filter, showClosed],
	);
	const rows = useMemo((): Row[] => [STREAM_ROW, ...shown.map((shard): Row => ({kind: 'shard', shard}))], [shown]);
	const chosen = selectedIndex(selection, rows);
	const select = (index: number) => setSelection(selectionAt(rows, index));
	const chosenRow = rows[chosen];
	const chosenShard = chosenRow?.kind === 'shard' ? chosenRow.shard : undefined;

	const layout = tableLayout(cols);
	const {chartLines, tableRows} = splitHeight(height, rows.length, {
		filterLine: editingFilter || filter !== '',
		readLegend: layout.read,
		refreshFailed: snapshot.shards.status === 'ready' && Boolean(snapshot.shards.refreshError),
	});
	useShardsInView(store, rows, chosen, tableRows);

	useViewCommands('dashboard', (command) => {
		switch (command) {
			case 'tailStream':
				return navigator.push({kind: 'tail', stream});
			case 'tailShard':
				return navigator.push(chosenShard ? {kind: 'tail', stream, shardId: chosenShard.shardId} : {kind: 'tail', stream});
			case 'window':
				return store.cycleWindow();
			case 'metric':
				return store.cycleMetric();
			case 'live':
				return store.toggleLive();
			case 'sort':
				// The selection stays on its shard, wherever the new order puts it.
				return setSort((current) => SHARD_SORTS[(SHARD_SORTS.indexOf(current) + 1) % SHARD_SORTS.length] ?? 'shard');
			case 'closed':
				select(0);
				return setShowClosed((current) => !current);
			case 'refresh':
				return store.refresh();
			case 'split':
				if (!chosenShard)
					return services.notices.say(
						'warning',
						`Select the shard to split first (${keysOf('list', 'down')}), then press ${keysOf('dashboard', 'split')}.`,
					);
				return navigator.push(splitRoute(stream, chosenShard.shardId, store));
			case 'merge':
				return navigator.push(mergeRoute(stream, chosenShard?.shardId, snapshot));
			case 'scale':
				return navigator.push({kind: 'scale', stream});
			case 'retention':
				return navigator.push({kind: 'retention', stream});
			case 'consumers':
				return navigator.push({kind: 'consumers', stream});
			case 'filter':
				return setEditingFilter(true);
			case 'back':
				if (!filter) return false;
				setFilter('');
				return;
			default:
				// From the latest selection: keys can arrive faster than renders.
				setSelection((current) => selectionAt(rows, moveSelection(command, selectedIndex(current, rows), rows.length, tableRows)));
		}
	});

	return (
		<Box flexDirection="column">
			<Title snapshot={snapshot} sort={sort} theme={theme} />
			<StateView
				state={snapshot.shards}
				what="shards"
				isEmpty={(value) => value.length === 0}
				empty={<Text color={theme.muted}>This stream has no shards yet.</Text>}
			>
				{() => (
					<SelectableList
						items={rows}
						selected={chosen}
						height={tableRows}
						header={
							<Text color={theme.muted} bold wrap="truncate">
								{'  ' + headerCells(layout, sort).join('  ')}
							</Text>
						}
						renderRow={(row) => (
							<ShardRow
								row={row}
								snapshot={snapshot}
								figures={row.kind === 'shard' ? rowFigures(metersById.get(row.shard.shardId), figures?.get(row.shard.shardId)) : undefined}
								meter={row.kind === 'shard' ? metersById.get(row.shard.shardId) : undefined}
								layout={layout}
								theme={theme}
							/>
						)}
					/>
				)}
			</StateView>
			{snapshot.shards.status === 'ready' && snapshot.shards.refreshError ? (
				<Text color={theme.warning} wrap="truncate">
					Shard refresh failed: {sanitizeLine(snapshot.shards.refreshError)}
				</Text>
			) : null}
			<FiguresLine snapshot={snapshot} showClosed={showClosed} theme={theme} />
			<HotLine hottest={snapshot.hottest} theme={theme} windowLabel={snapshot.window.label} live={snapshot.live.status !== 'off'} />
			<ThrottlingLine snapshot={snapshot} theme={theme} />
			{chartLines > 0 ? (
				<Charts store={store} snapshot={snapshot} shardId={chosenShard?.shardId} width={cols} height={chartLines} theme={theme} />
			) : null}
			<LiveNote snapshot={snapshot} theme={theme} />
			{layout.read ? (
				<Text color={theme.muted} wrap="truncate">
					READ: the share of each shard&apos;s read limit (5 calls/s, 2 MiB/s) this console&apos;s live reader takes
				</Text>
			) : null}
			<FilterLine
				editing={editingFilter}
				filter={filter}
				onChange={(value) => {
					setFilter(value);
					select(0);
				}}
				onDone={() => setEditingFilter(false)}
				matches={{shown: shown.length, total: showClosed ? shards.length : snapshot.counts.open, noun: 'shard'}}
			/>
		</Box>
	);
}

/** Height: the fixed lines, then the charts (5 to 12 lines), and the shard rows in what is left. */
function splitHeight(
	height: number,
	rowCount: number,
	extra: {readonly filterLine: boolean; readonly readLegend: boolean; readonly refreshFailed: boolean},
): {chartLines: number; tableRows: number} {
	// The READ column's legend takes a line where the column is shown, and a failed refresh of the shards one while it lasts.
	const extraLines = (extra.filterLine ? 1 : 0) + (extra.readLegend ? 1 : 0) + (extra.refreshFailed ? 1 : 0);
	const available = Math.max(1, height - FIXED_LINES - extraLines);
	const chartLines = available >= MIN_CHART_LINES + 3 ? Math.min(MAX_CHART_LINES, Math.max(MIN_CHART_LINES, available - rowCount)) : 0;
	let tableRows = Math.max(1, available - chartLines);
	if (rowCount > tableRows) tableRows = Math.max(1, tableRows - 1);
	return {chartLines, tableRows};
}

/** The store learns which shards are in view: the live reader reads those. */
function useShardsInView(store: DashboardStore, rows: readonly Row[], chosen: number, tableRows: number): void {
	const start = windowStart(chosen, tableRows, rows.length);
	// A string key, so the effect runs when the shards in view change, not on every new rows array.
	const inViewKey = rows
		.slice(start, start + tableRows)
		.flatMap((row) => (row.kind === 'shard' ? [row.shard.shardId] : []))
		.join('\n');
	useEffect(() => store.show(inViewKey === '' ? [] : inViewKey.split('\n')), [store, inViewKey]);
}

interface Selection {
	readonly index: number;
	readonly shardId: string | undefined;
}

const selectionAt = (rows: readonly Row[], index: number): Selection => {
	const row = rows[index];
	return {index, shardId: row?.kind === 'shard' ? row.shard.shardId : undefined};
};

/** Where the selected shard is now; where the selection was if its shard is no longer listed (filtered out, gone). */
function selectedIndex(selection: Selection, rows: readonly Row[]): number {
	if (selection.shardId !== undefined) {
		const index = rows.findIndex((row) => row.kind === 'shard' && row.shard.shardId === selection.shardId);
		if (index >= 0) return index;
	}
	return Math.max(0, Math.min(selection.index, rows.length - 1));
}

const NO_SHARDS: readonly ShardView[] = [];
const NO_METERS: ReadonlyMap<string, ShardMeter> = new Map();

function Title({snapshot, sort, theme}: {readonly snapshot: DashboardSnapshot; readonly sort: ShardSort; readonly theme: Theme}) {
	const {info, counts} = snapshot;
	const loaded = snapshot.shards.status === 'ready';
	const facts = [
		info?.status === undefined ? undefined : clean(info.status),
		info ? (info.mode === 'ON_DEMAND' ? 'on-demand' : 'provisioned') : undefined,
		loaded ? `${formatCount(counts.open)} open${counts.closed > 0 ? ` / ${formatCount(counts.closed)} closed` : ''}` : undefined,
		info?.retentionHours === undefined ? undefined : `retention ${info.retentionHours}h`,
		info?.consumers ? plural(info.consumers, 'consumer') : undefined,
	].filter(Boolean);
	return (
		<Text wrap="truncate">
			<Text bold color={theme.accent}>
				{sanitizeForTerminal(snapshot.stream, {keepNewlines: false})}
			</Text>
			<Text color={info?.status && info.status !== 'ACTIVE' ? theme.warning : theme.muted}>
				{facts.length > 0 ? `  ${facts.join(' · ')}` : ''}
			</Text>
			<Text color={theme.muted}>
				{'  '}window <Text bold>{snapshot.window.label}</Text> · <Text bold>{METRIC_LABELS[snapshot.metric]}</Text> (w/m) · sort{' '}
				<Text bold>{SORT_LABELS[sort]}</Text> ({keysOf('dashboard', 'sort')})
			</Text>
		</Text>
	);
}

interface TableLayout {
	readonly bar: number;
	/** PARENTS' width, 0 when it is not shown. */
	readonly parents: number;
	readonly read: boolean;
}

const W = {shard: 20, state: 6, rate: 7, bytes: 10, lag: 6, throttled: 6, read: 5};
/**
 * PARENTS: a merge's two parents ("2003+2004") where the bar can spare it, up to 5 digits each
 * ("10000+10001"); a value wider than the column is cut, never pushing the columns after it.
 */
const PARENTS = {narrow: 8, wide: 11};

function tableLayout(cols: number): TableLayout {
	const wide = cols >= 100;
	const without = 2 + W.shard + 2 + W.state + 2 + 2 + W.rate + 2 + W.bytes + 2 + W.lag + 6 + (wide ? 2 + W.throttled + 2 + W.read + 2 : 0);
	const parents = !wide ? 0 : cols - without - PARENTS.wide >= 8 ? PARENTS.wide : PARENTS.narrow;
	return {bar: Math.max(8, Math.min(32, cols - without - parents)), parents, read: wide};
}

/** The header, the column the table is sorted by marked ↓: the title that says so is cut at 80 columns. */
function headerCells(layout: TableLayout, sort: ShardSort): string[] {
	const by = (label: string, column: ShardSort) => (sort === column ? `${label}↓` : label);
	// Sorted by throttling where THR/M is not shown (below 100 columns): said beside SHARD.
	return [
		(sort === 'throttling' && !layout.read ? 'SHARD  by THR/M↓' : 'SHARD').padEnd(W.shard),
		'STATE'.padEnd(W.state),
		...(layout.parents > 0 ? ['PARENTS'.padEnd(layout.parents)] : []),
		'HASH RANGE'.padEnd(layout.bar),
		by('REC/S', 'rate').padStart(W.rate),
		'BYTES/S'.padStart(W.bytes),
		by('LAG', 'lag').padStart(W.lag),
		...(layout.read ? [by('THR/M', 'throttling').padStart(W.throttled), 'READ'.padStart(W.read)] : []),
	];
}

/** The stream's row: CloudWatch's figures summed over the shards, or else the stream-level ones of the history. */
function streamFigures(snapshot: DashboardSnapshot): {records?: number; bytes?: number; lagMs?: number; throttled?: number} {
	const {figures, history} = snapshot;
	if (figures.status === 'ready') {
		const {totals} = figures.value;
		return {
			...(totals.recordsPerSecond === undefined ? {} : {records: totals.recordsPerSecond}),
			...(totals.bytesPerSecond === undefined ? {} : {bytes: totals.bytesPerSecond}),
			...(totals.iteratorAgeMs === undefined ? {} : {lagMs: totals.iteratorAgeMs}),
			...(totals.throttledPerMinute === undefined ? {} : {throttled: totals.throttledPerMinute}),
		};
	}
	if (history.status !== 'ready') return {};
	const last = (points: {readonly values: readonly number[]}) => points.values.at(-1);
	const records = last(history.value.recordsPerSecond);
	const bytes = last(history.value.bytesPerSecond);
	const lagMs = last(history.value.iteratorAgeMs);
	return {...(records === undefined ? {} : {records}), ...(bytes === undefined ? {} : {bytes}), ...(lagMs === undefined ? {} : {lagMs})};
}

function ShardRow({
	row,
	snapshot,
	figures,
	meter,
	layout,
	theme,
}: {
	readonly row: Row;
	readonly snapshot: DashboardSnapshot;
	readonly figures: RowFigures | undefined;
	readonly meter: ShardMeter | undefined;
	readonly layout: TableLayout;
	readonly theme: Theme;
}) {
	const gap = '  ';
	const cell = (value: number | undefined, format: (value: number) => string) => (value === undefined ? '-' : format(value));
	if (row.kind === 'stream') {
		const stream = streamFigures(snapshot);
		return (
			<Text wrap="truncate" bold>
				{'all shards'.padEnd(W.shard)}
				{gap}
				{''.padEnd(W.state)}
				{layout.parents > 0 ? gap + ''.padEnd(layout.parents) : ''}
				{gap}
				{''.padEnd(layout.bar)}
				{gap}
				{cell(stream.records, formatCompact).padStart(W.rate)}
				{gap}
				{cell(stream.bytes, formatBytes).padStart(W.bytes)}
				{gap}
				{cell(stream.lagMs, formatDuration).padStart(W.lag)}
				{layout.read ? gap + cell(stream.throttled, formatCompact).padStart(W.throttled) : ''}
			</Text>
		);
	}
	const {shard} = row;
	const hot = snapshot.hottest?.shardId === shard.shardId;
	const shown = shard.open ? figures : undefined;
	const read = meter ? Math.max(meter.readBudget.calls, meter.readBudget.bytes) : undefined;
	return (
		<Text wrap="truncate">
			<Text color={shard.open ? undefined : theme.muted}>{clean(shard.shardId).padEnd(W.shard)}</Text>
			{gap}
			<Text color={shard.open ? theme.success : theme.muted}>{(shard.open ? 'open' : 'closed').padEnd(W.state)}</Text>
			{layout.parents > 0
				? gap + cutMiddle(clean(shard.parents.map(shortShardId).join('+')) || '-', layout.parents).padEnd(layout.parents)
				: ''}
			{gap}
			<HashRangeBar
				startingHashKey={shard.startingHashKey}
				endingHashKey={shard.endingHashKey}
				width={layout.bar}
				open={shard.open}
				hot={hot}
			/>
			{gap}
			{cell(shown?.recordsPerSecond, formatCompact).padStart(W.rate)}
			{gap}
			{cell(shown?.bytesPerSecond, formatBytes).padStart(W.bytes)}
			{gap}
			{cell(shown?.lagMs, formatDuration).padStart(W.lag)}
			{layout.read ? gap + cell(shown?.throttledPerMinute, formatCompact).padStart(W.throttled) : ''}
			{layout.read ? gap + (read === undefined || !shard.open ? '-' : formatShare(read)).padStart(W.read) : ''}
			{hot ? (
				<Text color={theme.warning} bold>
					{' '}
					◆ hot
				</Text>
			) : null}
		</Text>
	);
}

/** Where the table's figures come from, and the closed shards hidden or shown. */
function FiguresLine({
	snapshot,
	showClosed,
	theme,
}: {
	readonly snapshot: DashboardSnapshot;
	readonly showClosed: boolean;
	readonly theme: Theme;
}) {
	const {figures, counts} = snapshot;
	const closed =
		counts.closed === 0
			? ''
			: showClosed
				? `${plural(counts.closed, 'closed shard')} shown (${keysOf('dashboard', 'closed')} hides them) · `
				: `${plural(counts.closed, 'closed shard')} hidden (${keysOf('dashboard', 'closed')} shows them) · `;
	let text: string;
	let warn = false;
	switch (figures.status) {
		case 'off':
			warn = true;
			text = 'enhanced monitoring off: no per-shard CloudWatch figures';
			break;
		case 'loading':
			text = 'per-shard figures: loading CloudWatch shard-level metrics…';
			break;
		case 'failed':
			warn = true;
			text = `per-shard figures unavailable: ${sanitizeLine(figures.error)}`;
			break;
		default:
			text =
				`per-shard figures: CloudWatch shard-level metrics, last ${formatDuration(figures.value.windowMs)}` +
				(figures.refreshError ? ` (refresh failed: ${sanitizeLine(figures.refreshError)})` : '');
	}
	return (
		<Text wrap="truncate">
			<Text color={theme.muted}>{closed}</Text>
			<Text color={warn ? theme.warning : theme.muted}>{text}</Text>
		</Text>
	);
}

function HotLine({
	hottest,
	theme,
	windowLabel,
	live,
}: {
	readonly hottest: HotShard | undefined;
	readonly theme: Theme;
	readonly windowLabel: string;
	readonly live: boolean;
}) {
	if (!hottest) {
		return (
			<Text color={theme.muted} wrap="truncate">
				hottest shard: none yet{' '}
				{live
					? '(no records read since reading began)'
					: `(no shard-level CloudWatch figures; ${keysOf('dashboard', 'live')} reads the shards in view live)`}
			</Text>
		);
	}
	const keys = hottest.topKeys.map(
		(key) => `${sanitizeForTerminal(key.key, {keepNewlines: false}).slice(0, 24)} ${formatShare(key.share)}`,
	);
	return (
		<Text wrap="truncate">
			<Text color={theme.warning} bold>
				◆ hottest {clean(hottest.shardId)}
			</Text>
			<Text>
				{' '}
				{formatCompact(hottest.recordsPerSecond)} rec/s
				{hottest.source === 'cloudwatch' ? ` (CloudWatch, ${hottest.over ?? windowLabel})` : ' (live)'}
			</Text>
			<Text color={theme.muted}>
				{keys.length > 0 ? ` · top keys: ${keys.join(', ')}` : ` · ${keysOf('dashboard', 'live')} reads it live for its top keys`}
			</Text>
		</Text>
	);
}

function ThrottlingLine({snapshot, theme}: {readonly snapshot: DashboardSnapshot; readonly theme: Theme}) {
	const live = snapshot.totals.throttledPerMinute;
	const history = snapshot.history.status === 'ready' ? snapshot.history.value : undefined;
	const writes = history ? total(history.writeThrottled) : undefined;
	const reads = history ? total(history.readThrottled) : undefined;
	const any = live > 0 || (writes ?? 0) > 0 || (reads ?? 0) > 0;
	const cloudWatch = history
		? ` · CloudWatch ${history.windowLabel}: writes ${formatCompact(writes ?? 0)}, reads ${formatCompact(reads ?? 0)}`
		: snapshot.history.status === 'failed'
			? ` · CloudWatch history unavailable: ${sanitizeLine(snapshot.history.error)}`
			: ' · CloudWatch: -';
	return (
		<Text wrap="truncate" color={any ? theme.warning : theme.muted}>
			throttling: live reads {formatCompact(live)}/min
			{cloudWatch}
		</Text>
	);
}

function LiveNote({snapshot, theme}: {readonly snapshot: DashboardSnapshot; readonly theme: Theme}) {
	const {live} = snapshot;
	const read = live.shards.length;
	// Measured calls (the meters count each GetRecords answer), not the pace asked for.
	const perShard = read > 0 ? live.callsPerSecond / read : 0;
	const spend = `${formatCompact(live.callsPerSecond)} GetRecords/s measured, ${formatCompact(perShard)}/s a shard (${formatShare(perShard / 5)} of its 5/s)`;
	const text =
		live.status === 'off'
			? `live: off · ${keysOf('dashboard', 'live')} reads the open shards in view (${formatCompact(live.pace)} GetRecords/s each, ${formatShare(live.pace / 5)} of their budget)`
			: live.status === 'failed'
				? `live figures unavailable: ${sanitizeLine(live.error ?? 'the reader stopped')}`
				: live.status === 'running'
					? `live: ${plural(read, 'shard')} at LATEST · ${spend} · ${keysOf('dashboard', 'live')} stops`
					: `live: starting a reader of ${plural(read, 'shard')} at LATEST…`;
	return (
		<Text color={live.status === 'failed' ? theme.danger : theme.muted} wrap="truncate">
			{text}
			{live.note ? <Text color={theme.warning}> · {sanitizeLine(live.note)}</Text> : null}
		</Text>
	);
}

/** A name or id from the endpoint, on one line, unable to drive the terminal. */
const clean = (text: string): string => sanitizeForTerminal(text, {keepNewlines: false, keepTabs: false});
