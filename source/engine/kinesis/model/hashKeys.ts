/**
 * Hash keys are unsigned 128-bit integers. Shards keep their ranges as 32-digit lowercase hex strings,
 * which compare correctly as plain strings; a record's key is routed as four 32-bit words
 * (writeRecords.ts, md5.ts), with no string per record. They are decimal strings on the wire, as AWS writes them.
 */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

export const toHex = (value: bigint): string => value.toString(16).padStart(32, '0');
export const fromHex = (hex: string): bigint => BigInt(`0x${hex}`);
export const hexToDecimal = (hex: string): string => fromHex(hex).toString(10);

/** The hash ranges of a new stream's shards: the key space split evenly, the last shard taking the remainder. */
export function evenRanges(count: number): Array<{start: string; end: string}> {
	const step = (MAX_HASH_KEY + 1n) / BigInt(count);
	return Array.from({length: count}, (_, index) => {
		const start = step * BigInt(index);
		const end = index === count - 1 ? MAX_HASH_KEY : step * BigInt(index + 1) - 1n;
		return {start: toHex(start), end: toHex(end)};
	});
}
