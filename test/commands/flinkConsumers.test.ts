import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {CreateApplicationCommand, KinesisAnalyticsV2Client} from '@aws-sdk/client-kinesis-analytics-v2';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {createOnDemandStream} from '../helpers/channels.js';
import {jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';

/** `consumers` lists the Managed Flink applications whose description names the stream, through the engine's Kinesis Analytics v2. */
describe('consumers lists Managed Flink applications, as a process', () => {
	let engine: Engine;
	let kinesis: KinesisClient;

	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		await createOnDemandStream(kinesis, 'orders');
		const flink = new KinesisAnalyticsV2Client({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		for (const [name, stream] of [
			['enricher', 'orders'],
			['archiver', 'orders-archive'],
		] as const) {
			await flink.send(
				new CreateApplicationCommand({
					ApplicationName: name,
					RuntimeEnvironment: 'FLINK-1_20',
					ServiceExecutionRole: 'arn:aws:iam::000000000000:role/flink',
					ApplicationConfiguration: {
						EnvironmentProperties: {
							PropertyGroups: [{PropertyGroupId: 'FlinkApplicationProperties', PropertyMap: {'input.stream': stream}}],
						},
					},
				}),
			);
		}
		flink.destroy();
	});
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});

	it('prints the application naming the stream, not the one naming another, in JSON and in the table', async () => {
		const {stdout, stderr, code} = await runCli(['consumers', 'orders', '--json', '--endpoint-url', engine.url]);
		expect(code, stderr).toBe(0);
		expect(jsonLines(stdout).filter((line) => (line as {type: string}).type === 'flink-application')).toEqual([
			expect.objectContaining({
				type: 'flink-application',
				kind: 'flink',
				stream: 'orders',
				name: 'enricher',
				arn: 'arn:aws:kinesisanalytics:us-east-1:000000000000:application/enricher',
				runtime: 'FLINK-1_20',
				applicationStatus: 'READY',
				namedBy: ['FlinkApplicationProperties/input.stream'],
				// READY: its job does not run, so nothing reads the stream for it.
				status: 'STOPPED',
			}),
		]);
		const text = await runInTerminal(['consumers', 'orders', '--endpoint-url', engine.url]);
		expect(text).toContain('Managed Flink applications:');
		expect(text).toMatch(/enricher +FLINK-1_20 +READY +FlinkApplicationProperties\/input\.stream +-/);
		expect(text).not.toContain('archiver');
		expect(text).toContain("a Flink application's sources are in its code");
	});
});
