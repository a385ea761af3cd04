import http from 'node:http';
import http2 from 'node:http2';
import {GetRecordsCommand, ListStreamsCommand, PutRecordCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {kinesisClient, type Transport} from '../helpers/engine.js';
import {createStream, errorOf, iterator, rawRequest, signedHeaders, text, transports, uniqueName, useEngine, type RawRequest} from './support.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';

interface Refusal {
	readonly status: number;
	readonly type: unknown;
	/** How many body bytes the client managed to send before the answer came. */
	readonly sent: number;
}

/**
 * Sends a PutRecord whose body is larger than the engine takes, and reports the answer that comes
 * before the client could finish: with a declared length the engine answers without reading at all.
 */
function sendOversized(url: string, transport: Transport, declareLength: boolean): Promise<Refusal> {
	const total = MAX_BODY_BYTES + 1024 * 1024;
	const chunk = Buffer.alloc(256 * 1024, 'a');
	const headers = {
		...signedHeaders(),
		'x-amz-target': 'Kinesis_20131202.PutRecord',
		...(declareLength ? {'content-length': String(total)} : {}),
	};
	return new Promise((resolve, reject) => {
		let sent = 0;
		let answered = false;
		const parse = (status: number, body: string) => {
			answered = true;
			resolve({status, type: body ? errorOf({status, headers: {}, body}).type : undefined, sent});
		};
		const pump = (write: (data: Buffer) => boolean, onDrain: (resume: () => void) => void) => {
			// Without a declared length the engine has to read up to its limit, so the body is sent until it answers.
			if (declareLength) return;
			const next = () => {
				while (!answered && sent < total) {
					sent += chunk.length;
					if (!write(chunk)) return onDrain(next);
				}
			};
			next();
		};

		if (transport === 'http1') {
			const request = http.request(url, {method: 'POST', headers, agent: false}, (response) => {
				const parts: Buffer[] = [];
				response.on('data', (part: Buffer) => parts.push(part));
				response.on('end', () => parse(response.statusCode ?? 0, Buffer.concat(parts).toString('utf8')));
				response.on('error', () => undefined);
			});
			request.on('error', (error) => {
				if (!answered) reject(error);
			});
			request.flushHeaders();
			pump(
				(data) => request.write(data),
				(resume) => request.once('drain', resume),
			);
			return;
		}
		const session = http2.connect(url);
		session.on('error', () => undefined);
		const stream = session.request({':method': 'POST', ':path': '/', ...headers}, {endStream: false});
		let status = 0;
		const parts: Buffer[] = [];
		stream.on('response', (received) => {
			status = Number(received[':status']);
		});
		stream.on('data', (part: Buffer) => parts.push(part));
		stream.on('end', () => {
			parse(status, Buffer.concat(parts).toString('utf8'));
			stream.close(http2.constants.NGHTTP2_CANCEL);
			session.close();
		});
		stream.on('error', (error) => {
			if (!answered) reject(error);
		});
		pump(
			(data) => stream.write(data),
			(resume) => stream.once('drain', resume),
		);
	});
}

describe.each(transports)('the wire over %s', (transport) => {
	const harness = useEngine(transport);
	const send = (request: RawRequest) => rawRequest(harness.url, transport, request);
	const expectRefusal = async (request: RawRequest, type: string, message?: string) => {
		const response = await send(request);
		expect(response.status).toBe(400);
		expect(response.headers['content-type']).toBe('application/x-amz-json-1.1');
		expect(response.headers['x-amzn-errortype']).toBe(type);
		expect(response.headers['x-amzn-requestid']).toEqual(expect.any(String));
		const error = errorOf(response);
		expect(error.type).toBe(type);
		if (message !== undefined) expect(error.message).toBe(message);
		return error;
	};

	it('is reached by the SDK with the handler for this transport', () => {
		const handler = harness.client.config.requestHandler as unknown as object;
		expect(handler.constructor.name).toBe(transport === 'http2' ? 'NodeHttp2Handler' : 'NodeHttpHandler');
	});

	it('answers a well-formed request', async () => {
		const response = await send({operation: 'ListStreams', body: '{}'});
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toBe('application/x-amz-json-1.1');
		expect(JSON.parse(response.body)).toMatchObject({HasMoreStreams: false, StreamNames: expect.any(Array)});
		// An empty body is an empty request.
		expect((await send({operation: 'ListStreams', body: ''})).status).toBe(200);
	});

	it('refuses a request without an Authorization header', async () => {
		await expectRefusal({operation: 'ListStreams', headers: {authorization: undefined}}, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
	});

	it('refuses an incomplete signature', async () => {
		const noSignature = 'AWS4-HMAC-SHA256 Credential=AKIDENGINETEST/20240115/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date';
		const error = await expectRefusal({operation: 'ListStreams', headers: {authorization: noSignature}}, 'IncompleteSignatureException');
		expect(error.message).toMatch(/^Authorization header requires 'Signature' parameter\./);
		const noDate = await expectRefusal({operation: 'ListStreams', headers: {'x-amz-date': undefined}}, 'IncompleteSignatureException');
		expect(noDate.message).toMatch(/Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header\./);
	});

	it('refuses unknown operations and targets, including names every object has', async () => {
		for (const target of ['Kinesis_20131202.DescribeNothing', 'Kinesis_20131202.constructor', 'Kinesis_20131202.__proto__', 'Kinesis_20131202.toString', 'Logs_20140328.DescribeLogGroups', 'Kinesis_20131202', '']) {
			const response = await send({target, body: '{}'});
			expect([target, response.status, errorOf(response).type]).toEqual([target, 400, 'UnknownOperationException']);
		}
		await expectRefusal({target: 'Kinesis_20131202.Nope', headers: {authorization: undefined}}, 'UnknownOperationException');
	});

	it('refuses a body that is not JSON, or not a JSON object', async () => {
		for (const body of ['{"StreamName": ', 'not json', '{"StreamName": "a"} trailing', '\u0000']) {
			await expectRefusal({operation: 'DescribeStream', body}, 'SerializationException');
		}
		for (const body of ['[]', 'null', '"a string"', '42']) {
			await expectRefusal({operation: 'DescribeStream', body}, 'SerializationException');
		}
	});

	it('refuses members of the wrong JSON type with AWS messages', async () => {
		const cases: Array<[operation: string, body: object, message: string]> = [
			['DescribeStream', {StreamName: 5}, `${NUMBER} can not be converted to an String`],
			['DescribeStream', {StreamName: true}, 'class java.lang.Boolean can not be converted to an String'],
			['DescribeStream', {StreamName: ['a']}, 'Start of list found where not expected'],
			['DescribeStream', {StreamName: {a: 1}}, 'Start of structure or map found where not expected.'],
			['CreateStream', {StreamName: 'a', ShardCount: '1'}, 'class java.lang.String can not be converted to an Integer'],
			['CreateStream', {StreamName: 'a', ShardCount: false}, 'class java.lang.Boolean can not be converted to an Integer'],
			['ListStreams', {Limit: [1]}, 'Start of list found where not expected'],
			['DeleteStream', {StreamName: 'a', EnforceConsumerDeletion: 'yes'}, "'YES' can not be converted to an Boolean"],
			['DeleteStream', {StreamName: 'a', EnforceConsumerDeletion: 1}, `${NUMBER} can not be converted to an Boolean`],
			['PutRecord', {StreamName: 'a', PartitionKey: 'k', Data: true}, 'class java.lang.Boolean can not be converted to a Blob'],
			['PutRecord', {StreamName: 'a', PartitionKey: 'k', Data: 12}, `${NUMBER} can not be converted to a Blob`],
			['PutRecord', {StreamName: 'a', PartitionKey: 'k', Data: 'abc'}, "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3"],
			['PutRecord', {StreamName: 'a', PartitionKey: 'k', Data: 'ab!='}, "'ab!=' can not be converted to a Blob: Invalid Base64 character: '!'"],
			['PutRecord', {StreamName: 'a', PartitionKey: 'k', Data: 'YR=='}, "'YR==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
			['PutRecords', {StreamName: 'a', Records: {}}, 'Start of structure or map found where not expected.'],
			['PutRecords', {StreamName: 'a', Records: 'x'}, 'Expected list or null'],
			['PutRecords', {StreamName: 'a', Records: [5]}, 'Expected null'],
			['PutRecords', {StreamName: 'a', Records: [{PartitionKey: 1, Data: ''}]}, `${NUMBER} can not be converted to an String`],
			['AddTagsToStream', {StreamName: 'a', Tags: ['a']}, 'Start of list found where not expected'],
			['AddTagsToStream', {StreamName: 'a', Tags: 'x'}, 'Expected map or null'],
			['AddTagsToStream', {StreamName: 'a', Tags: {a: 1}}, `${NUMBER} can not be converted to an String`],
			['GetShardIterator', {StreamName: 'a', ShardId: '0', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: 'yesterday'}, 'class java.lang.String can not be converted to milliseconds since epoch'],
		];
		for (const [operation, body, message] of cases) {
			const response = await send({operation, body: JSON.stringify(body)});
			expect({operation, body, status: response.status, ...errorOf(response)}).toEqual({operation, body, status: 400, type: 'SerializationException', message});
		}
	});

	it('ignores members it does not know, and takes a JSON timestamp in epoch seconds', async () => {
		const name = uniqueName('lenient');
		await createStream(harness.client, name);
		const described = await send({operation: 'DescribeStreamSummary', body: JSON.stringify({StreamName: name, NotAMember: {deep: [1, 2]}})});
		expect(described.status).toBe(200);
		const put = await send({operation: 'PutRecord', body: JSON.stringify({StreamName: name, PartitionKey: 'k', Data: Buffer.from('raw').toString('base64')})});
		expect(put.status).toBe(200);
		const shardIterator = await send({
			operation: 'GetShardIterator',
			body: JSON.stringify({StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: Date.now() / 1000 - 60}),
		});
		expect(shardIterator.status).toBe(200);
		const {ShardIterator} = JSON.parse(shardIterator.body) as {ShardIterator: string};
		const records = await send({operation: 'GetRecords', body: JSON.stringify({ShardIterator})});
		const parsed = JSON.parse(records.body) as {Records: Array<{Data: string; ApproximateArrivalTimestamp: number}>};
		expect(parsed.Records.map((record) => Buffer.from(record.Data, 'base64').toString())).toEqual(['raw']);
		expect(parsed.Records[0]?.ApproximateArrivalTimestamp).toBeCloseTo(Date.now() / 1000, -1);
	});

	it('refuses a declared body over 10 MiB with 413 before reading it', async () => {
		const refusal = await sendOversized(harness.url, transport, true);
		expect(refusal).toEqual({status: 413, type: 'SerializationException', sent: 0});
	});

	it('refuses a streamed body once it passes 10 MiB', async () => {
		const refusal = await sendOversized(harness.url, transport, false);
		expect(refusal.status).toBe(413);
		expect(refusal.sent).toBeGreaterThan(MAX_BODY_BYTES);
	});

	it('keeps serving after every refusal, on new connections and the SDK alike', async () => {
		const name = uniqueName('survivor');
		await createStream(harness.client, name);
		const put = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('still here')}));
		const read = await harness.client.send(new GetRecordsCommand({ShardIterator: await iterator(harness.client, name, put.ShardId ?? '', 'TRIM_HORIZON')}));
		expect(read.Records?.map(text)).toEqual(['still here']);
		const fresh = kinesisClient(harness.url, transport);
		try {
			expect((await fresh.send(new ListStreamsCommand({}))).StreamNames).toContain(name);
		} finally {
			fresh.destroy();
		}
	});
});
