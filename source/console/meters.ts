import type {TailEvent} from './tail/index.js';

/**
 * Live per-shard figures from what the console's own readers see: records and bytes per second,
 * how far behind the newest record each reader is, the partition keys seen most often, and how much
 * of the shard's read budget (5 calls/s, 2 MiB/s) the console itself spends. A small store: feed it
 * tail events, read snapshots, subscribe for changes.
 */
export interface ShardMeter {
	readonly shardId: string;
	readonly recordsPerSecond: number;
	readonly bytesPerSecond: number;
	readonly callsPerSecond: number;
	/** The time the rates are measured over: the last 10 complete seconds, or since the shard was first read if later. */
	readonly rateWindowMs: number;
	readonly millisBehindLatest: number | undefined;
	/** The console's share of the shard's read budget, 0..1 (AWS allows 5 calls/s and 2 MiB/s per shard). */
	readonly readBudget: {readonly calls: number; readonly bytes: number};
	readonly throttledPerMinute: number;
	readonly totalRecords: number;
	readonly topKeys: ReadonlyArray<{readonly key: string; readonly count: number; readonly share: number}>;
}

export type MeterSeries = 'records' | 'bytes' | 'millisBehindLatest';

const HISTORY_SECONDS = 600;
const RATE_WINDOW_SECONDS = 10;
const TRACKED_KEYS = 64;
const READ_CALLS_PER_SECOND = 5;
const READ_BYTES_PER_SECOND = 2 * 1024 * 1024;

interface Bucket {
	second: number;
	records: number;
	bytes: number;
	calls: number;
	throttles: number;
	millisBehindLatest: number | undefined;
}

class ShardFigures {
	constructor(readonly firstMs: number) {}
	readonly buckets: Bucket[] = Array.from({length: HISTORY_SECONDS}, () => ({
		second: -1,
		records: 0,
		bytes: 0,
		calls: 0,
		throttles: 0,
		millisBehindLatest: undefined,
	}));
	millisBehindLatest: number | undefined;
	totalRecords = 0;
	readonly keys = new SpaceSaving(TRACKED_KEYS);

	bucket(second: number): Bucket {
		const bucket = this.buckets[second % HISTORY_SECONDS] as Bucket;
		if (bucket.second !== second)
			Object.assign(bucket, {second, records: 0, bytes: 0, calls: 0, throttles: 0, millisBehindLatest: undefined});
		return bucket;
	}

	sum(nowSecond: number, seconds: number, pick: (bucket: Bucket) => number): number {
		let total = 0;
		for (let second = nowSecond - seconds + 1; second <= nowSecond; second++) {
			const bucket = this.buckets[((second % HISTORY_SECONDS) + HISTORY_SECONDS) % HISTORY_SECONDS] as Bucket;
			if (bucket.second === second) total += pick(bucket);
		}
		return total;
	}
}

export class Meters {
	private readonly shards = new Map<string, ShardFigures>();
	private readonly listeners = new Set<() => void>();
	private version = 0;

	constructor(private readonly now: () => number = Date.now) {}

	observe(event: TailEvent): void {
		const nowMs = 'atMs' in event ? event.atMs : this.now();
		const second = Math.floor(nowMs / 1000);
		switch (event.type) {
			case 'records': {
				const figures = this.figures(event.shardId, nowMs);
				const bucket = figures.bucket(second);
				bucket.records += event.records.length;
				bucket.bytes += event.bytes;
				bucket.calls += 1;
				bucket.millisBehindLatest = event.millisBehindLatest;
				figures.millisBehindLatest = event.millisBehindLatest;
				figures.totalRecords += event.records.length;
				for (const record of event.records) figures.keys.add(record.partitionKey);
				break;
			}
			case 'polled': {
				const figures = this.figures(event.shardId, nowMs);
				const bucket = figures.bucket(second);
				bucket.calls += 1;
				bucket.millisBehindLatest = event.millisBehindLatest;
				figures.millisBehindLatest = event.millisBehindLatest;
				break;
			}
			case 'retrying':
				if (event.shardId && event.kind === 'throttling') this.figures(event.shardId, nowMs).bucket(second).throttles += 1;
				break;
			default:
				return;
		}
		this.changed();
	}

	/** The figures of every shard seen, in shard id order. */
	snapshot(): ShardMeter[] {
		const nowSecond = Math.floor(this.now() / 1000);
		// The current second is still filling: rates use the complete seconds before it.
		const last = nowSecond - 1;
		return [...this.shards.entries()]
			.sort(([a], [b]) => (a < b ? -1 : 1))
			.map(([shardId, figures]) => {
				// A shard read for less than the window is measured over the seconds it has been read: a reader
				// just started spends 1 call/s, not a tenth of that. Whole seconds, as the buckets count: from the
				// very millisecond of its first call, a reader polling once a second would say up to half as much again.
				const seconds = Math.min(RATE_WINDOW_SECONDS, Math.max(1, last + 1 - Math.floor(figures.firstMs / 1000)));
				const rate = (pick: (bucket: Bucket) => number) => figures.sum(last, RATE_WINDOW_SECONDS, pick) / seconds;
				const callsPerSecond = rate((bucket) => bucket.calls);
				const bytesPerSecond = rate((bucket) => bucket.bytes);
				return {
					shardId,
					recordsPerSecond: rate((bucket) => bucket.records),
					bytesPerSecond,
					callsPerSecond,
					rateWindowMs: seconds * 1000,
					millisBehindLatest: figures.millisBehindLatest,
					readBudget: {calls: callsPerSecond / READ_CALLS_PER_SECOND, bytes: bytesPerSecond / READ_BYTES_PER_SECOND},
					throttledPerMinute: figures.sum(nowSecond, 60, (bucket) => bucket.throttles),
					totalRecords: figures.totalRecords,
					topKeys: figures.keys
						.top(5)
						.map(({key, count}) => ({key, count, share: figures.totalRecords > 0 ? count / figures.totalRecords : 0})),
				};
			});
	}

	/**
	 * One value per second for the last `seconds` seconds (oldest first), for charts; lag carried over seconds
	 * without an answer. A rate's answer holds what arrived since the shard's answer before: it is spread over
	 * the seconds between them (up to RATE_WINDOW_SECONDS), so that a shard read once every second or so
	 * charts its rate, not a comb of its answers and the empty seconds between.
	 */
	series(shardId: string, metric: MeterSeries, seconds: number): number[] {
		const figures = this.shards.get(shardId);
		const end = Math.floor(this.now() / 1000) - 1;
		const out: number[] = [];
		let carried = 0;
		let lastAnswered: number | undefined;
		for (let second = end - Math.min(seconds, HISTORY_SECONDS - 1) + 1; second <= end; second++) {
			const bucket = figures?.buckets[((second % HISTORY_SECONDS) + HISTORY_SECONDS) % HISTORY_SECONDS];
			const current = bucket?.second === second ? bucket : undefined;
			if (metric === 'millisBehindLatest') {
				carried = current?.millisBehindLatest ?? carried;
				out.push(carried);
				continue;
			}
			out.push(current ? current[metric] : 0);
			if (!current || current.calls === 0) continue;
			const span = lastAnswered === undefined ? 1 : Math.min(RATE_WINDOW_SECONDS, out.length - 1 - lastAnswered);
			const each = (out.at(-1) ?? 0) / span;
			for (let back = 0; back < span; back++) out[out.length - 1 - back] = each;
			lastAnswered = out.length - 1;
		}
		return out;
	}

	/** The shard that takes the most records per second, if any is receiving. */
	hottest(): ShardMeter | undefined {
		return this.snapshot().reduce<ShardMeter | undefined>(
			(best, meter) => (meter.recordsPerSecond > (best?.recordsPerSecond ?? 0) ? meter : best),
			undefined,
		);
	}

	/** Forgets every shard but these (the shards still read): memory stays bounded by what is read now. */
	retain(shardIds: ReadonlySet<string>): void {
		for (const shardId of this.shards.keys()) if (!shardIds.has(shardId)) this.shards.delete(shardId);
	}

	subscribe(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Changes each time an event is observed, for useSyncExternalStore. */
	getVersion(): number {
		return this.version;
	}

	private figures(shardId: string, atMs: number): ShardFigures {
		let figures = this.shards.get(shardId);
		if (!figures) this.shards.set(shardId, (figures = new ShardFigures(atMs)));
		return figures;
	}

	private changed(): void {
		this.version++;
		for (const listener of this.listeners) listener();
	}
}

/**
 * The most frequent keys in bounded memory (Metwally et al.'s Space-Saving): at most `capacity`
 * counters; a new key replaces the smallest and inherits its count, so heavy hitters are never missed.
 */
export class SpaceSaving {
	private readonly counts = new Map<string, number>();

	constructor(private readonly capacity: number) {}

	add(key: string): void {
		const count = this.counts.get(key);
		if (count !== undefined) {
			this.counts.set(key, count + 1);
			return;
		}
		if (this.counts.size < this.capacity) {
			this.counts.set(key, 1);
			return;
		}
		let smallestKey = '';
		let smallest = Number.POSITIVE_INFINITY;
		for (const [candidate, candidateCount] of this.counts) {
			if (candidateCount < smallest) {
				smallest = candidateCount;
				smallestKey = candidate;
			}
		}
		this.counts.delete(smallestKey);
		this.counts.set(key, smallest + 1);
	}

	top(n: number): Array<{key: string; count: number}> {
		return [...this.counts.entries()]
			.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
			.slice(0, n)
			.map(([key, count]) => ({key, count}));
	}
}
