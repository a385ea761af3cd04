import {ListStreamConsumersCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {formatDuration} from '../format.js';
import {metricSeries} from './metricSeries.js';
import type {ConsumerKind, DiscoveryContext, LagPoint} from './kind.js';

/** Enhanced fan-out consumers: registered on the stream (ListStreamConsumers), each with its own read throughput per shard. */
export interface FanOutConsumer {
	readonly kind: 'efo';
	readonly name: string;
	readonly arn: string;
	readonly status: string;
	/** ISO time. */
	readonly createdAt?: string;
	/** AWS/Kinesis SubscribeToShardEvent.MillisBehindLatest (Maximum) in the newest minute CloudWatch has; absent when it has none. */
	readonly lagMs?: number;
	/** Whether its subscribers received events in the last 5 minutes (CloudWatch has the metric); absent when CloudWatch could not be asked. */
	readonly subscribed?: boolean;
	/** The metric's minutes, oldest first (not in its JSON line). */
	readonly lagSeries?: readonly LagPoint[];
}

/**
 * Where a fan-out consumer's lag comes from: its subscribers' SubscribeToShardEvent.MillisBehindLatest, which Kinesis
 * publishes to CloudWatch (AWS/Kinesis, dimensions StreamName and ConsumerName); the console never subscribes to learn it,
 * since a subscription per shard would take the consumer's shards from its application.
 */
export const FAN_OUT_LAG_NOTE =
	"LAG: AWS/Kinesis SubscribeToShardEvent.MillisBehindLatest (Maximum, newest minute of the last 5), by StreamName and ConsumerName; '-' when CloudWatch has none (nothing subscribed). The console does not subscribe to learn it.";

export const fanOutConsumers: ConsumerKind<FanOutConsumer> = {
	kind: 'efo',
	label: 'fan-out',
	title: 'enhanced fan-out consumers',
	part: 'fan-out',
	discover: async (context) => {
		if (context.streamArn === undefined) return {consumers: [], problems: []};
		let consumers: FanOutConsumer[];
		try {
			consumers = await listFanOutConsumers(context.clients.kinesis, context.streamArn, context.signal);
		} catch (error) {
			return {consumers: [], problems: [await context.describe(error, 'kinesis')]};
		}
		try {
			return {consumers: await withLag(context, consumers), problems: []};
		} catch (error) {
			// The consumers are still shown, without their lag.
			return {consumers, problems: [`their lag (CloudWatch): ${await context.describe(error, 'cloudwatch')}`]};
		}
	},
	row: (consumer) => ({
		text: `${consumer.status}${consumer.subscribed === false ? ' · no subscriber in 5 min' : ''}${consumer.createdAt ? ` · since ${consumer.createdAt}` : ''}`,
		warn: consumer.status !== 'ACTIVE',
	}),
	// `status` is the line's who-is-behind status (the command adds it): the consumer's own is `consumerStatus`, as Kinesis names it.
	json: ({kind: _, lagSeries: _series, status, ...consumer}) => ({type: 'fan-out-consumer', ...consumer, consumerStatus: status}),
	table: (consumers, stream) => ({
		empty: `No enhanced fan-out consumer is registered on '${stream}'.`,
		title: 'Enhanced fan-out consumers:',
		header: ['NAME', 'STATUS', 'CREATED', 'LAG'],
		rows: consumers.map((consumer) => [
			consumer.name,
			consumer.status,
			consumer.createdAt ?? '-',
			consumer.lagMs === undefined ? '-' : formatDuration(consumer.lagMs),
		]),
		notes: [FAN_OUT_LAG_NOTE],
		next: `kinesis-console consumers deregister ${stream} NAME removes one (its subscriptions end).`,
	}),
	// Neither positions nor resets: a fan-out consumer's position is its subscriber's, kept by the application.
	capabilities: {
		deregister: (consumer) => ({consumerName: consumer.name, consumerArn: consumer.arn}),
	},
	health: (consumer) => ({
		lagMs: consumer.lagMs,
		...(consumer.lagSeries === undefined ? {} : {lagSeries: consumer.lagSeries}),
		// Not ACTIVE (being registered or deregistered), or no event sent to any subscriber for 5 minutes: nothing reads.
		reading: consumer.status !== 'ACTIVE' ? false : consumer.subscribed,
		position: undefined,
		failure: undefined,
	}),
};

/** The consumers with their subscribers' MillisBehindLatest over the last 5 minutes, in one GetMetricData call. */
async function withLag(context: DiscoveryContext, consumers: readonly FanOutConsumer[]): Promise<FanOutConsumer[]> {
	const cloudwatch = context.clients.cloudwatch;
	if (cloudwatch === undefined || consumers.length === 0) return [...consumers];
	const stream = context.streamArn?.replace(/^.*:stream\//, '') ?? String(context.stream);
	const series = await metricSeries(
		cloudwatch,
		consumers.map((consumer) => ({
			Namespace: 'AWS/Kinesis',
			MetricName: 'SubscribeToShardEvent.MillisBehindLatest',
			Dimensions: [
				{Name: 'StreamName', Value: stream},
				{Name: 'ConsumerName', Value: consumer.name},
			],
		})),
		context.signal,
	);
	return consumers.map((consumer, index) => {
		const points = series[index] ?? [];
		const newest = points.at(-1);
		return {...consumer, subscribed: points.length > 0, ...(newest === undefined ? {} : {lagMs: newest.lagMs ?? 0, lagSeries: points})};
	});
}

/** The stream's enhanced fan-out consumers, every page. */
export async function listFanOutConsumers(kinesis: KinesisClient, streamArn: string, signal?: AbortSignal): Promise<FanOutConsumer[]> {
	const consumers: FanOutConsumer[] = [];
	let nextToken: string | undefined;
	do {
		const page = await kinesis.send(
			new ListStreamConsumersCommand({StreamARN: streamArn, ...(nextToken === undefined ? {} : {NextToken: nextToken})}),
			signal ? {abortSignal: signal} : {},
		);
		for (const consumer of page.Consumers ?? []) {
			consumers.push({
				kind: 'efo',
				name: consumer.ConsumerName ?? '',
				arn: consumer.ConsumerARN ?? '',
				status: consumer.ConsumerStatus ?? 'UNKNOWN',
				...(consumer.ConsumerCreationTimestamp ? {createdAt: consumer.ConsumerCreationTimestamp.toISOString()} : {}),
			});
		}
		nextToken = page.NextToken;
	} while (nextToken);
	return consumers.sort((a, b) => a.name.localeCompare(b.name));
}
