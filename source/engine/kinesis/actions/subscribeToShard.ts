import {internalFailure, invalidArgument, resourceInUse, resourceNotFound, type ServiceError} from '../../protocol/errors.js';
import {EventStreamReply, type StreamEvent} from '../../protocol/eventStream.js';
import {Blob, Timestamp} from '../../protocol/values.js';
import {recordsOf} from '../../store/store.js';
import type {ConsumerState, StreamState} from '../../store/streamState.js';
import {defineAction, type ActionContext} from '../action.js';
import type {Consumers, Subscription} from '../model/consumers.js';
import {encryptionAt} from './encryption.js';
import {ConsumerARN, SequenceNumber, ShardId} from '../model/fields.js';
import {childShards} from './getRecords.js';
import {shardIdOf} from '../model/names.js';
import {isFromStream, parseSequenceNumber, positionAt, sequenceWriter} from '../model/sequenceNumbers.js';
import type {Streams} from '../model/streams.js';

// In the order AWS lists them in its validation message (as for ShardIteratorType).
const POSITION_TYPES = ['AFTER_SEQUENCE_NUMBER', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'TRIM_HORIZON'] as const;

/** One event carries at most this much: well inside the 16 MiB an event-stream message may hold. */
const EVENT_MAX_RECORDS = 10_000;
const EVENT_MAX_BYTES = 2 * 1024 * 1024;
/** An idle subscription still sends an (empty) event this often, so the consumer sees it alive and up to date. */
const HEARTBEAT_MS = 5_000;
/** While a closed shard's last writes are in flight, how soon to look again for its end. */
const SETTLE_RETRY_MS = 20;

/**
 * SubscribeToShard: enhanced fan-out. The answer is an event stream: SubscribeToShardEvent messages
 * with the records of one shard as they arrive (woken by the engine's append notifications, not a
 * poll), their ContinuationSequenceNumber and MillisBehindLatest, and at a closed shard's end its
 * ChildShards with no continuation. It ends after the subscription's lifetime (5 minutes on AWS).
 */
export default defineAction(
	{
		ConsumerARN: {...ConsumerARN, required: true},
		ShardId: {...ShardId, required: true},
		StartingPosition: {
			type: 'Structure',
			required: true,
			members: {
				Type: {type: 'String', required: true, enum: POSITION_TYPES},
				SequenceNumber,
				Timestamp: {type: 'Timestamp'},
			},
		},
	},
	(context, input) => {
		const {streams, consumers, region, nowMs} = context;
		const {stream, consumer} = consumers.find(region, {ConsumerARN: input.ConsumerARN}, nowMs);
		const consumerArn = input.ConsumerARN;
		if (consumers.statusOf(consumer, nowMs) !== 'ACTIVE') {
			throw resourceInUse(
				`Consumer ${consumer.name} with creation timestamp ${Math.floor(consumer.createdMs / 1000)} under stream: ${stream.name} , account ${streams.account} is not in ACTIVE status.`,
			);
		}
		const shard = streams.shard(stream, input.ShardId);
		if (!shard) throw resourceNotFound(`Shard ${input.ShardId} in stream ${stream.name} under account ${streams.account} does not exist`);
		const start = startingPosition(context, stream, shard.index, input.StartingPosition);

		const key = `${consumerArn}|${shard.index}`;
		let end: ServiceError | undefined;
		let wake = () => {};
		const subscription: Subscription = {
			startedMs: nowMs,
			end: (error) => {
				end = error;
				wake();
			},
		};
		try {
			consumers.subscribe(
				key,
				`Another active subscription exists for this consumer: ${streams.account}:${stream.name}:${shardIdOf(shard.index)}:${consumer.name}`,
				subscription,
			);
		} catch (error) {
			context.metrics.subscribeToShard(stream, consumer.name, false, nowMs);
			throw error;
		}
		context.metrics.subscribeToShard(stream, consumer.name, true, nowMs);
		return new EventStreamReply((signal) =>
			pushEvents(
				{streams, consumers, store: context.store, metrics: context.metrics, throughput: context.throughput},
				{stream, consumer, shardIndex: shard.index, start},
				signal,
				{
					ended: () => end,
					onWake: (callback) => (wake = callback),
					close: () => consumers.unsubscribe(key, subscription),
				},
			),
		);
	},
	// "You can make one call to SubscribeToShard per second per registered consumer per shard." (API_SubscribeToShard)
	{quota: {perSecond: 1, scope: 'consumerShard'}},
);

interface Engine {
	readonly streams: Streams;
	readonly consumers: Consumers;
	readonly store: ActionContext['store'];
	readonly metrics: ActionContext['metrics'];
	readonly throughput: ActionContext['throughput'];
}

interface Target {
	readonly stream: StreamState;
	readonly consumer: ConsumerState;
	readonly shardIndex: number;
	/** The first position to send. */
	readonly start: number;
}

interface Control {
	/** Set once another subscription took over. */
	ended(): ServiceError | undefined;
	onWake(callback: () => void): void;
	close(): void;
}

// Longer than 80 lines on purpose: one loop over a subscription's life (wait, read, frame, send, end)
// whose state (position, the wake-up, the lifetime timer, the pace) its steps share; split, they would pass it all around.
async function* pushEvents(engine: Engine, target: Target, signal: AbortSignal, control: Control): AsyncGenerator<StreamEvent> {
	const {streams, consumers, store, metrics} = engine;
	const pace = engine.throughput.fanOutPace();
	const {stream, consumer, shardIndex} = target;
	let position = target.start;
	// Something may have changed since the last read: records, the stream, the consumer, the lifetime.
	let news = true;
	let expired = false;
	let resolveWait: (() => void) | undefined;
	const poke = () => {
		news = true;
		resolveWait?.();
	};
	/** Waits that long, or until something changes. */
	const pause = (ms: number) =>
		new Promise<void>((resolve) => {
			const done = () => {
				clearTimeout(timer);
				resolveWait = undefined;
				resolve();
			};
			const timer = setTimeout(done, ms);
			resolveWait = done;
		});
	const unwatch = streams.watch(stream, shardIndex, poke);
	control.onWake(poke);
	signal.addEventListener('abort', poke);
	const lifetime = setTimeout(() => {
		expired = true;
		poke();
	}, consumers.timings.subscriptionMs);
	let lastSentMs = Number.NEGATIVE_INFINITY;
	const sequence = sequenceWriter(stream, shardIndex).format;

	try {
		while (!signal.aborted && !expired) {
			const takenOver = control.ended();
			if (takenOver) {
				yield {kind: 'exception', type: takenOver.type, message: takenOver.message};
				return;
			}
			const paceMs = pace?.waitMs() ?? 0;
			if (paceMs > 0) {
				await pause(paceMs);
				continue;
			}
			news = false;
			const nowMs = consumers.now();
			const current = streams.lookup(stream.region, stream.name, nowMs);
			if (current?.uid !== stream.uid || current.status === 'DELETING') {
				yield {
					kind: 'exception',
					type: 'ResourceNotFoundException',
					message: `Stream ${stream.name} under account ${streams.account} not found.`,
				};
				return;
			}
			const live = consumers.of(current, nowMs).find((each) => each.name === consumer.name && each.createdMs === consumer.createdMs);
			if (!live || consumers.statusOf(live, nowMs) !== 'ACTIVE') {
				yield {
					kind: 'exception',
					type: 'ResourceNotFoundException',
					message: `Consumer ${consumers.arnOf(stream, consumer)}, account ${streams.account} not found.`,
				};
				return;
			}
			const shard = current.shards[shardIndex];
			if (!shard) return;

			const minArrivalMs = nowMs - current.retentionHours * 3_600_000;
			const from = Math.max(position, positionAt(minArrivalMs));
			const page = store.readPage(stream.uid, shardIndex, from, {maxRecords: EVENT_MAX_RECORDS, maxBytes: EVENT_MAX_BYTES, minArrivalMs});
			const {next, last} = page;
			const records = recordsOf(page);
			if (last) position = last.position + 1;
			const closed = shard.endPosition !== undefined && next === undefined;
			const atEnd = closed && streams.settledThrough(current, shard.endPosition ?? 0);

			if (records.length > 0 || atEnd || Date.now() - lastSentMs >= HEARTBEAT_MS) {
				yield {
					kind: 'event',
					type: 'SubscribeToShardEvent',
					payload: {
						Records: records.map((record) => ({
							SequenceNumber: sequence(record.position),
							ApproximateArrivalTimestamp: new Timestamp(record.arrivalMs),
							Data: new Blob(record.data),
							PartitionKey: record.partitionKey,
							...(encryptionAt(current, record.position) === 'KMS' ? {EncryptionType: 'KMS'} : {}),
						})),
						MillisBehindLatest: next ? Math.max(0, nowMs - next.arrivalMs) : 0,
						// At a shard's end there is nothing to continue from: the children are where to go next.
						...(atEnd ? {ChildShards: childShards(current, shard)} : {ContinuationSequenceNumber: sequence(position - 1)}),
					},
				};
				lastSentMs = Date.now();
				if (records.length > 0) pace?.spent(page.bytes);
				metrics.subscribeToShardEvent(
					current,
					shardIndex,
					consumer.name,
					{
						records: records.length,
						bytes: page.bytes,
						millisBehindLatest: next ? Math.max(0, nowMs - next.arrivalMs) : 0,
					},
					consumers.now(),
				);
			}
			if (atEnd) return;
			if (next || news) continue;
			await pause(closed ? SETTLE_RETRY_MS : Math.max(0, lastSentMs + HEARTBEAT_MS - Date.now()));
		}
	} catch (error) {
		// The subscription is the only one to hear of it: say so on the stream, as AWS does, and end.
		console.error('kinesis-console engine: subscription failure:', error instanceof Error ? error.stack : error);
		const failure = internalFailure();
		yield {kind: 'exception', type: 'InternalFailureException', message: failure.message};
	} finally {
		clearTimeout(lifetime);
		unwatch();
		signal.removeEventListener('abort', poke);
		control.close();
	}
}

/** Where a subscription starts, as GetShardIterator places an iterator of the same type. */
function startingPosition(
	context: ActionContext,
	stream: StreamState,
	shardIndex: number,
	start: {Type: (typeof POSITION_TYPES)[number] | string; SequenceNumber?: string; Timestamp?: Date},
): number {
	const shard = stream.shards[shardIndex];
	const afterEnd = () => (shard?.endPosition === undefined ? context.streams.lastPosition(stream) + 1 : shard.endPosition + 1);
	switch (start.Type) {
		case 'AT_SEQUENCE_NUMBER':
		case 'AFTER_SEQUENCE_NUMBER': {
			if (start.SequenceNumber === undefined) {
				throw invalidArgument(`StartingPosition of type ${start.Type} requires a SequenceNumber.`);
			}
			const parts = parseSequenceNumber(start.SequenceNumber);
			if (!parts || parts.shardIndex !== shardIndex || !isFromStream(parts, stream)) {
				throw invalidArgument(
					`StartingSequenceNumber ${start.SequenceNumber} used in SubscribeToShard on shard ${shardIdOf(shardIndex)} in stream ${stream.name} under account ${context.streams.account} is invalid.`,
				);
			}
			return parts.position + (start.Type === 'AFTER_SEQUENCE_NUMBER' ? 1 : 0);
		}
		case 'TRIM_HORIZON':
			return shard?.startPosition ?? 0;
		case 'LATEST':
			return afterEnd();
		default: {
			if (start.Timestamp === undefined) throw invalidArgument('StartingPosition of type AT_TIMESTAMP requires a Timestamp.');
			const ms = Math.min(start.Timestamp.getTime(), context.nowMs);
			const from = Math.max(positionAt(ms), shard?.startPosition ?? 0);
			return context.store.firstArrivedSince(stream.uid, shardIndex, from, ms) ?? afterEnd();
		}
	}
}
