import {gzipSync} from 'node:zlib';
import {WireType} from '@bufbuild/protobuf/wire';
import {describe, expect, it} from 'vitest';
import {decodeRecord, deaggregate, hasKplMagic} from '../../../source/console/records/index.js';
import {aggregate, encodeAggregatedRecord, frameAggregate, KPL_MAGIC_BYTES, md5, utf8} from './support.js';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('KPL de-aggregation', () => {
	it('reads a hand-encoded aggregate byte for byte', () => {
		// partition_key_table: ["a"]; explicit_hash_key_table: ["42"];
		// records: [{partition_key_index: 0, explicit_hash_key_index: 0, data: "hi"}, {partition_key_index: 0, data: ""}]
		const message = Uint8Array.from([
			0x0a,
			0x01,
			0x61, // field 1, length 1, "a"
			0x12,
			0x02,
			0x34,
			0x32, // field 2, length 2, "42"
			0x1a,
			0x08,
			0x08,
			0x00,
			0x10,
			0x00,
			0x1a,
			0x02,
			0x68,
			0x69, // field 3: {1: 0, 2: 0, 3: "hi"}
			0x1a,
			0x04,
			0x08,
			0x00,
			0x1a,
			0x00, // field 3: {1: 0, 3: ""}
		]);
		const result = deaggregate(frameAggregate(message));
		expect(result).toEqual({
			kind: 'aggregated',
			records: [
				{partitionKey: 'a', explicitHashKey: '42', data: utf8('hi'), subSequenceNumber: 0},
				{partitionKey: 'a', data: new Uint8Array(0), subSequenceNumber: 1},
			],
		});
	});

	it('splits an aggregate into user records with their keys and sub-sequence numbers', () => {
		const data = aggregate([
			{partitionKey: 'user-1', data: '{"n":1}'},
			{partitionKey: 'user-2', explicitHashKey: '170141183460469231731687303715884105728', data: 'plain text'},
			{partitionKey: 'user-1', data: Uint8Array.of(0, 1, 2, 0xff)},
		]);
		expect(hasKplMagic(data)).toBe(true);
		const result = deaggregate(data);
		if (result.kind !== 'aggregated') throw new Error(`expected an aggregate, got ${JSON.stringify(result)}`);
		expect(result.records.map((record) => [record.partitionKey, record.explicitHashKey, record.subSequenceNumber])).toEqual([
			['user-1', undefined, 0],
			['user-2', '170141183460469231731687303715884105728', 1],
			['user-1', undefined, 2],
		]);
		expect(text(result.records[0]!.data)).toBe('{"n":1}');
		expect([...result.records[2]!.data]).toEqual([0, 1, 2, 0xff]);
	});

	it('decodes each user record with the chosen decoder', () => {
		const data = aggregate([
			{partitionKey: 'a', data: '{"level":"ERROR"}'},
			{partitionKey: 'b', data: 'hello'},
			{partitionKey: 'c', data: gzipSync('{"zipped":true}')},
		]);
		const records = decodeRecord(data, {partitionKey: 'outer-key'});
		expect(records).toEqual([
			{text: '{\n  "level": "ERROR"\n}', format: 'json', json: {level: 'ERROR'}, byteLength: 17, partitionKey: 'a', subSequenceNumber: 0},
			{text: 'hello', format: 'utf8', byteLength: 5, partitionKey: 'b', subSequenceNumber: 1},
			{
				text: '{\n  "zipped": true\n}',
				format: 'json',
				json: {zipped: true},
				compression: 'gzip',
				byteLength: 15,
				partitionKey: 'c',
				subSequenceNumber: 2,
			},
		]);
		expect(decodeRecord(data, {decoder: 'base64'}).map((record) => record.text)).toEqual([
			Buffer.from('{"level":"ERROR"}').toString('base64'),
			Buffer.from('hello').toString('base64'),
			Buffer.from(gzipSync('{"zipped":true}')).toString('base64'),
		]);
	});

	it('shows the aggregate itself when asked not to de-aggregate', () => {
		const data = aggregate([{partitionKey: 'a', data: 'x'}]);
		const records = decodeRecord(data, {deaggregate: false, decoder: 'hex', hexStyle: 'compact', partitionKey: 'outer'});
		expect(records).toEqual([{text: Buffer.from(data).toString('hex'), format: 'hex', byteLength: data.length, partitionKey: 'outer'}]);
	});

	it('treats an aggregate whose MD5 does not match as a plain record, as the KCL does', () => {
		const data = aggregate([{partitionKey: 'a', data: 'hello'}]);
		data[data.length - 1]! ^= 0x01;
		expect(deaggregate(data)).toEqual({kind: 'invalid', reason: expect.stringContaining('MD5 checksum does not match') as unknown});
		const [record, ...rest] = decodeRecord(data, {partitionKey: 'outer'});
		expect(rest).toEqual([]);
		expect(record).toMatchObject({format: 'hex', partitionKey: 'outer', byteLength: data.length});
		expect(record?.subSequenceNumber).toBeUndefined();
		expect(record?.text.startsWith('00000000  f3 89 9a c2 ')).toBe(true);
		expect(record?.notes).toEqual([expect.stringMatching(/MD5 checksum does not match: shown as a plain record/)]);
	});

	it('treats a record cut short (checksum no longer matches) as plain', () => {
		const whole = aggregate([{partitionKey: 'a', data: 'hello world'}]);
		const data = whole.subarray(0, whole.length - 5);
		expect(hasKplMagic(data)).toBe(true);
		expect(deaggregate(data)).toEqual({kind: 'invalid', reason: expect.stringContaining('MD5 checksum does not match') as unknown});
	});

	it('treats a truncated protobuf message with a matching checksum as a plain record', () => {
		const message = encodeAggregatedRecord({partitionKeys: ['a'], records: [{partitionKeyIndex: 0, data: 'hello world'}]});
		const cut = message.subarray(0, message.length - 4);
		const result = deaggregate(frameAggregate(cut));
		expect(result).toEqual({kind: 'invalid', reason: expect.stringMatching(/protobuf message cannot be read: premature EOF/) as unknown});
		const records = decodeRecord(frameAggregate(cut));
		expect(records).toHaveLength(1);
		expect(records[0]?.notes?.[0]).toMatch(/cannot be read.*shown as a plain record, as the KCL does$/);
	});

	it('rejects a user record without its required fields', () => {
		const noData = encodeAggregatedRecord({partitionKeys: ['a'], records: [{partitionKeyIndex: 0}]});
		expect(deaggregate(frameAggregate(noData))).toEqual({
			kind: 'invalid',
			reason: expect.stringContaining('user record 0 has no data') as unknown,
		});
		const noKey = encodeAggregatedRecord({partitionKeys: ['a'], records: [{data: 'x'}]});
		expect(deaggregate(frameAggregate(noKey))).toEqual({
			kind: 'invalid',
			reason: expect.stringContaining('user record 0 has no partition_key_index') as unknown,
		});
		const tagWithoutKey = encodeAggregatedRecord({
			partitionKeys: ['a'],
			records: [
				{
					partitionKeyIndex: 0,
					data: 'x',
					extra: (writer) => writer.tag(4, WireType.LengthDelimited).fork().tag(2, WireType.LengthDelimited).string('v').join(),
				},
			],
		});
		expect(deaggregate(frameAggregate(tagWithoutKey))).toEqual({
			kind: 'invalid',
			reason: expect.stringContaining('tag without a key') as unknown,
		});
	});

	it('rejects key indexes outside the tables', () => {
		const badPartitionKey = encodeAggregatedRecord({
			partitionKeys: ['a', 'b'],
			records: [
				{partitionKeyIndex: 1, data: 'x'},
				{partitionKeyIndex: 2, data: 'y'},
			],
		});
		expect(deaggregate(frameAggregate(badPartitionKey))).toEqual({
			kind: 'invalid',
			reason: "KPL user record 1 refers to partition key 2, but the aggregate's partition key table has 2 entries",
		});
		const badHashKey = encodeAggregatedRecord({
			partitionKeys: ['a'],
			records: [{partitionKeyIndex: 0, explicitHashKeyIndex: 0, data: 'x'}],
		});
		expect(deaggregate(frameAggregate(badHashKey))).toMatchObject({
			kind: 'invalid',
			reason: expect.stringContaining('explicit hash key 0') as unknown,
		});
	});

	it('skips fields it does not know, as protobuf parsers do', () => {
		const message = encodeAggregatedRecord({
			partitionKeys: ['a'],
			records: [
				{
					partitionKeyIndex: 0,
					data: 'x',
					extra: (writer) =>
						writer
							.tag(4, WireType.LengthDelimited)
							.fork()
							.tag(1, WireType.LengthDelimited)
							.string('k')
							.join()
							.tag(9, WireType.Varint)
							.uint32(7),
				},
			],
		});
		const withTopLevelUnknown = Buffer.concat([message, Uint8Array.of((15 << 3) | WireType.Bit32, 1, 2, 3, 4)]);
		expect(deaggregate(frameAggregate(withTopLevelUnknown))).toEqual({
			kind: 'aggregated',
			records: [{partitionKey: 'a', data: utf8('x'), subSequenceNumber: 0}],
		});
	});

	it('is not fooled by the magic number alone or by short records', () => {
		expect(deaggregate(utf8('{"plain":true}'))).toEqual({kind: 'plain'});
		// The KCL needs more than 16 bytes after the magic number.
		const short = Buffer.concat([KPL_MAGIC_BYTES, md5(new Uint8Array(0))]);
		expect(hasKplMagic(short)).toBe(false);
		expect(deaggregate(short)).toEqual({kind: 'plain'});
	});

	it('shows an aggregate with no user records as it is, saying so', () => {
		const empty = frameAggregate(encodeAggregatedRecord({partitionKeys: ['a'], records: []}));
		expect(deaggregate(empty)).toEqual({kind: 'aggregated', records: []});
		const records = decodeRecord(empty, {partitionKey: 'outer'});
		expect(records).toHaveLength(1);
		expect(records[0]).toMatchObject({
			format: 'hex',
			partitionKey: 'outer',
			notes: ['a KPL aggregate with no user records: shown as it is'],
		});
	});
});
