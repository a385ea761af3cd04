import {DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {Meters, type ShardMeter} from './meters.js';
import {TIME_WINDOWS, total, type MetricsSource, type Points, type StreamHistory, type TimeWindow} from './metrics.js';
import {BackgroundStore, type Loadable, type RunningStore, type Session} from './store.js';
import {shardView, type ShardView} from './streams.js';
import {listAllShards, streamParameters} from './aws/shards.js';
import {LATEST, tailStream, type TailEvent, type TailOptions} from './tail/index.js';
import {TrafficSample, type Observation} from './traffic.js';

/** What the dashboard's charts show. */
export type ChartMetric = 'records' | 'bytes' | 'lag';
const CHART_METRICS: readonly [ChartMetric, ...ChartMetric[]] = ['records', 'bytes', 'lag'];

/** The stream itself, from DescribeStreamSummary. */
export interface StreamInfo {
	readonly status: string;
	readonly mode: string;
	readonly retentionHours: number | undefined;
	readonly consumers: number | undefined;
	/** Shard-level metrics enhanced monitoring has turned on ('ALL' for all). */
	readonly enhancedMetrics: readonly string[];
}

/** The dashboard's own reader: a tail at LATEST, gentle on each shard's read budget. */
export interface LiveState {
	readonly status: 'idle' | 'starting' | 'running' | 'failed';
	/** GetRecords calls per second per shard it makes (AWS allows 5, shared by every consumer). */
	readonly callsPerSecond: number;
	readonly error?: string;
	/** A passing trouble, e.g. a shard being retried after throttling. */
	readonly note?: string;
}

/** The whole stream's live figures: rates summed, lag the largest of any shard. */
export interface LiveTotals {
	readonly recordsPerSecond: number;
	readonly bytesPerSecond: number;
	readonly millisBehindLatest: number | undefined;
	readonly throttledPerMinute: number;
}

/** The shard taking the most records: from the live reader, or else from CloudWatch's shard-level history. */
export interface HotShard {
	readonly shardId: string;
	readonly recordsPerSecond: number;
	readonly source: 'live' | 'cloudwatch';
	readonly topKeys: ShardMeter['topKeys'];
}

export interface DashboardSnapshot {
	readonly stream: string;
	readonly info: StreamInfo | undefined;
	/** The shard map, in shard id order, refreshed every few seconds. */
	readonly shards: Loadable<readonly ShardView[]>;
	readonly live: LiveState;
	/** Live figures per shard seen by the reader, in shard id order. */
	readonly meters: readonly ShardMeter[];
	readonly totals: LiveTotals;
	readonly hottest: HotShard | undefined;
	/** CloudWatch history over the window; failed means "history unavailable". */
	readonly history: Loadable<StreamHistory>;
	readonly window: TimeWindow;
	readonly metric: ChartMetric;
}

/** What the dashboard view reads; a fake with this shape stands in for it in view tests. */
/** Running, it refreshes the shard map, reads the shards live and loads the history. */
export interface DashboardStore extends RunningStore<DashboardSnapshot> {
	refresh(): void;
	cycleWindow(): void;
	cycleMetric(): void;
	/**
	 * One live value per second for the last `seconds` seconds, oldest first: of one shard, or of the
	 * whole stream (records and bytes summed, lag the largest).
	 */
	liveSeries(shardId: string | undefined, metric: ChartMetric, seconds: number): number[];
	/** The partition keys the live reader has seen on a shard (a bounded sample, weighted), for a split at their median. */
	observations?(shardId: string): Observation[];
}

export type TailSource = (kinesis: KinesisClient, options: TailOptions) => AsyncIterable<TailEvent>;

export interface DashboardStoreOptions {
	readonly kinesis: KinesisClient;
	readonly metrics: MetricsSource;
	readonly stream: string;
	/** Turns an error into what the user reads. */
	readonly describeError?: (error: unknown) => Promise<string> | string;
	readonly now?: () => number;
	/** Shard map refresh. Default 5 s. */
	readonly shardRefreshMs?: number;
	/** GetRecords calls per second per shard of the live reader. Default 1. */
	readonly liveCallsPerSecond?: number;
	/** How often live figures are recomputed. Default 1 s. */
	readonly tickMs?: number;
	/** History refresh; default: the period, at least 10 s and at most 5 minutes. */
	readonly historyRefreshMs?: number;
	/** The tail to read with (tests may replace it). */
	readonly tail?: TailSource;
}

/** The status the dashboard shows for a stream that was there and is no longer found (deleted). */
export const NOT_FOUND = 'NOT FOUND';

const NO_TOTALS: LiveTotals = {recordsPerSecond: 0, bytesPerSecond: 0, millisBehindLatest: undefined, throttledPerMinute: 0};

const defaultDescribe = (error: unknown): string =>
	error instanceof Error ? (error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message) : String(error);

/**
 * One stream's dashboard: its shard map, live per-shard figures from a background tail at LATEST,
 * CloudWatch history over a chosen window, and the hottest shard. Does nothing until started, and
 * leaves nothing running once stopped.
 */
export class StreamDashboardStore extends BackgroundStore<DashboardSnapshot> implements DashboardStore {
	private readonly meters: Meters;
	private readonly sample = new TrafficSample({perShard: 5_000});
	private readonly describe: (error: unknown) => Promise<string>;
	private cancelHistory: (() => void) | undefined;
	private shardsLoading = false;
	private historyRequest = 0;

	constructor(private readonly options: DashboardStoreOptions) {
		const callsPerSecond = Math.min(5, Math.max(0.1, options.liveCallsPerSecond ?? 1));
		super({
			stream: options.stream,
			info: undefined,
			shards: {status: 'loading'},
			live: {status: 'idle', callsPerSecond},
			meters: [],
			totals: NO_TOTALS,
			hottest: undefined,
			history: {status: 'loading'},
			window: TIME_WINDOWS[0],
			metric: 'records',
		});
		this.meters = new Meters(options.now ?? Date.now);
		const describe = options.describeError ?? defaultDescribe;
		this.describe = async (error) => describe(error);
	}

	protected begin(session: Session): void {
		this.set((previous) => ({...previous, live: {status: 'starting', callsPerSecond: previous.live.callsPerSecond}}));
		void session.track(this.refreshShards(session).then(() => this.loadHistory(session)));
		void session.track(this.runTail(session));
		session.every(this.options.shardRefreshMs ?? 5_000, () => void session.track(this.refreshShards(session)));
		session.every(this.options.tickMs ?? 1_000, () => this.tick());
	}

	protected override end(): void {
		this.cancelHistory = undefined;
		this.set((previous) => ({...previous, live: {status: 'idle', callsPerSecond: previous.live.callsPerSecond}}));
	}

	refresh(): void {
		const session = this.current;
		if (!session) return;
		void session.track(this.refreshShards(session));
		void session.track(this.loadHistory(session));
	}

	cycleWindow(): void {
		const index = TIME_WINDOWS.indexOf(this.getSnapshot().window);
		const window = TIME_WINDOWS[(index + 1) % TIME_WINDOWS.length] ?? TIME_WINDOWS[0];
		this.set((previous) => ({...previous, window, history: {status: 'loading'}}));
		const session = this.current;
		if (session) void session.track(this.loadHistory(session));
	}

	cycleMetric(): void {
		const index = CHART_METRICS.indexOf(this.getSnapshot().metric);
		this.set((previous) => ({...previous, metric: CHART_METRICS[(index + 1) % CHART_METRICS.length] ?? 'records'}));
	}

	liveSeries(shardId: string | undefined, metric: ChartMetric, seconds: number): number[] {
		const series = metric === 'lag' ? 'millisBehindLatest' : metric;
		if (shardId !== undefined) return this.meters.series(shardId, series, seconds);
		let combined: number[] | undefined;
		for (const meter of this.meters.snapshot()) {
			const values = this.meters.series(meter.shardId, series, seconds);
			combined = combined
				? combined.map((value, index) => (metric === 'lag' ? Math.max(value, values[index] ?? 0) : value + (values[index] ?? 0)))
				: values;
		}
		return combined ?? this.meters.series('', series, seconds);
	}

	observations(shardId: string): Observation[] {
		return this.sample.observations(shardId);
	}

	private async refreshShards(session: Session): Promise<void> {
		if (this.shardsLoading) return;
		this.shardsLoading = true;
		const {kinesis, stream} = this.options;
		const signal = session.signal;
		try {
			const [{StreamDescriptionSummary: summary}, shards] = await Promise.all([
				kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), {abortSignal: signal}),
				listAllShards(kinesis, stream, signal),
			]);
			if (!session.live) return;
			const info: StreamInfo = {
				status: summary?.StreamStatus ?? 'UNKNOWN',
				mode: summary?.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
				retentionHours: summary?.RetentionPeriodHours,
				consumers: summary?.ConsumerCount,
				enhancedMetrics: (summary?.EnhancedMonitoring ?? []).flatMap((entry) => entry.ShardLevelMetrics ?? []),
			};
			const value = shards.map(shardView).sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0));
			this.set((previous) => ({...previous, info, shards: {status: 'ready', value, updatedAt: new Date()}}));
		} catch (error) {
			if (!session.live || signal.aborted) return;
			const message = await this.describe(error);
			if (!session.live) return;
			// The stream is gone (deleted while on screen): the title says so instead of its last status.
			const gone = (error as {name?: unknown} | undefined)?.name === 'ResourceNotFoundException';
			this.set((previous) => ({
				...previous,
				...(gone && previous.info ? {info: {...previous.info, status: NOT_FOUND}} : {}),
				shards: previous.shards.status === 'ready' ? {...previous.shards, refreshError: message} : {status: 'failed', error: message},
			}));
		} finally {
			this.shardsLoading = false;
		}
	}

	private async loadHistory(session: Session): Promise<void> {
		const request = ++this.historyRequest;
		const {window, shards, info} = this.getSnapshot();
		const signal = session.signal;
		const current = () => session.live && request === this.historyRequest && !signal.aborted;
		try {
			const history = await this.options.metrics.streamHistory(
				{
					stream: this.options.stream,
					window,
					shardIds: shards.status === 'ready' ? shards.value.map((shard) => shard.shardId) : [],
					enhancedMetrics: info?.enhancedMetrics ?? [],
				},
				signal,
			);
			if (!current()) return;
			this.set((previous) => ({...previous, history: {status: 'ready', value: history, updatedAt: new Date()}}));
			this.tick();
		} catch (error) {
			if (!current()) return;
			const message = await this.describe(error);
			if (!current()) return;
			this.set((previous) => ({
				...previous,
				history:
					previous.history.status === 'ready' && previous.history.value.windowLabel === window.label
						? {...previous.history, refreshError: message}
						: {status: 'failed', error: message},
			}));
		} finally {
			if (current()) this.scheduleHistory(session);
		}
	}

	private scheduleHistory(session: Session): void {
		this.cancelHistory?.();
		const {history, window} = this.getSnapshot();
		const periodMs = (history.status === 'ready' ? history.value.periodSeconds : window.periodSeconds) * 1000;
		const delayMs = this.options.historyRefreshMs ?? Math.min(300_000, Math.max(10_000, periodMs));
		this.cancelHistory = session.after(delayMs, () => void session.track(this.loadHistory(session)));
	}

	private async runTail(session: Session): Promise<void> {
		const signal = session.signal;
		const tail = this.options.tail ?? tailStream;
		const callsPerSecond = this.getSnapshot().live.callsPerSecond;
		try {
			// Left open like the tail view, it waits out expired credentials and reads on once they are renewed.
			for await (const event of tail(this.options.kinesis, {
				stream: this.options.stream,
				from: LATEST,
				callsPerSecond,
				shardRefreshMs: 10_000,
				waitForCredentials: true,
				signal,
			})) {
				if (!session.live) break;
				this.meters.observe(event);
				this.sample.observe(event);
				await this.onTailEvent(session, event);
			}
		} catch (error) {
			if (!session.live || signal.aborted) return;
			await this.liveFailed(session, error);
		}
	}

	private async onTailEvent(session: Session, event: TailEvent): Promise<void> {
		const live = this.getSnapshot().live;
		switch (event.type) {
			case 'records':
			case 'polled':
			case 'caught-up':
				if (live.status === 'starting') this.setLive({status: 'running', callsPerSecond: live.callsPerSecond});
				return;
			case 'retrying':
				this.setLive({...live, note: `retrying ${event.shardId || 'the shard listing'}: ${event.reason}`});
				return;
			case 'recovered':
				if (live.note) this.setLive({status: live.status, callsPerSecond: live.callsPerSecond});
				return;
			case 'failed':
				if (!event.shardId) return this.liveFailed(session, event.error);
				this.setLive({...live, note: `${event.shardId} stopped: ${await this.describe(event.error)}`});
				return;
			default:
				return;
		}
	}

	private async liveFailed(session: Session, error: unknown): Promise<void> {
		const message = await this.describe(error);
		if (!session.live) return;
		this.setLive({status: 'failed', callsPerSecond: this.getSnapshot().live.callsPerSecond, error: message});
	}

	private setLive(live: LiveState): void {
		this.set((previous) => ({...previous, live}));
	}

	/** Recomputes the live figures: rates move with time even when no event arrives. */
	private tick(): void {
		const meters = this.meters.snapshot();
		const totals: LiveTotals = meters.reduce<LiveTotals>(
			(sum, meter) => ({
				recordsPerSecond: sum.recordsPerSecond + meter.recordsPerSecond,
				bytesPerSecond: sum.bytesPerSecond + meter.bytesPerSecond,
				millisBehindLatest:
					meter.millisBehindLatest === undefined ? sum.millisBehindLatest : Math.max(sum.millisBehindLatest ?? 0, meter.millisBehindLatest),
				throttledPerMinute: sum.throttledPerMinute + meter.throttledPerMinute,
			}),
			NO_TOTALS,
		);
		this.set((previous) => ({...previous, meters, totals, hottest: hottestShard(meters, previous.history)}));
	}
}

/** The hottest shard by live records/s; without live traffic, by CloudWatch's shard-level IncomingRecords. */
export function hottestShard(meters: readonly ShardMeter[], history: Loadable<StreamHistory>): HotShard | undefined {
	const live = meters.reduce<ShardMeter | undefined>(
		(best, meter) => (meter.recordsPerSecond > (best?.recordsPerSecond ?? 0) ? meter : best),
		undefined,
	);
	if (live) return {shardId: live.shardId, recordsPerSecond: live.recordsPerSecond, source: 'live', topKeys: live.topKeys};
	if (history.status !== 'ready') return undefined;
	let best: HotShard | undefined;
	for (const [shardId, shard] of Object.entries(history.value.shards)) {
		const points: Points | undefined = shard.recordsPerSecond;
		if (!points || points.values.length === 0) continue;
		const rate =
			total(points) / Math.max(1, Math.round((history.value.endMs - history.value.startMs) / (history.value.periodSeconds * 1000)));
		if (rate > (best?.recordsPerSecond ?? 0))
			best = {
				shardId,
				recordsPerSecond: rate,
				source: 'cloudwatch',
				topKeys: meters.find((meter) => meter.shardId === shardId)?.topKeys ?? [],
			};
	}
	return best;
}
