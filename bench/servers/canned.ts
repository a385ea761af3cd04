/**
 * The SDK's ceiling: a server that does no work. It answers every Kinesis call the benchmark makes
 * with a precomputed valid response (PutRecords: 500 records spread over the shards; GetRecords:
 * 10,000 records like those the benchmark writes: 100 random bytes and its kind of partition key,
 * so that the client decodes the same content from it as from a real server), over HTTP/1.1 and
 * prior-knowledge HTTP/2 on one port.
 *   node --import tsx bench/servers/canned.ts --shards 4 [--spin-ms 1] [--empty-reads] [--delay-ms 20]
 * With --spin-ms it spends that much CPU (user + system) before each PutRecords answer, and nothing
 * else: a calibration of what a server's CPU per call costs the client's rate on this machine. With
 * --empty-reads GetRecords answers no records, as an idle stream's shards do: the start of a tail of
 * every shard (bench/tailStart.ts) with a server that does next to nothing. ListShards pages through
 * the shards as Kinesis does (MaxResults, NextToken). With --delay-ms every answer is held that long
 * (a timer, no CPU): a stand-in for the round trip to a region, which bounds a tail's start at its calls
 * times the round trip over the calls in flight.
 * Prints `READY {"url": ...}`; exits when stdin ends or on SIGTERM.
 */
import http, {type IncomingMessage, type ServerResponse} from 'node:http';
import http2, {type Http2ServerRequest, type Http2ServerResponse} from 'node:http2';
import net, {type AddressInfo} from 'node:net';
import {parseArgs} from 'node:util';
import type {PutRecordsRequestEntry} from '@aws-sdk/client-kinesis';
import {makeBatch} from '../lib/workload.js';

const {values} = parseArgs({
	options: {
		shards: {type: 'string', default: '4'},
		'spin-ms': {type: 'string', default: '0'},
		'empty-reads': {type: 'boolean', default: false},
		'delay-ms': {type: 'string', default: '0'},
	},
});
const shards = Number(values.shards);
const spinMicros = Number(values['spin-ms']) * 1000;
if (!(spinMicros >= 0)) throw new Error(`--spin-ms must be a number of milliseconds, not ${values['spin-ms']}`);
const delayMs = Number(values['delay-ms']);
if (!(delayMs >= 0)) throw new Error(`--delay-ms must be a number of milliseconds, not ${values['delay-ms']}`);

/** Busy until this process has used spinMicros more of CPU. */
function spin(): void {
	const cpu = (usage: NodeJS.CpuUsage) => usage.user + usage.system;
	const until = cpu(process.cpuUsage()) + spinMicros;
	while (cpu(process.cpuUsage()) < until);
}

const shardId = (index: number) => `shardId-${String(index).padStart(12, '0')}`;
const sequence = (n: number) => '4' + '1'.repeat(30) + String(n).padStart(25, '0');
const now = Date.now() / 1000;
const written = makeBatch(500, 100);

const streamArn = 'arn:aws:kinesis:us-east-1:000000000000:stream/bench';
const shardList = Array.from({length: shards}, (_, index) => ({
	ShardId: shardId(index),
	HashKeyRange: {StartingHashKey: '0', EndingHashKey: '1'},
	SequenceNumberRange: {StartingSequenceNumber: sequence(0)},
}));

const bodies: Record<string, Buffer> = {
	CreateStream: json({}),
	DeleteStream: json({}),
	DescribeStreamSummary: json({
		StreamDescriptionSummary: {
			StreamName: 'bench',
			StreamARN: streamArn,
			StreamStatus: 'ACTIVE',
			StreamModeDetails: {StreamMode: 'PROVISIONED'},
			RetentionPeriodHours: 24,
			StreamCreationTimestamp: now,
			EnhancedMonitoring: [{ShardLevelMetrics: []}],
			EncryptionType: 'NONE',
			OpenShardCount: shards,
			ConsumerCount: 0,
		},
	}),
	DescribeStream: json({
		StreamDescription: {
			StreamName: 'bench',
			StreamARN: streamArn,
			StreamStatus: 'ACTIVE',
			StreamModeDetails: {StreamMode: 'PROVISIONED'},
			Shards: shardList,
			HasMoreShards: false,
			RetentionPeriodHours: 24,
			StreamCreationTimestamp: now,
			EnhancedMonitoring: [{ShardLevelMetrics: []}],
			EncryptionType: 'NONE',
		},
	}),
	GetShardIterator: json({ShardIterator: 'AAAA'.repeat(50)}),
	PutRecords: json({
		FailedRecordCount: 0,
		Records: Array.from({length: 500}, (_, n) => ({SequenceNumber: sequence(n), ShardId: shardId(n % shards)})),
		EncryptionType: 'NONE',
	}),
	GetRecords: json({
		Records: Array.from({length: values['empty-reads'] ? 0 : 10_000}, (_, n) => {
			const record = written[n % written.length] as PutRecordsRequestEntry;
			return {
				SequenceNumber: sequence(n),
				ApproximateArrivalTimestamp: now,
				Data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
				PartitionKey: record.PartitionKey,
			};
		}),
		NextShardIterator: 'AAAA'.repeat(50),
		MillisBehindLatest: 0,
	}),
};

function json(value: unknown): Buffer {
	return Buffer.from(JSON.stringify(value));
}

/** A page of ListShards, from the request's MaxResults (1,000 if none) and NextToken (where the page before ended). */
function listShards(request: Buffer): Buffer {
	const {MaxResults: max = 1000, NextToken: token} = JSON.parse(request.toString() || '{}') as {MaxResults?: number; NextToken?: string};
	const from = token === undefined ? 0 : Number(token);
	return json({Shards: shardList.slice(from, from + max), ...(from + max < shards ? {NextToken: String(from + max)} : {})});
}

function answer(request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) {
	const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
	// Only ListShards' body is read: keeping any other (a PutRecords' 90 KB) would be work the ceiling does not do.
	const chunks: Buffer[] = [];
	request.on('data', operation === 'ListShards' ? (chunk: Buffer) => chunks.push(chunk) : () => {});
	request.on('end', () => (delayMs > 0 ? setTimeout(reply, delayMs) : reply()));
	const reply = () => {
		const body = operation === 'ListShards' ? listShards(Buffer.concat(chunks)) : bodies[operation];
		if (!body) {
			const error = json({__type: 'UnknownOperationException', message: `canned server: no ${operation}`});
			response.writeHead(400, {'content-type': 'application/x-amz-json-1.1', 'content-length': String(error.length)});
			response.end(error);
			return;
		}
		if (spinMicros > 0 && operation === 'PutRecords') spin();
		response.writeHead(200, {'content-type': 'application/x-amz-json-1.1', 'content-length': String(body.length)});
		response.end(body);
	};
}

const h1 = http.createServer({keepAliveTimeout: 60_000}, answer);
const h2 = http2.createServer({settings: {initialWindowSize: 8 * 1024 * 1024, maxConcurrentStreams: 1000}}, answer);
h2.on('session', (session) => session.on('localSettings', () => session.setLocalWindowSize(8 * 1024 * 1024)));
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const tcp = net.createServer((socket) => {
	socket.on('error', () => socket.destroy());
	let seen = Buffer.alloc(0);
	const onData = (chunk: Buffer) => {
		seen = Buffer.concat([seen, chunk]);
		const compared = Math.min(seen.length, PREFACE.length);
		const isH2 = seen.subarray(0, compared).equals(PREFACE.subarray(0, compared));
		if (isH2 && seen.length < PREFACE.length) return;
		socket.off('data', onData);
		socket.pause();
		socket.unshift(seen);
		if (isH2) {
			h2.emit('connection', socket);
		} else {
			h1.emit('connection', socket);
			socket.resume();
		}
	};
	socket.on('data', onData);
});
tcp.listen(0, '127.0.0.1', () => {
	console.log(`READY ${JSON.stringify({url: `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`})}`);
});

process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
