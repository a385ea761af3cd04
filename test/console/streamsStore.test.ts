import {CreateStreamCommand, SplitShardCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {StreamsStore, type StreamRow} from '../../source/console/streamsStore.js';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';

/** Waits until the store's rows pass a check. */
async function rowsWhere(
	store: StreamsStore,
	check: (rows: readonly StreamRow[]) => boolean,
	timeoutMs = 5_000,
): Promise<readonly StreamRow[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const state = store.getSnapshot();
		if (state.status === 'ready' && check(state.value.streams)) return state.value.streams;
		if (Date.now() > deadline) throw new Error(`Timed out; the store holds ${JSON.stringify(state)}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

describe('the streams store', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		for (const name of ['alpha', 'beta', 'gamma']) await kinesis.send(new CreateStreamCommand({StreamName: name, ShardCount: 1}));
	});
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});

	it('lists every stream from the summaries, and describes only those shown', async () => {
		const store = new StreamsStore({kinesis, describeError: async (error) => String(error)});
		store.start();
		const listed = await rowsWhere(store, (rows) => rows.length === 3);
		expect(listed.map((row) => [row.name, row.status, row.mode, row.details])).toEqual([
			['alpha', 'ACTIVE', 'PROVISIONED', undefined],
			['beta', 'ACTIVE', 'PROVISIONED', undefined],
			['gamma', 'ACTIVE', 'PROVISIONED', undefined],
		]);
		store.show(['beta']);
		const described = await rowsWhere(store, (rows) => rows[1]?.details !== undefined);
		expect(described[1]?.details).toMatchObject({openShards: 1, closedShards: 0, retentionHours: 24, encryption: 'NONE'});
		expect(described[0]?.details).toBeUndefined();
		expect(described[2]?.details).toBeUndefined();
		await store.stop();
	});

	it('reads a stream again once told it changed, keeping the old details on show meanwhile', async () => {
		const store = new StreamsStore({kinesis, describeError: async (error) => String(error)});
		store.start();
		store.show(['alpha']);
		await rowsWhere(store, (rows) => rows[0]?.details?.openShards === 1);
		await kinesis.send(
			new SplitShardCommand({StreamName: 'alpha', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString()}),
		);
		await new Promise((resolve) => setTimeout(resolve, 600));
		// Details are not read again before they are 30 s old ...
		expect(await rowsWhere(store, () => true)).toMatchObject([{details: {openShards: 1}}, {}, {}]);
		// ... unless the stream changed.
		store.changed('alpha');
		const after = await rowsWhere(store, (rows) => rows[0]?.details?.openShards === 2);
		expect(after[0]?.details?.closedShards).toBe(1);
		await store.stop();
	});
});
