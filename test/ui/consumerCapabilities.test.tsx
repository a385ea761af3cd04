import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {DescribeStreamSummaryCommand, RegisterStreamConsumerCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {CreateEventSourceMappingCommand, LambdaClient} from '@aws-sdk/client-lambda';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AUDIT_LOG_ENV} from '../../source/console/auditLog.js';
import {capabilitiesOf, consumerKinds, discoverConsumers} from '../../source/console/consumers/index.js';
import type {Engine} from '../../source/engine/index.js';
import {consoleConsumerServices} from '../../source/ui/consumerServices.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import {createOnDemandStream, createS3Channel} from '../helpers/channels.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createLeaseTable, createStream, dynamoClient, putLease, putRecords} from '../helpers/leaseTables.js';
import {localTarget, press, renderApp, testServices, waitForFrame} from '../helpers/ui.js';
import {describeForTest} from '../helpers/wait.js';

/**
 * The consumer registry's capabilities on screen: every kind is listed through the registry, and the
 * consumers screen offers an action only for a consumer whose kind has it (a KCL application's
 * positions can be opened and reset; an enhanced fan-out consumer's cannot, and it can be deregistered).
 */
describe('consumer kinds and their capabilities in the console on the engine', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;
	let sequence: string;

	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		await createStream(kinesis, 'clicks', 2);
		const sequences = await putRecords(kinesis, 'clicks', 2, 0, 3);
		sequence = sequences[1] ?? '';
		await createLeaseTable(dynamo, 'clicks-app');
		await putLease(dynamo, 'clicks-app', 'shardId-000000000000', {checkpoint: sequences[0] ?? '', owner: 'worker-1', counter: 1});
		await putLease(dynamo, 'clicks-app', 'shardId-000000000001', {checkpoint: 'TRIM_HORIZON', counter: 1});
		const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'clicks'}));
		await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: summary?.StreamARN ?? '', ConsumerName: 'alerts'}));
	});
	afterAll(async () => {
		kinesis.destroy();
		dynamo.destroy();
		await engine.close();
	});

	const services = (readOnly: boolean) =>
		consoleConsumerServices({kinesis, dynamodb: dynamo, target: localTarget(engine.url)}, describeForTest, {readOnly, refreshMs: 300});

	it('discovers every registered kind, each consumer with its kind and what it can do', async () => {
		const found = await discoverConsumers({kinesis, dynamodb: dynamo}, 'clicks');
		expect(found.consumers.map((consumer) => [consumer.kind, consumer.name])).toEqual([
			['kcl', 'clicks-app'],
			['efo', 'alerts'],
		]);
		const [application, fanOut] = found.consumers;
		expect(application && capabilitiesOf(application)).toEqual({positions: {leaseTable: 'clicks-app'}, reset: {leaseTable: 'clicks-app'}});
		expect(fanOut && capabilitiesOf(fanOut)).toEqual({
			deregister: {consumerName: 'alerts', consumerArn: expect.stringContaining(':stream/clicks/consumer/alerts:')},
		});
		expect(Object.keys(consumerKinds)).toEqual(['kcl', 'efo', 'lambda', 'firehose', 'flink', 'channel']);
	});

	it('offers Enter and R for the KCL application only, D for the fan-out consumer only', async () => {
		const app = renderApp(testServices(kinesis, engine.url, {consumers: services(false)}), renderRoute, {
			initialRoute: {kind: 'consumers', stream: 'clicks'},
		});
		// Once registered (while CREATING nothing reads for it: STOPPED, first), the application with its lag comes first.
		const list = await waitForFrame(
			app.lastFrame,
			(text) => /OK +fan-out +alerts +- +- +ACTIVE/.test(text) && text.includes('clicks-app: Enter'),
			8000,
		);
		expect(list).toMatch(/KCL +clicks-app +\S+ +\S+ +2 leases/);
		// Registered a moment ago: CREATING or, by now, ACTIVE.
		expect(list).toMatch(/fan-out +alerts +- +- +ACTIVE/);
		expect(list).toContain('clicks-app: Enter its positions and lag per shard · R resets them');

		expect(list).not.toContain('D deregisters it');

		// The fan-out consumer: no positions to open, nothing to reset; it can be deregistered, and Enter opens its own view.
		app.stdin.write('j');
		const onFanOut = await waitForFrame(app.lastFrame, (text) => text.includes('alerts: D deregisters it'));
		expect(onFanOut).not.toContain('R resets them');
		expect(onFanOut).not.toContain('Enter its positions');
		expect(onFanOut).toContain('Enter its lag and fields');
		app.stdin.write('R');
		// Its kind has no positions: the key says so rather than do nothing unsaid.
		await waitForFrame(app.lastFrame, (text) => text.includes("'alerts' (fan-out) cannot have its positions reset from the console."));
		expect(app.lastFrame()).not.toContain('reset to (trim-horizon');
		app.stdin.write('\r');
		const own = await waitForFrame(app.lastFrame, (text) => text.includes('alerts fan-out on clicks'));
		// Its own fields (its JSON line's), and its action.
		expect(own).toMatch(/consumerStatus +(CREATING|ACTIVE)/);
		expect(own).toMatch(/arn +arn:aws:kinesis:us-east-1:000000000000:stream\/clicks\/consumer\/alerts:/);
		expect(own).toContain('D deregisters it');
		expect(own).toContain('D Deregister');
		app.stdin.write(press.escape);
		await waitForFrame(app.lastFrame, (text) => text.includes('alerts: D deregisters it'));

		// The application: R opens its reset.
		app.stdin.write('k');
		await waitForFrame(app.lastFrame, (text) => text.includes('clicks-app: Enter'));
		app.stdin.write('R');
		await waitForFrame(app.lastFrame, (text) => text.includes('reset to (trim-horizon') && text.includes('of clicks-app on clicks'), 8000);
		app.unmount();
	});

	it('under --read-only offers the positions but neither the reset nor a deregistration', async () => {
		const app = renderApp(testServices(kinesis, engine.url, {consumers: services(true), readOnly: true}), renderRoute, {
			initialRoute: {kind: 'consumers', stream: 'clicks'},
		});
		const list = await waitForFrame(app.lastFrame, (text) => text.includes('clicks-app: Enter'), 8000);
		expect(list).toContain('clicks-app: Enter its positions and lag per shard');
		expect(list).not.toContain('R resets them');
		app.stdin.write('j');
		await waitForFrame(app.lastFrame, (text) => text.includes('alerts: Enter its lag and fields'));
		app.stdin.write('D');
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(app.lastFrame()).not.toContain('Deregister the enhanced fan-out consumer');
		app.stdin.write('k');
		await waitForFrame(app.lastFrame, (text) => text.includes('clicks-app: Enter'));
		app.stdin.write('R');
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(app.lastFrame()).not.toContain('reset to (trim-horizon');
		app.stdin.write('\r');
		await waitForFrame(app.lastFrame, (text) => text.includes('worker-1') && text.includes('clicks-app'), 8000);
		app.unmount();
	});

	it('deregisters a fan-out consumer with D and y, and lists the consumers again without it', async () => {
		const previousAudit = process.env[AUDIT_LOG_ENV];
		const dir = await mkdtemp(join(tmpdir(), 'kc-deregister-'));
		process.env[AUDIT_LOG_ENV] = join(dir, 'audit.jsonl');
		try {
			await createStream(kinesis, 'views', 1);
			const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'views'}));
			await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: summary?.StreamARN ?? '', ConsumerName: 'doomed'}));
			await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: summary?.StreamARN ?? '', ConsumerName: 'kept'}));
			const app = renderApp(testServices(kinesis, engine.url, {consumers: services(false)}), renderRoute, {
				initialRoute: {kind: 'consumers', stream: 'views'},
			});
			await waitForFrame(app.lastFrame, (text) => text.includes('doomed: D deregisters it'), 8000);
			app.stdin.write('D');
			const plan = await waitForFrame(app.lastFrame, (text) => text.includes('Deregister doomed?'), 8000);
			expect(plan).toContain('Deregister the enhanced fan-out consumer doomed from views');
			expect(plan.replaceAll(/\s+/g, ' ')).toContain("Every subscription of 'doomed' ends");
			app.stdin.write('y');
			await waitForFrame(app.lastFrame, (text) => text.includes('doomed is deregistered; Kinesis no longer lists it'), 10_000);
			app.stdin.write('\u001b');
			const after = await waitForFrame(app.lastFrame, (text) => text.includes('kept') && !text.includes('doomed'), 8000);
			expect(after).toMatch(/fan-out +kept/);
			const lines = (await readFile(join(dir, 'audit.jsonl'), 'utf8'))
				.trim()
				.split('\n')
				.map((line) => JSON.parse(line) as {operation: string; outcome: string});
			expect(lines.map((line) => [line.operation, line.outcome])).toEqual([
				['consumer-deregister', 'submitted'],
				['consumer-deregister', 'completed'],
			]);
			app.unmount();
		} finally {
			if (previousAudit === undefined) delete process.env[AUDIT_LOG_ENV];
			else process.env[AUDIT_LOG_ENV] = previousAudit;
			await rm(dir, {recursive: true, force: true});
		}
	});

	it('lists a Kinesis channel with its state and destination, and says the engine delivers nothing', async () => {
		await createS3Channel(kinesis, 'to-lake', await createOnDemandStream(kinesis, 'lake-fed'), 'lake');
		const app = renderApp(testServices(kinesis, engine.url, {consumers: services(false)}), renderRoute, {
			initialRoute: {kind: 'consumers', stream: 'lake-fed'},
		});
		const list = await waitForFrame(app.lastFrame, (text) => text.includes('to-lake'), 8000);
		expect(list).toMatch(/STOPPED +channel +to-lake +- +- +ACTIVE · S3 s3:\/\/lake\/ · the engine deli/);
		expect(list).toContain('to-lake: Enter its lag and fields');
		app.stdin.write('D');
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(app.lastFrame()).not.toContain('Deregister the enhanced fan-out consumer');
		expect(app.lastFrame()).toContain('to-lake: Enter its lag and fields');
		app.unmount();
	});

	it('pauses a Lambda event source mapping with P and y, and lists it again Disabled; under --read-only P is not offered', async () => {
		const previousAudit = process.env[AUDIT_LOG_ENV];
		const dir = await mkdtemp(join(tmpdir(), 'kc-pause-'));
		process.env[AUDIT_LOG_ENV] = join(dir, 'audit.jsonl');
		const lambda = new LambdaClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		try {
			await createStream(kinesis, 'fed', 1);
			const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'fed'}));
			await lambda.send(
				new CreateEventSourceMappingCommand({FunctionName: 'enrich', EventSourceArn: summary?.StreamARN, StartingPosition: 'LATEST'}),
			);
			await new Promise((resolve) => setTimeout(resolve, 600));
			const withLambda = (readOnly: boolean) =>
				consoleConsumerServices({kinesis, dynamodb: dynamo, lambda, target: localTarget(engine.url)}, describeForTest, {readOnly});

			const readOnly = renderApp(testServices(kinesis, engine.url, {consumers: withLambda(true), readOnly: true}), renderRoute, {
				initialRoute: {kind: 'consumers', stream: 'fed'},
			});
			const shown = await waitForFrame(readOnly.lastFrame, (text) => text.includes('enrich: Enter its lag and fields'), 8000);
			expect(shown).toMatch(/lambda +enrich +- +- +Enabled · engine: no function runs · No/);
			readOnly.stdin.write('P');
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(readOnly.lastFrame()).not.toContain('Pause the Lambda event source mapping');
			readOnly.unmount();

			const app = renderApp(testServices(kinesis, engine.url, {consumers: withLambda(false)}), renderRoute, {
				initialRoute: {kind: 'consumers', stream: 'fed'},
			});
			await waitForFrame(app.lastFrame, (text) => text.includes('enrich: P pauses it'), 8000);
			app.stdin.write('D');
			await waitForFrame(app.lastFrame, (text) => text.includes("'enrich' (lambda) cannot be deregistered from the console."));
			app.stdin.write('P');
			const plan = await waitForFrame(app.lastFrame, (text) => text.includes('Pause enrich?'), 8000);
			expect(plan).toContain('Pause the Lambda event source mapping of enrich on fed');
			expect(plan.replaceAll(/\s+/g, ' ')).toContain("'enrich' stops reading 'fed'");
			app.stdin.write('y');
			await waitForFrame(app.lastFrame, (text) => text.includes('the mapping of enrich is Disabled'), 10_000);
			app.stdin.write('\u001b');
			await waitForFrame(
				app.lastFrame,
				(text) => /STOPPED +lambda +enrich +- +- +Disabled/.test(text) && text.includes('enrich: P resumes it'),
				8000,
			);
			// Its own view: why it is STOPPED, its state among its fields, and P resumes it from there too.
			app.stdin.write('\r');
			const own = await waitForFrame(app.lastFrame, (text) => text.includes('enrich lambda on fed · STOPPED: nothing reads'), 8000);
			expect(own).toMatch(/state +Disabled/);
			expect(own).toContain('P resumes it');
			app.stdin.write('P');
			await waitForFrame(app.lastFrame, (text) => text.includes('Resume enrich?'), 8000);
			app.unmount();
		} finally {
			lambda.destroy();
			if (previousAudit === undefined) delete process.env[AUDIT_LOG_ENV];
			else process.env[AUDIT_LOG_ENV] = previousAudit;
			await rm(dir, {recursive: true, force: true});
		}
	});

	it("names a plan problem's remedy by its key: a sequence number for every shard asks to mark one with Space", async () => {
		const app = renderApp(testServices(kinesis, engine.url, {consumers: services(false)}), renderRoute, {
			initialRoute: {kind: 'reset', stream: 'clicks', application: 'clicks-app'},
		});
		await waitForFrame(app.lastFrame, (text) => text.includes('reset to (trim-horizon'), 8000);
		app.stdin.write(`${sequence}\r`);
		const plan = await waitForFrame(app.lastFrame, (text) => text.includes('belongs to one shard'), 10_000);
		expect(plan.replaceAll(/\s+/g, ' ')).toContain('Name that shard alone (mark one shard with Space on the checkpoints).');
		expect(plan).not.toContain('--shard');
		app.unmount();
	});
});
