import {formatFailure, toFailure} from '../failures.js';
import type {LeaseClients} from '../leases.js';
import {BackgroundStore, type Loadable, type Session} from '../store.js';
import type {StreamRef} from '../aws/shards.js';
import {CheckpointReader, type CheckpointsReport, type LeaseWatch} from './reading.js';

export interface LagPoint {
	readonly atMs: number;
	/** The lag then; 0 when caught up or finished, undefined when unknown. */
	readonly lagMs: number | undefined;
}

export interface CheckpointsView {
	readonly report: CheckpointsReport;
	/** Lag over time per shard, oldest first, since the store started. */
	readonly series: Readonly<Record<string, readonly LagPoint[]>>;
}

export interface CheckpointsStoreOptions {
	readonly clients: LeaseClients;
	readonly stream: StreamRef;
	readonly application: string;
	/** Time between reads. Default 5 s. */
	readonly refreshMs?: number;
	/** A lease whose counter has not moved for this long is not held by a live worker. Default 10 s. */
	readonly staleAfterMs?: number;
	/** Points kept per shard. Default 360 (30 minutes at 5 s). */
	readonly seriesPoints?: number;
	readonly concurrency?: number;
	readonly now?: () => number;
	readonly describeError?: (error: unknown) => Promise<string> | string;
}

/**
 * Between reads, at least this long per lease: a KCL lease is about 300–500 bytes, so a read of 2,000 leases
 * (eventually consistent, 8 KB a read unit) is about 125 units; every 20 s, about 6 a second.
 */
const MS_PER_LEASE = 10;

/** The time between a view's reads of an application's `leases`: `refreshMs` (default 5 s), or MS_PER_LEASE each if longer. */
export const readEveryMs = (leases: number, refreshMs = 5_000): number => Math.max(refreshMs, leases * MS_PER_LEASE);

/** How long a lease's counter may stay put before a view says no live worker holds it (the KCL's default failover time). */
export const HOLDER_STALE_MS = 10_000;

/**
 * An application's checkpoints for a view: read at once and every few seconds while started, holders
 * judged over successive reads, and each shard's lag kept as a series for charting. Does nothing until
 * started (held by a screen while visible), and leaves nothing running once stopped.
 */
export class CheckpointsStore extends BackgroundStore<Loadable<CheckpointsView>> {
	private readonly reader: CheckpointReader;
	private readonly series = new Map<string, LagPoint[]>();
	private reading: Promise<void> | undefined;

	constructor(private readonly options: CheckpointsStoreOptions) {
		super({status: 'loading'});
		this.reader = new CheckpointReader(options.clients, options.stream, options.application, {
			staleAfterMs: options.staleAfterMs ?? HOLDER_STALE_MS,
			...(options.concurrency === undefined ? {} : {concurrency: options.concurrency}),
			...(options.now === undefined ? {} : {now: options.now}),
		});
	}

	/** The holders as this store has judged them: pass to planCheckpointReset to skip its own liveness reads. */
	get watch(): LeaseWatch {
		return this.reader.watch;
	}

	protected begin(session: Session): void {
		session.repeat(
			() => this.nextReadMs(),
			() => this.refresh(),
		);
	}

	/**
	 * The time to the next read: `refreshMs`, or longer for a big table, so that a view open for long spends
	 * a bounded share of the read units the application's workers need (each read scans the whole table).
	 */
	private nextReadMs(): number {
		const state = this.getSnapshot();
		return readEveryMs(state.status === 'ready' ? state.value.report.shards.length : 0, this.options.refreshMs);
	}

	/** Reads once now (a read under way is shared); while running, stop ends it. */
	refresh(): Promise<void> {
		const session = this.current;
		if (this.reading === undefined) {
			const read = this.readOnce(session);
			this.reading = (session ? session.track(read) : read).finally(() => (this.reading = undefined));
		}
		return this.reading;
	}

	lagSeries(shardId: string): readonly LagPoint[] {
		return this.series.get(shardId) ?? [];
	}

	private async readOnce(session: Session | undefined): Promise<void> {
		const signal = session?.signal;
		try {
			const report = await this.reader.read(0, signal);
			if (session && !session.live) return;
			const atMs = Date.parse(report.at);
			const keep = this.options.seriesPoints ?? 360;
			for (const shard of report.shards) {
				const lagMs = shard.lag.state === 'behind' ? shard.lag.ageMs : shard.lag.state === 'unknown' ? undefined : 0;
				const points = [...(this.series.get(shard.shardId) ?? []), {atMs, lagMs}];
				this.series.set(shard.shardId, points.slice(-keep));
			}
			for (const shardId of [...this.series.keys()])
				if (!report.shards.some((shard) => shard.shardId === shardId)) this.series.delete(shardId);
			this.set({status: 'ready', value: {report, series: Object.fromEntries(this.series)}, updatedAt: new Date(atMs)});
		} catch (error) {
			if (signal?.aborted) return;
			const message = await (this.options.describeError ?? defaultDescribe)(error);
			this.set((previous) => (previous.status === 'ready' ? {...previous, refreshError: message} : {status: 'failed', error: message}));
		}
	}
}

const defaultDescribe = async (error: unknown): Promise<string> => formatFailure(await toFailure(error, {service: 'dynamodb'}));
