import {deflateRawSync, deflateSync, gzipSync} from 'node:zlib';
import {describe, expect, it} from 'vitest';
import {decodeRecord, type DecodedRecord, type DecodeOptions} from '../../../source/console/records/index.js';
import {cloudWatchLogsBatch, utf8} from './support.js';

const MiB = 1024 * 1024;

function decodeOne(data: Uint8Array, options: DecodeOptions = {}): DecodedRecord {
	const records = decodeRecord(data, options);
	expect(records).toHaveLength(1);
	return records[0]!;
}

const logs = cloudWatchLogsBatch('/aws/lambda/checkout', [
	{id: '37899283734', timestamp: 1714521600000, message: 'START RequestId: 8f0c'},
	{id: '37899283735', timestamp: 1714521600123, message: '{"level":"ERROR","msg":"card declined"}'},
]);

describe('decodeRecord: utf8', () => {
	it('shows text as it is', () => {
		expect(decodeOne(utf8('grüße, 世界 🌍\n'), {decoder: 'utf8'})).toEqual({text: 'grüße, 世界 🌍\n', format: 'utf8', byteLength: 21});
	});

	it('replaces invalid UTF-8 and says so', () => {
		const record = decodeOne(Uint8Array.of(0x61, 0xc3, 0x28, 0x62, 0xff), {decoder: 'utf8'});
		expect(record).toEqual({
			text: 'a\ufffd(b\ufffd',
			format: 'utf8',
			byteLength: 5,
			notes: ['not valid UTF-8: invalid bytes are shown as U+FFFD'],
		});
	});
});

describe('decodeRecord: json', () => {
	const source = '{"user":{"id":12345678901234567890,"name":"Ada \\"the\\" [first]"},"tags":[],"ok":true,"nested":[1,[2,{}]]}';

	it('indents JSON, keeping numbers and escapes as written', () => {
		const record = decodeOne(utf8(source), {decoder: 'json'});
		expect(record.format).toBe('json');
		expect(record.text).toBe(
			[
				'{',
				'  "user": {',
				'    "id": 12345678901234567890,',
				'    "name": "Ada \\"the\\" [first]"',
				'  },',
				'  "tags": [],',
				'  "ok": true,',
				'  "nested": [',
				'    1,',
				'    [',
				'      2,',
				'      {}',
				'    ]',
				'  ]',
				'}',
			].join('\n'),
		);
		expect(record.json).toEqual(JSON.parse(source));
		expect(record.jsonError).toBeUndefined();
	});

	it('lays JSON out on one line when asked', () => {
		const spaced = '{ "a" : [ 1 , 2 ] ,\n "b" : "x y" }';
		expect(decodeOne(utf8(spaced), {decoder: 'json', jsonStyle: 'compact'})).toEqual({
			text: '{"a":[1,2],"b":"x y"}',
			format: 'json',
			json: {a: [1, 2], b: 'x y'},
			byteLength: spaced.length,
		});
	});

	it('lays out like JSON.stringify for ordinary documents', () => {
		for (const document of [{}, [], {a: {b: {c: [1, 'two', null, false, {d: -1.5e-7}]}}}, [[[]], [{}], 'x\n\t"'], 'scalar', 0, null]) {
			const text = JSON.stringify(document);
			expect(decodeOne(utf8(text), {decoder: 'json'}).text).toBe(JSON.stringify(document, null, 2));
			expect(decodeOne(utf8(JSON.stringify(document, null, 4)), {decoder: 'json', jsonStyle: 'compact'}).text).toBe(text);
		}
	});

	it('falls back to text, flagged, when the JSON is invalid', () => {
		const record = decodeOne(utf8('{"level": "ERROR",'), {decoder: 'json'});
		expect(record.format).toBe('utf8');
		expect(record.text).toBe('{"level": "ERROR",');
		expect(record.json).toBeUndefined();
		expect(record.jsonError).toMatch(/JSON/);
		expect(record.notes).toEqual([`not valid JSON (${record.jsonError}): shown as text`]);
	});

	it('shows pathologically nested JSON on one line instead of indenting it', () => {
		const depth = 100_000;
		const text = '['.repeat(depth) + '1' + ']'.repeat(depth);
		const record = decodeOne(utf8(text), {decoder: 'json'});
		expect(record.format).toBe('json');
		expect(record.text).toBe(text);
		expect(record.notes).toEqual(['too deeply nested to indent: shown on one line']);
	});
});

describe('decodeRecord: base64 and hex', () => {
	const bytes = Uint8Array.from([...utf8('Hello, world!\n'), 0x00, 0x01, 0x1b, ...utf8('[2J'), 0xff, 0xfe, ...utf8('0123456789abcdefghi')]);

	it('encodes base64', () => {
		expect(decodeOne(utf8('hi?>'), {decoder: 'base64'})).toEqual({text: 'aGk/Pg==', format: 'base64', byteLength: 4});
	});

	it('dumps hex like hexdump -C', () => {
		expect(decodeOne(bytes, {decoder: 'hex'}).text).toBe(
			[
				'00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 01  |Hello, world!...|',
				'00000010  1b 5b 32 4a ff fe 30 31  32 33 34 35 36 37 38 39  |.[2J..0123456789|',
				'00000020  61 62 63 64 65 66 67 68  69                       |abcdefghi|',
			].join('\n'),
		);
		expect(decodeOne(new Uint8Array(0), {decoder: 'hex'}).text).toBe('');
	});

	it('writes compact hex', () => {
		expect(decodeOne(Uint8Array.of(0, 0xab, 0x10), {decoder: 'hex', hexStyle: 'compact'})).toEqual({
			text: '00ab10',
			format: 'hex',
			byteLength: 3,
		});
	});

	it('decodes a view into a larger buffer by its own bytes only', () => {
		const backing = utf8('xxHELLOxx');
		const view = backing.subarray(2, 7);
		expect(decodeOne(view, {decoder: 'hex', hexStyle: 'compact'}).text).toBe('48454c4c4f');
		expect(decodeOne(view, {decoder: 'base64'}).text).toBe('SEVMTE8=');
	});
});

describe('decodeRecord: gzip', () => {
	it('decodes a CloudWatch Logs subscription batch to its JSON', () => {
		const record = decodeOne(logs.data, {decoder: 'gzip'});
		expect(record).toMatchObject({
			format: 'json',
			compression: 'gzip',
			json: logs.document,
			byteLength: JSON.stringify(logs.document).length,
		});
		expect(record.text).toBe(JSON.stringify(logs.document, null, 2));
		expect(record.truncated).toBeUndefined();
		expect(record.notes).toBeUndefined();
	});

	it('decodes zlib and raw deflate too, and shows non-JSON content as text', () => {
		expect(decodeOne(deflateSync('plain log line'), {decoder: 'gzip'})).toEqual({
			text: 'plain log line',
			format: 'utf8',
			compression: 'zlib',
			byteLength: 14,
		});
		expect(decodeOne(deflateRawSync('{"a":1}'), {decoder: 'gzip', jsonStyle: 'compact'})).toEqual({
			text: '{"a":1}',
			format: 'json',
			json: {a: 1},
			compression: 'deflate',
			byteLength: 7,
		});
	});

	it('shows binary decompressed content as hex', () => {
		expect(decodeOne(gzipSync(Uint8Array.of(0, 1, 2)), {decoder: 'gzip', hexStyle: 'compact'})).toEqual({
			text: '000102',
			format: 'hex',
			compression: 'gzip',
			byteLength: 3,
		});
	});

	it('says so when the data is not compressed', () => {
		const record = decodeOne(utf8('not compressed at all'), {decoder: 'gzip'});
		expect(record.format).toBe('utf8');
		expect(record.text).toBe('not compressed at all');
		expect(record.compression).toBeUndefined();
		expect(record.notes).toEqual([expect.stringMatching(/^not gzip, zlib or deflate data \(.+\): shown as it is$/)]);
	});
});

describe('decodeRecord: auto', () => {
	it('decompresses gzip and shows CloudWatch Logs JSON', () => {
		const record = decodeOne(logs.data, {partitionKey: 'pk'});
		expect(record).toMatchObject({format: 'json', compression: 'gzip', json: logs.document, partitionKey: 'pk'});
	});

	it('decompresses zlib', () => {
		expect(decodeOne(deflateSync('{"z":true}'), {jsonStyle: 'compact'})).toEqual({
			text: '{"z":true}',
			format: 'json',
			json: {z: true},
			compression: 'zlib',
			byteLength: 10,
		});
	});

	it('recognises JSON objects and arrays, and leaves scalars and other text as text', () => {
		expect(decodeOne(utf8(' [1, 2]\n'), {jsonStyle: 'compact'})).toMatchObject({format: 'json', text: '[1,2]', json: [1, 2]});
		expect(decodeOne(utf8('42'))).toEqual({text: '42', format: 'utf8', byteLength: 2});
		expect(decodeOne(utf8('[INFO] started'))).toEqual({text: '[INFO] started', format: 'utf8', byteLength: 14});
		expect(decodeOne(new Uint8Array(0))).toEqual({text: '', format: 'utf8', byteLength: 0});
	});

	it('keeps coloured log lines as text (the terminal sanitizer disarms ESC)', () => {
		expect(decodeOne(utf8('\u001b[31mERROR\u001b[0m disk full\r\n'))).toMatchObject({
			format: 'utf8',
			text: '\u001b[31mERROR\u001b[0m disk full\r\n',
		});
	});

	it('shows invalid UTF-8 and unprintable text as hex', () => {
		expect(decodeOne(Uint8Array.of(0x68, 0x69, 0xc3), {hexStyle: 'compact'})).toEqual({text: '6869c3', format: 'hex', byteLength: 3});
		expect(decodeOne(utf8('a\u0000b'), {hexStyle: 'compact'})).toMatchObject({format: 'hex', text: '610062'});
		expect(decodeOne(utf8('bell\u0007'), {hexStyle: 'compact'})).toMatchObject({format: 'hex'});
		expect(decodeOne(utf8('c1\u009b'), {hexStyle: 'compact'})).toMatchObject({format: 'hex'});
	});

	it('takes text that starts like a zlib header for text, silently', () => {
		expect(decodeOne(utf8('HKEY_LOCAL_MACHINE\\Software'))).toEqual({text: 'HKEY_LOCAL_MACHINE\\Software', format: 'utf8', byteLength: 27});
	});

	it('notes gzip data that cannot be decompressed', () => {
		const broken = gzipSync('{"a":1}');
		broken[broken.length - 1]! ^= 0xff; // the length trailer
		const record = decodeOne(broken);
		expect(record.format).toBe('hex');
		expect(record.compression).toBeUndefined();
		expect(record.notes).toEqual([expect.stringMatching(/^starts like gzip but cannot be decompressed \(.+\): shown as it is$/)]);
	});

	it('stops a zip bomb at 16 MiB by default and marks the record truncated', () => {
		const bomb = gzipSync(Buffer.alloc(100 * MiB, ' '), {level: 9});
		const record = decodeOne(bomb);
		expect(record.truncated).toBe(true);
		expect(record.compression).toBe('gzip');
		expect(record.byteLength).toBeLessThanOrEqual(16 * MiB);
		expect(record.byteLength).toBeGreaterThan(15 * MiB);
		expect(record.text.length).toBe(record.byteLength);
		expect(record.notes).toEqual([`decompressed content is larger than 16 MiB: showing the first ${record.byteLength} bytes`]);
	});

	it('honours a smaller cap, with the gzip decoder too', () => {
		const content = JSON.stringify({items: Array.from({length: 100_000}, (_, index) => ({index, name: `item ${index}`}))});
		for (const decoder of ['auto', 'gzip'] as const) {
			const record = decodeOne(gzipSync(content), {decoder, maxDecompressedBytes: 256 * 1024});
			expect(record.truncated).toBe(true);
			expect(record.byteLength).toBeLessThanOrEqual(256 * 1024);
			// Cut-off JSON no longer parses: it is shown as the text it is.
			expect(record.format).toBe('utf8');
			expect(content.startsWith(record.text)).toBe(true);
		}
	});

	it('keeps a cut-off stream as text even when the cut falls inside a UTF-8 character', () => {
		const content = 'Grüße aus Köln. '.repeat(5000);
		const compressed = gzipSync(content);
		let checked = 0;
		for (let cut = Math.floor(compressed.length / 2); cut < Math.floor(compressed.length / 2) + 40; cut++) {
			const record = decodeOne(compressed.subarray(0, cut));
			expect(record.truncated).toBe(true);
			if (record.byteLength === 0) continue;
			expect(record.format).toBe('utf8');
			expect(content.startsWith(record.text)).toBe(true);
			checked++;
		}
		expect(checked).toBeGreaterThan(0);
	});

	it('carries the Kinesis record keys given', () => {
		expect(decodeOne(utf8('x'), {partitionKey: 'user-7', explicitHashKey: '42'})).toEqual({
			text: 'x',
			format: 'utf8',
			byteLength: 1,
			partitionKey: 'user-7',
			explicitHashKey: '42',
		});
	});
});
