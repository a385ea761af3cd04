import {invalidArgument, resourceInUse, resourceNotFound} from '../protocol/errors.js';
import {isOpen, type ShardState, type StreamState} from '../store/streamState.js';
import type {ActionContext} from './action.js';
import {MAX_HASH_KEY, fromHex, toHex} from './hashKeys.js';
import {shardIdOf} from './names.js';

/**
 * Resharding as state changes of a stream: a split closes one shard and opens two that tile its range,
 * a merge closes two adjacent shards and opens one. Parents close at the stream's current position and
 * children open above it, so every record of a parent sorts before every record of its children.
 * Uniform scaling is a sequence of the same splits and merges, so its lineage is as readable.
 */

/** A stream that may be resharded or updated: AWS allows that only while it is ACTIVE. */
export function activeStream(context: ActionContext, ref: {StreamName?: string; StreamARN?: string}): StreamState {
	const stream = context.streams.find(context.region, ref, context.nowMs);
	if (stream.status !== 'ACTIVE') {
		throw resourceInUse(`Stream ${stream.name} under account ${context.streams.account} not ACTIVE, instead in state ${stream.status}`);
	}
	return stream;
}

/** An open shard of a stream, or AWS's error for a missing or closed one. */
export function openShard(context: ActionContext, stream: StreamState, shardId: string): ShardState {
	const shard = context.streams.shard(stream, shardId);
	if (!shard) throw resourceNotFound(`Could not find shard ${shardId} in stream ${stream.name} under account ${context.streams.account}.`);
	if (!isOpen(shard)) {
		throw invalidArgument(
			`Shard ${shardIdOf(shard.index)} in stream ${stream.name} under account ${context.streams.account} has already been merged or split, and thus is not eligible for merging or splitting.`,
		);
	}
	return shard;
}

/** Checks AWS's bounds on a split point: greater than one plus the shard's start and less than its end. */
export function checkSplitPoint(context: ActionContext, stream: StreamState, shard: ShardState, newStartingHashKey: string): string {
	const key = BigInt(newStartingHashKey);
	const start = fromHex(shard.startHash);
	const end = fromHex(shard.endHash);
	if (key > MAX_HASH_KEY || key <= start + 1n || key >= end) {
		throw invalidArgument(
			`NewStartingHashKey ${newStartingHashKey} used in SplitShard() on shard ${shardIdOf(shard.index)} in stream ${stream.name} ` +
				`under account ${context.streams.account} is not both greater than one plus the shard's StartingHashKey ${start} ` +
				`and less than the shard's EndingHashKey ${end}.`,
		);
	}
	return toHex(key);
}

function close(context: ActionContext, stream: StreamState, shard: ShardState): void {
	shard.endPosition = context.streams.lastPosition(stream);
}

function open(
	context: ActionContext,
	stream: StreamState,
	range: {start: string; end: string},
	parents: readonly ShardState[],
): ShardState {
	const {first} = context.streams.reservePositions(stream, 1, context.nowMs);
	const child: ShardState = {
		index: stream.shards.length,
		startHash: range.start,
		endHash: range.end,
		startPosition: first,
		...(parents[0] ? {parentIndex: parents[0].index} : {}),
		...(parents[1] ? {adjacentParentIndex: parents[1].index} : {}),
	};
	stream.shards.push(child);
	return child;
}

/** Splits an open shard at a checked hash key (hex); returns the two children, lower range first. */
export function split(context: ActionContext, stream: StreamState, shard: ShardState, startHex: string): [ShardState, ShardState] {
	close(context, stream, shard);
	const lower = open(context, stream, {start: shard.startHash, end: toHex(fromHex(startHex) - 1n)}, [shard]);
	const upper = open(context, stream, {start: startHex, end: shard.endHash}, [shard]);
	return [lower, upper];
}

/** True when `lower` ends right below `upper`: the only order in which AWS merges two shards. */
export const adjacent = (lower: ShardState, upper: ShardState): boolean => fromHex(lower.endHash) + 1n === fromHex(upper.startHash);

/** Merges two open shards, `lower` ending right below `upper`; returns the child. */
export function merge(context: ActionContext, stream: StreamState, lower: ShardState, upper: ShardState): ShardState {
	close(context, stream, lower);
	close(context, stream, upper);
	return open(context, stream, {start: lower.startHash, end: upper.endHash}, [lower, upper]);
}

/**
 * Reshapes the open shards into `target` shards of equal ranges: each open shard is split at the new
 * boundaries that fall inside it, then the pieces of each new range are merged from the lowest up.
 */
export function scaleUniformly(context: ActionContext, stream: StreamState, target: number): void {
	const step = (MAX_HASH_KEY + 1n) / BigInt(target);
	const boundaries = Array.from({length: target - 1}, (_, index) => step * BigInt(index + 1));
	const rangeOf = (hash: bigint) => Math.min(target - 1, Number(hash / step));

	const pieces: ShardState[] = [];
	for (const shard of stream.shards.filter(isOpen).sort((a, b) => (a.startHash < b.startHash ? -1 : 1))) {
		let rest = shard;
		for (const boundary of boundaries) {
			// Every boundary strictly inside a shard cuts it, even one key from its start or at its end: the
			// public SplitShard bounds do not apply here, and skipping a boundary would leave ranges unequal.
			if (boundary <= fromHex(rest.startHash) || boundary > fromHex(rest.endHash)) continue;
			const [lower, upper] = split(context, stream, rest, toHex(boundary));
			pieces.push(lower);
			rest = upper;
		}
		pieces.push(rest);
	}

	const groups = new Map<number, ShardState[]>();
	for (const piece of pieces) {
		const group = rangeOf(fromHex(piece.startHash));
		groups.set(group, [...(groups.get(group) ?? []), piece]);
	}
	for (const group of groups.values()) {
		let merged = group[0];
		for (const next of group.slice(1)) if (merged) merged = merge(context, stream, merged, next);
	}
}
