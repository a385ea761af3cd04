import type {KinesisClient} from '@aws-sdk/client-kinesis';
import type {StreamRef} from './aws/shards.js';
import {PutScheduler} from './putScheduler.js';

export {PUT_LIMITS, recordTooLarge} from './putLimits.js';

/** A record to write. Without a partition key it gets a random one (a UUID), which spreads records over every shard. */
export interface ProducerRecord {
	readonly data: Uint8Array;
	readonly partitionKey?: string;
	readonly explicitHashKey?: string;
	/** Where the record came from (a line number), echoed in its result. */
	readonly line?: number;
}

/** An input the caller could not turn into a record (bad base64, no key field): reported as failed, in its place, never sent. */
export interface RejectedInput {
	readonly error: string;
	readonly line?: number;
}

export type ProducerInput = ProducerRecord | RejectedInput;

export interface WrittenRecord {
	readonly ok: true;
	/** The input's position, from 0. */
	readonly index: number;
	readonly line?: number;
	readonly partitionKey: string;
	readonly shardId: string;
	readonly sequenceNumber: string;
	/** Data plus partition key, as Kinesis counts them against the limits. */
	readonly bytes: number;
	/** PutRecords calls that carried the record, 1 when the first one took it. */
	readonly attempts: number;
	/**
	 * Written in the same call that refused an earlier record of its key: PutRecords goes on after a refused
	 * record, so this one is ahead of that one in the shard. `strictOrder` prevents it.
	 */
	readonly overtook?: true;
}

export interface FailedRecord {
	readonly ok: false;
	readonly index: number;
	readonly line?: number;
	readonly partitionKey?: string;
	readonly error: string;
	/** PutRecords calls that carried the record: 0 when it was never sent. */
	readonly attempts: number;
	/** Not written because the run was stopped (the signal), not because Kinesis refused it. */
	readonly stopped?: true;
}

export type ProducerResult = WrittenRecord | FailedRecord;

export interface ProducerOptions {
	readonly stream: StreamRef;
	/** Retries of a record refused with a retryable error (throttling, internal failure). Default 8. */
	readonly maxRetries?: number;
	/** PutRecords calls in flight at once (never two with the same partition key). Default 4. */
	readonly concurrency?: number;
	/**
	 * At most one record of each partition key per call. PutRecords may refuse a record and take a later
	 * one of the same key in the same call; with this, no record can overtake another of its key, at the
	 * price of one round trip per record for a key with many records. Default false.
	 */
	readonly strictOrder?: boolean;
	/** Backoff base and cap for retries: full jitter, a random wait up to base * 2^(attempt - 1). Default 100 ms and 5 s. */
	readonly retryBaseMs?: number;
	readonly retryCapMs?: number;
	readonly random?: () => number;
	/** Stops reading input and sending; calls in flight end, records not yet written are reported as failed. */
	readonly signal?: AbortSignal;
	/** Records read ahead of the calls. Default 4 calls' worth (2,000 records or 20 MiB). */
	readonly readAheadRecords?: number;
	readonly readAheadBytes?: number;
}

/**
 * Writes records with PutRecords, streaming: input is read only as far ahead as the calls need, so a
 * million lines never sit in memory. Yields one result per input, in the order results become known.
 *
 * Records refused with a retryable error (ProvisionedThroughputExceededException, InternalFailure) go
 * back in their place, ahead of newer records, and no call starts until a backoff has passed: exponential
 * in the attempts of the record refused most often, with full jitter. Each is retried up to `maxRetries` times.
 * Order per partition key is kept across calls: a key's records are in one call at a time, and a later
 * record is never sent before an earlier one of its key. A call that fails as a whole is retried the same
 * way when the failure is transient (throttling, 5xx, a dropped connection); any other failure (no such
 * stream, access denied) is thrown, after the results already known.
 */
export async function* produceRecords(
	kinesis: KinesisClient,
	input: AsyncIterable<ProducerInput> | Iterable<ProducerInput>,
	options: ProducerOptions,
): AsyncGenerator<ProducerResult> {
	yield* new PutScheduler(kinesis, input, options).run();
}

/** Totals over a run's results, for a summary. */
export interface ProducerTotals {
	written: number;
	/** Not written, including those left when the run was stopped. */
	failed: number;
	/** Of the failed, those not written because the run was stopped. */
	stopped: number;
	/** Calls beyond the first, summed over the records. */
	retries: number;
	bytes: number;
	/** Records written ahead of an earlier record of their key (see {@link WrittenRecord.overtook}). */
	overtook: number;
	/** Records per shard. */
	readonly shards: Map<string, number>;
}

export function emptyTotals(): ProducerTotals {
	return {written: 0, failed: 0, stopped: 0, retries: 0, bytes: 0, overtook: 0, shards: new Map()};
}

export function addToTotals(totals: ProducerTotals, result: ProducerResult): void {
	totals.retries += Math.max(0, result.attempts - 1);
	if (!result.ok) {
		totals.failed++;
		if (result.stopped) totals.stopped++;
		return;
	}
	totals.written++;
	totals.bytes += result.bytes;
	if (result.overtook) totals.overtook++;
	totals.shards.set(result.shardId, (totals.shards.get(result.shardId) ?? 0) + 1);
}
