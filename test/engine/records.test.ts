import {createHash, randomBytes} from 'node:crypto';
import {GetRecordsCommand, PutRecordCommand, PutRecordsCommand, type _Record} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {
	ACCOUNT,
	FakeClock,
	createStream,
	expectError,
	iterator,
	rawRequest,
	readToEnd,
	shardHolding,
	text,
	transports,
	uniqueName,
	useEngine,
} from './support.js';

const TWO_128 = 1n << 128n;

/** MD5 of the partition key's UTF-8 bytes, read as an unsigned 128-bit big-endian integer: how Kinesis hashes keys. */
const md5 = (key: string): bigint => BigInt(`0x${createHash('md5').update(key, 'utf8').digest('hex')}`);

/** The shard index a hash key belongs to in a new stream of `count` shards (even split, the last one taking the remainder). */
const evenShardIndex = (hashKey: bigint, count: number): number => {
	const step = TWO_128 / BigInt(count);
	return Math.min(Number(hashKey / step), count - 1);
};
const shardId = (index: number) => `shardId-${String(index).padStart(12, '0')}`;

/** Two partition keys that a two-shard stream puts on different shards. */
const keyOnShard = (index: number, count: number, prefix = 'key'): string => {
	for (let n = 0; ; n++) if (evenShardIndex(md5(`${prefix}-${n}`), count) === index) return `${prefix}-${n}`;
};

const isIncreasing = (numbers: readonly string[]) =>
	numbers.every((value, index) => index === 0 || BigInt(value) > BigInt(numbers[index - 1] ?? '0'));

describe.each(transports)('records over %s', (transport) => {
	const harness = useEngine(transport);

	it('puts a record and reads back its data, key, sequence number and arrival time', async () => {
		const name = uniqueName('put');
		await createStream(harness.client, name);
		const before = Date.now();
		const put = await harness.client.send(
			new PutRecordCommand({StreamName: name, PartitionKey: 'pk-1', Data: Buffer.from('hello, kinesis')}),
		);
		expect(put).toMatchObject({ShardId: 'shardId-000000000000'});
		// AWS names no encryption for an unencrypted stream's records (kinesalite's suite, test/putRecord.js functionality).
		expect(put.EncryptionType).toBeUndefined();
		expect(put.SequenceNumber).toMatch(/^\d+$/);

		const read = await harness.client.send(
			new GetRecordsCommand({ShardIterator: await iterator(harness.client, name, 'shardId-000000000000', 'TRIM_HORIZON')}),
		);
		expect(read.Records).toHaveLength(1);
		const [record] = read.Records ?? [];
		expect(record).toMatchObject({SequenceNumber: put.SequenceNumber, PartitionKey: 'pk-1'});
		expect(text(record)).toBe('hello, kinesis');
		const arrival = record?.ApproximateArrivalTimestamp?.getTime() ?? 0;
		// The wire carries seconds with millisecond fractions.
		expect(arrival).toBeGreaterThanOrEqual(before - 1);
		expect(arrival).toBeLessThanOrEqual(Date.now());
	});

	it('stores empty data and a record of exactly 1 MiB, byte for byte', async () => {
		const name = uniqueName('sizes');
		await createStream(harness.client, name);
		// AWS's record size limit counts the partition key with the data: together at most 1 MiB.
		const large = Buffer.alloc(1024 * 1024 - 'large'.length);
		for (let index = 0; index < large.length; index++) large[index] = (index * 31 + 7) & 0xff;
		await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'empty', Data: new Uint8Array()}));
		await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'large', Data: large}));
		const records = await readToEnd(harness.client, await iterator(harness.client, name, 'shardId-000000000000', 'TRIM_HORIZON'));
		expect(records.map((record) => record.PartitionKey)).toEqual(['empty', 'large']);
		expect(records[0]?.Data?.length).toBe(0);
		expect(Buffer.from(records[1]?.Data ?? new Uint8Array()).equals(large)).toBe(true);
	});

	it('puts a batch with PutRecords, answering per record in request order', async () => {
		const name = uniqueName('batch');
		const shards = await createStream(harness.client, name, 4);
		const keys = Array.from({length: 30}, (_, index) => `batch-key-${index}`);
		const batch = await harness.client.send(
			new PutRecordsCommand({StreamName: name, Records: keys.map((key) => ({PartitionKey: key, Data: Buffer.from(`data of ${key}`)}))}),
		);
		expect(batch.FailedRecordCount).toBe(0);
		expect(batch.EncryptionType).toBeUndefined();
		expect(batch.Records).toHaveLength(keys.length);
		for (const [index, result] of (batch.Records ?? []).entries()) {
			expect(result.ShardId).toBe(shardHolding(shards, md5(keys[index] ?? '')));
			expect(result.SequenceNumber).toMatch(/^\d+$/);
			expect(result.ErrorCode).toBeUndefined();
		}
		for (const shard of shards) {
			const stored = await readToEnd(harness.client, await iterator(harness.client, name, shard.ShardId ?? '', 'TRIM_HORIZON'));
			const expected = (batch.Records ?? []).flatMap((result, index) =>
				result.ShardId === shard.ShardId ? [{key: keys[index], sequence: result.SequenceNumber}] : [],
			);
			expect(stored.map((record) => ({key: record.PartitionKey, sequence: record.SequenceNumber}))).toEqual(expected);
			for (const record of stored) expect(text(record)).toBe(`data of ${record.PartitionKey}`);
		}
	});

	it('routes a partition key to the shard whose range holds MD5(key) as an unsigned 128-bit integer', async () => {
		const name = uniqueName('routing');
		const count = 5;
		const shards = await createStream(harness.client, name, count);
		const keys = [
			...Array.from({length: 240}, (_, index) => `user-${index * 7919}`),
			'a',
			'ünïcödé',
			'日本語のキー',
			'emoji 🚀',
			'x'.repeat(256),
			' ',
		];
		const batch = await harness.client.send(
			new PutRecordsCommand({StreamName: name, Records: keys.map((key) => ({PartitionKey: key, Data: Buffer.from(key)}))}),
		);
		const used = new Set<string>();
		for (const [index, result] of (batch.Records ?? []).entries()) {
			const hash = md5(keys[index] ?? '');
			expect(result.ShardId).toBe(shardId(evenShardIndex(hash, count)));
			expect(result.ShardId).toBe(shardHolding(shards, hash));
			used.add(result.ShardId ?? '');
		}
		// Enough keys that every shard is hit: a constant answer would fail above.
		expect(used.size).toBe(count);

		// PutRecord routes the same way.
		for (const key of keys.slice(0, 20)) {
			const put = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: key, Data: Buffer.from('again')}));
			expect(put.ShardId).toBe(shardId(evenShardIndex(md5(key), count)));
		}
	});

	it('routes by ExplicitHashKey instead of the partition key, at the exact range boundaries', async () => {
		const name = uniqueName('explicit');
		await createStream(harness.client, name, 3);
		const cases: Array<[hashKey: string, shard: number]> = [
			['0', 0],
			['113427455640312821154458202477256070484', 0],
			['113427455640312821154458202477256070485', 1],
			['226854911280625642308916404954512140969', 1],
			['226854911280625642308916404954512140970', 2],
			['340282366920938463463374607431768211455', 2],
		];
		// A key whose own hash lands on shard 1, so that routing by it would be visible.
		const partitionKey = keyOnShard(1, 3);
		for (const [hashKey, shard] of cases) {
			const put = await harness.client.send(
				new PutRecordCommand({StreamName: name, PartitionKey: partitionKey, ExplicitHashKey: hashKey, Data: Buffer.from(hashKey)}),
			);
			expect([hashKey, put.ShardId]).toEqual([hashKey, shardId(shard)]);
		}
		const batch = await harness.client.send(
			new PutRecordsCommand({
				StreamName: name,
				Records: cases.map(([hashKey]) => ({PartitionKey: partitionKey, ExplicitHashKey: hashKey, Data: Buffer.from(hashKey)})),
			}),
		);
		expect(batch.Records?.map((result) => result.ShardId)).toEqual(cases.map(([, shard]) => shardId(shard)));
		const onShard2 = await readToEnd(harness.client, await iterator(harness.client, name, shardId(2), 'TRIM_HORIZON'));
		expect(onShard2.map(text)).toEqual([
			'226854911280625642308916404954512140970',
			'340282366920938463463374607431768211455',
			'226854911280625642308916404954512140970',
			'340282366920938463463374607431768211455',
		]);
	});

	it('refuses an ExplicitHashKey of 2^128 or more, writing nothing of the batch', async () => {
		const name = uniqueName('explicit-range');
		await createStream(harness.client, name);
		const tooBig = TWO_128.toString();
		const message = `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${tooBig}`;
		await expectError(
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'a', ExplicitHashKey: tooBig, Data: Buffer.from('x')})),
			'InvalidArgumentException',
			message,
		);
		await expectError(
			harness.client.send(
				new PutRecordsCommand({
					StreamName: name,
					Records: [
						{PartitionKey: 'a', Data: Buffer.from('fine')},
						{PartitionKey: 'b', ExplicitHashKey: tooBig, Data: Buffer.from('not fine')},
					],
				}),
			),
			'InvalidArgumentException',
			message,
		);
		expect(await readToEnd(harness.client, await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON'))).toEqual([]);
	});

	it('answers GetRecords in exactly the JSON that JSON.stringify writes, whatever the keys and data hold', async () => {
		const name = uniqueName('json');
		await createStream(harness.client, name);
		const keys = [
			'plain',
			'quote"d',
			'back\\slash',
			'controls\u0000\u0001\u001f\n\t',
			'del\u007f',
			'é-ü',
			'emoji 😀',
			'line\u2028separator',
			'k'.repeat(256),
		];
		const data = [0, 1, 2, 3, 4, 5, 70_000].map((length) => Buffer.from(Array.from({length}, (_, index) => (index * 37 + length) & 0xff)));
		const sent = [
			...keys.map((PartitionKey, index) => ({PartitionKey, Data: data[index % data.length] ?? Buffer.alloc(0)})),
			...data.map((Data, index) => ({PartitionKey: `d${index}`, Data})),
		];
		await harness.client.send(new PutRecordsCommand({StreamName: name, Records: sent}));
		// Enough records of 300 bytes that the answer is written in several pieces.
		const many = Array.from({length: 500}, (_, index) => ({PartitionKey: `many-${index}`, Data: Buffer.alloc(300, index & 0xff)}));
		for (let call = 0; call < 4; call++) await harness.client.send(new PutRecordsCommand({StreamName: name, Records: many}));

		const start = await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON');
		const response = await rawRequest(harness.url, transport, {operation: 'GetRecords', body: JSON.stringify({ShardIterator: start})});
		expect(response.status).toBe(200);
		const parsed = JSON.parse(response.body) as {
			Records: Array<{PartitionKey: string; Data: string; SequenceNumber: string}>;
			NextShardIterator: string;
		};
		expect(response.body).toBe(JSON.stringify(parsed));
		expect(parsed.Records).toHaveLength(sent.length + 4 * many.length);
		const expected = [...sent, ...many, ...many, ...many, ...many];
		expect(parsed.Records.map((record) => record.PartitionKey)).toEqual(expected.map((record) => record.PartitionKey));
		expect(
			parsed.Records.every((record, index) => Buffer.from(record.Data, 'base64').equals(expected[index]?.Data ?? Buffer.alloc(1))),
		).toBe(true);
		expect(isIncreasing(parsed.Records.map((record) => record.SequenceNumber))).toBe(true);

		// A page that starts inside a stored batch and stops inside another.
		const middle = await iterator(harness.client, name, shardId(0), 'AT_SEQUENCE_NUMBER', {
			StartingSequenceNumber: parsed.Records[3]?.SequenceNumber ?? '',
		});
		const page = await rawRequest(harness.url, transport, {
			operation: 'GetRecords',
			body: JSON.stringify({ShardIterator: middle, Limit: 20}),
		});
		const paged = JSON.parse(page.body) as typeof parsed;
		expect(page.body).toBe(JSON.stringify(paged));
		expect(paged.Records).toEqual(parsed.Records.slice(3, 23));
	});

	it('numbers records with 56-digit decimal strings, as AWS does, that rise strictly in arrival order within each shard', async () => {
		const name = uniqueName('sequence');
		await createStream(harness.client, name, 2);
		const keys = [keyOnShard(0, 2), keyOnShard(1, 2)];
		const sequenceNumbers: string[] = [];
		for (let index = 0; index < 40; index++) {
			const put = await harness.client.send(
				new PutRecordCommand({StreamName: name, PartitionKey: keys[index % 2] ?? '', Data: Buffer.from(String(index))}),
			);
			expect(put.ShardId).toBe(shardId(index % 2));
			sequenceNumbers.push(put.SequenceNumber ?? '');
		}
		for (const value of sequenceNumbers) expect(value).toMatch(/^[1-9]\d{55}$/);
		// AWS orders numbers within a shard only: across shards they need not follow arrival.
		for (const index of [0, 1]) expect(isIncreasing(sequenceNumbers.filter((_, n) => n % 2 === index))).toBe(true);
		for (const index of [0, 1]) {
			const stored = await readToEnd(harness.client, await iterator(harness.client, name, shardId(index), 'TRIM_HORIZON'));
			expect(stored.map((record) => record.SequenceNumber)).toEqual(sequenceNumbers.filter((_, n) => n % 2 === index));
		}
	});

	it('keeps per-shard order across many concurrent PutRecords calls', async () => {
		const name = uniqueName('concurrent');
		await createStream(harness.client, name, 2);
		const keys = [keyOnShard(0, 2, 'c'), keyOnShard(1, 2, 'c')];
		const calls = 40;
		const perCall = 25;
		const results = await Promise.all(
			Array.from({length: calls}, (_, call) =>
				harness.client.send(
					new PutRecordsCommand({
						StreamName: name,
						Records: Array.from({length: perCall}, (_, index) => ({
							PartitionKey: keys[(call + index) % 2] ?? '',
							Data: Buffer.from(`${call}:${index}`),
						})),
					}),
				),
			),
		);
		const acknowledged = new Map<string, string>();
		for (const [call, result] of results.entries()) {
			expect(result.FailedRecordCount).toBe(0);
			for (const [index, record] of (result.Records ?? []).entries()) acknowledged.set(`${call}:${index}`, record.SequenceNumber ?? '');
		}

		let total = 0;
		for (const shard of [0, 1]) {
			const stored = await readToEnd(harness.client, await iterator(harness.client, name, shardId(shard), 'TRIM_HORIZON'));
			total += stored.length;
			const sequence = stored.map((record) => record.SequenceNumber ?? '');
			expect(isIncreasing(sequence)).toBe(true);
			// Each record sits under the number it was acknowledged with...
			for (const record of stored) expect(record.SequenceNumber).toBe(acknowledged.get(text(record)));
			// ...and each call's records keep their request order within the shard.
			const positions = new Map<number, number>();
			for (const record of stored) {
				const [call, index] = text(record).split(':').map(Number) as [number, number];
				expect((call + index) % 2).toBe(shard);
				expect(index).toBeGreaterThan(positions.get(call) ?? -1);
				positions.set(call, index);
			}
		}
		expect(total).toBe(calls * perCall);
	});

	it('stores every record of many concurrent large PutRecords byte for byte (their bodies and data are read into reused memory)', async () => {
		const name = uniqueName('large-concurrent');
		await createStream(harness.client, name, 2);
		// 500 records of 150 bytes: a body of about 130 KB, which comes in several pieces and is joined in pooled memory.
		const calls = Array.from({length: 12}, (_, call) =>
			Array.from({length: 500}, (_, index) => ({PartitionKey: `${call}-${index}`, Data: randomBytes(150)})),
		);
		const results = await Promise.all(calls.map((Records) => harness.client.send(new PutRecordsCommand({StreamName: name, Records}))));
		for (const result of results) expect(result.FailedRecordCount).toBe(0);
		const stored = new Map<string, Buffer>();
		for (const shard of [0, 1]) {
			for (const record of await readToEnd(harness.client, await iterator(harness.client, name, shardId(shard), 'TRIM_HORIZON')))
				stored.set(record.PartitionKey ?? '', Buffer.from(record.Data ?? new Uint8Array()));
		}
		expect(stored.size).toBe(12 * 500);
		for (const record of calls.flat()) expect(stored.get(record.PartitionKey)?.equals(record.Data)).toBe(true);
	});

	it('keeps the order of concurrent single PutRecord calls consistent with their sequence numbers', async () => {
		const name = uniqueName('concurrent-single');
		await createStream(harness.client, name);
		const puts = await Promise.all(
			Array.from({length: 100}, (_, index) =>
				harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'same', Data: Buffer.from(String(index))})),
			),
		);
		const bySequence = puts
			.map((put, index) => ({sequence: BigInt(put.SequenceNumber ?? '0'), data: String(index)}))
			.sort((a, b) => (a.sequence < b.sequence ? -1 : 1));
		const stored = await readToEnd(harness.client, await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON'));
		expect(stored.map(text)).toEqual(bySequence.map((entry) => entry.data));
		expect(new Set(puts.map((put) => put.SequenceNumber)).size).toBe(100);
	});

	it('orders a record after SequenceNumberForOrdering and refuses a number the stream never issued', async () => {
		const name = uniqueName('ordering');
		await createStream(harness.client, name, 2);
		const first = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'ordered', Data: Buffer.from('first')}));
		const second = await harness.client.send(
			new PutRecordCommand({
				StreamName: name,
				PartitionKey: 'ordered',
				Data: Buffer.from('second'),
				SequenceNumberForOrdering: first.SequenceNumber,
			}),
		);
		expect(second.ShardId).toBe(first.ShardId);
		expect(BigInt(second.SequenceNumber ?? '0')).toBeGreaterThan(BigInt(first.SequenceNumber ?? '0'));
		const stored = await readToEnd(harness.client, await iterator(harness.client, name, first.ShardId ?? '', 'TRIM_HORIZON'));
		expect(stored.map(text)).toEqual(['first', 'second']);

		await expectError(
			harness.client.send(
				new PutRecordCommand({StreamName: name, PartitionKey: 'ordered', Data: Buffer.from('x'), SequenceNumberForOrdering: '1234'}),
			),
			'InvalidArgumentException',
			`ExclusiveMinimumSequenceNumber 1234 used in PutRecord on stream ${name} under account ${ACCOUNT} is invalid.`,
		);
		// AWS takes a well-formed number of version 1 or 2 from anywhere (kinesalite test/putRecord.js, "should work with
		// SequenceNumberForOrdering all 0" and "... with version 1"), but not one with a version it does not know.
		for (const hex of ['20000000000000000000000000000000000000000000002', '20000000000000000000000000000000000000000000001']) {
			const put = await harness.client.send(
				new PutRecordCommand({
					StreamName: name,
					PartitionKey: 'ordered',
					Data: Buffer.from('x'),
					SequenceNumberForOrdering: BigInt(`0x${hex}`).toString(),
				}),
			);
			expect(BigInt(put.SequenceNumber ?? '0')).toBeGreaterThan(BigInt(second.SequenceNumber ?? '0'));
		}
		const versionThree = BigInt('0x20000000000000000000000000000000000000000000003').toString();
		await expectError(
			harness.client.send(
				new PutRecordCommand({StreamName: name, PartitionKey: 'ordered', Data: Buffer.from('x'), SequenceNumberForOrdering: versionThree}),
			),
			'InvalidArgumentException',
			`ExclusiveMinimumSequenceNumber ${versionThree} used in PutRecord on stream ${name} under account ${ACCOUNT} is invalid.`,
		);
	});
});

describe.each(transports)('arrival times and ordering with a clock over %s', (transport) => {
	const clock = new FakeClock();
	const harness = useEngine(transport, {now: clock.now});

	it('stamps ApproximateArrivalTimestamp with the arrival time', async () => {
		const name = uniqueName('arrival');
		await createStream(harness.client, name);
		const times: number[] = [];
		for (let index = 0; index < 3; index++) {
			clock.advance(1_234);
			times.push(clock.ms);
			await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'a', Data: Buffer.from(String(index))}));
		}
		const stored: _Record[] = await readToEnd(harness.client, await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON'));
		expect(stored.map((record) => record.ApproximateArrivalTimestamp?.getTime())).toEqual(times);
	});

	it('keeps numbers rising when the clock steps back, with and without SequenceNumberForOrdering', async () => {
		const name = uniqueName('clock-back');
		await createStream(harness.client, name);
		clock.advance(60_000);
		const first = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('first')}));
		clock.advance(-30_000);
		const second = await harness.client.send(
			new PutRecordCommand({
				StreamName: name,
				PartitionKey: 'k',
				Data: Buffer.from('second'),
				SequenceNumberForOrdering: first.SequenceNumber,
			}),
		);
		const third = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('third')}));
		expect(isIncreasing([first.SequenceNumber ?? '', second.SequenceNumber ?? '', third.SequenceNumber ?? ''])).toBe(true);
		const stored = await readToEnd(harness.client, await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON'));
		expect(stored.map(text)).toEqual(['first', 'second', 'third']);
		clock.advance(30_000);
	});
});
