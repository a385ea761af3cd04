import {Encoder, Tag} from 'cbor-x';
import fc from 'fast-check';
import type {Field, ListField, MapField, NumberField, Schema, StringField} from '../../source/engine/protocol/schema.js';
import type {Codec, World} from './fuzzRequests.js';

/** The values of hostile Kinesis requests (fuzzRequests.ts builds the requests from them): encoders and generators. */

const MiB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Values that JSON cannot say directly, and the two encoders.

/** A number written into the JSON text exactly as given (1e400, -0.0, 30 digits). */
export class JsonLiteral {
	constructor(readonly text: string) {}
}

/** Serializes generated values as JSON text: bytes as base64, timestamps as epoch seconds, non-finite numbers as the bare words JSON forbids. */
export function toJson(value: unknown): string {
	if (value instanceof JsonLiteral) return value.text;
	if (value === null || value === undefined) return 'null';
	if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? '-0' : String(value)) : String(value);
	if (typeof value === 'bigint') return value.toString();
	if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
	if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
	if (value instanceof Tag) return toJson(value.tag === 1 && typeof value.value === 'number' ? value.value / 1000 : value.value);
	if (value instanceof Date) return toJson(value.getTime() / 1000);
	if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
	if (ArrayBuffer.isView(value)) return `[${Array.from(value as unknown as ArrayLike<number>).join(',')}]`;
	if (value instanceof Set || value instanceof Map) return '{}';
	const members = Object.entries(value as Record<string, unknown>)
		.filter(([, item]) => item !== undefined)
		.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`);
	return `{${members.join(',')}}`;
}

const cborEncoder = new Encoder({useRecords: false, mapsAsObjects: true, tagUint8Array: false});

/** Encodes generated values as the Java SDK would (blobs as byte strings, timestamps as tag 1 over milliseconds) and hostile ones as cbor-x does. */
export function toCbor(value: unknown): Buffer {
	return cborEncoder.encode(forCbor(value));
}

function forCbor(value: unknown): unknown {
	if (value instanceof JsonLiteral) return Number(value.text);
	if (Array.isArray(value)) return value.map(forCbor);
	if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Tag || ArrayBuffer.isView(value))
		return value;
	if (value instanceof Date || value instanceof Set || value instanceof Map) return value;
	const out: Record<string, unknown> = {};
	for (const [key, item] of Object.entries(value))
		Object.defineProperty(out, key, {value: forCbor(item), enumerable: true, writable: true, configurable: true});
	return out;
}

// ---------------------------------------------------------------------------------------------
// Generators.

const HOSTILE_STRINGS = [
	'',
	' ',
	'\u0000',
	'\ud800',
	'\udfff\ud800',
	'\u202e',
	'😀',
	'null',
	'undefined',
	'NaN',
	'Infinity',
	'-1',
	'1e400',
	'0x10',
	'__proto__',
	'constructor',
	'toString',
	'../../../etc/passwd',
	'%s%n%x',
	'<script>alert(1)</script>',
	"' OR '1'='1",
	'\r\nX-Injected: 1',
	'a'.repeat(70_000),
	'é'.repeat(300),
];
const HOSTILE_NUMBERS = [
	0,
	-0,
	-1,
	0.5,
	-0.5,
	1.999,
	2 ** 31 - 1,
	2 ** 31,
	-(2 ** 31) - 1,
	2 ** 53,
	2 ** 53 + 2,
	-(2 ** 53),
	Number.MAX_VALUE,
	-Number.MAX_VALUE,
	Number.MIN_VALUE,
	Number.NaN,
	Number.POSITIVE_INFINITY,
	Number.NEGATIVE_INFINITY,
	new JsonLiteral('1e400'),
	new JsonLiteral('-1e400'),
	new JsonLiteral('1E2'),
	new JsonLiteral('-0.0'),
	new JsonLiteral('123456789012345678901234567890'),
	new JsonLiteral('0.0000000000000000000000000000001'),
];
/** What only CBOR can carry: undefined, big integers, tags, sets, typed arrays, dates the Java SDK would never send. */
export const CBOR_ONLY: unknown[] = [
	undefined,
	2n ** 63n,
	-(2n ** 64n) + 1n,
	2n ** 70n,
	new Tag('yesterday', 1),
	new Tag(1e20, 1),
	new Tag(-1e20, 1),
	new Tag(5, 999),
	new Tag({StreamName: 'x'}, 55_799),
	new Set([1]),
	new Map([[1, 'a']]),
	new Float32Array([1.5]),
	new Date(Number.NaN),
	Buffer.from('bytes'),
];

/** Any UTF-16 code unit, lone surrogates included (fast-check's 'binary' unit is slow to build). */
const utf16Unit = fc.integer({min: 0, max: 0xffff}).map((unit) => String.fromCharCode(unit));

const hostileValues = new Map<Codec, fc.Arbitrary<unknown>>();

/** Any value at all, of any type: what a member of the wrong type is drawn from. */
function hostileValue(codec: Codec): fc.Arbitrary<unknown> {
	let arbitrary = hostileValues.get(codec);
	if (!arbitrary) {
		arbitrary = buildHostileValue(codec);
		hostileValues.set(codec, arbitrary);
	}
	return arbitrary;
}

function buildHostileValue(codec: Codec): fc.Arbitrary<unknown> {
	const choices: Array<fc.WeightedArbitrary<unknown>> = [
		{weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS)},
		{weight: 2, arbitrary: fc.string({unit: utf16Unit, maxLength: 40})},
		{weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS)},
		{weight: 1, arbitrary: fc.double()},
		{weight: 1, arbitrary: fc.boolean()},
		{weight: 1, arbitrary: fc.constant(null)},
		{weight: 2, arbitrary: fc.jsonValue({maxDepth: 3})},
		{weight: 1, arbitrary: fc.array(fc.jsonValue({maxDepth: 1}), {maxLength: 4})},
		{weight: 1, arbitrary: fc.integer({min: 1, max: 400}).map(nested)},
	];
	if (codec === 'cbor') choices.push({weight: 3, arbitrary: fc.constantFrom(...CBOR_ONLY)});
	return fc.oneof(...choices);
}

function nested(depth: number): unknown {
	let value: unknown = [];
	for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : {a: value};
	return value;
}

/** A string of exactly `length` characters, made to satisfy the field's pattern when the pattern allows that length. */
function filler(field: StringField, length: number, world: World): string {
	const pattern = field.pattern ?? '';
	if (pattern.startsWith('0|')) return length === 0 ? '' : `1${'0'.repeat(length - 1)}`;
	if (pattern.includes('consumer')) {
		const arn = `${world.arn(world.missing)}/consumer/c:`;
		return length <= arn.length ? 'a'.repeat(length) : arn + '1'.repeat(length - arn.length);
	}
	if (pattern.startsWith('arn:')) {
		const arn = world.arn('');
		return length <= arn.length ? 'a'.repeat(length) : arn + 'a'.repeat(length - arn.length);
	}
	if (field.enum) return (field.enum[0] ?? '').padEnd(length, 'A').slice(0, length);
	return 'a'.repeat(length);
}

/** Strings of every length around each limit of the field: 0, 1, min-1, min, min+1, max-1, max, max+1. */
function boundaryString(field: StringField, world: World): fc.Arbitrary<string> {
	const lengths = new Set([0, 1, 2]);
	for (const limit of [field.min, field.max]) {
		if (limit === undefined) continue;
		for (const length of [limit - 1, limit, limit + 1]) if (length >= 0) lengths.add(length);
	}
	if (field.pattern?.startsWith('0|')) for (const digits of [39, 40, 129, 130]) lengths.add(digits);
	// Strings of a megabyte (NextToken's limit) are sent, but rarely: they cost more than a thousand small requests.
	const sorted = [...lengths].sort((a, b) => a - b);
	const short = sorted.filter((length) => length <= 10_000);
	const long = sorted.filter((length) => length > 10_000);
	const lengthArb =
		long.length === 0
			? fc.constantFrom(...short)
			: fc.oneof({weight: 40, arbitrary: fc.constantFrom(...short)}, {weight: 1, arbitrary: fc.constantFrom(...long)});
	return lengthArb.map((length) => filler(field, length, world));
}

const matchingArbitraries = new Map<string, fc.Arbitrary<string>>();

/** Strings the pattern accepts, drawn by fast-check from the regular expression itself. */
function matching(pattern: string): fc.Arbitrary<string> {
	let arbitrary = matchingArbitraries.get(pattern);
	if (!arbitrary) {
		arbitrary = fc.stringMatching(new RegExp(`^(?:${pattern.replace(/^\^/, '')})$`)).filter((text) => text.length < 3000);
		matchingArbitraries.set(pattern, arbitrary);
	}
	return arbitrary;
}

function stringArb(field: StringField, world: World): fc.Arbitrary<unknown> {
	const choices: Array<fc.WeightedArbitrary<unknown>> = [
		{weight: 4, arbitrary: boundaryString(field, world)},
		{weight: 1, arbitrary: fc.string({unit: 'grapheme', maxLength: 20})},
		{weight: 1, arbitrary: fc.constantFrom(...HOSTILE_STRINGS)},
	];
	if (field.enum) {
		const variants = field.enum.flatMap((value) => [value, value.toLowerCase(), `${value} `, `${value}X`]);
		choices.push({weight: 6, arbitrary: fc.constantFrom(...variants)});
	} else if (field.pattern) {
		choices.push({weight: 2, arbitrary: matching(field.pattern)});
	}
	return fc.oneof(...choices);
}

function numberArb(field: NumberField): fc.Arbitrary<unknown> {
	const around: number[] = [];
	for (const limit of [field.minValue, field.maxValue]) if (limit !== undefined) around.push(limit - 1, limit, limit + 1, limit + 0.5);
	return fc.oneof(
		{weight: 4, arbitrary: around.length > 0 ? fc.constantFrom(...around) : fc.integer({min: -10, max: 10_000})},
		{weight: 3, arbitrary: fc.integer({min: field.minValue ?? -100, max: Math.min(field.maxValue ?? 10_000, 10_000)})},
		{weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS)},
		{weight: 1, arbitrary: fc.double()},
		{weight: 1, arbitrary: fc.constantFrom('1', '24', 'NaN', true, [1], {value: 1})},
	);
}

const BIG_BLOBS = [Buffer.alloc(MiB, 7), Buffer.alloc(MiB + 1, 7)];
const BIG_BLOB_TEXT = BIG_BLOBS.map((bytes) => bytes.toString('base64'));
const BASE64_ISH = 'ABCabcxyz019+/=';
const BAD_BASE64 = [
	'a',
	'ab',
	'abc',
	'ab!=',
	'YR==',
	'YQ=',
	'YR=a',
	'a===',
	'====',
	'=AAA',
	'AA=A',
	'YWJj-_==',
	'YW Jj',
	'YWJj\n',
	'data:;base64,YQ==',
	'éééé',
	'YWJjZA',
	'AAAA====',
	'@@@@',
	'YWJjZA==YQ==',
];

function blobArb(codec: Codec, small: boolean): fc.Arbitrary<unknown> {
	const bytes = fc.uint8Array({maxLength: 48});
	const choices: Array<fc.WeightedArbitrary<unknown>> = [
		{weight: 56, arbitrary: codec === 'cbor' ? bytes : bytes.map((value) => Buffer.from(value).toString('base64'))},
		{weight: 14, arbitrary: fc.constantFrom(...BAD_BASE64)},
		{weight: 14, arbitrary: fc.string({unit: fc.constantFrom(...BASE64_ISH), maxLength: 16})},
		{
			weight: 7,
			arbitrary: fc
				.tuple(
					bytes.filter((value) => value.length > 0),
					fc.nat(),
					fc.constantFrom('!', '-', '_', '=', ' ', 'é', '\u0000'),
				)
				.map(([value, at, bad]) => {
					const text = Buffer.from(value).toString('base64');
					const index = at % text.length;
					return text.slice(0, index) + bad + text.slice(index + 1);
				}),
		},
	];
	if (codec === 'cbor') choices.push({weight: 7, arbitrary: bytes.map((value) => Buffer.from(value).toString('base64'))});
	if (!small) choices.push({weight: 1, arbitrary: fc.constantFrom(...(codec === 'cbor' ? BIG_BLOBS : BIG_BLOB_TEXT))});
	return fc.oneof(...choices);
}

function timestampArb(codec: Codec, world: World): fc.Arbitrary<unknown> {
	const seconds = [
		world.nowSeconds - 60,
		world.nowSeconds,
		world.nowSeconds + 3600,
		world.nowSeconds - 0.0005,
		0,
		-1,
		1e10,
		8.64e12,
		8.64e12 + 1,
		1e20,
		-1e20,
	];
	const choices: Array<fc.WeightedArbitrary<unknown>> = [
		{weight: 4, arbitrary: fc.constantFrom(...seconds)},
		{weight: 1, arbitrary: fc.double()},
		{weight: 1, arbitrary: fc.constantFrom('2024-01-15T12:00:00Z', 'yesterday', true)},
	];
	if (codec === 'cbor') {
		choices.push({weight: 4, arbitrary: fc.constantFrom(...seconds).map((value) => new Tag(Math.round(value * 1000), 1))});
		choices.push({weight: 1, arbitrary: fc.constantFrom(new Tag(Number.NaN, 1), new Tag(1.5, 1), new Tag(2n ** 63n, 1), new Date(0))});
	}
	return fc.oneof(...choices);
}

export interface Context {
	readonly world: World;
	readonly codec: Codec;
	/** Only operations that change nothing may name the guarded stream. */
	readonly write: boolean;
	/** Inside a long list: no megabyte blobs, which would make the body pass the engine's 16 MiB limit. */
	readonly small: boolean;
}

/** Values that get a request past the lookups: the streams, shards, iterators and consumers that exist. */
function poolFor(name: string, context: Context): fc.Arbitrary<unknown> | undefined {
	const {world, write} = context;
	const streams = write ? [world.target, world.missing] : [world.guarded, world.target, world.missing];
	const shards = [
		'shardId-000000000000',
		'shardId-000000000001',
		'shardId-000000000002',
		'shardId-000000000003',
		'shardId-999999999999',
		'1',
	];
	switch (name) {
		case 'StreamName':
		case 'ExclusiveStartStreamName':
			return fc.constantFrom(...streams);
		case 'StreamARN':
			return fc.constantFrom(...streams.map(world.arn));
		case 'ResourceARN':
			return fc.constantFrom(...streams.map(world.arn), ...world.consumerArns);
		case 'ShardId':
		case 'ShardToSplit':
		case 'ShardToMerge':
		case 'AdjacentShardToMerge':
		case 'ExclusiveStartShardId':
			return fc.constantFrom(...shards);
		case 'ShardIterator':
			return fc.oneof(
				fc.constantFrom(...world.iterators),
				fc.tuple(fc.constantFrom(...world.iterators), fc.nat(), fc.constantFrom('A', '/', '+', '=', '~')).map(([iterator, at, char]) => {
					const index = at % iterator.length;
					return iterator.slice(0, index) + char + iterator.slice(index + 1);
				}),
				fc.base64String({maxLength: 600}),
			);
		case 'StartingSequenceNumber':
		case 'SequenceNumberForOrdering':
		case 'SequenceNumber':
			return fc.constantFrom(...world.sequenceNumbers, '0', '1'.repeat(129), '9'.repeat(130));
		case 'ExplicitHashKey':
		case 'NewStartingHashKey':
			return fc.constantFrom('0', '1', String(2n ** 127n), String(2n ** 128n - 1n), String(2n ** 128n), '9'.repeat(39));
		case 'PartitionKey':
			return fc.constantFrom('k', 'user-42', 'k'.repeat(256), 'k'.repeat(257), '', 'é'.repeat(256), '😀'.repeat(128), '😀'.repeat(129));
		case 'ConsumerName':
			return fc.constantFrom('fuzz-consumer', 'other-consumer');
		case 'ConsumerARN':
			return fc.constantFrom(...world.consumerArns, `${world.arn(world.missing)}/consumer/c:1`);
		case 'KeyId':
			return fc.constantFrom(
				'alias/aws/kinesis',
				'arn:aws:kms:us-east-1:000000000000:key/12345678-1234-1234-1234-123456789012',
				'k'.repeat(2048),
				'k'.repeat(2049),
			);
		case 'RetentionPeriodHours':
			return fc.constantFrom(23, 24, 25, 48, 8760, 8761, 0, -1);
		case 'TargetShardCount':
		case 'ShardCount':
			return fc.constantFrom(1, 2, 3, 4, 100_000, 100_001, 0, -1);
		default:
			return undefined;
	}
}

function fieldArb(name: string, field: Field, context: Context): fc.Arbitrary<unknown> {
	const pool = poolFor(name, context);
	const choices: Array<fc.WeightedArbitrary<unknown>> = [
		{weight: 5, arbitrary: typedArb(field, context)},
		{weight: 1, arbitrary: hostileValue(context.codec)},
	];
	if (pool) choices.push({weight: 10, arbitrary: pool});
	return fc.oneof(...choices);
}

function typedArb(field: Field, context: Context): fc.Arbitrary<unknown> {
	switch (field.type) {
		case 'String':
			return stringArb(field, context.world);
		case 'Integer':
		case 'Long':
			return numberArb(field);
		case 'Double':
			return fc.double();
		case 'Boolean':
			return fc.oneof({weight: 5, arbitrary: fc.boolean()}, {weight: 1, arbitrary: fc.constantFrom('true', 'TRUE', 1, 0)});
		case 'Blob':
			return blobArb(context.codec, context.small);
		case 'Timestamp':
			return timestampArb(context.codec, context.world);
		case 'List':
			return listArb(field, context);
		case 'Map':
			return mapArb(field, context);
		case 'Structure':
			return structureArb(field.members, context);
	}
}

/** Lists of 0 to 3 distinct members, or of min, max and max+1 copies of one. */
function listArb(field: ListField, context: Context): fc.Arbitrary<unknown> {
	const inner = {...context, small: true};
	const member = fieldArb('', field.member, inner);
	const long = [field.min, field.max, field.max === undefined ? undefined : field.max + 1].filter(
		(length): length is number => length !== undefined && length > 3,
	);
	const choices: Array<fc.WeightedArbitrary<unknown>> = [{weight: 6, arbitrary: fc.array(member, {maxLength: 3})}];
	if (long.length > 0)
		choices.push({
			weight: 1,
			arbitrary: fc.tuple(member, fc.constantFrom(...long)).map(([value, length]) => Array.from({length}, () => value)),
		});
	return fc.oneof(...choices);
}

/** Maps of 0 to 3 entries, or of max and max+1, with keys and values around their limits. */
function mapArb(field: MapField, context: Context): fc.Arbitrary<unknown> {
	const key = fc.oneof(
		{weight: 4, arbitrary: fc.string({minLength: 1, maxLength: 8})},
		{weight: 2, arbitrary: boundaryString(field.key, context.world)},
		{weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'aws:reserved')},
	);
	const value = fieldArb('', field.value, {...context, small: true});
	const counts = [field.max, field.max === undefined ? undefined : field.max + 1].filter(
		(count): count is number => count !== undefined && count > 3,
	);
	const choices: Array<fc.WeightedArbitrary<unknown>> = [
		{weight: 6, arbitrary: fc.array(fc.tuple(key, value), {maxLength: 3}).map(objectOf)},
	];
	if (counts.length > 0) {
		choices.push({
			weight: 1,
			arbitrary: fc
				.tuple(value, fc.constantFrom(...counts))
				.map(([item, count]) => objectOf(Array.from({length: count}, (_, index) => [`key-${index}`, item]))),
		});
	}
	return fc.oneof(...choices);
}

/** An object with these own properties, `__proto__` included (assignment would set the prototype instead). */
function objectOf(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of entries) Object.defineProperty(out, key, {value, enumerable: true, writable: true, configurable: true});
	return out;
}

const ABSENT = Symbol('absent');

/** A structure with each member present, absent or null; required members are absent only now and then. Sometimes with members the model lacks. */
export function structureArb(schema: Schema, context: Context): fc.Arbitrary<Record<string, unknown>> {
	const members: Record<string, fc.Arbitrary<unknown>> = {};
	for (const [name, field] of Object.entries(schema)) {
		members[name] = fc.oneof(
			{weight: field.required ? 1 : 8, arbitrary: fc.constant(ABSENT)},
			{weight: 1, arbitrary: fc.constant(null)},
			{weight: field.required ? 30 : 10, arbitrary: fieldArb(name, field, context)},
		);
	}
	const extras = fc.oneof(
		{weight: 12, arbitrary: fc.constant([] as Array<[string, unknown]>)},
		{
			weight: 1,
			arbitrary: fc.array(
				fc.tuple(
					fc.oneof(fc.string({maxLength: 12}), fc.constantFrom('__proto__', 'constructor', 'streamName', 'STREAMNAME')),
					hostileValue(context.codec),
				),
				{
					maxLength: 3,
				},
			),
		},
	);
	return fc
		.tuple(fc.record(members), extras)
		.map(([values, extra]) =>
			objectOf([
				...Object.entries(values).filter(([, value]) => value !== ABSENT),
				...extra.filter(([key]) => !Object.hasOwn(schema, key)),
			]),
		);
}
