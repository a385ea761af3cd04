import http from 'node:http';
import http2 from 'node:http2';
import {describe, expect, it} from 'vitest';
import {decodeEventStream} from '../../source/engine/protocol/eventStream.js';
import type {Transport} from '../helpers/engine.js';
import {ACCOUNT, arnOf, signedHeaders, transports, uniqueName, useEngine} from './support.js';

/**
 * The engine as the AWS SDK for Java v2 talks to it by default: `application/x-amz-cbor-1.1`. Requests
 * are encoded here the way that SDK's Jackson CBOR generator writes them (maps and arrays of
 * indefinite length, minimal integers, blobs as byte strings, timestamps as tag 1 over a 64-bit
 * integer of epoch milliseconds), and answers are read with a strict decoder that keeps tags, so the
 * test sees the exact wire form rather than a library's interpretation of it.
 */
const CBOR = 'application/x-amz-cbor-1.1';

class Tagged {
	constructor(
		readonly tag: number,
		readonly value: unknown,
	) {}
}

function javaCbor(value: unknown): Buffer {
	const parts: Buffer[] = [];
	const head = (major: number, length: number | bigint) => {
		const n = BigInt(length);
		if (n < 24n) parts.push(Buffer.from([(major << 5) | Number(n)]));
		else if (n < 0x100n) parts.push(Buffer.from([(major << 5) | 24, Number(n)]));
		else if (n < 0x10000n) parts.push(Buffer.from([(major << 5) | 25, Number(n >> 8n), Number(n & 0xffn)]));
		else if (n < 0x100000000n) {
			const bytes = Buffer.alloc(5);
			bytes[0] = (major << 5) | 26;
			bytes.writeUInt32BE(Number(n), 1);
			parts.push(bytes);
		} else {
			const bytes = Buffer.alloc(9);
			bytes[0] = (major << 5) | 27;
			bytes.writeBigUInt64BE(n, 1);
			parts.push(bytes);
		}
	};
	const write = (item: unknown): void => {
		if (item instanceof Date) {
			// SdkCborGenerator.writeValue(Instant): writeTag(1), then writeNumber(long millis): 0x1b and eight bytes.
			parts.push(Buffer.from([0xc1, 0x1b]));
			const millis = Buffer.alloc(8);
			millis.writeBigUInt64BE(BigInt(item.getTime()));
			parts.push(millis);
		} else if (Buffer.isBuffer(item)) {
			head(2, item.length);
			parts.push(item);
		} else if (typeof item === 'string') {
			const bytes = Buffer.from(item, 'utf8');
			head(3, bytes.length);
			parts.push(bytes);
		} else if (typeof item === 'number') {
			if (item >= 0) head(0, item);
			else head(1, -1 - item);
		} else if (typeof item === 'boolean') {
			parts.push(Buffer.from([item ? 0xf5 : 0xf4]));
		} else if (Array.isArray(item)) {
			parts.push(Buffer.from([0x9f]));
			item.forEach(write);
			parts.push(Buffer.from([0xff]));
		} else if (item !== null && typeof item === 'object') {
			parts.push(Buffer.from([0xbf]));
			for (const [key, member] of Object.entries(item)) {
				write(key);
				write(member);
			}
			parts.push(Buffer.from([0xff]));
		} else {
			throw new Error(`cannot encode ${String(item)}`);
		}
	};
	write(value);
	return Buffer.concat(parts);
}

/** A strict decoder for the subset AWS answers with; tags are kept, not interpreted. */
function readCbor(bytes: Buffer): unknown {
	let offset = 0;
	const length = (info: number): number | bigint | undefined => {
		if (info < 24) return info;
		if (info === 24) return bytes.readUInt8(offset++);
		if (info === 25) return ((offset += 2), bytes.readUInt16BE(offset - 2));
		if (info === 26) return ((offset += 4), bytes.readUInt32BE(offset - 4));
		if (info === 27) return ((offset += 8), bytes.readBigUInt64BE(offset - 8));
		if (info === 31) return undefined;
		throw new Error(`bad additional information ${info}`);
	};
	const item = (): unknown => {
		const initial = bytes.readUInt8(offset++);
		const major = initial >> 5;
		const info = initial & 31;
		if (major === 7) {
			if (info === 20) return false;
			if (info === 21) return true;
			if (info === 22) return null;
			if (info === 27) return ((offset += 8), bytes.readDoubleBE(offset - 8));
			throw new Error(`unexpected simple value ${info}`);
		}
		const size = length(info);
		const count = size === undefined ? Number.POSITIVE_INFINITY : Number(size);
		const more = (index: number) => (size === undefined ? bytes[offset] !== 0xff : index < count);
		const close = () => size === undefined && offset++;
		switch (major) {
			case 0:
				return size;
			case 1:
				return -1 - Number(size);
			case 2:
				return ((offset += count), Buffer.from(bytes.subarray(offset - count, offset)));
			case 3:
				return ((offset += count), bytes.toString('utf8', offset - count, offset));
			case 4: {
				const out = [];
				for (let index = 0; more(index); index++) out.push(item());
				close();
				return out;
			}
			case 5: {
				const out: Record<string, unknown> = {};
				for (let index = 0; more(index); index++) out[String(item())] = item();
				close();
				return out;
			}
			default:
				return new Tagged(Number(size), item());
		}
	};
	const value = item();
	if (offset !== bytes.length) throw new Error(`${bytes.length - offset} bytes after the value`);
	return value;
}

interface CborReply {
	readonly status: number;
	readonly contentType: string | undefined;
	readonly errorType: string | undefined;
	readonly body: Buffer;
}

/** A CBOR request over one HTTP version, answered as raw bytes. */
async function send(url: string, transport: Transport, operation: string, body: Buffer): Promise<CborReply> {
	const headers = {
		...signedHeaders(),
		'content-type': CBOR,
		'x-amz-target': `Kinesis_20131202.${operation}`,
		'content-length': String(body.length),
	};
	if (transport === 'http1') {
		return new Promise((resolve, reject) => {
			const request = http.request(url, {method: 'POST', headers, agent: false}, (response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () =>
					resolve({
						status: response.statusCode ?? 0,
						contentType: response.headers['content-type'],
						errorType: response.headers['x-amzn-errortype'] as string | undefined,
						body: Buffer.concat(chunks),
					}),
				);
			});
			request.on('error', reject);
			request.end(body);
		});
	}
	const session = http2.connect(url);
	try {
		return await new Promise<CborReply>((resolve, reject) => {
			session.on('error', reject);
			const stream = session.request({':method': 'POST', ':path': '/', ...headers});
			let received: http2.IncomingHttpHeaders = {};
			const chunks: Buffer[] = [];
			stream.on('response', (responseHeaders) => (received = responseHeaders));
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', () =>
				resolve({
					status: Number(received[':status']),
					contentType: received['content-type'],
					errorType: received['x-amzn-errortype'] as string | undefined,
					body: Buffer.concat(chunks),
				}),
			);
			stream.on('error', reject);
			stream.end(body);
		});
	} finally {
		session.close();
	}
}

const call = async (url: string, transport: Transport, operation: string, input: object) => {
	const reply = await send(url, transport, operation, javaCbor(input));
	expect(reply.contentType).toBe(CBOR);
	// An operation with no output answers with no body at all, as AWS does (CreateStream, AddTagsToStream, ...).
	return {...reply, value: (reply.body.length === 0 ? {} : readCbor(reply.body)) as Record<string, unknown>};
};

/** A timestamp as the Java SDK reads it: tag 1 over a whole number of milliseconds. */
function millisOf(value: unknown): number {
	expect(value).toBeInstanceOf(Tagged);
	const tagged = value as Tagged;
	expect(tagged.tag).toBe(1);
	expect(['number', 'bigint']).toContain(typeof tagged.value);
	return Number(tagged.value);
}

const everyByte = Buffer.from(Array.from({length: 256}, (_, index) => index));

describe.each(transports)('CBOR (application/x-amz-cbor-1.1) over %s', (transport) => {
	const harness = useEngine(transport);

	it('round-trips binary records: blobs as byte strings, timestamps as tag 1 epoch milliseconds', async () => {
		const {url} = harness;
		const name = uniqueName('cbor');
		const before = Date.now();
		expect((await call(url, transport, 'CreateStream', {StreamName: name, ShardCount: 1})).status).toBe(200);

		const summary = (await call(url, transport, 'DescribeStreamSummary', {StreamName: name})).value.StreamDescriptionSummary as Record<
			string,
			unknown
		>;
		expect(summary.StreamARN).toBe(arnOf(name));
		const createdMs = millisOf(summary.StreamCreationTimestamp);
		expect(createdMs).toBeGreaterThanOrEqual(before - 1);
		expect(createdMs).toBeLessThanOrEqual(Date.now());

		const single = await call(url, transport, 'PutRecord', {StreamName: name, PartitionKey: 'bytes', Data: everyByte});
		expect(single.status).toBe(200);
		expect(single.value.ShardId).toBe('shardId-000000000000');
		const batch = [Buffer.alloc(0), Buffer.from([0xff, 0x00, 0xfe]), Buffer.alloc(70_000, 0xab)];
		const many = await call(url, transport, 'PutRecords', {
			StreamName: name,
			Records: batch.map((Data, index) => ({Data, PartitionKey: `p${index}`})),
		});
		expect(many.value.FailedRecordCount).toBe(0);

		const {ShardIterator} = (
			await call(url, transport, 'GetShardIterator', {StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON'})
		).value as {ShardIterator: string};
		const records = (await call(url, transport, 'GetRecords', {ShardIterator})).value.Records as Array<Record<string, unknown>>;
		expect(records.map((record) => record.Data)).toEqual([everyByte, ...batch]);
		expect(records.map((record) => record.PartitionKey)).toEqual(['bytes', 'p0', 'p1', 'p2']);
		expect(records[0]?.SequenceNumber).toBe(single.value.SequenceNumber);
		const arrivals = records.map((record) => millisOf(record.ApproximateArrivalTimestamp));
		for (const arrival of arrivals) {
			expect(Number.isInteger(arrival)).toBe(true);
			expect(arrival).toBeGreaterThanOrEqual(createdMs);
			expect(arrival).toBeLessThanOrEqual(Date.now());
		}

		// A timestamp in a request, as the Java SDK writes it: AT_TIMESTAMP of the batch's arrival finds the batch.
		const atBatch = (
			await call(url, transport, 'GetShardIterator', {
				StreamName: name,
				ShardId: 'shardId-000000000000',
				ShardIteratorType: 'AT_TIMESTAMP',
				Timestamp: new Date(arrivals[1] ?? 0),
			})
		).value as {ShardIterator: string};
		const fromBatch = (await call(url, transport, 'GetRecords', {ShardIterator: atBatch.ShardIterator, Limit: 1})).value.Records as Array<
			Record<string, unknown>
		>;
		expect(fromBatch[0]?.PartitionKey).toBe(arrivals[1] === arrivals[0] ? 'bytes' : 'p0');
	});

	it('answers errors in CBOR with the type in the body and the header', async () => {
		const {url} = harness;
		const missing = await call(url, transport, 'DescribeStreamSummary', {StreamName: 'no-such-stream'});
		expect(missing.status).toBe(400);
		expect(missing.errorType).toBe('ResourceNotFoundException');
		expect(missing.value).toEqual({
			__type: 'ResourceNotFoundException',
			message: `Stream no-such-stream under account ${ACCOUNT} not found.`,
		});

		const invalid = await call(url, transport, 'PutRecord', {StreamName: 'x', PartitionKey: '', Data: Buffer.from('a')});
		expect(invalid.status).toBe(400);
		expect(invalid.value).toEqual({
			__type: 'ValidationException',
			message:
				"1 validation error detected: Value '' at 'partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
		});

		const garbage = await send(url, transport, 'ListStreams', Buffer.from([0xbf, 0x61]));
		expect(garbage.status).toBe(400);
		expect(garbage.contentType).toBe(CBOR);
		// AWS names no reason for a body it cannot parse (kinesalite's suite, test/connection.js assertSerializationCbor).
		expect(readCbor(garbage.body)).toEqual({__type: 'SerializationException'});
	});

	it('refuses a body that is a byte string or a timestamp where the request structure belongs', async () => {
		// Both decode to JavaScript objects, and were once taken as an empty request.
		for (const body of [javaCbor(Buffer.from('bytes')), javaCbor(new Date(0))]) {
			const reply = await send(harness.url, transport, 'DescribeLimits', body);
			expect(reply.status).toBe(400);
			// SerializationException's text is under `Message`, as AWS writes it (kinesalite's suite, test/helpers.js assertSerialization).
			expect(readCbor(reply.body)).toEqual({
				__type: 'SerializationException',
				Message: 'Start of structure or map found where not expected.',
			});
		}
	});
});

describe('SubscribeToShard in CBOR', () => {
	const harness = useEngine('http2', {registerConsumerMs: 0, subscriptionMs: 300});

	it('frames CBOR events: the payload is CBOR, with byte strings and tagged millisecond timestamps', async () => {
		const {url} = harness;
		const name = uniqueName('cbor-efo');
		await call(url, 'http2', 'CreateStream', {StreamName: name, ShardCount: 1});
		await call(url, 'http2', 'PutRecord', {StreamName: name, PartitionKey: 'k', Data: everyByte});
		const registered = (await call(url, 'http2', 'RegisterStreamConsumer', {StreamARN: arnOf(name), ConsumerName: 'java'})).value
			.Consumer as Record<string, unknown>;
		millisOf(registered.ConsumerCreationTimestamp);

		const reply = await send(
			url,
			'http2',
			'SubscribeToShard',
			javaCbor({
				ConsumerARN: registered.ConsumerARN,
				ShardId: 'shardId-000000000000',
				StartingPosition: {Type: 'TRIM_HORIZON'},
			}),
		);
		expect(reply.status).toBe(200);
		expect(reply.contentType).toBe('application/vnd.amazon.eventstream');
		const [initial, first] = decodeEventStream(reply.body);
		expect(initial?.headers).toEqual({':message-type': 'event', ':event-type': 'initial-response', ':content-type': CBOR});
		expect(first?.headers).toEqual({':message-type': 'event', ':event-type': 'SubscribeToShardEvent', ':content-type': CBOR});
		const event = readCbor(first?.body ?? Buffer.alloc(0)) as {Records: Array<Record<string, unknown>>; ContinuationSequenceNumber: string};
		expect(event.Records.map((record) => record.Data)).toEqual([everyByte]);
		millisOf(event.Records[0]?.ApproximateArrivalTimestamp);
		expect(event.ContinuationSequenceNumber).toBe(event.Records[0]?.SequenceNumber);
	});
});
