import {GetMetricDataCommand, type CloudWatchClient, type Metric} from '@aws-sdk/client-cloudwatch';
import type {LagPoint} from './kind.js';

/** How far back a consumer's lag metric is read: the window its status is judged over where CloudWatch keeps the series. */
export const METRIC_WINDOW_MS = 5 * 60_000;

/** A metric and the statistic of it to read. */
export interface MetricQuery {
	readonly metric: Metric;
	/** CloudWatch's statistic: Maximum for an age, Sum for a count. */
	readonly stat: 'Maximum' | 'Sum';
}

/** Each metric's 1-minute Maximum over the last 5 minutes, oldest first (metricData's answer, for ages). */
export const metricSeries = async (
	cloudwatch: CloudWatchClient,
	metrics: readonly Metric[],
	signal?: AbortSignal,
	nowMs = Date.now(),
): Promise<LagPoint[][]> =>
	(
		await metricData(
			cloudwatch,
			metrics.map((metric) => ({metric, stat: 'Maximum'})),
			signal,
			nowMs,
		)
	).map((points) => points.map(({atMs, value}) => ({atMs, lagMs: value})));

/**
 * Each query's 1-minute statistic over the last 5 minutes, oldest first, in one GetMetricData call (up
 * to 500 queries: the call's limit). A metric CloudWatch has no datapoint of gives an empty series.
 */
export async function metricData(
	cloudwatch: CloudWatchClient,
	queries: readonly MetricQuery[],
	signal?: AbortSignal,
	nowMs = Date.now(),
): Promise<Array<Array<{readonly atMs: number; readonly value: number}>>> {
	if (queries.length === 0) return [];
	const page = await cloudwatch.send(
		new GetMetricDataCommand({
			MetricDataQueries: queries.slice(0, 500).map(({metric, stat}, index) => ({
				Id: `m${index}`,
				MetricStat: {Metric: metric, Period: 60, Stat: stat},
			})),
			StartTime: new Date(nowMs - METRIC_WINDOW_MS),
			EndTime: new Date(nowMs),
		}),
		signal ? {abortSignal: signal} : {},
	);
	const series: Array<Array<{atMs: number; value: number}>> = queries.map(() => []);
	for (const result of page.MetricDataResults ?? []) {
		const index = Number((result.Id ?? '').slice(1));
		const values = result.Values ?? [];
		const times = result.Timestamps ?? [];
		// CloudWatch answers newest first (ScanBy TimestampDescending, its default); a value without a time is taken as that order too.
		const points = values.map((value, at) => ({atMs: times[at]?.getTime() ?? nowMs - at * 60_000, value}));
		series[index] = points.sort((a, b) => a.atMs - b.atMs);
	}
	return series;
}
