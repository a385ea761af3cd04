import {describe, expect, it} from 'vitest';
import {historySeries} from '../../source/console/historySeries.js';
import {NO_POINTS, type Points, type StreamHistory} from '../../source/console/metrics.js';

const START = 1_700_000_000_000;
const points = (...pairs: Array<[number, number]>): Points => ({
	timestamps: pairs.map(([period]) => START + period * 60_000),
	values: pairs.map(([, value]) => value),
});

/** Five one-minute periods; the stream has records, bytes and lag, shard 1 only its own records. */
const history: StreamHistory = {
	windowLabel: '5m',
	startMs: START,
	endMs: START + 5 * 60_000,
	periodSeconds: 60,
	recordsPerSecond: points([0, 10], [2, 30]),
	bytesPerSecond: points([1, 2048]),
	iteratorAgeMs: points([1, 500], [3, 200]),
	writeThrottled: NO_POINTS,
	readThrottled: NO_POINTS,
	shards: {'shardId-000000000001': {recordsPerSecond: points([4, 7])}},
	shardMetrics: ['IncomingRecords'],
	shardsLeftOut: 0,
};

describe('historySeries', () => {
	it('charts the stream on the window, a period without data at 0 for rates', () => {
		expect(historySeries(history, undefined, 'records')).toEqual({
			values: [10, 0, 30, 0, 0],
			scope: 'stream',
			metricName: 'IncomingRecords',
			empty: false,
		});
		expect(historySeries(history, undefined, 'bytes')).toMatchObject({values: [0, 2048, 0, 0, 0], metricName: 'IncomingBytes'});
	});

	it('carries the last lag over periods without data', () => {
		expect(historySeries(history, undefined, 'lag')).toEqual({
			values: [0, 500, 500, 200, 200],
			scope: 'stream',
			metricName: 'GetRecords.IteratorAgeMilliseconds',
			empty: false,
		});
	});

	it("charts a shard's own metric when it has one, and the stream's when it has not", () => {
		expect(historySeries(history, 'shardId-000000000001', 'records')).toEqual({
			values: [0, 0, 0, 0, 7],
			scope: 'shard',
			metricName: 'IncomingRecords',
			empty: false,
		});
		expect(historySeries(history, 'shardId-000000000001', 'lag')).toMatchObject({
			scope: 'stream',
			metricName: 'GetRecords.IteratorAgeMilliseconds',
		});
		expect(historySeries(history, 'shardId-000000000009', 'records')).toMatchObject({scope: 'stream', values: [10, 0, 30, 0, 0]});
	});

	it('says when the window holds no data at all', () => {
		expect(historySeries({...history, bytesPerSecond: NO_POINTS}, undefined, 'bytes')).toMatchObject({
			values: [0, 0, 0, 0, 0],
			empty: true,
		});
	});
});
