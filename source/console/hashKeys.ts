import {createHash} from 'node:crypto';
import type {KinesisClient, Shard} from '@aws-sdk/client-kinesis';
import {isClosed, listAllShards, type StreamRef} from './aws/shards.js';

/**
 * Hash keys, as Kinesis routes records: a record goes to the open shard whose hash key range holds the
 * MD5 of its partition key read as an unsigned 128-bit big-endian integer, or its ExplicitHashKey when
 * it has one. Hash keys are decimal strings on the wire.
 */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

/** The hash key of a partition key: MD5 of its UTF-8 bytes as an unsigned 128-bit integer. */
export function partitionKeyHash(partitionKey: string): bigint {
	return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/** Why a text is not an ExplicitHashKey, or undefined when it is one (a decimal from 0 to 2^128 - 1, as AWS takes it). */
export function hashKeyProblem(text: string): string | undefined {
	if (!/^(0|[1-9]\d{0,38})$/.test(text))
		return `'${text}' is not a hash key: a decimal integer from 0 to 2^128 - 1, with no sign or leading zeros.`;
	if (BigInt(text) > MAX_HASH_KEY) return `'${text}' is not a hash key: it is larger than 2^128 - 1 (${MAX_HASH_KEY}).`;
	return undefined;
}

/** Whether a shard's hash key range holds a hash key. */
function shardHolds(shard: Shard, hashKey: bigint): boolean {
	const range = shard.HashKeyRange;
	if (range?.StartingHashKey === undefined || range.EndingHashKey === undefined) return false;
	return BigInt(range.StartingHashKey) <= hashKey && hashKey <= BigInt(range.EndingHashKey);
}

/** Where a hash key goes: the open shard that takes it now, and the closed shards that took it before. */
export interface ShardLookup {
	/** The partition key asked about, when there is one. */
	readonly partitionKey?: string;
	/** The hash key routed by, in decimal. */
	readonly hashKey: string;
	/** What decided the hash key: the partition key's MD5, or an explicit hash key. */
	readonly hashKeySource: 'partition-key' | 'explicit-hash-key';
	/** The open shard holding the hash key; undefined when no open shard does (a stream being deleted). */
	readonly shard?: Shard;
	/** Closed shards whose range held the hash key: where older records of the key may still be. */
	readonly closedShardIds: readonly string[];
}

/** Looks keys up among a stream's shards (as {@link listAllShards} returns them). */
export function locate(shards: readonly Shard[], key: {readonly partitionKey?: string; readonly explicitHashKey?: string}): ShardLookup {
	let hashKey: bigint;
	if (key.explicitHashKey !== undefined) {
		const problem = hashKeyProblem(key.explicitHashKey);
		if (problem !== undefined) throw new RangeError(problem);
		hashKey = BigInt(key.explicitHashKey);
	} else if (key.partitionKey !== undefined) {
		hashKey = partitionKeyHash(key.partitionKey);
	} else {
		throw new TypeError('locate needs a partition key or an explicit hash key');
	}
	const holding = shards.filter((shard) => shardHolds(shard, hashKey));
	const open = holding.find((shard) => !isClosed(shard));
	return {
		...(key.partitionKey === undefined ? {} : {partitionKey: key.partitionKey}),
		hashKey: hashKey.toString(10),
		hashKeySource: key.explicitHashKey === undefined ? 'partition-key' : 'explicit-hash-key',
		...(open === undefined ? {} : {shard: open}),
		closedShardIds: holding
			.filter(isClosed)
			.map((shard) => shard.ShardId ?? '')
			.filter((id) => id !== ''),
	};
}

/** Lists a stream's shards (every ListShards page) and finds the shard of each key. */
export async function findShards(
	kinesis: KinesisClient,
	stream: StreamRef,
	keys: ReadonlyArray<{readonly partitionKey?: string; readonly explicitHashKey?: string}>,
	signal?: AbortSignal,
): Promise<ShardLookup[]> {
	const shards = await listAllShards(kinesis, stream, signal);
	return keys.map((key) => locate(shards, key));
}
