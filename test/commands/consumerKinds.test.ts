import {CreateDeliveryStreamCommand, FirehoseClient} from '@aws-sdk/client-firehose';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {CreateEventSourceMappingCommand, LambdaClient} from '@aws-sdk/client-lambda';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {createOnDemandStream, createS3Channel} from '../helpers/channels.js';
import {jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';

/** `consumers` lists a stream's Kinesis channels (on the engine saying that nothing is delivered), its Lambda event source mappings and its Firehose delivery streams. */
describe('consumers lists Kinesis channels, Lambda event source mappings and Firehose delivery streams, as a process', () => {
	let engine: Engine;
	let kinesis: KinesisClient;

	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		const streamArn = await createOnDemandStream(kinesis, 'orders');
		await createS3Channel(kinesis, 'to-lake', streamArn, 'orders-lake');
		const lambda = new LambdaClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		await lambda.send(
			new CreateEventSourceMappingCommand({FunctionName: 'enrich', EventSourceArn: streamArn, StartingPosition: 'LATEST', BatchSize: 250}),
		);
		lambda.destroy();
		const firehose = new FirehoseClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		const role = 'arn:aws:iam::000000000000:role/firehose-reader';
		await firehose.send(
			new CreateDeliveryStreamCommand({
				DeliveryStreamName: 'orders-archive',
				DeliveryStreamType: 'KinesisStreamAsSource',
				KinesisStreamSourceConfiguration: {KinesisStreamARN: streamArn, RoleARN: role},
				ExtendedS3DestinationConfiguration: {RoleARN: role, BucketARN: 'arn:aws:s3:::orders-archive', Prefix: 'raw/'},
			}),
		);
		firehose.destroy();
	});
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});

	it('prints each channel with its state and destination, in JSON and in the table, and that the engine delivers nothing', async () => {
		const {stdout, stderr, code} = await runCli(['consumers', 'orders', '--json', '--window', '0', '--endpoint-url', engine.url]);
		expect(code, stderr).toBe(0);
		expect(jsonLines(stdout).filter((line) => (line as {type: string}).type === 'channel')).toEqual([
			expect.objectContaining({
				type: 'channel',
				stream: 'orders',
				kind: 'channel',
				name: 'to-lake',
				channelStatus: 'ACTIVE',
				// The engine delivers nothing: nothing reads for it.
				status: 'STOPPED',
				lagMs: null,
				expiresInMs: null,
				destinationType: 'S3',
				destination: 's3://orders-lake/',
				emulated: true,
			}),
		]);
		const text = await runInTerminal(['consumers', 'orders', '--window', '0', '--endpoint-url', engine.url]);
		expect(text).toContain('Kinesis channels:');
		expect(text).toMatch(/to-lake +ACTIVE +S3 s3:\/\/orders-lake\//);
		expect(text).toContain('On the built-in engine: the engine delivers nothing');
	});

	it("prints each Lambda event source mapping with its state, last result and settings, through the engine's Lambda", async () => {
		const {stdout, stderr, code} = await runCli(['consumers', 'orders', '--json', '--window', '0', '--endpoint-url', engine.url]);
		expect(code, stderr).toBe(0);
		expect(jsonLines(stdout).filter((line) => (line as {type: string}).type === 'lambda-mapping')).toEqual([
			expect.objectContaining({
				stream: 'orders',
				name: 'enrich',
				state: expect.stringMatching(/^(Creating|Enabled)$/),
				lastProcessingResult: 'No records processed',
				batchSize: 250,
			}),
		]);
		const text = await runInTerminal(['consumers', 'orders', '--window', '0', '--endpoint-url', engine.url]);
		expect(text).toContain('Lambda event source mappings:');
		expect(text).toMatch(/enrich +(Creating|Enabled) +No records processed +250 +0 s +1 +no +until expiry +retention +- +- +off +stream/);
	});

	it("prints each Firehose delivery stream reading the stream, with its status, destination and start, through the engine's Firehose", async () => {
		const {stdout, stderr, code} = await runCli(['consumers', 'orders', '--json', '--window', '0', '--endpoint-url', engine.url]);
		expect(code, stderr).toBe(0);
		expect(jsonLines(stdout).filter((line) => (line as {type: string}).type === 'firehose-delivery-stream')).toEqual([
			expect.objectContaining({
				stream: 'orders',
				name: 'orders-archive',
				arn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/orders-archive',
				deliveryStreamStatus: expect.stringMatching(/^(CREATING|ACTIVE)$/),
				destinations: ['ExtendedS3 arn:aws:s3:::orders-archive/raw/'],
				deliveryStartedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			}),
		]);
		const text = await runInTerminal(['consumers', 'orders', '--window', '0', '--endpoint-url', engine.url]);
		expect(text).toContain('Firehose delivery streams:');
		expect(text).toMatch(
			/orders-archive +(CREATING|ACTIVE) +ExtendedS3 arn:aws:s3:::orders-archive\/raw\/ +\d{4}-\d\d-\d\dT[\d:.]+Z +- +- +-/,
		);
	});

	it('writes who is behind first, worst first: every line with its kind word, name, lagMs, status and expiresInMs', async () => {
		const {stdout, stderr, code} = await runCli(['consumers', 'orders', '--json', '--window', '0', '--endpoint-url', engine.url]);
		expect(code, stderr).toBe(0);
		const lines = jsonLines(stdout) as Array<Record<string, unknown>>;
		// The engine delivers nothing: nothing reads for the channel, STOPPED, first; the mapping is Enabled and CloudWatch has no IteratorAge.
		expect(lines.map((line) => [line.kind, line.name])).toEqual([
			['channel', 'to-lake'],
			// STOPPED while CREATING, else OK (an ACTIVE delivery stream may be idle): after the channel either way, before the mapping.
			['firehose', 'orders-archive'],
			['lambda', 'enrich'],
		]);
		for (const line of lines) {
			expect(Object.keys(line)).toEqual(expect.arrayContaining(['kind', 'name', 'lagMs', 'status', 'statusReason', 'expiresInMs']));
			expect(['kcl', 'efo', 'lambda', 'firehose', 'flink', 'channel']).toContain(line.kind);
			expect(['OK', 'WARNING', 'STALLED', 'STOPPED', 'ERROR']).toContain(line.status);
		}
		expect(lines[0]).toMatchObject({status: 'STOPPED', statusReason: 'nothing reads', lagMs: null, expiresInMs: null});
		expect(lines[2]).toMatchObject({status: 'OK', state: 'Enabled', lagMs: null, expiresInMs: null});
		const text = await runInTerminal(['consumers', 'orders', '--window', '0', '--endpoint-url', engine.url]);
		expect(text).toContain("Who is behind (worst first; status over one reading, or CloudWatch's last 5 minutes):");
		expect(text).toMatch(/STOPPED +channel +to-lake +- +- +nothing reads/);
		expect(text).toMatch(/OK +lambda +enrich +- +- +lag unknown/);
	});
});
