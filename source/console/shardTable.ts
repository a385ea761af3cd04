import type {ShardMeter} from './meters.js';
import type {ShardFigures} from './metrics.js';
import type {ShardView} from './streams.js';

/** How the dashboard's shard table is ordered: by shard id, or busiest first by rate, lag or throttling. */
export type ShardSort = 'shard' | 'rate' | 'lag' | 'throttling';
export const SHARD_SORTS: readonly [ShardSort, ...ShardSort[]] = ['shard', 'rate', 'lag', 'throttling'];

/** A shard's figures as its row shows them: live when the console reads it, else CloudWatch's. */
export interface RowFigures {
	readonly recordsPerSecond: number | undefined;
	readonly bytesPerSecond: number | undefined;
	readonly lagMs: number | undefined;
	readonly throttledPerMinute: number | undefined;
	readonly source: 'live' | 'cloudwatch' | undefined;
}

const NONE: RowFigures = {
	recordsPerSecond: undefined,
	bytesPerSecond: undefined,
	lagMs: undefined,
	throttledPerMinute: undefined,
	source: undefined,
};

export function rowFigures(meter: ShardMeter | undefined, figures: ShardFigures | undefined): RowFigures {
	if (meter)
		return {
			recordsPerSecond: meter.recordsPerSecond,
			bytesPerSecond: meter.bytesPerSecond,
			lagMs: meter.millisBehindLatest,
			throttledPerMinute: meter.throttledPerMinute + (figures?.throttledPerMinute ?? 0),
			source: 'live',
		};
	if (!figures) return NONE;
	return {
		recordsPerSecond: figures.recordsPerSecond,
		bytesPerSecond: figures.bytesPerSecond,
		lagMs: figures.iteratorAgeMs,
		throttledPerMinute: figures.throttledPerMinute,
		source: 'cloudwatch',
	};
}

export interface ShardTableInput {
	/** In shard id order. */
	readonly shards: readonly ShardView[];
	readonly figures: ReadonlyMap<string, ShardFigures> | undefined;
	readonly meters: ReadonlyMap<string, ShardMeter>;
	readonly sort: ShardSort;
	/** A shard id substring, any case. */
	readonly filter: string;
	readonly showClosed: boolean;
}

/**
 * The shards the table lists, in its order. One pass over the shards and a sort: the view computes it
 * when the shards, the figures or the order change (every few seconds), never per frame or key.
 */
export function shardTable(input: ShardTableInput): ShardView[] {
	const filter = input.filter.toLowerCase();
	const kept = input.shards.filter(
		(shard) => (input.showClosed || shard.open) && (!filter || shard.shardId.toLowerCase().includes(filter)),
	);
	if (input.sort === 'shard') return kept;
	const value = (shard: ShardView): number | undefined => {
		const figures = rowFigures(input.meters.get(shard.shardId), input.figures?.get(shard.shardId));
		return input.sort === 'rate' ? figures.recordsPerSecond : input.sort === 'lag' ? figures.lagMs : figures.throttledPerMinute;
	};
	// Busiest first; shards without a figure last, each group in shard id order (the sort is stable).
	const keyed = kept.map((shard) => ({shard, key: value(shard) ?? Number.NEGATIVE_INFINITY}));
	keyed.sort((a, b) => (a.key === b.key ? 0 : b.key > a.key ? 1 : -1));
	return keyed.map(({shard}) => shard);
}

/**
 * The live figures a table sorted by a figure orders by: each shard's last, kept after it leaves the
 * view. The live reader reads only the shards in view, so ordered by the figures of the moment, a shard
 * read sorted up out of view, lost its figure, sorted back down into view and was read again: rows
 * reshuffled every second and the row under the cursor changed shard with no key pressed.
 */
export class SortMemory {
	private readonly last = new Map<string, ShardMeter>();

	/** The shards' last figures, with those read now. */
	merge(meters: ReadonlyMap<string, ShardMeter>): ReadonlyMap<string, ShardMeter> {
		// Without its top keys: what ordering needs is a few numbers a shard.
		for (const [shardId, meter] of meters) this.last.set(shardId, {...meter, topKeys: []});
		return new Map(this.last);
	}
}
