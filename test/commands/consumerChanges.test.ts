import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	DescribeStreamSummaryCommand,
	ListStreamConsumersCommand,
	RegisterStreamConsumerCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {CreateEventSourceMappingCommand, LambdaClient} from '@aws-sdk/client-lambda';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {auditLogLines, jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream} from '../helpers/leaseTables.js';

/** `consumers register` and `consumers deregister`, as processes against the engine: confirmed, refused, audited. */
describe('consumers register and deregister, as processes', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dir: string;
	let auditPath: string;
	let streamArn: string;

	beforeAll(async () => {
		engine = await startEngine({registerConsumerMs: 200, deregisterConsumerMs: 200, eventSourceMappingMs: 200});
		kinesis = kinesisClient(engine.url, 'http1');
		dir = mkdtempSync(join(tmpdir(), 'consumer-changes-cli-'));
		auditPath = join(dir, 'audit.jsonl');
		await createStream(kinesis, 'orders', 1);
		const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'orders'}));
		streamArn = summary?.StreamARN ?? '';
	});
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
		rmSync(dir, {recursive: true, force: true});
	});

	const cli = (...args: string[]) => runCli([...args, '--endpoint-url', engine.url], {env: {KINESIS_CONSOLE_AUDIT_LOG: auditPath}});
	const names = async () =>
		((await kinesis.send(new ListStreamConsumersCommand({StreamARN: streamArn}))).Consumers ?? []).map((consumer) => consumer.ConsumerName);

	it('registers with --yes and waits until ACTIVE, then deregisters with --yes and waits until it is gone, both audited', async () => {
		const registered = await cli('consumers', 'register', 'orders', 'alerts', '--yes', '--json');
		expect(registered.code).toBe(0);
		const [plan, result] = jsonLines(registered.stdout) as Array<Record<string, unknown>>;
		expect(plan).toMatchObject({type: 'plan', action: 'register', stream: 'orders', consumerName: 'alerts', problems: []});
		expect(result).toMatchObject({type: 'result', action: 'register', consumerName: 'alerts', consumer: {status: 'ACTIVE'}});
		expect(await names()).toEqual(['alerts']);

		const deregistered = await cli('consumers', 'deregister', 'orders', 'alerts', '--yes', '--json');
		expect(deregistered.code).toBe(0);
		expect(jsonLines(deregistered.stdout)).toEqual([
			expect.objectContaining({type: 'plan', action: 'deregister', current: expect.objectContaining({name: 'alerts', status: 'ACTIVE'})}),
			{type: 'result', action: 'deregister', stream: 'orders', consumerName: 'alerts'},
		]);
		expect(await names()).toEqual([]);
		expect(auditLogLines(auditPath).map((line) => [line.operation, line.outcome])).toEqual([
			['consumer-register', 'submitted'],
			['consumer-register', 'completed'],
			['consumer-deregister', 'submitted'],
			['consumer-deregister', 'completed'],
		]);
	});

	it('refuses under --read-only (14), without --yes on no terminal (2), and a consumer that is not there (9); --dry-run changes nothing', async () => {
		await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: streamArn, ConsumerName: 'kept'}));
		const before = auditLogLines(auditPath).length;

		const readOnly = await cli('consumers', 'deregister', 'orders', 'kept', '--yes', '--read-only');
		expect(readOnly.code).toBe(14);
		expect(readOnly.stderr).toContain("refused under --read-only: deregistering 'kept' changes the stream.");

		const unasked = await cli('consumers', 'deregister', 'orders', 'kept');
		expect(unasked.code).toBe(2);
		expect(unasked.stderr).toContain('pass --yes to go ahead without asking');

		const missing = await cli('consumers', 'deregister', 'orders', 'nobody', '--yes');
		expect(missing.code).toBe(9);
		expect(missing.stderr).toContain("No enhanced fan-out consumer named 'nobody' is registered on 'orders'.");

		const dryRun = await runInTerminal(['consumers', 'deregister', 'orders', 'kept', '--dry-run', '--endpoint-url', engine.url], {
			KINESIS_CONSOLE_AUDIT_LOG: auditPath,
		});
		expect(dryRun).toContain("Deregister the enhanced fan-out consumer 'kept' from 'orders'.");
		expect(dryRun).toContain("! Every subscription of 'kept' ends");
		expect(await names()).toEqual(['kept']);
		expect(auditLogLines(auditPath).length).toBe(before);
	});

	it('lists fan-out consumers with a LAG column that says where it comes from, and what removes one', async () => {
		const text = await runInTerminal(['consumers', 'orders', '--endpoint-url', engine.url, '--window', '0']);
		expect(text).toMatch(/NAME +STATUS +CREATED +LAG/);
		// Nothing subscribes: CloudWatch has no MillisBehindLatest for it.
		expect(text).toMatch(/kept +(CREATING|ACTIVE) +\S+ +-/);
		expect(text).toContain('LAG: AWS/Kinesis SubscribeToShardEvent.MillisBehindLatest');
		expect(text).toContain('kinesis-console consumers deregister orders NAME removes one');
	});

	it('pauses and resumes a Lambda event source mapping by its function, refused under --read-only, audited', async () => {
		const lambda = new LambdaClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		await lambda.send(new CreateEventSourceMappingCommand({FunctionName: 'enrich', EventSourceArn: streamArn, StartingPosition: 'LATEST'}));
		lambda.destroy();
		await new Promise((resolve) => setTimeout(resolve, 300));
		const before = auditLogLines(auditPath).length;

		const unnamed = await cli('consumers', 'pause', 'orders', '--yes');
		expect(unnamed.code).toBe(2);
		expect(unnamed.stderr).toContain("consumers pause takes a stream name or ARN and a Lambda function's name (or its mapping's UUID).");
		const readOnly = await cli('consumers', 'pause', 'orders', 'enrich', '--yes', '--read-only');
		expect(readOnly.code).toBe(14);
		const paused = await cli('consumers', 'pause', 'orders', 'enrich', '--yes', '--json');
		expect(paused.code, paused.stderr).toBe(0);
		expect(jsonLines(paused.stdout)).toEqual([
			expect.objectContaining({type: 'plan', action: 'pause', mapping: expect.objectContaining({name: 'enrich', state: 'Enabled'})}),
			expect.objectContaining({type: 'result', action: 'pause', functionName: 'enrich', state: 'Disabled'}),
		]);
		const again = await cli('consumers', 'pause', 'orders', 'enrich', '--yes');
		expect(again.code).toBe(15);
		expect(again.stderr).toContain("The mapping of 'enrich' is already Disabled.");
		const resumed = await cli('consumers', 'resume', 'orders', 'enrich', '--yes', '--json');
		expect(jsonLines(resumed.stdout).at(-1)).toMatchObject({type: 'result', action: 'resume', state: 'Enabled'});
		expect(
			auditLogLines(auditPath)
				.slice(before)
				.map((line) => [line.operation, line.outcome]),
		).toEqual([
			['lambda-pause', 'submitted'],
			['lambda-pause', 'completed'],
			['lambda-resume', 'submitted'],
			['lambda-resume', 'completed'],
		]);
	});
});
