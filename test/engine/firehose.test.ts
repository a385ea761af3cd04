import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	CreateDeliveryStreamCommand,
	DeleteDeliveryStreamCommand,
	DescribeDeliveryStreamCommand,
	FirehoseClient,
	ListDeliveryStreamsCommand,
	type CreateDeliveryStreamCommandInput,
} from '@aws-sdk/client-firehose';
import {CreateStreamCommand} from '@aws-sdk/client-kinesis';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Engine, EngineOptions} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {FakeClock} from './support.js';

const ACCOUNT = '000000000000';
const ORDERS = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/orders`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/firehose-reader`;
const BUCKET = 'arn:aws:s3:::orders-archive';
const clock = new FakeClock();

const firehoseClient = (engine: Engine, region = 'us-east-1') =>
	new FirehoseClient({endpoint: engine.url, region, credentials, maxAttempts: 1});

const fromOrders = (name: string): CreateDeliveryStreamCommandInput => ({
	DeliveryStreamName: name,
	DeliveryStreamType: 'KinesisStreamAsSource',
	KinesisStreamSourceConfiguration: {KinesisStreamARN: ORDERS, RoleARN: ROLE},
	ExtendedS3DestinationConfiguration: {RoleARN: ROLE, BucketARN: BUCKET, Prefix: 'orders/'},
});

async function engineWithOrders(options: EngineOptions = {}): Promise<Engine> {
	const engine = await startEngine({now: clock.now, createDeliveryStreamMs: 1_000, deleteDeliveryStreamMs: 1_000, ...options});
	const kinesis = kinesisClient(engine.url);
	await kinesis.send(new CreateStreamCommand({StreamName: 'orders', ShardCount: 1}));
	kinesis.destroy();
	return engine;
}

/** The error a call fails with, as `Type: message`. */
async function refusal(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
	} catch (error) {
		const {name, message} = error as Error;
		return `${name}: ${message}`;
	}
	throw new Error('the call succeeded');
}

/** Firehose's control plane on the engine, through @aws-sdk/client-firehose (JSON 1.1 on the engine's port). */
describe('Firehose delivery streams on the engine', () => {
	let engine: Engine;
	let firehose: FirehoseClient;

	beforeAll(async () => {
		engine = await engineWithOrders();
		firehose = firehoseClient(engine);
	});
	afterAll(async () => {
		firehose.destroy();
		await engine.close();
	});

	it('creates a delivery stream reading a Kinesis stream: CREATING, then ACTIVE, described with its source and destination as given', async () => {
		const created = await firehose.send(new CreateDeliveryStreamCommand(fromOrders('orders-to-s3')));
		expect(created.DeliveryStreamARN).toBe(`arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/orders-to-s3`);
		const creating = (await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'orders-to-s3'})))
			.DeliveryStreamDescription;
		expect(creating).toMatchObject({
			DeliveryStreamName: 'orders-to-s3',
			DeliveryStreamARN: created.DeliveryStreamARN,
			DeliveryStreamStatus: 'CREATING',
			DeliveryStreamType: 'KinesisStreamAsSource',
			DeliveryStreamEncryptionConfiguration: {Status: 'DISABLED'},
			VersionId: '1',
			HasMoreDestinations: false,
			Source: {KinesisStreamSourceDescription: {KinesisStreamARN: ORDERS, RoleARN: ROLE}},
			Destinations: [
				{
					DestinationId: 'destinationId-000000000001',
					ExtendedS3DestinationDescription: {
						RoleARN: ROLE,
						BucketARN: BUCKET,
						Prefix: 'orders/',
						BufferingHints: {SizeInMBs: 5, IntervalInSeconds: 300},
						CompressionFormat: 'UNCOMPRESSED',
						EncryptionConfiguration: {NoEncryptionConfig: 'NoEncryption'},
						S3BackupMode: 'Disabled',
					},
				},
			],
		});
		expect(creating?.CreateTimestamp?.getTime()).toBe(clock.ms);
		expect(creating?.Source?.KinesisStreamSourceDescription?.DeliveryStartTimestamp?.getTime()).toBe(clock.ms);
		clock.advance(1_000);
		const active = await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'orders-to-s3'}));
		expect(active.DeliveryStreamDescription?.DeliveryStreamStatus).toBe('ACTIVE');
	});

	it('lists by name a page at a time, of one type when asked', async () => {
		await firehose.send(new CreateDeliveryStreamCommand(fromOrders('orders-b')));
		await firehose.send(new CreateDeliveryStreamCommand(fromOrders('orders-c')));
		await firehose.send(
			new CreateDeliveryStreamCommand({
				DeliveryStreamName: 'clicks-direct',
				DeliveryStreamType: 'DirectPut',
				S3DestinationConfiguration: {RoleARN: ROLE, BucketARN: BUCKET, CompressionFormat: 'GZIP'},
			}),
		);
		const all = await firehose.send(new ListDeliveryStreamsCommand({}));
		expect(all).toMatchObject({
			DeliveryStreamNames: ['clicks-direct', 'orders-b', 'orders-c', 'orders-to-s3'],
			HasMoreDeliveryStreams: false,
		});
		const fromKinesis = await firehose.send(new ListDeliveryStreamsCommand({DeliveryStreamType: 'KinesisStreamAsSource', Limit: 2}));
		expect(fromKinesis).toMatchObject({DeliveryStreamNames: ['orders-b', 'orders-c'], HasMoreDeliveryStreams: true});
		const next = await firehose.send(
			new ListDeliveryStreamsCommand({DeliveryStreamType: 'KinesisStreamAsSource', Limit: 2, ExclusiveStartDeliveryStreamName: 'orders-c'}),
		);
		expect(next).toMatchObject({DeliveryStreamNames: ['orders-to-s3'], HasMoreDeliveryStreams: false});
		// Its one destination, or none after it.
		const afterDestination = await firehose.send(
			new DescribeDeliveryStreamCommand({DeliveryStreamName: 'orders-b', ExclusiveStartDestinationId: 'destinationId-000000000001'}),
		);
		expect(afterDestination.DeliveryStreamDescription).toMatchObject({Destinations: [], HasMoreDestinations: false});
		const direct = await firehose.send(new ListDeliveryStreamsCommand({DeliveryStreamType: 'DirectPut'}));
		expect(direct.DeliveryStreamNames).toEqual(['clicks-direct']);
		const described = await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'clicks-direct'}));
		expect(described.DeliveryStreamDescription?.DeliveryStreamType).toBe('DirectPut');
		expect(described.DeliveryStreamDescription?.Source).toBeUndefined();
		expect(described.DeliveryStreamDescription?.Destinations?.[0]?.S3DestinationDescription).toMatchObject({
			CompressionFormat: 'GZIP',
			BufferingHints: {SizeInMBs: 5, IntervalInSeconds: 300},
		});
		// Another region holds its own.
		const west = firehoseClient(engine, 'us-west-2');
		expect((await west.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual([]);
		west.destroy();
	});

	it('refuses to delete while CREATING; deletes an ACTIVE one: DELETING, then gone', async () => {
		await firehose.send(new CreateDeliveryStreamCommand(fromOrders('short-lived')));
		expect(await refusal(firehose.send(new DeleteDeliveryStreamCommand({DeliveryStreamName: 'short-lived'})))).toBe(
			`ResourceInUseException: Firehose short-lived under account ${ACCOUNT} is in CREATING state and cannot be deleted until it is ACTIVE.`,
		);
		clock.advance(1_000);
		await firehose.send(new DeleteDeliveryStreamCommand({DeliveryStreamName: 'short-lived'}));
		const deleting = await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'short-lived'}));
		expect(deleting.DeliveryStreamDescription?.DeliveryStreamStatus).toBe('DELETING');
		// Deleting again while DELETING is allowed, as the API reference says.
		await firehose.send(new DeleteDeliveryStreamCommand({DeliveryStreamName: 'short-lived', AllowForceDelete: true}));
		clock.advance(1_000);
		expect(await refusal(firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'short-lived'})))).toBe(
			`ResourceNotFoundException: Firehose short-lived under account ${ACCOUNT} not found.`,
		);
		expect(await refusal(firehose.send(new DeleteDeliveryStreamCommand({DeliveryStreamName: 'short-lived'})))).toBe(
			`ResourceNotFoundException: Firehose short-lived under account ${ACCOUNT} not found.`,
		);
		expect((await firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).not.toContain('short-lived');
	});

	it("answers bad input with AWS's error types and messages", async () => {
		const cases: Array<[CreateDeliveryStreamCommandInput, string]> = [
			[{...fromOrders('orders-to-s3')}, `ResourceInUseException: Firehose orders-to-s3 under accountId ${ACCOUNT} already exists`],
			[
				{...fromOrders('bad name')},
				"ValidationException: 1 validation error detected: Value 'bad name' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
			],
			[
				{...fromOrders('x'.repeat(65))},
				`ValidationException: 1 validation error detected: Value '${'x'.repeat(65)}' at 'deliveryStreamName' failed to satisfy constraint: Member must have length less than or equal to 64`,
			],
			[
				{...fromOrders('bad-role'), KinesisStreamSourceConfiguration: {KinesisStreamARN: ORDERS, RoleARN: 'reader'}},
				"ValidationException: 1 validation error detected: Value 'reader' at 'kinesisStreamSourceConfiguration.roleARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+",
			],
			[
				{
					...fromOrders('bad-buffer'),
					ExtendedS3DestinationConfiguration: {RoleARN: ROLE, BucketARN: BUCKET, BufferingHints: {SizeInMBs: 129}},
				},
				"ValidationException: 1 validation error detected: Value '129' at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to satisfy constraint: Member must have value less than or equal to 128",
			],
			[
				{...fromOrders('no-source'), KinesisStreamSourceConfiguration: undefined},
				'InvalidArgumentException: KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource.',
			],
			[
				{...fromOrders('direct-with-source'), DeliveryStreamType: 'DirectPut'},
				'InvalidArgumentException: KinesisStreamSourceConfiguration is only valid when DeliveryStreamType is KinesisStreamAsSource, not DirectPut.',
			],
			[
				{...fromOrders('hint-with-source'), DirectPutSourceConfiguration: {ThroughputHintInMBs: 5}},
				'InvalidArgumentException: DirectPutSourceConfiguration is only valid when DeliveryStreamType is DirectPut, not KinesisStreamAsSource.',
			],
			[
				{...fromOrders('from-msk'), DeliveryStreamType: 'MSKAsSource', KinesisStreamSourceConfiguration: undefined},
				'InvalidArgumentException: The kinesis-console engine serves DirectPut and KinesisStreamAsSource delivery streams, not MSKAsSource.',
			],
			[
				{
					...fromOrders('big-hint'),
					DeliveryStreamType: 'DirectPut',
					KinesisStreamSourceConfiguration: undefined,
					DirectPutSourceConfiguration: {ThroughputHintInMBs: 101},
				},
				"ValidationException: 1 validation error detected: Value '101' at 'directPutSourceConfiguration.throughputHintInMBs' failed to satisfy constraint: Member must have value less than or equal to 100",
			],
			[
				{...fromOrders('missing-stream'), KinesisStreamSourceConfiguration: {KinesisStreamARN: `${ORDERS}-gone`, RoleARN: ROLE}},
				`InvalidArgumentException: The source Kinesis stream ${ORDERS}-gone does not exist in account ${ACCOUNT}, region us-east-1.`,
			],
			[
				{...fromOrders('no-destination'), ExtendedS3DestinationConfiguration: undefined},
				'InvalidArgumentException: Exactly one destination configuration must be given (ExtendedS3DestinationConfiguration, S3DestinationConfiguration, ...); this request has 0.',
			],
			[
				{...fromOrders('two-destinations'), S3DestinationConfiguration: {RoleARN: ROLE, BucketARN: BUCKET}},
				'InvalidArgumentException: Exactly one destination configuration must be given (ExtendedS3DestinationConfiguration, S3DestinationConfiguration, ...); this request has 2.',
			],
			[
				{
					...fromOrders('to-splunk'),
					ExtendedS3DestinationConfiguration: undefined,
					SplunkDestinationConfiguration: {
						HECEndpoint: 'https://splunk.example',
						HECEndpointType: 'Raw',
						S3Configuration: {RoleARN: ROLE, BucketARN: BUCKET},
					},
				},
				'InvalidArgumentException: The kinesis-console engine keeps ExtendedS3 and S3 destinations only, not Splunk (it delivers nothing to any).',
			],
		];
		for (const [input, expected] of cases) expect(await refusal(firehose.send(new CreateDeliveryStreamCommand(input)))).toBe(expected);
		expect(await refusal(firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'nobody'})))).toBe(
			`ResourceNotFoundException: Firehose nobody under account ${ACCOUNT} not found.`,
		);
		expect(await refusal(firehose.send(new ListDeliveryStreamsCommand({Limit: 0})))).toBe(
			"ValidationException: 1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
		);
		expect(await refusal(firehose.send(new ListDeliveryStreamsCommand({DeliveryStreamType: 'Elsewhere' as never})))).toBe(
			"ValidationException: 1 validation error detected: Value 'Elsewhere' at 'deliveryStreamType' failed to satisfy constraint: Member must satisfy enum value set: [DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource]",
		);
	});
});

describe('Firehose quotas on the engine', () => {
	it('refuses a delivery stream past the per-region quota, and a sixth ListDeliveryStreams within a second with --limits on', async () => {
		const engine = await engineWithOrders({deliveryStreamLimit: 2, throughputLimits: true});
		const firehose = firehoseClient(engine);
		try {
			await firehose.send(new CreateDeliveryStreamCommand(fromOrders('first')));
			await firehose.send(new CreateDeliveryStreamCommand(fromOrders('second')));
			expect(await refusal(firehose.send(new CreateDeliveryStreamCommand(fromOrders('third'))))).toBe(
				'LimitExceededException: You have already consumed your firehose quota of 2 hoses.',
			);
			// Five calls of each action a second per account (the clock stands still).
			for (let call = 0; call < 5; call++) await firehose.send(new ListDeliveryStreamsCommand({}));
			expect(await refusal(firehose.send(new ListDeliveryStreamsCommand({})))).toBe(
				`LimitExceededException: Rate exceeded for account ${ACCOUNT}.`,
			);
			// Each action has its own five.
			await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'first'}));
			clock.advance(1_000);
			await firehose.send(new ListDeliveryStreamsCommand({}));
		} finally {
			firehose.destroy();
			await engine.close();
		}
	});
});

describe('Firehose delivery streams across a restart', () => {
	const dirs: string[] = [];
	afterEach(() => {
		for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
	});

	it('keeps every delivery stream, its state and its deletion in the data directory', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'engine-firehose-'));
		dirs.push(dir);
		let engine = await engineWithOrders({dataDir: dir});
		let firehose = firehoseClient(engine);
		await firehose.send(new CreateDeliveryStreamCommand(fromOrders('kept')));
		await firehose.send(new CreateDeliveryStreamCommand(fromOrders('deleted')));
		clock.advance(1_000);
		await firehose.send(new DeleteDeliveryStreamCommand({DeliveryStreamName: 'deleted'}));
		const before = await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'kept'}));
		firehose.destroy();
		await engine.close();

		engine = await startEngine({now: clock.now, dataDir: dir, deleteDeliveryStreamMs: 1_000});
		firehose = firehoseClient(engine);
		try {
			const after = await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'kept'}));
			expect(after.DeliveryStreamDescription).toEqual(before.DeliveryStreamDescription);
			const deleting = await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: 'deleted'}));
			expect(deleting.DeliveryStreamDescription?.DeliveryStreamStatus).toBe('DELETING');
			clock.advance(1_000);
			expect((await firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toEqual(['kept']);
		} finally {
			firehose.destroy();
			await engine.close();
		}
	});
});
