import {Slices} from '../../store/slices.js';
import type {StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {UniformScaling} from './reshard.js';

/**
 * Runs UpdateShardCount's splits and merges (UniformScaling) a slice at a time, so that scaling thousands of
 * shards never holds the event loop for more than a few milliseconds (see Slices). Each slice's changes are
 * saved in one commit before the engine serves anything else, so the stored shard map is always whole: a
 * record can only land in a shard whose opening is on disk. The stream stays UPDATING until the last slice,
 * as on AWS; it keeps its target (scalingTo) meanwhile, and an engine restarted mid-way goes on from the
 * open shards it finds, which lands on the same shards.
 *
 * Resolves once the first slice is saved: a small stream is then already scaled. The rest runs on; were a
 * later save to fail (a full disk), that slice is undone and the stream is left at the last saved one, ACTIVE.
 */
export async function startScaling(context: ActionContext, stream: StreamState, target: number): Promise<void> {
	const scaling = new UniformScaling(stream, target);
	const slices = new Slices();
	const startedMs = context.nowMs;
	stream.scalingTo = target;
	context.streams.holdUpdating(stream);
	await runSlice(context, stream, scaling, slices, startedMs);
	if (scaling.done) return;
	void (async () => {
		try {
			do {
				await slices.yield();
				// Deleted meanwhile: nothing left to scale.
				if (stream.status !== 'UPDATING' || stream.scalingTo !== target) return;
				await runSlice(context, stream, scaling, slices, startedMs);
			} while (!scaling.done);
		} catch {
			delete stream.scalingTo;
			context.streams.releaseUpdating(stream, startedMs);
			await context.streams.save(stream).catch(() => undefined);
		}
	})();
}

/** Goes on with a scaling an engine was doing when it stopped. */
export function resumeScaling(context: ActionContext, stream: StreamState): void {
	if (stream.scalingTo === undefined) return;
	startScaling(context, stream, stream.scalingTo).catch(() => undefined);
}

async function runSlice(
	context: ActionContext,
	stream: StreamState,
	scaling: UniformScaling,
	slices: Slices,
	startedMs: number,
): Promise<void> {
	do scaling.advance(context, stream);
	while (!scaling.done && !slices.spent);
	if (scaling.done) {
		delete stream.scalingTo;
		context.streams.releaseUpdating(stream, startedMs);
	}
	await context.streams.save(stream);
}
