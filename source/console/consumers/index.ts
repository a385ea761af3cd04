import {DescribeStreamSummaryCommand} from '@aws-sdk/client-kinesis';
import type {ServiceName} from '../connect.js';
import {formatFailure, toFailure} from '../failures.js';
import {streamIdentity} from '../leases.js';
import {listAllShards, streamParameters, type StreamRef} from '../aws/shards.js';
import {kinesisChannels} from './channels.js';
import {fanOutConsumers} from './fanOut.js';
import {firehoseDeliveryStreams} from './firehose.js';
import {kclApplications} from './kcl.js';
import {lambdaMappings} from './lambda.js';
import {flinkApplications} from './flink.js';
import type {CapabilitiesOf, ConsumerClients, ConsumerKind, DiscoverOptions, DiscoveryContext} from './kind.js';

/**
 * The consumer registry: every kind of consumer the console knows, one module each (kind.ts says what
 * a module provides). Discovery, the consumers screen and the `consumers` command go through this
 * list; adding a kind is its module and one line here.
 */
export const consumerKinds = {
	kcl: kclApplications,
	efo: fanOutConsumers,
	lambda: lambdaMappings,
	firehose: firehoseDeliveryStreams,
	flink: flinkApplications,
	channel: kinesisChannels,
} as const;

type Kinds = typeof consumerKinds;
export type ConsumerKindName = keyof Kinds;
/** A consumer of any kind: a union discriminated on `kind`. */
export type Consumer = {[K in ConsumerKindName]: Kinds[K] extends ConsumerKind<infer C> ? C : never}[ConsumerKindName];
export type ConsumerOf<K extends ConsumerKindName> = Extract<Consumer, {kind: K}>;

/** The registry's kinds in order: how they are listed, discovered and printed. */
export const kindsInOrder = Object.values(consumerKinds) as ReadonlyArray<ConsumerKind<Consumer>>;

/** The module of a consumer's kind. */
export function kindOf<C extends Consumer>(consumer: C): ConsumerKind<C> {
	// Each entry is registered under its own kind, so the lookup gives the module of exactly this union member.
	return consumerKinds[consumer.kind] as unknown as ConsumerKind<C>;
}

/** What a consumer has and can have done to it: screens and commands offer an action only when it is here. */
export function capabilitiesOf(consumer: Consumer): CapabilitiesOf {
	// Every capability is a function of the consumer; answering them all by name keeps a new capability one line in kind.ts.
	const capabilities = kindOf(consumer).capabilities as Readonly<Record<string, ((consumer: Consumer) => unknown) | undefined>>;
	return Object.fromEntries(
		Object.entries(capabilities).flatMap(([name, answer]) => (answer === undefined ? [] : [[name, answer(consumer)]])),
	) as CapabilitiesOf;
}

export interface ConsumerProblem {
	readonly kind: ConsumerKindName;
	/** The kind's part, as problems have always been reported ('applications', 'fan-out'). */
	readonly part: string;
	readonly message: string;
}

export interface StreamConsumers {
	readonly stream: string;
	readonly streamArn?: string;
	/** The stream's retention (RetentionPeriodHours), for how long a consumer's oldest unread record has left. */
	readonly retentionHours?: number;
	/** When it was read (epoch ms). */
	readonly atMs?: number;
	/** Every kind's consumers, in the registry's order. */
	readonly consumers: readonly Consumer[];
	/** Parts that could not be read (no DynamoDB access, say); the rest is still shown. */
	readonly problems: readonly ConsumerProblem[];
}

/** The consumers of one kind. */
export const consumersOfKind = <K extends ConsumerKindName>(found: Pick<StreamConsumers, 'consumers'>, kind: K): Array<ConsumerOf<K>> =>
	found.consumers.filter((consumer): consumer is ConsumerOf<K> => consumer.kind === kind);

const defaultDescribe = async (error: unknown, service: ServiceName) =>
	formatFailure(await toFailure(error, {service})).replaceAll('\n', ' ');

/** Every registered kind's consumers of the stream. Throws only when the stream itself cannot be read, or what the caller named does not exist. */
export async function discoverConsumers(
	clients: ConsumerClients,
	stream: StreamRef,
	options: DiscoverOptions = {},
): Promise<StreamConsumers> {
	const send = options.signal ? {abortSignal: options.signal} : {};
	const describe = options.describeError ?? defaultDescribe;
	const [{StreamDescriptionSummary: summary}, shards] = await Promise.all([
		clients.kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), send),
		listAllShards(clients.kinesis, stream, options.signal),
	]);
	const context: DiscoveryContext = {
		clients,
		stream,
		...(summary?.StreamARN ? {streamArn: summary.StreamARN} : {}),
		identity: streamIdentity(stream, summary?.StreamARN, summary?.StreamCreationTimestamp),
		shardIds: new Set(shards.map((shard) => shard.ShardId ?? '')),
		options,
		...(options.signal ? {signal: options.signal} : {}),
		describe: async (error, service) => describe(error, service),
	};
	const found = await Promise.all(kindsInOrder.map(async (kind) => ({kind, ...(await kind.discover(context))})));
	return {
		stream,
		...(summary?.StreamARN ? {streamArn: summary.StreamARN} : {}),
		...(summary?.RetentionPeriodHours === undefined ? {} : {retentionHours: summary.RetentionPeriodHours}),
		atMs: Date.now(),
		consumers: found.flatMap(({consumers}) => consumers),
		problems: found.flatMap(({kind, problems}) =>
			problems.map((message) => ({kind: kind.kind as ConsumerKindName, part: kind.part, message})),
		),
	};
}

export type {ConsumerKind, DiscoverOptions} from './kind.js';
