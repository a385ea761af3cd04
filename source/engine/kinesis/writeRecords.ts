import {ServiceError, invalidArgument, resourceNotFound} from '../protocol/errors.js';
import {isOpen, type ShardState, type StreamState} from '../store/streamState.js';
import type {ActionContext} from './action.js';
import {MAX_HASH_KEY, partitionKeyHash, toHex} from './hashKeys.js';
import {shardIdOf} from './names.js';
import {sequenceFormatter} from './sequenceNumbers.js';

export interface IncomingRecord {
	readonly PartitionKey: string;
	readonly Data: Buffer;
	readonly ExplicitHashKey?: string;
}

export type WriteOutcome = {readonly shard: ShardState; readonly sequenceNumber: string} | {readonly throttled: ServiceError};

export function throttledWrite(context: ActionContext, stream: StreamState, shard: ShardState): ServiceError {
	return new ServiceError(
		'ProvisionedThroughputExceededException',
		`Rate exceeded for shard ${shardIdOf(shard.index)} in stream ${stream.name} under account ${context.streams.account}.`,
	);
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

/** The open shard whose hash range holds a key (open shards tile the key space). */
export function shardFor(stream: StreamState, hashHex: string): ShardState {
	for (const shard of stream.shards) {
		if (isOpen(shard) && shard.startHash <= hashHex && hashHex <= shard.endHash) return shard;
	}
	throw new Error(`no open shard of ${stream.name} holds hash key ${hashHex}`);
}

/**
 * Stores the records each shard's write budget admits, in arrival order, and reports for every record
 * its shard and sequence number, or that it was throttled. Resolves once the stored ones are durable.
 * Positions are reserved synchronously, so concurrent requests interleave but never reorder.
 */
export async function writeRecords(
	context: ActionContext,
	stream: StreamState,
	records: ReadonlyArray<{readonly record: IncomingRecord; readonly hashHex: string}>,
	minimumPosition = 0,
): Promise<WriteOutcome[]> {
	const routed = records.map(({record, hashHex}) => {
		const shard = shardFor(stream, hashHex);
		const bytes = record.Data.length + Buffer.byteLength(record.PartitionKey);
		return {record, shard, bytes, admitted: context.throughput.admitWrite(stream.uid, shard.index, bytes, context.nowMs)};
	});
	const admitted = routed.filter((entry) => entry.admitted);
	if (admitted.length === 0) {
		context.metrics.writes(stream, routed, context.nowMs);
		return routed.map(({shard}) => ({throttled: throttledWrite(context, stream, shard)}));
	}

	const {first, arrivalMs} = context.streams.reservePositions(stream, admitted.length, context.nowMs, minimumPosition);
	let position = first;
	const outcomes: WriteOutcome[] = [];
	const stored = [];
	const formatters = new Map<number, (position: number) => string>();
	for (const {record, shard, admitted: isAdmitted} of routed) {
		if (!isAdmitted) {
			outcomes.push({throttled: throttledWrite(context, stream, shard)});
			continue;
		}
		let sequenceOf = formatters.get(shard.index);
		if (!sequenceOf) formatters.set(shard.index, (sequenceOf = sequenceFormatter(stream.createdMs, shard.index)));
		outcomes.push({shard, sequenceNumber: sequenceOf(position)});
		stored.push({shardIndex: shard.index, position, arrivalMs, partitionKey: record.PartitionKey, data: record.Data});
		position++;
	}
	await context.streams.tracked(stream, first, context.store.append(stream.uid, stored));
	// Enhanced fan-out subscriptions push records as they arrive.
	context.streams.recordsAppended(stream, stored.map((record) => record.shardIndex));
	context.metrics.writes(stream, routed, context.nowMs);
	return outcomes;
}
