import * as crypto from 'node:crypto';
import {createHash} from 'node:crypto';

/**
 * Hash keys are unsigned 128-bit integers. They are kept as 32-digit lowercase hex strings inside the
 * engine, because fixed-width hex compares correctly as plain strings, which keeps routing a record
 * to its shard cheap; they are decimal strings on the wire, as AWS writes them.
 */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

export const toHex = (value: bigint): string => value.toString(16).padStart(32, '0');
export const fromHex = (hex: string): bigint => BigInt(`0x${hex}`);
export const hexToDecimal = (hex: string): string => fromHex(hex).toString(10);

// crypto.hash (Node >= 20.12) hashes a string in one call, twice as fast as a Hash object.
const oneShotHash = (crypto as {hash?: (algorithm: string, data: string, encoding: 'hex') => string}).hash;

export function partitionKeyHash(partitionKey: string): string {
	return oneShotHash ? oneShotHash('md5', partitionKey, 'hex') : createHash('md5').update(partitionKey, 'utf8').digest('hex');
}

/** The hash ranges of a new stream's shards: the key space split evenly, the last shard taking the remainder. */
export function evenRanges(count: number): Array<{start: string; end: string}> {
	const step = (MAX_HASH_KEY + 1n) / BigInt(count);
	return Array.from({length: count}, (_, index) => {
		const start = step * BigInt(index);
		const end = index === count - 1 ? MAX_HASH_KEY : step * BigInt(index + 1) - 1n;
		return {start: toHex(start), end: toHex(end)};
	});
}
