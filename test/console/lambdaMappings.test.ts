import {CloudWatchClient, type GetMetricDataCommand} from '@aws-sdk/client-cloudwatch';
import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {DescribeStreamSummaryCommand, RegisterStreamConsumerCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand, LambdaClient} from '@aws-sdk/client-lambda';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {consumersOfKind, discoverConsumers, kindOf} from '../../source/console/consumers/index.js';
import type {Engine} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream, dynamoClient} from '../helpers/leaseTables.js';

/** Lambda event source mappings as a consumer kind: found for the stream and its fan-out consumers, through the SDK against the engine. */
describe('Lambda event source mappings of a stream', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;
	let lambda: LambdaClient;
	let cloudwatch: CloudWatchClient;
	let streamArn: string;

	beforeAll(async () => {
		engine = await startEngine({registerConsumerMs: 0, eventSourceMappingMs: 0});
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		lambda = new LambdaClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		cloudwatch = new CloudWatchClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		await createStream(kinesis, 'orders', 1);
		streamArn = (await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'orders'}))).StreamDescriptionSummary?.StreamARN ?? '';
		const {Consumer: consumer} = await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: streamArn, ConsumerName: 'fast-lane'}));
		await lambda.send(new CreateEventSourceMappingCommand({FunctionName: 'enrich', EventSourceArn: streamArn, StartingPosition: 'LATEST'}));
		await lambda.send(
			new CreateEventSourceMappingCommand({
				FunctionName: 'alerts',
				EventSourceArn: consumer?.ConsumerARN ?? '',
				StartingPosition: 'TRIM_HORIZON',
				BatchSize: 50,
				MaximumBatchingWindowInSeconds: 2,
				ParallelizationFactor: 3,
				BisectBatchOnFunctionError: true,
				MaximumRetryAttempts: 2,
				MaximumRecordAgeInSeconds: 3600,
				DestinationConfig: {OnFailure: {Destination: 'arn:aws:sqs:us-east-1:000000000000:alerts-dlq'}},
				Enabled: false,
			}),
		);
		// A mapping of another stream is not this stream's.
		await lambda.send(
			new CreateEventSourceMappingCommand({
				FunctionName: 'enrich',
				EventSourceArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/other',
				StartingPosition: 'LATEST',
			}),
		);
	});
	afterAll(async () => {
		for (const client of [kinesis, dynamo, lambda, cloudwatch]) client.destroy();
		await engine.close();
	});

	it("finds the stream's mappings and its fan-out consumers', with their settings, and no lag while CloudWatch has none", async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo, lambda, cloudwatch}, 'orders', {discover: false});
		expect(found.problems).toEqual([]);
		const mappings = consumersOfKind(found, 'lambda');
		expect(mappings).toEqual([
			expect.objectContaining({
				name: 'alerts',
				consumer: 'fast-lane',
				eventSourceArn: expect.stringContaining('/consumer/fast-lane:'),
				state: 'Disabled',
				lastProcessingResult: 'No records processed',
				batchSize: 50,
				batchingWindowSeconds: 2,
				parallelizationFactor: 3,
				bisectOnError: true,
				maximumRetryAttempts: 2,
				maximumRecordAgeSeconds: 3600,
				onFailure: 'arn:aws:sqs:us-east-1:000000000000:alerts-dlq',
			}),
			expect.objectContaining({name: 'enrich', eventSourceArn: streamArn, state: 'Enabled', batchSize: 100, maximumRetryAttempts: -1}),
		]);
		for (const mapping of mappings) expect(mapping).not.toHaveProperty('lagMs');
		const [alerts, enrich] = mappings;
		if (!alerts || !enrich) throw new Error('missing');
		expect(kindOf(alerts).row(alerts)).toEqual({
			text: 'Disabled · No records processed · batch 50 in 2 s ×3 · lag - · via fast-lane',
			warn: true,
		});
		const table = kindOf(enrich).table(mappings, 'orders');
		expect(table.rows).toEqual([
			[
				'alerts',
				'Disabled',
				'No records processed',
				'50',
				'2 s',
				'3',
				'yes',
				'2',
				'1h',
				'arn:aws:sqs:us-east-1:000000000000:alerts-dlq',
				'-',
				'off',
				'fast-lane',
			],
			['enrich', 'Enabled', 'No records processed', '100', '0 s', '1', 'no', 'until expiry', 'retention', '-', '-', 'off', 'stream'],
		]);
	});

	it("shows a function's AWS/Lambda IteratorAge (Maximum, by FunctionName, its newest minute) as its mappings' lag", async () => {
		// AWS (and the engine) refuse PutMetricData into AWS/ namespaces, and the engine runs no function: CloudWatch's answer is given here.
		const asked: GetMetricDataCommand[] = [];
		const answering = {
			send: async (command: GetMetricDataCommand) => {
				if (command.input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Namespace === 'AWS/Lambda') asked.push(command);
				const queries = command.input.MetricDataQueries ?? [];
				const end = command.input.EndTime?.getTime() ?? 0;
				// Newest first, as CloudWatch answers by default.
				const enrich = (query: NonNullable<typeof queries>[number]) => query.MetricStat?.Metric?.Dimensions?.[0]?.Value === 'enrich';
				return {
					MetricDataResults: queries.map((query) => ({
						Id: query.Id,
						Values: enrich(query) ? [42_000, 12_000] : [],
						Timestamps: enrich(query) ? [new Date(end - 60_000), new Date(end - 120_000)] : [],
					})),
				};
			},
		} as unknown as CloudWatchClient;
		const found = await discoverConsumers({kinesis, dynamodb: dynamo, lambda, cloudwatch: answering}, 'orders', {discover: false});
		const [query] = asked;
		expect(asked).toHaveLength(1);
		expect(query?.input.MetricDataQueries?.map((entry) => entry.MetricStat)).toEqual([
			{
				Metric: {Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Dimensions: [{Name: 'FunctionName', Value: 'alerts'}]},
				Period: 60,
				Stat: 'Maximum',
			},
			{
				Metric: {Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Dimensions: [{Name: 'FunctionName', Value: 'enrich'}]},
				Period: 60,
				Stat: 'Maximum',
			},
		]);
		const [alerts, enrich] = consumersOfKind(found, 'lambda');
		expect(enrich?.lagMs).toBe(42_000);
		expect(
			enrich &&
				kindOf(enrich)
					.health(enrich)
					.lagSeries?.map((point) => point.lagMs),
		).toEqual([12_000, 42_000]);
		expect(alerts).not.toHaveProperty('lagMs');
		if (enrich) expect(kindOf(enrich).row(enrich).text).toContain('lag 42');
	});

	it('judges a mapping that publishes its event counts by them: its FailedInvokeEventCount and DroppedEventCount of 5 minutes, by its UUID', async () => {
		const created = await lambda.send(
			new CreateEventSourceMappingCommand({
				FunctionName: 'audit',
				EventSourceArn: streamArn,
				StartingPosition: 'LATEST',
				MetricsConfig: {Metrics: ['EventCount']},
			}),
		);
		const uuid = created.UUID ?? '';
		try {
			const audit = async () =>
				consumersOfKind(
					await discoverConsumers({kinesis, dynamodb: dynamo, lambda, cloudwatch}, 'orders', {discover: false}),
					'lambda',
				).find((mapping) => mapping.name === 'audit');
			const quiet = await audit();
			expect(quiet).toMatchObject({eventMetrics: true, failedInvokes: 0, droppedRecords: 0});
			if (!quiet) throw new Error('missing');
			expect(kindOf(quiet).health(quiet).failure).toBeUndefined();
			expect(kindOf(quiet).row(quiet).text).toContain('failed 0 / 0 in 5m');

			// What Lambda publishes for a mapping whose function fails: AWS/Lambda counts by EventSourceMappingUUID (the engine's in-process hook; PutMetricData refuses AWS/).
			const count = (name: string, value: number, agoMs: number) =>
				engine.recordServiceMetric({
					region: 'us-east-1',
					namespace: 'AWS/Lambda',
					name,
					dimensions: [{Name: 'EventSourceMappingUUID', Value: uuid}],
					unit: 'Count',
					value,
					atMs: Date.now() - agoMs,
				});
			count('FailedInvokeEventCount', 30, 120_000);
			count('FailedInvokeEventCount', 12, 1_000);
			count('DroppedEventCount', 5, 1_000);
			// Another mapping's failures are not this one's.
			engine.recordServiceMetric({
				region: 'us-east-1',
				namespace: 'AWS/Lambda',
				name: 'FailedInvokeEventCount',
				dimensions: [{Name: 'EventSourceMappingUUID', Value: 'another'}],
				unit: 'Count',
				value: 99,
			});
			const failing = await audit();
			expect(failing).toMatchObject({failedInvokes: 42, droppedRecords: 5});
			if (!failing) throw new Error('missing');
			expect(kindOf(failing).health(failing).failure).toBe(
				'42 / 5 records failed to invoke / were dropped in the last 5 minutes (FailedInvokeEventCount / DroppedEventCount)',
			);
			expect(kindOf(failing).row(failing)).toMatchObject({warn: true});
			expect(kindOf(failing).table([failing], 'orders').rows[0]).toContain('42 / 5');
		} finally {
			await lambda.send(new DeleteEventSourceMappingCommand({UUID: uuid}));
		}
	});

	it('says on a --local connection that the engine runs no function', async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo, lambda}, 'orders', {discover: false, target: {kind: 'local'}});
		const mappings = consumersOfKind(found, 'lambda');
		expect(mappings.map((mapping) => mapping.emulated)).toEqual([true, true]);
		const [alerts] = mappings;
		if (!alerts) throw new Error('missing');
		expect(kindOf(alerts).row(alerts).text).toBe(
			'Disabled · engine: no function runs · No records processed · batch 50 in 2 s ×3 · lag - · via fast-lane',
		);
		expect(kindOf(alerts).table(mappings, 'orders').notes[0]).toBe(
			'On the built-in engine: the engine runs no function: it keeps the mapping and its state, and nothing reads the stream.',
		);
	});

	it('finds none, and no problem, without a Lambda client', async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo}, 'orders', {discover: false});
		expect(consumersOfKind(found, 'lambda')).toEqual([]);
		expect(found.problems).toEqual([]);
	});
});
