import {invalidArgument, resourceInUse, resourceNotFound} from '../../protocol/errors.js';
import {isOpen, type ShardState, type StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {MAX_HASH_KEY, fromHex, toHex} from './hashKeys.js';
import {parseStreamArn, shardIdOf, shardIndexOf} from './names.js';

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

/**
 * The index a shard id names, checked before the stream is looked up, as AWS does: an id that names no
 * index is not found, in words that repeat it as given (later errors name the shard as AWS spells it).
 */
export function shardIndexIn(context: ActionContext, ref: {StreamName?: string; StreamARN?: string}, shardId: string): number {
	const index = shardIndexOf(shardId);
	if (index === undefined) {
		const streamName = ref.StreamName ?? (ref.StreamARN === undefined ? '' : (parseStreamArn(ref.StreamARN)?.name ?? ref.StreamARN));
		throw resourceNotFound(`Could not find shard ${shardId} in stream ${streamName} under account ${context.streams.account}.`);
	}
	return index;
}

/** An open shard of a stream, or AWS's error for a missing or closed one. */
export function openShard(context: ActionContext, stream: StreamState, index: number): ShardState {
	const shard = stream.shards[index];
	if (!shard) {
		throw resourceNotFound(`Could not find shard ${shardIdOf(index)} in stream ${stream.name} under account ${context.streams.account}.`);
	}
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
	context.streams.changingShard(stream, shard);
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
	context.streams.changingShard(stream, child);
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
 * A boundary of the new ranges that lies this close to an existing boundary is moved onto it, so that no
 * reshard cuts a sliver. CreateStream cuts at multiples of 2^128 / N rounded down, so the cuts of N and of
 * 2N shards meant to be shared differ by up to N keys; distinct fractions p/N and q/T (N, T at most 100,000)
 * lie at least 2^128 / 10^10 keys apart. The ranges stay equal to within 2^-96 of the key space.
 */
const SNAP_KEYS = 1n << 32n;

/**
 * UpdateShardCount's uniform scaling, as AWS does it: "Kinesis Data Streams performs splits or merges on
 * individual shards ... We recommend that you double or halve the shard count, as this results in the fewest
 * number of splits or merges" (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html).
 * Walking the open shards from the lowest range up, each shard is split at each new boundary inside it, and
 * the pieces of a new range are merged as soon as the range is whole. So doubling splits every shard once
 * (N closed shards: 4 to 8 leaves 12 shards, justtrackio/gosoline#691), halving merges neighbours pairwise,
 * and 4 to 3 splits shards 1 and 2, merging 0+4, 5+7 and 8+3 into 6, 9 and 10, the order and ids AWS gives
 * (risingwavelabs/risingwave#9961). One step at a time: the caller decides when to pause between steps.
 */
export class UniformScaling {
	private readonly shards: ShardState[];
	private readonly step: bigint;
	/** The next open shard to take, and the part of the current one still to place. */
	private next = 0;
	private rest: ShardState | undefined;
	/** The end of the shard `rest` came from, plus one: the existing boundary a new one may snap to. */
	private restLimit = 0n;
	/** The lower pieces of the new range being built, merged so far. */
	private lower: ShardState | undefined;
	/** The new boundary being worked towards: its number, 1..target (target: the end of the key space). */
	private boundary = 1;

	constructor(
		stream: StreamState,
		private readonly target: number,
	) {
		this.shards = stream.shards.filter(isOpen).sort((a, b) => (a.startHash < b.startHash ? -1 : a.startHash > b.startHash ? 1 : 0));
		this.step = (MAX_HASH_KEY + 1n) / BigInt(target);
	}

	get done(): boolean {
		return this.rest === undefined && this.next >= this.shards.length;
	}

	/** Places the next piece of the key space: at most one split and one merge. */
	advance(context: ActionContext, stream: StreamState): void {
		if (!this.rest) {
			const shard = this.shards[this.next++];
			if (!shard) return;
			this.rest = shard;
			this.restLimit = fromHex(shard.endHash) + 1n;
		}
		const piece = this.rest;
		const start = fromHex(piece.startHash);
		const end = fromHex(piece.endHash);
		let cut = this.cut();
		while (cut <= start) {
			this.boundary++;
			cut = this.cut();
		}
		if (cut <= end) {
			const [below, above] = split(context, stream, piece, toHex(cut));
			this.finishRange(context, stream, below);
			this.rest = above;
		} else if (cut === end + 1n) {
			this.finishRange(context, stream, piece);
			this.rest = undefined;
		} else {
			this.lower = this.lower ? merge(context, stream, this.lower, piece) : piece;
			this.rest = undefined;
		}
	}

	private finishRange(context: ActionContext, stream: StreamState, last: ShardState): void {
		if (this.lower) merge(context, stream, this.lower, last);
		this.lower = undefined;
		this.boundary++;
	}

	/** Where the current new range ends (exclusive): CreateStream's cut, or the existing boundary it lies next to. */
	private cut(): bigint {
		if (this.boundary >= this.target) return MAX_HASH_KEY + 1n;
		const ideal = this.step * BigInt(this.boundary);
		const distance = ideal > this.restLimit ? ideal - this.restLimit : this.restLimit - ideal;
		return distance <= SNAP_KEYS ? this.restLimit : ideal;
	}
}
