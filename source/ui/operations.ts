import type {Connection} from '../console/connect.js';
import type {DashboardSnapshot, DashboardStore} from '../console/dashboardStore.js';
import type {ChangeProgress, ChangeTiming} from '../console/changes.js';
import {executeReshard, loadStreamShape, type ReshardPlan, type ReshardResult, type StreamShape} from '../console/reshard.js';
import {accountShardLimits} from '../console/reshardPlans.js';
import {observedTraffic} from '../console/traffic.js';
import {
	executeRetention,
	planRetention,
	retentionOverview,
	type RetentionOverview,
	type RetentionPlan,
	type RetentionResult,
} from '../console/retention.js';
import type {Route} from './navigation.js';

/**
 * What the operation views (split, merge, scale, retention) reach the console core through: the
 * core's loaders, planners and executors, bound to one connection. Every change goes through the
 * core's executors, which write the audit log. Tests give fakes with the same shape.
 */
export interface Operations {
	/** Turns an error into what the user reads. */
	readonly describeError: (error: unknown) => Promise<string>;
	readonly loadShape: (stream: string, signal?: AbortSignal) => Promise<StreamShape>;
	/** The account's open shard quota and use (DescribeLimits); undefined when it may not be read. */
	readonly accountLimits: (signal?: AbortSignal) => Promise<{shardLimit: number; openShardCount: number} | undefined>;
	/** Submits a reshard plan and follows it to ACTIVE (executeReshard). */
	readonly reshard: (plan: ReshardPlan, signal: AbortSignal) => AsyncIterable<ChangeProgress<ReshardResult>>;
	readonly retentionOverview: (stream: string, signal?: AbortSignal) => Promise<RetentionOverview>;
	/** Plans a retention change; a decrease estimates what becomes unreadable. */
	readonly planRetention: (stream: string, hours: number, signal?: AbortSignal) => Promise<RetentionPlan>;
	/** Submits a retention plan and follows it to ACTIVE (executeRetention). */
	readonly retention: (plan: RetentionPlan, signal: AbortSignal) => AsyncIterable<ChangeProgress<RetentionResult>>;
}

/** The operations over a connection. */
export function consoleOperations(
	connection: Pick<Connection, 'kinesis' | 'target'>,
	describeError: (error: unknown) => Promise<string>,
	options: {
		readonly timing?: ChangeTiming;
		/** Told when a change to a stream has ended, however it ended: what was read of the stream is stale. */
		readonly onChanged?: (stream: string) => void;
	} = {},
): Operations {
	const {kinesis, target} = connection;
	const context = (signal: AbortSignal) => ({kinesis, target, signal, ...(options.timing ? {timing: options.timing} : {})});
	async function* followed<T>(stream: string, progress: AsyncIterable<ChangeProgress<T>>): AsyncIterable<ChangeProgress<T>> {
		try {
			yield* progress;
		} finally {
			options.onChanged?.(stream);
		}
	}
	return {
		describeError,
		loadShape: (stream, signal) => loadStreamShape(kinesis, stream, signal),
		accountLimits: (signal) => accountShardLimits(kinesis, signal),
		reshard: (plan, signal) => followed(plan.stream, executeReshard(context(signal), plan)),
		retentionOverview: (stream, signal) => retentionOverview(kinesis, stream, signal ? {signal} : {}),
		planRetention: (stream, hours, signal) => planRetention(kinesis, stream, hours, signal ? {signal} : {}),
		retention: (plan, signal) => followed(plan.stream, executeRetention(context(signal), plan)),
	};
}

/** The split view for a shard, with what the dashboard's live reader has seen of its traffic. */
export function splitRoute(stream: string, shardId: string, store: Pick<DashboardStore, 'observations'>): Route {
	const observations = store.observations?.(shardId);
	return {
		kind: 'split',
		stream,
		shardId,
		...(observations ? {observations, observedFrom: "the dashboard's live reader"} : {}),
	};
}

/** The merge view: the selected shard (if any) with its neighbour, with the live reader's rates for the coldest pair. */
export function mergeRoute(stream: string, shardId: string | undefined, snapshot: Pick<DashboardSnapshot, 'live' | 'meters'>): Route {
	const traffic =
		snapshot.live.status === 'running' && snapshot.meters.length > 0
			? observedTraffic(snapshot.meters, Math.max(...snapshot.meters.map((meter) => meter.rateWindowMs)))
			: undefined;
	return {kind: 'merge', stream, ...(shardId === undefined ? {} : {shardId}), ...(traffic ? {traffic} : {})};
}
