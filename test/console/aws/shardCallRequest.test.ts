import {GetRecordsCommand, GetShardIteratorCommand, KinesisClient} from '@aws-sdk/client-kinesis';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import type {HttpRequest, RequestSigner} from '@smithy/types';
import {afterEach, describe, expect, it} from 'vitest';
import {amzDate, shardCallBody, shardCallRequest, type ShardCall} from '../../../source/console/aws/shardCallRequest.js';

/**
 * A shard call's request as aws/shardCallRequest.ts writes it, held to the SDK's: the body the SDK's
 * serializer writes for the same input, and the signature the SDK's own signer makes of the same request
 * at the same time (with and without a session token). The engine checks such signatures in
 * directReads.test.ts; it takes no session token, so the SDK's signer is the reference here.
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const calls: ShardCall[] = [
	{operation: 'GetShardIterator', input: {StreamName: 's', ShardId: 'shardId-000000000001', ShardIteratorType: 'LATEST'}},
	{
		operation: 'GetShardIterator',
		input: {
			StreamName: 's',
			ShardId: 'shardId-000000000001',
			ShardIteratorType: 'AT_SEQUENCE_NUMBER',
			StartingSequenceNumber: '4962'.padEnd(56, '7'),
		},
	},
	{
		operation: 'GetShardIterator',
		input: {
			StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s',
			ShardId: 'shardId-000000000001',
			ShardIteratorType: 'AT_TIMESTAMP',
			Timestamp: new Date('2026-12-06T16:30:00.123Z'),
		},
	},
	{operation: 'GetRecords', input: {ShardIterator: 'AAAAAAAAAAF+/=', Limit: 2_000}},
	{operation: 'GetRecords', input: {ShardIterator: 'AAAA', StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s', DryRun: false}},
	{
		operation: 'GetShardIterator',
		input: {StreamName: 's', ShardId: 'shardId-000000000002', ShardIteratorType: 'TRIM_HORIZON', StreamId: 'stream-id-1', DryRun: true},
	},
];

interface Sent {
	readonly path: string;
	readonly host: string;
	readonly body: string;
}

/** What the SDK sends for each call to an endpoint of `path` on a server on loopback, as the server receives it. */
async function sdkRequests(path: string): Promise<{endpoint: string; sent: Sent[]}> {
	const sent: Sent[] = [];
	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			sent.push({path: request.url ?? '', host: request.headers.host ?? '', body: Buffer.concat(chunks).toString('utf8')});
			response.writeHead(200, {'content-type': 'application/x-amz-json-1.1'});
			response.end('{}');
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
	const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
	const client = new KinesisClient({
		endpoint,
		region: 'us-east-1',
		credentials: {accessKeyId: 'AKID', secretAccessKey: 'secret'},
		maxAttempts: 1,
		requestHandler: new NodeHttpHandler({}),
	});
	cleanups.push(() => client.destroy());
	for (const call of calls) {
		if (call.operation === 'GetRecords') await client.send(new GetRecordsCommand(call.input));
		else await client.send(new GetShardIteratorCommand(call.input));
	}
	return {endpoint, sent};
}

const signing = (endpoint: string) => ({
	endpoint: new URL(endpoint),
	region: 'us-east-1',
	service: 'kinesis',
	credentials: {accessKeyId: 'AKID', secretAccessKey: 'secret'},
	nowMs: Date.now(),
	headers: {},
});

describe('a shard call’s request', () => {
	it('goes where the SDK sends the same call, with the body the SDK writes for the same input', async () => {
		// An endpoint's path as the console passes it on (without a trailing slash) and as a user may write it.
		for (const path of ['', '/', '/prod/kinesis', '/prod/kinesis/']) {
			const {endpoint, sent} = await sdkRequests(path);
			const ours = calls.map((call) => shardCallRequest(call, signing(endpoint)));
			const seen = ours.map((request) => ({
				path: request.path,
				host: request.headers.host,
				body: JSON.parse(String(request.body)) as unknown,
			}));
			expect(seen).toEqual(sent.map(({path, host, body}) => ({path, host, body: JSON.parse(body) as unknown})));
		}
		// The timestamp as epoch seconds, to the millisecond.
		expect(shardCallBody(calls[2] as ShardCall)).toContain('"Timestamp":1796574600.123');
	});

	it('names an IPv6 endpoint as Node’s HTTP client and AWS’s signature each take it', () => {
		const request = shardCallRequest(calls[0] as ShardCall, signing('http://[::1]:4567'));
		expect(request).toMatchObject({hostname: '::1', port: 4567, path: '/'});
		expect(request.headers.host).toBe('[::1]:4567');
	});

	for (const sessionToken of [undefined, 'session-token-FwoGZXIvYXdzEJr']) {
		it(`is signed as the SDK's signer signs it${sessionToken ? ', with a session token' : ''}`, async () => {
			const credentials = {
				accessKeyId: 'AKIDSIGNING',
				secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
				...(sessionToken ? {sessionToken} : {}),
			};
			const client = new KinesisClient({region: 'eu-west-1', credentials});
			cleanups.push(() => client.destroy());
			const signer = await (client.config as unknown as {signer: () => Promise<RequestSigner>}).signer();
			const nowMs = Date.parse('2026-12-06T16:30:05.678Z');
			for (const endpoint of ['https://kinesis.eu-west-1.amazonaws.com', 'http://127.0.0.1:4567', 'http://localhost:4566/kinesis/']) {
				for (const call of calls) {
					const ours = shardCallRequest(call, {
						endpoint: new URL(endpoint),
						region: 'eu-west-1',
						service: 'kinesis',
						credentials,
						nowMs,
						headers: {'user-agent': 'aws-sdk-js/3 ua/2.1', 'x-amz-user-agent': 'aws-sdk-js/3'},
					});
					expect(ours.headers['x-amz-date']).toBe('20261206T163005Z');
					expect(ours.headers['x-amz-security-token']).toBe(sessionToken);
					const {authorization, 'x-amz-date': _date, 'x-amz-security-token': _token, ...unsigned} = ours.headers;
					const theirs = (await signer.sign({...ours, headers: unsigned} as HttpRequest, {signingDate: new Date(nowMs)})) as HttpRequest;
					expect(authorization).toBe(theirs.headers.authorization);
				}
			}
		});
	}

	it('is dated in the basic form SigV4 signs, whatever the millisecond', () => {
		for (const iso of ['2026-12-06T16:30:05.000Z', '2026-12-06T16:30:05.999Z', '2027-01-01T00:00:00.001Z']) {
			expect(amzDate(Date.parse(iso))).toBe(iso.replace(/[:-]|\.\d{3}/g, ''));
		}
	});
});
