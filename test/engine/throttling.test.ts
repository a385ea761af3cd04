import {GetRecordsCommand, type GetRecordsCommandOutput, PutRecordCommand, PutRecordsCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, FakeClock, createStream, expectError, iterator, readToEnd, text, transports, uniqueName, useEngine} from './support.js';
import {md5, shardId} from './shardMaps.js';

const MIB = 1024 * 1024;
const HALF = 1n << 127n;

/** A partition key that a two-shard stream writes to shard 0 (lower half) or shard 1 (upper half). */
function keyOnShard(index: 0 | 1, prefix: string): string {
	for (let n = 0; ; n++) {
		const key = `${prefix}-${n}`;
		if ((md5(key) < HALF ? 0 : 1) === index) return key;
	}
}

/** Writes and GetShardIterator calls over a shard's budget get this message; GetRecords calls the other. */
const shardThrottled = (name: string, shard: number) =>
	`Rate exceeded for shard ${shardId(shard)} in stream ${name} under account ${ACCOUNT}.`;
const readThrottled = (name: string, shard: number) => `Rate exceeded for Shard - ${ACCOUNT}/${name}/${shardId(shard)}`;

describe.each(transports)('throughput limits over %s', (transport) => {
	const clock = new FakeClock();
	const harness = useEngine(transport, {throughputLimits: true, now: clock.now});
	const records = (key: string, count: number, data = 'x') =>
		Array.from({length: count}, () => ({PartitionKey: key, Data: Buffer.from(data)}));
	const putRecords = (name: string, entries: Array<{PartitionKey: string; Data: Uint8Array}>) =>
		harness.client.send(new PutRecordsCommand({StreamName: name, Records: entries}));
	const putRecord = (name: string, key: string, data: Uint8Array) =>
		harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: key, Data: data}));

	it('throttles a hot key at 1,000 records/s on its shard, per record, while the other shard takes writes in the same second', async () => {
		const name = uniqueName('hot-key');
		await createStream(harness.client, name, 2);
		const hot = keyOnShard(0, 'hot');
		const cool = keyOnShard(1, 'cool');
		for (let batch = 0; batch < 2; batch++) {
			const accepted = await putRecords(name, records(hot, 500));
			expect(accepted.FailedRecordCount).toBe(0);
		}

		const mixed = Array.from({length: 200}, (_, index) => ({PartitionKey: index % 2 === 0 ? hot : cool, Data: Buffer.from(String(index))}));
		const answer = await putRecords(name, mixed);
		expect(answer.FailedRecordCount).toBe(100);
		for (const [index, result] of (answer.Records ?? []).entries()) {
			if (index % 2 === 0) {
				expect(result).toEqual({ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: shardThrottled(name, 0)});
			} else {
				expect(result.ShardId).toBe(shardId(1));
				expect(result.SequenceNumber).toMatch(/^\d+$/);
				expect(result.ErrorCode).toBeUndefined();
			}
		}
		await expectError(putRecord(name, hot, Buffer.from('one more')), 'ProvisionedThroughputExceededException', shardThrottled(name, 0));
		expect((await putRecord(name, cool, Buffer.from('still fine'))).ShardId).toBe(shardId(1));

		// Nothing refused was stored.
		const stored = await readToEnd(harness.client, await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON'));
		expect(stored).toHaveLength(1000);
		expect(stored.every((record) => text(record) === 'x')).toBe(true);

		// A second later the shard takes 1,000 records again, and no more.
		clock.advance(1000);
		expect((await putRecords(name, records(hot, 500))).FailedRecordCount).toBe(0);
		expect((await putRecords(name, records(hot, 500))).FailedRecordCount).toBe(0);
		expect((await putRecords(name, records(hot, 3))).FailedRecordCount).toBe(3);
	});

	it('throttles writes over 1 MiB/s on a shard by bytes, counting partition keys', async () => {
		const name = uniqueName('bytes');
		await createStream(harness.client, name, 1);
		const chunk = Buffer.alloc(100 * 1024, 7);
		// Ten records of 100 KiB plus a one-byte key fit in 1 MiB; the eleventh does not.
		const answer = await putRecords(
			name,
			Array.from({length: 11}, () => ({PartitionKey: 'k', Data: chunk})),
		);
		expect(answer.FailedRecordCount).toBe(1);
		expect(answer.Records?.slice(0, 10).every((result) => result.ErrorCode === undefined)).toBe(true);
		expect(answer.Records?.[10]).toEqual({ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: shardThrottled(name, 0)});
		// What is left (24,566 bytes) takes a small record but not another large one.
		await putRecord(name, 'k', Buffer.alloc(20_000));
		await expectError(putRecord(name, 'k', Buffer.alloc(5_000)), 'ProvisionedThroughputExceededException', shardThrottled(name, 0));
		await expectError(putRecord(name, 'k', chunk), 'ProvisionedThroughputExceededException', shardThrottled(name, 0));

		clock.advance(1000);
		expect((await putRecord(name, 'k', chunk)).ShardId).toBe(shardId(0));
	});

	it('takes a record of 1 MiB with its key on an idle shard, and the next such record a second later', async () => {
		const name = uniqueName('largest');
		await createStream(harness.client, name, 1);
		const key = 'a-partition-key';
		const largest = Buffer.alloc(MIB - key.length, 1);
		expect((await putRecord(name, key, largest)).ShardId).toBe(shardId(0));
		// The budget is spent: not even a small record fits in the same instant, nor a large one until the second has passed.
		await expectError(putRecord(name, 'k', Buffer.from('small')), 'ProvisionedThroughputExceededException', shardThrottled(name, 0));
		clock.advance(999);
		const early = await putRecords(name, [{PartitionKey: key, Data: largest}]);
		expect(early.Records).toEqual([{ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: shardThrottled(name, 0)}]);
		clock.advance(1);
		const batch = await putRecords(name, [{PartitionKey: key, Data: largest}]);
		expect(batch.FailedRecordCount).toBe(0);
		const stored = await harness.client.send(
			new GetRecordsCommand({ShardIterator: await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON')}),
		);
		expect(stored.Records?.map((record) => record.Data?.length)).toEqual([largest.length, largest.length]);
	});

	it('throttles the sixth GetRecords call within a second on a shard, not on the others', async () => {
		const name = uniqueName('read-calls');
		await createStream(harness.client, name, 2);
		// One iterator a shard, read again and again: GetShardIterator has a budget of its own.
		const iterators = [
			await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON'),
			await iterator(harness.client, name, shardId(1), 'TRIM_HORIZON'),
		];
		const read = (shard: 0 | 1) => harness.client.send(new GetRecordsCommand({ShardIterator: iterators[shard]}));
		for (let call = 0; call < 5; call++) await read(0);
		await expectError(read(0), 'ProvisionedThroughputExceededException', readThrottled(name, 0));
		await expectError(read(0), 'ProvisionedThroughputExceededException', readThrottled(name, 0));
		for (let call = 0; call < 5; call++) await read(1);
		await expectError(read(1), 'ProvisionedThroughputExceededException', readThrottled(name, 1));

		clock.advance(1000);
		for (let call = 0; call < 5; call++) await read(0);
		await expectError(read(0), 'ProvisionedThroughputExceededException', readThrottled(name, 0));
	});

	it('throttles the sixth GetShardIterator call within a second on a shard, after checking the request, and not GetRecords', async () => {
		const name = uniqueName('iterator-calls');
		await createStream(harness.client, name, 2);
		const getIterator = (shard: number) => iterator(harness.client, name, shardId(shard), 'LATEST');
		const iterators: string[] = [];
		for (let call = 0; call < 5; call++) iterators.push(await getIterator(0));
		await expectError(getIterator(0), 'ProvisionedThroughputExceededException', shardThrottled(name, 0));
		// A bad request is told what is wrong with it, not that it is throttled.
		await expectError(
			iterator(harness.client, name, shardId(0), 'TRIM_HORIZON', {StartingSequenceNumber: '1'}),
			'InvalidArgumentException',
			'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified TRIM_HORIZON and also a StartingSequenceNumber.',
		);
		// The other shard, and reading with the iterators already issued, are not held back.
		for (let call = 0; call < 5; call++) await getIterator(1);
		expect((await harness.client.send(new GetRecordsCommand({ShardIterator: iterators[4]}))).Records).toEqual([]);

		// The budget refills at five a second: one call 200 ms later, five after a whole second.
		clock.advance(200);
		await getIterator(0);
		await expectError(getIterator(0), 'ProvisionedThroughputExceededException', shardThrottled(name, 0));
		clock.advance(1000);
		for (let call = 0; call < 5; call++) await getIterator(0);
		await expectError(getIterator(0), 'ProvisionedThroughputExceededException', shardThrottled(name, 0));
	});

	it('throttles reads after a 10 MiB GetRecords until the 2 MiB/s read budget has refilled', async () => {
		const name = uniqueName('large-read');
		await createStream(harness.client, name, 1);
		// Eleven records of 1,048,000 bytes, one a second (each nearly fills the write budget): ten fit in one 10 MiB read.
		const size = 1_048_000;
		for (let index = 0; index < 11; index++) {
			await putRecord(name, 'k', Buffer.alloc(size, index));
			clock.advance(1000);
		}
		const first = await harness.client.send(
			new GetRecordsCommand({ShardIterator: await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON')}),
		);
		expect(first.Records?.map((record) => record.Data?.length)).toEqual(Array.from({length: 10}, () => size));
		const next = first.NextShardIterator ?? '';
		const readNext = () => harness.client.send(new GetRecordsCommand({ShardIterator: next}));

		// AWS: "If a call returns [10 MiB], subsequent calls made within the next 5 seconds throw ProvisionedThroughputExceededException."
		// The read budget had been idle (full) before the call; the call still pays for all it returned.
		const returned = (first.Records ?? []).reduce(
			(sum, record) => sum + (record.Data?.length ?? 0) + (record.PartitionKey?.length ?? 0),
			0,
		);
		const paidBackMs = Math.ceil((returned / (2 * MIB)) * 1000);
		expect(paidBackMs).toBeGreaterThan(4990);
		for (const wait of [0, 1000, 2000, 1000, paidBackMs - 4001]) {
			clock.advance(wait);
			await expectError(readNext(), 'ProvisionedThroughputExceededException', readThrottled(name, 0));
		}
		clock.advance(1);
		const later: GetRecordsCommandOutput = await readNext();
		expect(later.Records?.map((record) => record.Data?.[0])).toEqual([10]);
	});
});

describe.each(transports)('throughput limits turned off over %s', (transport) => {
	const harness = useEngine(transport, {throughputLimits: false});

	it('throttles nothing', async () => {
		const name = uniqueName('unlimited');
		await createStream(harness.client, name, 1);
		for (let batch = 0; batch < 5; batch++) {
			const answer = await harness.client.send(
				new PutRecordsCommand({
					StreamName: name,
					Records: Array.from({length: 500}, () => ({PartitionKey: 'hot', Data: Buffer.alloc(1024)})),
				}),
			);
			expect(answer.FailedRecordCount).toBe(0);
		}
		for (let index = 0; index < 3; index++) {
			await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'hot', Data: Buffer.alloc(MIB)}));
		}
		const start = await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON');
		let total = 0;
		for (let call = 0; call < 12; call++) {
			const page = await harness.client.send(new GetRecordsCommand({ShardIterator: start, Limit: 100}));
			total += page.Records?.length ?? 0;
		}
		expect(total).toBe(12 * 100);
		// More than 2 MiB read within the same moment is not throttled either.
		const all = await readToEnd(harness.client, start);
		expect(all).toHaveLength(2503);
	});
});
