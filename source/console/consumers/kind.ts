import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import type {FirehoseClient} from '@aws-sdk/client-firehose';
import type {LambdaClient} from '@aws-sdk/client-lambda';
import type {KinesisAnalyticsV2Client} from '@aws-sdk/client-kinesis-analytics-v2';
import type {ConnectionTarget, ServiceName} from '../connect.js';
import type {LeaseClients, streamIdentity} from '../leases.js';
import type {StreamRef} from '../aws/shards.js';

/**
 * What every kind of consumer module provides (console/consumers/index.ts registers them): discovery
 * for a stream, its row and its lines for the screens, its JSON and its table for the `consumers`
 * command, and the capabilities it has. Screens and commands ask a consumer's kind for a capability
 * (`capabilitiesOf(consumer).reset`) instead of switching on kinds.
 */

/**
 * The kinds of consumer, as the `consumers` command's JSON lines name them (`kind`): KCL applications,
 * enhanced fan-out consumers, Lambda event source mappings, Firehose delivery streams, Managed Flink
 * applications, Kinesis channels. The registry (index.ts) is keyed by these words.
 */
export type ConsumerKindWord = 'kcl' | 'efo' | 'lambda' | 'firehose' | 'flink' | 'channel';

/** Every consumer value: a discriminated union member on `kind`, named within its kind. */
export interface ConsumerBase {
	readonly kind: ConsumerKindWord;
	readonly name: string;
}

/** One reading of a consumer's lag, at a time. */
export interface LagPoint {
	readonly atMs: number;
	/** The age of its oldest unread record then, ms (0: caught up); undefined when unknown. */
	readonly lagMs: number | undefined;
}

/**
 * What a consumer says of itself when it was read, from the fields its kind read: what the "who is
 * behind" judgement (status.ts) takes, one reading at a time, over a window. Every kind answers every
 * member, with undefined where it cannot know.
 */
export interface ConsumerHealth {
	/** The age of its oldest unread record now (the worst shard's), ms; 0 when caught up; undefined when unknown. */
	readonly lagMs: number | undefined;
	/** Earlier readings its kind keeps itself (a CloudWatch series: Lambda's IteratorAge, fan-out's MillisBehindLatest), oldest first. */
	readonly lagSeries?: readonly LagPoint[];
	/** Whether anything reads for it: false when nothing does (a disabled mapping, leases no worker holds); undefined when unknown. */
	readonly reading: boolean | undefined;
	/** Its positions as a token: the same token in two readings means it did not move. Undefined when its kind cannot see them. */
	readonly position: string | undefined;
	/** A failure it reports, in its own words (a mapping's LastProcessingResult PROBLEM, a FAILED channel's reason); undefined when none. */
	readonly failure: string | undefined;
}

/** What discovery has read of the stream once, for every kind to use. */
/** The clients discovery uses: lease tables', and Lambda's, Firehose's, Flink's and CloudWatch's when the caller has them (loaded on first use). */
export type ConsumerClients = LeaseClients & {
	// Undefined allowed: the console's services answer them with getters that may have none (a test's connection).
	readonly lambda?: LambdaClient | undefined;
	readonly firehose?: FirehoseClient | undefined;
	readonly flink?: KinesisAnalyticsV2Client | undefined;
	readonly cloudwatch?: CloudWatchClient | undefined;
};

export interface DiscoveryContext {
	readonly clients: ConsumerClients;
	readonly stream: StreamRef;
	readonly streamArn?: string;
	/** The stream as lease keys name it. */
	readonly identity: ReturnType<typeof streamIdentity>;
	/** Every shard ListShards lists. */
	readonly shardIds: ReadonlySet<string>;
	readonly options: DiscoverOptions;
	readonly signal?: AbortSignal;
	/** The error in the user's words. */
	readonly describe: (error: unknown, service: ServiceName) => Promise<string>;
}

export interface DiscoverOptions {
	/** KCL applications to include by name (their lease tables), matched or not; discovery still looks for others unless `discover` is false. */
	readonly applications?: readonly string[];
	/** Look through every table for lease tables. Default true. */
	readonly discover?: boolean;
	readonly signal?: AbortSignal;
	/** Tables described at once. Default 8. */
	readonly concurrency?: number;
	/** Where the console is connected: a kind may say what the console's own engine (`local`) does not do. */
	readonly target?: Pick<ConnectionTarget, 'kind'>;
	/** Turns an error into what the user reads. Default: the console's failure text. */
	readonly describeError?: (error: unknown, service: ServiceName) => Promise<string> | string;
}

/** A kind's consumers of a stream, and what could not be read (the rest is still shown). Throws only for what the user named. */
export interface KindDiscovery<C> {
	readonly consumers: readonly C[];
	readonly problems: readonly string[];
}

/** A consumer as one row of the consumers screen. */
export interface ConsumerRowText {
	readonly text: string;
	/** Something needs a look (unowned leases, say). */
	readonly warn: boolean;
}

/** A kind's part of the `consumers` command's plain output. */
export interface ConsumerTable {
	/** Said when the stream has none of this kind. */
	readonly empty: string;
	readonly title: string;
	readonly header: readonly string[];
	readonly rows: ReadonlyArray<readonly string[]>;
	/** Lines after the table. */
	readonly notes: readonly string[];
	/** Said after every kind's table: a command to run next. */
	readonly next?: string;
}

/** Where a consumer keeps its per-shard positions: a KCL-style lease table, read and written by console/checkpoints/. */
export interface LeaseTablePositions {
	readonly leaseTable: string;
}

/** A consumer Kinesis registers by name on the stream (an enhanced fan-out consumer): what a deregistration names. */
export interface StreamRegistration {
	readonly consumerName: string;
	readonly consumerArn: string;
}

/** A consumer that can be paused and resumed: what names it, and whether it runs now. */
export interface PausableMapping {
	readonly uuid: string;
	readonly enabled: boolean;
}

/**
 * What a consumer has and can have done to it, each optional: a screen offers the key, and a command
 * the action, only for a consumer whose kind has it (a kind answers per consumer).
 */
export interface ConsumerCapabilities<C> {
	/** Per-shard positions and lag (the checkpoints screen and command). */
	readonly positions?: (consumer: C) => LeaseTablePositions;
	/** Moving its per-shard positions: a plan, then conditional writes (the reset screen, `checkpoints reset`). */
	readonly reset?: (consumer: C) => LeaseTablePositions;
	/** Removing it from the stream (the deregister screen, `consumers deregister`): dangerous, so --read-only drops it. */
	readonly deregister?: (consumer: C) => StreamRegistration;
	/** Pausing or resuming it (`consumers pause|resume`): a Lambda mapping, by its UUID (not a Flink application: consumers/flink.ts says why). */
	readonly pause?: (consumer: C) => PausableMapping;
}

/** A consumer's capabilities, answered for it. */
export type CapabilitiesOf = {readonly [K in keyof ConsumerCapabilities<never>]?: ReturnType<NonNullable<ConsumerCapabilities<never>[K]>>};

export interface ConsumerKind<C extends ConsumerBase> {
	readonly kind: C['kind'];
	/** A short word for its rows: "KCL", "fan-out". (Its JSON word is `kind`.) */
	readonly label: string;
	/** The kind as a heading and in problems: "KCL applications". */
	readonly title: string;
	/** The `part` its problems have always been reported under (JSON and screens). */
	readonly part: string;
	readonly discover: (context: DiscoveryContext) => Promise<KindDiscovery<C>>;
	readonly row: (consumer: C) => ConsumerRowText;
	/** Its line of the `consumers` command's JSON, without `stream` (the command adds it). */
	readonly json: (consumer: C) => {readonly type: string} & Record<string, unknown>;
	readonly table: (consumers: readonly C[], stream: string) => ConsumerTable;
	readonly capabilities: ConsumerCapabilities<C>;
	/** What it says of its lag, its readers, its position and its failures (ConsumerHealth): required of every kind. */
	readonly health: (consumer: C) => ConsumerHealth;
}
