import {invalidArgument, resourceNotFound} from '../../protocol/errors.js';
import {isOpen, type ShardState, type StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {randomBytes} from 'node:crypto';
import {MAX_HASH_KEY, partitionKeyHash, toHex} from './hashKeys.js';

export interface IncomingRecord {
	readonly PartitionKey: string;
	readonly Data: Buffer;
	readonly ExplicitHashKey?: string;
}

/**
 * A record on its way into a shard, and then the outcome of its write: one object per record from
 * routing to storing to the answer, because PutRecords handles hundreds of them per call.
 */
export interface RoutedRecord {
	readonly partitionKey: string;
	readonly data: Buffer;
	readonly shard: ShardState;
	readonly shardIndex: number;
	/** What the record counts against the shard's write budget. */
	readonly bytes: number;
	/** False when the shard's write budget refused it (ProvisionedThroughputExceededException). */
	admitted: boolean;
	/** Where it was stored, when admitted. */
	position: number;
	arrivalMs: number;
}

/** The stream a write goes to: only ACTIVE and UPDATING streams take records, as on AWS. */
export function writableStream(context: ActionContext, ref: {StreamName?: string; StreamARN?: string}): StreamState {
	const stream = context.streams.find(context.region, ref, context.nowMs);
	if (stream.status !== 'ACTIVE' && stream.status !== 'UPDATING') {
		throw resourceNotFound(`Stream ${stream.name} under account ${context.streams.account} not found.`);
	}
	return stream;
}

/** The hash key a record is routed by, as 32-digit hex. */
export function hashKeyOf(record: IncomingRecord): string {
	if (record.ExplicitHashKey === undefined) return partitionKeyHash(record.PartitionKey);
	const value = BigInt(record.ExplicitHashKey);
	if (value > MAX_HASH_KEY) {
		throw invalidArgument(
			`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${record.ExplicitHashKey}`,
		);
	}
	return toHex(value);
}

export const RecordDistributionStrategy = {type: 'String', enum: ['AUTO', 'USER_PARTITION_KEY']} as const;

/**
 * The hash keys records are routed by. A bad ExplicitHashKey is refused either way; under AUTO, "Amazon
 * Kinesis Data Streams distributes records evenly across shards ... and ignores any partition key and
 * ExplicitHashKey" (UpdateStreamRecordDistributionStrategy), so each record gets a random hash key.
 */
export function routingHashes(stream: StreamState, records: readonly IncomingRecord[]): string[] {
	const hashes = records.map(hashKeyOf);
	return stream.recordDistribution === 'AUTO' ? hashes.map(() => randomBytes(16).toString('hex')) : hashes;
}

/** The open shard whose hash range holds a key (open shards tile the key space). */
export function shardFor(stream: StreamState, hashHex: string): ShardState {
	for (const shard of stream.shards) {
		if (isOpen(shard) && shard.startHash <= hashHex && hashHex <= shard.endHash) return shard;
	}
	throw new Error(`no open shard of ${stream.name} holds hash key ${hashHex}`);
}

/**
 * Stores the records each shard's write budget admits, in arrival order, and notes on every record
 * whether it was admitted and where it went. Resolves once the stored ones are durable. Positions are
 * reserved synchronously, so concurrent requests interleave but never reorder.
 */
export async function writeRecords(
	context: ActionContext,
	stream: StreamState,
	records: readonly IncomingRecord[],
	hashHexes: readonly string[],
	minimumPosition = 0,
): Promise<RoutedRecord[]> {
	const routed: RoutedRecord[] = [];
	const stored: RoutedRecord[] = [];
	for (let index = 0; index < records.length; index++) {
		const record = records[index] as IncomingRecord;
		const shard = shardFor(stream, hashHexes[index] as string);
		const bytes = record.Data.length + Buffer.byteLength(record.PartitionKey);
		const admitted = context.throughput.admitWrite(stream.uid, shard.index, bytes, context.nowMs);
		const entry: RoutedRecord = {
			partitionKey: record.PartitionKey,
			data: record.Data,
			shard,
			shardIndex: shard.index,
			bytes,
			admitted,
			position: 0,
			arrivalMs: 0,
		};
		routed.push(entry);
		if (admitted) stored.push(entry);
	}
	if (stored.length > 0) {
		const {first, arrivalMs} = context.streams.reservePositions(stream, stored.length, context.nowMs, minimumPosition);
		stored.forEach((entry, index) => {
			entry.position = first + index;
			entry.arrivalMs = arrivalMs;
		});
		await context.streams.tracked(stream, first, context.store.append(stream.uid, stored));
		// Enhanced fan-out subscriptions push records as they arrive.
		context.streams.recordsAppended(
			stream,
			stored.map((record) => record.shardIndex),
		);
	}
	context.metrics.writes(stream, routed, context.nowMs);
	return routed;
}
