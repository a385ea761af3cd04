import {randomUUID} from 'node:crypto';
import {PutRecordsCommand, type KinesisClient, type PutRecordsResultEntry} from '@aws-sdk/client-kinesis';
import {describeError, errorKind, isRetryable, isUnreachable} from './aws/errors.js';
import {backoffDelay} from './aws/retry.js';
import {streamParameters} from './aws/shards.js';
import {GaveUpError} from './failures.js';
import type {ProducerInput, ProducerOptions, ProducerResult} from './producer.js';
import {PUT_LIMITS, recordProblem} from './putLimits.js';

/** A record read and checked, waiting to be written (or being written). */
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

/** A record's outcome from its entry in a PutRecords response; its ErrorCode is sorted as any error is (aws/errors.ts). */
function entryOutcome(result: PutRecordsResultEntry | undefined): Outcome {
	if (result === undefined) return {error: 'Kinesis returned no result for the record', retryable: true};
	if (result.ErrorCode === undefined && result.ShardId !== undefined && result.SequenceNumber !== undefined) {
		return {shardId: result.ShardId, sequenceNumber: result.SequenceNumber};
	}
	const code = result.ErrorCode ?? 'UnknownError';
	const message = result.ErrorMessage ?? '';
	return {error: message ? `${code}: ${message}` : code, retryable: isRetryable(errorKind({name: code, message}))};
}

/**
 * The records not yet written, in input order: refused ones go back in their place, ahead of newer
 * records, and a call takes from the front, skipping keys already in a call.
 */
class Backlog {
	private entries: Entry[] = [];
	/** Bytes of the records waiting. */
	bytes = 0;

	get length(): number {
		return this.entries.length;
	}

	push(entry: Entry): void {
		this.entries.push(entry);
		this.bytes += entry.bytes;
	}

	/** Puts records back in their places (they were taken for a call that refused them, or that did not start). */
	putBack(entries: readonly Entry[]): void {
		this.entries = mergeByIndex(this.entries, entries);
		for (const entry of entries) this.bytes += entry.bytes;
	}

	/** Everything waiting, emptying the backlog. */
	drain(): Entry[] {
		const all = this.entries;
		this.entries = [];
		this.bytes = 0;
		return all;
	}

	/**
	 * The next call's records: from the front, skipping keys in a call (and everything after them of
	 * theirs), and with `strictOrder` a second record of a key taken. `full` when the call cannot take more.
	 */
	take(keysInFlight: ReadonlySet<string>, strictOrder: boolean): {batch: Entry[]; full: boolean} {
		const batch: Entry[] = [];
		const rest: Entry[] = [];
		const skipped = new Set<string>();
		const taken = new Set<string>();
		let bytes = 0;
		let full = false;
		for (const entry of this.entries) {
			if (full) {
				rest.push(entry);
				continue;
			}
			const key = entry.partitionKey;
			let hold = skipped.has(key) || keysInFlight.has(key) || (strictOrder && taken.has(key));
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
			this.entries = rest;
			for (const entry of batch) this.bytes -= entry.bytes;
		}
		return {batch, full};
	}
}

/** How the run's loop sleeps until something happens: a call ends, input arrives, a backoff ends, a stop. */
class Wakeup {
	private wake: (() => void) | undefined;
	private woken = false;

	notify(): void {
		this.woken = true;
		const resolve = this.wake;
		this.wake = undefined;
		resolve?.();
	}

	/** Waits for a notify, or `ms` (Infinity: no timeout); true when the time ran out. A notify since the last wait returns at once. */
	async wait(ms: number): Promise<boolean> {
		if (this.woken) {
			this.woken = false;
			return false;
		}
		let timer: NodeJS.Timeout | undefined;
		let timedOut = false;
		await new Promise<void>((resolve) => {
			this.wake = resolve;
			if (Number.isFinite(ms)) {
				timer = setTimeout(
					() => {
						timedOut = true;
						resolve();
					},
					Math.max(0, ms),
				);
			}
		});
		clearTimeout(timer);
		this.wake = undefined;
		this.woken = false;
		return timedOut;
	}
}

/**
 * One run of produceRecords (see there for what it promises): reads input only as far ahead as the
 * calls need, forms calls from the backlog, sorts their outcomes, and hands results to the generator.
 * The retries are the console's (aws/retry.ts, aws/errors.ts): which failures are retried is
 * errorKind's, and the pause after refused records is backoffDelay's full jitter. They are per
 * record, not per call, so the schedule is this object's own: the wait grows with the attempts of the
 * record refused most often, and a record gives up after `maxRetries`.
 */
export class PutScheduler {
	private readonly maxRetries: number;
	private readonly concurrency: number;
	private readonly readAheadRecords: number;
	private readonly readAheadBytes: number;
	private readonly controller = new AbortController();
	private readonly iterator: AsyncIterator<ProducerInput>;
	private readonly backlog = new Backlog();
	private readonly wakeup = new Wakeup();
	/** Partition keys with a record in a call: a key is in one call at a time. */
	private readonly keysInFlight = new Set<string>();
	private results: ProducerResult[] = [];
	private inFlight = 0;
	private nextIndex = 0;
	private reading = false;
	private inputDone = false;
	private stopped: boolean;
	private fatal: {error: unknown} | undefined;
	/** No call starts before this time (epoch ms): the backoff after a call had records refused. */
	private pausedUntil = 0;
	/** Since when calls have failed because the endpoint does not answer; undefined once one gets an answer. */
	private unreachableSince: number | undefined;
	/** Why the run stopped when a record's retries ran out on an endpoint that does not answer: thrown once every record is reported. */
	private gaveUp: GaveUpError | undefined;
	/** Whether something happened that may let a call form: a call ended, a backoff ended, input ended or a call's worth arrived. */
	private rescan = true;
	/** The backlog's size at the last scan, to tell when a call's worth has arrived since. */
	private atScan = {records: 0, bytes: 0};
	/** When the backoff ends, as of the last scan. */
	private retryDueAt = Infinity;

	constructor(
		private readonly kinesis: KinesisClient,
		input: AsyncIterable<ProducerInput> | Iterable<ProducerInput>,
		private readonly options: ProducerOptions,
	) {
		this.maxRetries = options.maxRetries ?? 8;
		this.concurrency = Math.max(1, options.concurrency ?? 4);
		this.readAheadRecords = options.readAheadRecords ?? PUT_LIMITS.requestRecords * this.concurrency;
		this.readAheadBytes = options.readAheadBytes ?? 20 * 1_048_576;
		this.iterator = Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : toAsync(input[Symbol.iterator]());
		this.stopped = options.signal?.aborted ?? false;
	}

	/** Stops reading and sending: calls in flight end, and every record not written is reported as not sent. */
	readonly stop = (): void => {
		this.stopped = true;
		this.wakeup.notify();
	};

	/** The results, as they become known; throws a fatal failure after the results known before it. */
	async *run(): AsyncGenerator<ProducerResult> {
		this.options.signal?.addEventListener('abort', this.stop, {once: true});
		try {
			while (true) {
				if (this.results.length > 0) {
					const out = this.results;
					this.results = [];
					yield* out;
					continue;
				}
				if (this.fatal) throw this.fatal.error;
				if (this.stopped) {
					if (this.inFlight > 0) await this.wakeup.wait(Infinity);
					else if (!this.reportUnsent()) return;
					continue;
				}
				if (!this.reading && !this.inputDone && this.hasRoom()) this.startRead();
				if (this.rescan) this.startCalls();
				if (this.inputDone && !this.reading && this.backlog.length === 0 && this.inFlight === 0 && this.results.length === 0) return;
				if (await this.wakeup.wait(this.retryDueAt - Date.now())) this.rescan = true;
			}
		} finally {
			this.options.signal?.removeEventListener('abort', this.stop);
			this.controller.abort();
			if (!this.inputDone) void Promise.resolve(this.iterator.return?.()).catch(() => undefined);
		}
	}

	private hasRoom(): boolean {
		return this.backlog.length < this.readAheadRecords && this.backlog.bytes < this.readAheadBytes;
	}

	private startRead(): void {
		this.reading = true;
		this.iterator.next().then(
			(next) => {
				this.reading = false;
				if (next.done) {
					this.inputDone = true;
					this.rescan = true;
				} else {
					this.accept(next.value);
					if (this.callFormable()) this.rescan = true;
				}
				this.wakeup.notify();
			},
			(error: unknown) => {
				this.reading = false;
				this.fatal ??= {error};
				this.wakeup.notify();
			},
		);
	}

	/** A call is formed when a call's worth has arrived since the last scan, the read-ahead is full, or nothing is in flight to wait for. */
	private callFormable(): boolean {
		return (
			this.inFlight === 0 ||
			this.backlog.length - this.atScan.records >= PUT_LIMITS.requestRecords ||
			this.backlog.bytes - this.atScan.bytes >= PUT_LIMITS.requestBytes ||
			!this.hasRoom()
		);
	}

	/** An input becomes a waiting record, or a failed result in its place (rejected by the caller, or breaking a limit). */
	private accept(item: ProducerInput): void {
		const index = this.nextIndex++;
		const line = item.line === undefined ? {} : {line: item.line};
		if ('error' in item) {
			this.results.push({ok: false, index, ...line, error: item.error, attempts: 0});
			return;
		}
		const partitionKey = item.partitionKey ?? randomUUID();
		const problem = recordProblem(item, partitionKey);
		if (problem !== undefined) {
			this.results.push({ok: false, index, ...line, partitionKey, error: problem, attempts: 0});
			return;
		}
		this.backlog.push({
			index,
			...line,
			partitionKey,
			...(item.explicitHashKey === undefined ? {} : {explicitHashKey: item.explicitHashKey}),
			data: item.data,
			bytes: item.data.byteLength + Buffer.byteLength(partitionKey),
			attempts: 0,
		});
	}

	/** Starts the calls the backlog, the concurrency and the backoff allow. */
	private startCalls(): void {
		this.rescan = false;
		if (this.backlog.length === 0) this.retryDueAt = Infinity;
		while (this.inFlight < this.concurrency && this.backlog.length > 0) {
			if (Date.now() < this.pausedUntil) {
				this.retryDueAt = this.pausedUntil;
				break;
			}
			this.retryDueAt = Infinity;
			const {batch, full} = this.backlog.take(this.keysInFlight, this.options.strictOrder === true);
			if (batch.length === 0) break;
			// A partial call waits for more input while another call is out, so that calls stay full.
			if (!full && this.inFlight > 0 && !this.inputDone && this.hasRoom()) {
				this.backlog.putBack(batch);
				break;
			}
			this.launch(batch);
		}
		this.atScan = {records: this.backlog.length, bytes: this.backlog.bytes};
	}

	private launch(batch: Entry[]): void {
		this.inFlight++;
		for (const entry of batch) {
			entry.attempts++;
			this.keysInFlight.add(entry.partitionKey);
		}
		const command = new PutRecordsCommand({
			...streamParameters(this.options.stream),
			Records: batch.map((entry) => ({
				Data: entry.data,
				PartitionKey: entry.partitionKey,
				...(entry.explicitHashKey === undefined ? {} : {ExplicitHashKey: entry.explicitHashKey}),
			})),
		});
		this.kinesis
			.send(command, {abortSignal: this.controller.signal})
			.then(
				(response) => {
					this.unreachableSince = undefined;
					this.settle(batch, (position) => entryOutcome(response.Records?.[position]));
				},
				(error: unknown) => this.callFailed(batch, error),
			)
			.finally(() => {
				this.inFlight--;
				this.rescan = true;
				this.wakeup.notify();
			});
	}

	/** A call failed as a whole: its records are retried as refused ones are, unless nothing later would fare better. */
	private callFailed(batch: Entry[], error: unknown): void {
		// No such stream, access denied, a bad request: nothing later would fare better.
		if (!isRetryable(errorKind(error))) this.fatal ??= {error};
		const unreachable = isUnreachable(error);
		this.unreachableSince = unreachable ? (this.unreachableSince ?? Date.now()) : undefined;
		const outcome: Outcome = {error: describeError(error), retryable: true};
		this.settle(batch, () => outcome);
		// A record out of retries because the endpoint does not answer: so would the rest be. Stop,
		// reporting every record (those in flight settle, the rest are not sent), then throw.
		const attempts = Math.max(...batch.map((entry) => entry.attempts));
		if (unreachable && attempts > this.maxRetries && !this.stopped) {
			this.gaveUp = new GaveUpError(error, attempts, Date.now() - (this.unreachableSince ?? Date.now()));
			this.stop();
		}
	}

	/** Sorts a call's records into written, to be retried, and failed. */
	private settle(batch: Entry[], outcomeOf: (position: number) => Outcome): void {
		const retries: Entry[] = [];
		/** Keys with a record to retry from this call. */
		const refused = new Set<string>();
		batch.forEach((entry, position) => {
			const key = entry.partitionKey;
			const line = entry.line === undefined ? {} : {line: entry.line};
			const outcome = outcomeOf(position);
			if ('sequenceNumber' in outcome) {
				this.results.push({
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
			} else if (outcome.retryable && (entry.attempts <= this.maxRetries || this.stopped)) {
				// Once stopped, it goes back to the backlog and is reported as not sent, with the rest.
				retries.push(entry);
				refused.add(key);
			} else {
				const suffix = outcome.retryable ? ` (gave up after ${entry.attempts} ${entry.attempts === 1 ? 'attempt' : 'attempts'})` : '';
				this.results.push({
					ok: false,
					index: entry.index,
					...line,
					partitionKey: key,
					error: `${outcome.error}${suffix}`,
					attempts: entry.attempts,
				});
			}
		});
		for (const entry of batch) this.keysInFlight.delete(entry.partitionKey);
		if (retries.length > 0) this.retryLater(retries);
	}

	/**
	 * Refused records go back in their place at the front of the backlog, and every call waits out the
	 * backoff: new records do not take the shard's refilled budget from the refused ones, and none
	 * overtakes an earlier record of its key. The wait grows with the attempts of the record refused
	 * most often, so that a record deep in a hot key's backlog gets through within its retries.
	 */
	private retryLater(retries: readonly Entry[]): void {
		const attempts = Math.max(...retries.map((entry) => entry.attempts));
		const delayMs = backoffDelay(attempts - 1, this.options.retryBaseMs ?? 100, this.options.retryCapMs ?? 5_000, this.options.random);
		this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delayMs);
		this.backlog.putBack(retries);
	}

	/** Once stopped and no call is out: every record waiting becomes a "not sent" result. False when there were none (the run ends, or throws why it gave up). */
	private reportUnsent(): boolean {
		for (const entry of this.backlog.drain()) {
			this.results.push({
				ok: false,
				index: entry.index,
				...(entry.line === undefined ? {} : {line: entry.line}),
				partitionKey: entry.partitionKey,
				error: this.gaveUp ? 'not sent: the endpoint does not answer' : 'not sent: stopped',
				attempts: entry.attempts,
				stopped: true,
			});
		}
		if (this.results.length > 0) return true;
		if (this.gaveUp) throw this.gaveUp;
		return false;
	}
}

/** Two lists sorted by input index, merged. */
function mergeByIndex(a: readonly Entry[], b: readonly Entry[]): Entry[] {
	if (b.length === 0) return [...a];
	if (a.length === 0) return [...b];
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
