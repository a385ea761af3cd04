import {GetMetricDataCommand, type CloudWatchClient, type Metric} from '@aws-sdk/client-cloudwatch';
import type {LagPoint} from './kind.js';

/** How far back a consumer's lag metric is read: the window its status is judged over where CloudWatch keeps the series. */
export const METRIC_WINDOW_MS = 5 * 60_000;

/**
 * Each metric's 1-minute Maximum over the last 5 minutes, oldest first, in one GetMetricData call (up
 * to 500 metrics: the call's limit). A metric CloudWatch has no datapoint of gives an empty series.
 */
export async function metricSeries(
	cloudwatch: CloudWatchClient,
	metrics: readonly Metric[],
	signal?: AbortSignal,
	nowMs = Date.now(),
): Promise<LagPoint[][]> {
	if (metrics.length === 0) return [];
	const page = await cloudwatch.send(
		new GetMetricDataCommand({
			MetricDataQueries: metrics.slice(0, 500).map((metric, index) => ({
				Id: `m${index}`,
				MetricStat: {Metric: metric, Period: 60, Stat: 'Maximum'},
			})),
			StartTime: new Date(nowMs - METRIC_WINDOW_MS),
			EndTime: new Date(nowMs),
		}),
		signal ? {abortSignal: signal} : {},
	);
	const series: LagPoint[][] = metrics.map(() => []);
	for (const result of page.MetricDataResults ?? []) {
		const index = Number((result.Id ?? '').slice(1));
		const values = result.Values ?? [];
		const times = result.Timestamps ?? [];
		// CloudWatch answers newest first (ScanBy TimestampDescending, its default); a value without a time is taken as that order too.
		const points = values.map((lagMs, at) => ({atMs: times[at]?.getTime() ?? nowMs - at * 60_000, lagMs}));
		series[index] = points.sort((a, b) => a.atMs - b.atMs);
	}
	return series;
}
