import {
	DecreaseStreamRetentionPeriodCommand,
	DescribeStreamSummaryCommand,
	IncreaseStreamRetentionPeriodCommand,
	type KinesisClient,
	PutRecordCommand,
	UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {Store} from '../../source/engine/store/store.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {FakeClock, createStream, newRecords, uniqueName} from './support.js';

/**
 * Big jobs run in slices (source/engine/store/slices.ts): while the engine removes hundreds of thousands of
 * expired batches or scales a stream to thousands of shards, a call to another stream still gets its answer.
 * The bound is generous (a second; each slice holds the event loop a few milliseconds): before slicing, these
 * jobs held every call for one to several seconds. It bounds the wait, not the speed of anything.
 */
const WORST_WAIT_MS = 1000;
const HOUR_MS = 3_600_000;

/** PutRecord after PutRecord to a stream of its own, each call timed, until stopped. */
function probe(client: KinesisClient, stream: string) {
	const waits: number[] = [];
	let running = true;
	const done = (async () => {
		while (running) {
			const started = performance.now();
			await client.send(new PutRecordCommand({StreamName: stream, PartitionKey: 'probe', Data: Buffer.from('probe')}));
			waits.push(performance.now() - started);
			await new Promise((resolve) => setTimeout(resolve, 2));
		}
	})();
	return {
		async stop() {
			running = false;
			await done;
			return waits;
		},
	};
}

describe('big jobs and other calls', () => {
	it('a retention decrease removing 500,000 expired batches never holds a PutRecord to another stream for a second', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'big-jobs-'));
		const clock = new FakeClock(Date.now());
		const options = {dataDir, now: clock.now, shardLimit: 1000};
		const shards = 500;
		const aged = uniqueName('aged');
		const other = uniqueName('probe');
		let engine = await startEngine(options);
		let client = kinesisClient(engine.url, 'http1');
		try {
			await createStream(client, aged, shards);
			await createStream(client, other, 1);
			await client.send(new IncreaseStreamRetentionPeriodCommand({StreamName: aged, RetentionPeriodHours: 48}));
			client.destroy();
			await engine.close();

			// Written straight into the store, which is faster than through the API: a record per shard and
			// call, so that each is a stored batch of its own (the removal's worst case).
			const store = new Store({dataDir});
			const stream = store.loadStreams().find((candidate) => candidate.name === aged);
			if (!stream) throw new Error(`${aged} is not stored`);
			let position = (stream.shards[0]?.startPosition ?? 0) + 1;
			const data = Buffer.from('aged');
			for (let call = 0; call < 1000; call++) {
				await store.append(
					stream.uid,
					newRecords(
						clock.ms,
						stream.shards.map((shard) => ({shardIndex: shard.index, position: position++, partitionKey: 'aged', data})),
					),
				);
			}
			await store.close();

			engine = await startEngine(options);
			client = kinesisClient(engine.url, 'http1');
			clock.advance(30 * HOUR_MS);
			const watching = probe(client, other);
			await new Promise((resolve) => setTimeout(resolve, 300));
			// Every record is now past the shorter retention: all 500,000 batches go.
			await client.send(new DecreaseStreamRetentionPeriodCommand({StreamName: aged, RetentionPeriodHours: 24}));
			await new Promise((resolve) => setTimeout(resolve, 3000));
			const waits = await watching.stop();
			expect(waits.length).toBeGreaterThan(10);
			expect(Math.max(...waits)).toBeLessThan(WORST_WAIT_MS);
		} finally {
			client.destroy();
			await engine.close();
			rmSync(dataDir, {recursive: true, force: true});
		}
	}, 300_000);

	it('UpdateShardCount 4,000 → 8,000 never holds a PutRecord to another stream for a second, and ends with 8,000 shards', async () => {
		const engine = await startEngine({shardLimit: 20_000});
		const client = kinesisClient(engine.url, 'http1');
		try {
			const scaled = uniqueName('scaled');
			const other = uniqueName('probe');
			await createStream(client, scaled, 4000);
			await createStream(client, other, 1);
			const watching = probe(client, other);
			await new Promise((resolve) => setTimeout(resolve, 300));
			await client.send(new UpdateShardCountCommand({StreamName: scaled, TargetShardCount: 8000, ScalingType: 'UNIFORM_SCALING'}));
			let summary;
			do {
				await new Promise((resolve) => setTimeout(resolve, 50));
				summary = (await client.send(new DescribeStreamSummaryCommand({StreamName: scaled}))).StreamDescriptionSummary;
			} while (summary?.StreamStatus !== 'ACTIVE');
			const waits = await watching.stop();
			expect(summary.OpenShardCount).toBe(8000);
			expect(waits.length).toBeGreaterThan(10);
			expect(Math.max(...waits)).toBeLessThan(WORST_WAIT_MS);
		} finally {
			client.destroy();
			await engine.close();
		}
	}, 300_000);
});
