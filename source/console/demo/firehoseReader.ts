import {CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, type FirehoseClient} from '@aws-sdk/client-firehose';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {errorName} from '../aws/errors.js';
import {pollEveryShard} from './everyShard.js';
import {demoReaderOf, reporter, streamArnOf, type DemoReader, type DemoReaderShard, type ServiceMetric} from './reader.js';

/**
 * The demo's Firehose delivery stream `clickstream-archive`, and the demo's stand-in for Firehose's
 * reading of its source: the engine keeps delivery streams (engine/firehose/) and delivers nothing, so
 * this module reads the stream as Firehose does and publishes what Firehose publishes, with nothing
 * delivered anywhere.
 *
 * - CreateDeliveryStream on the engine (KinesisStreamAsSource: the clickstream's ARN; an ExtendedS3
 *   destination, a bucket that does not exist), unless it is there already.
 * - Per shard, a GetRecords a second from LATEST (Limit 10,000); it keeps up.
 * - After each answer, in AWS/Firehose under DeliveryStreamName: DataReadFromKinesisStream.Records (Count)
 *   and DataReadFromKinesisStream.Bytes (Bytes) for what it read, and KinesisMillisBehindLatest
 *   (Milliseconds) from the answer's MillisBehindLatest.
 */

export interface DemoFirehoseOptions {
	readonly stream?: string;
	readonly deliveryStreamName?: string;
	readonly recordMetric: (metric: ServiceMetric) => void;
	readonly onError?: (message: string) => void;
}

export const DEMO_DELIVERY_STREAM = 'clickstream-archive';
/** The engine's one account: the role and bucket are names only (the engine checks neither; it delivers nothing). */
const ACCOUNT = '000000000000';

export function startDemoFirehose(
	clients: {readonly kinesis: KinesisClient; readonly firehose: FirehoseClient},
	options: DemoFirehoseOptions,
): DemoReader {
	const stream = options.stream ?? 'clickstream';
	const name = options.deliveryStreamName ?? DEMO_DELIVERY_STREAM;
	const controller = new AbortController();
	const signal = controller.signal;
	const report = reporter(`demo Firehose reader ${name}`, options.onError);
	const shards = new Map<string, DemoReaderShard>();
	const dimensions = [{Name: 'DeliveryStreamName', Value: name}];

	const ready = (async () => ensureDeliveryStream(clients.firehose, name, await streamArnOf(clients.kinesis, stream, signal), signal))();
	ready.catch(() => undefined);

	const running = ready.then(
		() =>
			pollEveryShard({
				kinesis: clients.kinesis,
				stream,
				signal,
				limit: 10_000,
				report,
				onPage: (shardId, page) => {
					const records = page.type === 'records' ? page.records.length : 0;
					shards.set(shardId, {
						shardId,
						processed: (shards.get(shardId)?.processed ?? 0) + records,
						millisBehindLatest: page.millisBehindLatest,
					});
					const metric = (metricName: string, unit: string, value: number) =>
						options.recordMetric({namespace: 'AWS/Firehose', name: metricName, dimensions, unit, value, atMs: page.atMs});
					if (page.type === 'records') {
						metric('DataReadFromKinesisStream.Records', 'Count', records);
						metric('DataReadFromKinesisStream.Bytes', 'Bytes', page.bytes);
					}
					metric('KinesisMillisBehindLatest', 'Milliseconds', page.millisBehindLatest ?? 0);
				},
			}),
		(error: unknown) => {
			if (!signal.aborted) report('creating the delivery stream', error);
		},
	);

	return demoReaderOf({name, ready, running, shards, controller});
}

/** The delivery stream reading the stream: there already, or created now. */
async function ensureDeliveryStream(firehose: FirehoseClient, name: string, streamArn: string, signal: AbortSignal): Promise<void> {
	try {
		await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: name}), {abortSignal: signal});
		return;
	} catch (error) {
		if (errorName(error) !== 'ResourceNotFoundException') throw error;
	}
	const role = `arn:aws:iam::${ACCOUNT}:role/${name}-delivery`;
	try {
		await firehose.send(
			new CreateDeliveryStreamCommand({
				DeliveryStreamName: name,
				DeliveryStreamType: 'KinesisStreamAsSource',
				KinesisStreamSourceConfiguration: {KinesisStreamARN: streamArn, RoleARN: role},
				ExtendedS3DestinationConfiguration: {RoleARN: role, BucketARN: `arn:aws:s3:::${name}`},
			}),
			{abortSignal: signal},
		);
	} catch (error) {
		if (errorName(error) !== 'ResourceInUseException') throw error;
	}
}
