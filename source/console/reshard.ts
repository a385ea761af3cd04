import {
	DescribeStreamSummaryCommand,
	MergeShardsCommand,
	SplitShardCommand,
	UpdateShardCountCommand,
	type KinesisClient,
	type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import {problemError, refusedChange, runChange, type ChangeContext, type ChangeProgress, type PlanProblem} from './changes.js';
import {ConsoleError} from './failures.js';
import {MAX_HASH_KEY} from './hashKeys.js';
import {shardView, type ShardView} from './streams.js';
import {listAllShards, streamParameters, type StreamRef} from './aws/shards.js';
import type {Observation, TrafficReport} from './traffic.js';

/**
 * Resharding as plans and changes: the stream's shape and the plans' types here, the planners in
 * reshardPlans.ts. A planner is pure: it takes the stream's shape (status, mode, open
 * shards) and what is known of its traffic, and returns a plan that previews the resulting hash key
 * ranges, the share of the key space and of the observed traffic each would take, the problems that
 * keep it from being submitted and the warnings worth reading first. {@link executeReshard} submits a
 * plan and follows the stream through UPDATING to ACTIVE as an async iterable of progress events,
 * ending with the new shard map; each step goes to the audit log.
 */

/** The 128-bit hash key space: 2^128 keys. */
export const KEY_SPACE = MAX_HASH_KEY + 1n;
/** Write limits of one shard. */
export const SHARD_WRITE_LIMITS = {recordsPerSecond: 1_000, bytesPerSecond: 1_048_576} as const;
/** AWS's rules for UpdateShardCount. */
export const SCALING_LIMITS = {scalingsPerDay: 10, maxShardsPerStream: 10_000} as const;

/** What a planner needs to know of a stream. */
export interface StreamShape {
	/** The stream as the caller named it (name or ARN). */
	readonly stream: string;
	readonly status: string;
	/** PROVISIONED or ON_DEMAND. */
	readonly mode: string;
	readonly retentionHours: number | undefined;
	/** Shard-level metrics enhanced monitoring records ('ALL' for all). */
	readonly enhancedMetrics: readonly string[];
	/** Open shards, in hash key order. */
	readonly openShards: readonly ShardView[];
	/** The highest shard id of the stream: shards created later have higher ones. */
	readonly lastShardId: string;
	/** When the stream was made (StreamCreationTimestamp), if said: traffic is measured over no longer than its life. */
	readonly createdMs?: number;
}

/** The stream's status, mode and shards, for the planners. */
export async function loadStreamShape(kinesis: KinesisClient, stream: StreamRef, signal?: AbortSignal): Promise<StreamShape> {
	const options = signal ? {abortSignal: signal} : {};
	const [{StreamDescriptionSummary: summary}, shards] = await Promise.all([
		kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), options),
		listAllShards(kinesis, stream, signal),
	]);
	return shapeOf(stream, summary, shards.map(shardView));
}

/** A stream shape from a summary and its shards. */
export function shapeOf(stream: string, summary: StreamDescriptionSummary | undefined, shards: readonly ShardView[]): StreamShape {
	return {
		stream,
		status: summary?.StreamStatus ?? 'UNKNOWN',
		mode: summary?.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
		retentionHours: summary?.RetentionPeriodHours,
		enhancedMetrics: (summary?.EnhancedMonitoring ?? []).flatMap((monitoring) => monitoring.ShardLevelMetrics ?? []),
		openShards: byHashKey(shards.filter((shard) => shard.open)),
		lastShardId: shards.reduce(
			(last, shard) => (shardNumber(shard.shardId) > shardNumber(last) ? shard.shardId : last),
			shards[0]?.shardId ?? '',
		),
		...(summary?.StreamCreationTimestamp === undefined ? {} : {createdMs: summary.StreamCreationTimestamp.getTime()}),
	};
}

/** A hash key range as a preview shows it. */
export interface RangePreview {
	/** The existing shard; absent for a shard the change creates. */
	readonly shardId?: string;
	readonly startingHashKey: string;
	readonly endingHashKey: string;
	/** The range's share of the whole key space, 0..1. */
	readonly keySpaceShare: number;
	/** The traffic it took, or would take, when traffic is known. */
	readonly traffic?: RangeTraffic;
}

export interface RangeTraffic {
	/** Records observed (a weighted sample may make this fractional). */
	readonly records: number;
	/** Share of the observed traffic the preview compares: of the parent (split), of the pair (merge). */
	readonly share: number;
	readonly recordsPerSecond?: number;
	readonly bytesPerSecond?: number;
}

interface PlanBase {
	readonly stream: string;
	readonly openShards: {readonly before: number; readonly after: number};
	/** Why the plan cannot be submitted; empty when it can. */
	readonly problems: readonly PlanProblem[];
	/** What to read before confirming. */
	readonly warnings: readonly string[];
	/** The highest shard id before the change: shards with higher ids are new. */
	readonly lastShardId: string;
}

export type SplitMethod = 'midpoint' | 'hash-key' | 'median';

export interface SplitRequest {
	readonly shardId: string;
	/** Where to split: the middle of the range, a given hash key (decimal), or the median of the observed hash keys. */
	readonly at: 'midpoint' | 'median' | {readonly hashKey: string};
	/** The shard's observed traffic: needed for the median, and shown as each child's share for any split. */
	readonly observations?: readonly Observation[];
	/** Where the observations come from, for the preview: "the last 15m, read back" or "this session's tail". */
	readonly observedFrom?: string;
}

export interface SplitPlan extends PlanBase {
	readonly operation: 'split';
	readonly shardId: string;
	readonly method: SplitMethod;
	/** SplitShard's NewStartingHashKey: the first hash key of the upper child; '' when there is no valid split point. */
	readonly newStartingHashKey: string;
	readonly parent: RangePreview;
	/** The lower and the upper child; none when there is no valid split point (see problems). */
	readonly children: readonly [RangePreview, RangePreview] | readonly [];
	/** The observed traffic, when given. */
	readonly observed?: {
		readonly from?: string;
		readonly records: number;
		/** Records whose hash key is in the shard's range (the shares are of these). */
		readonly inRange: number;
		/** Records whose hash key is outside it: written with an ExplicitHashKey, or before a reshard. */
		readonly outsideRange: number;
		readonly distinctHashKeys: number;
	};
}

export interface MergePlan extends PlanBase {
	readonly operation: 'merge';
	/** MergeShards' ShardToMerge: the lower range of the pair. */
	readonly shardToMerge: string;
	/** MergeShards' AdjacentShardToMerge: the upper range. */
	readonly adjacentShardToMerge: string;
	/**
	 * Chosen by the caller; proposed as the coldest adjacent pair (of those whose traffic is known); or, with
	 * no pair's traffic known, the pair with the smallest share of the key space, which says nothing of its traffic.
	 */
	readonly reason: 'given' | 'coldest' | 'smallest';
	readonly shards: readonly [RangePreview, RangePreview];
	readonly merged: RangePreview;
	readonly traffic?: {
		readonly source: TrafficReport['source'];
		readonly windowMs: number;
		readonly complete: boolean;
		readonly note?: string;
	};
}

export interface ScaleLimits {
	readonly openShards: number;
	/**
	 * The most one step reaches: double the open shards, within the shards a stream may have (a stream
	 * past them only fewer) and the account's room; never below `minTarget`.
	 */
	readonly maxTarget: number;
	/** At least half the open shards. */
	readonly minTarget: number;
	/**
	 * Whether any target is in reach: a stream of more than twice the per-stream limit has none (scaled
	 * down only below the limit, and no lower than half), and is made smaller by merging shards alone.
	 */
	readonly inReach: boolean;
	readonly maxShardsPerStream: number;
	/** DescribeLimits: the account's open shard quota in the region, its open shards, and the room left. */
	readonly account?: {readonly shardLimit: number; readonly openShardCount: number; readonly headroom: number};
	readonly scalingsPerDay: number;
	/** What cannot be checked before asking. */
	readonly note: string;
}

export interface ScalePlan extends PlanBase {
	readonly operation: 'scale';
	readonly current: number;
	readonly target: number;
	/** True when the stream already has the target's open shards: nothing to submit. */
	readonly unchanged: boolean;
	readonly limits: ScaleLimits;
	/** The ranges uniform scaling produces, lowest first. */
	readonly ranges: readonly RangePreview[];
}

export type ReshardPlan = SplitPlan | MergePlan | ScalePlan;

/** The shard map after a change. */
export interface ReshardResult {
	readonly operation: ReshardPlan['operation'];
	readonly stream: string;
	readonly status: string;
	/** Open shards, in hash key order. */
	readonly openShards: readonly ShardView[];
	/** Shards the change created that are open now. */
	readonly newShardIds: readonly string[];
}

/**
 * Submits a plan and follows it: `submitting`, `retrying` while throttled, `submitted`, a `status` per
 * poll, then `done` with the new shard map. A plan with problems is refused before anything is sent;
 * Kinesis's refusals are thrown as ConsoleErrors (in-use, refused), other failures as they are (see
 * toFailure). Every step is in the audit log.
 */
export function executeReshard(context: ChangeContext, plan: ReshardPlan): AsyncGenerator<ChangeProgress<ReshardResult>, ReshardResult> {
	const problem = problemError(plan.problems);
	if (problem) return refusedChange(problem);
	if (plan.operation === 'scale' && plan.unchanged)
		return refusedChange(
			new ConsoleError({
				kind: 'not-allowed',
				message: `'${plan.stream}' already has ${plan.target} open shards: there is nothing to change.`,
			}),
		);
	const stream = plan.stream;
	const finish = async (summary: StreamDescriptionSummary) => {
		const shards = (await listAllShards(context.kinesis, stream, context.signal)).map(shardView);
		const openShards = byHashKey(shards.filter((shard) => shard.open));
		const newShards = openShards.filter((shard) => shardNumber(shard.shardId) > shardNumber(plan.lastShardId));
		const result: ReshardResult = {
			operation: plan.operation,
			stream,
			status: summary.StreamStatus ?? 'ACTIVE',
			openShards,
			newShardIds: newShards.map((shard) => shard.shardId),
		};
		const after =
			plan.operation === 'scale'
				? {openShards: openShards.length, ...(openShards.length <= 64 ? {ranges: openShards.map(rangeOf)} : {})}
				: {openShards: openShards.length, created: newShards.map(rangeOf)};
		return {result, after};
	};
	// Submissions are not aborted: once sent, a change is followed or reported, never left unknown.
	switch (plan.operation) {
		case 'split':
			return runChange(context, {
				operation: 'split',
				stream,
				what: `split of ${plan.shardId}`,
				parameters: {shardId: plan.shardId, method: plan.method, newStartingHashKey: plan.newStartingHashKey},
				before: {
					openShards: plan.openShards.before,
					shard: rangeOf({shardId: plan.shardId, startingHashKey: plan.parent.startingHashKey, endingHashKey: plan.parent.endingHashKey}),
				},
				submitCall: 'SplitShard',
				submit: () =>
					context.kinesis.send(
						new SplitShardCommand({...streamParameters(stream), ShardToSplit: plan.shardId, NewStartingHashKey: plan.newStartingHashKey}),
					),
				finish,
			});
		case 'merge':
			return runChange(context, {
				operation: 'merge',
				stream,
				what: `merge of ${plan.shardToMerge} and ${plan.adjacentShardToMerge}`,
				parameters: {shardToMerge: plan.shardToMerge, adjacentShardToMerge: plan.adjacentShardToMerge, reason: plan.reason},
				before: {openShards: plan.openShards.before, shards: plan.shards.map((shard) => rangeOf({shardId: shard.shardId ?? '', ...shard}))},
				submitCall: 'MergeShards',
				submit: () =>
					context.kinesis.send(
						new MergeShardsCommand({
							...streamParameters(stream),
							ShardToMerge: plan.shardToMerge,
							AdjacentShardToMerge: plan.adjacentShardToMerge,
						}),
					),
				finish,
			});
		case 'scale':
			return runChange(context, {
				operation: 'scale',
				stream,
				what: `scaling to ${plan.target} shards`,
				parameters: {targetShardCount: plan.target, scalingType: 'UNIFORM_SCALING'},
				before: {openShards: plan.current},
				submitCall: 'UpdateShardCount',
				submit: () =>
					context.kinesis.send(
						new UpdateShardCountCommand({...streamParameters(stream), TargetShardCount: plan.target, ScalingType: 'UNIFORM_SCALING'}),
					),
				finish,
			});
	}
}

/** A range's share of the key space, to 12 significant digits. */
export function keySpaceShare(start: bigint, end: bigint): number {
	const scale = 10n ** 12n;
	return Number(((end - start + 1n) * scale) / KEY_SPACE) / Number(scale);
}

function rangeOf(shard: {readonly shardId: string; readonly startingHashKey: string; readonly endingHashKey: string}) {
	return {shardId: shard.shardId, startingHashKey: shard.startingHashKey, endingHashKey: shard.endingHashKey};
}

/** Shards in hash key order. */
export function byHashKey(shards: readonly ShardView[]): ShardView[] {
	return [...shards].sort((a, b) => {
		const x = BigInt(a.startingHashKey || '0');
		const y = BigInt(b.startingHashKey || '0');
		return x < y ? -1 : x > y ? 1 : 0;
	});
}

/** The number in a shard id (shardId-000000000042 → 42); -1 when there is none. */
export function shardNumber(shardId: string): number {
	const match = /(\d+)$/.exec(shardId);
	return match?.[1] === undefined ? -1 : Number(match[1]);
}

/** A shard id from what people type: 7 or shardId-000000000007. */
export function normalizeShardId(text: string): string {
	return /^\d+$/.test(text) ? `shardId-${text.padStart(12, '0')}` : text;
}
