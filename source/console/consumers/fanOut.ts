import {ListStreamConsumersCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import type {ConsumerKind} from './kind.js';

/** Enhanced fan-out consumers: registered on the stream (ListStreamConsumers), each with its own read throughput per shard. */
export interface FanOutConsumer {
	readonly kind: 'fan-out';
	readonly name: string;
	readonly arn: string;
	readonly status: string;
	/** ISO time. */
	readonly createdAt?: string;
}

/**
 * Why a fan-out consumer's lag is '-': only its subscriber learns it (SubscribeToShardEvent.MillisBehindLatest), and a
 * subscription per shard would take the consumer's place from its application, so the console does not subscribe to show it.
 */
export const FAN_OUT_LAG_NOTE =
	"LAG: only a subscriber learns it (SubscribeToShard's MillisBehindLatest); the console does not subscribe to show it (kinesis-console tail STREAM --efo NAME reads as it, and shows it).";

export const fanOutConsumers: ConsumerKind<FanOutConsumer> = {
	kind: 'fan-out',
	label: 'fan-out',
	title: 'enhanced fan-out consumers',
	part: 'fan-out',
	discover: async (context) => {
		if (context.streamArn === undefined) return {consumers: [], problems: []};
		try {
			return {consumers: await listFanOutConsumers(context.clients.kinesis, context.streamArn, context.signal), problems: []};
		} catch (error) {
			return {consumers: [], problems: [await context.describe(error, 'kinesis')]};
		}
	},
	row: (consumer) => ({text: `${consumer.status}${consumer.createdAt ? ` · since ${consumer.createdAt}` : ''}`, warn: false}),
	json: ({kind: _, ...consumer}) => ({type: 'fan-out-consumer', ...consumer}),
	table: (consumers, stream) => ({
		empty: `No enhanced fan-out consumer is registered on '${stream}'.`,
		title: 'Enhanced fan-out consumers:',
		header: ['NAME', 'STATUS', 'CREATED', 'LAG'],
		rows: consumers.map((consumer) => [consumer.name, consumer.status, consumer.createdAt ?? '-', '-']),
		notes: [FAN_OUT_LAG_NOTE],
		next: `kinesis-console consumers deregister ${stream} NAME removes one (its subscriptions end).`,
	}),
	// Neither positions nor resets: a fan-out consumer's position is its subscriber's, kept by the application.
	capabilities: {
		deregister: (consumer) => ({consumerName: consumer.name, consumerArn: consumer.arn}),
	},
};

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
				kind: 'fan-out',
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
