/**
 * Sequence numbers: fixed-width decimal strings, so they compare the same as strings and as numbers.
 *   "4" | stream creation time (14 digits, ms) | position (17 digits) | shard index (10 digits)
 * The position is a per-stream counter derived from arrival time (ms * 1000 + n), so numbers increase
 * strictly within a shard, sort by arrival across the stream, and keep increasing across restarts.
 * The creation time tells a number from an earlier stream of the same name.
 */
const VERSION = '4';
const LENGTH = 1 + 14 + 17 + 10;

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
	const prefix = VERSION + String(streamCreatedMs).padStart(14, '0');
	const suffix = String(shardIndex).padStart(10, '0');
	return (position) => prefix + String(position).padStart(17, '0') + suffix;
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
