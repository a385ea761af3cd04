import {GetShardIteratorCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {streamParameters, type StreamRef} from '../aws/shards.js';
import {checkpointPosition, type Lease} from '../leases.js';
import {shardNumber} from '../reshard.js';
import {withRetries} from './scan.js';

/**
 * Whose a single-stream lease table's leases are. Such a table does not name its stream (a multi-stream
 * one does, in its lease keys), so a name typed wrong finds another stream's application whose shard ids
 * the stream shares: shardId-000000000000 is in every stream.
 *   - A sequence-number checkpoint the stream's shard accepts settles it: GetShardIterator
 *     AFTER_SEQUENCE_NUMBER answers InvalidArgumentException for a sequence number "that did not come
 *     from this stream".
 *   - Without that answer: its leases are another stream's when none is of a shard the stream lists, or
 *     when an unfinished one is of an unlisted shard numbered above the stream's lowest (below it, a shard
 *     past retention: the stream's own history, after downtime longer than retention).
 */
export type LeaseOwnership =
	/** One of its checkpoints was accepted by the stream's shard. */
	| {readonly kind: 'checkpoint'}
	/** Its shards are the stream's, and none of its checkpoints is a sequence number to confirm it with. */
	| {readonly kind: 'shard-ids'}
	/** Its shards are the stream's, but asking Kinesis failed (throttled, denied, unreachable): not confirmed. */
	| {readonly kind: 'unconfirmed'; readonly reason: string}
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
	let unconfirmed: string | undefined;
	const witness = leases.find((lease) => shardIds.has(lease.shardId) && checkpointPosition(lease).type === 'SEQUENCE_NUMBER');
	if (witness?.checkpoint !== undefined) {
		const checkpoint = witness.checkpoint;
		try {
			await withRetries(
				() =>
					kinesis.send(
						new GetShardIteratorCommand({
							...streamParameters(stream),
							ShardId: witness.shardId,
							ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
							StartingSequenceNumber: checkpoint,
						}),
						signal ? {abortSignal: signal} : {},
					),
				signal,
			);
			return {kind: 'checkpoint'};
		} catch (error) {
			if (signal?.aborted) throw error;
			const name = (error as {name?: string}).name;
			if (name === 'InvalidArgumentException')
				return {
					kind: 'other-stream',
					reason: `Kinesis refuses its checkpoint of ${witness.shardId} as a sequence number of another stream`,
				};
			unconfirmed = `Kinesis could not be asked about its checkpoint of ${witness.shardId}: ${name ?? 'Error'}: ${(error as Error).message}`;
		}
	}
	const lowest = Math.min(...[...shardIds].map(shardNumber));
	const elsewhere = leases.filter(
		(lease) => !shardIds.has(lease.shardId) && checkpointPosition(lease).type !== 'SHARD_END' && shardNumber(lease.shardId) > lowest,
	);
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
	return unconfirmed === undefined ? {kind: 'shard-ids'} : {kind: 'unconfirmed', reason: unconfirmed};
}
