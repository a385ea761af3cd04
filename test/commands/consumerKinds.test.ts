import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {CreateEventSourceMappingCommand, LambdaClient} from '@aws-sdk/client-lambda';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {createOnDemandStream, createS3Channel} from '../helpers/channels.js';
import {jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';

/** `consumers` lists a stream's Kinesis channels (on the engine saying that nothing is delivered) and its Lambda event source mappings. */
describe('consumers lists Kinesis channels and Lambda event source mappings, as a process', () => {
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
	});
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});

	it('prints each channel with its state and destination, in JSON and in the table, and that the engine delivers nothing', async () => {
		const {stdout, stderr, code} = await runCli(['consumers', 'orders', '--json', '--endpoint-url', engine.url]);
		expect(code, stderr).toBe(0);
		expect(jsonLines(stdout).filter((line) => (line as {type: string}).type === 'channel')).toEqual([
			expect.objectContaining({
				type: 'channel',
				stream: 'orders',
				name: 'to-lake',
				status: 'ACTIVE',
				destinationType: 'S3',
				destination: 's3://orders-lake/',
				emulated: true,
			}),
		]);
		const text = await runInTerminal(['consumers', 'orders', '--endpoint-url', engine.url]);
		expect(text).toContain('Kinesis channels:');
		expect(text).toMatch(/to-lake +ACTIVE +S3 s3:\/\/orders-lake\//);
		expect(text).toContain('On the built-in engine: the engine delivers nothing');
	});

	it("prints each Lambda event source mapping with its state, last result and settings, through the engine's Lambda", async () => {
		const {stdout, stderr, code} = await runCli(['consumers', 'orders', '--json', '--endpoint-url', engine.url]);
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
		const text = await runInTerminal(['consumers', 'orders', '--endpoint-url', engine.url]);
		expect(text).toContain('Lambda event source mappings:');
		expect(text).toMatch(/enrich +(Creating|Enabled) +No records processed +250 +0 s +1 +no +until expiry +retention +- +- +stream/);
	});
});
