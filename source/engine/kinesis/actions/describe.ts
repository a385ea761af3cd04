import {Timestamp} from '../../protocol/values.js';
import type {ShardState, StreamState} from '../../store/streamState.js';
import {hexToDecimal} from '../model/hashKeys.js';
import {shardIdOf} from '../model/names.js';
import {sequenceWriter} from '../model/sequenceNumbers.js';
import type {Streams} from '../model/streams.js';

/** Descriptions of streams and shards, shaped as the Kinesis API returns them. */
export function describeShard(stream: StreamState, shard: ShardState) {
	const sequence = sequenceWriter(stream, shard.index).format;
	return {
		ShardId: shardIdOf(shard.index),
		...(shard.parentIndex === undefined ? {} : {ParentShardId: shardIdOf(shard.parentIndex)}),
		...(shard.adjacentParentIndex === undefined ? {} : {AdjacentParentShardId: shardIdOf(shard.adjacentParentIndex)}),
		HashKeyRange: {StartingHashKey: hexToDecimal(shard.startHash), EndingHashKey: hexToDecimal(shard.endHash)},
		SequenceNumberRange: {
			StartingSequenceNumber: sequence(shard.startPosition),
			...(shard.endPosition === undefined ? {} : {EndingSequenceNumber: sequence(shard.endPosition)}),
		},
	};
}

/**
 * The shards a description lists: none while CREATING, nor while DELETING a stream deleted while CREATING
 * (AWS's answer, recorded in mhart/kinesalite test/deleteStream.js, "should allow stream to be deleted while
 * it is being created": `StreamStatus: 'DELETING', ..., HasMoreShards: false, Shards: []`), and not those
 * closed longer ago than retention. A stream deleted once ACTIVE keeps listing its shards while DELETING:
 * no recorded answer or AWS page says otherwise.
 */
export function visibleShards(stream: StreamState, nowMs: number): ShardState[] {
	if (stream.status === 'CREATING' || stream.deletedWhileCreating) return [];
	const horizonPosition = (nowMs - stream.retentionHours * 3_600_000) * 1000;
	return stream.shards.filter((shard) => shard.endPosition === undefined || shard.endPosition >= horizonPosition);
}

export function describeSummary(streams: Streams, stream: StreamState, nowMs: number) {
	const shards = visibleShards(stream, nowMs);
	return {
		StreamName: stream.name,
		StreamARN: streams.arnOf(stream),
		StreamStatus: stream.status,
		StreamModeDetails: {StreamMode: stream.mode},
		RetentionPeriodHours: stream.retentionHours,
		StreamCreationTimestamp: new Timestamp(stream.createdMs),
		EnhancedMonitoring: [{ShardLevelMetrics: [...stream.enhancedMonitoring]}],
		EncryptionType: stream.encryption.type,
		...(stream.encryption.keyId === undefined ? {} : {KeyId: stream.encryption.keyId}),
		OpenShardCount: shards.filter((shard) => shard.endPosition === undefined).length,
		// Registered enhanced fan-out consumers, DELETING ones included until they are gone.
		ConsumerCount: (stream.consumers ?? []).filter((consumer) => consumer.goneAtMs === undefined || nowMs < consumer.goneAtMs).length,
	};
}
