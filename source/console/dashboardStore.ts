import {errorKind} from './aws/errors.js';
import {DescribeStreamSummaryCommand, type KinesisClient, type Shard} from '@aws-sdk/client-kinesis';
import {Meters, type ShardMeter} from './meters.js';
import {
	TIME_WINDOWS,
	enabledShardMetrics,
	total,
	type MetricsSource,
	type Points,
	type ShardFiguresResult,
	type StreamHistory,
	type TimeWindow,
} from './metrics.js';
import {BackgroundStore, type Loadable, type RunningStore, type Session} from './store.js';
import {shardView, type ShardView} from './streams.js';
import {listAllShards, streamParameters} from './aws/shards.js';
import {LATEST, tailStream, type TailEvent, type TailOptions} from './tail/index.js';
import {TrafficSample, type Observation} from './traffic.js';
import {formatDelay} from './format.js';
import type {NoticeStore} from './notices.js';

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

/**
 * The dashboard's own reader: off until asked (`toggleLive`), then a tail at LATEST of the open shards on
 * screen (at most LIVE_MAX_SHARDS), gentle on each shard's read budget.
 */
export interface LiveState {
	readonly status: 'off' | 'starting' | 'running' | 'failed';
	/** The shards it reads. */
	readonly shards: readonly string[];
	/** GetRecords calls per second per shard it aims at (AWS allows 5, shared by every consumer). */
	readonly pace: number;
	/** GetRecords calls per second it made over the last 10 s, all its shards together: measured, not the pace. */
	readonly callsPerSecond: number;
	readonly error?: string;
	/** A passing trouble, e.g. a shard being retried after throttling. */
	readonly note?: string;
}

/** Shard-level CloudWatch figures for every shard; 'off' when enhanced monitoring publishes none of them. */
export type ShardFigureState = {readonly status: 'off'} | Loadable<ShardFiguresResult>;

/** The shards read live at most: a screenful. */
export const LIVE_MAX_SHARDS = 50;
/** Shards charted and named in the top list. */
const TOP_SHARDS = 10;

/** The live figures of the shards read: rates summed, lag the largest of any shard. */
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
	/** For CloudWatch's figures, the time they are over when not the chosen window (the table's last 5 minutes). */
	readonly over?: string;
	readonly topKeys: ShardMeter['topKeys'];
}

/** A shard of the top list (by CloudWatch's shard-level IncomingRecords). */
export interface TopShard {
	readonly shardId: string;
	readonly recordsPerSecond: number;
}

export interface DashboardSnapshot {
	readonly stream: string;
	readonly info: StreamInfo | undefined;
	/** The shard map, in shard id order, refreshed every few seconds (every 30 s past 1,000 shards). */
	readonly shards: Loadable<readonly ShardView[]>;
	/** Open and closed shards in the map, counted once per refresh rather than per frame. */
	readonly counts: {readonly open: number; readonly closed: number};
	/** Every shard's CloudWatch figures over the last 5 minutes, refreshed every minute. */
	readonly figures: ShardFigureState;
	/** The busiest shards by those figures, busiest first. */
	readonly topShards: readonly TopShard[];
	readonly live: LiveState;
	/** Live figures per shard the reader reads, in shard id order. */
	readonly meters: readonly ShardMeter[];
	readonly totals: LiveTotals;
	readonly hottest: HotShard | undefined;
	/** CloudWatch history over the window; failed means "history unavailable". */
	readonly history: Loadable<StreamHistory>;
	readonly window: TimeWindow;
	readonly metric: ChartMetric;
}

/**
 * What the dashboard view reads; a fake with this shape stands in for it in view tests. Running, it
 * refreshes the shard map, the shards' CloudWatch figures and the history; it reads shards only when asked.
 */
export interface DashboardStore extends RunningStore<DashboardSnapshot> {
	refresh(): void;
	/** The shards in view now (the live reader follows them). */
	show(shardIds: readonly string[]): void;
	/** Starts reading the open shards in view live, or stops. */
	toggleLive(): void;
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
	/** Shard map refresh. Default 5 s, 30 s past 1,000 shards (ListShards pages 1,000 shards a call). */
	readonly shardRefreshMs?: number;
	/** Shard figures refresh. Default 60 s: CloudWatch's shard-level metrics come by the minute. */
	readonly figuresRefreshMs?: number;
	/** GetRecords calls per second per shard of the live reader. Default 1. */
	readonly liveCallsPerSecond?: number;
	/** How often live figures are recomputed. Default 1 s. */
	readonly tickMs?: number;
	/** History refresh; default: the period, at least 10 s and at most 5 minutes. */
	readonly historyRefreshMs?: number;
	/** The tail to read with (tests may replace it). */
	readonly tail?: TailSource;
	/** Where retries are said, as every screen says them: the status line. */
	readonly notices?: Pick<NoticeStore, 'say'>;
}

/** The status the dashboard shows for a stream that was there and is no longer found (deleted). */
export const NOT_FOUND = 'NOT FOUND';

const NO_TOTALS: LiveTotals = {recordsPerSecond: 0, bytesPerSecond: 0, millisBehindLatest: undefined, throttledPerMinute: 0};

const defaultDescribe = (error: unknown): string =>
	error instanceof Error ? (error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message) : String(error);

/**
 * One stream's dashboard: its shard map, every shard's CloudWatch figures (when enhanced monitoring
 * publishes them), CloudWatch history over a chosen window, the hottest shards, and, only when asked,
 * live figures from a tail at LATEST of the shards in view. Does nothing until started, and leaves
 * nothing running once stopped.
 */
export class StreamDashboardStore extends BackgroundStore<DashboardSnapshot> implements DashboardStore {
	private readonly meters: Meters;
	private readonly sample = new TrafficSample({perShard: 5_000});
	private readonly describe: (error: unknown) => Promise<string>;
	private readonly pace: number;
	private cancelHistory: (() => void) | undefined;
	/** When each shard's retries were last said on the status line. */
	private readonly retrySaidMs = new Map<string, number>();
	private shardsLoading = false;
	private figuresLoading = false;
	private historyRequest = 0;
	private openShards = new Set<string>();
	private onScreen: readonly string[] = [];
	/** The live reader's own stop, while it runs; a new set of shards replaces it. */
	private liveRun: AbortController | undefined;
	/** Whether live reading was on when the screen was last hidden: it starts again when the screen is back. */
	private resumeLive = false;
	private cancelFollow: (() => void) | undefined;

	constructor(private readonly options: DashboardStoreOptions) {
		const pace = Math.min(5, Math.max(0.1, options.liveCallsPerSecond ?? 1));
		super({
			stream: options.stream,
			info: undefined,
			shards: {status: 'loading'},
			counts: {open: 0, closed: 0},
			figures: {status: 'loading'},
			topShards: [],
			live: {status: 'off', shards: [], pace, callsPerSecond: 0},
			meters: [],
			totals: NO_TOTALS,
			hottest: undefined,
			history: {status: 'loading'},
			window: TIME_WINDOWS[0],
			metric: 'records',
		});
		this.pace = pace;
		this.meters = new Meters(options.now ?? Date.now);
		const describe = options.describeError ?? defaultDescribe;
		this.describe = async (error) => describe(error);
	}

	protected begin(session: Session): void {
		const shardsAgain = (): void => {
			const shards = this.getSnapshot().shards;
			const many = shards.status === 'ready' && shards.value.length > 1_000;
			session.after(this.options.shardRefreshMs ?? (many ? 30_000 : 5_000), () => {
				void session.track(this.refreshShards(session)).finally(shardsAgain);
			});
		};
		void session.track(
			this.refreshShards(session).then(async () => {
				// Timed from the first listing's end: by then the stream's size sets the pace.
				shardsAgain();
				// Read live when the screen was left (a split, say, opened from it): read again, its shards now open.
				if (this.resumeLive && session.live) {
					this.resumeLive = false;
					this.startLive(session);
				}
				await this.loadFigures(session);
				await this.loadHistory(session);
			}),
		);
		session.every(this.options.figuresRefreshMs ?? 60_000, () => void session.track(this.loadFigures(session)));
		session.every(this.options.tickMs ?? 1_000, () => this.tick());
	}

	protected override end(): void {
		this.cancelHistory = undefined;
		// A hidden screen reads nothing; what it read is dropped, not shown decaying to zero as if the shards were idle.
		this.resumeLive = this.liveRun !== undefined;
		this.liveRun = undefined;
		this.cancelFollow = undefined;
		this.meters.retain(new Set());
		this.set((previous) => ({...previous, live: {status: 'off', shards: [], pace: this.pace, callsPerSecond: 0}}));
		this.tick();
	}

	refresh(): void {
		const session = this.current;
		if (!session) return;
		void session.track(this.refreshShards(session));
		void session.track(this.loadFigures(session));
		void session.track(this.loadHistory(session));
	}

	show(shardIds: readonly string[]): void {
		if (shardIds.length === this.onScreen.length && shardIds.every((id, index) => id === this.onScreen[index])) return;
		this.onScreen = shardIds;
		const session = this.current;
		if (!session || !this.liveRun) return;
		// Scrolling moves the reader to the new rows, once the scrolling pauses.
		this.cancelFollow?.();
		this.cancelFollow = session.after(500, () => {
			const targets = this.liveTargets();
			const reading = this.getSnapshot().live.shards;
			if (targets.length !== reading.length || targets.some((id, index) => id !== reading[index])) this.startLive(session);
		});
	}

	toggleLive(): void {
		const session = this.current;
		if (!session) return;
		// Asked now: what was left when the screen was hidden no longer counts.
		this.resumeLive = false;
		if (this.liveRun) return this.stopLive();
		this.startLive(session);
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
		const first = this.getSnapshot().shards.status !== 'ready';
		try {
			const [{StreamDescriptionSummary: summary}, shards] = await Promise.all([
				kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), {abortSignal: signal}),
				// The first listing of a big stream shows each page of 1,000 shards as it comes.
				listAllShards(kinesis, stream, signal, first ? (page) => session.live && this.publishShards(page) : undefined),
			]);
			if (!session.live) return;
			const info: StreamInfo = {
				status: summary?.StreamStatus ?? 'UNKNOWN',
				mode: summary?.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
				retentionHours: summary?.RetentionPeriodHours,
				consumers: summary?.ConsumerCount,
				enhancedMetrics: (summary?.EnhancedMonitoring ?? []).flatMap((entry) => entry.ShardLevelMetrics ?? []),
			};
			this.publishShards(shards, info);
		} catch (error) {
			if (!session.live || signal.aborted) return;
			// Still throttled after the SDK's retries: not a failure to act on. The status line says so (the request
			// budget slowed the call); what is shown stays, and the next refresh asks again.
			if (errorKind(error) === 'throttling') return;
			const message = await this.describe(error);
			if (!session.live) return;
			// The stream is gone (deleted while on screen): the title says so instead of its last status.
			const gone = (error as {name?: unknown} | undefined)?.name === 'ResourceNotFoundException';
			this.set((previous) => ({
				...previous,
				...(gone && previous.info ? {info: {...previous.info, status: NOT_FOUND}} : {}),
				shards: previous.shards.status === 'ready' ? {...previous.shards, refreshError: message} : {status: 'failed', error: message},
				// The live reader reads on through a failed refresh (throttled, say); a stream that is gone ends it.
				...(!gone || previous.live.status === 'off' ? {} : {live: {...previous.live, status: 'failed' as const, error: message}}),
			}));
		} finally {
			this.shardsLoading = false;
		}
	}

	/** The shard map, in shard id order, with its counts. */
	private publishShards(shards: readonly Shard[], info?: StreamInfo): void {
		const value = shards.map(shardView).sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0));
		this.openShards = new Set(value.filter((shard) => shard.open).map((shard) => shard.shardId));
		const counts = {open: this.openShards.size, closed: value.length - this.openShards.size};
		this.set((previous) => ({...previous, ...(info ? {info} : {}), counts, shards: {status: 'ready', value, updatedAt: new Date()}}));
	}

	/** Every shard's figures from its shard-level metrics, when enhanced monitoring turned any on. */
	private async loadFigures(session: Session): Promise<void> {
		const {shards, info} = this.getSnapshot();
		const read = this.options.metrics.shardFigures?.bind(this.options.metrics);
		if (this.figuresLoading || shards.status !== 'ready' || !info) return;
		if (!read || enabledShardMetrics(info.enhancedMetrics).length === 0) {
			this.set((previous) => ({...previous, figures: {status: 'off'}, topShards: []}));
			return;
		}
		this.figuresLoading = true;
		try {
			const value = await read(
				{stream: this.options.stream, shardIds: shards.value.map((shard) => shard.shardId), enhancedMetrics: info.enhancedMetrics},
				session.signal,
			);
			if (!session.live) return;
			this.set((previous) => ({...previous, figures: {status: 'ready', value, updatedAt: new Date()}, topShards: topShards(value)}));
			this.tick();
		} catch (error) {
			if (!session.live || session.signal.aborted) return;
			const message = await this.describe(error);
			if (!session.live) return;
			this.set((previous) => ({
				...previous,
				figures: previous.figures.status === 'ready' ? {...previous.figures, refreshError: message} : {status: 'failed', error: message},
			}));
		} finally {
			this.figuresLoading = false;
		}
	}

	private async loadHistory(session: Session): Promise<void> {
		const request = ++this.historyRequest;
		const {window, topShards: top, info} = this.getSnapshot();
		const signal = session.signal;
		const current = () => session.live && request === this.historyRequest && !signal.aborted;
		try {
			const history = await this.options.metrics.streamHistory(
				{
					stream: this.options.stream,
					window,
					// Per-shard history for the busiest shards only: the table has every shard's figures.
					shardIds: top.map((shard) => shard.shardId),
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

	/** The open shards in view, at most LIVE_MAX_SHARDS. */
	private liveTargets(): string[] {
		return this.onScreen.filter((shardId) => this.openShards.has(shardId)).slice(0, LIVE_MAX_SHARDS);
	}

	private startLive(session: Session): void {
		this.liveRun?.abort();
		const shards = this.liveTargets();
		const controller = new AbortController();
		session.signal.addEventListener('abort', () => controller.abort(), {once: true});
		this.liveRun = controller;
		// What is no longer read is forgotten: memory follows the shards read, not the shards ever read.
		const kept = new Set(shards);
		this.meters.retain(kept);
		this.sample.retain(kept);
		if (shards.length === 0) {
			this.setLive({status: 'running', shards, pace: this.pace, callsPerSecond: 0, note: 'no open shard in view'});
			return;
		}
		this.setLive({status: 'starting', shards, pace: this.pace, callsPerSecond: 0});
		void session.track(this.runTail(session, controller, shards));
	}

	private stopLive(): void {
		this.liveRun?.abort();
		this.liveRun = undefined;
		this.cancelFollow?.();
		this.meters.retain(new Set());
		this.setLive({status: 'off', shards: [], pace: this.pace, callsPerSecond: 0});
		this.tick();
	}

	private async runTail(session: Session, run: AbortController, shards: readonly string[]): Promise<void> {
		const tail = this.options.tail ?? tailStream;
		const mine = () => session.live && this.liveRun === run && !run.signal.aborted;
		try {
			// Left open like the tail view, it waits out expired credentials and reads on once they are renewed.
			for await (const event of tail(this.options.kinesis, {
				stream: this.options.stream,
				from: LATEST,
				shards,
				callsPerSecond: this.pace,
				// Its live figures sample each shard at its pace, quiet or not: no idle backoff.
				idlePollMaxMs: 1000 / this.pace,
				shardRefreshMs: 30_000,
				waitForCredentials: true,
				signal: run.signal,
			})) {
				if (!mine()) break;
				this.meters.observe(event);
				this.sample.observe(event);
				await this.onTailEvent(event, mine);
			}
		} catch (error) {
			if (!mine()) return;
			await this.liveFailed(error, mine);
		}
	}

	private async onTailEvent(event: TailEvent, mine: () => boolean): Promise<void> {
		const live = this.getSnapshot().live;
		switch (event.type) {
			case 'records':
			case 'polled':
			case 'caught-up':
				if (live.status === 'starting') this.setLive({...live, status: 'running'});
				return;
			case 'retrying': {
				const what = event.shardId || 'the shard listing';
				this.setLive({...live, note: `retrying ${what}: ${event.reason}`});
				// The status line hears of a shard's retries every few seconds at most, as the tail's are said.
				const nowMs = Date.now();
				if (nowMs - (this.retrySaidMs.get(what) ?? Number.NEGATIVE_INFINITY) >= RETRY_NOTICE_MS) {
					this.retrySaidMs.set(what, nowMs);
					this.options.notices?.say('warning', `${what}: ${event.reason}; retrying in ${formatDelay(event.delayMs)}`);
				}
				return;
			}
			case 'recovered':
				if (live.note) this.setLive(withoutNote(live));
				return;
			case 'failed': {
				if (!event.shardId) return this.liveFailed(event.error, mine);
				const message = await this.describe(event.error);
				if (mine()) this.setLive({...this.getSnapshot().live, note: `${event.shardId} stopped: ${message}`});
				return;
			}
			default:
				return;
		}
	}

	private async liveFailed(error: unknown, mine: () => boolean): Promise<void> {
		const message = await this.describe(error);
		if (!mine()) return;
		this.setLive({...this.getSnapshot().live, status: 'failed', error: message});
	}

	private setLive(live: LiveState): void {
		this.set((previous) => ({...previous, live}));
	}

	/** Recomputes the live figures of the shards read (a screenful at most): rates move with time even when no event arrives. */
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
		const callsPerSecond = meters.reduce((sum, meter) => sum + meter.callsPerSecond, 0);
		this.set((previous) => ({
			...previous,
			meters,
			totals,
			live: previous.live.status === 'off' ? previous.live : {...previous.live, callsPerSecond},
			hottest: hottestShard(meters, previous.history, previous.topShards),
		}));
	}
}

/** A shard's retries reach the status line at most this often. */
const RETRY_NOTICE_MS = 5_000;

const withoutNote = ({note: _note, ...live}: LiveState): LiveState => live;

/** The busiest shards by CloudWatch's IncomingRecords, busiest first: one pass, a short list kept sorted. */
function topShards(figures: ShardFiguresResult): TopShard[] {
	const top: TopShard[] = [];
	for (const [shardId, shard] of figures.shards) {
		const rate = shard.recordsPerSecond ?? 0;
		if (rate <= 0 || (top.length === TOP_SHARDS && rate <= (top.at(-1)?.recordsPerSecond ?? 0))) continue;
		top.push({shardId, recordsPerSecond: rate});
		top.sort((a, b) => b.recordsPerSecond - a.recordsPerSecond || (a.shardId < b.shardId ? -1 : 1));
		if (top.length > TOP_SHARDS) top.pop();
	}
	return top;
}

/**
 * The hottest shard by live records/s; without live traffic, by CloudWatch's shard-level IncomingRecords:
 * the last 5 minutes of every shard when read, or else the window's history of the shards it has.
 */
export function hottestShard(
	meters: readonly ShardMeter[],
	history: Loadable<StreamHistory>,
	top: readonly TopShard[] = [],
): HotShard | undefined {
	const live = meters.reduce<ShardMeter | undefined>(
		(best, meter) => (meter.recordsPerSecond > (best?.recordsPerSecond ?? 0) ? meter : best),
		undefined,
	);
	if (live) return {shardId: live.shardId, recordsPerSecond: live.recordsPerSecond, source: 'live', topKeys: live.topKeys};
	const busiest = top[0];
	if (busiest)
		return {
			...busiest,
			source: 'cloudwatch',
			over: 'last 5m',
			topKeys: meters.find((meter) => meter.shardId === busiest.shardId)?.topKeys ?? [],
		};
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
