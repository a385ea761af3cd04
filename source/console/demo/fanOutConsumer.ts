import {DescribeStreamConsumerCommand, RegisterStreamConsumerCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {errorName} from '../aws/errors.js';
import {sleep} from '../aws/retry.js';
import {LATEST} from '../tail/positions.js';
import {readShardSubscription} from '../tail/subscriptionReader.js';
import {readEveryShard} from './everyShard.js';
import {demoReaderOf, reporter, streamArnOf, type DemoReader, type DemoReaderShard} from './reader.js';

/**
 * The demo's enhanced fan-out consumer, `clickstream-live`: registered on the clickstream
 * (RegisterStreamConsumer, or the one already registered), it subscribes to every shard
 * (SubscribeToShard, over HTTP/2) with the tail's own subscription reader (tail/subscriptionReader.ts):
 * a subscription ends after 5 minutes and the next starts after its last ContinuationSequenceNumber, and
 * a refused or dropped one is retried with retry.ts's backoff. It keeps up: records are pushed to it.
 * It stays registered when the demo stops, as a real application's consumer does.
 */

export interface DemoFanOutOptions {
	readonly stream?: string;
	readonly consumerName?: string;
	readonly onError?: (message: string) => void;
}

export const DEMO_FAN_OUT_CONSUMER = 'clickstream-live';

/** `kinesis` for the registration, `kinesisHttp2` for SubscribeToShard (a Connection has both). */
export function startDemoFanOut(
	clients: {readonly kinesis: KinesisClient; readonly kinesisHttp2: KinesisClient},
	options: DemoFanOutOptions = {},
): DemoReader {
	const stream = options.stream ?? 'clickstream';
	const consumerName = options.consumerName ?? DEMO_FAN_OUT_CONSUMER;
	const controller = new AbortController();
	const signal = controller.signal;
	const report = reporter(`demo fan-out consumer ${consumerName}`, options.onError);
	const shards = new Map<string, DemoReaderShard>();

	const ready = (async () => register(clients.kinesis, await streamArnOf(clients.kinesis, stream, signal), consumerName, signal))();
	ready.catch(() => undefined);

	const running = ready.then(
		(consumerArn) =>
			readEveryShard({
				kinesis: clients.kinesis,
				stream,
				signal,
				from: LATEST,
				onError: (message) => report(message),
				read: (shardId, from) =>
					readShardSubscription({
						kinesis: clients.kinesisHttp2,
						stream,
						shardId,
						from,
						consumerArn,
						stopAtLatest: false,
						signal,
						emit: async (event) => {
							if (event.type === 'retrying')
								return event.kind === 'throttling' ? undefined : report(`SubscribeToShard ${shardId}`, event.error);
							if (event.type !== 'records' && event.type !== 'polled') return;
							const processed = (shards.get(shardId)?.processed ?? 0) + (event.type === 'records' ? event.records.length : 0);
							shards.set(shardId, {shardId, processed, millisBehindLatest: event.millisBehindLatest});
						},
					}),
			}),
		(error: unknown) => {
			if (!signal.aborted) report('registering', error);
		},
	);

	return demoReaderOf({name: consumerName, ready, running, shards, controller});
}

/** The consumer's ARN once it is ACTIVE: registered now, or already. */
async function register(kinesis: KinesisClient, streamArn: string, consumerName: string, signal: AbortSignal): Promise<string> {
	try {
		await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: streamArn, ConsumerName: consumerName}), {abortSignal: signal});
	} catch (error) {
		if (errorName(error) !== 'ResourceInUseException') throw error;
	}
	const deadline = Date.now() + 60_000;
	for (;;) {
		const {ConsumerDescription: consumer} = await kinesis.send(
			new DescribeStreamConsumerCommand({StreamARN: streamArn, ConsumerName: consumerName}),
			{abortSignal: signal},
		);
		if (consumer?.ConsumerStatus === 'ACTIVE' && consumer.ConsumerARN) return consumer.ConsumerARN;
		if (Date.now() > deadline) throw new Error(`The consumer ${consumerName} did not become ACTIVE within 60 s.`);
		await sleep(250, signal);
		if (signal.aborted) throw new Error('stopped');
	}
}
