import {Box} from 'ink';
import {keysOf} from '../keymap.js';
import {Text} from '../components/Text.js';
import {useMemo, useState} from 'react';
import type {ChartMetric, DashboardSnapshot, DashboardStore, HotShard} from '../../console/dashboardStore.js';
import type {ShardMeter} from '../../console/meters.js';
import {historySeries} from '../../console/historySeries.js';
import {describePeriod, total} from '../../console/metrics.js';
import {sanitizeForTerminal, sanitizeLine} from '../../console/records/index.js';
import type {ShardView} from '../../console/streams.js';
import {Chart, chartCapacity} from '../components/Chart.js';
import {HashRangeBar} from '../components/HashRangeBar.js';
import {SelectableList, moveSelection} from '../components/SelectableList.js';
import {StateView} from '../components/StateView.js';
import {FilterLine} from '../components/FilterLine.js';
import {formatBytes, formatCompact, formatDuration, formatShare, shortShardId} from '../../console/format.js';
import {useRunWhileVisible, useStore} from '../hooks/useStore.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {useNavigator, useViewCommands} from '../navigation.js';
import {mergeRoute, splitRoute} from '../operations.js';
import {useServices} from '../services.js';
import {useTheme, type Theme} from '../theme.js';

/** The shard list's first row stands for the whole stream; the others are shards. */
type Row = {readonly kind: 'stream'} | {readonly kind: 'shard'; readonly shard: ShardView};

const METRIC_LABELS: Record<ChartMetric, string> = {records: 'records/s', bytes: 'bytes/s', lag: 'lag'};
const FORMATS: Record<ChartMetric, (value: number) => string> = {
	records: formatCompact,
	bytes: formatBytes,
	lag: (value) => formatDuration(value),
};
/** Lines the dashboard always takes besides the shard rows and the charts: title, table header, hot shard, throttling, chart titles, live note. */
const FIXED_LINES = 6;
const MAX_CHART_LINES = 12;
const MIN_CHART_LINES = 5;

/**
 * One stream at a glance: the shard map with each shard's hash range, live figures from a gentle
 * background reader, CloudWatch history over a chosen window, throttling, and the hottest shard with
 * its top partition keys. Enter tails the selected shard, `t` the stream; `w` and `m` change the
 * window and the charted metric. The background work runs only while the view is on top.
 */
export function DashboardView({stream, height, width}: {readonly stream: string; readonly height: number; readonly width?: number}) {
	const services = useServices();
	const navigator = useNavigator();
	const theme = useTheme();
	const {columns} = useTerminalSize();
	const cols = Math.max(40, width ?? columns);
	const store = useMemo(() => services.dashboard(stream), [services, stream]);
	const snapshot = useStore(store);
	const [selected, setSelected] = useState(0);
	const [filter, setFilter] = useState('');
	const [editingFilter, setEditingFilter] = useState(false);

	useRunWhileVisible(store);

	const shards = snapshot.shards.status === 'ready' ? snapshot.shards.value : [];
	const shown = filter ? shards.filter((shard) => shard.shardId.toLowerCase().includes(filter.toLowerCase())) : shards;
	const rows: Row[] = [{kind: 'stream'}, ...shown.map((shard): Row => ({kind: 'shard', shard}))];
	const chosen = Math.min(selected, rows.length - 1);
	const chosenRow = rows[chosen];
	const chosenShard = chosenRow?.kind === 'shard' ? chosenRow.shard : undefined;

	// Height: the fixed lines, then the charts (5 to 12 lines), and the shard rows in what is left.
	const layout = tableLayout(cols);
	// The READ column's legend takes a line where the column is shown.
	const extraLines = (editingFilter || filter ? 1 : 0) + (layout.read ? 1 : 0);
	const available = Math.max(1, height - FIXED_LINES - extraLines);
	const chartLines = available >= MIN_CHART_LINES + 3 ? Math.min(MAX_CHART_LINES, Math.max(MIN_CHART_LINES, available - rows.length)) : 0;
	let tableRows = Math.max(1, available - chartLines);
	if (rows.length > tableRows) tableRows = Math.max(1, tableRows - 1);

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
				setSelected((current) => moveSelection(command, Math.min(current, rows.length - 1), rows.length, tableRows));
		}
	});

	const metersById = new Map(snapshot.meters.map((meter) => [meter.shardId, meter]));
	return (
		<Box flexDirection="column">
			<Title snapshot={snapshot} theme={theme} />
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
								{'  ' + headerCells(layout).join('  ')}
							</Text>
						}
						renderRow={(row) => (
							<ShardRow
								row={row}
								snapshot={snapshot}
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
			<HotLine hottest={snapshot.hottest} theme={theme} windowLabel={snapshot.window.label} />
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
					setSelected(0);
				}}
				onDone={() => setEditingFilter(false)}
				matches={{shown: shown.length, total: shards.length, noun: 'shard'}}
			/>
		</Box>
	);
}

function Title({snapshot, theme}: {readonly snapshot: DashboardSnapshot; readonly theme: Theme}) {
	const {info} = snapshot;
	const shards = snapshot.shards.status === 'ready' ? snapshot.shards.value : undefined;
	const open = shards?.filter((shard) => shard.open).length;
	const facts = [
		info?.status === undefined ? undefined : clean(info.status),
		info ? (info.mode === 'ON_DEMAND' ? 'on-demand' : 'provisioned') : undefined,
		shards ? `${open} open${shards.length - (open ?? 0) > 0 ? ` / ${shards.length - (open ?? 0)} closed` : ''}` : undefined,
		info?.retentionHours === undefined ? undefined : `retention ${info.retentionHours}h`,
		info?.consumers ? `${info.consumers} consumers` : undefined,
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
				{'  '}window <Text bold>{snapshot.window.label}</Text> · <Text bold>{METRIC_LABELS[snapshot.metric]}</Text> (w/m)
			</Text>
		</Text>
	);
}

interface TableLayout {
	readonly bar: number;
	readonly parents: boolean;
	readonly read: boolean;
}

const W = {shard: 20, state: 6, parents: 8, rate: 7, bytes: 10, lag: 6, read: 5};

function tableLayout(cols: number): TableLayout {
	const wide = cols >= 100;
	const fixed = 2 + W.shard + 2 + W.state + 2 + 2 + W.rate + 2 + W.bytes + 2 + W.lag + 6 + (wide ? W.parents + 2 + W.read + 2 : 0);
	return {bar: Math.max(8, Math.min(32, cols - fixed)), parents: wide, read: wide};
}

function headerCells(layout: TableLayout): string[] {
	return [
		'SHARD'.padEnd(W.shard),
		'STATE'.padEnd(W.state),
		...(layout.parents ? ['PARENTS'.padEnd(W.parents)] : []),
		'HASH RANGE'.padEnd(layout.bar),
		'REC/S'.padStart(W.rate),
		'BYTES/S'.padStart(W.bytes),
		'LAG'.padStart(W.lag),
		...(layout.read ? ['READ'.padStart(W.read)] : []),
	];
}

function ShardRow({
	row,
	snapshot,
	meter,
	layout,
	theme,
}: {
	readonly row: Row;
	readonly snapshot: DashboardSnapshot;
	readonly meter: ShardMeter | undefined;
	readonly layout: TableLayout;
	readonly theme: Theme;
}) {
	const gap = '  ';
	if (row.kind === 'stream') {
		const {totals} = snapshot;
		const live = snapshot.live.status === 'running';
		return (
			<Text wrap="truncate" bold>
				{'all shards'.padEnd(W.shard)}
				{gap}
				{''.padEnd(W.state)}
				{layout.parents ? gap + ''.padEnd(W.parents) : ''}
				{gap}
				{''.padEnd(layout.bar)}
				{gap}
				{(live ? formatCompact(totals.recordsPerSecond) : '-').padStart(W.rate)}
				{gap}
				{(live ? formatBytes(totals.bytesPerSecond) : '-').padStart(W.bytes)}
				{gap}
				{formatDuration(totals.millisBehindLatest).padStart(W.lag)}
			</Text>
		);
	}
	const {shard} = row;
	const hot = snapshot.hottest?.shardId === shard.shardId;
	const figures = shard.open && meter;
	const read = meter ? Math.max(meter.readBudget.calls, meter.readBudget.bytes) : undefined;
	return (
		<Text wrap="truncate">
			<Text color={shard.open ? undefined : theme.muted}>{clean(shard.shardId).padEnd(W.shard)}</Text>
			{gap}
			<Text color={shard.open ? theme.success : theme.muted}>{(shard.open ? 'open' : 'closed').padEnd(W.state)}</Text>
			{layout.parents ? gap + (clean(shard.parents.map(shortShardId).join('+')) || '-').padEnd(W.parents) : ''}
			{gap}
			<HashRangeBar
				startingHashKey={shard.startingHashKey}
				endingHashKey={shard.endingHashKey}
				width={layout.bar}
				open={shard.open}
				hot={hot}
			/>
			{gap}
			{(figures ? formatCompact(meter.recordsPerSecond) : '-').padStart(W.rate)}
			{gap}
			{(figures ? formatBytes(meter.bytesPerSecond) : '-').padStart(W.bytes)}
			{gap}
			{(figures ? formatDuration(meter.millisBehindLatest) : '-').padStart(W.lag)}
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

function HotLine({
	hottest,
	theme,
	windowLabel,
}: {
	readonly hottest: HotShard | undefined;
	readonly theme: Theme;
	readonly windowLabel: string;
}) {
	if (!hottest) {
		return (
			<Text color={theme.muted} wrap="truncate">
				hottest shard: none yet (no records since the dashboard opened)
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
				{formatCompact(hottest.recordsPerSecond)} rec/s{hottest.source === 'cloudwatch' ? ` (CloudWatch, ${windowLabel})` : ''}
			</Text>
			<Text color={theme.muted}>{keys.length > 0 ? ` · top keys: ${keys.join(', ')}` : ''}</Text>
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

function Charts({
	store,
	snapshot,
	shardId,
	width,
	height,
	theme,
}: {
	readonly store: DashboardStore;
	readonly snapshot: DashboardSnapshot;
	readonly shardId: string | undefined;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
}) {
	const {metric} = snapshot;
	const sideBySide = width >= 60;
	const chartWidth = sideBySide ? Math.floor((width - 2) / 2) : width;
	const seconds = Math.min(600, chartCapacity(chartWidth));
	const live = store.liveSeries(shardId, metric, seconds);
	const scope = shardId === undefined ? 'all shards' : clean(shardId);
	const fold = metric === 'lag' ? 'max' : 'mean';
	const liveTitle = `live ${metric === 'lag' ? 'MillisBehindLatest' : METRIC_LABELS[metric]} · ${scope} · last ${describeSeconds(seconds)}`;
	return (
		<Box flexDirection="row" columnGap={2}>
			<Box flexDirection="column" width={chartWidth}>
				<Text color={theme.muted} wrap="truncate">
					{liveTitle}
				</Text>
				<Chart series={live} width={chartWidth} height={height} format={FORMATS[metric]} color={theme.chart[0]} fold={fold} />
			</Box>
			{sideBySide ? (
				<Box flexDirection="column" width={chartWidth}>
					<HistoryChart snapshot={snapshot} shardId={shardId} width={chartWidth} height={height} theme={theme} />
				</Box>
			) : null}
		</Box>
	);
}

function HistoryChart({
	snapshot,
	shardId,
	width,
	height,
	theme,
}: {
	readonly snapshot: DashboardSnapshot;
	readonly shardId: string | undefined;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
}) {
	const {history, metric, window} = snapshot;
	if (history.status === 'loading') {
		return (
			<Text color={theme.muted} wrap="truncate">
				CloudWatch {window.label}: loading history…
			</Text>
		);
	}
	if (history.status === 'failed') {
		return (
			<Text color={theme.warning} wrap="wrap">
				history unavailable: {sanitizeLine(history.error)}
			</Text>
		);
	}
	const chosen = historySeries(history.value, shardId, metric);
	const stale = history.refreshError ? ' (refresh failed)' : '';
	const title = `CloudWatch ${chosen.metricName} · ${chosen.scope === 'shard' ? clean(shardId ?? '') : 'stream'} · ${history.value.windowLabel} at ${describePeriod(history.value.periodSeconds)}${chosen.empty ? ' · no data' : ''}${stale}`;
	return (
		<>
			<Text color={theme.muted} wrap="truncate">
				{title}
			</Text>
			{shardId && chosen.scope === 'stream' ? (
				<Text color={theme.muted} wrap="truncate">
					(per-shard history needs enhanced monitoring of {chosen.metricName}; charting the stream)
				</Text>
			) : null}
			<Chart
				series={chosen.values}
				width={width}
				height={shardId && chosen.scope === 'stream' ? height - 1 : height}
				format={FORMATS[metric]}
				color={theme.chart[1] ?? theme.chart[0]}
				fold={metric === 'lag' ? 'max' : 'mean'}
			/>
		</>
	);
}

function LiveNote({snapshot, theme}: {readonly snapshot: DashboardSnapshot; readonly theme: Theme}) {
	const {live} = snapshot;
	const calls = live.callsPerSecond;
	const pace = `${formatCompact(calls)} GetRecords/s per shard, ${formatCompact(5 - calls)} of 5/s left for other consumers`;
	const text =
		live.status === 'failed'
			? `live figures unavailable: ${sanitizeLine(live.error ?? 'the reader stopped')}`
			: live.status === 'running'
				? `live: reading at LATEST · ${pace}`
				: `live: starting a reader at LATEST (${pace})…`;
	return (
		<Text color={live.status === 'failed' ? theme.danger : theme.muted} wrap="truncate">
			{text}
			{live.note ? <Text color={theme.warning}> · {sanitizeLine(live.note)}</Text> : null}
		</Text>
	);
}

/** A name or id from the endpoint, on one line, unable to drive the terminal. */
const clean = (text: string): string => sanitizeForTerminal(text, {keepNewlines: false, keepTabs: false});

const describeSeconds = (seconds: number): string => (seconds < 120 ? `${seconds}s` : `${Math.round(seconds / 60)}m`);
