import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {gzipSync} from 'node:zlib';
import {
	CreateStreamCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	KinesisClient,
	PutRecordsCommand,
	SplitShardCommand,
	type GetRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {KinesisProtocol} from '../../../source/console/aws/kinesisProtocol.js';
import type {Engine} from '../../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../../helpers/engine.js';
import {aggregate} from '../records/support.js';

let engine: Engine;
let sdk: KinesisClient;
let lean: KinesisClient;
const stream = 'protocol';

beforeAll(async () => {
	engine = await startEngine();
	sdk = kinesisClient(engine.url, 'http1');
	lean = new KinesisClient({
		endpoint: engine.url,
		region: 'us-east-1',
		credentials,
		maxAttempts: 1,
		protocol: KinesisProtocol,
		requestHandler: new NodeHttpHandler({}),
	});
	await sdk.send(new CreateStreamCommand({StreamName: stream, ShardCount: 1}));
	const data = [
		Buffer.from('plain text, zoë ✓'),
		Buffer.from('{"level":"ERROR","n":12345678901234567890,"nested":{"a":[1,2]}}'),
		Uint8Array.of(0, 1, 2, 0xff, 0xfe, 0x80),
		gzipSync(Buffer.from('{"logEvents":[{"message":"hi"}]}')),
		aggregate([
			{partitionKey: 'user-1', data: Buffer.from('{"a":1}')},
			{partitionKey: 'user-2', explicitHashKey: '42', data: Buffer.from('two')},
		]),
		Buffer.alloc(0),
		Buffer.alloc(70_000, 7),
	];
	await sdk.send(
		new PutRecordsCommand({
			StreamName: stream,
			Records: data.map((Data, index) => ({Data, PartitionKey: index % 2 ? `clé-${index} "quoted"` : `key-${index}`})),
		}),
	);
	await sdk.send(
		new SplitShardCommand({StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString()}),
	);
});

afterAll(async () => {
	sdk.destroy();
	lean.destroy();
	await engine.close();
});

/**
 * An answer without what differs between two calls of the same request: the request ids, the next
 * iterator (it carries the time it was made) and how far behind the shard's tip it was (time passes).
 */
const comparable = (output: GetRecordsCommandOutput) => ({
	...output,
	$metadata: {
		...output.$metadata,
		requestId: typeof output.$metadata.requestId,
		extendedRequestId: typeof output.$metadata.extendedRequestId,
	},
	NextShardIterator: typeof output.NextShardIterator,
	MillisBehindLatest: typeof output.MillisBehindLatest,
});

describe("GetRecords through the console's protocol", () => {
	it('reads every answer of a shard as the SDK does: records of every kind, the end of a split shard and its children', async () => {
		const {ShardIterator} = await sdk.send(
			new GetShardIteratorCommand({StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON'}),
		);
		let iterator = ShardIterator;
		let answers = 0;
		let children = 0;
		let records = 0;
		// The same iterator sent by both clients: the engine answers both alike, so the outputs must match member for member.
		while (iterator && answers < 10) {
			const theirs = await sdk.send(new GetRecordsCommand({ShardIterator: iterator, Limit: 3}));
			const ours = await lean.send(new GetRecordsCommand({ShardIterator: iterator, Limit: 3}));
			expect(comparable(ours)).toEqual(comparable(theirs));
			for (const [index, record] of (ours.Records ?? []).entries()) {
				expect(record.Data).toBeInstanceOf(Uint8Array);
				expect(Buffer.isBuffer(record.Data)).toBe(false);
				expect(record.ApproximateArrivalTimestamp).toEqual(theirs.Records?.[index]?.ApproximateArrivalTimestamp);
			}
			expect(ours.$metadata.httpStatusCode).toBe(200);
			expect(ours.$metadata.requestId).toEqual(expect.any(String));
			expect(ours.MillisBehindLatest).toEqual(expect.any(Number));
			records += ours.Records?.length ?? 0;
			children += ours.ChildShards?.length ?? 0;
			iterator = ours.NextShardIterator;
			answers++;
		}
		expect(records).toBe(7);
		expect(children).toBe(2);
		expect(iterator).toBeUndefined();
	});

	it("leaves an error answer to the SDK's own reader: the same error, name and message", async () => {
		const bad = 'AAAAAAAAAAFbogusiteratorvaluethatisnotvalidatall'.repeat(2);
		const failure = async (client: KinesisClient) => {
			try {
				await client.send(new GetRecordsCommand({ShardIterator: bad}));
			} catch (error) {
				return error as Error & {$metadata?: {httpStatusCode?: number}};
			}
			throw new Error('GetRecords did not fail');
		};
		const theirs = await failure(sdk);
		const ours = await failure(lean);
		expect(ours.name).toBe(theirs.name);
		expect(ours.message).toBe(theirs.message);
		expect(ours.$metadata?.httpStatusCode).toBe(theirs.$metadata?.httpStatusCode);
		expect(ours.constructor).toBe(theirs.constructor);
	});
});

describe("GetShardIterator through the console's protocol", () => {
	it('reads every shape of answer as the SDK does', async () => {
		// Answers an engine might give, including ones AWS never does (a missing or non-string iterator, an unknown member).
		const answers = [
			'{"ShardIterator":"AAAAAAAAAAFiterator+/="}',
			'{}',
			'{"ShardIterator":"AAAA","SomethingNew":[1,{"a":2}]}',
			'{"ShardIterator":null}',
			'',
			'{"ShardIterator":"ün"}',
		];
		let next = 0;
		const server = http.createServer((request, response) => {
			request.resume();
			request.on('end', () => {
				response.writeHead(200, {'content-type': 'application/x-amz-json-1.1', 'X-Amzn-RequestId': `request-${next}`});
				response.end(answers[Math.floor(next++ / 2)]);
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		const options = {endpoint, region: 'us-east-1', credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler({})};
		const theirs = new KinesisClient(options);
		const ours = new KinesisClient({...options, protocol: KinesisProtocol});
		try {
			const input = {StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' as const};
			for (const _answer of answers) {
				const a = await theirs.send(new GetShardIteratorCommand(input));
				const b = await ours.send(new GetShardIteratorCommand(input));
				expect({...b, $metadata: {...b.$metadata, requestId: 'same'}}).toEqual({...a, $metadata: {...a.$metadata, requestId: 'same'}});
				expect(b.$metadata.requestId).toMatch(/^request-\d+$/);
			}
		} finally {
			theirs.destroy();
			ours.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	});
});
