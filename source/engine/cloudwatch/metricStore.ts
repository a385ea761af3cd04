/**
 * Where the engine keeps metric data: per series (region, namespace, metric name, dimensions), the
 * sum, minimum, maximum and sample count of every second and of every minute, in chunks of 60 slots
 * allocated only where data falls. Memory is bounded three ways, however long the engine runs:
 * - time: 1-second data is kept for 3 hours and 1-minute data for 15 days (CloudWatch's own windows
 *   for high-resolution and 1-minute data); older chunks are dropped;
 * - space: at most `maxSecondChunks` and `maxMinuteChunks` chunks (about 1.9 KiB each) are held; past
 *   that the oldest chunk goes first, so under heavy load 1-second history can be shorter than 3 hours;
 * - count: series from PutMetricData are capped (`maxClientSeries`, refused with LimitExceeded past it),
 *   and a series whose data has all aged out is forgotten.
 */
export interface Dimension {
	readonly Name: string;
	readonly Value: string;
}

export interface MetricStoreOptions {
	/** The engine's clock. */
	readonly now: () => number;
	/** Chunks of 60 one-second slots (one series-minute each). Default 8,192: about 15 MiB. */
	readonly maxSecondChunks?: number;
	/** Chunks of 60 one-minute slots (one series-hour each). Default 4,096: about 7.5 MiB. */
	readonly maxMinuteChunks?: number;
	/** Distinct series that PutMetricData may create. Default 10,000. */
	readonly maxClientSeries?: number;
	/** Distinct series the engine records for its own streams. Default 50,000. */
	readonly maxEngineSeries?: number;
}

interface Resolution {
	readonly slotMs: number;
	readonly chunkMs: number;
	readonly windowMs: number;
}

const SLOTS = 60;
const FIELDS = 4; // sum, minimum, maximum, sample count
export const SECOND = 0;
export const MINUTE = 1;
type ResolutionIndex = typeof SECOND | typeof MINUTE;
export const RESOLUTIONS: readonly [Resolution, Resolution] = [
	{slotMs: 1000, chunkMs: 60_000, windowMs: 3 * 3_600_000},
	{slotMs: 60_000, chunkMs: 3_600_000, windowMs: 15 * 86_400_000},
];

/** A metric with its own data; handles stay valid for as long as a caller keeps them. */
export class Series {
	/** Chunks by index (time / chunkMs), one map per resolution. */
	readonly chunks: [Map<number, Float64Array>, Map<number, Float64Array>] = [new Map(), new Map()];
	/** The latest time any data was recorded for. */
	lastMs = Number.NEGATIVE_INFINITY;
	/** Set once every chunk has gone; the series is then out of the store until it records again. */
	retired = false;

	constructor(
		private readonly store: MetricStore,
		readonly key: string,
		readonly region: string,
		readonly namespace: string,
		readonly name: string,
		/** In the order first given; the key sorts them. */
		readonly dimensions: readonly Dimension[],
		public unit: string,
		readonly fromClient: boolean,
	) {}

	/** One sample. */
	observe(value: number, atMs: number): void {
		this.store.add(this, value, value, value, 1, atMs);
	}

	/** A set of samples already summarized. */
	observeStatistics(sum: number, minimum: number, maximum: number, sampleCount: number, atMs: number): void {
		this.store.add(this, sum, minimum, maximum, sampleCount, atMs);
	}
}

interface ChunkRef {
	readonly series: Series;
	readonly index: number;
}

/** Chunks in allocation order, which is close to time order: the head is the first to expire or be evicted. */
class ChunkQueue {
	private items: ChunkRef[] = [];
	private head = 0;

	get size(): number {
		return this.items.length - this.head;
	}

	push(ref: ChunkRef): void {
		this.items.push(ref);
	}

	peek(): ChunkRef | undefined {
		return this.items[this.head];
	}

	shift(): ChunkRef | undefined {
		const ref = this.items[this.head];
		if (ref === undefined) return undefined;
		this.head++;
		if (this.head > 1024 && this.head * 2 > this.items.length) {
			this.items = this.items.slice(this.head);
			this.head = 0;
		}
		return ref;
	}
}

export interface Aggregate {
	/** Start of each period, epoch ms, ascending; periods without data are left out. */
	readonly timestamps: number[];
	readonly sum: number[];
	readonly minimum: number[];
	readonly maximum: number[];
	readonly sampleCount: number[];
}

export class SeriesLimitError extends Error {}

export class MetricStore {
	readonly now: () => number;
	private readonly series = new Map<string, Series>();
	private readonly queues: [ChunkQueue, ChunkQueue] = [new ChunkQueue(), new ChunkQueue()];
	private readonly maxChunks: [number, number];
	private readonly maxClientSeries: number;
	private readonly maxEngineSeries: number;
	private clientSeries = 0;
	private engineSeriesCount = 0;

	constructor(options: MetricStoreOptions) {
		this.now = options.now;
		this.maxChunks = [options.maxSecondChunks ?? 8192, options.maxMinuteChunks ?? 4096];
		this.maxClientSeries = options.maxClientSeries ?? 10_000;
		this.maxEngineSeries = options.maxEngineSeries ?? 50_000;
	}

	/** The series for a metric, created when absent; undefined once the engine's own series are at their cap. */
	engineSeries(region: string, namespace: string, name: string, dimensions: readonly Dimension[], unit: string): Series | undefined {
		const key = seriesKey(region, namespace, name, dimensions);
		const found = this.series.get(key);
		if (found) return found;
		if (this.engineSeriesCount >= this.maxEngineSeries) return undefined;
		return this.register(new Series(this, key, region, namespace, name, dimensions, unit, false));
	}

	/** How many of these metrics do not exist yet (PutMetricData checks its whole request first). */
	missing(keys: Iterable<string>): number {
		let count = 0;
		for (const key of new Set(keys)) if (!this.series.has(key)) count++;
		return count;
	}

	get clientSeriesRoom(): number {
		return this.maxClientSeries - this.clientSeries;
	}

	/** The series for a metric a client puts, created when absent; throws SeriesLimitError past the cap. */
	clientSeriesFor(region: string, namespace: string, name: string, dimensions: readonly Dimension[], unit: string): Series {
		const key = seriesKey(region, namespace, name, dimensions);
		const found = this.series.get(key);
		if (found) {
			found.unit = unit;
			return found;
		}
		if (this.clientSeries >= this.maxClientSeries) throw new SeriesLimitError(`series limit ${this.maxClientSeries}`);
		return this.register(new Series(this, key, region, namespace, name, dimensions, unit, true));
	}

	find(region: string, namespace: string, name: string, dimensions: readonly Dimension[]): Series | undefined {
		return this.series.get(seriesKey(region, namespace, name, dimensions));
	}

	/** Every series of a region with data at or after a time, in key order. */
	list(region: string, sinceMs: number): Series[] {
		this.expire();
		const out: Series[] = [];
		for (const series of this.series.values()) if (series.region === region && series.lastMs >= sinceMs) out.push(series);
		return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
	}

	/** Adds samples to the slot of a time at both resolutions, within each one's window. */
	add(handle: Series, sum: number, minimum: number, maximum: number, sampleCount: number, atMs: number): void {
		const series = handle.retired ? this.revive(handle) : handle;
		if (!series) return;
		const nowMs = this.now();
		this.addAt(SECOND, series, sum, minimum, maximum, sampleCount, atMs, nowMs);
		this.addAt(MINUTE, series, sum, minimum, maximum, sampleCount, atMs, nowMs);
		if (atMs > series.lastMs) series.lastMs = atMs;
	}

	/**
	 * The statistics of a series per period from the period holding `startMs` up to `endMs`: 1-second
	 * data for periods under a minute, 1-minute data for multiples of a minute.
	 */
	aggregate(series: Series, periodMs: number, startMs: number, endMs: number): Aggregate {
		const out: Aggregate = {timestamps: [], sum: [], minimum: [], maximum: [], sampleCount: []};
		const resolution: ResolutionIndex = periodMs % 60_000 === 0 ? MINUTE : SECOND;
		const {slotMs, chunkMs, windowMs} = RESOLUTIONS[resolution];
		const firstMs = Math.max(Math.floor(startMs / periodMs) * periodMs, this.now() - windowMs);
		const chunks = series.chunks[resolution];
		let bucket = Number.NaN;
		let sum = 0;
		let minimum = 0;
		let maximum = 0;
		let count = 0;
		const flush = () => {
			if (count === 0) return;
			out.timestamps.push(bucket);
			out.sum.push(sum);
			out.minimum.push(minimum);
			out.maximum.push(maximum);
			out.sampleCount.push(count);
		};
		if (chunks.size === 0 || firstMs >= endMs) return out;
		const lastIndex = Math.min(Math.floor((endMs - 1) / chunkMs), Math.max(...chunks.keys()));
		for (let index = Math.max(Math.floor(firstMs / chunkMs), Math.min(...chunks.keys())); index <= lastIndex; index++) {
			const chunk = chunks.get(index);
			if (!chunk) continue;
			for (let slot = 0; slot < SLOTS; slot++) {
				const at = slot * FIELDS;
				const slotCount = chunk[at + 3] as number;
				if (slotCount === 0) continue;
				const slotMsAt = index * chunkMs + slot * slotMs;
				if (slotMsAt < firstMs || slotMsAt >= endMs) continue;
				const slotBucket = Math.floor(slotMsAt / periodMs) * periodMs;
				if (slotBucket !== bucket) {
					flush();
					bucket = slotBucket;
					sum = 0;
					minimum = Number.POSITIVE_INFINITY;
					maximum = Number.NEGATIVE_INFINITY;
					count = 0;
				}
				sum += chunk[at] as number;
				minimum = Math.min(minimum, chunk[at + 1] as number);
				maximum = Math.max(maximum, chunk[at + 2] as number);
				count += slotCount;
			}
		}
		flush();
		return out;
	}

	/** Drops chunks past their window, oldest first. */
	expire(nowMs = this.now()): void {
		for (const resolution of [SECOND, MINUTE] as const) {
			const queue = this.queues[resolution];
			const {chunkMs, windowMs} = RESOLUTIONS[resolution];
			for (let ref = queue.peek(); ref && (ref.index + 1) * chunkMs <= nowMs - windowMs; ref = queue.peek()) {
				this.drop(resolution, queue.shift() as ChunkRef);
			}
		}
	}

	/** Figures for tests and diagnostics. */
	stats(): {series: number; clientSeries: number; secondChunks: number; minuteChunks: number} {
		return {
			series: this.series.size,
			clientSeries: this.clientSeries,
			secondChunks: this.queues[SECOND].size,
			minuteChunks: this.queues[MINUTE].size,
		};
	}

	private addAt(
		resolution: ResolutionIndex,
		series: Series,
		sum: number,
		minimum: number,
		maximum: number,
		sampleCount: number,
		atMs: number,
		nowMs: number,
	): void {
		const {slotMs, chunkMs, windowMs} = RESOLUTIONS[resolution];
		if (atMs < nowMs - windowMs) return;
		const index = Math.floor(atMs / chunkMs);
		const chunk = series.chunks[resolution].get(index) ?? this.allocate(series, resolution, index, nowMs);
		const slot = Math.floor((atMs - index * chunkMs) / slotMs) * FIELDS;
		if (chunk[slot + 3] === 0) {
			chunk[slot] = sum;
			chunk[slot + 1] = minimum;
			chunk[slot + 2] = maximum;
			chunk[slot + 3] = sampleCount;
		} else {
			chunk[slot] = (chunk[slot] as number) + sum;
			if (minimum < (chunk[slot + 1] as number)) chunk[slot + 1] = minimum;
			if (maximum > (chunk[slot + 2] as number)) chunk[slot + 2] = maximum;
			chunk[slot + 3] = (chunk[slot + 3] as number) + sampleCount;
		}
	}

	private allocate(series: Series, resolution: ResolutionIndex, index: number, nowMs: number): Float64Array {
		this.expire(nowMs);
		const queue = this.queues[resolution];
		while (queue.size >= this.maxChunks[resolution]) this.drop(resolution, queue.shift() as ChunkRef);
		const chunk = new Float64Array(SLOTS * FIELDS);
		series.chunks[resolution].set(index, chunk);
		queue.push({series, index});
		return chunk;
	}

	private drop(resolution: ResolutionIndex, ref: ChunkRef): void {
		const {series} = ref;
		series.chunks[resolution].delete(ref.index);
		if (series.chunks[SECOND].size === 0 && series.chunks[MINUTE].size === 0 && !series.retired) {
			series.retired = true;
			this.series.delete(series.key);
			if (series.fromClient) this.clientSeries--;
			else this.engineSeriesCount--;
		}
	}

	private register(series: Series): Series {
		this.series.set(series.key, series);
		if (series.fromClient) this.clientSeries++;
		else this.engineSeriesCount++;
		return series;
	}

	/**
	 * Where a retired series records when a caller that kept its handle records again: the series now
	 * registered under its key, or the handle itself put back; undefined at the engine's series cap.
	 */
	private revive(series: Series): Series | undefined {
		const current = this.series.get(series.key);
		if (current) return current;
		if (!series.fromClient && this.engineSeriesCount >= this.maxEngineSeries) return undefined;
		series.retired = false;
		series.lastMs = Number.NEGATIVE_INFINITY;
		return this.register(series);
	}
}

/** Identity of a series: dimensions are compared as a set, so their order does not matter. */
export function seriesKey(region: string, namespace: string, name: string, dimensions: readonly Dimension[]): string {
	let key = `${region}\u0000${namespace}\u0000${name}`;
	const sorted = dimensions.length > 1 ? [...dimensions].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)) : dimensions;
	for (const dimension of sorted) key += `\u0000${dimension.Name}\u0001${dimension.Value}`;
	return key;
}
