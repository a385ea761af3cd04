import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {DescribeStreamConsumerCommand, RegisterStreamConsumerCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {consoleConsumerServices} from '../../source/ui/consumerServices.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {createLeaseTable, createStream, dynamoClient, putLease, putRecords} from '../helpers/leaseTables.js';
import {localTarget, press, renderApp, testServices, waitForFrame} from '../helpers/ui.js';
import {describeForTest, eventually} from '../helpers/wait.js';

/**
 * The who-is-behind screen on the engine: KCL applications whose lease tables the test writes (one caught up,
 * one whose checkpoint stays put while its records age, one no worker owns) and an enhanced fan-out consumer,
 * read every 300 ms and judged over 6 s.
 */
describe('who is behind, in the console on the engine', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;

	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		const {arn} = await createStream(kinesis, 'orders', 1);
		const sequences = await putRecords(kinesis, 'orders', 1, 0, 10);
		await createLeaseTable(dynamo, 'keeping-up');
		await putLease(dynamo, 'keeping-up', 'shardId-000000000000', {checkpoint: sequences.at(-1) ?? '', owner: 'worker-1'});
		await createLeaseTable(dynamo, 'falling-behind');
		await putLease(dynamo, 'falling-behind', 'shardId-000000000000', {checkpoint: sequences[0] ?? '', owner: 'worker-2'});
		await createLeaseTable(dynamo, 'unread');
		await putLease(dynamo, 'unread', 'shardId-000000000000', {checkpoint: 'TRIM_HORIZON'});
		await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: arn, ConsumerName: 'alerts'}));
		// Registered, the consumer is CREATING for a moment (as on AWS): the screens below expect it ACTIVE.
		await eventually(
			async () =>
				(await kinesis.send(new DescribeStreamConsumerCommand({StreamARN: arn, ConsumerName: 'alerts'}))).ConsumerDescription
					?.ConsumerStatus === 'ACTIVE',
			{what: 'the consumer to be ACTIVE', everyMs: 50},
		);
	});
	afterAll(async () => {
		kinesis.destroy();
		dynamo.destroy();
		await engine.close();
	});

	const open = (columns: number) => {
		const consumers = consoleConsumerServices({kinesis, dynamodb: dynamo, target: localTarget(engine.url)}, describeForTest, {
			readOnly: false,
			refreshMs: 300,
			behindWindowMs: 6_000,
		});
		const app = renderApp(testServices(kinesis, engine.url, {consumers}), renderRoute, {
			initialRoute: {kind: 'consumers', stream: 'orders'},
		});
		Object.defineProperty(app.stdout, 'columns', {value: columns, configurable: true});
		Object.defineProperty(app.stdout, 'rows', {value: 24, configurable: true});
		app.stdout.emit('resize');
		return app;
	};

	it('at 80×24 lists every consumer worst first; a lag that grows while its checkpoint stays is WARNING; Enter opens a consumer', async () => {
		const app = open(80);
		// Its checkpoint does not move and its oldest unread record ages: within the 6 s window its lag grows.
		const frame = await waitForFrame(app.lastFrame, (text) => /WARNING +KCL +falling-behind/.test(text), 20_000);
		const lines = frame.split('\n');
		const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
		// Nothing reads for the application whose lease no worker owns: STOPPED, first.
		expect(at(/STOPPED +KCL +unread +\S+ +\S+ +1 leases · 0 work/)).toBeGreaterThan(0);
		expect(at(/STOPPED +KCL +unread/)).toBeLessThan(at(/WARNING +KCL +falling-behind/));
		expect(at(/WARNING +KCL +falling-behind +\d+(\.\d)?s +2[34](\.\d)?h/)).toBeLessThan(at(/OK +KCL +keeping-up +0ms +1d/));
		expect(at(/OK +fan-out +alerts +- +-/)).toBeGreaterThan(at(/WARNING/));
		expect(frame).toContain("EXPIRES: until its oldest unread record passes the stream's retention (24 h)");
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
		expect(lines.length).toBeLessThanOrEqual(24);

		// The fan-out consumer's own view: its status, its fields, its action.
		while (!/› OK +fan-out +alerts/.test(app.lastFrame() ?? '')) {
			app.stdin.write('j');
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		app.stdin.write(press.enter);
		const own = await waitForFrame(app.lastFrame, (text) => text.includes('alerts fan-out on orders · OK: lag unknown'));
		expect(own).toMatch(/consumerStatus +(CREATING|ACTIVE)/);
		expect(own).toContain('D deregisters it');
		for (const line of own.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		app.stdin.write(press.escape);

		// The application's Enter opens its checkpoints.
		await waitForFrame(app.lastFrame, (text) => text.includes('Who is behind on orders'));
		while (!/› WARNING +KCL +falling-behind/.test(app.lastFrame() ?? '')) {
			app.stdin.write('k');
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		app.stdin.write(press.enter);
		await waitForFrame(app.lastFrame, (text) => text.includes('falling-behind on orders') && text.includes('worker-2'), 8000);
		app.unmount();
	});

	it('wide, a row shows its detail whole and the line below says why its status is what it is', async () => {
		const app = open(160);
		const frame = await waitForFrame(app.lastFrame, (text) => /STOPPED +KCL +unread/.test(text), 10_000);
		expect(frame).toMatch(/STOPPED +KCL +unread +\S+ +\S+ +1 leases · 0 workers · 1 unowned · matched by shard-ids/);
		expect(frame).toContain('unread: Enter its positions and lag per shard · R resets them · nothing reads');
		app.unmount();
	});
});
