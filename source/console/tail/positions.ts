import type {ShardIteratorType} from '@aws-sdk/client-kinesis';
import {parseIsoTime} from '../isoTime.js';

/** Where a reader starts in a shard. */
export type StartPosition =
	| {readonly type: 'TRIM_HORIZON'}
	| {readonly type: 'LATEST'}
	| {readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date}
	| {readonly type: 'AT_SEQUENCE_NUMBER'; readonly sequenceNumber: string}
	| {readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string};

export const TRIM_HORIZON: StartPosition = {type: 'TRIM_HORIZON'};
export const LATEST: StartPosition = {type: 'LATEST'};

const RELATIVE = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|hr|d|w)$/i;
const UNIT_MS: Record<string, number> = {
	ms: 1,
	s: 1000,
	sec: 1000,
	m: 60_000,
	min: 60_000,
	h: 3_600_000,
	hr: 3_600_000,
	d: 86_400_000,
	w: 604_800_000,
};
const SEQUENCE = /^\d{1,129}$/;

/**
 * Parses a starting position as people type it:
 *   trim-horizon | oldest          TRIM_HORIZON
 *   latest | now                   LATEST
 *   15m | 2h | 90s | 1d            AT_TIMESTAMP that long ago
 *   2024-05-01T10:00:00Z           AT_TIMESTAMP (any ISO 8601 time)
 *   at:SEQUENCE | SEQUENCE         AT_SEQUENCE_NUMBER
 *   after:SEQUENCE                 AFTER_SEQUENCE_NUMBER
 */
export function parseStartPosition(text: string, now: Date = new Date()): StartPosition {
	const value = text.trim();
	const lower = value.toLowerCase().replaceAll('_', '-');
	if (lower === 'trim-horizon' || lower === 'oldest' || lower === 'beginning') return TRIM_HORIZON;
	if (lower === 'latest' || lower === 'now' || lower === 'end') return LATEST;
	const relative = RELATIVE.exec(value);
	if (relative?.[1] && relative[2]) {
		return {type: 'AT_TIMESTAMP', timestamp: new Date(now.getTime() - Number(relative[1]) * (UNIT_MS[relative[2].toLowerCase()] ?? 0))};
	}
	const [prefix, rest] = splitPrefix(value);
	if (prefix === 'at' && rest && SEQUENCE.test(rest)) return {type: 'AT_SEQUENCE_NUMBER', sequenceNumber: rest};
	if (prefix === 'after' && rest && SEQUENCE.test(rest)) return {type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: rest};
	if (SEQUENCE.test(value) && value.length > 14) return {type: 'AT_SEQUENCE_NUMBER', sequenceNumber: value};
	const timestamp = parseIsoTime(value);
	if (timestamp !== undefined) return {type: 'AT_TIMESTAMP', timestamp};
	throw new Error(
		`Cannot read the starting position '${text}'. Use trim-horizon, latest, a time ago (15m, 2h, 1d), an ISO time (2024-05-01T10:00:00Z), at:SEQUENCE or after:SEQUENCE.`,
	);
}

/**
 * Why a tail cannot start at a position now, or undefined: a time after `now`, which Kinesis refuses
 * ("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis", GetShardIterator's
 * InvalidArgumentException; the engine says the same, source/engine/kinesis/actions/getShardIterator.ts).
 */
export function startPositionProblem(position: StartPosition, now: Date = new Date()): string | undefined {
	if (position.type !== 'AT_TIMESTAMP' || position.timestamp.getTime() <= now.getTime()) return undefined;
	return `${position.timestamp.toISOString()} is in the future (it is now ${now.toISOString()}): a tail starts at a time that has passed. To wait for new records, start from latest.`;
}

function splitPrefix(value: string): [string, string] | [] {
	const colon = value.indexOf(':');
	return colon > 0 ? [value.slice(0, colon).toLowerCase(), value.slice(colon + 1)] : [];
}

/** GetShardIterator's parameters for a position. */
export function iteratorRequest(position: StartPosition): {
	ShardIteratorType: ShardIteratorType;
	StartingSequenceNumber?: string;
	Timestamp?: Date;
} {
	switch (position.type) {
		case 'AT_TIMESTAMP':
			return {ShardIteratorType: 'AT_TIMESTAMP', Timestamp: position.timestamp};
		case 'AT_SEQUENCE_NUMBER':
		case 'AFTER_SEQUENCE_NUMBER':
			return {ShardIteratorType: position.type, StartingSequenceNumber: position.sequenceNumber};
		default:
			return {ShardIteratorType: position.type};
	}
}

export function describePosition(position: StartPosition): string {
	switch (position.type) {
		// After "from" (the tail's header): "from 2026-12-07T00:00:00.000Z", "from sequence 4962…".
		case 'AT_TIMESTAMP':
			return position.timestamp.toISOString();
		case 'AT_SEQUENCE_NUMBER':
			return `sequence ${position.sequenceNumber}`;
		case 'AFTER_SEQUENCE_NUMBER':
			return `after sequence ${position.sequenceNumber}`;
		default:
			return position.type;
	}
}
