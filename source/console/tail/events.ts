import type {Shard} from '@aws-sdk/client-kinesis';
import type {RetryReport} from '../aws/retry.js';
import type {StartPosition} from './positions.js';

/** One record as a tail delivers it. */
export interface TailRecord {
	readonly shardId: string;
	readonly sequenceNumber: string;
	readonly arrivalTime: Date;
	readonly partitionKey: string;
	readonly data: Uint8Array;
	readonly encryptionType?: string;
}

/** What a tail reports, in order per shard. Records come in the batches GetRecords returned. */
export type TailEvent =
	| {readonly type: 'shards'; readonly shards: readonly Shard[]}
	| {readonly type: 'shard-started'; readonly shardId: string; readonly position: StartPosition}
	| {
			readonly type: 'records';
			readonly shardId: string;
			readonly records: readonly TailRecord[];
			readonly bytes: number;
			readonly millisBehindLatest: number | undefined;
			readonly atMs: number;
	  }
	| {readonly type: 'polled'; readonly shardId: string; readonly millisBehindLatest: number | undefined; readonly atMs: number}
	| {readonly type: 'caught-up'; readonly shardId: string}
	| {readonly type: 'shard-ended'; readonly shardId: string; readonly childShardIds: readonly string[]}
	/**
	 * A call failed and is tried again after `delayMs`: the retry helper's report (aws/retry.ts), for a
	 * shard, or for the shard listing when `shardId` is ''. `kind` says whether it was throttled; `error`
	 * is what failed, to describe it.
	 */
	| {
			readonly type: 'retrying';
			readonly shardId: string;
			readonly kind: RetryReport['kind'];
			readonly reason: string;
			readonly attempt: number;
			readonly delayMs: number;
			readonly error?: unknown;
	  }
	/** A shard (or the listing, '') that was retrying has made a call that worked. */
	| {readonly type: 'recovered'; readonly shardId: string}
	| {readonly type: 'failed'; readonly shardId?: string; readonly error: unknown};
