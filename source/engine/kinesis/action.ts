import type {MetricsRecorder} from '../cloudwatch/recorder.js';
import type {Action} from '../protocol/dispatch.js';
import type {Infer, Schema} from '../protocol/schema.js';
import type {Store} from '../store/store.js';
import type {AccountSettingsBook} from './model/accountSettings.js';
import type {Consumers} from './model/consumers.js';
import type {Streams} from './model/streams.js';
import type {ThroughputLimits} from './model/throughput.js';

/** What an action sees of the engine and of the request it serves. */
export interface ActionContext {
	readonly streams: Streams;
	readonly store: Store;
	readonly limits: EngineLimits;
	readonly throughput: ThroughputLimits;
	/** Enhanced fan-out consumers and their subscriptions. */
	readonly consumers: Consumers;
	/** CloudWatch's AWS/Kinesis metrics, recorded as requests are served. */
	readonly metrics: MetricsRecorder;
	/** The account's settings per region (DescribeAccountSettings, UpdateAccountSettings). */
	readonly accountSettings: AccountSettingsBook;
	/** The region the request was signed for: each region holds its own streams, as on AWS. */
	readonly region: string;
	readonly nowMs: number;
}

export interface EngineLimits {
	/** How long a shard iterator stays valid. */
	readonly iteratorTtlMs: number;
	/** Open shards allowed per account, in every region; AWS's default for each region when undefined (see shardLimit.ts). */
	readonly shardLimit: number | undefined;
	/** Streams in ON_DEMAND mode allowed per account and region. */
	readonly onDemandStreamLimit: number;
	/** Streams allowed in CREATING at once. */
	readonly maxCreatingStreams: number;
	/** UpdateShardCount calls allowed per stream in a rolling 24 hours. */
	readonly scalingsPerDay: number;
}

/**
 * A control-plane quota, as AWS's API reference states it on the action's page (the same text is in
 * @aws-sdk/client-kinesis's command docs): calls per second, counted per account, per stream, or per
 * consumer and shard, within an account and region. quotas.ts enforces it before the action runs.
 */
export interface ActionQuota {
	/** Calls allowed per second; a bucket holds one second of them, refilled continuously. */
	readonly perSecond: number;
	/** What the calls are counted per, within an account and region. */
	readonly scope: 'account' | 'stream' | 'consumerShard';
}

export const perAccount = (perSecond: number): ActionQuota => ({perSecond, scope: 'account'});
export const perStream = (perSecond: number): ActionQuota => ({perSecond, scope: 'stream'});

/** An action, and `Read`: what its faster reader of JSON bodies gives (the checked input, or a form of it the action takes as well). */
export interface KinesisAction<S extends Schema = Schema, Read = Infer<S>> {
	readonly schema: S;
	readonly run: (context: ActionContext, input: Infer<S> | Read) => Promise<object> | object;
	/** A faster reader of the JSON body (see Action.readJson in protocol/dispatch.ts). */
	readonly readJson?: (body: Buffer) => Read | undefined;
	/** Its rate, when AWS's API reference states one; the data plane is limited per shard instead (throughput.ts). */
	readonly quota?: ActionQuota;
}

/** An action as the registry (index.ts) holds it: what the dispatcher runs, and its quota. */
export interface RegisteredAction extends Action {
	readonly quota?: ActionQuota;
}

/** Declares an action; the helper only ties the input type to the schema. */
export const defineAction = <S extends Schema, Read = Infer<S>>(
	schema: S,
	run: KinesisAction<S, Read>['run'],
	options: Pick<KinesisAction<S, Read>, 'readJson' | 'quota'> = {},
): KinesisAction<S, Read> => ({schema, run, ...options});
