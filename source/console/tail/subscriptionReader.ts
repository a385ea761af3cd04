import {SubscribeToShardCommand, type StartingPosition, type SubscribeToShardEvent} from '@aws-sdk/client-kinesis';
import {describeError, errorKind, errorName} from '../aws/errors.js';
import {sleep} from '../aws/retry.js';
import {iteratorRequest, type StartPosition} from './positions.js';
import {readerRetries, type ShardReadOptions, type ShardReadResult} from './shardReader.js';
import {deliver} from './delivery.js';

/** Enhanced fan-out: the consumer to subscribe as; pacing and page size do not apply (records are pushed). */
export type SubscriptionReadOptions = Omit<ShardReadOptions, 'callsPerSecond' | 'limit'> & {
	/** The registered consumer's ARN. `kinesis` should be an HTTP/2 client (the SDK's default handler). */
	readonly consumerArn: string;
};

/**
 * Reads one shard through enhanced fan-out (SubscribeToShard), with readShard's contract and events.
 * A subscription ends after its lifetime (5 minutes on AWS): the next one starts after the last
 * ContinuationSequenceNumber, so no record is lost or repeated. At a closed shard's end the event with
 * ChildShards (and no continuation) ends the reader. Another subscription holding the shard
 * (ResourceInUseException), throttling and dropped connections are retried after a backoff.
 */
export async function readShardSubscription(options: SubscriptionReadOptions): Promise<ShardReadResult> {
	const {kinesis, shardId, signal, consumerArn} = options;
	const now = options.now ?? Date.now;
	// A reader at LATEST whose first subscription ends before any event resumes from when it started.
	const startedAt: StartPosition = {type: 'AT_TIMESTAMP', timestamp: new Date(now())};
	let position: StartPosition = options.from;
	let heardOnce = false;
	let caughtUp = false;
	const until = options.until?.getTime();
	// Another subscription holding the shard (ResourceInUseException) ends within its 5 minutes: wait it out, from 1 s.
	// SubscribeToShard's only limit is its rate (once a second per consumer and shard), whatever its message says.
	const retries = readerRetries(`SubscribeToShard ${shardId}`, options, now, (error) =>
		isInUse(error) ? 'transient' : errorName(error) === 'LimitExceededException' ? 'throttling' : errorKind(error),
	);

	while (!signal.aborted) {
		// Each subscription has its own signal: the SDK's listeners on it go with it, not pile up on the tail's.
		const subscription = new AbortController();
		const cancel = () => subscription.abort();
		signal.addEventListener('abort', cancel, {once: true});
		try {
			const response = await kinesis.send(
				new SubscribeToShardCommand({ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: startingPosition(position)}),
				{abortSignal: subscription.signal},
			);
			if (!response.EventStream) throw new Error('SubscribeToShard returned no event stream');
			for await (const message of untilAborted(
				response.EventStream as AsyncIterable<{SubscribeToShardEvent?: SubscribeToShardEvent}>,
				subscription.signal,
			)) {
				const event = message.SubscribeToShardEvent;
				if (!event) continue;
				heardOnce = true;
				if (retries.attempt > 0) await options.emit({type: 'recovered', shardId});
				retries.succeeded();

				const {pastUntil} = await deliver({shardId, untilMs: until, emit: options.emit, now}, event.Records, event.MillisBehindLatest);
				if (pastUntil) return {kind: 'stopped'};

				if (event.ContinuationSequenceNumber) {
					position = {type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: event.ContinuationSequenceNumber};
				} else {
					// No continuation: the shard is closed and read to its end; its children come next.
					const children = event.ChildShards?.map((child) => child.ShardId ?? '').filter(Boolean);
					return {kind: 'ended', childShardIds: children && children.length > 0 ? children : undefined};
				}

				// Pushed events say how far behind they are; 0 means this event reached the newest record.
				const atTip = (event.MillisBehindLatest ?? 0) === 0;
				if (atTip && !caughtUp) {
					caughtUp = true;
					await options.emit({type: 'caught-up', shardId});
				}
				if (atTip && (options.stopAtLatest || (until !== undefined && now() > until))) return {kind: 'stopped'};
			}
			// The subscription's lifetime is over: subscribe again from the last continuation.
			if (!heardOnce && position.type === 'LATEST') position = startedAt;
		} catch (error) {
			if (signal.aborted) break;
			if (!heardOnce && position.type === 'LATEST') position = startedAt;
			const inUse = isInUse(error);
			const decision = retries.failed(error, inUse ? {baseMs: 1_000} : {});
			if ('giveUp' in decision) return {kind: 'failed', error: decision.giveUp};
			const {kind, attempt, delayMs} = decision.retry;
			const reason = !inUse
				? decision.retry.reason
				: /not in ACTIVE/i.test((error as Error).message)
					? `the consumer is not ACTIVE yet (${describeError(error)})`
					: `another subscription holds this shard for the consumer, waiting for it to end (${describeError(error)})`;
			await options.emit({type: 'retrying', shardId, kind, reason, attempt, delayMs, error});
			await sleep(delayMs, signal);
		} finally {
			signal.removeEventListener('abort', cancel);
			subscription.abort();
		}
	}
	return {kind: 'stopped'};
}

/**
 * The events of a subscription until its signal aborts. Aborting the call closes its HTTP/2 stream, yet
 * the SDK's event stream may never settle the read it is waiting on: the reader would wait forever.
 */
async function* untilAborted<T>(events: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
	const iterator = events[Symbol.asyncIterator]();
	try {
		while (!signal.aborted) {
			// A wait of its own for each read: racing every read against one long-lived promise would keep every
			// event (and its records) reachable from that promise's reactions until the subscription ends.
			let end: (() => void) | undefined;
			const aborted = new Promise<IteratorResult<T>>((resolve) => {
				end = () => resolve({done: true, value: undefined});
				signal.addEventListener('abort', end, {once: true});
			});
			let next: IteratorResult<T>;
			try {
				next = await Promise.race([iterator.next(), aborted]);
			} finally {
				if (end) signal.removeEventListener('abort', end);
			}
			if (next.done) return;
			yield next.value;
		}
	} finally {
		// Not awaited: it settles only once the pending read does.
		void iterator.return?.()?.catch(() => undefined);
	}
}

const isInUse = (error: unknown): boolean => errorName(error) === 'ResourceInUseException';

/** SubscribeToShard's StartingPosition for a tail position. */
export function startingPosition(position: StartPosition): StartingPosition {
	const request = iteratorRequest(position);
	return {
		Type: request.ShardIteratorType,
		...(request.StartingSequenceNumber === undefined ? {} : {SequenceNumber: request.StartingSequenceNumber}),
		...(request.Timestamp === undefined ? {} : {Timestamp: request.Timestamp}),
	};
}
