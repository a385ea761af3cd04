import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {errorKind} from './aws/errors.js';
import {BackgroundStore, type Loadable, type Session} from './store.js';
import {streamDetails, streamSummaryPages, type StreamDetails, type StreamSummary} from './streams.js';

/** Details as read, and when: a row shows them until they are refreshed. */
export interface DescribedStream extends StreamDetails {
	readonly describedAtMs: number;
}

/** A stream in the list: its summary, its details once read, and its incoming records/s over 5 minutes when CloudWatch has it. */
export interface StreamRow extends StreamSummary {
	readonly details?: DescribedStream;
	readonly incomingRate?: number;
}

export interface StreamList {
	readonly streams: readonly StreamRow[];
	/** False while the first listing is still paging: more streams are coming. */
	readonly complete: boolean;
}

/** Where incoming rates come from (CloudWatch), and how often to ask: rates move by the minute, and each query costs. */
export interface IncomingRates {
	readonly fetch: (streamNames: readonly string[], signal?: AbortSignal) => Promise<ReadonlyMap<string, number>>;
	readonly everyMs: number;
}

export interface StreamsStoreOptions {
	readonly kinesis: KinesisClient;
	/** Turns an error into what the user reads. */
	readonly describeError: (error: unknown) => Promise<string>;
	/** Time between listings (ListStreams, a page per 100 streams). Default 30 s: streams come and go rarely. */
	readonly refreshMs?: number;
	/** How old the details of a stream on screen may get before they are read again. Default 30 s. */
	readonly detailsMaxAgeMs?: number;
	readonly incomingRates?: IncomingRates;
	readonly now?: () => number;
}

/** Streams described at once: the request budget paces them further. */
const DESCRIBING_AT_ONCE = 4;
/** How often the streams on screen are checked for details and rates due. */
const CHECK_MS = 250;
/** How soon a listing throttled before it was whole is asked for again (the request budget paces it too). */
const THROTTLED_RETRY_MS = 5_000;

/**
 * The streams of the account and region, for the list. Everything comes from ListStreams' summaries,
 * a call per 100 streams; the details that cost a call or two per stream (shards, retention, consumers,
 * encryption) and the CloudWatch rates are read only for the streams on screen (`show`), kept with
 * their age, and read again when they grow old. With 1,000 streams that is a few calls a second,
 * where describing every stream would be 200 a second on an account quota of 20.
 */
export class StreamsStore extends BackgroundStore<Loadable<StreamList>> {
	private summaries: readonly StreamSummary[] = [];
	private complete = false;
	private readonly details = new Map<string, DescribedStream>();
	private readonly describing = new Set<string>();
	/** When a stream's description last failed: it is tried again once as old as details may get. */
	private readonly failedAtMs = new Map<string, number>();
	private onScreen: readonly string[] = [];
	private listing: Promise<void> | undefined;
	private rates = new Map<string, number>();
	private ratesAttemptMs = Number.NEGATIVE_INFINITY;
	private ratesOk = false;
	private ratesLoading = false;
	private readonly now: () => number;

	constructor(private readonly options: StreamsStoreOptions) {
		super({status: 'loading'});
		this.now = options.now ?? Date.now;
	}

	protected begin(session: Session): void {
		session.repeat(this.options.refreshMs ?? 30_000, () => this.list(session));
		session.every(CHECK_MS, () => this.readDue(session));
	}

	/** The streams a screen shows now: only theirs are described and rated. */
	show(names: readonly string[]): void {
		if (names.length === this.onScreen.length && names.every((name, index) => name === this.onScreen[index])) return;
		this.onScreen = names;
		const session = this.current;
		if (session) this.readDue(session);
	}

	/** Lists again now, and reads every stream's details again as it comes into view (at once for those in view). */
	refresh(): Promise<void> {
		for (const name of this.details.keys()) this.markStale(name);
		this.ratesAttemptMs = Number.NEGATIVE_INFINITY;
		const session = this.current;
		if (!session) return Promise.resolve();
		return this.list(session).then(() => this.readDue(session));
	}

	/** A change to the stream ended: its details are read again when next in view. */
	changed(name: string): void {
		this.markStale(name);
	}

	/** Keeps a stream's details on show but reads them again when next in view. */
	private markStale(name: string): void {
		const details = this.details.get(name);
		if (details) this.details.set(name, {...details, describedAtMs: Number.NEGATIVE_INFINITY});
	}

	/** Every page of ListStreams; the first listing shows each page as it comes, later ones replace the list when whole. */
	private list(session: Session): Promise<void> {
		this.listing ??= session.track(this.listPages(session)).finally(() => (this.listing = undefined));
		return this.listing;
	}

	private async listPages(session: Session): Promise<void> {
		const progressive = this.getSnapshot().status !== 'ready';
		const streams: StreamSummary[] = [];
		try {
			for await (const page of streamSummaryPages(this.options.kinesis, session.signal)) {
				if (!session.live) return;
				streams.push(...page);
				if (progressive) this.publish(streams, false);
			}
			// A stream whose status moved since it was described (a reshard ended, an update began) has other details now.
			for (const stream of streams) {
				const details = this.details.get(stream.name);
				if (details && stream.status !== undefined && stream.status !== details.status) this.markStale(stream.name);
			}
			this.publish(streams, true);
			const listed = new Set(streams.map((stream) => stream.name));
			for (const known of [this.details, this.failedAtMs, this.rates]) {
				for (const name of known.keys()) if (!listed.has(name)) (known as Map<string, unknown>).delete(name);
			}
		} catch (error) {
			if (!session.live) return;
			if (errorKind(error) === 'throttling') {
				// Still throttled after the SDK's retries: not a failure to act on. The status line says so (the
				// request budget slowed the call); what is shown stays, and a list not yet whole is asked again soon.
				if (!this.complete) session.after(THROTTLED_RETRY_MS, () => void this.list(session));
				return;
			}
			const message = await this.options.describeError(error);
			// Keep showing what was loaded; say that the refresh failed.
			this.set((previous) => (previous.status === 'ready' ? {...previous, refreshError: message} : {status: 'failed', error: message}));
		}
	}

	private publish(summaries: readonly StreamSummary[], complete: boolean): void {
		this.summaries = summaries;
		this.complete = complete;
		this.render();
	}

	private render(): void {
		const previous = this.getSnapshot();
		const streams = this.summaries.map((summary) => this.rowOf(summary));
		this.set({
			status: 'ready',
			value: {streams, complete: this.complete},
			updatedAt: previous.status === 'ready' && !this.complete ? previous.updatedAt : new Date(this.now()),
		});
	}

	private rowOf(summary: StreamSummary): StreamRow {
		const details = this.details.get(summary.name);
		const rate = this.rates.get(summary.name);
		if (!details && rate === undefined) return summary;
		return {...summary, ...(details ? {details} : {}), ...(rate === undefined ? {} : {incomingRate: rate})};
	}

	/** Describes the streams on screen whose details are missing or old, and rates them, when due. */
	private readDue(session: Session): void {
		this.describeDue(session);
		void session.track(this.refreshRates(session));
	}

	/** Describes the streams on screen whose details are missing or old, oldest first, a few at a time. */
	private describeDue(session: Session): void {
		const maxAgeMs = this.options.detailsMaxAgeMs ?? 30_000;
		const nowMs = this.now();
		const due = this.onScreen
			.filter((name) => !this.describing.has(name))
			.map((name) => ({
				name,
				age: nowMs - Math.max(this.details.get(name)?.describedAtMs ?? -Infinity, this.failedAtMs.get(name) ?? -Infinity),
			}))
			.filter(({age}) => age >= maxAgeMs)
			.sort((a, b) => b.age - a.age);
		for (const {name} of due.slice(0, Math.max(0, DESCRIBING_AT_ONCE - this.describing.size))) {
			void session.track(this.describe(session, name));
		}
	}

	private async describe(session: Session, name: string): Promise<void> {
		this.describing.add(name);
		try {
			const details = await streamDetails(this.options.kinesis, name, session.signal);
			if (!session.live) return;
			this.details.set(name, {...details, describedAtMs: this.now()});
			this.failedAtMs.delete(name);
			this.render();
		} catch {
			// The row keeps its summary and what was read before (a stream deleted meanwhile leaves at the next
			// listing); waiting as long as for a refresh, a failing stream costs no more calls than a working one.
			if (session.live) this.failedAtMs.set(name, this.now());
		} finally {
			this.describing.delete(name);
			// The next row due starts at once: the budget, not a timer, sets the pace.
			if (session.live) this.describeDue(session);
		}
	}

	/** Incoming rates of the streams on screen, when due; a failure shows as no rate ('-'), never as a failed list. */
	private async refreshRates(session: Session): Promise<void> {
		const source = this.options.incomingRates;
		const names = this.onScreen;
		if (!source || this.ratesLoading || names.length === 0) return;
		const nowMs = this.now();
		const due = nowMs - this.ratesAttemptMs >= source.everyMs || (this.ratesOk && names.some((name) => !this.rates.has(name)));
		if (!due) return;
		this.ratesLoading = true;
		this.ratesAttemptMs = nowMs;
		try {
			const fresh = await source.fetch(names, session.signal);
			this.rates = new Map([...this.rates, ...fresh]);
			this.ratesOk = true;
		} catch {
			this.rates = new Map();
			this.ratesOk = false;
		} finally {
			this.ratesLoading = false;
		}
		if (session.live && this.getSnapshot().status === 'ready') this.render();
	}
}
