/**
 * The tail's SEQUENCE column: a few digits of each sequence number, the ones that tell the rows in view
 * apart. Where they are depends on who issued the numbers. AWS's 56 digits are a 186-bit number whose
 * middle holds a per-shard counter (hex 2|shard time|…|counter|time|shard|2), so consecutive records first
 * differ near the 28th digit, and their last digits, though different, are noise from the conversion to
 * decimal; the built-in engine's numbers end with the shard's index, the same on every row of a shard.
 * So the column shows the digits from where the rows of a shard first differ, not the last ones.
 */

/** Positions [start, end) of the digits in which rows of one shard differ; undefined when no two rows can be compared. */
export interface DigitSpan {
	readonly start: number;
	readonly end: number;
}

interface SequencedRow {
	readonly shardId: string;
	readonly sequenceNumber: string;
}

/**
 * Where the sequence numbers of the rows differ: the first and last digit in which two rows of the same
 * shard differ (rows of different shards differ in their shard, which has its own column). With no two
 * rows of one shard, rows of different shards are compared.
 */
export function distinguishingSpan(rows: readonly SequencedRow[]): DigitSpan | undefined {
	const byShard = new Map<string, string[]>();
	for (const row of rows) {
		const group = byShard.get(row.shardId);
		if (group) group.push(row.sequenceNumber);
		else byShard.set(row.shardId, [row.sequenceNumber]);
	}
	let span: DigitSpan | undefined;
	for (const group of byShard.values()) span = widest(span, spanOf(group));
	return span ?? spanOf(rows.map((row) => row.sequenceNumber));
}

function spanOf(sequences: readonly string[]): DigitSpan | undefined {
	const first = sequences[0];
	if (first === undefined || sequences.length < 2) return undefined;
	// Numbers of different lengths are compared from the left, as far as the shorter one goes.
	let start = first.length;
	let end = 0;
	for (const other of sequences) {
		const length = Math.min(first.length, other.length);
		let prefix = 0;
		while (prefix < length && first[prefix] === other[prefix]) prefix++;
		if (prefix === length && other.length === first.length) continue;
		let last = length - 1;
		while (last > prefix && first[last] === other[last]) last--;
		start = Math.min(start, prefix);
		end = Math.max(end, last + 1);
	}
	return end > start ? {start, end} : undefined;
}

const widest = (a: DigitSpan | undefined, b: DigitSpan | undefined): DigitSpan | undefined =>
	a === undefined ? b : b === undefined ? a : {start: Math.min(a.start, b.start), end: Math.max(a.end, b.end)};

/**
 * A sequence number in a cell of `width` characters: the distinguishing digits, with `..` where digits
 * are left out. When they fit, they are shown up to the last that differs (preceded by the digits before
 * them, for context); when they do not, from the first that differs, the most significant of them. With
 * no span, the last digits, as before anything could be compared.
 */
export function sequenceCell(sequence: string, span: DigitSpan | undefined, width: number): string {
	if (sequence.length <= width) return sequence;
	if (span === undefined || span.end > sequence.length) return `..${sequence.slice(-(width - 2))}`;
	const mark = '..';
	// The digits up to the end, if the span reaches it and fits with one mark.
	if (span.end === sequence.length && span.end - span.start <= width - mark.length)
		return `${mark}${sequence.slice(-(width - mark.length))}`;
	const room = width - 2 * mark.length;
	const from = span.end - span.start <= room ? Math.max(0, span.end - room) : span.start;
	const to = Math.min(sequence.length, from + room);
	return `${from > 0 ? mark : ''}${sequence.slice(from, to)}${to < sequence.length ? mark : ''}`;
}
