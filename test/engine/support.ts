import http from 'node:http';
import http2 from 'node:http2';
import {
	CreateStreamCommand,
	DescribeStreamCommand,
	type GetRecordsCommandOutput,
	GetRecordsCommand,
	GetShardIteratorCommand,
	KinesisServiceException,
	type _Record,
	type KinesisClient,
	type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, expect} from 'vitest';
import type {Engine, EngineOptions} from '../../source/engine/index.js';
import type {NewRecords} from '../../source/engine/store/store.js';
import {kinesisClient, startEngine, type Transport} from '../helpers/engine.js';

/** Both ways the engine is reached: the JS SDK's default HTTP/2 handler, and HTTP/1.1 as the AWS CLI and older SDKs use. */
export const transports = ['http2', 'http1'] as const satisfies readonly Transport[];

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const arnOf = (name: string, region = REGION) => `arn:aws:kinesis:${region}:${ACCOUNT}:stream/${name}`;

/** A clock the engine reads instead of Date.now, moved by the test. */
export class FakeClock {
	constructor(public ms = Date.UTC(2024, 0, 15, 12, 0, 0)) {}
	readonly now = (): number => this.ms;
	advance(ms: number): void {
		this.ms += ms;
	}
}

export interface Harness {
	readonly engine: Engine;
	readonly client: KinesisClient;
	readonly url: string;
}

/** Starts an engine and an SDK client for the enclosing describe block, and stops both after it. */
export function useEngine(transport: Transport, options: EngineOptions = {}): Harness {
	let engine: Engine | undefined;
	let client: KinesisClient | undefined;
	beforeAll(async () => {
		engine = await startEngine(options);
		client = kinesisClient(engine.url, transport);
	});
	afterAll(async () => {
		client?.destroy();
		await engine?.close();
	});
	const started = <T>(value: T | undefined): T => {
		if (value === undefined) throw new Error('the engine is not started yet');
		return value;
	};
	return {
		get engine() {
			return started(engine);
		},
		get client() {
			return started(client);
		},
		get url() {
			return started(engine).url;
		},
	};
}

let counter = 0;
/** A stream name no other test in this process uses. */
/** Records for Store.append, written as one object each: the store takes them in arrays. */
export function newRecords(
	arrivalMs: number,
	records: ReadonlyArray<{shardIndex: number; position: number; partitionKey: string; data: Buffer}>,
): NewRecords {
	const keys = records.map((record) => Buffer.from(record.partitionKey));
	let keyEnd = 0;
	let end = 0;
	return {
		arrivalMs,
		shardIndexes: records.map((record) => record.shardIndex),
		positions: records.map((record) => record.position),
		keys: Buffer.concat(keys),
		keyStarts: keys.map((key) => (keyEnd += key.length) - key.length),
		keyBytes: keys.map((key) => key.length),
		data: Buffer.concat(records.map((record) => record.data)),
		dataEnds: records.map((record) => (end += record.data.length)),
	};
}

export const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

/** The error a call failed with; fails the test when the call succeeds or fails some other way. */
export async function rejection(call: Promise<unknown>): Promise<KinesisServiceException> {
	try {
		await call;
	} catch (error) {
		if (error instanceof KinesisServiceException) return error;
		throw error;
	}
	return expect.fail('expected the call to fail, but it succeeded');
}

/** Asserts that a call fails with exactly this error type and message. */
export async function expectError(call: Promise<unknown>, type: string, message: string): Promise<void> {
	const error = await rejection(call);
	expect({type: error.name, message: error.message}).toEqual({type, message});
	expect(error.$metadata.httpStatusCode).toBe(400);
}

/** Creates a stream (the harness engines make it ACTIVE at once) and returns its shards. */
export async function createStream(client: KinesisClient, name: string, shardCount = 1) {
	await client.send(new CreateStreamCommand({StreamName: name, ShardCount: shardCount}));
	const {StreamDescription} = await client.send(new DescribeStreamCommand({StreamName: name}));
	expect(StreamDescription?.StreamStatus).toBe('ACTIVE');
	return StreamDescription?.Shards ?? [];
}

export async function iterator(
	client: KinesisClient,
	streamName: string,
	shardId: string,
	type: ShardIteratorType,
	extra: {StartingSequenceNumber?: string | undefined; Timestamp?: Date} = {},
): Promise<string> {
	const {ShardIterator} = await client.send(
		new GetShardIteratorCommand({StreamName: streamName, ShardId: shardId, ShardIteratorType: type, ...extra}),
	);
	if (!ShardIterator) throw new Error('GetShardIterator returned no iterator');
	return ShardIterator;
}

/** Every record from an iterator on, following NextShardIterator until a page comes back empty. */
export async function readToEnd(client: KinesisClient, start: string, limit?: number): Promise<_Record[]> {
	const records: _Record[] = [];
	let next: string | undefined = start;
	while (next) {
		const page: GetRecordsCommandOutput = await client.send(
			new GetRecordsCommand({ShardIterator: next, ...(limit === undefined ? {} : {Limit: limit})}),
		);
		records.push(...(page.Records ?? []));
		if ((page.Records ?? []).length === 0) break;
		next = page.NextShardIterator;
	}
	return records;
}

export const text = (record: _Record | undefined): string => Buffer.from(record?.Data ?? new Uint8Array()).toString('utf8');

/** The shard whose hash key range holds a hash key, from the shard list DescribeStream returned. */
export function shardHolding(
	shards: ReadonlyArray<{
		ShardId?: string | undefined;
		HashKeyRange?: {StartingHashKey?: string | undefined; EndingHashKey?: string | undefined} | undefined;
	}>,
	hashKey: bigint,
) {
	const shard = shards.find(
		(candidate) =>
			BigInt(candidate.HashKeyRange?.StartingHashKey ?? '-1') <= hashKey &&
			hashKey <= BigInt(candidate.HashKeyRange?.EndingHashKey ?? '-1'),
	);
	if (!shard?.ShardId) throw new Error(`no shard holds ${hashKey}`);
	return shard.ShardId;
}

export interface RawResponse {
	readonly status: number;
	readonly headers: Readonly<Record<string, string | string[] | undefined>>;
	readonly body: string;
}

export interface RawRequest {
	/** The operation after `Kinesis_20131202.`; or a whole X-Amz-Target value with `target`. */
	readonly operation?: string;
	readonly target?: string;
	readonly body?: string | Buffer;
	/** Headers to add or, with undefined, to leave out. */
	readonly headers?: Readonly<Record<string, string | undefined>>;
}

/** A request signed the way a SigV4 client signs (shape only: the engine never checks signatures). */
export const signedHeaders = (): Record<string, string> => ({
	'content-type': 'application/x-amz-json-1.1',
	'x-amz-date': '20240115T120000Z',
	authorization:
		'AWS4-HMAC-SHA256 Credential=AKIDENGINETEST/20240115/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef',
});

function headersOf(request: RawRequest): Record<string, string> {
	const headers: Record<string, string> = {
		...signedHeaders(),
		'x-amz-target': request.target ?? `Kinesis_20131202.${request.operation ?? 'ListStreams'}`,
	};
	for (const [name, value] of Object.entries(request.headers ?? {})) {
		if (value === undefined) delete headers[name];
		else headers[name] = value;
	}
	return headers;
}

/** Sends bytes as they are, bypassing the SDK: for what the SDK would never send. */
export async function rawRequest(url: string, transport: Transport, request: RawRequest): Promise<RawResponse> {
	const body = request.body ?? '{}';
	const headers = {...headersOf(request), 'content-length': String(Buffer.byteLength(body))};
	if (transport === 'http1') {
		return new Promise((resolve, reject) => {
			const outgoing = http.request(url, {method: 'POST', headers, agent: false}, (response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () =>
					resolve({status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8')}),
				);
				response.on('error', reject);
			});
			outgoing.on('error', reject);
			outgoing.end(body);
		});
	}
	const session = http2.connect(url);
	try {
		return await new Promise<RawResponse>((resolve, reject) => {
			session.on('error', reject);
			const stream = session.request({':method': 'POST', ':path': '/', ...headers});
			let status = 0;
			let responseHeaders: Record<string, string | string[] | undefined> = {};
			const chunks: Buffer[] = [];
			stream.on('response', (received) => {
				status = Number(received[':status']);
				responseHeaders = received;
			});
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', () => resolve({status, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8')}));
			stream.on('error', reject);
			stream.end(body);
		});
	} finally {
		session.close();
	}
}

/** The `{__type, message}` of an error response. */
/** An error answer's type and text; AWS puts SerializationException's text under `Message`, the others' under `message`. */
export function errorOf(response: RawResponse): {type: unknown; message: unknown} {
	const parsed = JSON.parse(response.body) as {__type?: unknown; message?: unknown; Message?: unknown};
	return {type: parsed.__type, message: parsed.message ?? parsed.Message};
}
