import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {BackgroundStore, type Loadable, type Session} from './store.js';
import {streamOverviews, type StreamOverview} from './streams.js';

/** A stream in the list, with its incoming records/s over the last 5 minutes when CloudWatch has it. */
export type StreamRow = StreamOverview & {readonly incomingRate?: number};

/** Where incoming rates come from (CloudWatch), and how often to ask: rates move by the minute, and each query costs. */
export interface IncomingRates {
	readonly fetch: (streamNames: readonly string[]) => Promise<ReadonlyMap<string, number>>;
	readonly everyMs: number;
}

export interface StreamsStoreOptions {
	readonly kinesis: KinesisClient;
	/** Turns an error into what the user reads. */
	readonly describeError: (error: unknown) => Promise<string>;
	/** Time between list reads. Default 5 s. */
	readonly refreshMs?: number;
	readonly incomingRates?: IncomingRates;
}

/** Every stream, refreshed on an interval while something holds it. */
export class StreamsStore extends BackgroundStore<Loadable<readonly StreamRow[]>> {
	private loading = false;
	private rates: ReadonlyMap<string, number> = new Map();
	private ratesAttemptMs = Number.NEGATIVE_INFINITY;
	private ratesOk = false;
	private ratesLoading = false;

	constructor(private readonly options: StreamsStoreOptions) {
		super({status: 'loading'});
	}

	protected begin(session: Session): void {
		session.repeat(this.options.refreshMs ?? 5_000, () => this.refresh());
	}

	async refresh(): Promise<void> {
		if (this.loading) return;
		this.loading = true;
		try {
			const value = await streamOverviews(this.options.kinesis);
			this.set({status: 'ready', value: value.map((stream) => this.withRate(stream)), updatedAt: new Date()});
			void this.refreshRates(value.map((stream) => stream.name));
		} catch (error) {
			const message = await this.options.describeError(error);
			// Keep showing what was loaded; say that the refresh failed.
			this.set((previous) => (previous.status === 'ready' ? {...previous, refreshError: message} : {status: 'failed', error: message}));
		} finally {
			this.loading = false;
		}
	}

	private withRate(stream: StreamOverview): StreamRow {
		const rate = this.rates.get(stream.name);
		return rate === undefined ? stream : {...stream, incomingRate: rate};
	}

	/** Incoming rates, when due; a failure shows as no rate ('-'), never as a failed list. */
	private async refreshRates(names: readonly string[]): Promise<void> {
		const source = this.options.incomingRates;
		if (!source || this.ratesLoading || names.length === 0) return;
		const due = Date.now() - this.ratesAttemptMs >= source.everyMs || (this.ratesOk && names.some((name) => !this.rates.has(name)));
		if (!due) return;
		this.ratesLoading = true;
		this.ratesAttemptMs = Date.now();
		try {
			this.rates = await source.fetch(names);
			this.ratesOk = true;
		} catch {
			this.rates = new Map();
			this.ratesOk = false;
		} finally {
			this.ratesLoading = false;
		}
		this.set((previous) =>
			previous.status === 'ready'
				? {...previous, value: previous.value.map(({incomingRate: _, ...stream}) => this.withRate(stream))}
				: previous,
		);
	}
}
