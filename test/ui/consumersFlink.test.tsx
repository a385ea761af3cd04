import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {CreateApplicationCommand, KinesisAnalyticsV2Client, StartApplicationCommand} from '@aws-sdk/client-kinesis-analytics-v2';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {consoleConsumerServices} from '../../source/ui/consumerServices.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream, dynamoClient} from '../helpers/leaseTables.js';
import {localTarget, renderApp, testServices, waitForFrame} from '../helpers/ui.js';
import {describeForTest} from '../helpers/wait.js';

/** A Managed Flink application on the consumers screen, found through the engine's Kinesis Analytics v2 as the console finds it on AWS. */
describe('the consumers screen with a Managed Flink application', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;
	let flink: KinesisAnalyticsV2Client;

	beforeAll(async () => {
		engine = await startEngine({flinkApplicationMs: 0});
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		flink = new KinesisAnalyticsV2Client({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		await createStream(kinesis, 'trades', 1);
		const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'trades'}));
		await flink.send(
			new CreateApplicationCommand({
				ApplicationName: 'risk',
				RuntimeEnvironment: 'FLINK-1_20',
				ServiceExecutionRole: 'arn:aws:iam::000000000000:role/flink',
				ApplicationConfiguration: {
					EnvironmentProperties: {PropertyGroups: [{PropertyGroupId: 'Sources', PropertyMap: {'trades.arn': summary?.StreamARN ?? ''}}]},
				},
			}),
		);
		await flink.send(new StartApplicationCommand({ApplicationName: 'risk'}));
	});
	afterAll(async () => {
		for (const client of [kinesis, dynamo, flink]) client.destroy();
		await engine.close();
	});

	it('lists it STOPPED on the engine (no application runs), with its status and runtime, offers no action, and opens its own view', async () => {
		const consumers = consoleConsumerServices({kinesis, dynamodb: dynamo, flink, target: localTarget(engine.url)}, describeForTest, {
			readOnly: false,
		});
		const app = renderApp(testServices(kinesis, engine.url, {consumers}), renderRoute, {
			initialRoute: {kind: 'consumers', stream: 'trades'},
		});
		const list = await waitForFrame(app.lastFrame, (text) => text.includes('risk: Enter'), 8000);
		// RUNNING on the engine, which runs none: nothing reads for it. The row's end is cut at 100 columns.
		expect(list).toMatch(/STOPPED +flink +risk +- +- +RUNNING · engine: no application runs/);
		expect(list).toContain('risk: Enter its lag and fields · nothing reads');
		for (const key of ['R', 'D', 'P']) app.stdin.write(key);
		await new Promise((resolve) => setTimeout(resolve, 300));
		for (const screen of ['reset to (trim-horizon', 'Deregister the enhanced fan-out consumer', 'Pause the Lambda event source mapping'])
			expect(app.lastFrame()).not.toContain(screen);
		app.stdin.write('\r');
		const own = await waitForFrame(app.lastFrame, (text) => text.includes('risk flink on trades · STOPPED: nothing reads'));
		expect(own).toMatch(/applicationStatus +RUNNING/);
		expect(own).toContain('Sources/trades.arn');
		expect(own).toContain('no action for its kind here');
		app.unmount();
	});
});
