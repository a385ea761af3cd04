import {Encoder, Tag} from 'cbor-x';
import fc from 'fast-check';
import {kinesisActions} from '../../source/engine/kinesis/index.js';
import {decodeCbor} from '../../source/engine/protocol/cbor.js';
import type {Field, ListField, MapField, NumberField, Schema, StringField} from '../../source/engine/protocol/schema.js';
import {SIGNED, type RawCall} from './fuzzSupport.js';

/**
 * Hostile Kinesis requests, generated from the operations' own schemas, and the answer AWS gives
 * each: the oracle reads a request the way AWS's front end does (method, target, content type,
 * signature, body syntax, member types, constraints) and names the error of the first step it fails,
 * or, for a request that passes them all, allows a success or any error the operation documents.
 */

export const JSON_TYPE = 'application/x-amz-json-1.1';
export const CBOR_TYPE = 'application/x-amz-cbor-1.1';
const KNOWN_TYPES = new Set([JSON_TYPE, 'application/x-amz-json-1.0', CBOR_TYPE]);
const PREFIX = 'Kinesis_20131202';
const MiB = 1024 * 1024;

export type Codec = 'json' | 'cbor';

/** Where the fuzzer points its requests: a stream it must never change, one it may, and names of nothing. */
export interface World {
	readonly guarded: string;
	readonly target: string;
	readonly missing: string;
	readonly arn: (name: string) => string;
	/** Iterators and sequence numbers the engine issued, so that some requests get past the lookups. */
	readonly iterators: readonly string[];
	readonly sequenceNumbers: readonly string[];
	readonly consumerArns: readonly string[];
	readonly nowSeconds: number;
}

/** A generated request, with what the oracle needs to know about how it was made. */
export interface FuzzCase {
	readonly operation: string;
	readonly via: 'h1' | 'h2';
	readonly codec: Codec;
	readonly call: RawCall;
	/** How the request was spoiled, for the failure message. */
	readonly mutation: string;
}

/** The operations that change nothing: the only ones allowed to name the guarded stream. */
const READ_ONLY = new Set([
	'DescribeLimits',
	'DescribeStream',
	'DescribeStreamConsumer',
	'DescribeStreamSummary',
	'GetRecords',
	'GetShardIterator',
	'ListShards',
	'ListStreamConsumers',
	'ListStreams',
	'ListTagsForResource',
	'ListTagsForStream',
	'SubscribeToShard',
]);

/**
 * The errors each operation documents (the `@throws` of @aws-sdk/client-kinesis 3.x, which come from
 * the service model), beyond the ones every request can get before it reaches the operation.
 */
const KMS = [
	'KMSAccessDeniedException',
	'KMSDisabledException',
	'KMSInvalidStateException',
	'KMSNotFoundException',
	'KMSOptInRequired',
	'KMSThrottlingException',
];
const STANDARD = [
	'AccessDeniedException',
	'InvalidArgumentException',
	'LimitExceededException',
	'ResourceInUseException',
	'ResourceNotFoundException',
];
export const OPERATION_ERRORS: Readonly<Record<string, readonly string[]>> = {
	AddTagsToStream: STANDARD,
	CreateStream: ['InvalidArgumentException', 'LimitExceededException', 'ResourceInUseException', 'ValidationException'],
	DecreaseStreamRetentionPeriod: STANDARD,
	DeleteStream: STANDARD,
	DeregisterStreamConsumer: ['InvalidArgumentException', 'LimitExceededException', 'ResourceNotFoundException'],
	DescribeLimits: ['LimitExceededException'],
	DescribeStream: ['AccessDeniedException', 'InvalidArgumentException', 'LimitExceededException', 'ResourceNotFoundException'],
	DescribeStreamConsumer: ['InvalidArgumentException', 'LimitExceededException', 'ResourceNotFoundException'],
	DescribeStreamSummary: ['AccessDeniedException', 'InvalidArgumentException', 'LimitExceededException', 'ResourceNotFoundException'],
	DisableEnhancedMonitoring: STANDARD,
	EnableEnhancedMonitoring: STANDARD,
	GetRecords: [
		'AccessDeniedException',
		'ExpiredIteratorException',
		'InvalidArgumentException',
		'ProvisionedThroughputExceededException',
		'ResourceNotFoundException',
		...KMS,
	],
	GetShardIterator: [
		'AccessDeniedException',
		'InvalidArgumentException',
		'ProvisionedThroughputExceededException',
		'ResourceNotFoundException',
	],
	IncreaseStreamRetentionPeriod: STANDARD,
	ListShards: [...STANDARD, 'ExpiredNextTokenException'],
	ListStreamConsumers: [
		'ExpiredNextTokenException',
		'InvalidArgumentException',
		'LimitExceededException',
		'ResourceInUseException',
		'ResourceNotFoundException',
	],
	ListStreams: ['ExpiredNextTokenException', 'InvalidArgumentException', 'LimitExceededException'],
	ListTagsForResource: STANDARD,
	ListTagsForStream: ['AccessDeniedException', 'InvalidArgumentException', 'LimitExceededException', 'ResourceNotFoundException'],
	MergeShards: [...STANDARD, 'ValidationException'],
	PutRecord: [
		'AccessDeniedException',
		'InvalidArgumentException',
		'ProvisionedThroughputExceededException',
		'ResourceNotFoundException',
		...KMS,
	],
	PutRecords: [
		'AccessDeniedException',
		'InvalidArgumentException',
		'ProvisionedThroughputExceededException',
		'ResourceNotFoundException',
		...KMS,
	],
	RegisterStreamConsumer: ['InvalidArgumentException', 'LimitExceededException', 'ResourceInUseException', 'ResourceNotFoundException'],
	RemoveTagsFromStream: STANDARD,
	SplitShard: [...STANDARD, 'ValidationException'],
	StartStreamEncryption: [...STANDARD, ...KMS],
	StopStreamEncryption: STANDARD,
	SubscribeToShard: STANDARD,
	TagResource: STANDARD,
	UntagResource: STANDARD,
	UpdateShardCount: [...STANDARD, 'ValidationException'],
	UpdateStreamMode: [
		'InvalidArgumentException',
		'LimitExceededException',
		'ResourceInUseException',
		'ResourceNotFoundException',
		'ValidationException',
	],
	CreateChannel: [...STANDARD, ...KMS, 'ValidationException'],
	DeleteChannel: [
		'AccessDeniedException',
		'InvalidArgumentException',
		'LimitExceededException',
		'ResourceNotFoundException',
		'ValidationException',
	],
	DescribeChannel: [
		'AccessDeniedException',
		'InvalidArgumentException',
		'LimitExceededException',
		'ResourceNotFoundException',
		'ValidationException',
	],
	ListChannels: [
		'AccessDeniedException',
		'ExpiredNextTokenException',
		'InvalidArgumentException',
		'LimitExceededException',
		'ValidationException',
	],
	UpdateChannel: [...STANDARD, 'ValidationException'],
	GetResourcePolicy: STANDARD,
	PutResourcePolicy: STANDARD,
	DeleteResourcePolicy: STANDARD,
	DescribeAccountSettings: ['LimitExceededException'],
	UpdateAccountSettings: ['InvalidArgumentException', 'LimitExceededException', 'ValidationException'],
	UpdateMaxRecordSize: [...STANDARD, 'ValidationException'],
	UpdateStreamWarmThroughput: [...STANDARD, 'ValidationException'],
	UpdateStreamRecordDistributionStrategy: [...STANDARD, 'ValidationException'],
};

export const OPERATIONS = Object.keys(kinesisActions).sort();

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
const CBOR_ONLY: unknown[] = [
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

interface Context {
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
function structureArb(schema: Schema, context: Context): fc.Arbitrary<Record<string, unknown>> {
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

// ---------------------------------------------------------------------------------------------
// Whole requests.

type BodyMutation =
	| {readonly kind: 'none'}
	| {readonly kind: 'truncate'; readonly at: number}
	| {readonly kind: 'flip'; readonly at: number; readonly byte: number}
	| {readonly kind: 'append'; readonly bytes: Uint8Array}
	| {readonly kind: 'replace'; readonly bytes: Uint8Array}
	| {readonly kind: 'text'; readonly text: string}
	| {readonly kind: 'deep'; readonly depth: number}
	/** A whole body of one value that is no structure: a byte string, a timestamp, a tag, a number. */
	| {readonly kind: 'value'; readonly value: unknown}
	| {readonly kind: 'duplicate'};

const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
	{weight: 60, arbitrary: fc.constant({kind: 'none'} as const)},
	{weight: 6, arbitrary: fc.nat().map((at) => ({kind: 'truncate', at}) as const)},
	{weight: 6, arbitrary: fc.tuple(fc.nat(), fc.integer({min: 0, max: 255})).map(([at, byte]) => ({kind: 'flip', at, byte}) as const)},
	{weight: 3, arbitrary: fc.uint8Array({minLength: 1, maxLength: 16}).map((bytes) => ({kind: 'append', bytes}) as const)},
	{weight: 3, arbitrary: fc.uint8Array({maxLength: 200}).map((bytes) => ({kind: 'replace', bytes}) as const)},
	{
		weight: 5,
		arbitrary: fc
			.constantFrom(
				'[]',
				'null',
				'42',
				'"a string"',
				'true',
				'[{}]',
				'{',
				'}',
				'{"StreamName": }',
				"{'StreamName': 'x'}",
				'{"StreamName": "x",}',
				'{"StreamName": "x" /* comment */}',
				'\ufeff{}',
				'  {}  ',
				'{}{}',
				'{"a":1}\u0000',
				'\u0000',
				'{"StreamName": "\\ud800"}',
				'{"StreamName": "\\u00"}',
				'{"Limit": 1e400}',
				'{"Limit": -}',
				'{"Limit": 01}',
				'{"Limit": NaN}',
				'{"__proto__": {"StreamName": "fuzz-target"}}',
				'{"constructor": {"prototype": {"polluted": true}}}',
			)
			.map((text) => ({kind: 'text', text}) as const),
	},
	{weight: 1, arbitrary: fc.constantFrom(1000, 1000, 1000, 10_000, 100_000).map((depth) => ({kind: 'deep', depth}) as const)},
	{weight: 2, arbitrary: fc.constant({kind: 'duplicate'} as const)},
	{weight: 2, arbitrary: fc.constantFrom(...CBOR_ONLY, 'text', 42, null, [], true).map((value) => ({kind: 'value', value}) as const)},
);

function applyBody(encoded: Buffer, mutation: BodyMutation, codec: Codec): Buffer {
	switch (mutation.kind) {
		case 'none':
			return encoded;
		case 'truncate':
			return encoded.subarray(0, encoded.length === 0 ? 0 : mutation.at % encoded.length);
		case 'flip': {
			if (encoded.length === 0) return Buffer.from([mutation.byte]);
			const copy = Buffer.from(encoded);
			copy[mutation.at % copy.length] = mutation.byte;
			return copy;
		}
		case 'append':
			return Buffer.concat([encoded, mutation.bytes]);
		case 'replace':
			return Buffer.from(mutation.bytes);
		case 'text':
			return codec === 'json' ? Buffer.from(mutation.text, 'utf8') : toCbor(safeParse(mutation.text));
		case 'deep':
			return codec === 'json'
				? Buffer.from('['.repeat(mutation.depth) + ']'.repeat(mutation.depth))
				: Buffer.concat([Buffer.alloc(mutation.depth, 0x81), Buffer.from([0x80])]);
		case 'value':
			return codec === 'json' ? Buffer.from(toJson(mutation.value)) : toCbor(mutation.value);
		case 'duplicate':
			// The same member twice, the second one winning in JSON.parse, the first one hostile.
			return codec === 'json' && encoded[0] === 0x7b && encoded.length > 2
				? Buffer.concat([Buffer.from('{"StreamName":"fuzz-target","StreamName":5,'), encoded.subarray(1)])
				: encoded;
	}
}

function safeParse(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

const targetArb = (operation: string): fc.Arbitrary<{target: string | undefined; note: string}> =>
	fc.oneof(
		{weight: 90, arbitrary: fc.constant({target: `${PREFIX}.${operation}`, note: ''})},
		{
			weight: 10,
			arbitrary: fc
				.oneof(
					fc.constantFrom(
						undefined,
						'',
						PREFIX,
						`${PREFIX}.`,
						`${PREFIX}.${operation}.Extra`,
						`${PREFIX}.${operation.toLowerCase()}`,
						`${PREFIX.toLowerCase()}.${operation}`,
						`Kinesis_20131201.${operation}`,
						`.${operation}`,
						operation,
						`${PREFIX}.constructor`,
						`${PREFIX}.__proto__`,
						`${PREFIX}.hasOwnProperty`,
						`${PREFIX}.CreateChannel`,
						`${PREFIX}.UpdateMaxRecordSize`,
						`${PREFIX}.${'A'.repeat(8000)}`,
					),
					fc.string({unit: fc.constantFrom(...'abcXYZ019_.-:/'), maxLength: 40}).map((name) => `${PREFIX}.${name}`),
					fc.string({unit: fc.constantFrom(...'abcXYZ019_.-:/'), maxLength: 40}),
				)
				.map((target) => ({target, note: `target ${JSON.stringify(target)?.slice(0, 60)}`})),
		},
	);

const contentTypeArb = (codec: Codec): fc.Arbitrary<string | undefined> =>
	fc.oneof(
		{weight: 90, arbitrary: fc.constant(codec === 'cbor' ? CBOR_TYPE : JSON_TYPE)},
		{
			weight: 10,
			arbitrary: fc.constantFrom(
				undefined,
				'',
				'application/json',
				'text/plain',
				'application/x-www-form-urlencoded',
				'application/x-amz-json-1.0',
				`${JSON_TYPE}; charset=utf-8`,
				`${CBOR_TYPE};`,
				codec === 'cbor' ? JSON_TYPE : CBOR_TYPE,
				'application/x-amz-json-1.2',
				'multipart/form-data; boundary=x',
			),
		},
	);

type Auth = 'signed' | 'missing' | 'no-signature' | 'no-date';
const authArb: fc.Arbitrary<Auth> = fc.oneof(
	{weight: 94, arbitrary: fc.constant('signed' as const)},
	{weight: 6, arbitrary: fc.constantFrom('missing' as const, 'no-signature' as const, 'no-date' as const)},
);
const methodArb = fc.oneof(
	{weight: 96, arbitrary: fc.constant('POST')},
	{weight: 4, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD')},
);

function authHeaders(auth: Auth): Record<string, string | undefined> {
	switch (auth) {
		case 'signed':
			return {...SIGNED};
		case 'missing':
			return {'x-amz-date': SIGNED['x-amz-date']};
		case 'no-signature':
			return {...SIGNED, authorization: SIGNED.authorization.replace(/, Signature=.*$/, '')};
		case 'no-date':
			return {authorization: SIGNED.authorization};
	}
}

/** One hostile request: an operation's input, spoiled member by member, then perhaps in its bytes, its target, content type, signature or method. */
export function caseArb(world: World): fc.Arbitrary<FuzzCase> {
	// Built once per operation and codec: building arbitraries costs far more than drawing from them.
	const variants = OPERATIONS.flatMap((operation) =>
		(['json', 'json', 'json', 'cbor'] as const).map((codec) => requestArb(world, operation, codec)),
	);
	return fc.oneof(...variants);
}

function requestArb(world: World, operation: string, codec: Codec): fc.Arbitrary<FuzzCase> {
	const schema = kinesisActions[operation]?.schema ?? {};
	const context: Context = {world, codec, write: !READ_ONLY.has(operation), small: false};
	return fc
		.record({
			input: structureArb(schema, context),
			body: bodyMutation,
			target: targetArb(operation),
			contentType: contentTypeArb(codec),
			auth: authArb,
			method: methodArb,
			via: fc.constantFrom<'h1' | 'h2'>('h1', 'h2'),
		})
		.map(({input, body, target, contentType, auth, method, via}): FuzzCase => {
			const encoded = codec === 'cbor' ? toCbor(input) : Buffer.from(toJson(input), 'utf8');
			const notes = [
				body.kind === 'none' ? '' : `body ${body.kind}`,
				target.note,
				contentType === (codec === 'cbor' ? CBOR_TYPE : JSON_TYPE) ? '' : `content-type ${String(contentType)}`,
				auth === 'signed' ? '' : `auth ${auth}`,
				method === 'POST' ? '' : `method ${method}`,
			].filter(Boolean);
			return {
				operation,
				via,
				codec,
				mutation: notes.join(', ') || 'members only',
				call: {
					method,
					headers: {...authHeaders(auth), 'x-amz-target': target.target, 'content-type': contentType},
					body: applyBody(encoded, body, codec),
				},
			};
		});
}

// ---------------------------------------------------------------------------------------------
// The oracle.

export type Expected =
	/** The error type AWS answers with (either one, where AWS's order between two checks is not known). */
	| {readonly kind: 'error'; readonly types: readonly string[]; readonly why: string}
	/** A well-formed request: a success, or one of the errors the operation documents. */
	| {readonly kind: 'valid'; readonly operation: string};

/** Whether the engine takes a request for a query-protocol call (form-encoded, no X-Amz-Target): see source/engine/protocol/query.ts. */
export const isQueryCall = (c: FuzzCase): boolean =>
	c.call.method === 'POST' &&
	c.call.headers['x-amz-target'] === undefined &&
	(c.call.headers['content-type'] ?? '').split(';')[0]?.trim() === 'application/x-www-form-urlencoded';

export function expectedOf(c: FuzzCase): Expected {
	const {method, headers, body} = c.call;
	const fail = (type: string, why: string, ...others: string[]): Expected => ({kind: 'error', types: [type, ...others], why});
	// AWS's front end, in its order (kinesalite's suite recorded it against AWS: mhart/kinesalite test/connection.js).
	if (method !== 'POST') return fail('AccessDeniedException', `method ${method}`);
	// A form without a target is a call in CloudWatch's query protocol, answered in XML; a Kinesis body names no Action.
	if (isQueryCall(c)) return fail('MissingAction', 'a query-protocol form without an Action', 'InvalidAction');
	const target = headers['x-amz-target'] ?? '';
	const dot = target.indexOf('.');
	const operation = dot < 0 ? '' : target.slice(dot + 1);
	const known = dot >= 0 && target.slice(0, dot) === PREFIX && Object.hasOwn(kinesisActions, operation);
	const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
	if (body.length === 0) return known ? fail('SerializationException', 'empty body') : fail('UnknownOperationException', 'empty body');
	// A body in a content type AWS does not read: refused in XML, as an unknown operation when the target names one.
	if (!KNOWN_TYPES.has(contentType) && contentType !== 'application/json')
		return fail(dot > 0 && operation ? 'UnknownOperationException' : 'AccessDeniedException', `content type ${contentType}`);
	let decoded: unknown;
	try {
		decoded = contentType === CBOR_TYPE ? decodeCbor(body) : JSON.parse(body.toString('utf8'));
	} catch {
		decoded = undefined;
	}
	const structure = typeof decoded === 'object' && decoded !== null;
	// The oldest JSON protocol goes no further than the body's syntax.
	if (contentType === 'application/json')
		return fail(structure ? 'UnknownOperationException' : 'SerializationException', 'application/json');
	if (!structure) return fail('SerializationException', 'body does not parse, or is no structure');
	if (!known) return fail('UnknownOperationException', `target ${target.slice(0, 60)}`);
	const signature = !headers.authorization
		? 'MissingAuthenticationTokenException'
		: !headers.authorization.includes('Signature=') || !headers['x-amz-date']
			? 'IncompleteSignatureException'
			: undefined;
	if (signature) return fail(signature, 'signature');
	if (!isMap(decoded)) return fail('SerializationException', 'body is not a structure');
	const schema = kinesisActions[operation]?.schema ?? {};
	const typeProblem = structureTypeProblem(schema, decoded);
	if (typeProblem) return fail('SerializationException', typeProblem);
	const constraintProblem = structureConstraintProblem(schema, decoded);
	if (constraintProblem) return fail('ValidationException', constraintProblem);
	// The fuzz streams take records of 1 MiB at most, AWS's default: larger data is refused with a ValidationException
	// (awslabs/amazon-kinesis-producer issue 680), once the stream is found.
	if ((operation === 'PutRecord' || operation === 'PutRecords') && dataOver(decoded, MiB))
		return fail('ValidationException', 'data over the stream limit of 1 MiB', 'ResourceNotFoundException');
	return {kind: 'valid', operation};
}

/** True when the request's Data, or any of its Records' Data, is a blob of more than a size. */
function dataOver(request: Record<string, unknown>, bytes: number): boolean {
	const over = (entry: unknown) => {
		const data = isMap(entry) ? entry['Data'] : undefined;
		return (data instanceof Uint8Array || typeof data === 'string') && blobLength(data) > bytes;
	};
	return over(request) || (Array.isArray(request['Records']) && request['Records'].some(over));
}

function isMap(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Java's strict decoder: whole groups of four, padding only at the end, and no stray bits under the padding. */
function isBase64(text: string): boolean {
	if (!STRICT_BASE64.test(text)) return false;
	const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
	if (padding === 0) return true;
	const last = ALPHABET.indexOf(text.charAt(text.length - padding - 1));
	return (last & (padding === 2 ? 0x0f : 0x03)) === 0;
}

function blobLength(value: Uint8Array | string): number {
	if (typeof value !== 'string') return value.length;
	const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
	return (value.length / 4) * 3 - padding;
}

function typeProblem(field: Field, value: unknown): string | undefined {
	if (value === null || value === undefined) return undefined;
	const wrong = `a ${field.type} given ${describe(value)}`;
	switch (field.type) {
		case 'String':
			return typeof value === 'string' ? undefined : wrong;
		case 'Integer':
		case 'Long':
		case 'Double':
			return typeof value === 'number' && Number.isFinite(value) ? undefined : wrong;
		case 'Boolean':
			return typeof value === 'boolean' ? undefined : wrong;
		case 'Blob':
			return value instanceof Uint8Array || (typeof value === 'string' && isBase64(value)) ? undefined : wrong;
		case 'Timestamp':
			return value instanceof Date || (typeof value === 'number' && Number.isFinite(value)) ? undefined : wrong;
		case 'List':
			if (!Array.isArray(value)) return wrong;
			for (const item of value) {
				const problem = typeProblem(field.member, item);
				if (problem) return problem;
			}
			return undefined;
		case 'Map':
			if (!isMap(value)) return wrong;
			for (const item of Object.values(value)) {
				const problem = typeProblem(field.value, item);
				if (problem) return problem;
			}
			return undefined;
		case 'Structure':
			return isMap(value) ? structureTypeProblem(field.members, value) : wrong;
	}
}

function structureTypeProblem(schema: Schema, value: Record<string, unknown>): string | undefined {
	for (const [name, field] of Object.entries(schema)) {
		const problem = typeProblem(field, value[name]);
		if (problem) return `${name}: ${problem}`;
	}
	return undefined;
}

const INTEGER_MAX = {Integer: 2_147_483_647, Long: Number.MAX_SAFE_INTEGER};

/** The first constraint of the model the (well-typed) value breaks. */
function constraintProblem(field: Field, value: unknown, required: boolean): string | undefined {
	if (value === null || value === undefined) return required ? 'missing' : undefined;
	switch (field.type) {
		case 'String': {
			const text = value as string;
			if (field.min !== undefined && text.length < field.min) return `shorter than ${field.min}`;
			if (field.max !== undefined && text.length > field.max) return `longer than ${field.max}`;
			if (field.pattern !== undefined && !new RegExp(`^(?:${field.pattern})$`, 's').test(text)) return `outside ${field.pattern}`;
			if (field.enum !== undefined && !field.enum.includes(text)) return 'outside the enum';
			return undefined;
		}
		case 'Integer':
		case 'Long': {
			// AWS reads numbers as TruncatingBigNumber: fractions are dropped, and larger ones stop at the type's maximum.
			const number = Math.min(Math.floor(value as number), INTEGER_MAX[field.type]);
			if (field.minValue !== undefined && number < field.minValue) return `below ${field.minValue}`;
			if (field.maxValue !== undefined && number > field.maxValue) return `above ${field.maxValue}`;
			return undefined;
		}
		case 'Blob':
			return field.max !== undefined && blobLength(value as Uint8Array | string) > field.max ? `over ${field.max} bytes` : undefined;
		case 'List': {
			const items = value as unknown[];
			if (field.min !== undefined && items.length < field.min) return `fewer than ${field.min} members`;
			if (field.max !== undefined && items.length > field.max) return `more than ${field.max} members`;
			for (const item of items) {
				const problem = constraintProblem(field.member, item, true);
				if (problem) return `member ${problem}`;
			}
			return undefined;
		}
		case 'Map': {
			const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== null && item !== undefined);
			if (field.min !== undefined && entries.length < field.min) return `fewer than ${field.min} entries`;
			if (field.max !== undefined && entries.length > field.max) return `more than ${field.max} entries`;
			for (const [key, item] of entries) {
				const problem = constraintProblem(field.key, key, true) ?? constraintProblem(field.value, item, true);
				if (problem) return `entry ${problem}`;
			}
			return undefined;
		}
		case 'Structure':
			return structureConstraintProblem(field.members, value as Record<string, unknown>);
		default:
			return undefined;
	}
}

function structureConstraintProblem(schema: Schema, value: Record<string, unknown>): string | undefined {
	for (const [name, field] of Object.entries(schema)) {
		const problem = constraintProblem(field, value[name], field.required === true);
		if (problem) return `${name}: ${problem}`;
	}
	return undefined;
}

function describe(value: unknown): string {
	if (Array.isArray(value)) return 'a list';
	if (value instanceof Uint8Array) return 'bytes';
	if (value instanceof Date) return 'a date';
	if (typeof value === 'string') return `'${value.slice(0, 20)}'`;
	if (typeof value === 'object') return 'a map';
	return `${typeof value} ${String(value)}`;
}
