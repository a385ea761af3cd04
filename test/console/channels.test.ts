import type {KinesisClient} from '@aws-sdk/client-kinesis';
import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {capabilitiesOf, consumersOfKind, discoverConsumers, kindOf} from '../../source/console/consumers/index.js';
import type {Engine} from '../../source/engine/index.js';
import {createOnDemandStream, createS3Channel} from '../helpers/channels.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {dynamoClient} from '../helpers/leaseTables.js';

/** Kinesis channels as a consumer kind, read through the SDK from the engine, which keeps channels and delivers nothing. */
describe('Kinesis channels of a stream', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;

	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		await createS3Channel(kinesis, 'to-lake', await createOnDemandStream(kinesis, 'orders'), 'orders-lake');
		await createS3Channel(kinesis, 'elsewhere', await createOnDemandStream(kinesis, 'other'), 'other-lake');
	});
	afterAll(async () => {
		kinesis.destroy();
		dynamo.destroy();
		await engine.close();
	});

	it("lists the stream's own channels with their state and destination, and says the engine delivers nothing", async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo}, 'orders', {discover: false, applications: []});
		const channels = consumersOfKind(found, 'channel');
		expect(channels).toEqual([
			{
				kind: 'channel',
				name: 'to-lake',
				arn: expect.stringMatching(/^arn:aws:kinesis:us-east-1:000000000000:/),
				status: 'ACTIVE',
				statusReason: expect.stringContaining('no record is ever delivered'),
				destinationType: 'S3',
				destination: 's3://orders-lake/',
				createdAt: expect.any(String),
				emulated: true,
			},
		]);
		const [channel] = channels;
		if (!channel) throw new Error('no channel');
		expect(kindOf(channel).row(channel)).toEqual({
			text: 'ACTIVE · S3 s3://orders-lake/ · the engine delivers nothing: it keeps the channel and its lifecycle, and no record reaches the destination',
			warn: true,
		});
		const table = kindOf(channel).table([channel], 'orders');
		expect(table.rows).toEqual([['to-lake', 'ACTIVE', 'S3 s3://orders-lake/', channel.createdAt]]);
		expect(table.notes).toEqual([
			'On the built-in engine: the engine delivers nothing: it keeps the channel and its lifecycle, and no record reaches the destination.',
		]);
		expect(capabilitiesOf(channel)).toEqual({});
	});

	it('marks a channel as emulated on a --local connection whatever its status reason, and not on AWS-like answers', async () => {
		const local = await discoverConsumers({kinesis, dynamodb: dynamo}, 'orders', {discover: false, target: {kind: 'local'}});
		expect(consumersOfKind(local, 'channel').map((channel) => channel.emulated)).toEqual([true]);
		const [channel] = consumersOfKind(local, 'channel');
		if (!channel) throw new Error('no channel');
		const onAws = {...channel, emulated: false, statusReason: 'Delivery role cannot write to the bucket', status: 'FAILED'};
		expect(kindOf(onAws).row(onAws)).toEqual({
			text: 'FAILED · S3 s3://orders-lake/ · Delivery role cannot write to the bucket',
			warn: true,
		});
		expect(kindOf(onAws).table([onAws], 'orders').notes).toEqual(['to-lake FAILED: Delivery role cannot write to the bucket']);
	});
});
