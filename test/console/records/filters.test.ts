import {describe, expect, it} from 'vitest';
import {
	decodeRecord,
	FilterSyntaxError,
	matches,
	parseFilter,
	parseFilters,
	type FilterableRecord,
} from '../../../source/console/records/index.js';
import {aggregate, cloudWatchLogsBatch, utf8} from './support.js';

const textRecord = (text: string, partitionKey?: string): FilterableRecord => ({
	text,
	format: 'utf8',
	...(partitionKey === undefined ? {} : {partitionKey}),
});
const jsonRecord = (json: unknown): FilterableRecord => ({text: JSON.stringify(json, null, 2), format: 'json', json});
const matchesExpression = (expression: string, record: FilterableRecord): boolean => matches([parseFilter(expression)], record);

function syntaxError(expression: string): string {
	try {
		parseFilter(expression);
	} catch (error) {
		expect(error).toBeInstanceOf(FilterSyntaxError);
		return (error as Error).message;
	}
	throw new Error(`"${expression}" parsed without an error`);
}

describe('parseFilter', () => {
	it('parses each kind', () => {
		expect(parseFilter('text:Foo')).toEqual({kind: 'text', expression: 'text:Foo', needle: 'Foo', ignoreCase: false});
		expect(parseFilter('itext:Foo')).toEqual({kind: 'text', expression: 'itext:Foo', needle: 'foo', ignoreCase: true});
		expect(parseFilter('re:^ab')).toMatchObject({kind: 'regex', pattern: /^ab/u});
		expect(parseFilter('ire:^ab')).toMatchObject({kind: 'regex', pattern: /^ab/iu});
		expect(parseFilter('key:user-42')).toEqual({kind: 'key', expression: 'key:user-42', key: 'user-42'});
		expect(parseFilter('json:user.id=42')).toEqual({kind: 'json', expression: 'json:user.id=42', path: ['user', 'id'], value: '42'});
	});

	it('takes an expression without a kind for text, and splits at the first colon only', () => {
		expect(parseFilter('timeout')).toMatchObject({kind: 'text', needle: 'timeout'});
		expect(parseFilter('text:a:b')).toMatchObject({kind: 'text', needle: 'a:b'});
		expect(parseFilter('json:url=http://x?a=b')).toMatchObject({kind: 'json', path: ['url'], value: 'http://x?a=b'});
		expect(parseFilter(':leading colon')).toMatchObject({kind: 'text', needle: ':leading colon'});
		expect(parseFilter('JSON:level=ERROR')).toMatchObject({kind: 'json'});
	});

	it('explains bad expressions', () => {
		expect(syntaxError('re:(unclosed')).toMatch(
			/^bad regular expression in "re:\(unclosed": Invalid regular expression: .*\(unclosed.*: Unterminated group$/,
		);
		expect(syntaxError('re:a{2,1}')).toMatch(/^bad regular expression in "re:a\{2,1\}": .*numbers out of order/);
		expect(syntaxError('json:level')).toBe('json filter "json:level" needs PATH=VALUE, e.g. json:level=ERROR or json:user.id=42');
		expect(syntaxError('json:=ERROR')).toBe('json filter "json:=ERROR" has no path before "=": e.g. json:level=ERROR');
		expect(syntaxError('json:user..id=1')).toBe(
			'json filter "json:user..id=1" has an empty segment in its path "user..id": write keys joined by single dots, e.g. user.id',
		);
		expect(syntaxError('jsn:level=ERROR')).toBe(
			'unknown filter kind "jsn" in "jsn:level=ERROR": use one of text:, itext:, re:, ire:, key:, json: (to search for this text, write text:jsn:level=ERROR)',
		);
		expect(syntaxError('text:')).toBe('empty text filter "text:": give the text to look for, e.g. text:timeout');
		expect(syntaxError('')).toMatch(/^empty text filter/);
		expect(syntaxError('re:')).toBe('empty regular expression in "re:": e.g. re:^ERROR');
		expect(syntaxError('key:')).toMatch(/^empty partition key filter/);
		expect(syntaxError('key:a\\')).toMatch(/ends with a lone backslash/);
	});

	it('accepts patterns written for non-Unicode regular expressions', () => {
		expect(matchesExpression('re:a\\-b', textRecord('xa-by'))).toBe(true);
	});

	it('parses several, failing on the first bad one', () => {
		expect(parseFilters(['text:a', 'key:b'])).toHaveLength(2);
		expect(() => parseFilters(['text:a', 'json:nope'])).toThrow(/needs PATH=VALUE/);
	});
});

describe('matches', () => {
	it('finds substrings, with or without case', () => {
		expect(matchesExpression('text:Timeout', textRecord('request Timeout after 3s'))).toBe(true);
		expect(matchesExpression('text:timeout', textRecord('request Timeout after 3s'))).toBe(false);
		expect(matchesExpression('itext:TIMEOUT', textRecord('request Timeout after 3s'))).toBe(true);
		expect(matchesExpression('Timeout', textRecord('no such thing'))).toBe(false);
	});

	it('matches regular expressions, with or without case', () => {
		expect(matchesExpression('re:^ab', textRecord('abc'))).toBe(true);
		expect(matchesExpression('re:^ab', textRecord('cab'))).toBe(false);
		expect(matchesExpression('re:^AB', textRecord('abc'))).toBe(false);
		expect(matchesExpression('ire:^AB', textRecord('abc'))).toBe(true);
		expect(matchesExpression('re:status=5\\d\\d', textRecord('GET / status=503'))).toBe(true);
		// Unicode mode: a dot matches one astral character.
		expect(matchesExpression('re:^.$', textRecord('🌍'))).toBe(true);
	});

	it('gives the same answer every time (no global-flag state)', () => {
		const filters = parseFilters(['re:a']);
		expect([1, 2, 3].map(() => matches(filters, textRecord('a')))).toEqual([true, true, true]);
	});

	it('matches partition keys exactly or by glob', () => {
		expect(matchesExpression('key:user-42', textRecord('', 'user-42'))).toBe(true);
		expect(matchesExpression('key:user-4', textRecord('', 'user-42'))).toBe(false);
		expect(matchesExpression('key:user-*', textRecord('', 'user-42'))).toBe(true);
		expect(matchesExpression('key:user-*', textRecord('', 'user-'))).toBe(true);
		expect(matchesExpression('key:user-*', textRecord('', 'xuser-42'))).toBe(false);
		expect(matchesExpression('key:user-?', textRecord('', 'user-4'))).toBe(true);
		expect(matchesExpression('key:user-?', textRecord('', 'user-42'))).toBe(false);
		expect(matchesExpression('key:*-eu-*', textRecord('', 'orders-eu-west\nsecond line'))).toBe(true);
		expect(matchesExpression('key:a.b', textRecord('', 'axb'))).toBe(false);
		expect(matchesExpression('key:a.*', textRecord('', 'a.anything'))).toBe(true);
		expect(matchesExpression('key:(x)[y]{1}+$^|/', textRecord('', '(x)[y]{1}+$^|/'))).toBe(true);
		expect(matchesExpression('key:a\\*', textRecord('', 'a*'))).toBe(true);
		expect(matchesExpression('key:a\\*', textRecord('', 'ab'))).toBe(false);
		expect(matchesExpression('key:a\\\\', textRecord('', 'a\\'))).toBe(true);
		expect(matchesExpression('key:*', textRecord('no key'))).toBe(false);
	});

	it('matches JSON fields by dotted path', () => {
		const [record] = decodeRecord(
			utf8(
				'{"level":"ERROR","user":{"id":42,"name":"42","admin":false,"manager":null},"items":[{"sku":"A-1"},{"sku":"B-2"}],"tags":["x","y"],"big":12345678901234567890,"zero":0}',
			),
		);
		if (record?.format !== 'json') throw new Error('expected JSON');
		const truths = [
			'level=ERROR',
			'user.id=42',
			'user.id=42.0',
			'user.id=4.2e1',
			'user.name=42',
			'user.admin=false',
			'user.manager=null',
			'items.1.sku=B-2',
			'tags=["x","y"]',
			'items.0={"sku":"A-1"}',
			'big=12345678901234567890',
			'zero=0',
			'zero=-0',
		];
		const falsehoods = [
			'level=error',
			'level=ERRO',
			'user.id=43',
			'user.id=',
			'zero=',
			'zero= ',
			'user.name=42.0',
			'user.admin=0',
			'user.manager=',
			'items.2.sku=B-2',
			'items.01.sku=B-2',
			'items.x=1',
			'tags=["x", "y"]',
			'missing=1',
			'level.length=5',
			'tags.length=2',
			'user.constructor=function Object() { [native code] }',
			'user.toString=x',
		];
		for (const expression of truths) expect(matchesExpression(`json:${expression}`, record), expression).toBe(true);
		for (const expression of falsehoods) expect(matchesExpression(`json:${expression}`, record), expression).toBe(false);
	});

	it('reads JSON from text shown with the utf8 decoder, not from hex or base64', () => {
		expect(matchesExpression('json:level=ERROR', textRecord('{"level":"ERROR"}'))).toBe(true);
		expect(matchesExpression('json:level=ERROR', textRecord('level=ERROR'))).toBe(false);
		expect(matchesExpression('json:level=ERROR', {text: '{"level":"ERROR"}', format: 'base64'})).toBe(false);
	});

	it('requires every filter to match; no filters match everything', () => {
		const record = {...jsonRecord({level: 'ERROR', service: 'checkout'}), partitionKey: 'user-7'};
		expect(matches(parseFilters(['key:user-*', 'json:level=ERROR', 'text:checkout']), record)).toBe(true);
		expect(matches(parseFilters(['key:user-*', 'json:level=ERROR', 'text:payments']), record)).toBe(false);
		expect(matches(parseFilters(['key:order-*', 'json:level=ERROR']), record)).toBe(false);
		expect(matches([], record)).toBe(true);
	});

	it('filters decoded records: KPL user records by their own keys, CloudWatch Logs batches by field', () => {
		const users = decodeRecord(
			aggregate([
				{partitionKey: 'user-1', data: '{"level":"INFO"}'},
				{partitionKey: 'user-2', data: '{"level":"ERROR"}'},
				{partitionKey: 'order-3', data: '{"level":"ERROR"}'},
			]),
		);
		const errorsFromUsers = users.filter((record) => matches(parseFilters(['key:user-*', 'json:level=ERROR']), record));
		expect(errorsFromUsers.map((record) => [record.partitionKey, record.subSequenceNumber])).toEqual([['user-2', 1]]);

		const batch = cloudWatchLogsBatch('/aws/lambda/checkout', [{id: '1', timestamp: 1, message: 'boom'}]);
		const [logs] = decodeRecord(batch.data);
		expect(matches(parseFilters(['json:logGroup=/aws/lambda/checkout', 'json:logEvents.0.message=boom']), logs!)).toBe(true);
		expect(matches(parseFilters(['json:logEvents.0.message=bang']), logs!)).toBe(false);
		expect(matches(parseFilters(['text:boom']), decodeRecord(utf8('boom'))[0]!)).toBe(true);
	});
});
