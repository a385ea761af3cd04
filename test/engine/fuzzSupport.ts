import http from 'node:http';
import http2 from 'node:http2';
import {writeFileSync} from 'node:fs';
import {
	DescribeStreamCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	type KinesisClient,
	ListShardsCommand,
	PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {expect} from 'vitest';
import {createStream} from './support.js';

/**
 * What the fuzz tests share: the seed and the run count (FUZZ_SEED, FUZZ_RUNS), raw HTTP/1.1 and
 * HTTP/2 clients that send whatever bytes they are given and report a closed connection as an
 * outcome rather than an error, a tally of outcomes by AWS error type, and a stream of known records
 * whose bytes are compared before and after the run.
 */
export const FUZZ_SEED = envNumber('FUZZ_SEED', 20_240_815);
/** How many generated requests the body fuzz sends (the transport fuzz scales its rounds with it). */
export const FUZZ_RUNS = envNumber('FUZZ_RUNS', 10_000);

function envNumber(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, not ${raw}`);
	return value;
}

/** A request as the fuzzers send it: any method, any headers (undefined leaves one out), any body. */
export interface RawCall {
	readonly method: string;
	readonly headers: Readonly<Record<string, string | undefined>>;
	readonly body: Buffer;
}

export type Outcome =
	| {readonly kind: 'response'; readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: Buffer}
	| {readonly kind: 'closed'; readonly reason: string};

const CLIENT_TIMEOUT_MS = 15_000;

function definedHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
	return out;
}

/** HTTP/1.1 over a keep-alive agent: the way the AWS CLI reaches the engine, many requests a connection. */
export class Http1Client {
	private readonly agent = new http.Agent({keepAlive: true, maxSockets: 8});
	constructor(private readonly url: string) {}

	send(call: RawCall): Promise<Outcome> {
		return new Promise((resolve) => {
			const headers = {...definedHeaders(call.headers), 'content-length': String(call.body.length)};
			const request = http.request(this.url, {method: call.method, headers, agent: this.agent, timeout: CLIENT_TIMEOUT_MS}, (response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () =>
					resolve({kind: 'response', status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks)}),
				);
				response.on('error', (error) => resolve({kind: 'closed', reason: error.message}));
			});
			request.on('timeout', () => request.destroy(new Error(`no answer in ${CLIENT_TIMEOUT_MS} ms`)));
			request.on('error', (error) => resolve({kind: 'closed', reason: error.message}));
			request.end(call.body);
		});
	}

	close(): void {
		this.agent.destroy();
	}
}

/** Prior-knowledge HTTP/2 over one session at a time, as the JavaScript SDK does; a new session when the last one went away. */
export class Http2Client {
	private session: http2.ClientHttp2Session | undefined;
	constructor(private readonly url: string) {}

	private current(): http2.ClientHttp2Session {
		if (!this.session || this.session.closed || this.session.destroyed) {
			// Room for the oversized bodies the fuzzer sends (Node's default of 10 MB would end the session itself).
			const session = http2.connect(this.url, {maxSessionMemory: 128});
			session.on('error', () => undefined);
			session.on('goaway', () => {
				if (this.session === session) this.session = undefined;
			});
			this.session = session;
		}
		return this.session;
	}

	send(call: RawCall): Promise<Outcome> {
		return new Promise((resolve) => {
			let stream: http2.ClientHttp2Stream;
			try {
				// Node ends GET, HEAD and DELETE streams at once unless told not to: these carry bodies too.
				stream = this.current().request(
					{':method': call.method, ':path': '/', ...definedHeaders(call.headers), 'content-length': String(call.body.length)},
					{endStream: false},
				);
			} catch (error) {
				this.session = undefined;
				resolve({kind: 'closed', reason: (error as Error).message});
				return;
			}
			const timer = setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), CLIENT_TIMEOUT_MS);
			let status = 0;
			let headers: http.IncomingHttpHeaders = {};
			const chunks: Buffer[] = [];
			stream.on('response', (received) => {
				status = Number(received[':status']);
				headers = received;
			});
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', () => {
				clearTimeout(timer);
				resolve({kind: 'response', status, headers, body: Buffer.concat(chunks)});
			});
			stream.on('close', () => {
				clearTimeout(timer);
				// After 'end' this changes nothing; before it, the stream was reset or the session went away.
				resolve({kind: 'closed', reason: `stream closed with code ${stream.rstCode ?? 'none'}`});
			});
			stream.on('error', () => undefined);
			stream.end(call.body);
		});
	}

	close(): void {
		this.session?.destroy();
		this.session = undefined;
	}
}

/** Counts outcomes by name (an AWS error type, `200 OK`, `closed`, ...) and prints them as a table. */
export class Tally {
	private readonly counts = new Map<string, number>();

	add(key: string, count = 1): void {
		this.counts.set(key, (this.counts.get(key) ?? 0) + count);
	}

	get total(): number {
		let total = 0;
		for (const count of this.counts.values()) total += count;
		return total;
	}

	entries(): Array<[string, number]> {
		return [...this.counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
	}

	/** A Markdown table, for the console and for FUZZ_REPORT. */
	table(title: string): string {
		const rows = this.entries().map(([key, count]) => `| ${key} | ${count.toLocaleString('en-US')} |`);
		return [
			`${title} (seed ${FUZZ_SEED})`,
			'',
			'| outcome | requests |',
			'| --- | ---: |',
			...rows,
			`| **total** | **${this.total.toLocaleString('en-US')}** |`,
		].join('\n');
	}

	/** Prints the table, and appends it to the file FUZZ_REPORT names, if any. */
	report(title: string): void {
		const table = this.table(title);
		console.log(table);
		const file = process.env.FUZZ_REPORT;
		if (file) writeFileSync(file, `${table}\n\n`, {flag: 'a'});
	}
}

/** Signature-shaped headers: the engine checks that a SigV4 signature is present, not that it is right. */
export const SIGNED = {
	'x-amz-date': '20240115T120000Z',
	authorization:
		'AWS4-HMAC-SHA256 Credential=AKIDENGINETEST/20240115/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef',
} as const;

export interface GuardedRecord {
	readonly shardId: string;
	readonly sequenceNumber: string;
	readonly partitionKey: string;
	readonly data: string;
	readonly arrival: number;
	readonly encryption: string | undefined;
}

/** Creates a stream of three shards and writes records of many shapes into it: binary, empty, 256-character and non-ASCII keys. */
export async function createGuardedStream(client: KinesisClient, name: string): Promise<void> {
	await createStream(client, name, 3);
	const entries = Array.from({length: 60}, (_, index) => ({
		PartitionKey: index % 7 === 0 ? 'k'.repeat(256) : index % 5 === 0 ? `clé-${index}-🔑` : `key-${index}`,
		Data:
			index % 11 === 0 ? new Uint8Array() : Buffer.from(Array.from({length: 1 + ((index * 37) % 300)}, (_, byte) => (byte * index) % 256)),
		...(index % 13 === 0 ? {ExplicitHashKey: String(2n ** 128n - 1n - BigInt(index))} : {}),
	}));
	const written = await client.send(new PutRecordsCommand({StreamName: name, Records: entries}));
	expect(written.FailedRecordCount).toBe(0);
}

/** Every record of a stream, shard by shard, with its bytes, key, sequence number and arrival time; and the shard map. */
export async function snapshot(client: KinesisClient, name: string): Promise<{shards: unknown; records: GuardedRecord[]}> {
	const {StreamDescription} = await client.send(new DescribeStreamCommand({StreamName: name}));
	const {Shards = []} = await client.send(new ListShardsCommand({StreamName: name}));
	const records: GuardedRecord[] = [];
	for (const shard of Shards) {
		const shardId = shard.ShardId ?? '';
		let iterator = (await client.send(new GetShardIteratorCommand({StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON'})))
			.ShardIterator;
		while (iterator) {
			const page = await client.send(new GetRecordsCommand({ShardIterator: iterator}));
			for (const record of page.Records ?? []) {
				records.push({
					shardId,
					sequenceNumber: record.SequenceNumber ?? '',
					partitionKey: record.PartitionKey ?? '',
					data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
					arrival: record.ApproximateArrivalTimestamp?.getTime() ?? 0,
					encryption: record.EncryptionType,
				});
			}
			if ((page.Records ?? []).length === 0) break;
			iterator = page.NextShardIterator;
		}
	}
	return {
		shards: {
			status: StreamDescription?.StreamStatus,
			retention: StreamDescription?.RetentionPeriodHours,
			encryption: StreamDescription?.EncryptionType,
			shards: Shards,
		},
		records,
	};
}

/** Runs tasks with at most `limit` in flight. */
export async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array<R>(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await task(items[index] as T, index);
		}
	};
	await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
	return results;
}
