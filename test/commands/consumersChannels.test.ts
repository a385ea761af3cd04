import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {createOnDemandStream, createS3Channel} from '../helpers/channels.js';
import {jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';

/** `consumers` lists a stream's Kinesis channels, and on the engine says that nothing is delivered. */
describe('consumers lists Kinesis channels, as a process', () => {
	let engine: Engine;
	let kinesis: KinesisClient;

	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		await createS3Channel(kinesis, 'to-lake', await createOnDemandStream(kinesis, 'orders'), 'orders-lake');
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
});
