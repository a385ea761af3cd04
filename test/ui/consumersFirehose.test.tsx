import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {CreateDeliveryStreamCommand, FirehoseClient} from '@aws-sdk/client-firehose';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {consoleConsumerServices} from '../../source/ui/consumerServices.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream, dynamoClient} from '../helpers/leaseTables.js';
import {localTarget, renderApp, testServices, waitForFrame} from '../helpers/ui.js';
import {describeForTest} from '../helpers/wait.js';

const ROLE = 'arn:aws:iam::000000000000:role/firehose-reader';

/** A Firehose delivery stream reading the stream, on the consumers screen of the console's own engine. */
describe('Firehose delivery streams on the consumers screen', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;
	let firehose: FirehoseClient;

	beforeAll(async () => {
		engine = await startEngine({createDeliveryStreamMs: 0});
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		firehose = new FirehoseClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		await createStream(kinesis, 'orders', 1);
		await firehose.send(
			new CreateDeliveryStreamCommand({
				DeliveryStreamName: 'orders-archive',
				DeliveryStreamType: 'KinesisStreamAsSource',
				KinesisStreamSourceConfiguration: {KinesisStreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders', RoleARN: ROLE},
				S3DestinationConfiguration: {RoleARN: ROLE, BucketARN: 'arn:aws:s3:::orders-lake'},
			}),
		);
	});
	afterAll(async () => {
		for (const client of [kinesis, dynamo, firehose]) client.destroy();
		await engine.close();
	});

	it('shows its status and destination, says the engine delivers nothing (STOPPED), and opens its own view', async () => {
		const consumers = consoleConsumerServices({kinesis, dynamodb: dynamo, firehose, target: localTarget(engine.url)}, describeForTest, {
			readOnly: false,
			refreshMs: 300,
		});
		const app = renderApp(testServices(kinesis, engine.url, {consumers}), renderRoute, {
			initialRoute: {kind: 'consumers', stream: 'orders'},
		});
		const list = await waitForFrame(app.lastFrame, (text) => text.includes('orders-archive'), 8000);
		// On the engine nothing reads for it: STOPPED. The row's end is cut at 100 columns.
		expect(list).toMatch(/STOPPED +firehose +orders-archive +- +- +ACTIVE · engine: delivers nothing · S3 a/);
		expect(list).toContain('orders-archive: Enter its lag and fields · nothing reads');
		app.stdin.write('\r');
		const own = await waitForFrame(app.lastFrame, (text) => text.includes('orders-archive firehose on orders · STOPPED: nothing reads'));
		expect(own).toMatch(/deliveryStreamStatus +ACTIVE/);
		expect(own).toContain('no action for its kind here');
		app.unmount();
	});
});
