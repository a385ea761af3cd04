import {GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery, type MetricDataResult} from '@aws-sdk/client-cloudwatch';
import {API_QUOTAS} from './apiQuotas.js';

/**
 * CloudWatch history of streams through GetMetricData: one call (paged) for many metrics. Kinesis
 * publishes stream-level metrics (dimension StreamName) for every stream, and shard-level ones
 * (StreamName, ShardId) only for the metrics enhanced monitoring turned on. On AWS the smallest period
 * of these metrics is one minute; the built-in engine also keeps them per second ("high resolution").
 */

/** A time window the dashboard charts, with the period used on AWS and the finer one the engine allows. */
export interface TimeWindow {
	readonly label: string;
	readonly durationMs: number;
	/** Period on AWS (whole minutes). */
	readonly periodSeconds: number;
	/** Period where 1-second data exists (the built-in engine keeps it for 3 hours). */
	readonly finePeriodSeconds: number;
}

export const TIME_WINDOWS: readonly [TimeWindow, ...TimeWindow[]] = [
	{label: '15m', durationMs: 15 * 60_000, periodSeconds: 60, finePeriodSeconds: 10},
	{label: '1h', durationMs: 3_600_000, periodSeconds: 60, finePeriodSeconds: 30},
	{label: '3h', durationMs: 3 * 3_600_000, periodSeconds: 300, finePeriodSeconds: 60},
	{label: '1d', durationMs: 86_400_000, periodSeconds: 900, finePeriodSeconds: 900},
];

const periodOf = (window: TimeWindow, highResolution: boolean): number =>
	highResolution ? window.finePeriodSeconds : window.periodSeconds;

/** A period's length as people read it: 10s, 1m, 15m. */
export const describePeriod = (seconds: number): string =>
	seconds < 60 ? `${seconds}s` : seconds < 3600 ? `${seconds / 60}m` : `${seconds / 3600}h`;

/** Data points, oldest first; a period with no data has no point. */
export interface Points {
	readonly timestamps: readonly number[];
	readonly values: readonly number[];
}

export const NO_POINTS: Points = {timestamps: [], values: []};

/** Shard-level metrics the dashboard charts, when enhanced monitoring has them. */
export const SHARD_METRICS = ['IncomingRecords', 'IncomingBytes', 'IteratorAgeMilliseconds'] as const;
export type ShardMetricName = (typeof SHARD_METRICS)[number];

export interface ShardHistory {
	readonly recordsPerSecond?: Points;
	readonly bytesPerSecond?: Points;
	readonly iteratorAgeMs?: Points;
}

export interface StreamHistory {
	readonly windowLabel: string;
	readonly startMs: number;
	readonly endMs: number;
	readonly periodSeconds: number;
	/** IncomingRecords and IncomingBytes (Sum per period ÷ period). */
	readonly recordsPerSecond: Points;
	readonly bytesPerSecond: Points;
	/** GetRecords.IteratorAgeMilliseconds, Maximum per period. */
	readonly iteratorAgeMs: Points;
	/** Throttled calls or records per period (Sum). */
	readonly writeThrottled: Points;
	readonly readThrottled: Points;
	/** Per shard, the shard-level metrics asked for (and only those). */
	readonly shards: Readonly<Record<string, ShardHistory>>;
	/** The shard-level metrics asked for: those enhanced monitoring has turned on. */
	readonly shardMetrics: readonly ShardMetricName[];
	/** Shards left out of the shard-level queries (GetMetricData takes at most 500 queries a call). */
	readonly shardsLeftOut: number;
}

export interface HistoryRequest {
	readonly stream: string;
	readonly window: TimeWindow;
	/** Shards to ask shard-level metrics for. */
	readonly shardIds?: readonly string[];
	/** The shard-level metrics enhanced monitoring has turned on (as DescribeStreamSummary lists them; 'ALL' means all). */
	readonly enhancedMetrics?: readonly string[];
}

/** What the console reads history through; the dashboard and the streams list take this, tests fake it. */
export interface MetricsSource {
	streamHistory(request: HistoryRequest, signal?: AbortSignal): Promise<StreamHistory>;
	/** Records per second each stream took in over the last 5 minutes; streams with no data count 0. */
	incomingRates(streamNames: readonly string[], signal?: AbortSignal): Promise<Map<string, number>>;
	/** Each shard's recent figures from its shard-level metrics (those enhanced monitoring turned on). */
	shardFigures?(request: ShardFiguresRequest, signal?: AbortSignal): Promise<ShardFiguresResult>;
}

/** The shard-level metrics the dashboard's shard table reads, when enhanced monitoring has them. */
export const SHARD_FIGURE_METRICS = [
	'IncomingRecords',
	'IncomingBytes',
	'IteratorAgeMilliseconds',
	'ReadProvisionedThroughputExceeded',
	'WriteProvisionedThroughputExceeded',
] as const;
export type ShardFigureMetric = (typeof SHARD_FIGURE_METRICS)[number];

export interface ShardFiguresRequest {
	readonly stream: string;
	readonly shardIds: readonly string[];
	/** As DescribeStreamSummary lists them; 'ALL' means all. */
	readonly enhancedMetrics: readonly string[];
}

/** A shard's figures over the last few minutes; a metric not turned on is left out. */
export interface ShardFigures {
	readonly recordsPerSecond?: number;
	readonly bytesPerSecond?: number;
	/** The latest IteratorAgeMilliseconds (Maximum), if any consumer read the shard. */
	readonly iteratorAgeMs?: number;
	/** Read and write throttling, per minute over the window. */
	readonly throttledPerMinute?: number;
}

export interface ShardFiguresResult {
	readonly shards: ReadonlyMap<string, ShardFigures>;
	/** The whole stream's: rates and throttling summed, the largest iterator age; summed once here, not per frame. */
	readonly totals: ShardFigures;
	readonly metrics: readonly ShardFigureMetric[];
	readonly windowMs: number;
	/** GetMetricData calls it took (pages included). */
	readonly calls: number;
}

/** The shard-level metrics of SHARD_FIGURE_METRICS that enhanced monitoring turned on. */
export const enabledShardMetrics = (enhancedMetrics: readonly string[]): ShardFigureMetric[] =>
	SHARD_FIGURE_METRICS.filter((metric) => enhancedMetrics.includes(metric) || enhancedMetrics.includes('ALL'));

const NAMESPACE = 'AWS/Kinesis';
/** GetMetricData takes at most 500 metrics a call. */
export const MAX_QUERIES = 500;
const RATE_WINDOW_MS = 5 * 60_000;
/** GetMetricData calls a second at most for one big stream's shards: a tenth of CloudWatch's quota (50 per account). */
const SHARD_FIGURE_CALLS_PER_SECOND = (API_QUOTAS.GetMetricData?.perSecond ?? 50) / 10;

export interface CloudWatchMetricsOptions {
	/** The endpoint keeps 1-second data (the built-in engine): finer periods for short windows. */
	readonly highResolution?: boolean;
	readonly now?: () => number;
	/** GetMetricData calls a second at most while reading shard figures. Default 5. */
	readonly shardFigureCallsPerSecond?: number;
}

export class CloudWatchMetrics implements MetricsSource {
	private readonly highResolution: boolean;
	private readonly now: () => number;
	private readonly callGapMs: number;

	constructor(
		private readonly cloudwatch: CloudWatchClient,
		options: CloudWatchMetricsOptions = {},
	) {
		this.highResolution = options.highResolution ?? false;
		this.now = options.now ?? Date.now;
		this.callGapMs = 1000 / (options.shardFigureCallsPerSecond ?? SHARD_FIGURE_CALLS_PER_SECOND);
	}

	/**
	 * Every shard's figures over the last 5 minutes, 500 metrics a call (a 10,000-shard stream with all five
	 * metrics takes 100 calls), the calls one at a time and paced to stay a small share of CloudWatch's quota.
	 */
	async shardFigures(request: ShardFiguresRequest, signal?: AbortSignal): Promise<ShardFiguresResult> {
		const metrics = enabledShardMetrics(request.enhancedMetrics);
		const periodSeconds = this.highResolution ? 10 : 60;
		const periodMs = periodSeconds * 1000;
		// The period still filling is in, so that a shard just written shows; rates are over the time covered.
		const nowMs = this.now();
		const endMs = Math.ceil(nowMs / periodMs) * periodMs;
		const startMs = endMs - RATE_WINDOW_MS;
		const seconds = Math.max(1, (nowMs - startMs) / 1000);
		const minutes = seconds / 60;
		const figures = new Map<string, Mutable<ShardFigures>>();
		let calls = 0;
		const queries = request.shardIds.flatMap((shardId, index) =>
			metrics.map((metric, which) =>
				metricQuery(
					`s${index}_${which}`,
					metric,
					[
						['StreamName', request.stream],
						['ShardId', shardId],
					],
					periodSeconds,
					metric === 'IteratorAgeMilliseconds' ? 'Maximum' : 'Sum',
				),
			),
		);
		for (let first = 0; first < queries.length; first += MAX_QUERIES) {
			if (first > 0) await pause(this.callGapMs, signal);
			const batch = queries.slice(first, first + MAX_QUERIES);
			const {points, pages} = await this.getMetricDataPages(batch, startMs, endMs, signal);
			calls += pages;
			for (const query of batch) {
				const [shardIndex = 0, which = 0] = (query.Id ?? '').slice(1).split('_').map(Number);
				const shardId = request.shardIds[shardIndex] as string;
				const values = points.get(query.Id ?? '')?.values ?? [];
				const shard = figures.get(shardId) ?? {};
				figures.set(shardId, shard);
				const sum = values.reduce((total, value) => total + value, 0);
				switch (metrics[which]) {
					case 'IncomingRecords':
						shard.recordsPerSecond = sum / seconds;
						break;
					case 'IncomingBytes':
						shard.bytesPerSecond = sum / seconds;
						break;
					case 'IteratorAgeMilliseconds': {
						const latest = values.at(-1);
						if (latest !== undefined) shard.iteratorAgeMs = latest;
						break;
					}
					default:
						shard.throttledPerMinute = (shard.throttledPerMinute ?? 0) + sum / minutes;
				}
			}
		}
		return {shards: figures, totals: totalsOf(figures.values(), metrics), metrics, windowMs: RATE_WINDOW_MS, calls};
	}

	async streamHistory(request: HistoryRequest, signal?: AbortSignal): Promise<StreamHistory> {
		const periodSeconds = periodOf(request.window, this.highResolution);
		const periodMs = periodSeconds * 1000;
		// The window ends with the period still filling, so that long periods still show the latest data.
		const nowMs = this.now();
		const endMs = Math.ceil(nowMs / periodMs) * periodMs;
		const startMs = endMs - request.window.durationMs;
		const plan = historyQueries(request, periodSeconds, nowMs);
		const results = await this.getMetricData(plan.queries, startMs, endMs, signal);
		return readHistory(plan, results, {windowLabel: request.window.label, startMs, endMs, periodSeconds});
	}

	async incomingRates(streamNames: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
		const periodSeconds = this.highResolution ? 10 : 60;
		const periodMs = periodSeconds * 1000;
		const endMs = Math.floor(this.now() / periodMs) * periodMs;
		const rates = new Map<string, number>();
		for (let first = 0; first < streamNames.length; first += MAX_QUERIES) {
			const names = streamNames.slice(first, first + MAX_QUERIES);
			const queries = names.map((name, index) => metricQuery(`r${index}`, 'IncomingRecords', [['StreamName', name]], periodSeconds, 'Sum'));
			const results = await this.getMetricData(queries, endMs - RATE_WINDOW_MS, endMs, signal);
			names.forEach((name, index) => {
				const values = results.get(`r${index}`)?.values ?? [];
				rates.set(name, values.reduce((sum, value) => sum + value, 0) / (RATE_WINDOW_MS / 1000));
			});
		}
		return rates;
	}

	/** Every page of one GetMetricData, results gathered by query id, oldest first. */
	private async getMetricData(
		queries: MetricDataQuery[],
		startMs: number,
		endMs: number,
		signal?: AbortSignal,
	): Promise<Map<string, Points>> {
		return (await this.getMetricDataPages(queries, startMs, endMs, signal)).points;
	}

	private async getMetricDataPages(
		queries: MetricDataQuery[],
		startMs: number,
		endMs: number,
		signal?: AbortSignal,
	): Promise<{points: Map<string, Points>; pages: number}> {
		const gathered = new Map<string, {timestamps: number[]; values: number[]}>();
		let nextToken: string | undefined;
		let pages = 0;
		do {
			pages++;
			const page = await this.cloudwatch.send(
				new GetMetricDataCommand({
					MetricDataQueries: queries,
					StartTime: new Date(startMs),
					EndTime: new Date(endMs),
					ScanBy: 'TimestampAscending',
					...(nextToken ? {NextToken: nextToken} : {}),
				}),
				signal ? {abortSignal: signal} : {},
			);
			for (const result of page.MetricDataResults ?? []) append(gathered, result);
			nextToken = page.NextToken;
		} while (nextToken);
		return {points: sortPoints(gathered), pages};
	}
}

type Mutable<T> = {-readonly [K in keyof T]: T[K]};

/** Every shard's figures summed (the largest iterator age), each only if its metric was read. */
function totalsOf(shards: Iterable<ShardFigures>, metrics: readonly ShardFigureMetric[]): ShardFigures {
	let records = 0;
	let bytes = 0;
	let throttled = 0;
	let age: number | undefined;
	for (const shard of shards) {
		records += shard.recordsPerSecond ?? 0;
		bytes += shard.bytesPerSecond ?? 0;
		throttled += shard.throttledPerMinute ?? 0;
		if (shard.iteratorAgeMs !== undefined) age = Math.max(age ?? 0, shard.iteratorAgeMs);
	}
	const has = (metric: ShardFigureMetric) => metrics.includes(metric);
	return {
		...(has('IncomingRecords') ? {recordsPerSecond: records} : {}),
		...(has('IncomingBytes') ? {bytesPerSecond: bytes} : {}),
		...(age === undefined ? {} : {iteratorAgeMs: age}),
		...(has('ReadProvisionedThroughputExceeded') || has('WriteProvisionedThroughputExceeded') ? {throttledPerMinute: throttled} : {}),
	};
}

/** Waits `ms`, or less if the signal aborts (the call after it then fails as aborted). */
const pause = (ms: number, signal?: AbortSignal): Promise<void> =>
	new Promise((resolve) => {
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), {once: true});
	});

interface PlannedQuery {
	readonly id: string;
	readonly apply: (history: MutableHistory, points: Points) => void;
}

interface HistoryPlan {
	readonly queries: MetricDataQuery[];
	readonly planned: readonly PlannedQuery[];
	readonly shardMetrics: readonly ShardMetricName[];
	readonly shardsLeftOut: number;
}

type MutableHistory = {-readonly [K in Exclude<keyof StreamHistory, 'shards'>]: StreamHistory[K]} & {
	shards: Record<string, {-readonly [K in keyof ShardHistory]: ShardHistory[K]}>;
};

const STREAM_QUERIES: ReadonlyArray<{
	id: string;
	metric: string;
	stat: 'Sum' | 'Maximum';
	apply: (history: MutableHistory, points: Points, periodSeconds: number, nowMs: number) => void;
}> = [
	{
		id: 'records',
		metric: 'IncomingRecords',
		stat: 'Sum',
		apply: (history, points, period, nowMs) => (history.recordsPerSecond = perSecond(points, period, nowMs)),
	},
	{
		id: 'bytes',
		metric: 'IncomingBytes',
		stat: 'Sum',
		apply: (history, points, period, nowMs) => (history.bytesPerSecond = perSecond(points, period, nowMs)),
	},
	{id: 'age', metric: 'GetRecords.IteratorAgeMilliseconds', stat: 'Maximum', apply: (history, points) => (history.iteratorAgeMs = points)},
	{
		id: 'writeThrottled',
		metric: 'WriteProvisionedThroughputExceeded',
		stat: 'Sum',
		apply: (history, points) => (history.writeThrottled = points),
	},
	{
		id: 'readThrottled',
		metric: 'ReadProvisionedThroughputExceeded',
		stat: 'Sum',
		apply: (history, points) => (history.readThrottled = points),
	},
];

/** The GetMetricData queries for a stream's history: five stream-level, and the enabled shard-level ones per shard. */
export function historyQueries(request: HistoryRequest, periodSeconds: number, nowMs = Number.POSITIVE_INFINITY): HistoryPlan {
	const stream: Array<[string, string]> = [['StreamName', request.stream]];
	const queries: MetricDataQuery[] = [];
	const planned: PlannedQuery[] = [];
	for (const query of STREAM_QUERIES) {
		queries.push(metricQuery(query.id, query.metric, stream, periodSeconds, query.stat));
		planned.push({id: query.id, apply: (history, points) => query.apply(history, points, periodSeconds, nowMs)});
	}
	const enabled = request.enhancedMetrics ?? [];
	const shardMetrics = SHARD_METRICS.filter((metric) => enabled.includes(metric) || enabled.includes('ALL'));
	const shardIds = request.shardIds ?? [];
	const room = shardMetrics.length === 0 ? 0 : Math.floor((MAX_QUERIES - queries.length) / shardMetrics.length);
	const asked = shardMetrics.length === 0 ? [] : shardIds.slice(0, room);
	asked.forEach((shardId, index) => {
		const dimensions: Array<[string, string]> = [...stream, ['ShardId', shardId]];
		for (const metric of shardMetrics) {
			const id = `s${index}_${metric === 'IncomingRecords' ? 'records' : metric === 'IncomingBytes' ? 'bytes' : 'age'}`;
			queries.push(metricQuery(id, metric, dimensions, periodSeconds, metric === 'IteratorAgeMilliseconds' ? 'Maximum' : 'Sum'));
			planned.push({
				id,
				apply: (history, points) => {
					const shard = (history.shards[shardId] ??= {});
					if (metric === 'IncomingRecords') shard.recordsPerSecond = perSecond(points, periodSeconds, nowMs);
					else if (metric === 'IncomingBytes') shard.bytesPerSecond = perSecond(points, periodSeconds, nowMs);
					else shard.iteratorAgeMs = points;
				},
			});
		}
	});
	return {queries, planned, shardMetrics, shardsLeftOut: shardMetrics.length === 0 ? 0 : shardIds.length - asked.length};
}

function readHistory(
	plan: HistoryPlan,
	results: ReadonlyMap<string, Points>,
	frame: {windowLabel: string; startMs: number; endMs: number; periodSeconds: number},
): StreamHistory {
	const history: MutableHistory = {
		...frame,
		recordsPerSecond: NO_POINTS,
		bytesPerSecond: NO_POINTS,
		iteratorAgeMs: NO_POINTS,
		writeThrottled: NO_POINTS,
		readThrottled: NO_POINTS,
		shards: {},
		shardMetrics: plan.shardMetrics,
		shardsLeftOut: plan.shardsLeftOut,
	};
	for (const query of plan.planned) query.apply(history, results.get(query.id) ?? NO_POINTS);
	return history;
}

function metricQuery(
	id: string,
	metricName: string,
	dimensions: ReadonlyArray<[string, string]>,
	periodSeconds: number,
	stat: string,
): MetricDataQuery {
	return {
		Id: id,
		MetricStat: {
			Metric: {Namespace: NAMESPACE, MetricName: metricName, Dimensions: dimensions.map(([Name, Value]) => ({Name, Value}))},
			Period: periodSeconds,
			Stat: stat,
		},
		ReturnData: true,
	};
}

/** Sums per period as rates per second; the period still filling is divided by the time it has run. */
const perSecond = (points: Points, periodSeconds: number, nowMs: number): Points => ({
	timestamps: points.timestamps,
	values: points.values.map((value, index) => {
		const elapsedSeconds = (nowMs - (points.timestamps[index] ?? 0)) / 1000;
		return value / Math.max(1, Math.min(periodSeconds, elapsedSeconds));
	}),
});

function append(gathered: Map<string, {timestamps: number[]; values: number[]}>, result: MetricDataResult): void {
	if (!result.Id) return;
	let points = gathered.get(result.Id);
	if (!points) gathered.set(result.Id, (points = {timestamps: [], values: []}));
	const timestamps = result.Timestamps ?? [];
	const values = result.Values ?? [];
	for (let index = 0; index < Math.min(timestamps.length, values.length); index++) {
		points.timestamps.push((timestamps[index] as Date).getTime());
		points.values.push(values[index] as number);
	}
}

/** Oldest first, whatever order the pages came in. */
function sortPoints(gathered: Map<string, {timestamps: number[]; values: number[]}>): Map<string, Points> {
	const sorted = new Map<string, Points>();
	for (const [id, points] of gathered) {
		const order = points.timestamps
			.map((_, index) => index)
			.sort((a, b) => (points.timestamps[a] as number) - (points.timestamps[b] as number));
		sorted.set(id, {
			timestamps: order.map((index) => points.timestamps[index] as number),
			values: order.map((index) => points.values[index] as number),
		});
	}
	return sorted;
}

/**
 * Points laid out on the window's periods, oldest first, for a chart: a period with no data is 0 for
 * rates and counts, and carries the last value for ages.
 */
export function toSlots(points: Points, startMs: number, endMs: number, periodSeconds: number, gaps: 'zero' | 'carry' = 'zero'): number[] {
	const periodMs = periodSeconds * 1000;
	const count = Math.max(0, Math.round((endMs - startMs) / periodMs));
	const slots = new Array<number | undefined>(count).fill(undefined);
	points.timestamps.forEach((timestamp, index) => {
		const slot = Math.floor((timestamp - startMs) / periodMs);
		if (slot < 0 || slot >= count) return;
		const value = points.values[index] ?? 0;
		const previous = slots[slot];
		slots[slot] = previous === undefined ? value : gaps === 'carry' ? Math.max(previous, value) : previous + value;
	});
	let carried = 0;
	return slots.map((value) => {
		if (value !== undefined) carried = value;
		return value ?? (gaps === 'carry' ? carried : 0);
	});
}

/** The sum of a series' values (for throttling counts over a window). */
export const total = (points: Points): number => points.values.reduce((sum, value) => sum + value, 0);
