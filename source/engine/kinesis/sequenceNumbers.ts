/**
 * Sequence numbers: fixed-width decimal strings, so they compare the same as strings and as numbers.
 *   "4" | stream creation time (14 digits, ms) | position (17 digits) | shard index (10 digits)
 * The position is a per-stream counter derived from arrival time (ms * 1000 + n), so numbers increase
 * strictly within a shard, sort by arrival across the stream, and keep increasing across restarts.
 * The creation time tells a number from an earlier stream of the same name.
 */
const VERSION = '4';
export const POSITION_DIGITS = 17;
const LENGTH = 1 + 14 + POSITION_DIGITS + 10;
/** A position is above 2^31: as two smaller integers it turns into digits several times faster than as one. */
const LOW_DIGITS = 8;
const LOW_BASE = 10 ** LOW_DIGITS;

export interface SequenceParts {
	readonly streamCreatedMs: number;
	readonly position: number;
	readonly shardIndex: number;
}

export function formatSequenceNumber(parts: SequenceParts): string {
	return sequenceFormatter(parts.streamCreatedMs, parts.shardIndex)(parts.position);
}

/** A formatter for one shard's sequence numbers: the fixed parts are padded once, the position each time. */
export function sequenceFormatter(streamCreatedMs: number, shardIndex: number): (position: number) => string {
	const {prefix, suffix} = sequenceParts(streamCreatedMs, shardIndex);
	return (position) => {
		const high = Math.floor(position / LOW_BASE);
		return (
			prefix +
			String(high).padStart(POSITION_DIGITS - LOW_DIGITS, '0') +
			String(position - high * LOW_BASE).padStart(LOW_DIGITS, '0') +
			suffix
		);
	};
}

/** The text before and after the position in one shard's sequence numbers. */
export function sequenceParts(streamCreatedMs: number, shardIndex: number): {prefix: string; suffix: string} {
	return {prefix: VERSION + String(streamCreatedMs).padStart(14, '0'), suffix: String(shardIndex).padStart(10, '0')};
}

/** Writes a position's digits, as they stand in a sequence number, as ASCII at an offset; returns the offset after them. */
export function writePositionDigits(out: Buffer, offset: number, position: number): number {
	// Pages are read in order, so a position is most often the last one plus one: its digits are the last
	// ones counted up, at a fraction of the cost of dividing them out again.
	if (position === lastPosition + 1) countUp();
	else formatDigits(position);
	lastPosition = position;
	out.set(lastDigits, offset);
	return offset + POSITION_DIGITS;
}

/** The digits of the position written last, as ASCII. */
const lastDigits = new Uint8Array(POSITION_DIGITS);
let lastPosition = -2;

function countUp(): void {
	let index = POSITION_DIGITS - 1;
	while (index >= 0 && lastDigits[index] === 0x39) lastDigits[index--] = 0x30;
	if (index >= 0) lastDigits[index] = (lastDigits[index] as number) + 1;
}

function formatDigits(position: number): void {
	// Two digits at a time.
	const high = Math.floor(position / LOW_BASE);
	writePairs(lastDigits, POSITION_DIGITS, position - high * LOW_BASE, LOW_DIGITS / 2);
	writePairs(lastDigits, POSITION_DIGITS - LOW_DIGITS, high, (POSITION_DIGITS - LOW_DIGITS - 1) / 2);
	lastDigits[0] = 48 + (Math.floor(high / 10 ** (POSITION_DIGITS - LOW_DIGITS - 1)) % 10);
}

const PAIRS = Buffer.from(Array.from({length: 100}, (_, n) => String(n).padStart(2, '0')).join(''), 'latin1');

function writePairs(out: Uint8Array, end: number, value: number, pairs: number): void {
	let rest = value;
	for (let pair = 0, at = end - 2; pair < pairs; pair++, at -= 2) {
		const next = Math.floor(rest / 100);
		const digits = (rest - next * 100) * 2;
		out[at] = PAIRS[digits] as number;
		out[at + 1] = PAIRS[digits + 1] as number;
		rest = next;
	}
}

/** Undefined when the text is not a sequence number this engine could have issued. */
export function parseSequenceNumber(text: string): SequenceParts | undefined {
	if (text.length !== LENGTH || !text.startsWith(VERSION) || !/^\d+$/.test(text)) return undefined;
	return {
		streamCreatedMs: Number(text.slice(1, 15)),
		position: Number(text.slice(15, 32)),
		shardIndex: Number(text.slice(32)),
	};
}

/** The first position handed out at or after a time: positions are never below arrival ms * 1000. */
export const positionAt = (ms: number): number => Math.floor(ms) * 1000;
