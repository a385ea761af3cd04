import {randomUUID} from 'node:crypto';
import {PutRecordsCommand, type KinesisClient, type PutRecordsResultEntry} from '@aws-sdk/client-kinesis';
import {GaveUpError, isUnreachable} from './failures.js';
import {hashKeyProblem} from './hashKeys.js';
import {backoffDelay} from './tail/backoff.js';
import {describeFailure, failureAction} from './tail/retryPolicy.js';
import {streamParameters, type StreamRef} from './tail/shardListing.js';

/** Kinesis's write limits: a record (data and partition key together), and one PutRecords call (the same, summed). */
export const PUT_LIMITS = {
	recordBytes: 1_048_576,
	partitionKeyLength: 256,
	requestRecords: 500,
	requestBytes: 5 * 1_048_576,
} as const;

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

interface Entry {
	readonly index: number;
	readonly line?: number;
	readonly partitionKey: string;
	readonly explicitHashKey?: string;
	readonly data: Uint8Array;
	/** Data plus partition key bytes. */
	readonly bytes: number;
	attempts: number;
}

type Outcome = {readonly shardId: string; readonly sequenceNumber: string} | {readonly error: string; readonly retryable: boolean};

/** A record's outcome from its entry in a PutRecords response. */
function entryOutcome(result: PutRecordsResultEntry | undefined): Outcome {
	if (result === undefined) return {error: 'Kinesis returned no result for the record', retryable: true};
	if (result.ErrorCode === undefined && result.ShardId !== undefined && result.SequenceNumber !== undefined) {
		return {shardId: result.ShardId, sequenceNumber: result.SequenceNumber};
	}
	const code = result.ErrorCode ?? 'UnknownError';
	return {error: result.ErrorMessage ? `${code}: ${result.ErrorMessage}` : code, retryable: failureAction({name: code}) === 'retry'};
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
	const maxRetries = options.maxRetries ?? 8;
	const concurrency = Math.max(1, options.concurrency ?? 4);
	const baseMs = options.retryBaseMs ?? 100;
	const capMs = options.retryCapMs ?? 5_000;
	const random = options.random ?? Math.random;
	const readAheadRecords = options.readAheadRecords ?? PUT_LIMITS.requestRecords * concurrency;
	const readAheadBytes = options.readAheadBytes ?? 20 * 1_048_576;
	const target = streamParameters(options.stream);
	const controller = new AbortController();
	const stop = () => {
		stopped = true;
		notify();
	};
	options.signal?.addEventListener('abort', stop, {once: true});

	const iterator = Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : toAsync(input[Symbol.iterator]());
	/** Records not yet written, in input order (retries go back in their place). */
	let queue: Entry[] = [];
	let queuedBytes = 0;
	let results: ProducerResult[] = [];
	/** Partition keys with a record in a call: a key is in one call at a time. */
	const keysInFlight = new Set<string>();
	/** No call starts before this time (epoch ms): the backoff after a call had records refused. */
	let pausedUntil = 0;

	let nextIndex = 0;
	let reading = false;
	let inputDone = false;
	let stopped = options.signal?.aborted ?? false;
	let inFlight = 0;
	let fatal: {error: unknown} | undefined;
	/** Since when calls have failed because the endpoint does not answer; undefined once one gets an answer. */
	let unreachableSince: number | undefined;
	/** Why the run stopped when a record's retries ran out on an endpoint that does not answer: thrown once every record is reported. */
	let gaveUp: GaveUpError | undefined;
	/** Whether something happened that may let a batch form: a call ended, a retry came due, input ended. */
	let rescan = true;
	let queuedAtScan = 0;
	let bytesAtScan = 0;
	/** When the pause for a backoff ends, as of the last scan. */
	let retryDueAt = Infinity;

	let wake: (() => void) | undefined;
	let woken = false;
	function notify() {
		woken = true;
		const resolve = wake;
		wake = undefined;
		resolve?.();
	}
	async function waitFor(ms: number): Promise<void> {
		if (woken) {
			woken = false;
			return;
		}
		let timer: NodeJS.Timeout | undefined;
		await new Promise<void>((resolve) => {
			wake = resolve;
			if (Number.isFinite(ms)) {
				timer = setTimeout(
					() => {
						rescan = true;
						resolve();
					},
					Math.max(0, ms),
				);
			}
		});
		clearTimeout(timer);
		wake = undefined;
		woken = false;
	}

	const room = () => queue.length < readAheadRecords && queuedBytes < readAheadBytes;

	function accept(item: ProducerInput) {
		const index = nextIndex++;
		const line = item.line === undefined ? {} : {line: item.line};
		if ('error' in item) {
			results.push({ok: false, index, ...line, error: item.error, attempts: 0});
			return;
		}
		const partitionKey = item.partitionKey ?? randomUUID();
		const problem = recordProblem(item, partitionKey);
		if (problem !== undefined) {
			results.push({ok: false, index, ...line, partitionKey, error: problem, attempts: 0});
			return;
		}
		const bytes = item.data.byteLength + Buffer.byteLength(partitionKey);
		queue.push({
			index,
			...line,
			partitionKey,
			...(item.explicitHashKey === undefined ? {} : {explicitHashKey: item.explicitHashKey}),
			data: item.data,
			bytes,
			attempts: 0,
		});
		queuedBytes += bytes;
	}

	function startRead() {
		reading = true;
		iterator.next().then(
			(next) => {
				reading = false;
				if (next.done) {
					inputDone = true;
					rescan = true;
				} else {
					accept(next.value);
					// A batch is formed when a call's worth has arrived, or nothing is in flight to wait for.
					if (
						inFlight === 0 ||
						queue.length - queuedAtScan >= PUT_LIMITS.requestRecords ||
						queuedBytes - bytesAtScan >= PUT_LIMITS.requestBytes ||
						!room()
					)
						rescan = true;
				}
				notify();
			},
			(error: unknown) => {
				reading = false;
				fatal ??= {error};
				notify();
			},
		);
	}

	/** The next call's records: from the front of the queue, skipping keys in flight (and everything after them of theirs). */
	function takeBatch(now: number): {batch: Entry[]; full: boolean; nextRetryAt: number} {
		if (now < pausedUntil) return {batch: [], full: false, nextRetryAt: pausedUntil};
		const batch: Entry[] = [];
		const rest: Entry[] = [];
		const skipped = new Set<string>();
		const taken = new Set<string>();
		let bytes = 0;
		let full = false;
		for (let position = 0; position < queue.length; position++) {
			const entry = queue[position]!;
			if (full) {
				rest.push(entry);
				continue;
			}
			const key = entry.partitionKey;
			let hold = skipped.has(key) || keysInFlight.has(key) || (options.strictOrder === true && taken.has(key));
			if (!hold && bytes + entry.bytes > PUT_LIMITS.requestBytes) {
				hold = true;
				full = bytes + 1024 > PUT_LIMITS.requestBytes;
			}
			if (hold) {
				skipped.add(key);
				rest.push(entry);
				continue;
			}
			batch.push(entry);
			taken.add(key);
			bytes += entry.bytes;
			if (batch.length === PUT_LIMITS.requestRecords) full = true;
		}
		if (batch.length > 0) {
			queue = rest;
			for (const entry of batch) queuedBytes -= entry.bytes;
		}
		return {batch, full, nextRetryAt: Infinity};
	}

	function launch(batch: Entry[]) {
		inFlight++;
		for (const entry of batch) {
			entry.attempts++;
			keysInFlight.add(entry.partitionKey);
		}
		kinesis
			.send(
				new PutRecordsCommand({
					...target,
					Records: batch.map((entry) => ({
						Data: entry.data,
						PartitionKey: entry.partitionKey,
						...(entry.explicitHashKey === undefined ? {} : {ExplicitHashKey: entry.explicitHashKey}),
					})),
				}),
				{abortSignal: controller.signal},
			)
			.then(
				(response) => {
					unreachableSince = undefined;
					settle(batch, (position) => entryOutcome(response.Records?.[position]));
				},
				(error: unknown) => {
					// No such stream, access denied, a bad request: nothing later would fare better.
					if (failureAction(error) !== 'retry') fatal ??= {error};
					const unreachable = isUnreachable(error);
					unreachableSince = unreachable ? (unreachableSince ?? Date.now()) : undefined;
					const outcome: Outcome = {error: describeFailure(error), retryable: true};
					settle(batch, () => outcome);
					// A record out of retries because the endpoint does not answer: so would the rest be. Stop,
					// reporting every record (those in flight settle, the rest are not sent), then throw.
					const attempts = Math.max(...batch.map((entry) => entry.attempts));
					if (unreachable && attempts > maxRetries && !stopped) {
						gaveUp = new GaveUpError(error, attempts, Date.now() - (unreachableSince ?? Date.now()));
						stop();
					}
				},
			)
			.finally(() => {
				inFlight--;
				rescan = true;
				notify();
			});
	}

	/** Sorts a call's records into written, to be retried, and failed. */
	function settle(batch: Entry[], outcomeOf: (position: number) => Outcome) {
		const retries: Entry[] = [];
		/** Keys with a record to retry from this call. */
		const refused = new Set<string>();
		batch.forEach((entry, position) => {
			const key = entry.partitionKey;
			const line = entry.line === undefined ? {} : {line: entry.line};
			const outcome = outcomeOf(position);
			if ('sequenceNumber' in outcome) {
				results.push({
					ok: true,
					index: entry.index,
					...line,
					partitionKey: key,
					shardId: outcome.shardId,
					sequenceNumber: outcome.sequenceNumber,
					bytes: entry.bytes,
					attempts: entry.attempts,
					...(refused.has(key) ? {overtook: true as const} : {}),
				});
			} else if (outcome.retryable && (entry.attempts <= maxRetries || stopped)) {
				// Once stopped, it goes back to the queue and is reported as not sent, with the rest.
				retries.push(entry);
				refused.add(key);
			} else {
				const suffix = outcome.retryable ? ` (gave up after ${entry.attempts} ${entry.attempts === 1 ? 'attempt' : 'attempts'})` : '';
				results.push({
					ok: false,
					index: entry.index,
					...line,
					partitionKey: key,
					error: `${outcome.error}${suffix}`,
					attempts: entry.attempts,
				});
			}
		});
		for (const entry of batch) keysInFlight.delete(entry.partitionKey);
		// Refused records go back in their place at the front of the queue, and every call waits out the
		// backoff: new records do not take the shard's refilled budget from the refused ones, and none
		// overtakes an earlier record of its key.
		if (retries.length > 0) {
			// The wait grows with the attempts of the record refused most often, so that a record deep in a
			// hot key's backlog gets through within its retries.
			const attempts = Math.max(...retries.map((entry) => entry.attempts));
			pausedUntil = Math.max(pausedUntil, Date.now() + backoffDelay(attempts - 1, baseMs, capMs, random));
			queue = mergeByIndex(queue, retries);
			for (const entry of retries) queuedBytes += entry.bytes;
		}
	}

	try {
		while (true) {
			if (results.length > 0) {
				const out = results;
				results = [];
				for (const result of out) yield result;
				continue;
			}
			if (fatal) throw fatal.error;
			if (stopped) {
				if (inFlight === 0) {
					for (const entry of queue) {
						results.push({
							ok: false,
							index: entry.index,
							...(entry.line === undefined ? {} : {line: entry.line}),
							partitionKey: entry.partitionKey,
							error: gaveUp ? 'not sent: the endpoint does not answer' : 'not sent: stopped',
							attempts: entry.attempts,
							stopped: true,
						});
					}
					queue = [];
					if (results.length > 0) continue;
					if (gaveUp) throw gaveUp;
					return;
				}
				await waitFor(Infinity);
				continue;
			}
			if (!reading && !inputDone && room()) startRead();
			if (rescan) {
				rescan = false;
				if (queue.length === 0) retryDueAt = Infinity;
				while (inFlight < concurrency && queue.length > 0) {
					const now = Date.now();
					const {batch, full, nextRetryAt} = takeBatch(now);
					retryDueAt = nextRetryAt;
					if (batch.length === 0) break;
					// A partial call waits for more input while another call is out, so that calls stay full.
					if (!full && inFlight > 0 && !inputDone && room()) {
						queue = mergeByIndex(queue, batch);
						for (const entry of batch) queuedBytes += entry.bytes;
						break;
					}
					launch(batch);
				}
				queuedAtScan = queue.length;
				bytesAtScan = queuedBytes;
			}
			if (inputDone && !reading && queue.length === 0 && inFlight === 0 && results.length === 0) return;
			await waitFor(retryDueAt - Date.now());
		}
	} finally {
		options.signal?.removeEventListener('abort', stop);
		controller.abort();
		if (!inputDone) void Promise.resolve(iterator.return?.()).catch(() => undefined);
	}
}

/** Why a record cannot be written at all, or undefined. */
function recordProblem(record: ProducerRecord, partitionKey: string): string | undefined {
	const bytes = record.data.byteLength + Buffer.byteLength(partitionKey);
	if (bytes > PUT_LIMITS.recordBytes) return recordTooLarge(bytes);
	const length = [...partitionKey].length;
	if (length < 1 || length > PUT_LIMITS.partitionKeyLength) return `the partition key is ${length} characters; Kinesis takes 1 to 256`;
	if (record.explicitHashKey !== undefined) return hashKeyProblem(record.explicitHashKey);
	return undefined;
}

/** The failure of a record over the size limit: `bytes` counts its data and its partition key. */
export function recordTooLarge(bytes: number): string {
	return `the record is ${bytes.toLocaleString('en-US')} bytes with its partition key; Kinesis takes at most 1 MiB (1,048,576 bytes) per record`;
}

/** Two lists sorted by input index, merged. */
function mergeByIndex(a: Entry[], b: Entry[]): Entry[] {
	if (b.length === 0) return a;
	if (a.length === 0) return b;
	const out: Entry[] = [];
	let i = 0;
	let j = 0;
	while (i < a.length && j < b.length) out.push(a[i]!.index < b[j]!.index ? a[i++]! : b[j++]!);
	while (i < a.length) out.push(a[i++]!);
	while (j < b.length) out.push(b[j++]!);
	return out;
}

function toAsync<T>(iterator: Iterator<T>): AsyncIterator<T> {
	return {
		next: async () => iterator.next(),
		return: async () => iterator.return?.() ?? {done: true, value: undefined},
	};
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
