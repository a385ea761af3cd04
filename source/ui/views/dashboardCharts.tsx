import {Box} from 'ink';
import type {ChartMetric, DashboardSnapshot, DashboardStore, TopShard} from '../../console/dashboardStore.js';
import {formatBytes, formatCompact, formatDuration, plural} from '../../console/format.js';
import {historySeries} from '../../console/historySeries.js';
import {describePeriod} from '../../console/metrics.js';
import {sanitizeForTerminal, sanitizeLine} from '../../console/records/index.js';
import {Chart, chartCapacity} from '../components/Chart.js';
import {Text} from '../components/Text.js';
import type {Theme} from '../theme.js';

/** The dashboard's charts: live (while it reads shards) or the busiest shards, beside CloudWatch's history. */

export const METRIC_LABELS: Record<ChartMetric, string> = {records: 'records/s', bytes: 'bytes/s', lag: 'lag'};
const FORMATS: Record<ChartMetric, (value: number) => string> = {
	records: formatCompact,
	bytes: formatBytes,
	lag: (value) => formatDuration(value),
};

export function Charts({
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
	const fold = metric === 'lag' ? 'max' : 'mean';
	const reading = snapshot.live.status !== 'off';
	const read = snapshot.live.shards.length;
	const scope = shardId === undefined ? `${plural(read, 'shard')} read` : clean(shardId);
	const liveTitle = `live ${metric === 'lag' ? 'MillisBehindLatest' : METRIC_LABELS[metric]} · ${scope} · last ${describeSeconds(seconds)}`;
	return (
		<Box flexDirection="row" columnGap={2}>
			<Box flexDirection="column" width={chartWidth}>
				{reading ? (
					<>
						<Text color={theme.muted} wrap="truncate">
							{liveTitle}
						</Text>
						<Chart
							series={store.liveSeries(shardId, metric, seconds)}
							width={chartWidth}
							height={height}
							format={FORMATS[metric]}
							color={theme.chart[0]}
							fold={fold}
						/>
					</>
				) : (
					<TopShards top={snapshot.topShards} selected={shardId} width={chartWidth} height={height + 1} theme={theme} />
				)}
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

/** The busiest shards by CloudWatch's IncomingRecords, as bars. */
function TopShards({
	top,
	selected,
	width,
	height,
	theme,
}: {
	readonly top: readonly TopShard[];
	readonly selected: string | undefined;
	readonly width: number;
	readonly height: number;
	readonly theme: Theme;
}) {
	const shown = top.slice(0, Math.max(0, height - 1));
	const most = shown[0]?.recordsPerSecond ?? 0;
	const label = 20 + 2;
	const number = 8;
	const bar = Math.max(4, width - label - number - 1);
	return (
		<>
			<Text color={theme.muted} wrap="truncate">
				busiest shards · CloudWatch IncomingRecords, last 5m
			</Text>
			{shown.length === 0 ? (
				<Text color={theme.muted} wrap="truncate">
					none: needs enhanced monitoring of IncomingRecords
				</Text>
			) : (
				shown.map((shard) => (
					<Text key={shard.shardId} wrap="truncate" color={shard.shardId === selected ? theme.accent : undefined}>
						{clean(shard.shardId).padEnd(label)}
						<Text color={theme.chart[0]}>
							{'█'.repeat(Math.max(1, Math.round((shard.recordsPerSecond / (most || 1)) * bar))).padEnd(bar)}
						</Text>{' '}
						{formatCompact(shard.recordsPerSecond).padStart(number)}
					</Text>
				))
			)}
		</>
	);
}

/** A name or id from the endpoint, on one line, unable to drive the terminal. */
const clean = (text: string): string => sanitizeForTerminal(text, {keepNewlines: false, keepTabs: false});

const describeSeconds = (seconds: number): string => (seconds < 120 ? `${seconds}s` : `${Math.round(seconds / 60)}m`);
