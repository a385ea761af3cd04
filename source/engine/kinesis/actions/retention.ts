import {invalidArgument} from '../../protocol/errors.js';
import type {StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {activeStream} from '../model/reshard.js';

export const MIN_RETENTION_HOURS = 24;
export const MAX_RETENTION_HOURS = 8760;
export const retentionInput = {RetentionPeriodHours: {type: 'Integer', required: true}} as const;

/**
 * Changes a stream's retention in the direction the action allows, with AWS's errors. After a decrease
 * the older records are unreadable at once (reads check arrival time) and their space is reclaimed; after
 * an increase, records that had expired stay unreadable.
 */
export async function changeRetention(
	context: ActionContext,
	ref: {StreamName?: string; StreamARN?: string},
	hours: number,
	direction: 'increase' | 'decrease',
): Promise<StreamState> {
	if (hours < MIN_RETENTION_HOURS) {
		throw invalidArgument(
			`Minimum allowed retention period is ${MIN_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too short.`,
		);
	}
	if (hours > MAX_RETENTION_HOURS) {
		throw invalidArgument(
			`Maximum allowed retention period is ${MAX_RETENTION_HOURS} hours. Requested retention period (${hours} hours) is too long.`,
		);
	}
	const stream = activeStream(context, ref);
	const current = stream.retentionHours;
	if (direction === 'increase' && hours < current) {
		throw invalidArgument(
			`Requested retention period (${hours} hours) for stream ${stream.name} can not be shorter than existing retention period (${current} hours). Use DecreaseRetentionPeriod API.`,
		);
	}
	if (direction === 'decrease' && hours > current) {
		throw invalidArgument(
			`Requested retention period (${hours} hours) for stream ${stream.name} can not be longer than existing retention period (${current} hours). Use IncreaseRetentionPeriod API.`,
		);
	}
	// Asking for the period the stream has changes nothing, and leaves it ACTIVE: kinesalite's suite recorded AWS
	// refusing a shorter period at once after such a call (test/increaseStreamRetentionPeriod.js, functionality).
	if (hours === current) return stream;
	// Records past the shorter of the two periods are gone for good. An increase does not bring back records
	// that had already expired (AWS), so they are removed before the longer period applies to reads.
	const horizonMs = context.nowMs - Math.min(current, hours) * 3_600_000;
	const trim = () =>
		context.store.trim(
			stream.uid,
			stream.shards.map((shard) => shard.index),
			horizonMs,
		);
	if (direction === 'increase') await trim();
	stream.retentionHours = hours;
	await context.streams.startUpdating(stream, context.nowMs);
	// After a decrease, records are removed only once the shorter period is saved: had the save failed (a full
	// disk), the stream would keep its longer period, and those records would have to be there. Reads skip them
	// at once either way, and a trim that fails leaves them to the next sweep.
	if (direction === 'decrease') trim().catch(() => undefined);
	return stream;
}
