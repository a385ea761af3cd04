import {
	CreateApplicationCommand,
	DeleteApplicationCommand,
	DescribeApplicationCommand,
	KinesisAnalyticsV2Client,
	ListApplicationsCommand,
	StartApplicationCommand,
	StopApplicationCommand,
	paginateListApplications,
	type CreateApplicationCommandInput,
	type RuntimeEnvironment,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {credentials, startEngine} from '../helpers/engine.js';
import {FakeClock} from './support.js';

const ROLE = 'arn:aws:iam::000000000000:role/flink';
const STREAM = 'arn:aws:kinesis:us-east-1:000000000000:stream/orders';
// The engine's clock: statuses change when the test says so.
const clock = new FakeClock();

const flinkApp = (name: string, properties: Record<string, string> = {'input.stream': 'orders'}): CreateApplicationCommandInput => ({
	ApplicationName: name,
	RuntimeEnvironment: 'FLINK-1_20',
	ServiceExecutionRole: ROLE,
	ApplicationConfiguration: {
		EnvironmentProperties: {PropertyGroups: [{PropertyGroupId: 'ConsumerConfigProperties', PropertyMap: properties}]},
		ApplicationCodeConfiguration: {
			CodeContentType: 'ZIPFILE',
			CodeContent: {S3ContentLocation: {BucketARN: 'arn:aws:s3:::code', FileKey: 'app.jar'}},
		},
	},
});

const sqlApp = (name: string, streamArn = STREAM): CreateApplicationCommandInput => ({
	ApplicationName: name,
	RuntimeEnvironment: 'SQL-1_0',
	ServiceExecutionRole: ROLE,
	ApplicationConfiguration: {
		SqlApplicationConfiguration: {
			Inputs: [
				{
					NamePrefix: 'SOURCE_SQL_STREAM',
					KinesisStreamsInput: {ResourceARN: streamArn},
					InputSchema: {
						RecordFormat: {RecordFormatType: 'JSON', MappingParameters: {JSONMappingParameters: {RecordRowPath: '$'}}},
						RecordColumns: [{Name: 'ticker', SqlType: 'VARCHAR(4)', Mapping: '$.ticker'}],
					},
				},
			],
		},
	},
});

/** What the engine answered with: the SDK's error name and message, or 'ok'. */
async function outcome(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
		return 'ok';
	} catch (error) {
		return `${(error as Error).name}: ${(error as Error).message}`;
	}
}

/** Managed Service for Apache Flink's control plane on the engine, through @aws-sdk/client-kinesis-analytics-v2. */
describe('Managed Flink applications on the engine', () => {
	let engine: Engine;
	let flink: KinesisAnalyticsV2Client;

	beforeAll(async () => {
		engine = await startEngine({flinkApplicationMs: 100, now: clock.now, throughputLimits: true});
		flink = new KinesisAnalyticsV2Client({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
	});
	afterAll(async () => {
		flink.destroy();
		await engine.close();
	});

	it('creates a Flink application READY, with its property groups, AWS defaults and ARN', async () => {
		const {ApplicationDetail: created} = await flink.send(new CreateApplicationCommand(flinkApp('enricher')));
		expect(created).toMatchObject({
			ApplicationName: 'enricher',
			ApplicationARN: 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/enricher',
			ApplicationStatus: 'READY',
			ApplicationVersionId: 1,
			RuntimeEnvironment: 'FLINK-1_20',
			ServiceExecutionRole: ROLE,
			ApplicationMode: 'STREAMING',
			ApplicationConfigurationDescription: {
				EnvironmentPropertyDescriptions: {
					PropertyGroupDescriptions: [{PropertyGroupId: 'ConsumerConfigProperties', PropertyMap: {'input.stream': 'orders'}}],
				},
				FlinkApplicationConfigurationDescription: {
					CheckpointConfigurationDescription: {ConfigurationType: 'DEFAULT', CheckpointingEnabled: true, CheckpointInterval: 60_000},
				},
				ApplicationCodeConfigurationDescription: {
					CodeContentType: 'ZIPFILE',
					CodeContentDescription: {S3ApplicationCodeLocationDescription: {BucketARN: 'arn:aws:s3:::code', FileKey: 'app.jar'}},
				},
			},
		});
		expect(created?.CreateTimestamp).toEqual(new Date(clock.ms));
	});

	it("describes a SQL application's Kinesis input by the stream's ARN", async () => {
		await flink.send(new CreateApplicationCommand(sqlApp('tickers')));
		const {ApplicationDetail: described} = await flink.send(new DescribeApplicationCommand({ApplicationName: 'tickers'}));
		expect(described?.ApplicationConfigurationDescription?.SqlApplicationConfigurationDescription?.InputDescriptions).toEqual([
			expect.objectContaining({
				InputId: '1.1',
				NamePrefix: 'SOURCE_SQL_STREAM',
				InAppStreamNames: ['SOURCE_SQL_STREAM_001'],
				KinesisStreamsInputDescription: {ResourceARN: STREAM, RoleARN: ROLE},
			}),
		]);
	});

	it('starts (STARTING, RUNNING), stops (STOPPING, READY), force-stops and deletes (DELETING, then gone)', async () => {
		const status = async () =>
			(await flink.send(new DescribeApplicationCommand({ApplicationName: 'enricher'}))).ApplicationDetail?.ApplicationStatus;
		await flink.send(new StartApplicationCommand({ApplicationName: 'enricher'}));
		expect(await status()).toBe('STARTING');
		expect(await outcome(flink.send(new StartApplicationCommand({ApplicationName: 'enricher'})))).toBe(
			'ResourceInUseException: Application enricher is in STARTING status. An application can be started only in READY status.',
		);
		clock.advance(150);
		expect(await status()).toBe('RUNNING');
		await flink.send(new StopApplicationCommand({ApplicationName: 'enricher'}));
		expect(await status()).toBe('STOPPING');
		clock.advance(150);
		expect(await status()).toBe('READY');
		expect(await outcome(flink.send(new StopApplicationCommand({ApplicationName: 'enricher'})))).toBe(
			'ResourceInUseException: Application enricher is in READY status. An application can be stopped only in RUNNING status.',
		);
		await flink.send(new StartApplicationCommand({ApplicationName: 'enricher'}));
		await flink.send(new StopApplicationCommand({ApplicationName: 'enricher', Force: true}));
		expect(await status()).toBe('FORCE_STOPPING');
		clock.advance(150);
		expect(await status()).toBe('READY');
		expect(await outcome(flink.send(new StopApplicationCommand({ApplicationName: 'tickers', Force: true})))).toBe(
			'InvalidArgumentException: Force stop is not supported for SQL-based applications.',
		);

		const {ApplicationDetail: detail} = await flink.send(new DescribeApplicationCommand({ApplicationName: 'enricher'}));
		expect(
			await outcome(
				flink.send(new DeleteApplicationCommand({ApplicationName: 'enricher', CreateTimestamp: new Date(Date.UTC(2020, 0, 1))})),
			),
		).toBe(
			'ConcurrentModificationException: CreateTimestamp 2020-01-01T00:00:00.000Z does not match the creation time of application enricher; use DescribeApplication to get it.',
		);
		await flink.send(new DeleteApplicationCommand({ApplicationName: 'enricher', CreateTimestamp: detail?.CreateTimestamp}));
		expect(await status()).toBe('DELETING');
		clock.advance(150);
		expect(await outcome(status())).toBe(
			'ResourceNotFoundException: Application enricher is not found in account 000000000000 in region us-east-1.',
		);
	});

	it("refuses bad input with AWS's error types: the model's constraints, duplicates, runtimes' configurations", async () => {
		expect(
			await outcome(
				flink.send(new CreateApplicationCommand({...flinkApp('bad name!'), RuntimeEnvironment: 'FLINK-9' as RuntimeEnvironment})),
			),
		).toBe(
			"ValidationException: 2 validation errors detected: Value 'bad name!' at 'applicationName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value 'FLINK-9' at 'runtimeEnvironment' failed to satisfy constraint: Member must satisfy enum value set: [SQL-1_0, FLINK-1_6, FLINK-1_8, ZEPPELIN-FLINK-1_0, FLINK-1_11, FLINK-1_13, ZEPPELIN-FLINK-2_0, FLINK-1_15, ZEPPELIN-FLINK-3_0, FLINK-1_18, FLINK-1_19, FLINK-1_20, FLINK-2_2, FLINK-2_3]",
		);
		expect(await outcome(flink.send(new CreateApplicationCommand({...flinkApp('no-role'), ServiceExecutionRole: 'role/flink'})))).toBe(
			"ValidationException: 1 validation error detected: Value 'role/flink' at 'serviceExecutionRole' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*",
		);
		expect(await outcome(flink.send(new CreateApplicationCommand(sqlApp('tickers'))))).toBe(
			'ResourceInUseException: Application tickers already exists.',
		);
		expect(await outcome(flink.send(new CreateApplicationCommand({...sqlApp('sql-flink'), RuntimeEnvironment: 'FLINK-1_20'})))).toBe(
			'InvalidArgumentException: SqlApplicationConfiguration is not supported for runtime environment FLINK-1_20.',
		);
		expect(await outcome(flink.send(new CreateApplicationCommand({...flinkApp('flink-sql'), RuntimeEnvironment: 'SQL-1_0'})))).toBe(
			'InvalidArgumentException: EnvironmentProperties and FlinkApplicationConfiguration are not supported for runtime environment SQL-1_0.',
		);
		expect(await outcome(flink.send(new DeleteApplicationCommand({ApplicationName: 'ghost', CreateTimestamp: new Date()})))).toBe(
			'ResourceNotFoundException: Application ghost is not found in account 000000000000 in region us-east-1.',
		);
		expect(await outcome(flink.send(new ListApplicationsCommand({Limit: 51})))).toBe(
			"ValidationException: 1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50",
		);
	});

	it('lists applications a page at a time, by name, with the last name as the next token', async () => {
		for (const name of ['page-c', 'page-a', 'page-b']) await flink.send(new CreateApplicationCommand(flinkApp(name)));
		const first = await flink.send(new ListApplicationsCommand({Limit: 2}));
		expect(first.ApplicationSummaries?.map((summary) => summary.ApplicationName)).toEqual(['page-a', 'page-b']);
		expect(first.NextToken).toBe('page-b');
		expect(first.ApplicationSummaries?.[0]).toMatchObject({
			ApplicationStatus: 'READY',
			ApplicationVersionId: 1,
			RuntimeEnvironment: 'FLINK-1_20',
			ApplicationARN: 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/page-a',
		});
		const names: string[] = [];
		for await (const page of paginateListApplications({client: flink, pageSize: 2}, {})) {
			names.push(...(page.ApplicationSummaries ?? []).map((summary) => summary.ApplicationName ?? ''));
		}
		expect(names).toEqual(['page-a', 'page-b', 'page-c', 'tickers']);
	});

	it('refuses the 101st application of a region with LimitExceededException, with limits on', async () => {
		const existing = (await flink.send(new ListApplicationsCommand({}))).ApplicationSummaries?.length ?? 0;
		for (let index = existing; index < 100; index++) await flink.send(new CreateApplicationCommand(flinkApp(`quota-${index}`)));
		expect(await outcome(flink.send(new CreateApplicationCommand(flinkApp('one-too-many'))))).toBe(
			'LimitExceededException: The number of applications in this Region in your account (100) has been reached. Delete an application, or request a quota increase.',
		);
		// Another region has its own quota.
		const west = new KinesisAnalyticsV2Client({endpoint: engine.url, region: 'us-west-2', credentials, maxAttempts: 1});
		expect(await outcome(west.send(new CreateApplicationCommand(flinkApp('one-too-many'))))).toBe('ok');
		west.destroy();
	});
});

describe('Managed Flink applications across a restart', () => {
	it('keeps applications, their configuration and status in the data directory', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'flink-apps-'));
		try {
			const first = await startEngine({dataDir, flinkApplicationMs: 0});
			const client = new KinesisAnalyticsV2Client({endpoint: first.url, region: 'us-east-1', credentials, maxAttempts: 1});
			const {ApplicationDetail: created} = await client.send(new CreateApplicationCommand(flinkApp('kept')));
			await client.send(new StartApplicationCommand({ApplicationName: 'kept'}));
			client.destroy();
			await first.close();

			const second = await startEngine({dataDir, flinkApplicationMs: 0});
			const again = new KinesisAnalyticsV2Client({endpoint: second.url, region: 'us-east-1', credentials, maxAttempts: 1});
			const {ApplicationDetail: kept} = await again.send(new DescribeApplicationCommand({ApplicationName: 'kept'}));
			expect(kept).toMatchObject({
				ApplicationStatus: 'RUNNING',
				CreateTimestamp: created?.CreateTimestamp,
				ApplicationConfigurationDescription: {
					EnvironmentPropertyDescriptions: {
						PropertyGroupDescriptions: [{PropertyGroupId: 'ConsumerConfigProperties', PropertyMap: {'input.stream': 'orders'}}],
					},
				},
			});
			again.destroy();
			await second.close();
		} finally {
			rmSync(dataDir, {recursive: true, force: true});
		}
	});
});
