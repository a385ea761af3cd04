import type {ChartMetric} from './dashboardStore.js';
import {toSlots, type Points, type ShardHistory, type StreamHistory} from './metrics.js';

/** A dashboard chart of CloudWatch history: its values, one per period, and what they are of. */
export interface HistorySeries {
	readonly values: number[];
	/** The shard's own metric, or the stream's when the shard has none (no enhanced monitoring of it). */
	readonly scope: 'shard' | 'stream';
	/** The CloudWatch metric charted. */
	readonly metricName: string;
	/** No data point at all in the window. */
	readonly empty: boolean;
}

/** The history series for a shard (when its shard-level metric exists) or else the stream, on the window's periods. */
export function historySeries(history: StreamHistory, shardId: string | undefined, metric: ChartMetric): HistorySeries {
	const pick = (source: ShardHistory | StreamHistory): Points | undefined =>
		metric === 'records' ? source.recordsPerSecond : metric === 'bytes' ? source.bytesPerSecond : source.iteratorAgeMs;
	const shard = shardId === undefined ? undefined : history.shards[shardId];
	const shardPoints = shard ? pick(shard) : undefined;
	const points = shardPoints ?? pick(history) ?? {timestamps: [], values: []};
	const scope = shardPoints ? 'shard' : 'stream';
	const metricName =
		metric === 'records'
			? 'IncomingRecords'
			: metric === 'bytes'
				? 'IncomingBytes'
				: scope === 'shard'
					? 'IteratorAgeMilliseconds'
					: 'GetRecords.IteratorAgeMilliseconds';
	return {
		values: toSlots(points, history.startMs, history.endMs, history.periodSeconds, metric === 'lag' ? 'carry' : 'zero'),
		scope,
		metricName,
		empty: points.values.length === 0,
	};
}
