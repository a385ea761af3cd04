import type {CheckpointPosition} from '../leases.js';
import {ConsoleError} from '../failures.js';
import {parseIsoTime} from '../isoTime.js';
import type {IteratorStart} from './scan.js';

/** Where a reset moves checkpoints. */
export type ResetTarget =
	| {readonly type: 'TRIM_HORIZON'}
	| {readonly type: 'LATEST'}
	/** Resolved per shard to the sequence number just before the first record at or after the time. */
	| {readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date}
	/** The checkpoint becomes this sequence number: the application resumes with the record after it. One shard only. */
	| {readonly type: 'SEQUENCE_NUMBER'; readonly sequenceNumber: string};

/** A reset target from what people type: trim-horizon, latest, 15m / 2h / an ISO time, or a sequence number (after:SEQ). */
export function parseResetTarget(text: string, now: Date = new Date()): ResetTarget {
	const value = text.trim();
	const lower = value.toLowerCase().replaceAll('_', '-');
	if (lower === 'trim-horizon' || lower === 'oldest') return {type: 'TRIM_HORIZON'};
	if (lower === 'latest' || lower === 'now') return {type: 'LATEST'};
	const sequence = /^(?:after:)?(\d{1,129})$/i.exec(value)?.[1];
	if (sequence !== undefined && sequence.length > 14) return {type: 'SEQUENCE_NUMBER', sequenceNumber: sequence};
	const relative = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i.exec(value);
	if (relative?.[1] && relative[2]) {
		const unit = {s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}[
			relative[2].toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'
		];
		return {type: 'AT_TIMESTAMP', timestamp: new Date(now.getTime() - Number(relative[1]) * unit)};
	}
	const timestamp = parseIsoTime(value.replace(/^at[-_]timestamp:/i, ''));
	if (timestamp !== undefined) {
		// No record arrived after a time yet to come: such a reset would skip every record, as latest does, under a date that may be a typo.
		if (timestamp.getTime() > now.getTime())
			throw new ConsoleError({
				kind: 'refused',
				message: `${timestamp.toISOString()} is in the future (it is now ${now.toISOString()}): a checkpoint moves to a time that has passed.`,
				hint: 'To skip every record written so far, reset to latest.',
			});
		return {type: 'AT_TIMESTAMP', timestamp};
	}
	throw new ConsoleError({
		kind: 'refused',
		message: `Cannot read the position '${text}'.`,
		hint: 'Use trim-horizon, latest, a time ago (15m, 2h, 1d), an ISO time (2024-05-01T10:00:00Z), or a sequence number (the checkpoint becomes it: the application resumes after it).',
	});
}

export function describeTarget(target: ResetTarget): string {
	switch (target.type) {
		case 'AT_TIMESTAMP':
			return `AT_TIMESTAMP ${target.timestamp.toISOString()}`;
		case 'SEQUENCE_NUMBER':
			return `sequence number ${target.sequenceNumber}`;
		default:
			return target.type;
	}
}

/** A place in a shard, for comparing checkpoints: before the first record, after a record, or after the newest. */
export type Cursor = {readonly kind: 'start'} | {readonly kind: 'after'; readonly sequenceNumber: string} | {readonly kind: 'tip'};

export function cursorOf(position: CheckpointPosition): Cursor | undefined {
	switch (position.type) {
		case 'TRIM_HORIZON':
			return {kind: 'start'};
		case 'SEQUENCE_NUMBER':
			return {kind: 'after', sequenceNumber: position.sequenceNumber};
		case 'LATEST':
		case 'SHARD_END':
			return {kind: 'tip'};
		default:
			return undefined;
	}
}

export function compareCursors(a: Cursor, b: Cursor): number {
	const rank = (cursor: Cursor) => (cursor.kind === 'start' ? 0 : cursor.kind === 'after' ? 1 : 2);
	if (a.kind === 'after' && b.kind === 'after') {
		const x = BigInt(a.sequenceNumber);
		const y = BigInt(b.sequenceNumber);
		return x < y ? -1 : x > y ? 1 : 0;
	}
	return rank(a) - rank(b);
}

export const startOf = (cursor: Cursor): IteratorStart =>
	cursor.kind === 'after'
		? {ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: cursor.sequenceNumber}
		: {ShardIteratorType: 'TRIM_HORIZON'};
