import {
	CreateStreamCommand,
	DeleteStreamCommand,
	GetRecordsCommand,
	type GetRecordsCommandOutput,
	GetShardIteratorCommand,
	PutRecordCommand,
	PutRecordsCommand,
	type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, FakeClock, createStream, expectError, rejection, text, transports, uniqueName, useEngine} from './support.js';

const SHARD_0 = 'shardId-000000000000';
const SHARD_1 = 'shardId-000000000001';

/** A time as AWS writes it in ExpiredIteratorException: Java's Date.toString in UTC. */
function javaDate(ms: number): string {
	const [day, date, month, year, time] = new Date(ms).toUTCString().replace(',', '').split(' ');
	return `${day} ${month} ${date} ${time} UTC ${year}`;
}

const MISMATCH =
	'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber.';

describe.each(transports)('shard iterators over %s', (transport) => {
	const clock = new FakeClock();
	const harness = useEngine(transport, {now: clock.now});

	const iterator = async (
		stream: string,
		type: ShardIteratorType,
		extra: {StartingSequenceNumber?: string | undefined; Timestamp?: Date; ShardId?: string} = {},
	) => {
		const {ShardIterator} = await harness.client.send(
			new GetShardIteratorCommand({StreamName: stream, ShardId: SHARD_0, ShardIteratorType: type, ...extra}),
		);
		expect(ShardIterator).toEqual(expect.any(String));
		return ShardIterator ?? '';
	};
	/** One GetRecords call, a fifth of a second after the last: the pace AWS allows a reader of one shard. */
	const read = async (shardIterator: string, limit?: number): Promise<GetRecordsCommandOutput> => {
		clock.advance(200);
		return harness.client.send(new GetRecordsCommand({ShardIterator: shardIterator, ...(limit === undefined ? {} : {Limit: limit})}));
	};
	const texts = (output: GetRecordsCommandOutput) => (output.Records ?? []).map(text);
	const put = async (stream: string, data: string, partitionKey = 'key') =>
		(await harness.client.send(new PutRecordCommand({StreamName: stream, PartitionKey: partitionKey, Data: Buffer.from(data)})))
			.SequenceNumber ?? '';

	it('TRIM_HORIZON starts at the oldest record', async () => {
		const stream = uniqueName('trim-horizon');
		await createStream(harness.client, stream);
		for (const data of ['a', 'b', 'c']) await put(stream, data);
		expect(texts(await read(await iterator(stream, 'TRIM_HORIZON')))).toEqual(['a', 'b', 'c']);
	});

	it('LATEST sees only records put after it, including through the next iterator of an empty read', async () => {
		const stream = uniqueName('latest');
		await createStream(harness.client, stream);
		await put(stream, 'before-1');
		await put(stream, 'before-2');
		const latest = await iterator(stream, 'LATEST');
		const empty = await read(latest);
		expect(empty.Records).toEqual([]);
		expect(empty.MillisBehindLatest).toBe(0);
		await put(stream, 'after-1');
		await put(stream, 'after-2');
		expect(texts(await read(latest))).toEqual(['after-1', 'after-2']);
		expect(texts(await read(empty.NextShardIterator ?? ''))).toEqual(['after-1', 'after-2']);
	});

	it('AT_SEQUENCE_NUMBER starts at the record, AFTER_SEQUENCE_NUMBER just after it', async () => {
		const stream = uniqueName('by-sequence');
		await createStream(harness.client, stream);
		const sequences = [];
		for (const data of ['a', 'b', 'c', 'd']) sequences.push(await put(stream, data));
		expect(texts(await read(await iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: sequences[1]})))).toEqual([
			'b',
			'c',
			'd',
		]);
		expect(texts(await read(await iterator(stream, 'AFTER_SEQUENCE_NUMBER', {StartingSequenceNumber: sequences[1]})))).toEqual(['c', 'd']);
		const afterLast = await iterator(stream, 'AFTER_SEQUENCE_NUMBER', {StartingSequenceNumber: sequences[3]});
		expect((await read(afterLast)).Records).toEqual([]);
		await put(stream, 'e');
		expect(texts(await read(afterLast))).toEqual(['e']);
	});

	it('starts inside a PutRecords batch at any of its records, and pages through it with a small Limit', async () => {
		const stream = uniqueName('inside-batch');
		await createStream(harness.client, stream, 2);
		// Records of one call alternate between the two shards; shard 0 gets the even ones.
		const {Records = []} = await harness.client.send(
			new PutRecordsCommand({
				StreamName: stream,
				Records: Array.from({length: 10}, (_, index) => ({
					Data: Buffer.from(`r${index}`),
					PartitionKey: 'k',
					ExplicitHashKey: index % 2 === 0 ? '0' : (2n ** 127n).toString(),
				})),
			}),
		);
		const onShard0 = Records.flatMap((record, index) =>
			index % 2 === 0 ? [{sequence: record.SequenceNumber ?? '', data: `r${index}`}] : [],
		);
		for (const [at, {sequence}] of onShard0.entries()) {
			const rest = onShard0.slice(at).map(({data}) => data);
			expect(texts(await read(await iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: sequence})))).toEqual(rest);
			expect(texts(await read(await iterator(stream, 'AFTER_SEQUENCE_NUMBER', {StartingSequenceNumber: sequence})))).toEqual(rest.slice(1));
		}
		const paged: string[] = [];
		let next = await iterator(stream, 'TRIM_HORIZON');
		for (let page = 0; page < 3; page++) {
			const output = await read(next, 2);
			paged.push(...texts(output));
			next = output.NextShardIterator ?? '';
		}
		expect(paged).toEqual(['r0', 'r2', 'r4', 'r6', 'r8']);
	});

	it('AT_TIMESTAMP starts at the first record that arrived at or after the time', async () => {
		const stream = uniqueName('at-timestamp');
		await createStream(harness.client, stream);
		const start = clock.ms;
		for (const [offset, data] of [
			[1_000, 'a'],
			[2_000, 'b'],
			[3_000, 'c'],
		] as const) {
			clock.ms = start + offset;
			await put(stream, data);
		}
		clock.ms = start + 5_000;
		const at = async (offset: number) => texts(await read(await iterator(stream, 'AT_TIMESTAMP', {Timestamp: new Date(start + offset)})));
		expect(await at(-60_000)).toEqual(['a', 'b', 'c']);
		expect(await at(1_000)).toEqual(['a', 'b', 'c']);
		expect(await at(1_001)).toEqual(['b', 'c']);
		expect(await at(2_000)).toEqual(['b', 'c']);
		clock.advance(1_000);
		expect(await at(2_500)).toEqual(['c']);
		expect(await at(3_000)).toEqual(['c']);
	});

	it('AT_TIMESTAMP after the newest record answers at once with an iterator that sees the next record', async () => {
		const stream = uniqueName('after-newest');
		await createStream(harness.client, stream);
		// Enough history that a scan through it would show.
		for (let batch = 0; batch < 4; batch++) {
			await harness.client.send(
				new PutRecordsCommand({
					StreamName: stream,
					Records: Array.from({length: 250}, (_, index) => ({PartitionKey: 'k', Data: Buffer.from(`old-${batch}-${index}`)})),
				}),
			);
			clock.advance(1_000);
		}
		const newest = clock.ms;
		clock.advance(10_000);
		const started = Date.now();
		const waiting = await iterator(stream, 'AT_TIMESTAMP', {Timestamp: new Date(newest + 5_000)});
		const atNow = await iterator(stream, 'AT_TIMESTAMP', {Timestamp: new Date(clock.ms)});
		// An engine that waited for a record would hang here until the test timed out.
		expect(Date.now() - started).toBeLessThan(2_000);

		const empty = await read(waiting);
		expect(empty.Records).toEqual([]);
		await put(stream, 'next');
		expect(texts(await read(waiting))).toEqual(['next']);
		expect(texts(await read(empty.NextShardIterator ?? ''))).toEqual(['next']);
		expect(texts(await read(atNow))).toEqual(['next']);
	});

	it('refuses AT_TIMESTAMP without a timestamp or with one in the future', async () => {
		const stream = uniqueName('timestamp-errors');
		await createStream(harness.client, stream);
		await expectError(
			iterator(stream, 'AT_TIMESTAMP'),
			'InvalidArgumentException',
			'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
		);
		const future = clock.ms + 1_000;
		await expectError(
			iterator(stream, 'AT_TIMESTAMP', {Timestamp: new Date(future)}),
			'InvalidArgumentException',
			`The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${future}, currentTimestampInMillis: ${clock.ms}`,
		);
	});

	it('refuses an iterator type that does not match the presence of StartingSequenceNumber', async () => {
		const stream = uniqueName('type-mismatch');
		await createStream(harness.client, stream);
		const sequence = await put(stream, 'a');
		for (const type of ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'] as const) {
			await expectError(
				iterator(stream, type),
				'InvalidArgumentException',
				`${MISMATCH} Request specified ${type} and no StartingSequenceNumber.`,
			);
		}
		for (const type of ['TRIM_HORIZON', 'LATEST'] as const) {
			await expectError(
				iterator(stream, type, {StartingSequenceNumber: sequence}),
				'InvalidArgumentException',
				`${MISMATCH} Request specified ${type} and also a StartingSequenceNumber.`,
			);
		}
	});

	it('refuses a sequence number of another shard', async () => {
		const stream = uniqueName('other-shard');
		await createStream(harness.client, stream, 2);
		const onShard1 = (
			await harness.client.send(
				new PutRecordCommand({StreamName: stream, PartitionKey: 'x', ExplicitHashKey: String(1n << 127n), Data: Buffer.from('x')}),
			)
		).SequenceNumber;
		await expectError(
			iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: onShard1}),
			'InvalidArgumentException',
			`Invalid StartingSequenceNumber. It encodes ${SHARD_1}, while it was used in a call to a shard with ${SHARD_0}`,
		);
		// It is a good number on its own shard.
		const own = await iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: onShard1, ShardId: SHARD_1});
		expect(texts(await read(own))).toEqual(['x']);
	});

	it('refuses a sequence number the stream could not have issued', async () => {
		const stream = uniqueName('garbage-sequence');
		await createStream(harness.client, stream);
		const garbage = '26227199374822427428162556223570313216';
		await expectError(
			iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: garbage}),
			'InvalidArgumentException',
			`StartingSequenceNumber ${garbage} used in GetShardIterator on shard ${SHARD_0} in stream ${stream} under account ${ACCOUNT} is invalid.`,
		);
	});

	it('names the shard a foreign number encodes as AWS reads it (kinesalite test/getShardIterator.js)', async () => {
		const stream = uniqueName('foreign-sequence');
		await createStream(harness.client, stream);
		const mismatch = (encoded: string) =>
			`Invalid StartingSequenceNumber. It encodes ${encoded}, while it was used in a call to a shard with ${SHARD_0}`;
		// A small number is of AWS's old form, its shard index in hex digits 28..32 once 2^124 is added.
		await expectError(
			iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: '5'}),
			'InvalidArgumentException',
			mismatch('shardId-000000000005'),
		);
		// Version 2 with the shard field's top bit set: a signed 32-bit index, printed by Java's %012d.
		const eightNearEnd = BigInt('0x20000000000000000000000000000000000000800000002').toString();
		await expectError(
			iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: eightNearEnd}),
			'InvalidArgumentException',
			mismatch('shardId--02147483648'),
		);
		// Well formed, of this shard, but not the stream's: AWS says so rather than "invalid".
		const foreign = BigInt('0x20000000000000000000000000000000000000000000002').toString();
		await expectError(
			iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: foreign}),
			'InvalidArgumentException',
			`StartingSequenceNumber ${foreign} used in GetShardIterator on shard ${SHARD_0} in stream ${stream} under account ${ACCOUNT} is invalid because it did not come from this stream.`,
		);
	});

	it('refuses sequence numbers and iterators of a deleted stream after one of the same name is created', async () => {
		const stream = uniqueName('recreated');
		await createStream(harness.client, stream);
		const old = await put(stream, 'old');
		const oldIterator = await iterator(stream, 'TRIM_HORIZON');
		await harness.client.send(new DeleteStreamCommand({StreamName: stream}));
		clock.advance(1_000);
		await harness.client.send(new CreateStreamCommand({StreamName: stream, ShardCount: 1}));
		await put(stream, 'new');

		await expectError(
			iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: old}),
			'InvalidArgumentException',
			`StartingSequenceNumber ${old} used in GetShardIterator on shard ${SHARD_0} in stream ${stream} under account ${ACCOUNT} is invalid because it did not come from this stream.`,
		);
		const stale = await rejection(read(oldIterator));
		expect(stale.name).toBe('ResourceNotFoundException');
		expect(texts(await read(await iterator(stream, 'TRIM_HORIZON')))).toEqual(['new']);
	});

	it('tells a recreated stream from the deleted one even within the same millisecond', async () => {
		const stream = uniqueName('recreated-at-once');
		await createStream(harness.client, stream);
		const old = await put(stream, 'old');
		const oldIterator = await iterator(stream, 'TRIM_HORIZON');
		await harness.client.send(new DeleteStreamCommand({StreamName: stream}));
		await harness.client.send(new CreateStreamCommand({StreamName: stream, ShardCount: 1}));
		await put(stream, 'new');

		const refused = await rejection(iterator(stream, 'AT_SEQUENCE_NUMBER', {StartingSequenceNumber: old}));
		expect(refused.name).toBe('InvalidArgumentException');
		expect((await rejection(read(oldIterator))).name).toBe('ResourceNotFoundException');
	});

	it('expires an iterator 5 minutes after it was issued; each next iterator has 5 minutes of its own', async () => {
		const stream = uniqueName('expiry');
		await createStream(harness.client, stream);
		await put(stream, 'a');
		const issuedAt = clock.ms;
		const first = await iterator(stream, 'TRIM_HORIZON');
		clock.ms = issuedAt + 300_000;
		const page = await harness.client.send(new GetRecordsCommand({ShardIterator: first}));
		expect(texts(page)).toEqual(['a']);
		clock.ms = issuedAt + 300_001;
		await expectError(
			harness.client.send(new GetRecordsCommand({ShardIterator: first})),
			'ExpiredIteratorException',
			`Iterator expired. The iterator was created at time ${javaDate(issuedAt)} while right now it is ${javaDate(clock.ms)} which is further in the future than the tolerated delay of 300000 milliseconds.`,
		);
		await put(stream, 'b');
		expect(texts(await read(page.NextShardIterator ?? ''))).toEqual(['b']);
	});

	it('refuses an iterator it did not issue', async () => {
		const stream = uniqueName('garbage-iterator');
		await createStream(harness.client, stream);
		await expectError(
			harness.client.send(new GetRecordsCommand({ShardIterator: 'not-an-iterator'})),
			'InvalidArgumentException',
			'Invalid ShardIterator.',
		);
		const genuine = await iterator(stream, 'TRIM_HORIZON');
		const middle = Math.floor(genuine.length / 2);
		const tampered = genuine.slice(0, middle) + (genuine[middle] === 'A' ? 'B' : 'A') + genuine.slice(middle + 1);
		await expectError(
			harness.client.send(new GetRecordsCommand({ShardIterator: tampered})),
			'InvalidArgumentException',
			'Invalid ShardIterator.',
		);
		await expectError(
			harness.client.send(new GetRecordsCommand({ShardIterator: genuine.slice(0, -4)})),
			'InvalidArgumentException',
			'Invalid ShardIterator.',
		);
	});

	it('returns at most Limit records and how far behind the newest record the reader is', async () => {
		const stream = uniqueName('limit');
		await createStream(harness.client, stream);
		const putAt = clock.ms;
		await harness.client.send(
			new PutRecordsCommand({
				StreamName: stream,
				Records: Array.from({length: 5}, (_, index) => ({PartitionKey: 'k', Data: Buffer.from(String(index))})),
			}),
		);
		clock.ms = putAt + 7_000;
		const first = await harness.client.send(new GetRecordsCommand({ShardIterator: await iterator(stream, 'TRIM_HORIZON'), Limit: 2}));
		expect(texts(first)).toEqual(['0', '1']);
		expect(first.MillisBehindLatest).toBe(7_000);
		const second = await read(first.NextShardIterator ?? '', 2);
		expect(texts(second)).toEqual(['2', '3']);
		expect(second.MillisBehindLatest).toBe(7_200);
		const third = await read(second.NextShardIterator ?? '', 2);
		expect(texts(third)).toEqual(['4']);
		expect(third.MillisBehindLatest).toBe(0);
		const fourth = await read(third.NextShardIterator ?? '', 2);
		expect(fourth.Records).toEqual([]);
		expect(fourth.MillisBehindLatest).toBe(0);
		expect(fourth.NextShardIterator).toEqual(expect.any(String));
	});

	it('pages through 25,000 records with NextShardIterator, each once and in order', async () => {
		const stream = uniqueName('paging');
		await createStream(harness.client, stream);
		const total = 25_000;
		const sequences: string[] = [];
		for (let offset = 0; offset < total; offset += 500) {
			const batch = await harness.client.send(
				new PutRecordsCommand({
					StreamName: stream,
					Records: Array.from({length: 500}, (_, index) => ({PartitionKey: 'one shard', Data: Buffer.from(String(offset + index))})),
				}),
			);
			expect(batch.FailedRecordCount).toBe(0);
			sequences.push(...(batch.Records ?? []).map((record) => record.SequenceNumber ?? ''));
			// A shard takes 1,000 records a second.
			if ((offset + 500) % 1_000 === 0) clock.advance(1_000);
		}

		const seen: string[] = [];
		const seenSequences: string[] = [];
		const pageSizes: number[] = [];
		let next = await iterator(stream, 'TRIM_HORIZON');
		for (let calls = 0; calls < 10; calls++) {
			const page = await read(next);
			pageSizes.push(page.Records?.length ?? 0);
			seen.push(...texts(page));
			seenSequences.push(...(page.Records ?? []).map((record) => record.SequenceNumber ?? ''));
			if ((page.Records ?? []).length === 0) {
				expect(page.MillisBehindLatest).toBe(0);
				break;
			}
			expect(page.MillisBehindLatest ?? 0).toBeGreaterThanOrEqual(0);
			next = page.NextShardIterator ?? '';
		}
		expect(pageSizes).toEqual([10_000, 10_000, 5_000, 0]);
		expect(seen).toEqual(Array.from({length: total}, (_, index) => String(index)));
		expect(seenSequences).toEqual(sequences);
	});
});
