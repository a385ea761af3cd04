import type {ShardState, StreamState} from '../../store/streamState.js';

/**
 * Sequence numbers as AWS forms them: 56-digit decimal strings, the decimal form of a 47-digit hex
 * number laid out as kinesalite found AWS's (mhart/kinesalite, db/index.js, "version 2"):
 *
 *   2 | shard creation, epoch seconds (9) | shard index, last digit (1) | sequence index (16) | 00 |
 *     arrival, epoch seconds (9) | shard index (8) | 2
 *
 * The sequence index is the position (below 2^53) plus, above it, the millisecond within its second
 * that the stream was created at (below 1000, so the index stays below 2^63 as AWS's do): with the
 * creation second it tells a number from an earlier stream of the same name, or from another stream
 * created in the same second, as the engine's earlier numbers did with the creation time in ms.
 * The position is the engine's per-stream counter, derived from arrival time (ms * 1000 + n): it
 * increases strictly within a shard and keeps increasing across restarts, so a shard's numbers rise in
 * arrival order and all lie above its StartingSequenceNumber (the number of its opening position).
 * Every value lies in [2·16^46, 3·16^46), so every number has exactly 56 digits and numbers compare
 * the same as strings and as numbers. The shard creation second is the second the shard opened, and
 * always later than its parents' (see shardSecondOf), so that, as on AWS, a child's numbers lie above
 * its parents'.
 *
 * The store keys records by position, never by this text: only the printed form depends on it. Numbers
 * of the engine's previous form (42 digits: "4", stream creation ms (14), position (17), shard index
 * (10)), which clients may hold in checkpoints, are still read.
 */
export const SEQUENCE_DIGITS = 56;

/** What a sequence number says. */
export interface ParsedSequence {
	readonly position: number;
	readonly shardIndex: number;
	/** The shard creation second it carries; absent in a number of the previous form. */
	readonly shardSecond?: number;
	/** The millisecond within its second that the stream was created at; absent in a number of the previous form. */
	readonly streamMs?: number;
	/** The stream's creation, to the millisecond, that a number of the previous form carries. */
	readonly streamCreatedMs?: number;
}

/** What numbering a stream's shards needs to know of it. */
export type NumberedStream = Pick<StreamState, 'createdMs' | 'shards'>;

// The number is added up in base-10^7 limbs, least significant first, in doubles: every partial sum
// stays below 2^53, and 8 limbs hold 56 digits. This costs about a tenth of a BigInt's toString.
const LIMB = 10_000_000;
const LIMBS = 8;
const LIMB_SQUARED = LIMB * LIMB;
/** Steps between positions that the writer adds in 32-bit integers: 200 × a limb (< 10^7) stays below 2^31. */
const MAX_STEP = 200;
const limbsOf = (value: bigint): number[] =>
	Array.from({length: LIMBS}, (_, index) => Number((value / BigInt(LIMB) ** BigInt(index)) % BigInt(LIMB)));
// Where the stream's millisecond stands: above the position's 53 bits in the sequence index (which starts at 2^80).
const POSITION_BITS_AT = 133n;
// The position's place (16^20) and the arrival second's (16^9).
const [P0, P1, P2, P3] = limbsOf(1n << 80n) as [number, number, number, number];
const [S0, S1] = limbsOf(1n << 36n) as [number, number];

/** A writer of one shard's sequence numbers: the fixed parts are added up once, the position each time. */
export interface SequenceWriter {
	/** Writes the number of a position as 56 ASCII digits at an offset; returns the offset after them. */
	readonly write: (out: Uint8Array, offset: number, position: number) => number;
	readonly format: (position: number) => string;
}

/** The writer of a shard's sequence numbers. */
export const sequenceWriter = (stream: NumberedStream, shardIndex: number): SequenceWriter =>
	writerAt(shardSecondOf(stream, shardIndex), stream.createdMs % 1000, shardIndex);

const shardSeconds = new WeakMap<ShardState, number>();

/**
 * The creation second a shard's numbers carry: the second it opened (its start position's), or, when
 * that is not later than every parent's, one past the latest parent's. A shard that opened with the
 * stream carries the stream's creation second.
 */
export function shardSecondOf(stream: NumberedStream, shardIndex: number): number {
	const shard = stream.shards[shardIndex];
	if (!shard) return Math.floor(stream.createdMs / 1000);
	let second = shardSeconds.get(shard);
	if (second === undefined) {
		second = Math.floor(shard.startPosition / 1_000_000);
		for (const parent of [shard.parentIndex, shard.adjacentParentIndex]) {
			if (parent !== undefined && parent < shardIndex) second = Math.max(second, shardSecondOf(stream, parent) + 1);
		}
		shardSeconds.set(shard, second);
	}
	return second;
}

// Writers are made with BigInts (some microseconds); GetRecords asks for one each call, so they are kept.
const writers = new Map<string, SequenceWriter>();
const MAX_WRITERS = 10_000;

/** The writer of the numbers of a shard (its creation second and index) of a stream created at some millisecond of a second. */
export function writerAt(shardSecond: number, streamMs: number, shardIndex: number): SequenceWriter {
	const key = `${shardSecond}/${streamMs}/${shardIndex}`;
	let writer = writers.get(key);
	if (!writer) {
		if (writers.size >= MAX_WRITERS) writers.clear();
		writers.set(key, (writer = newWriter(shardSecond, streamMs, shardIndex)));
	}
	return writer;
}

// Longer than 80 lines on purpose: the hot path of GetRecords, written as closures over preallocated
// limbs so that writing a number allocates nothing; helper calls would box the doubles they pass.
function newWriter(shardSecond: number, streamMs: number, shardIndex: number): SequenceWriter {
	const fixed = limbsOf(
		(2n << 184n) +
			(BigInt(shardSecond) << 148n) +
			(BigInt(shardIndex & 0xf) << 144n) +
			(BigInt(streamMs) << POSITION_BITS_AT) +
			(BigInt(shardIndex) << 4n) +
			2n,
	);
	const [f0, f1, f2, f3, f4, f5, f6, f7] = fixed as [number, number, number, number, number, number, number, number];
	// The limbs of the number written last (in an Int32Array: each is below 10^7), then its position and
	// arrival second (in a Float64Array: positions pass 2^31): a page of GetRecords, or a shard's records
	// in a PutRecords answer, has a shard's positions in order, mostly within a second and a few apart,
	// where the next number is the last plus (step × 2^80): a few integer additions, which V8 does in
	// 32-bit registers, dividing by constants with multiplications. Typed arrays, because numbers in
	// closure variables are boxed, and each update would allocate.
	const lastLimbs = new Int32Array(LIMBS);
	const last = new Float64Array(2).fill(Number.NaN);
	// One closure on purpose: the eight limbs stay in locals from the sum to the digits; split into helpers,
	// they would be returned in an array or passed boxed, and the hot path would allocate.
	const write = (out: Uint8Array, offset: number, position: number): number => {
		const seconds = Math.floor(position / 1_000_000);
		const step = position - (last[0] as number);
		let l0: number;
		let l1: number;
		let l2: number;
		let l3: number;
		let l4: number;
		let l5: number;
		let l6: number;
		let l7: number;
		let carry: number;
		if (seconds === last[1] && step > 0 && step < MAX_STEP) {
			// Every sum below stays under 2^31: a limb (< 10^7) plus a carry plus step (< 200) × a limb.
			const small = step | 0;
			l0 = ((lastLimbs[0] as number) + small * P0) | 0;
			carry = (l0 / LIMB) | 0;
			l0 -= carry * LIMB;
			l1 = ((lastLimbs[1] as number) + carry + small * P1) | 0;
			carry = (l1 / LIMB) | 0;
			l1 -= carry * LIMB;
			l2 = ((lastLimbs[2] as number) + carry + small * P2) | 0;
			carry = (l2 / LIMB) | 0;
			l2 -= carry * LIMB;
			l3 = ((lastLimbs[3] as number) + carry + small * P3) | 0;
			carry = (l3 / LIMB) | 0;
			l3 -= carry * LIMB;
			l4 = (lastLimbs[4] as number) + carry;
			l5 = lastLimbs[5] as number;
			l6 = lastLimbs[6] as number;
			l7 = lastLimbs[7] as number;
		} else {
			const p2 = Math.floor(position / LIMB_SQUARED);
			const low = position - p2 * LIMB_SQUARED;
			const p1 = Math.floor(low / LIMB);
			const p0 = low - p1 * LIMB;
			const s1 = Math.floor(seconds / LIMB);
			const s0 = seconds - s1 * LIMB;
			// Limb k takes every product of a limb i of the multiplier and a limb j of the place with i + j = k.
			l0 = f0 + s0 * S0 + p0 * P0;
			carry = Math.floor(l0 / LIMB);
			l0 -= carry * LIMB;
			l1 = f1 + carry + s0 * S1 + s1 * S0 + p0 * P1 + p1 * P0;
			carry = Math.floor(l1 / LIMB);
			l1 -= carry * LIMB;
			l2 = f2 + carry + s1 * S1 + p0 * P2 + p1 * P1 + p2 * P0;
			carry = Math.floor(l2 / LIMB);
			l2 -= carry * LIMB;
			l3 = f3 + carry + p0 * P3 + p1 * P2 + p2 * P1;
			carry = Math.floor(l3 / LIMB);
			l3 -= carry * LIMB;
			l4 = f4 + carry + p1 * P3 + p2 * P2;
			l5 = f5 + p2 * P3;
			l6 = f6;
			l7 = f7;
		}
		// The upper limbs change only by a carry, now and then.
		if (l4 >= LIMB) {
			carry = Math.floor(l4 / LIMB);
			l4 -= carry * LIMB;
			l5 += carry;
		}
		if (l5 >= LIMB) {
			carry = Math.floor(l5 / LIMB);
			l5 -= carry * LIMB;
			l6 += carry;
		}
		if (l6 >= LIMB) {
			carry = Math.floor(l6 / LIMB);
			l6 -= carry * LIMB;
			l7 += carry;
		}
		lastLimbs[0] = l0;
		lastLimbs[1] = l1;
		lastLimbs[2] = l2;
		lastLimbs[3] = l3;
		lastLimbs[4] = l4;
		lastLimbs[5] = l5;
		lastLimbs[6] = l6;
		lastLimbs[7] = l7;
		last[0] = position;
		last[1] = seconds;
		// Read back as 32-bit integers, so that writing their digits divides as integers.
		writeLimb(out, offset, lastLimbs[7] as number);
		writeLimb(out, offset + 7, lastLimbs[6] as number);
		writeLimb(out, offset + 14, lastLimbs[5] as number);
		writeLimb(out, offset + 21, lastLimbs[4] as number);
		writeLimb(out, offset + 28, lastLimbs[3] as number);
		writeLimb(out, offset + 35, lastLimbs[2] as number);
		writeLimb(out, offset + 42, lastLimbs[1] as number);
		writeLimb(out, offset + 49, lastLimbs[0] as number);
		return offset + SEQUENCE_DIGITS;
	};
	const scratch = Buffer.alloc(SEQUENCE_DIGITS);
	return {
		write,
		format: (position) => {
			write(scratch, 0, position);
			return scratch.toString('latin1');
		},
	};
}

// The digits of every number below 10,000, four bytes each: a limb is written as three and four digits with one division.
const QUADS = Buffer.from(Array.from({length: 10_000}, (_, n) => String(n).padStart(4, '0')).join(''), 'latin1');

/** A limb's 7 digits, zero-padded. */
function writeLimb(out: Uint8Array, at: number, value: number): void {
	const high = (value / 10_000) | 0;
	const low = (value - high * 10_000) * 4;
	const top = high * 4;
	out[at] = QUADS[top + 1] as number;
	out[at + 1] = QUADS[top + 2] as number;
	out[at + 2] = QUADS[top + 3] as number;
	out[at + 3] = QUADS[low] as number;
	out[at + 4] = QUADS[low + 1] as number;
	out[at + 5] = QUADS[low + 2] as number;
	out[at + 6] = QUADS[low + 3] as number;
}

const LOWEST = 2n << 184n;
// Positions take the low 53 bits of the sequence index (16^20 up in the number); the stream's millisecond the bits above.
const POSITION_BITS = 53n;
const POSITION_MASK = (1n << POSITION_BITS) - 1n;
const BEYOND = 3n << 184n;

/** Undefined when the text is not a sequence number this engine could have issued. */
export function parseSequenceNumber(text: string): ParsedSequence | undefined {
	if (!/^[1-9]\d*$/.test(text)) return undefined;
	if (text.length === 42 && text.startsWith('4')) return parsePreviousForm(text);
	if (text.length !== SEQUENCE_DIGITS) return undefined;
	const value = BigInt(text);
	if (value < LOWEST || value >= BEYOND || (value & 0xfn) !== 2n) return undefined;
	const hex = value.toString(16);
	const index = BigInt(`0x${hex.slice(11, 27)}`);
	const streamMs = Number(index >> POSITION_BITS);
	const position = Number(index & POSITION_MASK);
	const shardIndex = Number.parseInt(hex.slice(38, 46), 16);
	// The fields the engine always writes so: a position it could hand out, the shard's last digit twice, no byte between,
	// a shard index below 2^31 (AWS reads the field as signed: see awsSequenceForms.ts).
	if (
		streamMs >= 1000 ||
		hex.slice(27, 29) !== '00' ||
		Number.parseInt(hex.charAt(10), 16) !== (shardIndex & 0xf) ||
		shardIndex > 0x7fff_ffff
	) {
		return undefined;
	}
	return {shardSecond: Number.parseInt(hex.slice(1, 10), 16), streamMs, position, shardIndex};
}

function parsePreviousForm(text: string): ParsedSequence {
	return {streamCreatedMs: Number(text.slice(1, 15)), position: Number(text.slice(15, 32)), shardIndex: Number(text.slice(32))};
}

/** Whether a parsed number came from this stream's shard it names (and not from an earlier stream of its name). */
export function isFromStream(parsed: ParsedSequence, stream: NumberedStream): boolean {
	if (parsed.streamCreatedMs !== undefined) return parsed.streamCreatedMs === stream.createdMs;
	return (
		parsed.shardIndex < stream.shards.length &&
		parsed.streamMs === stream.createdMs % 1000 &&
		parsed.shardSecond === shardSecondOf(stream, parsed.shardIndex)
	);
}

/** The first position handed out at or after a time: positions are never below arrival ms * 1000. */
export const positionAt = (ms: number): number => Math.floor(ms) * 1000;
