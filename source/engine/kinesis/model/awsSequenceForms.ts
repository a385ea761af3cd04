/**
 * How AWS reads a sequence number that the engine did not issue, as kinesalite found it (mhart/kinesalite,
 * db/index.js parseSequence; its suite was asserted against AWS): a number below 2^124 is read with 2^124
 * added; below 2^129 it is of the old form ("version 0"), the shard index in hex digits 28..32; between
 * 2^185 and 1.5 × 2^185 the last hex digit is the version, and only 1 and 2 exist. In version 2 the shard
 * index (hex 38..46) is a signed 32-bit number, the sequence index (hex 11..27) must not have its top bit
 * set, and the arrival second is hex 29..38; in version 1 the arrival second is hex 13..22. A shard creation
 * second (hex 1..10) of 16,025,175,000 or more is refused.
 */
export interface AwsSequenceForm {
	readonly version: 0 | 1 | 2;
	readonly shardIndex: number;
	/** The arrival the number carries, in ms; the old form carries none. */
	readonly arrivalMs?: number;
}

const OLD_FORM_OFFSET = 1n << 124n;
const OLD_FORM_END = 1n << 129n;
const LOWEST = 1n << 185n;
const BEYOND = 3n << 184n;
const LAST_CREATION_SECOND = 16_025_175_000;

const hexNumber = (hex: string, from: number, to: number): number => Number.parseInt(hex.slice(from, to), 16);

/** Undefined when AWS refuses the number as invalid. */
export function awsSequenceForm(text: string): AwsSequenceForm | undefined {
	if (!/^\d+$/.test(text)) return undefined;
	let value = BigInt(text);
	if (value < OLD_FORM_OFFSET) value += OLD_FORM_OFFSET;
	const hex = value.toString(16);
	if (value < OLD_FORM_END) {
		return hexNumber(hex, 1, 10) >= LAST_CREATION_SECOND ? undefined : {version: 0, shardIndex: hexNumber(hex, 28, 32)};
	}
	if (value <= LOWEST || value >= BEYOND) return undefined;
	const version = hexNumber(hex, 46, 47);
	if (version === 1) return {version, shardIndex: hexNumber(hex, 38, 46), arrivalMs: hexNumber(hex, 13, 22) * 1000};
	if (version !== 2 || hexNumber(hex, 11, 12) > 7 || hexNumber(hex, 1, 10) >= LAST_CREATION_SECOND) return undefined;
	return {version, shardIndex: hexNumber(hex, 38, 46) | 0, arrivalMs: hexNumber(hex, 29, 38) * 1000};
}

/**
 * A shard id as AWS prints the one a number encodes: Java's "shardId-%012d", so that a negative index keeps
 * its sign first ("It encodes shardId--02147483648", kinesalite's test/getShardIterator.js).
 */
export const encodedShardId = (index: number): string =>
	index < 0 ? `shardId--${String(-index).padStart(11, '0')}` : `shardId-${String(index).padStart(12, '0')}`;
