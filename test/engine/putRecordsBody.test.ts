import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
	putRecordsSchema,
	readPutRecordsBody,
	type PutRecordsInput,
	type ReadPutRecords,
} from '../../source/engine/kinesis/actions/putRecordsBody.js';
import {IncomingRecords} from '../../source/engine/kinesis/model/writeRecords.js';
import {releaseInput} from '../../source/engine/protocol/dispatch.js';
import {parseInput} from '../../source/engine/protocol/schema.js';

/**
 * The fast PutRecords body reader against the general path (JSON.parse, then the schema): whatever
 * it returns must be exactly what the general path returns, and it must take the bodies clients send.
 */

/** What the general path makes of a body: the checked input, or the error it reports. */
function generalPath(text: string): {input?: unknown; error?: unknown} {
	try {
		return {input: parseInput(putRecordsSchema, JSON.parse(text))};
	} catch (error) {
		return {error};
	}
}

function expectSameAsGeneralPath(text: string): ReturnType<typeof readPutRecordsBody> {
	const fast = readPutRecordsBody(Buffer.from(text));
	if (fast !== undefined) {
		const general = generalPath(text);
		expect(general.error).toBeUndefined();
		expect(comparable(fast)).toStrictEqual(comparable(general.input as PutRecordsInput));
		fast[releaseInput]?.();
	}
	return fast;
}

/**
 * The input with each record's data as hex (comparing large buffers byte by byte is slow), and Buffers
 * checked; the fast reader's records as entries, their partition keys' lengths checked.
 */
function comparable(input: PutRecordsInput | ReadPutRecords): unknown {
	const {Records, [releaseInput]: _release, ...stream} = input as ReadPutRecords;
	return {
		...stream,
		Records: (Records instanceof IncomingRecords ? Records.entries() : Records).map((record) => {
			expect(Buffer.isBuffer(record.Data)).toBe(true);
			return {...record, Data: record.Data.toString('hex')};
		}),
	};
}

const data = fc.uint8Array({maxLength: 300}).map((bytes) => Buffer.from(bytes).toString('base64'));
const partitionKey = fc.string({minLength: 1, maxLength: 256, unit: fc.constantFrom('a', 'Z', '0', '-', '_', ':', '/', '.', ' ')});
const hashKey = fc.oneof(fc.constant('0'), fc.bigInt({min: 1n, max: (1n << 128n) - 1n}).map(String));
const streamName = fc.stringMatching(/^[a-zA-Z0-9_.-]{1,128}$/);
const plainRecord = fc.record({Data: data, PartitionKey: partitionKey, ExplicitHashKey: hashKey}, {requiredKeys: ['Data', 'PartitionKey']});
const spacing = fc.constantFrom<string | number | undefined>(undefined, 1, 2, '\t');

/** A body as a client may write it: the members of each object rotated by `rotation`, with or without white space. */
function written(value: Record<string, unknown>, rotation: number, space: string | number | undefined): string {
	return JSON.stringify(
		value,
		(_key, member: unknown) => {
			if (typeof member !== 'object' || member === null || Array.isArray(member)) return member;
			const keys = Object.keys(member);
			const shift = keys.length === 0 ? 0 : rotation % keys.length;
			return Object.fromEntries(
				[...keys.slice(shift), ...keys.slice(0, shift)].map((key) => [key, (member as Record<string, unknown>)[key]]),
			);
		},
		space,
	);
}

describe('the fast PutRecords body reader', () => {
	it('reads what clients send exactly as the general path does', () => {
		fc.assert(
			fc.property(
				streamName,
				fc.array(plainRecord, {minLength: 1, maxLength: 500}),
				fc.nat(),
				spacing,
				(name, records, rotation, space) => {
					const text = written({StreamName: name, Records: records}, rotation, space);
					expect(expectSameAsGeneralPath(text)).toBeDefined();
				},
			),
			{numRuns: 200},
		);
	});

	it('gives every other body to the general path, or reads it as that path does', () => {
		const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
		const spoiledData = fc.oneof(
			fc.string({maxLength: 12, unit: fc.constantFrom('A', 'g', '+', '/', '=', '-', '_', ' ', '\\', '"', '\n', 'é')}),
			data.map((text) => text.replace(/=*$/, '') + '==='),
			// Bits past the data left set in the last digit before the padding.
			data
				.filter((text) => text.endsWith('='))
				.map((text) => {
					const last = text.search(/=+$/) - 1;
					return text.slice(0, last) + ALPHABET[(ALPHABET.indexOf(text.charAt(last)) + 1) % 64] + text.slice(last + 1);
				}),
			fc.constantFrom(null, 0, true, [], {}),
		);
		const spoiledKey = fc.oneof(
			fc.string({minLength: 257, maxLength: 300}),
			fc.string({minLength: 1, maxLength: 30, unit: 'grapheme'}),
			fc.string({minLength: 1, maxLength: 30, unit: 'binary'}),
			fc.constantFrom('', 'quote"d', 'back\\slash', 'tab\there', '\u0000', 'é', '😀', '\u2028', null, 1, {}),
		);
		const spoiledHashKey = fc.constantFrom(
			'',
			'00',
			'01',
			'-1',
			'1.5',
			' 1',
			'1e3',
			'9'.repeat(40),
			'340282366920938463463374607431768211456',
			null,
			7,
		);
		const spoiledName = fc.oneof(
			fc.string({maxLength: 130, unit: 'grapheme'}),
			fc.constantFrom('', 'bad name', 'a/b', 'x'.repeat(129), null, 5),
		);
		const member = (name: string, value: fc.Arbitrary<unknown>) => fc.record({name: fc.constant(name), value, index: fc.nat()});
		// One thing wrong or unusual a body: the rest is plain, so that the reader's own checks are what is tested.
		const spoiler = fc.oneof(
			member('Data', spoiledData),
			member('PartitionKey', spoiledKey),
			member('ExplicitHashKey', spoiledHashKey),
			member('Other', fc.constant('x')),
			member('-Data', fc.constant(undefined)),
			member('-PartitionKey', fc.constant(undefined)),
			member('StreamName', spoiledName),
			member('StreamARN', fc.constantFrom('arn:aws:kinesis:us-east-1:123456789012:stream/s', 'arn:bad', '', null)),
			member('Extra', fc.constantFrom(1, 'x', null)),
			member('Records', fc.constantFrom(null, 'records', {}, [], [null], [1])),
			member('-Records', fc.constant(undefined)),
		);
		const recordLevel = new Set(['Data', 'PartitionKey', 'ExplicitHashKey', 'Other', '-Data', '-PartitionKey']);
		fc.assert(
			fc.property(
				streamName,
				fc.array(plainRecord, {minLength: 1, maxLength: 5}),
				spoiler,
				fc.nat(),
				spacing,
				(name, records, spoil, rotation, space) => {
					const body: Record<string, unknown> = {StreamName: name, Records: records};
					const target = recordLevel.has(spoil.name) ? (records[spoil.index % records.length] as Record<string, unknown>) : body;
					if (spoil.name.startsWith('-')) delete target[spoil.name.slice(1)];
					else target[spoil.name] = spoil.value;
					expectSameAsGeneralPath(written(body, rotation, space));
				},
			),
			{numRuns: 3000},
		);
	});

	it('leaves broken JSON, escapes and repeated members to the general path', () => {
		const record = '{"Data":"AAEC","PartitionKey":"k"}';
		for (const text of [
			'',
			' ',
			`{"Records":[${record}]`,
			`{"Records":[${record}]}}`,
			`{"Records":[${record},]}`,
			`{"Records":[${record}]} x`,
			`\ufeff{"Records":[${record}]}`,
			`{"Records":[{"Data":"AAEC","PartitionKey":"k\\u0041"}]}`,
			// A raw control character in a string is no JSON.
			`{"Records":[{"Data":"AAEC","PartitionKey":"k\tx"}]}`,
			`{"StreamName":"s\u0001","Records":[${record}]}`,
			`{"Records":[{"Data":"AA\\/C","PartitionKey":"k"}]}`,
			`{"Records":[{"Data":"AAEC","Data":"AAEC","PartitionKey":"k"}]}`,
			`{"Records":[${record}],"Records":[${record}]}`,
			`{"Stream\\u004eame":"s","Records":[${record}]}`,
			`{"Records":[]}`,
			`{"Records":[${Array.from({length: 501}, () => record).join(',')}]}`,
		]) {
			expect(readPutRecordsBody(Buffer.from(text)), text.slice(0, 80)).toBeUndefined();
		}
	});

	it("takes data up to the model's 10 MiB limit and leaves larger data to the general path", () => {
		const megabyte = Buffer.alloc(10 * 1024 * 1024, 7);
		const atLimit = `{"StreamName":"s","Records":[{"Data":"${megabyte.toString('base64')}","PartitionKey":"k"}]}`;
		expect(expectSameAsGeneralPath(atLimit)?.Records.entries()[0]?.Data.equals(megabyte)).toBe(true);
		const over = `{"StreamName":"s","Records":[{"Data":"${Buffer.concat([megabyte, Buffer.from([1])]).toString('base64')}","PartitionKey":"k"}]}`;
		expect(readPutRecordsBody(Buffer.from(over))).toBeUndefined();
		expect(generalPath(over).error).toMatchObject({type: 'ValidationException'});
	});

	it('keeps partition keys in UTF-8 as the general path reads them, and leaves bytes that are not UTF-8 to it', () => {
		const body = (key: Buffer) =>
			Buffer.concat([Buffer.from('{"StreamName":"s","Records":[{"Data":"AAEC","PartitionKey":"'), key, Buffer.from('"}]}')]);
		for (const key of ['é', '😀 key', 'ключ', 'k'.repeat(255) + 'é']) {
			expect(readPutRecordsBody(body(Buffer.from(key)))?.Records.entries()[0]?.PartitionKey).toBe(key);
		}
		// Too long in characters, though not in bytes for ASCII: 257 characters.
		expect(readPutRecordsBody(body(Buffer.from('é'.repeat(257))))).toBeUndefined();
		// A stray byte, a sequence cut short (whose replacement is as long as it), a surrogate written out (CESU-8).
		for (const bytes of [
			[0x6b, 0xff],
			[0xf0, 0x90, 0x80],
			[0xed, 0xa0, 0x80],
		]) {
			const spoiled = body(Buffer.from(bytes));
			expect(readPutRecordsBody(spoiled)).toBeUndefined();
			expect(generalPath(spoiled.toString('utf8')).input).toBeDefined();
		}
	});

	it('reads each request into memory of its own, lent until released and then used again', () => {
		// Data past Node's pool of small buffers (4 KiB), which smaller bodies' data is sliced from.
		const body = (byte: number) =>
			Buffer.from(`{"StreamName":"s","Records":[{"Data":"${Buffer.alloc(6000, byte).toString('base64')}","PartitionKey":"k"}]}`);
		const dataOf = (read: ReadPutRecords | undefined) => read?.Records.entries()[0]?.Data;
		const first = readPutRecordsBody(body(1));
		const second = readPutRecordsBody(body(2));
		expect(dataOf(first)?.equals(Buffer.alloc(6000, 1))).toBe(true);
		first?.[releaseInput]?.();
		// A second release of the same request gives nothing back: its memory could go to two requests.
		first?.[releaseInput]?.();
		const third = readPutRecordsBody(body(3));
		const fourth = readPutRecordsBody(body(4));
		expect(third?.Records.data.buffer).toBe(first?.Records.data.buffer);
		expect(fourth?.Records.data.buffer).not.toBe(third?.Records.data.buffer);
		expect(dataOf(third)?.equals(Buffer.alloc(6000, 3))).toBe(true);
		expect(dataOf(second)?.equals(Buffer.alloc(6000, 2))).toBe(true);
		for (const read of [second, third, fourth]) read?.[releaseInput]?.();
	});
});
