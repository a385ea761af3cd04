import {CloudWatchClient, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch';
import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, FirehoseClient} from '@aws-sdk/client-firehose';
import {DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {consumersOfKind, discoverConsumers, kindOf} from '../../source/console/consumers/index.js';
import {firehoseDeliveryStreams, firehoseFigures} from '../../source/console/consumers/firehose.js';
import type {Engine} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream, dynamoClient} from '../helpers/leaseTables.js';

const ROLE = 'arn:aws:iam::000000000000:role/firehose-reader';

/** Firehose delivery streams as a consumer kind: found by their Kinesis source, through the SDK against the engine. */
describe('Firehose delivery streams of a stream', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;
	let firehose: FirehoseClient;
	let cloudwatch: CloudWatchClient;
	let ordersArn: string;

	beforeAll(async () => {
		engine = await startEngine({createDeliveryStreamMs: 0});
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		firehose = new FirehoseClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		cloudwatch = new CloudWatchClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		await createStream(kinesis, 'orders', 1);
		await createStream(kinesis, 'clicks', 1);
		ordersArn = (await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'orders'}))).StreamDescriptionSummary?.StreamARN ?? '';
		const fromStream = (name: string, stream: string, bucket: string) =>
			firehose.send(
				new CreateDeliveryStreamCommand({
					DeliveryStreamName: name,
					DeliveryStreamType: 'KinesisStreamAsSource',
					KinesisStreamSourceConfiguration: {KinesisStreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`, RoleARN: ROLE},
					ExtendedS3DestinationConfiguration: {RoleARN: ROLE, BucketARN: `arn:aws:s3:::${bucket}`, Prefix: 'raw/'},
				}),
			);
		await fromStream('orders-archive', 'orders', 'orders-lake');
		// Another stream's delivery stream, and one fed directly, are not this stream's consumers.
		await fromStream('clicks-archive', 'clicks', 'clicks-lake');
		await firehose.send(
			new CreateDeliveryStreamCommand({
				DeliveryStreamName: 'direct',
				DeliveryStreamType: 'DirectPut',
				S3DestinationConfiguration: {RoleARN: ROLE, BucketARN: 'arn:aws:s3:::direct'},
			}),
		);
	});
	afterAll(async () => {
		for (const client of [kinesis, dynamo, firehose, cloudwatch]) client.destroy();
		await engine.close();
	});

	it('finds the delivery streams whose Kinesis source is the stream, with status, destination and start, and no lag while CloudWatch has none', async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo, firehose, cloudwatch}, 'orders', {discover: false});
		expect(found.problems).toEqual([]);
		const streams = consumersOfKind(found, 'firehose');
		const described = (await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'orders-archive'})))
			.DeliveryStreamDescription;
		expect(streams).toEqual([
			{
				kind: 'firehose',
				name: 'orders-archive',
				arn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/orders-archive',
				status: 'ACTIVE',
				destinations: ['ExtendedS3 arn:aws:s3:::orders-lake/raw/'],
				deliveryStartedAt: described?.Source?.KinesisStreamSourceDescription?.DeliveryStartTimestamp?.toISOString(),
				createdAt: described?.CreateTimestamp?.toISOString(),
				roleArn: ROLE,
			},
		]);
		expect(ordersArn).toBe(described?.Source?.KinesisStreamSourceDescription?.KinesisStreamARN);
		const [archive] = streams;
		if (!archive) throw new Error('missing');
		expect(kindOf(archive).row(archive)).toEqual({text: 'ACTIVE · ExtendedS3 arn:aws:s3:::orders-lake/raw/ · lag - · read -', warn: false});
		const table = kindOf(archive).table(streams, 'orders');
		expect(table.rows).toEqual([
			['orders-archive', 'ACTIVE', 'ExtendedS3 arn:aws:s3:::orders-lake/raw/', archive.deliveryStartedAt, '-', '-', '-'],
		]);
		const clicks = consumersOfKind(await discoverConsumers({kinesis, dynamodb: dynamo, firehose}, 'clicks', {discover: false}), 'firehose');
		expect(clicks.map((stream) => stream.name)).toEqual(['clicks-archive']);
	});

	it('says on a --local connection that the engine delivers nothing', async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo, firehose}, 'orders', {discover: false, target: {kind: 'local'}});
		const [archive] = consumersOfKind(found, 'firehose');
		if (!archive) throw new Error('missing');
		expect(archive.emulated).toBe(true);
		expect(kindOf(archive).row(archive).text).toBe(
			'ACTIVE · engine: delivers nothing · ExtendedS3 arn:aws:s3:::orders-lake/raw/ · lag - · read -',
		);
		expect(kindOf(archive).table([archive], 'orders').notes[0]).toBe(
			'On the built-in engine: the engine delivers nothing: it keeps the delivery stream and its state, nothing reads the stream and nothing reaches a destination.',
		);
	});

	it('reads the lag, the records and bytes read and the throttled calls by DeliveryStreamName in one GetMetricData call', async () => {
		// AWS (and the engine) refuse PutMetricData into AWS/ namespaces, and the engine delivers nothing, so
		// it never publishes AWS/Firehose: the same metrics, names and dimension are put into a namespace of
		// the test's, and read as the kind reads AWS/Firehose.
		const namespace = 'Test/Firehose';
		const dimension = (name: string) => [{Name: 'DeliveryStreamName', Value: name}];
		const now = new Date();
		const before = new Date(now.getTime() - 2 * 60_000);
		await cloudwatch.send(
			new PutMetricDataCommand({
				Namespace: namespace,
				MetricData: [
					{
						MetricName: 'KinesisMillisBehindLatest',
						Dimensions: dimension('orders-archive'),
						Value: 42_000,
						Unit: 'Milliseconds',
						Timestamp: before,
					},
					{
						MetricName: 'KinesisMillisBehindLatest',
						Dimensions: dimension('orders-archive'),
						Value: 9_000,
						Unit: 'Milliseconds',
						Timestamp: now,
					},
					{
						MetricName: 'DataReadFromKinesisStream.Records',
						Dimensions: dimension('orders-archive'),
						Value: 300,
						Unit: 'Count',
						Timestamp: before,
					},
					{
						MetricName: 'DataReadFromKinesisStream.Records',
						Dimensions: dimension('orders-archive'),
						Value: 200,
						Unit: 'Count',
						Timestamp: now,
					},
					{
						MetricName: 'DataReadFromKinesisStream.Bytes',
						Dimensions: dimension('orders-archive'),
						Value: 2_048,
						Unit: 'Bytes',
						Timestamp: now,
					},
					{MetricName: 'ThrottledGetRecords', Dimensions: dimension('orders-archive'), Value: 3, Unit: 'Count', Timestamp: now},
					{MetricName: 'ThrottledGetShardIterator', Dimensions: dimension('orders-archive'), Value: 1, Unit: 'Count', Timestamp: now},
					// Another delivery stream's figures are its own.
					{
						MetricName: 'KinesisMillisBehindLatest',
						Dimensions: dimension('clicks-archive'),
						Value: 99_000,
						Unit: 'Milliseconds',
						Timestamp: now,
					},
				],
			}),
		);
		let calls = 0;
		cloudwatch.middlewareStack.add((next) => async (args) => {
			calls++;
			return next(args);
		});
		const figures = await firehoseFigures(cloudwatch, ['orders-archive', 'quiet'], undefined, namespace);
		expect(calls).toBe(1);
		expect(figures.get('orders-archive')).toEqual({lagMs: 42_000, recordsRead: 500, bytesRead: 2_048, throttled: 4});
		expect(figures.has('quiet')).toBe(false);
		const row = firehoseDeliveryStreams.row({
			kind: 'firehose',
			name: 'orders-archive',
			arn: '',
			status: 'ACTIVE',
			destinations: ['S3 arn:aws:s3:::orders-lake'],
			...figures.get('orders-archive'),
		});
		expect(row).toEqual({text: 'ACTIVE · S3 arn:aws:s3:::orders-lake · lag 42s · read 500 rec, 2 KiB · 4 throttled', warn: true});
	});

	it('describes a delivery stream found reading another stream once a session, and those of this stream every time', async () => {
		const fresh = new FirehoseClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		const described: string[] = [];
		fresh.middlewareStack.add(
			(next, context) => async (args) => {
				if (context.commandName === 'DescribeDeliveryStreamCommand')
					described.push(String((args.input as {DeliveryStreamName?: string}).DeliveryStreamName));
				return next(args);
			},
			{step: 'initialize'},
		);
		try {
			const first = await discoverConsumers({kinesis, dynamodb: dynamo, firehose: fresh}, 'orders', {discover: false});
			expect(consumersOfKind(first, 'firehose').map((stream) => stream.name)).toEqual(['orders-archive']);
			expect(described).toEqual(['clicks-archive', 'orders-archive']);
			described.length = 0;
			const again = await discoverConsumers({kinesis, dynamodb: dynamo, firehose: fresh}, 'orders', {discover: false});
			expect(consumersOfKind(again, 'firehose').map((stream) => stream.name)).toEqual(['orders-archive']);
			expect(described).toEqual(['orders-archive']);
		} finally {
			fresh.destroy();
		}
	});

	it('finds none, and no problem, without a Firehose client', async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo}, 'orders', {discover: false});
		expect(consumersOfKind(found, 'firehose')).toEqual([]);
		expect(found.problems).toEqual([]);
	});
});

describe("a connection's Firehose client", () => {
	it("paces its calls through the connection's budget: AWS's 5 a second per account, never refused", async () => {
		const {connect} = await import('../../source/console/connect.js');
		// The engine enforces Firehose's quotas (--limits on, the default for --local): unpaced, 10 calls at once would see 5 refused.
		const connection = await connect({local: true, quotaShare: 1});
		try {
			expect(connection.budget.sharePerSecond('ListDeliveryStreams')).toBe(5);
			const {ListDeliveryStreamsCommand} = await import('@aws-sdk/client-firehose');
			const results = await Promise.allSettled(
				Array.from({length: 10}, () => connection.firehose.send(new ListDeliveryStreamsCommand({}))),
			);
			expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
		} finally {
			await connection.close();
		}
	});
});
