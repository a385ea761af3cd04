import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {CreateEventSourceMappingCommand, GetEventSourceMappingCommand, LambdaClient} from '@aws-sdk/client-lambda';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AuditLog} from '../../source/console/auditLog.js';
import type {ChangeProgress} from '../../source/console/changes.js';
import {executeMappingSwitch, planMappingSwitch, type MappingSwitchResult} from '../../source/console/consumers/lambdaChanges.js';
import type {Engine} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream} from '../helpers/leaseTables.js';
import {localTarget} from '../helpers/ui.js';

/** Pausing and resuming a Lambda event source mapping through the SDK against the engine's Lambda, each step audited. */
describe('Lambda event source mappings paused and resumed as changes', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let lambda: LambdaClient;
	let dir: string;
	let audit: AuditLog;
	let uuid: string;
	let skewMs = 0;

	beforeAll(async () => {
		// Transitions last 2 s of the engine's clock, which the test moves on past Creating: the refusal is seen however slow the machine.
		engine = await startEngine({eventSourceMappingMs: 2000, now: () => Date.now() + skewMs});
		kinesis = kinesisClient(engine.url, 'http1');
		lambda = new LambdaClient({endpoint: engine.url, region: 'us-east-1', credentials, maxAttempts: 1});
		dir = await mkdtemp(join(tmpdir(), 'kc-lambda-'));
		audit = new AuditLog(join(dir, 'audit.jsonl'));
		await createStream(kinesis, 'orders', 1);
		const streamArn = (await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'orders'}))).StreamDescriptionSummary?.StreamARN;
		const created = await lambda.send(
			new CreateEventSourceMappingCommand({FunctionName: 'enrich', EventSourceArn: streamArn, StartingPosition: 'LATEST'}),
		);
		uuid = created.UUID ?? '';
	});
	afterAll(async () => {
		kinesis.destroy();
		lambda.destroy();
		await engine.close();
		await rm(dir, {recursive: true, force: true});
	});

	const context = () => ({kinesis, lambda, target: localTarget(engine.url), audit, timing: {pollMs: 50, maxPollMs: 100}});
	async function run(generator: AsyncGenerator<ChangeProgress<MappingSwitchResult>, MappingSwitchResult>) {
		const events: Array<ChangeProgress<MappingSwitchResult>> = [];
		for await (const event of generator) events.push(event);
		return events;
	}

	it('refuses while the mapping is Creating, pauses it to Disabled and resumes it to Enabled, audited', async () => {
		const early = await planMappingSwitch({kinesis, lambda}, 'orders', 'enrich', 'pause');
		expect(early.problems).toEqual([expect.objectContaining({kind: 'in-use', message: expect.stringContaining('is Creating')})]);
		skewMs += 2000;

		const pause = await planMappingSwitch({kinesis, lambda}, 'orders', 'enrich', 'pause');
		expect(pause.problems).toEqual([]);
		expect(pause.mapping).toMatchObject({uuid, state: 'Enabled'});
		expect(pause.warnings.join(' ')).toContain('its records wait in the stream');
		const pausing = await run(executeMappingSwitch(context(), pause));
		expect(pausing).toContainEqual(expect.objectContaining({type: 'status', status: 'Disabling', subject: "mapping of 'enrich'"}));
		expect(pausing.at(-1)).toMatchObject({type: 'done', result: {action: 'pause', uuid, functionName: 'enrich', state: 'Disabled'}});
		expect((await lambda.send(new GetEventSourceMappingCommand({UUID: uuid}))).State).toBe('Disabled');

		const again = await planMappingSwitch({kinesis, lambda}, 'orders', uuid, 'pause');
		expect(again.problems[0]?.message).toBe("The mapping of 'enrich' is already Disabled.");
		const resume = await planMappingSwitch({kinesis, lambda}, 'orders', uuid, 'resume');
		const resuming = await run(executeMappingSwitch(context(), resume));
		expect(resuming.at(-1)).toMatchObject({type: 'done', result: {action: 'resume', state: 'Enabled'}});

		expect((await audit.read()).map((entry) => [entry.operation, entry.outcome, entry.before, entry.after])).toEqual([
			['lambda-pause', 'submitted', {state: 'Enabled'}, undefined],
			['lambda-pause', 'completed', {state: 'Enabled'}, {state: 'Disabled'}],
			['lambda-resume', 'submitted', {state: 'Disabled'}, undefined],
			['lambda-resume', 'completed', {state: 'Disabled'}, {state: 'Enabled'}],
		]);
	});

	it('says when no mapping of that function reads the stream', async () => {
		const plan = await planMappingSwitch({kinesis, lambda}, 'orders', 'nobody', 'pause');
		expect(plan.problems).toEqual([
			expect.objectContaining({kind: 'not-found', message: "No Lambda event source mapping of 'nobody' reads 'orders'."}),
		]);
	});
});
