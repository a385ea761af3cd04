/**
 * The clients of the load benchmark (bench/load.ts), run in a worker thread: each plan is one
 * `@aws-sdk/client-kinesis` client with its own connections (the SDK's default HTTP/2 handler or
 * NodeHttpHandler over HTTP/1.1), doing what one real program would:
 *   - batch writer: PutRecords of one record per key it owns, paced to its rate;
 *   - single writer: PutRecord, one key after another, paced to its rate;
 *   - reader: one consumer application's share of the shards, ListShards once, then GetShardIterator
 *     (TRIM_HORIZON) and GetRecords every `pollMs` per shard, as KCL's polling consumers do;
 *   - monitor: DescribeStreamSummary and ListShards in turn, as a dashboard does.
 * A key has one record in flight at a time: its next record is sent only once the last one is
 * acknowledged, so every key's records are written in order, and a refused record is sent again with
 * the same number. Record data: `KEY NUMBER SENT_AT_MS ` padded with dots.
 * The SDK's own retries are off (maxAttempts 1) so that every throttle and error is counted; the
 * loops here retry with backoff instead.
 */
import {createHistogram, monitorEventLoopDelay, type RecordableHistogram} from 'node:perf_hooks';
import {parentPort, workerData} from 'node:worker_threads';
import {
	DescribeStreamSummaryCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	KinesisClient,
	ListShardsCommand,
	PutRecordCommand,
	PutRecordsCommand,
	type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import type {Transport} from './workload.js';

export type Role = 'batch-writer' | 'single-writer' | 'reader' | 'monitor';

export interface ClientPlan {
	readonly index: number;
	readonly role: Role;
	readonly transport: Transport;
	/** Writers: records/s offered. */
	readonly rate?: number;
	/** Writers: how many partition keys it owns (a batch writer's PutRecords carry one record of each). */
	readonly keys?: number;
	/** Readers: the consumer application, and the shards it tails for it. */
	readonly application?: string;
	readonly shardIds?: readonly string[];
}

export interface WorkerInput {
	readonly url: string;
	readonly stream: string;
	/** Epoch ms at which every client starts; the figures count from `warmupMs` later, for `seconds`, when writers stop. */
	readonly startAt: number;
	readonly warmupMs: number;
	readonly seconds: number;
	readonly recordBytes: number;
	readonly pollMs: number;
	/** After the window, readers keep reading until caught up, for at most this long. */
	readonly catchUpMs: number;
	readonly clients: readonly ClientPlan[];
}

/** What a key's writer had acknowledged: how many records, and where the last one went. */
export interface KeyAck {
	readonly key: string;
	readonly acked: number;
	readonly lastSequenceNumber?: string;
	readonly shardId?: string;
}

export interface WorkerOutput {
	/** Latency of requests started within the window, in µs, by `operation transport`. */
	readonly latency: Record<string, RecordableHistogram>;
	/** Record written (the send of its PutRecord(s) attempt) to read by a tail, in µs. */
	readonly endToEnd: RecordableHistogram;
	/** Requests started within the window, by operation. */
	readonly requests: Record<string, number>;
	/** Errors thrown by requests started within the window, by operation then error name. */
	readonly errors: Record<string, Record<string, number>>;
	/** PutRecords entries refused (ErrorCode), by code. */
	readonly entryErrors: Record<string, number>;
	/** Records sent and acknowledged by writes started within the window (the keys hold every acknowledgement). */
	readonly recordsOffered: number;
	readonly recordsIn: number;
	/** Records returned by the tails' GetRecords started within the window. */
	readonly recordsOut: number;
	/** Requests that failed without an answer (timeouts, resets): their records may or may not be stored. */
	readonly unknownOutcome: number;
	/** Records a tail saw whose number was not the key's last + 1 (a repeat, or one skipped). */
	readonly tailOutOfSequence: number;
	/** Records the tails read after the window, catching up. */
	readonly caughtUpRecords: number;
	/** Tails that had not caught up when `catchUpMs` ran out. */
	readonly tailsBehind: number;
	readonly keys: KeyAck[];
	/** This thread's event-loop delay over the window, in ms. */
	readonly loopDelay: {p50: number; p99: number; max: number};
}

export const THROTTLES = new Set(['ProvisionedThroughputExceededException', 'LimitExceededException', 'ThrottlingException']);
/** Errors of requests that may have been carried out although no answer came. */
const UNKNOWN_OUTCOME = new Set([
	'TimeoutError',
	'AbortError',
	'RequestTimeout',
	'ECONNRESET',
	'EPIPE',
	'ERR_HTTP2_STREAM_ERROR',
	'ERR_HTTP2_SESSION_ERROR',
]);
const REQUEST_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function errorName(error: unknown): string {
	if (error instanceof Error) {
		const code = (error as Error & {code?: unknown}).code;
		if (typeof code === 'string' && code !== error.name && (error.name === 'Error' || error.name === 'TypeError')) return code;
		return error.name;
	}
	return typeof error;
}

class Stats {
	readonly latency: Record<string, RecordableHistogram> = {};
	readonly endToEnd = createHistogram();
	readonly requests: Record<string, number> = {};
	readonly errors: Record<string, Record<string, number>> = {};
	readonly entryErrors: Record<string, number> = {};
	recordsOffered = 0;
	recordsIn = 0;
	recordsOut = 0;
	unknownOutcome = 0;
	tailOutOfSequence = 0;
	caughtUpRecords = 0;
	tailsBehind = 0;

	constructor(
		private readonly windowStart: number,
		private readonly windowEnd: number,
	) {}

	inWindow(startedAt: number): boolean {
		return startedAt >= this.windowStart && startedAt < this.windowEnd;
	}

	/** Sends a command, timing it; throws what the SDK throws, after counting it. */
	async timed<T>(operation: string, transport: Transport, send: () => Promise<T>): Promise<T> {
		const startedAt = Date.now();
		const started = performance.now();
		const counted = this.inWindow(startedAt);
		if (counted) this.requests[operation] = (this.requests[operation] ?? 0) + 1;
		try {
			const result = await send();
			if (counted) this.histogram(`${operation} ${transport}`).record(Math.max(1, Math.round((performance.now() - started) * 1000)));
			return result;
		} catch (error) {
			const name = errorName(error);
			if (counted) {
				const byName = (this.errors[operation] ??= {});
				byName[name] = (byName[name] ?? 0) + 1;
				// A throttle is an answer too: its latency counts.
				if (THROTTLES.has(name))
					this.histogram(`${operation} ${transport}`).record(Math.max(1, Math.round((performance.now() - started) * 1000)));
			}
			if (UNKNOWN_OUTCOME.has(name) && operation.startsWith('Put')) this.unknownOutcome++;
			throw error;
		}
	}

	private histogram(name: string): RecordableHistogram {
		return (this.latency[name] ??= createHistogram());
	}
}

function makeClient(url: string, transport: Transport): KinesisClient {
	return new KinesisClient({
		endpoint: url,
		region: 'us-east-1',
		credentials: {accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret'},
		maxAttempts: 1,
		...(transport === 'HTTP/1.1' ? {requestHandler: new NodeHttpHandler()} : {}),
	});
}

/** When the writers stop, and the window of the figures ends. */
const endOf = (input: WorkerInput) => input.startAt + input.warmupMs + input.seconds * 1000;

const signal = () => ({abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});

class Key {
	next = 0;
	lastSequenceNumber: string | undefined;
	shardId: string | undefined;
	constructor(readonly name: string) {}
}

function recordData(key: Key, bytes: number): Uint8Array {
	const text = `${key.name} ${key.next} ${Date.now()} `;
	return Buffer.from(text.length >= bytes ? text : text.padEnd(bytes, '.'), 'latin1');
}

/** Paces a loop to `perSecond` iterations: waits for the next slot, never building up a debt to burst through. */
function pacer(perSecond: number, startAt: number) {
	const interval = 1000 / perSecond;
	let next = startAt;
	return async () => {
		const now = Date.now();
		// More than a slot behind (a slow answer): start again from now rather than catch up in a burst.
		if (next < now - interval) next = now;
		await sleep(next - now);
		next += interval;
	};
}

async function batchWriter(client: KinesisClient, plan: ClientPlan, input: WorkerInput, stats: Stats, keys: Key[]): Promise<void> {
	const deadline = endOf(input);
	const wait = pacer((plan.rate ?? 100) / keys.length, input.startAt);
	while (true) {
		await wait();
		if (Date.now() >= deadline) break;
		const records: PutRecordsRequestEntry[] = keys.map((key) => ({PartitionKey: key.name, Data: recordData(key, input.recordBytes)}));
		const counted = stats.inWindow(Date.now());
		if (counted) stats.recordsOffered += records.length;
		try {
			const output = await stats.timed('PutRecords', plan.transport, () =>
				client.send(new PutRecordsCommand({StreamName: input.stream, Records: records}), signal()),
			);
			(output.Records ?? []).forEach((entry, index) => {
				const key = keys[index]!;
				if (entry.SequenceNumber !== undefined && entry.ErrorCode === undefined) {
					key.next++;
					key.lastSequenceNumber = entry.SequenceNumber;
					key.shardId = entry.ShardId;
					if (counted) stats.recordsIn++;
				} else if (counted) {
					const code = entry.ErrorCode ?? 'no SequenceNumber';
					stats.entryErrors[code] = (stats.entryErrors[code] ?? 0) + 1;
				}
			});
		} catch {
			await sleep(200);
		}
	}
}

async function singleWriter(client: KinesisClient, plan: ClientPlan, input: WorkerInput, stats: Stats, keys: Key[]): Promise<void> {
	const deadline = endOf(input);
	const wait = pacer(plan.rate ?? 10, input.startAt);
	for (let turn = 0; ; turn++) {
		await wait();
		if (Date.now() >= deadline) break;
		const key = keys[turn % keys.length]!;
		const counted = stats.inWindow(Date.now());
		if (counted) stats.recordsOffered++;
		try {
			const output = await stats.timed('PutRecord', plan.transport, () =>
				client.send(
					new PutRecordCommand({StreamName: input.stream, PartitionKey: key.name, Data: recordData(key, input.recordBytes)}),
					signal(),
				),
			);
			key.next++;
			key.lastSequenceNumber = output.SequenceNumber;
			key.shardId = output.ShardId;
			if (counted) stats.recordsIn++;
		} catch (error) {
			// The key stays where it was: the same record goes again at its next turn.
			if (!THROTTLES.has(errorName(error))) await sleep(200);
		}
	}
}

async function reader(client: KinesisClient, plan: ClientPlan, input: WorkerInput, stats: Stats): Promise<void> {
	const deadline = endOf(input);
	const giveUp = deadline + input.catchUpMs;
	// A consumer's records per key: each must be the last one + 1.
	const lastOfKey = new Map<string, number>();
	await sleep(input.startAt - Date.now());
	const shards = new Set(plan.shardIds ?? []);
	// Finds its shards as a consumer does (and checks they are there).
	for (let attempt = 0; ; attempt++) {
		try {
			const listed = await stats.timed('ListShards', plan.transport, () =>
				client.send(new ListShardsCommand({StreamName: input.stream}), signal()),
			);
			const known = new Set((listed.Shards ?? []).map((shard) => shard.ShardId));
			for (const shardId of shards) if (!known.has(shardId)) throw new Error(`ListShards does not list ${shardId}`);
			break;
		} catch (error) {
			if (attempt >= 20) throw error;
			await sleep(500);
		}
	}
	await Promise.all(
		[...shards].map(async (shardId) => {
			let iterator: string | undefined;
			let after: string | undefined;
			while (Date.now() < giveUp) {
				const startedAt = Date.now();
				try {
					if (iterator === undefined) {
						const output = await stats.timed('GetShardIterator', plan.transport, () =>
							client.send(
								new GetShardIteratorCommand({
									StreamName: input.stream,
									ShardId: shardId,
									...(after === undefined
										? {ShardIteratorType: 'TRIM_HORIZON'}
										: {ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after}),
								}),
								signal(),
							),
						);
						iterator = output.ShardIterator;
						if (iterator === undefined) throw new Error(`no iterator for ${shardId}`);
					}
					const current = iterator;
					const output = await stats.timed('GetRecords', plan.transport, () =>
						client.send(new GetRecordsCommand({ShardIterator: current, Limit: 10_000}), signal()),
					);
					iterator = output.NextShardIterator;
					const records = output.Records ?? [];
					const now = Date.now();
					for (const record of records) {
						const [key = '', number = '', sentAt = ''] = Buffer.from(record.Data ?? new Uint8Array())
							.toString('latin1')
							.split(' ', 3);
						const n = Number(number);
						const last = lastOfKey.get(key) ?? -1;
						if (n !== last + 1) stats.tailOutOfSequence++;
						lastOfKey.set(key, Math.max(last, n));
						if (stats.inWindow(startedAt)) stats.endToEnd.record(Math.max(1, (now - Number(sentAt)) * 1000));
						after = record.SequenceNumber;
					}
					if (stats.inWindow(startedAt)) stats.recordsOut += records.length;
					else if (startedAt >= deadline) stats.caughtUpRecords += records.length;
					// Caught up once the writers have stopped (and their last requests are answered).
					if (startedAt > deadline + 2000 && records.length === 0 && (output.MillisBehindLatest ?? 0) === 0) return;
					await sleep(input.pollMs - (Date.now() - startedAt));
				} catch (error) {
					const name = errorName(error);
					if (name === 'ExpiredIteratorException') iterator = undefined;
					await sleep(THROTTLES.has(name) ? 1000 : 500);
				}
			}
			stats.tailsBehind++;
		}),
	);
}

async function monitor(client: KinesisClient, plan: ClientPlan, input: WorkerInput, stats: Stats): Promise<void> {
	const deadline = endOf(input);
	const wait = pacer(plan.rate ?? 2, input.startAt);
	for (let turn = 0; ; turn++) {
		await wait();
		if (Date.now() >= deadline) break;
		try {
			if (turn % 2 === 0) {
				await stats.timed('DescribeStreamSummary', plan.transport, () =>
					client.send(new DescribeStreamSummaryCommand({StreamName: input.stream}), signal()),
				);
			} else {
				await stats.timed('ListShards', plan.transport, () => client.send(new ListShardsCommand({StreamName: input.stream}), signal()));
			}
		} catch {
			// counted
		}
	}
}

/** The clients of some plans, each warmed up by one DescribeStreamSummary (its connection open, the SDK's code loaded and compiled). */
export async function prepareClients(input: Omit<WorkerInput, 'startAt'>): Promise<KinesisClient[]> {
	const clients = input.clients.map((plan) => makeClient(input.url, plan.transport));
	await Promise.all(clients.map((client) => client.send(new DescribeStreamSummaryCommand({StreamName: input.stream}), signal())));
	return clients;
}

export async function runClients(clients: readonly KinesisClient[], input: WorkerInput): Promise<WorkerOutput> {
	const stats = new Stats(input.startAt + input.warmupMs, endOf(input));
	const allKeys: Key[] = [];
	const loop = monitorEventLoopDelay({resolution: 10});
	const work = input.clients.map((plan, index) => {
		const client = clients[index]!;
		const keys = Array.from({length: plan.keys ?? 0}, (_, index) => new Key(`c${plan.index}-k${index}`));
		allKeys.push(...keys);
		switch (plan.role) {
			case 'batch-writer':
				return batchWriter(client, plan, input, stats, keys);
			case 'single-writer':
				return singleWriter(client, plan, input, stats, keys);
			case 'reader':
				return reader(client, plan, input, stats);
			case 'monitor':
				return monitor(client, plan, input, stats);
		}
	});
	await sleep(input.startAt + input.warmupMs - Date.now());
	loop.enable();
	setTimeout(() => loop.disable(), input.seconds * 1000).unref();
	try {
		await Promise.all(work);
	} finally {
		loop.disable();
		for (const client of clients) client.destroy();
	}
	return {
		latency: stats.latency,
		endToEnd: stats.endToEnd,
		requests: stats.requests,
		errors: stats.errors,
		entryErrors: stats.entryErrors,
		recordsOffered: stats.recordsOffered,
		recordsIn: stats.recordsIn,
		recordsOut: stats.recordsOut,
		unknownOutcome: stats.unknownOutcome,
		tailOutOfSequence: stats.tailOutOfSequence,
		caughtUpRecords: stats.caughtUpRecords,
		tailsBehind: stats.tailsBehind,
		keys: allKeys.map((key) => ({
			key: key.name,
			acked: key.next,
			...(key.lastSequenceNumber === undefined ? {} : {lastSequenceNumber: key.lastSequenceNumber}),
			...(key.shardId === undefined ? {} : {shardId: key.shardId}),
		})),
		loopDelay: {p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6},
	};
}

// As a worker thread (started by bench/load.ts): says it is loaded; given its plans, makes and warms up
// its clients and says so; given the start time, runs them and posts the figures back.
if (parentPort && (workerData as {loadClients?: boolean} | null)?.loadClients) {
	const port = parentPort;
	const fail = (error: unknown) => port.postMessage({error: error instanceof Error ? (error.stack ?? error.message) : String(error)});
	port.once('message', (plans: Omit<WorkerInput, 'startAt'>) => {
		prepareClients(plans).then((clients) => {
			port.once('message', ({startAt}: {startAt: number}) =>
				runClients(clients, {...plans, startAt}).then((output) => port.postMessage({output}), fail),
			);
			port.postMessage({warm: true});
		}, fail);
	});
	port.postMessage({ready: true});
}
