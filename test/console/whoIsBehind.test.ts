import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import {RegisterStreamConsumerCommand, SubscribeToShardCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {CreateEventSourceMappingCommand, LambdaClient} from '@aws-sdk/client-lambda';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {BehindHistory} from '../../source/console/consumers/behind.js';
import {consumersOfKind, discoverConsumers, kindOf} from '../../source/console/consumers/index.js';
import type {Engine} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream, dynamoClient, putRecords} from '../helpers/leaseTables.js';
import {cloudWatchClient} from '../helpers/ui.js';

/**
 * Each kind's health through the SDK against the engine: a fan-out consumer's lag from the MillisBehindLatest its subscriber's
 * events publish to CloudWatch (AWS/Kinesis, StreamName and ConsumerName), a disabled Lambda mapping that reads nothing.
 */
describe('who is behind, read from the engine', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let cloudwatch: CloudWatchClient;
	let lambda: LambdaClient;
	let arn: string;

	beforeAll(async () => {
		engine = await startEngine({registerConsumerMs: 0, eventSourceMappingMs: 0});
		kinesis = kinesisClient(engine.url);
		cloudwatch = cloudWatchClient(engine.url);
		lambda = new LambdaClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		({arn} = await createStream(kinesis, 'orders', 1));
		await putRecords(kinesis, 'orders', 1, 0, 5);
	});
	afterAll(async () => {
		kinesis.destroy();
		lambda.destroy();
		await engine.close();
	});

	it("gives a fan-out consumer its subscribers' MillisBehindLatest, and one nothing subscribes to no lag and nothing reading", async () => {
		const {Consumer: reader} = await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: arn, ConsumerName: 'reader'}));
		await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: arn, ConsumerName: 'idle'}));
		const subscription = await kinesis.send(
			new SubscribeToShardCommand({
				ConsumerARN: reader?.ConsumerARN,
				ShardId: 'shardId-000000000000',
				StartingPosition: {Type: 'TRIM_HORIZON'},
			}),
		);
		for await (const event of subscription.EventStream ?? []) if (event.SubscribeToShardEvent) break;

		const found = await discoverConsumers({kinesis, dynamodb: dynamoClient(engine.url), cloudwatch}, 'orders', {discover: false});
		expect(found.problems).toEqual([]);
		const [idle, subscribed] = consumersOfKind(found, 'efo');
		expect(subscribed).toMatchObject({name: 'reader', subscribed: true, lagMs: expect.any(Number)});
		expect(subscribed && kindOf(subscribed).health(subscribed)).toMatchObject({
			reading: true,
			lagSeries: [expect.objectContaining({lagMs: expect.any(Number)})],
		});
		expect(idle).toMatchObject({name: 'idle', subscribed: false});
		expect(idle).not.toHaveProperty('lagMs');

		const history = new BehindHistory(60_000);
		history.add(found);
		const rows = history.rows();
		// Worst first: nothing reads for 'idle'.
		expect(rows.map((row) => [row.consumer.name, row.status])).toEqual([
			['idle', 'STOPPED'],
			['reader', 'OK'],
		]);
		const [, reading] = rows;
		expect(reading?.expiresInMs).toBe(24 * 3_600_000 - (reading?.lagMs ?? 0));
	});

	it('says a disabled Lambda mapping reads nothing: STOPPED', async () => {
		await lambda.send(
			new CreateEventSourceMappingCommand({FunctionName: 'enrich', EventSourceArn: arn, StartingPosition: 'LATEST', Enabled: false}),
		);
		const found = await discoverConsumers({kinesis, dynamodb: dynamoClient(engine.url), lambda, cloudwatch}, 'orders', {discover: false});
		const history = new BehindHistory(60_000);
		history.add(found);
		expect(history.rows().find((row) => row.consumer.kind === 'lambda')).toMatchObject({
			consumer: expect.objectContaining({name: 'enrich', state: 'Disabled'}),
			status: 'STOPPED',
			reason: 'nothing reads',
			lagMs: undefined,
			expiresInMs: undefined,
		});
	});
});
