import {GetShardIteratorCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {streamParameters, type StreamRef} from '../aws/shards.js';
import {checkpointPosition, type Lease} from '../leases.js';

/**
 * Whose a single-stream lease table's leases are. Such a table does not name its stream (a multi-stream
 * one does, in its lease keys), so a name typed wrong finds another stream's application whose shard ids
 * the stream shares: shardId-000000000000 is in every stream. Its leases are another stream's when none is
 * of a shard the stream lists, when an unfinished one is of a shard it does not list, or when the stream
 * refuses one of its sequence-number checkpoints (GetShardIterator AFTER_SEQUENCE_NUMBER answers
 * InvalidArgumentException for a sequence number "that did not come from this stream").
 */
export type LeaseOwnership =
	/** One of its checkpoints was accepted by the stream's shard. */
	| {readonly kind: 'checkpoint'}
	/** Its shards are the stream's; no checkpoint could confirm it (none is a sequence number, or Kinesis did not say). */
	| {readonly kind: 'shard-ids'}
	| {readonly kind: 'other-stream'; readonly reason: string};

export async function leaseOwnership(
	kinesis: KinesisClient,
	stream: StreamRef,
	leases: readonly Lease[],
	shardIds: ReadonlySet<string>,
	signal?: AbortSignal,
): Promise<LeaseOwnership> {
	if (!leases.some((lease) => shardIds.has(lease.shardId))) {
		return {kind: 'other-stream', reason: leases.length === 0 ? 'it has no leases' : 'none of its leases is of a shard the stream lists'};
	}
	// Finished leases of shards past the stream's retention are the stream's own history.
	const elsewhere = leases.filter((lease) => !shardIds.has(lease.shardId) && checkpointPosition(lease).type !== 'SHARD_END');
	if (elsewhere.length > 0) {
		const some = elsewhere
			.slice(0, 3)
			.map((lease) => lease.shardId)
			.join(', ');
		return {
			kind: 'other-stream',
			reason: `${elsewhere.length} of its unfinished leases ${elsewhere.length === 1 ? 'is' : 'are'} of shards the stream does not list (${some}${elsewhere.length > 3 ? ', …' : ''})`,
		};
	}
	const witness = leases.find((lease) => shardIds.has(lease.shardId) && checkpointPosition(lease).type === 'SEQUENCE_NUMBER');
	if (witness?.checkpoint === undefined) return {kind: 'shard-ids'};
	try {
		await kinesis.send(
			new GetShardIteratorCommand({
				...streamParameters(stream),
				ShardId: witness.shardId,
				ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
				StartingSequenceNumber: witness.checkpoint,
			}),
			signal ? {abortSignal: signal} : {},
		);
		return {kind: 'checkpoint'};
	} catch (error) {
		if (signal?.aborted) throw error;
		if ((error as {name?: string}).name === 'InvalidArgumentException')
			return {kind: 'other-stream', reason: `Kinesis refuses its checkpoint of ${witness.shardId} as a sequence number of another stream`};
		// Throttled or denied: the shard ids are all there is to go by.
		return {kind: 'shard-ids'};
	}
}
