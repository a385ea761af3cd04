import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	DescribeStreamSummaryCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	ListShardsCommand,
	PutRecordCommand,
	PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {
	isFromStream,
	parseSequenceNumber,
	type ParsedSequence,
	sequenceWriter,
	shardSecondOf,
	writerAt,
} from '../../source/engine/kinesis/model/sequenceNumbers.js';
import type {ShardState} from '../../source/engine/store/streamState.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream, expectError, uniqueName} from './support.js';

const createdMs = Date.UTC(2026, 10, 22, 8, 30, 0, 250);
const createdSecond = Math.floor(createdMs / 1000);
const createdMsOfSecond = createdMs % 1000;
const positions = [0, 7, 99_999_999, 100_000_000, 123_456_789_012, createdMs * 1000, createdMs * 1000 + 999, Number.MAX_SAFE_INTEGER];
const shard = (index: number, startPosition: number, parentIndex?: number, adjacentParentIndex?: number): ShardState => ({
	index,
	startHash: '0',
	endHash: 'f',
	startPosition,
	...(parentIndex === undefined ? {} : {parentIndex}),
	...(adjacentParentIndex === undefined ? {} : {adjacentParentIndex}),
});
const hex = (value: number, digits: number) => value.toString(16).padStart(digits, '0');

/** The number kinesalite found AWS writing (mhart/kinesalite, db/index.js, version 2), worked out with BigInt. */
const awsLayout = (shardIndex: number, position: number) =>
	BigInt(
		'0x2' +
			hex(Math.floor(createdMs / 1000), 9) +
			hex(shardIndex & 0xf, 1) +
			((BigInt(createdMsOfSecond) << 53n) + BigInt(position)).toString(16).padStart(16, '0') +
			'00' +
			hex(Math.floor(position / 1_000_000), 9) +
			hex(shardIndex, 8) +
			'2',
	).toString();

describe('sequence numbers', () => {
	it('are the decimal form of AWS’s layout, 56 digits long, as text and as bytes, and read back', () => {
		for (const shardIndex of [0, 3, 15, 16, 1234]) {
			const writer = writerAt(createdSecond, createdMsOfSecond, shardIndex);
			for (const position of positions) {
				const text = writer.format(position);
				expect(text).toBe(awsLayout(shardIndex, position));
				expect(text).toMatch(/^[1-9]\d{55}$/);
				const bytes = Buffer.alloc(60, '.');
				expect(writer.write(bytes, 2, position)).toBe(58);
				expect(bytes.toString('latin1')).toBe(`..${text}..`);
				expect(parseSequenceNumber(text)).toEqual({shardSecond: createdSecond, streamMs: createdMsOfSecond, position, shardIndex});
			}
		}
		// The shape kinesalite's suite checks every number against (test/helpers.js, assertSequenceNumber).
		const shape = BigInt(writerAt(createdSecond, createdMsOfSecond, 2).format(createdMs * 1000 + 5)).toString(16);
		expect(shape).toMatch(/^20[0-9a-f]{8}2[0-9a-f]{16}000[0-9a-f]{8}000000022$/);
		expect(Number.parseInt(shape.slice(30, 38), 16)).toBe(Math.floor(createdMs / 1000));
	});

	it('come out the same written one after another, in steps, jumps, back and across seconds, as each alone', () => {
		const writer = writerAt(createdSecond, createdMsOfSecond, 7);
		let position = createdMs * 1000;
		// A fixed walk (no randomness): steps of 1 to 40, a second boundary, a step just under and at 10^7, a jump back,
		// steps around 200 (the largest the writer adds in 32-bit integers) and a run of them, carrying through every limb.
		const steps = [1, 1, 2, 40, 999_000, 3, 9_999_999, 10_000_000, 1, -5_000_000, 7, 86_400_000_000, 1, 199, 200, 201];
		steps.push(...Array.from({length: 2000}, (_, index) => 199 - (index % 7)));
		for (const step of steps) {
			position += step;
			const out = Buffer.alloc(56);
			writer.write(out, 0, position);
			expect(out.toString('latin1'), `position ${position}`).toBe(awsLayout(7, position));
		}
	});

	it('rise with the position within a shard, as strings and as numbers', () => {
		const writer = writerAt(createdSecond, createdMsOfSecond, 1);
		const start = createdMs * 1000;
		const run = [start, start + 1, start + 999, start + 1000, start + 999_999, start + 1_000_000, start + 86_400_000_000];
		const texts = run.map(writer.format);
		for (let index = 1; index < texts.length; index++) {
			expect((texts[index] as string) > (texts[index - 1] as string)).toBe(true);
			expect(BigInt(texts[index] as string) > BigInt(texts[index - 1] as string)).toBe(true);
		}
	});

	it('refuse what the engine could not have written, and still read the engine’s previous 42-digit form', () => {
		const good = writerAt(createdSecond, createdMsOfSecond, 3).format(createdMs * 1000);
		const value = BigInt(good);
		for (const bad of [
			'',
			'0',
			`0${good.slice(1)}`,
			`${good}0`,
			good.slice(1),
			good.replace(/\d$/, (digit) => String((Number(digit) + 1) % 10)),
			(value + (1n << 72n)).toString(), // a byte where AWS's numbers hold 00
			(value + (1n << 144n)).toString(), // the shard's last digit disagrees with its index
			(3n << 184n).toString(),
			'26227199374822427428162556223570313216',
		]) {
			expect(parseSequenceNumber(bad), bad).toBeUndefined();
		}
		const previous = `4${String(createdMs).padStart(14, '0')}${String(createdMs * 1000 + 42).padStart(17, '0')}0000000003`;
		const parsed = parseSequenceNumber(previous) as ParsedSequence;
		expect(parsed).toEqual({streamCreatedMs: createdMs, position: createdMs * 1000 + 42, shardIndex: 3});
		const stream = {createdMs, shards: [0, 1, 2, 3].map((index) => shard(index, createdMs * 1000))};
		expect(isFromStream(parsed, stream)).toBe(true);
		expect(isFromStream(parsed, {...stream, createdMs: createdMs + 1})).toBe(false);
		const current = parseSequenceNumber(good) as ParsedSequence;
		expect(isFromStream(current, stream)).toBe(true);
		// A stream created in another millisecond (of the same second or not), or without that shard, did not issue it.
		expect(isFromStream(current, {...stream, createdMs: createdMs + 1})).toBe(false);
		const later = {createdMs: createdMs + 1000, shards: [0, 1, 2, 3].map((index) => shard(index, (createdMs + 1000) * 1000))};
		expect(isFromStream(current, later)).toBe(false);
		expect(isFromStream(current, {createdMs, shards: stream.shards.slice(0, 3)})).toBe(false);
	});

	it('date a child shard after its parents, so that its numbers lie above theirs', () => {
		const start = createdMs * 1000;
		// 0 splits into 1 and 2 within the stream's first second; 1 and 2 merge into 3 a few seconds on.
		const shards = [
			{...shard(0, start), endPosition: start + 10},
			{...shard(1, start + 11, 0), endPosition: start + 20},
			{...shard(2, start + 11, 0), endPosition: start + 20},
			{...shard(3, start + 5_000_000, 1, 2)},
		];
		const stream = {createdMs, shards};
		expect(shards.map((_, index) => shardSecondOf(stream, index))).toEqual([
			createdSecond,
			createdSecond + 1,
			createdSecond + 1,
			createdSecond + 5,
		]);
		const ending = (index: number) => BigInt(sequenceWriter(stream, index).format(shards[index]?.endPosition ?? 0));
		const starting = (index: number) => BigInt(sequenceWriter(stream, index).format(shards[index]?.startPosition ?? 0));
		expect(starting(1) > ending(0) && starting(2) > ending(0)).toBe(true);
		expect(starting(3) > ending(1) && starting(3) > ending(2)).toBe(true);
	});
});

describe('sequence numbers through the SDK', () => {
	it('lie above their shard’s StartingSequenceNumber, start iterators, and stay the same across a restart; checkpoints of the previous form still work', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'engine-sequences-'));
		try {
			const name = uniqueName('sequences');
			let engine = await startEngine({dataDir: dir});
			let client = kinesisClient(engine.url);
			await createStream(client, name, 2);
			const first = await client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'a', Data: Buffer.from('one')}));
			const batch = await client.send(
				new PutRecordsCommand({StreamName: name, Records: ['two', 'three'].map((data) => ({PartitionKey: 'a', Data: Buffer.from(data)}))}),
			);
			const numbers = [first.SequenceNumber, ...(batch.Records ?? []).map((record) => record.SequenceNumber)] as string[];
			const shardId = first.ShardId ?? '';
			for (const number of numbers) expect(number).toMatch(/^[1-9]\d{55}$/);
			const {Shards} = await client.send(new ListShardsCommand({StreamName: name}));
			const starting = Shards?.find((shard) => shard.ShardId === shardId)?.SequenceNumberRange?.StartingSequenceNumber ?? '';
			expect(starting).toMatch(/^[1-9]\d{55}$/);
			expect(BigInt(numbers[0] as string) > BigInt(starting)).toBe(true);

			const read = async (type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON', sequenceNumber?: string) => {
				const {ShardIterator} = await client.send(
					new GetShardIteratorCommand({
						StreamName: name,
						ShardId: shardId,
						ShardIteratorType: type,
						StartingSequenceNumber: sequenceNumber,
					}),
				);
				const {Records} = await client.send(new GetRecordsCommand({ShardIterator}));
				return (Records ?? []).map((record) => [record.SequenceNumber, Buffer.from(record.Data ?? []).toString()]);
			};
			expect(await read('AT_SEQUENCE_NUMBER', numbers[1])).toEqual([
				[numbers[1], 'two'],
				[numbers[2], 'three'],
			]);
			expect(await read('AFTER_SEQUENCE_NUMBER', numbers[1])).toEqual([[numbers[2], 'three']]);
			await expectError(
				read('AT_SEQUENCE_NUMBER', `${numbers[1]}0`),
				'InvalidArgumentException',
				`StartingSequenceNumber ${numbers[1]}0 used in GetShardIterator on shard ${shardId} in stream ${name} under account 000000000000 is invalid.`,
			);

			client.destroy();
			await engine.close();
			engine = await startEngine({dataDir: dir});
			client = kinesisClient(engine.url);
			expect(await read('TRIM_HORIZON')).toEqual([
				[numbers[0], 'one'],
				[numbers[1], 'two'],
				[numbers[2], 'three'],
			]);
			// A checkpoint the engine handed out before its numbers took AWS's form: "4", creation ms, position, shard index.
			const {StreamDescriptionSummary} = await client.send(new DescribeStreamSummaryCommand({StreamName: name}));
			const streamCreatedMs = StreamDescriptionSummary?.StreamCreationTimestamp?.getTime() ?? 0;
			const position = parseSequenceNumber(numbers[1] as string)?.position ?? 0;
			const shardIndex = Number(shardId.slice('shardId-'.length));
			const previousForm = `4${String(streamCreatedMs).padStart(14, '0')}${String(position).padStart(17, '0')}${String(shardIndex).padStart(10, '0')}`;
			expect(await read('AFTER_SEQUENCE_NUMBER', previousForm)).toEqual([[numbers[2], 'three']]);
			client.destroy();
			await engine.close();
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
