/** What the client does against each server: one SDK client, PutRecords for a while, then GetRecords to drain. */
import {randomBytes} from 'node:crypto';
import {
	CreateStreamCommand,
	DescribeStreamCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	KinesisClient,
	PutRecordsCommand,
	type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import {sleep} from './processes.js';

export type Transport = 'h2c' | 'HTTP/1.1';

/** The SDK's defaults, but for the endpoint, fake credentials, and (for HTTP/1.1) NodeHttpHandler. */
export function makeClient(url: string, transport: Transport): KinesisClient {
	return new KinesisClient({
		endpoint: url,
		region: 'us-east-1',
		credentials: {accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret'},
		...(transport === 'HTTP/1.1' ? {requestHandler: new NodeHttpHandler()} : {}),
	});
}

const REQUEST_TIMEOUT_MS = 60_000;
const MAX_ERRORS = 20;

export interface Stream {
	readonly name: string;
	readonly shardIds: string[];
	/** How long it stayed CREATING. */
	readonly activeAfterMs: number;
}

export async function createStream(client: KinesisClient, name: string, shardCount: number): Promise<Stream> {
	await client.send(new CreateStreamCommand({StreamName: name, ShardCount: shardCount}), {
		abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
	});
	const started = Date.now();
	while (Date.now() - started < 60_000) {
		const {StreamDescription: description} = await client.send(new DescribeStreamCommand({StreamName: name}), {
			abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
		});
		if (description?.StreamStatus === 'ACTIVE') {
			return {name, shardIds: (description.Shards ?? []).map((shard) => shard.ShardId ?? ''), activeAfterMs: Date.now() - started};
		}
		await sleep(50);
	}
	throw new Error(`stream ${name} not ACTIVE after 60 s`);
}

/** `count` records of `size` random bytes, each with its own partition key, so they spread over the shards. */
export function makeBatch(count: number, size: number): PutRecordsRequestEntry[] {
	return Array.from({length: count}, (_, index) => ({
		Data: randomBytes(size),
		PartitionKey: `pk-${index}-${randomBytes(6).toString('hex')}`,
	}));
}

export interface PutResult {
	readonly records: number;
	readonly failed: number;
	readonly requests: number;
	readonly errors: number;
	readonly elapsedMs: number;
}

/**
 * PutRecords with `concurrency` requests in flight until `seconds` have passed (requests under way
 * then finish and count). Adds what each shard received to `perShard`.
 */
export async function putFor(
	client: KinesisClient,
	stream: Stream,
	batch: PutRecordsRequestEntry[],
	options: {seconds: number; concurrency: number; perShard: Map<string, number>; maxRecords?: number; onProgress?: () => void},
): Promise<PutResult> {
	const started = performance.now();
	const deadline = started + options.seconds * 1000;
	let records = 0;
	let failed = 0;
	let requests = 0;
	let errors = 0;
	let issued = 0;
	let lastError: unknown;
	const worker = async () => {
		while (performance.now() < deadline && (options.maxRecords === undefined || issued < options.maxRecords) && errors <= MAX_ERRORS) {
			issued += batch.length;
			try {
				const output = await client.send(new PutRecordsCommand({StreamName: stream.name, Records: batch}), {
					abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
				});
				requests++;
				for (const entry of output.Records ?? []) {
					if (entry.ShardId === undefined || entry.ErrorCode !== undefined) {
						failed++;
						continue;
					}
					records++;
					options.perShard.set(entry.ShardId, (options.perShard.get(entry.ShardId) ?? 0) + 1);
				}
				options.onProgress?.();
			} catch (error) {
				issued -= batch.length;
				errors++;
				lastError = error;
				await sleep(100);
			}
		}
	};
	await Promise.all(Array.from({length: options.concurrency}, worker));
	if (errors > MAX_ERRORS) throw new Error(`PutRecords failed ${errors} times; last: ${describe(lastError)}`);
	return {records, failed, requests, errors, elapsedMs: performance.now() - started};
}

export interface DrainResult {
	readonly records: number;
	readonly bytes: number;
	readonly requests: number;
	readonly elapsedMs: number;
	/** Shards where fewer records came back than were written, when the time ran out or reads came back empty. */
	readonly short: string[];
}

/**
 * Reads every shard from TRIM_HORIZON with GetRecords (one reader per shard, all at once) until it has
 * returned as many records as were written to it, or `seconds` have passed.
 */
export async function drain(
	client: KinesisClient,
	stream: Stream,
	options: {expected: Map<string, number>; limit: number; seconds: number; onProgress?: () => void},
): Promise<DrainResult> {
	const iterators = await Promise.all(
		stream.shardIds.map(async (shardId) => {
			const output = await client.send(
				new GetShardIteratorCommand({StreamName: stream.name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON'}),
				{
					abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
				},
			);
			return {shardId, iterator: output.ShardIterator};
		}),
	);
	const started = performance.now();
	const deadline = started + options.seconds * 1000;
	let records = 0;
	let bytes = 0;
	let requests = 0;
	const short: string[] = [];
	await Promise.all(
		iterators.map(async ({shardId, iterator: first}) => {
			const expected = options.expected.get(shardId) ?? 0;
			let iterator = first;
			let received = 0;
			let empties = 0;
			let errors = 0;
			while (iterator && received < expected && performance.now() < deadline) {
				try {
					const output = await client.send(new GetRecordsCommand({ShardIterator: iterator, Limit: options.limit}), {
						abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
					});
					requests++;
					const got = output.Records ?? [];
					received += got.length;
					for (const record of got) bytes += record.Data?.length ?? 0;
					empties = got.length === 0 ? empties + 1 : 0;
					if (empties >= 5) break;
					iterator = output.NextShardIterator;
					options.onProgress?.();
				} catch (error) {
					if (++errors > MAX_ERRORS) throw new Error(`GetRecords on ${shardId} failed ${errors} times; last: ${describe(error)}`);
					await sleep(100);
				}
			}
			records += received;
			if (received < expected) short.push(`${shardId}: ${received}/${expected}`);
		}),
	);
	return {records, bytes, requests, elapsedMs: performance.now() - started, short};
}

export function describe(error: unknown): string {
	if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
	return String(error);
}
