import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import {type GetMetricDataCommand} from '@aws-sdk/client-cloudwatch';
import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {CreateApplicationCommand, KinesisAnalyticsV2Client, StartApplicationCommand} from '@aws-sdk/client-kinesis-analytics-v2';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {consumersOfKind, discoverConsumers, kindOf} from '../../source/console/consumers/index.js';
import type {Engine} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream, dynamoClient} from '../helpers/leaseTables.js';

const ROLE = 'arn:aws:iam::000000000000:role/flink';

/** A Flink application whose runtime properties hold these values, as AWS's examples pass a stream to the code. */
async function createFlinkApp(flink: KinesisAnalyticsV2Client, name: string, properties: Record<string, string>): Promise<void> {
	await flink.send(
		new CreateApplicationCommand({
			ApplicationName: name,
			RuntimeEnvironment: 'FLINK-1_20',
			ServiceExecutionRole: ROLE,
			ApplicationConfiguration: {
				EnvironmentProperties: {PropertyGroups: [{PropertyGroupId: 'ConsumerConfigProperties', PropertyMap: properties}]},
			},
		}),
	);
}

async function createSqlApp(flink: KinesisAnalyticsV2Client, name: string, streamArn: string): Promise<void> {
	await flink.send(
		new CreateApplicationCommand({
			ApplicationName: name,
			RuntimeEnvironment: 'SQL-1_0',
			ServiceExecutionRole: ROLE,
			ApplicationConfiguration: {
				SqlApplicationConfiguration: {
					Inputs: [
						{
							NamePrefix: 'SOURCE_SQL_STREAM',
							KinesisStreamsInput: {ResourceARN: streamArn},
							InputSchema: {RecordFormat: {RecordFormatType: 'CSV'}, RecordColumns: [{Name: 'ticker', SqlType: 'VARCHAR(4)'}]},
						},
					],
				},
			},
		}),
	);
}

/** Managed Flink applications as a consumer kind: found where their description names the stream, through the SDK against the engine. */
describe('Managed Flink applications of a stream', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;
	let flink: KinesisAnalyticsV2Client;
	let streamArn: string;

	beforeAll(async () => {
		engine = await startEngine({flinkApplicationMs: 0});
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		flink = new KinesisAnalyticsV2Client({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		await createStream(kinesis, 'orders', 1);
		streamArn = (await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'orders'}))).StreamDescriptionSummary?.StreamARN ?? '';
		await createFlinkApp(flink, 'enricher', {'input.stream': 'orders', region: 'us-east-1'});
		await flink.send(new StartApplicationCommand({ApplicationName: 'enricher'}));
		await createFlinkApp(flink, 'by-arn', {'source.arn': streamArn});
		await createSqlApp(flink, 'tickers', streamArn);
		// Applications naming another stream are not this stream's.
		await createFlinkApp(flink, 'elsewhere', {'input.stream': 'orders-archive'});
		await createSqlApp(flink, 'other-sql', 'arn:aws:kinesis:us-east-1:000000000000:stream/other');
	});
	afterAll(async () => {
		for (const client of [kinesis, dynamo, flink]) client.destroy();
		await engine.close();
	});

	it('finds the applications whose SQL input or runtime property names the stream, by name or ARN, and not the others', async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo, flink}, 'orders', {discover: false});
		expect(found.problems).toEqual([]);
		const applications = consumersOfKind(found, 'flink');
		expect(applications).toEqual([
			{
				kind: 'flink',
				name: 'by-arn',
				arn: 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/by-arn',
				runtime: 'FLINK-1_20',
				status: 'READY',
				namedBy: ['ConsumerConfigProperties/source.arn'],
			},
			expect.objectContaining({name: 'enricher', status: 'RUNNING', namedBy: ['ConsumerConfigProperties/input.stream']}),
			expect.objectContaining({name: 'tickers', runtime: 'SQL-1_0', status: 'READY', namedBy: ['input 1.1']}),
		]);
		const [byArn, enricher] = applications;
		if (!byArn || !enricher) throw new Error('missing');
		expect(kindOf(enricher).row(enricher)).toEqual({
			text: 'RUNNING · lag - · FLINK-1_20 · names it in ConsumerConfigProperties/input.stream',
			warn: false,
		});
		expect(kindOf(byArn).row(byArn).warn).toBe(true);
		expect(kindOf(enricher).json(enricher)).toEqual({
			type: 'flink-application',
			name: 'enricher',
			arn: 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/enricher',
			runtime: 'FLINK-1_20',
			applicationStatus: 'RUNNING',
			namedBy: ['ConsumerConfigProperties/input.stream'],
		});
		// Who is behind: a running job reads; one that is READY (never started, or stopped) reads nothing.
		expect(kindOf(enricher).health(enricher)).toEqual({lagMs: undefined, reading: true, position: undefined, failure: undefined});
		expect(kindOf(byArn).health(byArn).reading).toBe(false);
	});

	it('describes an application once per version: a later discovery with the same client lists only, and takes its status from the list', async () => {
		const client = new KinesisAnalyticsV2Client({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		const describes = () =>
			engine
				.requestCounts()
				.filter((count) => count.service === 'KinesisAnalytics' && count.operation === 'DescribeApplication')
				.reduce((sum, count) => sum + count.requests, 0);
		try {
			const before = describes();
			await discoverConsumers({kinesis, dynamodb: dynamo, flink: client}, 'orders', {discover: false});
			expect(describes() - before).toBe(5);
			await flink.send(new StartApplicationCommand({ApplicationName: 'by-arn'}));
			const again = await discoverConsumers({kinesis, dynamodb: dynamo, flink: client}, 'orders', {discover: false});
			expect(describes() - before).toBe(5);
			expect(consumersOfKind(again, 'flink').find((application) => application.name === 'by-arn')?.status).toBe('RUNNING');
		} finally {
			client.destroy();
		}
	});

	it('says on the built-in engine that no application runs', async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo, flink}, 'orders', {discover: false, target: {kind: 'local'}});
		const [application] = consumersOfKind(found, 'flink');
		if (!application) throw new Error('missing');
		expect(kindOf(application).row(application).text).toContain('engine: no application runs');
		expect(kindOf(application).table(consumersOfKind(found, 'flink'), 'orders').notes[0]).toBe(
			'On the built-in engine: the engine runs no application: it keeps the application and its status, and nothing reads the stream.',
		);
	});

	it('shows AWS/KinesisAnalytics millisBehindLatest (1-minute Maximum, by Application), its newest minute as the lag and the five as its series, in one GetMetricData call, -1 counting as none', async () => {
		// AWS (and the engine) refuse PutMetricData into AWS/ namespaces, and the engine runs no application: CloudWatch's answer is given here.
		const asked: GetMetricDataCommand[] = [];
		const minute = Math.floor(Date.now() / 60_000) * 60_000;
		const answering = {
			send: async (command: GetMetricDataCommand) => {
				asked.push(command);
				// CloudWatch answers newest first.
				const values: Record<string, number[]> = {enricher: [9_000, 1_500], 'by-arn': [-1], tickers: [300]};
				return {
					MetricDataResults: (command.input.MetricDataQueries ?? []).map((query) => {
						const answer = values[query.MetricStat?.Metric?.Dimensions?.[0]?.Value ?? ''] ?? [];
						return {Id: query.Id, Values: answer, Timestamps: answer.map((_, index) => new Date(minute - index * 60_000))};
					}),
				};
			},
		} as unknown as CloudWatchClient;
		const found = await discoverConsumers({kinesis, dynamodb: dynamo, flink, cloudwatch: answering}, 'orders', {discover: false});
		expect(asked).toHaveLength(1);
		expect(asked[0]?.input.MetricDataQueries?.map((query) => query.MetricStat)).toEqual([
			{
				Metric: {Namespace: 'AWS/KinesisAnalytics', MetricName: 'millisBehindLatest', Dimensions: [{Name: 'Application', Value: 'by-arn'}]},
				Period: 60,
				Stat: 'Maximum',
			},
			{
				Metric: {
					Namespace: 'AWS/KinesisAnalytics',
					MetricName: 'millisBehindLatest',
					Dimensions: [{Name: 'Application', Value: 'enricher'}],
				},
				Period: 60,
				Stat: 'Maximum',
			},
			{
				Metric: {
					Namespace: 'AWS/KinesisAnalytics',
					MetricName: 'MillisBehindLatest',
					Dimensions: [{Name: 'Application', Value: 'tickers'}],
				},
				Period: 60,
				Stat: 'Maximum',
			},
		]);
		const [byArn, enricher, tickers] = consumersOfKind(found, 'flink');
		expect(byArn).not.toHaveProperty('lagMs');
		expect(enricher?.lagMs).toBe(9_000);
		expect(enricher?.lagSeries).toEqual([
			{atMs: minute - 60_000, lagMs: 1_500},
			{atMs: minute, lagMs: 9_000},
		]);
		if (enricher) expect(kindOf(enricher).health(enricher)).toMatchObject({lagMs: 9_000, lagSeries: enricher.lagSeries, reading: true});
		if (enricher) expect(kindOf(enricher).json(enricher)).not.toHaveProperty('lagSeries');
		expect(tickers?.lagMs).toBe(300);
		if (enricher)
			expect(kindOf(enricher).table(consumersOfKind(found, 'flink'), 'orders').rows[1]).toEqual([
				'enricher',
				'FLINK-1_20',
				'RUNNING',
				'ConsumerConfigProperties/input.stream',
				'9s',
			]);
	});

	it('is a problem beside the other kinds when the applications cannot be listed', async () => {
		const failing = new KinesisAnalyticsV2Client({endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials, maxAttempts: 1});
		const found = await discoverConsumers({kinesis, dynamodb: dynamo, flink: failing}, 'orders', {
			discover: false,
			describeError: () => 'unreachable',
		});
		failing.destroy();
		expect(found.problems).toEqual([{kind: 'flink', part: 'flink', message: 'unreachable'}]);
	});
});
