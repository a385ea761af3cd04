import {formatFailure, toFailure} from '../failures.js';
import {BackgroundStore, type Loadable, type Session} from '../store.js';
import {BehindHistory, type BehindRow} from './behind.js';
import type {StreamConsumers} from './index.js';

export interface BehindView {
	/** Every consumer, worst first. */
	readonly rows: readonly BehindRow[];
	readonly problems: StreamConsumers['problems'];
	readonly retentionHours?: number;
	/** Readings taken since the store first started. */
	readonly readings: number;
	readonly windowMs: number;
	readonly periodMs: number;
}

export interface BehindStoreOptions {
	/** Every kind's consumers of the stream (discoverConsumers). */
	readonly discover: (signal: AbortSignal | undefined) => Promise<StreamConsumers>;
	/**
	 * Time between readings. Default 15 s: a reading is one discovery (a scan per lease table and a
	 * GetShardIterator and GetRecords per lease, a ListStreamConsumers, a ListEventSourceMappings per source,
	 * two GetMetricData, the channels), a few calls a second at most, each through the request budget.
	 */
	readonly periodMs?: number;
	/** The window a status is judged over (status.ts), where the kind has no CloudWatch series. Default 2 minutes. */
	readonly windowMs?: number;
	readonly describeError?: (error: unknown) => Promise<string> | string;
}

export const BEHIND_PERIOD_MS = 15_000;
export const BEHIND_WINDOW_MS = 120_000;

/**
 * Who is behind, for the consumers screen and each consumer's own: every consumer of the stream read
 * every period while a screen holds the store (only the screen on top does), its readings kept for the
 * window, and the list worst first. Readings survive a stop, so a screen opened again goes on judging.
 */
export class BehindStore extends BackgroundStore<Loadable<BehindView>> {
	private readonly history: BehindHistory;
	private readings = 0;
	private reading: Promise<void> | undefined;

	constructor(private readonly options: BehindStoreOptions) {
		super({status: 'loading'});
		this.history = new BehindHistory(options.windowMs ?? BEHIND_WINDOW_MS);
	}

	protected begin(session: Session): void {
		session.repeat(this.options.periodMs ?? BEHIND_PERIOD_MS, () => this.refresh());
	}

	/** Reads once now (a reading under way is shared). */
	refresh(): Promise<void> {
		const session = this.current;
		if (this.reading === undefined) {
			const read = this.readOnce(session);
			this.reading = (session ? session.track(read) : read).finally(() => (this.reading = undefined));
		}
		return this.reading;
	}

	private async readOnce(session: Session | undefined): Promise<void> {
		const signal = session?.signal;
		try {
			const found = await this.options.discover(signal);
			if (session && !session.live) return;
			this.history.add(found);
			this.readings++;
			this.set({
				status: 'ready',
				value: {
					rows: this.history.rows(),
					problems: found.problems,
					...(found.retentionHours === undefined ? {} : {retentionHours: found.retentionHours}),
					readings: this.readings,
					windowMs: this.history.windowMs,
					periodMs: this.options.periodMs ?? BEHIND_PERIOD_MS,
				},
				updatedAt: new Date(found.atMs ?? Date.now()),
			});
		} catch (error) {
			if (signal?.aborted) return;
			const message = await (this.options.describeError ?? defaultDescribe)(error);
			this.set((previous) => (previous.status === 'ready' ? {...previous, refreshError: message} : {status: 'failed', error: message}));
		}
	}
}

const defaultDescribe = async (error: unknown): Promise<string> => formatFailure(await toFailure(error, {service: 'kinesis'}));
