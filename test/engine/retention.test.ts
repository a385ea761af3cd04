import {setTimeout as delay} from 'node:timers/promises';
import {GetRecordsCommand, IncreaseStreamRetentionPeriodCommand, PutRecordCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {FakeClock, createStream, iterator, readToEnd, text, transports, uniqueName, useEngine} from './support.js';

const HOUR = 3_600_000;
const SHARD_0 = 'shardId-000000000000';

describe.each(transports)('retention over %s', (transport) => {
	const clock = new FakeClock();
	// The sweep that reclaims space runs every few milliseconds of real time, against the fake clock.
	const harness = useEngine(transport, {now: clock.now, retentionSweepMs: 5});
	const put = (stream: string, data: string) =>
		harness.client.send(new PutRecordCommand({StreamName: stream, PartitionKey: 'k', Data: Buffer.from(data)}));
	const readFrom = async (
		stream: string,
		...args: Parameters<typeof iterator> extends [unknown, unknown, unknown, ...infer Rest] ? Rest : never
	) => (await readToEnd(harness.client, await iterator(harness.client, stream, SHARD_0, ...args))).map(text);

	it('stops returning records older than 24 hours, and TRIM_HORIZON moves past them', async () => {
		const stream = uniqueName('retained');
		await createStream(harness.client, stream);
		const start = clock.ms;
		const old = await put(stream, 'old');
		clock.ms = start + 12 * HOUR;
		await put(stream, 'newer');

		clock.ms = start + 24 * HOUR - 1;
		expect(await readFrom(stream, 'TRIM_HORIZON')).toEqual(['old', 'newer']);
		const earlyTrimHorizon = await iterator(harness.client, stream, SHARD_0, 'TRIM_HORIZON');
		const atOld = await iterator(harness.client, stream, SHARD_0, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: old.SequenceNumber});

		clock.ms = start + 24 * HOUR + 1;
		expect(await readFrom(stream, 'TRIM_HORIZON')).toEqual(['newer']);
		expect(await readFrom(stream, 'AT_TIMESTAMP', {Timestamp: new Date(start)})).toEqual(['newer']);
		// Iterators issued before the record expired no longer reach it either.
		expect((await readToEnd(harness.client, earlyTrimHorizon)).map(text)).toEqual(['newer']);
		expect((await readToEnd(harness.client, atOld)).map(text)).toEqual(['newer']);
		const page = await harness.client.send(
			new GetRecordsCommand({ShardIterator: await iterator(harness.client, stream, SHARD_0, 'TRIM_HORIZON'), Limit: 1}),
		);
		expect(page.Records?.map(text)).toEqual(['newer']);
		expect(page.MillisBehindLatest).toBe(0);

		// Once the sweep has had time to reclaim space, what is within retention is still there.
		await delay(50);
		expect(await readFrom(stream, 'TRIM_HORIZON')).toEqual(['newer']);

		clock.ms = start + 36 * HOUR + 1;
		expect(await readFrom(stream, 'TRIM_HORIZON')).toEqual([]);
		const empty = await harness.client.send(
			new GetRecordsCommand({ShardIterator: await iterator(harness.client, stream, SHARD_0, 'TRIM_HORIZON')}),
		);
		expect(empty.Records).toEqual([]);
		expect(empty.MillisBehindLatest).toBe(0);
		expect(empty.NextShardIterator).toEqual(expect.any(String));
		await put(stream, 'fresh');
		expect(await readFrom(stream, 'TRIM_HORIZON')).toEqual(['fresh']);
		expect((await readToEnd(harness.client, empty.NextShardIterator ?? '')).map(text)).toEqual(['fresh']);
	});

	it('measures MillisBehindLatest from the oldest unread record within retention', async () => {
		const stream = uniqueName('behind');
		await createStream(harness.client, stream);
		const start = clock.ms;
		await put(stream, 'expiring');
		clock.ms = start + 6 * HOUR;
		await put(stream, 'kept');
		clock.ms = start + 6 * HOUR + 500;
		await put(stream, 'also kept');
		clock.ms = start + 24 * HOUR + 1;
		const page = await harness.client.send(
			new GetRecordsCommand({ShardIterator: await iterator(harness.client, stream, SHARD_0, 'TRIM_HORIZON'), Limit: 1}),
		);
		expect(page.Records?.map(text)).toEqual(['kept']);
		expect(page.MillisBehindLatest).toBe(18 * HOUR - 500 + 1);
		const next = await harness.client.send(new GetRecordsCommand({ShardIterator: page.NextShardIterator, Limit: 1}));
		expect(next.Records?.map(text)).toEqual(['also kept']);
		expect(next.MillisBehindLatest).toBe(0);
	});

	it('keeps records for as long as a longer retention period says', async () => {
		const stream = uniqueName('longer');
		await createStream(harness.client, stream);
		await harness.client.send(new IncreaseStreamRetentionPeriodCommand({StreamName: stream, RetentionPeriodHours: 48}));
		const start = clock.ms;
		await put(stream, 'kept for two days');
		clock.ms = start + 47 * HOUR;
		await delay(20);
		expect(await readFrom(stream, 'TRIM_HORIZON')).toEqual(['kept for two days']);
		clock.ms = start + 48 * HOUR + 1;
		expect(await readFrom(stream, 'TRIM_HORIZON')).toEqual([]);
	});
});
