import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	DescribeStreamSummaryCommand,
	ListStreamConsumersCommand,
	RegisterStreamConsumerCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AuditLog} from '../../source/console/auditLog.js';
import type {ChangeProgress} from '../../source/console/changes.js';
import {executeFanOutChange, planFanOutChange, type FanOutChangeResult} from '../../source/console/consumers/fanOutChanges.js';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream} from '../helpers/leaseTables.js';
import {localTarget} from '../helpers/ui.js';

/** Registering and deregistering enhanced fan-out consumers through the SDK against the engine, each step in the audit log. */
describe('enhanced fan-out consumers registered and deregistered as changes', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dir: string;
	let audit: AuditLog;
	let streamArn: string;

	beforeAll(async () => {
		// Consumers stay CREATING and DELETING for a moment, so that following them is seen.
		engine = await startEngine({registerConsumerMs: 300, deregisterConsumerMs: 1000});
		kinesis = kinesisClient(engine.url, 'http1');
		dir = await mkdtemp(join(tmpdir(), 'kc-fan-out-'));
		audit = new AuditLog(join(dir, 'audit.jsonl'));
		await createStream(kinesis, 'orders', 1);
		const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'orders'}));
		streamArn = summary?.StreamARN ?? '';
	});
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
		await rm(dir, {recursive: true, force: true});
	});

	const context = () => ({kinesis, target: localTarget(engine.url), audit, timing: {pollMs: 50, maxPollMs: 100}});
	const registered = async () =>
		((await kinesis.send(new ListStreamConsumersCommand({StreamARN: streamArn}))).Consumers ?? []).map((consumer) => [
			consumer.ConsumerName,
			consumer.ConsumerStatus,
		]);
	async function run(generator: AsyncGenerator<ChangeProgress<FanOutChangeResult>, FanOutChangeResult>) {
		const events: Array<ChangeProgress<FanOutChangeResult>> = [];
		for await (const event of generator) events.push(event);
		return events;
	}

	it('registers a consumer and follows it to ACTIVE, then deregisters it and follows it until Kinesis no longer lists it', async () => {
		const plan = await planFanOutChange(kinesis, 'orders', 'alerts', 'register');
		expect(plan).toMatchObject({action: 'register', stream: 'orders', streamArn, consumerName: 'alerts', problems: []});
		expect(plan.current).toBeUndefined();
		expect(plan.warnings.join(' ')).toContain('billed per consumer-shard hour');
		const registering = await run(executeFanOutChange(context(), plan));
		expect(registering).toContainEqual(expect.objectContaining({type: 'submitted', waitingFor: "consumer 'alerts' to be ACTIVE"}));
		expect(registering).toContainEqual(expect.objectContaining({type: 'status', status: 'CREATING', subject: "consumer 'alerts'"}));
		const done = registering.at(-1);
		expect(done).toMatchObject({type: 'done', result: {action: 'register', consumerName: 'alerts', consumer: {status: 'ACTIVE'}}});
		expect(await registered()).toEqual([['alerts', 'ACTIVE']]);

		const deregister = await planFanOutChange(kinesis, 'orders', 'alerts', 'deregister');
		expect(deregister.problems).toEqual([]);
		expect(deregister.current).toMatchObject({name: 'alerts', status: 'ACTIVE', arn: expect.stringContaining('/consumer/alerts:')});
		expect(deregister.warnings.join(' ')).toContain('SubscribeToShard calls fail');
		const deregistering = await run(executeFanOutChange(context(), deregister));
		expect(deregistering).toContainEqual(expect.objectContaining({type: 'status', status: 'DELETING'}));
		expect(deregistering.at(-1)).toMatchObject({type: 'done', result: {action: 'deregister', consumerName: 'alerts'}});
		expect(deregistering.at(-1)).not.toHaveProperty('result.consumer');
		expect(await registered()).toEqual([]);

		const entries = await audit.read();
		expect(entries.map((entry) => [entry.operation, entry.outcome])).toEqual([
			['consumer-register', 'submitted'],
			['consumer-register', 'completed'],
			['consumer-deregister', 'submitted'],
			['consumer-deregister', 'completed'],
		]);
		const [, , submitted, completed] = entries;
		expect(submitted).toMatchObject({
			stream: 'orders',
			parameters: {consumerName: 'alerts', streamArn, consumerArn: deregister.current?.arn},
			before: {name: 'alerts', status: 'ACTIVE'},
			target: {kind: 'local'},
		});
		expect(completed).toMatchObject({after: {consumer: 'none'}});
	});

	it('refuses in the plan what Kinesis would refuse or what would change nothing, and sends nothing for it', async () => {
		const missing = await planFanOutChange(kinesis, 'orders', 'nobody', 'deregister');
		expect(missing.problems).toEqual([
			expect.objectContaining({kind: 'not-found', message: "No enhanced fan-out consumer named 'nobody' is registered on 'orders'."}),
		]);
		const badName = await planFanOutChange(kinesis, 'orders', 'no spaces', 'register');
		expect(badName.problems[0]?.message).toBe("A consumer name is 1 to 128 letters, digits, '_', '.' and '-', not 'no spaces'.");

		await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: streamArn, ConsumerName: 'twice'}));
		const again = await planFanOutChange(kinesis, 'orders', 'twice', 'register');
		expect(again.problems[0]?.message).toMatch(/^'twice' is already registered on 'orders' \((CREATING|ACTIVE)\)\.$/);

		const before = (await audit.read()).length;
		await expect(run(executeFanOutChange(context(), missing))).rejects.toThrow("No enhanced fan-out consumer named 'nobody'");
		expect((await audit.read()).length).toBe(before);
	});

	it('says a consumer already DELETING is being deregistered rather than deregistering it again', async () => {
		await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: streamArn, ConsumerName: 'leaving'}));
		const plan = await planFanOutChange(kinesis, 'orders', 'leaving', 'deregister');
		// Submitted without following: the consumer is DELETING for the engine's 1 s.
		const generator = executeFanOutChange(context(), plan);
		for await (const event of generator) if (event.type === 'submitted') break;
		const again = await planFanOutChange(kinesis, 'orders', 'leaving', 'deregister');
		expect(again.problems).toEqual([
			expect.objectContaining({kind: 'refused', message: "'leaving' is already being deregistered (DELETING)."}),
		]);
	});
});
