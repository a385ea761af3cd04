import {
	DecreaseStreamRetentionPeriodCommand,
	DescribeStreamSummaryCommand,
	IncreaseStreamRetentionPeriodCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {problemError, refusedChange, runChange, type ChangeContext, type ChangeProgress, type PlanProblem} from './changes.js';
import {ConsoleError} from './failures.js';
import {shardView, type ShardView} from './streams.js';
import {readShard} from './tail/shardReader.js';
import {firstRecord} from './checkpoints/scan.js';
import {listAllShards, streamParameters, type StreamRef} from './aws/shards.js';
import {mapLimited} from './mapLimited.js';
import {streamNameOf} from './traffic.js';
import {formatCount} from './format.js';

/**
 * Retention: how long a stream keeps records, and how old its oldest records are; changes within
 * Kinesis's 24..8760 hours. A decrease makes every record older than the new period unreadable at once,
 * so its plan first counts, per shard, the records that would go: it reads each shard from TRIM_HORIZON
 * up to the new horizon, within a budget, and says "at least N" when the budget runs out first.
 */

export const RETENTION_LIMITS = {minHours: 24, maxHours: 8760} as const;
const HOUR_MS = 3_600_000;

/** Why a number of hours is not a retention period Kinesis takes, or undefined when it is one. */
export function retentionHoursProblem(hours: number): string | undefined {
	if (!Number.isInteger(hours)) return `A retention period is a whole number of hours, not ${hours}.`;
	if (hours < RETENTION_LIMITS.minHours || hours > RETENTION_LIMITS.maxHours) {
		return `A retention period is ${RETENTION_LIMITS.minHours} to ${RETENTION_LIMITS.maxHours} hours (1 to 365 days), not ${hours}.`;
	}
	return undefined;
}

/** The oldest record a shard still holds. */
export interface ShardAge {
	readonly shardId: string;
	readonly open: boolean;
	/** Absent when the shard holds no record within retention. */
	readonly oldest?: {readonly sequenceNumber: string; readonly arrivalTime: string; readonly ageMs: number};
}

export interface RetentionOverview {
	readonly stream: string;
	readonly status: string;
	readonly retentionHours: number;
	/** When the ages were measured (ISO). */
	readonly at: string;
	/** Every shard still listed, open and closed, in shard id order. */
	readonly shards: readonly ShardAge[];
	/** The oldest record of the stream, when it holds any. */
	readonly oldestAgeMs?: number;
}

export interface RetentionOptions {
	readonly signal?: AbortSignal;
	/** The clock ages are measured with. */
	readonly now?: () => number;
	/** Shards read at once. Default 8. */
	readonly concurrency?: number;
}

/** The stream's retention and the age of each shard's oldest record (TRIM_HORIZON, then GetRecords with Limit 1). */
export async function retentionOverview(
	kinesis: KinesisClient,
	stream: StreamRef,
	options: RetentionOptions = {},
): Promise<RetentionOverview> {
	const now = options.now ?? Date.now;
	const send = options.signal ? {abortSignal: options.signal} : {};
	const [{StreamDescriptionSummary: summary}, shards] = await Promise.all([
		kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), send),
		listAllShards(kinesis, stream, options.signal),
	]);
	const views = shards.map(shardView);
	const ages = await mapLimited(views, options.concurrency ?? 8, async (shard): Promise<ShardAge> => {
		const oldest = await oldestRecord(kinesis, stream, shard.shardId, options.signal);
		return {
			shardId: shard.shardId,
			open: shard.open,
			...(oldest === undefined
				? {}
				: {
						oldest: {
							sequenceNumber: oldest.sequenceNumber,
							arrivalTime: new Date(oldest.arrivalMs).toISOString(),
							ageMs: Math.max(0, now() - oldest.arrivalMs),
						},
					}),
		};
	});
	const oldestAgeMs = ages.reduce<number | undefined>(
		(max, age) => (age.oldest && (max === undefined || age.oldest.ageMs > max) ? age.oldest.ageMs : max),
		undefined,
	);
	return {
		stream,
		status: summary?.StreamStatus ?? 'UNKNOWN',
		retentionHours: summary?.RetentionPeriodHours ?? 24,
		at: new Date(now()).toISOString(),
		shards: ages,
		...(oldestAgeMs === undefined ? {} : {oldestAgeMs}),
	};
}

/** GetRecords may answer empty pages while it moves past expired data: it is called again while it says it is behind. */
const OLDEST_MAX_CALLS = 20;

/** A shard's oldest record, read as the checkpoints' scans read: paced within the console's share of the shard's reads. */
async function oldestRecord(
	kinesis: KinesisClient,
	stream: StreamRef,
	shardId: string,
	signal?: AbortSignal,
): Promise<{sequenceNumber: string; arrivalMs: number} | undefined> {
	const {record} = await firstRecord(kinesis, stream, shardId, {ShardIteratorType: 'TRIM_HORIZON'}, signal, OLDEST_MAX_CALLS);
	return record ? {sequenceNumber: record.SequenceNumber ?? '', arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? 0} : undefined;
}

/** What a decrease makes unreadable in one shard. */
export interface ShardLoss {
	readonly shardId: string;
	readonly open: boolean;
	/** Records older than the new horizon (exact unless `atLeast`). */
	readonly records: number;
	/** The budget ran out before the horizon was reached: there are at least `records`. */
	readonly atLeast: boolean;
	/** Arrival of the oldest and of the newest record counted (ISO). */
	readonly oldest?: string;
	readonly newest?: string;
	/** The time those records span: from the oldest to the newest counted, or to the horizon when the count stopped short. */
	readonly spanMs: number;
}

export interface LossEstimate {
	/** Records that arrived before this time (ISO) become unreadable. */
	readonly horizon: string;
	readonly shards: readonly ShardLoss[];
	readonly records: number;
	readonly atLeast: boolean;
	readonly oldest?: string;
	readonly spanMs: number;
}

export interface RetentionPlan {
	readonly operation: 'retention';
	readonly stream: string;
	readonly status: string;
	readonly currentHours: number;
	readonly newHours: number;
	readonly direction: 'increase' | 'decrease' | 'unchanged';
	/** For a decrease: what becomes unreadable at once. */
	readonly estimate?: LossEstimate;
	readonly problems: readonly PlanProblem[];
	readonly warnings: readonly string[];
	/** What a person types to confirm a decrease: the stream's name. */
	readonly confirmationText?: string;
}

export interface EstimateBudget {
	/** Records counted per shard before saying "at least". Default 200,000. */
	readonly recordsPerShard?: number;
	/** Time for the whole estimate before saying "at least". Default 20 s. */
	readonly timeMs?: number;
	/** GetRecords calls per second per shard: the shard's 5 are shared with its consumers. Default 2. */
	readonly callsPerSecond?: number;
}

/** Plans a retention change; a decrease counts what it would make unreadable. */
export async function planRetention(
	kinesis: KinesisClient,
	stream: StreamRef,
	hours: number,
	options: RetentionOptions & {readonly budget?: EstimateBudget} = {},
): Promise<RetentionPlan> {
	const problem = retentionHoursProblem(hours);
	const send = options.signal ? {abortSignal: options.signal} : {};
	const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), send);
	const status = summary?.StreamStatus ?? 'UNKNOWN';
	const currentHours = summary?.RetentionPeriodHours ?? 24;
	const problems: PlanProblem[] = [];
	const warnings: string[] = [];
	if (problem) problems.push({kind: 'refused', message: problem});
	if (status !== 'ACTIVE') {
		problems.push({
			kind: 'in-use',
			message: `'${stream}' is ${status}, not ACTIVE: Kinesis changes a stream only while it is ACTIVE.`,
			hint: 'Another change is in progress: wait until it is done, then try again.',
		});
	}
	const direction = hours > currentHours ? 'increase' : hours < currentHours ? 'decrease' : 'unchanged';
	const base = {operation: 'retention', stream, status, currentHours, newHours: hours, direction} as const;
	if (direction === 'unchanged') {
		warnings.push(`'${stream}' already keeps records for ${hours} hours: there is nothing to change.`);
		return {...base, problems, warnings};
	}
	if (direction === 'increase') {
		warnings.push(
			'Records that have already expired do not come back: the longer period applies to records still in the stream and to new ones.',
		);
		if (hours > 24 && currentHours <= 24)
			warnings.push('Retention over 24 hours is billed as extended data retention (and over 7 days, as long-term retention).');
		return {...base, problems, warnings};
	}
	if (problem !== undefined) return {...base, problems, warnings, confirmationText: streamNameOf(stream)};
	const estimate = await estimateLoss(kinesis, stream, hours, options);
	if (estimate.records > 0) {
		warnings.push(
			`${estimate.atLeast ? 'At least ' : ''}${formatCount(estimate.records)} record${estimate.records === 1 ? '' : 's'} become unreadable at once, for every consumer, and cannot be brought back.`,
		);
	}
	warnings.push('Consumers behind the new horizon (KCL checkpoints older than it) skip ahead to the oldest record left.');
	return {...base, estimate, problems, warnings, confirmationText: streamNameOf(stream)};
}

/** Counts, per shard, the records older than `now - hours`: those a decrease to `hours` makes unreadable. */
async function estimateLoss(
	kinesis: KinesisClient,
	stream: StreamRef,
	hours: number,
	options: RetentionOptions & {readonly budget?: EstimateBudget} = {},
): Promise<LossEstimate> {
	const now = options.now ?? Date.now;
	const horizonMs = now() - hours * HOUR_MS;
	const perShard = options.budget?.recordsPerShard ?? 200_000;
	const deadline = Date.now() + (options.budget?.timeMs ?? 20_000);
	const shards = (await listAllShards(kinesis, stream, options.signal)).map(shardView);
	const losses = await mapLimited(shards, options.concurrency ?? 8, (shard) =>
		shardLoss(kinesis, stream, shard, horizonMs, {
			perShard,
			deadline,
			callsPerSecond: options.budget?.callsPerSecond ?? 2,
			...(options.signal ? {signal: options.signal} : {}),
		}),
	);
	const records = losses.reduce((sum, loss) => sum + loss.records, 0);
	const oldestMs = losses.reduce<number | undefined>(
		(min, loss) => (loss.oldest !== undefined && (min === undefined || Date.parse(loss.oldest) < min) ? Date.parse(loss.oldest) : min),
		undefined,
	);
	const atLeast = losses.some((loss) => loss.atLeast);
	const newestMs = losses.reduce<number | undefined>(
		(max, loss) => (loss.newest !== undefined && (max === undefined || Date.parse(loss.newest) > max) ? Date.parse(loss.newest) : max),
		undefined,
	);
	return {
		horizon: new Date(horizonMs).toISOString(),
		shards: losses,
		records,
		atLeast,
		...(oldestMs === undefined ? {} : {oldest: new Date(oldestMs).toISOString()}),
		spanMs: oldestMs === undefined ? 0 : (atLeast ? horizonMs : (newestMs ?? oldestMs)) - oldestMs,
	};
}

async function shardLoss(
	kinesis: KinesisClient,
	stream: StreamRef,
	shard: ShardView,
	horizonMs: number,
	budget: {perShard: number; deadline: number; callsPerSecond: number; signal?: AbortSignal},
): Promise<ShardLoss> {
	const controller = new AbortController();
	const stop = () => controller.abort();
	budget.signal?.addEventListener('abort', stop, {once: true});
	const timer = setTimeout(stop, Math.max(0, budget.deadline - Date.now()));
	let records = 0;
	let oldestMs: number | undefined;
	let newestMs: number | undefined;
	let failure: unknown;
	try {
		const result = await readShard({
			kinesis,
			stream,
			shardId: shard.shardId,
			from: {type: 'TRIM_HORIZON'},
			callsPerSecond: budget.callsPerSecond,
			limit: 10_000,
			stopAtLatest: true,
			// Records that arrived at or after the horizon stay readable: the reader stops at the first one.
			until: new Date(horizonMs - 1),
			signal: controller.signal,
			emit: async (event) => {
				if (event.type !== 'records') return;
				for (const record of event.records) {
					if (records >= budget.perShard) break;
					const arrivalMs = record.arrivalTime.getTime();
					records++;
					oldestMs ??= arrivalMs;
					newestMs = arrivalMs;
				}
				if (records >= budget.perShard) controller.abort();
			},
		});
		if (result.kind === 'failed') failure = result.error;
	} finally {
		clearTimeout(timer);
		budget.signal?.removeEventListener('abort', stop);
	}
	if (failure !== undefined) throw failure;
	if (budget.signal?.aborted) throw new ConsoleError({kind: 'unexpected', message: 'The estimate was interrupted.'});
	const atLeast = controller.signal.aborted;
	return {
		shardId: shard.shardId,
		open: shard.open,
		records,
		atLeast,
		...(oldestMs === undefined ? {} : {oldest: new Date(oldestMs).toISOString()}),
		...(newestMs === undefined ? {} : {newest: new Date(newestMs).toISOString()}),
		spanMs: oldestMs === undefined ? 0 : (atLeast ? horizonMs : (newestMs ?? oldestMs)) - oldestMs,
	};
}

/** Whether what a person typed confirms a decrease: the stream's name, exactly (surrounding spaces aside). */
export function confirmsDecrease(plan: RetentionPlan, typed: string): boolean {
	return plan.confirmationText !== undefined && typed.trim() === plan.confirmationText;
}

export interface RetentionResult {
	readonly stream: string;
	readonly status: string;
	readonly retentionHours: number;
}

/**
 * Submits a retention plan (IncreaseStreamRetentionPeriod or DecreaseStreamRetentionPeriod) and follows
 * the stream to ACTIVE, as progress events ending with `done`. Recorded in the audit log, with the
 * estimate of a decrease.
 */
export function executeRetention(
	context: ChangeContext,
	plan: RetentionPlan,
): AsyncGenerator<ChangeProgress<RetentionResult>, RetentionResult> {
	const problem = problemError(plan.problems);
	const unchanged =
		plan.direction === 'unchanged'
			? new ConsoleError({
					kind: 'refused',
					message: `'${plan.stream}' already keeps records for ${plan.newHours} hours: there is nothing to change.`,
				})
			: undefined;
	if (problem ?? unchanged) return refusedChange((problem ?? unchanged) as Error);
	const stream = plan.stream;
	// The submission is not aborted: once sent, a change is followed or reported, never left unknown.
	return runChange(context, {
		operation: 'retention',
		stream,
		what: `retention ${plan.direction} to ${plan.newHours} hours`,
		parameters: {
			retentionHours: plan.newHours,
			direction: plan.direction,
			...(plan.estimate === undefined
				? {}
				: {
						estimate: {
							horizon: plan.estimate.horizon,
							records: plan.estimate.records,
							atLeast: plan.estimate.atLeast,
							spanMs: plan.estimate.spanMs,
							...(plan.estimate.oldest ? {oldest: plan.estimate.oldest} : {}),
						},
					}),
		},
		before: {retentionHours: plan.currentHours},
		submitCall: plan.direction === 'increase' ? 'IncreaseStreamRetentionPeriod' : 'DecreaseStreamRetentionPeriod',
		submit: () =>
			plan.direction === 'increase'
				? context.kinesis.send(new IncreaseStreamRetentionPeriodCommand({...streamParameters(stream), RetentionPeriodHours: plan.newHours}))
				: context.kinesis.send(
						new DecreaseStreamRetentionPeriodCommand({...streamParameters(stream), RetentionPeriodHours: plan.newHours}),
					),
		finish: async (summary) => {
			const result: RetentionResult = {
				stream,
				status: summary.StreamStatus ?? 'ACTIVE',
				retentionHours: summary.RetentionPeriodHours ?? plan.newHours,
			};
			return {result, after: {retentionHours: result.retentionHours}};
		},
	});
}
