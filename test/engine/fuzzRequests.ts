import fc from 'fast-check';
import {kinesisActions} from '../../source/engine/kinesis/index.js';
import {decodeCbor} from '../../source/engine/protocol/cbor.js';
import type {Field, Schema} from '../../source/engine/protocol/schema.js';
import {SIGNED, type RawCall} from './fuzzSupport.js';
import {CBOR_ONLY, structureArb, toCbor, toJson, type Context} from './fuzzValues.js';

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
