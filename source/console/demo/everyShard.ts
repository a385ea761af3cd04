import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {describeError} from '../aws/errors.js';
import {sleep} from '../aws/retry.js';
import {listAllShards} from '../aws/shards.js';
import {shardView} from '../streams.js';
import type {TailEvent} from '../tail/events.js';
import {PollScheduler} from '../tail/pollScheduler.js';
import {readShard, type ShardReadResult} from '../tail/shardReader.js';
import {LATEST, TRIM_HORIZON, type StartPosition} from '../tail/positions.js';

export interface EveryShardOptions {
	readonly kinesis: KinesisClient;
	readonly stream: string;
	readonly signal: AbortSignal;
	/** Where the shards open at the start are read from; their children are read from TRIM_HORIZON. */
	readonly from: StartPosition;
	/** Reads one shard until it ends or the signal aborts. */
	readonly read: (shardId: string, from: StartPosition) => Promise<ShardReadResult>;
	readonly onError: (message: string) => void;
	/** How often the shards are listed again, for a split or merge made meanwhile. Default 30 s. */
	readonly relistEveryMs?: number;
}

/**
 * A reader per shard, as Lambda's and Firehose's pollers and a fan-out consumer read a stream: the
 * shards open at the start from `from`, and a child once its parents are read to their end (so each
 * key's records stay in order across a reshard), found by listing the shards again when a parent ends
 * and every `relistEveryMs`. Resolves once every reader has stopped.
 */
export async function readEveryShard(options: EveryShardOptions): Promise<void> {
	const {kinesis, stream, signal} = options;
	const started = new Set<string>();
	const ended = new Set<string>();
	const readers: Array<Promise<void>> = [];
	let first = true;
	/** Ends the wait between listings early: a shard ended, its children may be listed now. */
	let wake = new AbortController();

	const start = (shardId: string, from: StartPosition) => {
		started.add(shardId);
		readers.push(
			options.read(shardId, from).then((result) => {
				if (result.kind === 'ended') {
					ended.add(shardId);
					wake.abort();
				} else if (result.kind === 'failed' && !signal.aborted) {
					options.onError(`reading ${shardId} failed: ${describeError(result.error)}`);
				}
			}),
		);
	};

	while (!signal.aborted) {
		try {
			const shards = (await listAllShards(kinesis, stream, signal)).map(shardView);
			const listed = new Set(shards.map((shard) => shard.shardId));
			for (const shard of shards) {
				if (started.has(shard.shardId) || ended.has(shard.shardId)) continue;
				// At the start, closed shards are history: only the open ones are read.
				if (first && !shard.open) {
					ended.add(shard.shardId);
					continue;
				}
				if (shard.parents.some((parent) => listed.has(parent) && !ended.has(parent))) continue;
				start(shard.shardId, first ? options.from : TRIM_HORIZON);
			}
			first = false;
		} catch (error) {
			if (signal.aborted) break;
			options.onError(`listing the shards of ${stream} failed: ${describeError(error)}`);
		}
		await sleep(options.relistEveryMs ?? 30_000, AbortSignal.any([signal, wake.signal]));
		if (wake.signal.aborted) wake = new AbortController();
	}
	await Promise.allSettled(readers);
}

/** A poller's GetRecords answer: records read, or none (polled). */
export type PolledPage = Extract<TailEvent, {type: 'records' | 'polled'}>;

export interface PollEveryShardOptions {
	readonly kinesis: KinesisClient;
	readonly stream: string;
	readonly signal: AbortSignal;
	/** GetRecords Limit: a Lambda mapping's batch size, Firehose's 10,000. */
	readonly limit: number;
	/** Says what failed (as reporter in reader.ts does); throttling is not said. */
	readonly report: (what: string, error?: unknown) => void;
	/** Each answer of a shard's GetRecords; the shard's next call waits for it. */
	readonly onPage: (shardId: string, page: PolledPage) => Promise<void> | void;
}

/**
 * Every shard polled from LATEST as Lambda's and Firehose's pollers read a stream: GetRecords once a
 * second a shard, each answer handed to `onPage`. Throttling (the shard's 5 reads a second are shared
 * with the other readers) is only waited out; other failures are reported, and the reader retries.
 */
export function pollEveryShard(options: PollEveryShardOptions): Promise<void> {
	const {kinesis, stream, signal, report} = options;
	// The application's own turns and shard budgets: it stands for another process reading the stream, not
	// for the console, whose share of each shard's reads it must not take.
	// A few calls in flight: it sends them through the console's own connections, which the console's scheduler counts.
	const scheduler = new PollScheduler({concurrency: 4});
	return readEveryShard({
		kinesis,
		stream,
		signal,
		from: LATEST,
		onError: (message) => report(message),
		read: (shardId, from) =>
			readShard({
				kinesis,
				stream,
				shardId,
				from,
				callsPerSecond: 1,
				scheduler,
				limit: options.limit,
				stopAtLatest: false,
				signal,
				emit: async (event) => {
					if (event.type === 'retrying') return event.kind === 'throttling' ? undefined : report(`GetRecords ${shardId}`, event.error);
					if (event.type === 'records' || event.type === 'polled') await options.onPage(shardId, event);
				},
			}),
	});
}
