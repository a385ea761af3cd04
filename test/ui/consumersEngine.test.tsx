import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {GetItemCommand, type DynamoDBClient} from '@aws-sdk/client-dynamodb';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AUDIT_LOG_ENV} from '../../source/console/auditLog.js';
import type {Engine} from '../../source/engine/index.js';
import {consoleConsumerServices} from '../../source/ui/consumerServices.js';
import {renderRoute, type Route} from '../../source/ui/screens/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {createLeaseTable, createStream, dynamoClient, putLease, putRecords, renewLease, workerCheckpoint} from '../helpers/leaseTables.js';
import {localTarget, renderApp, testServices, waitForFrame} from '../helpers/ui.js';
import {describeForTest} from '../helpers/wait.js';

/**
 * Consumers, checkpoints and a checkpoint reset driven through the keys, on the engine and its lease
 * tables: the application found by its lease table, per-shard owner, counter, checkpoint and lag, and a
 * reset that meets a checkpoint a worker wrote after the plan, leaves it, and shows the plan again.
 */
describe('consumers and checkpoint resets in the console on the engine', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;
	let dir: string;
	let sequences: string[];
	const previousAudit = process.env[AUDIT_LOG_ENV];

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'kc-consumers-'));
		process.env[AUDIT_LOG_ENV] = join(dir, 'audit.jsonl');
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		await createStream(kinesis, 'events', 2);
		sequences = await putRecords(kinesis, 'events', 2, 0, 20);
		await createLeaseTable(dynamo, 'events-app');
		await putLease(dynamo, 'events-app', 'shardId-000000000000', {checkpoint: sequences[4] ?? '', owner: 'worker-1', counter: 5});
		await putLease(dynamo, 'events-app', 'shardId-000000000001', {checkpoint: 'TRIM_HORIZON', counter: 1});
	});
	afterAll(async () => {
		if (previousAudit === undefined) delete process.env[AUDIT_LOG_ENV];
		else process.env[AUDIT_LOG_ENV] = previousAudit;
		kinesis.destroy();
		dynamo.destroy();
		await engine.close();
		await rm(dir, {recursive: true, force: true});
	});

	/** The console on the engine at a route, its consumers read every 300 ms; `columns` sets the terminal's width. */
	function consoleAt(route: Route, options: {readonly readOnly?: boolean; readonly columns?: number} = {}) {
		const readOnly = options.readOnly ?? false;
		const consumers = consoleConsumerServices({kinesis, dynamodb: dynamo, target: localTarget(engine.url)}, describeForTest, {
			readOnly,
			refreshMs: 300,
		});
		const app = renderApp(testServices(kinesis, engine.url, {consumers, ...(readOnly ? {readOnly} : {})}), renderRoute, {
			initialRoute: route,
		});
		if (options.columns !== undefined) {
			Object.defineProperty(app.stdout, 'columns', {value: options.columns, configurable: true});
			app.stdout.emit('resize');
		}
		return app;
	}

	it('lists the application, shows its checkpoints and lag, and resets them without clobbering a newer checkpoint', async () => {
		const app = consoleAt({kind: 'dashboard', stream: 'events'});
		await waitForFrame(app.lastFrame, (text) => text.includes('shardId-000000000001'));
		app.stdin.write('c');
		const list = await waitForFrame(app.lastFrame, (text) => text.includes('events-app'), 8000);
		expect(list).toMatch(/OK +KCL +events-app +\S+ +1d +2 leases · 1 worker/);
		app.stdin.write('\r');
		const checkpoints = await waitForFrame(
			app.lastFrame,
			(text) => text.includes('worker-1') && text.includes('lag of shardId-000000000000'),
			8000,
		);
		expect(checkpoints).toMatch(/shardId-000000000000 +worker-1 +5 +…\d+ +[\d.]+(ms|s|m)/);
		expect(checkpoints).toMatch(/shardId-000000000001 +- +1 +TRIM_HORIZON/);

		// Mark shard 0 and reset it to TRIM_HORIZON.
		app.stdin.write(' ');
		await waitForFrame(app.lastFrame, (text) => /✓ shardId-000000000000/.test(text));
		app.stdin.write('R');
		await waitForFrame(app.lastFrame, (text) => text.includes('reset to (trim-horizon'));
		app.stdin.write('trim-horizon\r');
		const plan = await waitForFrame(app.lastFrame, (text) => text.includes('y submits'), 10_000);
		expect(plan).toContain('shards 0 · to TRIM_HORIZON');
		expect(plan).toMatch(/shardId-000000000000 +…\d+ +→ TRIM_HORIZON +\w+ +re-read 5 records/);

		// A worker checkpoints after the plan: the reset leaves that shard and shows the plan again.
		await workerCheckpoint(dynamo, 'events-app', 'shardId-000000000000', 'worker-1', 5, sequences[9] ?? '');
		app.stdin.write('y');
		const changed = await waitForFrame(app.lastFrame, (text) => text.includes('changed since the plan'), 10_000);
		expect(changed).toContain('Written: none');
		expect(changed).toContain('The plan again, made from the lease table as it is now:');
		expect(changed).toMatch(/re-read 10 records/);
		app.stdin.write('y');
		const written = await waitForFrame(app.lastFrame, (text) => /Written: 0 …\d+ → TRIM_HORIZON/.test(text), 10_000);
		expect(written).not.toContain('changed since the plan');
		app.unmount();
		const audit = await readFile(join(dir, 'audit.jsonl'), 'utf8');
		expect(audit.match(/"operation":"checkpoint-reset"/g)).toHaveLength(4);
	});

	it('l takes the leases first: the worker can no longer checkpoint, and y writes and gives the lease back', async () => {
		const others = await putRecords(kinesis, 'events', 2, 1, 4, 'held');
		await createLeaseTable(dynamo, 'held-app');
		await putLease(dynamo, 'held-app', 'shardId-000000000001', {checkpoint: others[0] ?? '', owner: 'worker-3', counter: 2});
		const app = consoleAt({kind: 'reset', stream: 'events', application: 'held-app', shards: ['shardId-000000000001']});
		await waitForFrame(app.lastFrame, (text) => text.includes('reset to (trim-horizon'));
		app.stdin.write('latest\r');
		await waitForFrame(app.lastFrame, (text) => text.includes('y submits'), 10_000);
		app.stdin.write('l');
		const held = await waitForFrame(app.lastFrame, (text) => text.includes('The console holds the lease of shardId-000000000001'), 10_000);
		expect(held).toMatch(/shardId-000000000001 +…\d+ +→ LATEST +console /);
		// Said before y: when a hold may not last (KCL 2.x lease stealing), and that a KCL 3.x leader leaves it alone.
		expect(held.replace(/\s+/g, ' ')).toContain('A KCL 3.x leader leaves the leases the console holds alone.');
		// worker-3's checkpoint, which expects the counter it last wrote, fails now.
		await expect(workerCheckpoint(dynamo, 'held-app', 'shardId-000000000001', 'worker-3', 2, others[2] ?? '')).rejects.toThrow();
		app.stdin.write('y');
		await waitForFrame(app.lastFrame, (text) => /Written: 1 …\d+ → LATEST/.test(text), 10_000);
		const item = await dynamo.send(
			new GetItemCommand({TableName: 'held-app', Key: {leaseKey: {S: 'shardId-000000000001'}}, ConsistentRead: true}),
		);
		expect(item.Item?.checkpoint?.S).toBe('LATEST');
		expect(item.Item?.leaseOwner).toBeUndefined();
		app.unmount();
	});

	it('at 160 columns tells workers apart by the ends of their names, and says what FLAGS mean', async () => {
		await createLeaseTable(dynamo, 'owners-app');
		await putLease(dynamo, 'owners-app', 'shardId-000000000000', {
			checkpoint: 'TRIM_HORIZON',
			owner: 'clickstream-analytics-ip-10-0-3-17-worker-1',
		});
		await putLease(dynamo, 'owners-app', 'shardId-000000000001', {
			checkpoint: 'TRIM_HORIZON',
			owner: 'clickstream-analytics-ip-10-0-3-17-worker-2',
		});
		const app = consoleAt({kind: 'checkpoints', stream: 'events', application: 'owners-app'}, {columns: 160});
		const frame = await waitForFrame(app.lastFrame, (text) => text.includes('TRIM_HORIZON') && text.includes('FLAGS:'), 8000);
		const owner = (shard: string) => new RegExp(`${shard} +(\\S+)`).exec(frame)?.[1];
		expect(owner('shardId-000000000000')).toMatch(/…\S*worker-1$/);
		expect(owner('shardId-000000000001')).toMatch(/…\S*worker-2$/);
		expect(frame).toContain('FLAGS: unknown until a second read · live: the lease counter moved since');
		app.unmount();
	});

	it('at 80 columns, keeps LAG and FLAGS whole: a shard goes by its number and the owner is cut shorter', async () => {
		await createLeaseTable(dynamo, 'narrow-app');
		await putLease(dynamo, 'narrow-app', 'shardId-000000000000', {checkpoint: sequences[4] ?? '', owner: 'worker-1', counter: 5});
		await putLease(dynamo, 'narrow-app', 'shardId-000000000001', {checkpoint: 'TRIM_HORIZON', counter: 1});
		const app = consoleAt({kind: 'checkpoints', stream: 'events', application: 'narrow-app'}, {columns: 80});
		// The second read tells whether a lease's worker is live: the unheld shard's flag is then known.
		const frame = await waitForFrame(app.lastFrame, (text) => text.includes('no live worker') && text.includes('FLAGS:'), 8000);
		const lines = frame.split('\n');
		expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80);
		expect(lines.find((line) => line.includes('COUNTER'))).toMatch(/^ +SHARD +OWNER +COUNTER +CHECKPOINT +LAG +FLAGS$/);
		expect(frame).toMatch(/\n. +0 +worker-1 +5 +…\d+ +[\d.]+(ms|s|m) +\S/);
		expect(frame).toMatch(/\n. +1 +- +1 +TRIM_HORIZON +\S+ +no live worker\n/);
		app.unmount();
	});

	it('at 80 columns, the command palette shows every command its key, however long its description', async () => {
		const app = consoleAt({kind: 'consumers', stream: 'events'}, {columns: 80});
		await waitForFrame(app.lastFrame, (text) => text.includes('Who is behind'), 8000);
		app.stdin.write(':');
		const palette = await waitForFrame(app.lastFrame, (text) => text.includes('Open the consumer'));
		// Enter opens the consumer, and its description runs past 80 columns: the key comes first, whole.
		expect(palette).toMatch(/│ Enter +Open the consumer/);
		for (const line of palette.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		app.unmount();
	});

	it('at 80 columns, a reset plan says in full where it moves checkpoints and what each shard re-reads', async () => {
		await createLeaseTable(dynamo, 'narrow-reset-app');
		await putLease(dynamo, 'narrow-reset-app', 'shardId-000000000000', {checkpoint: sequences[4] ?? '', owner: 'worker-1', counter: 5});
		const app = consoleAt({kind: 'reset', stream: 'events', application: 'narrow-reset-app'}, {columns: 80});
		await waitForFrame(app.lastFrame, (text) => text.includes('reset to (trim-horizon'));
		app.stdin.write('2020-01-01T00:00:00Z\r');
		const plan = await waitForFrame(app.lastFrame, (text) => text.includes('y submits'), 10_000);
		expect(Math.max(...plan.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80);
		expect(plan.replaceAll(/\s+/g, ' ')).toContain('every shard with a lease · to AT_TIMESTAMP 2020-01-01T00:00:00.000Z');
		expect(plan).toMatch(/\n0 +…\d+ +→ TRIM_HORIZON +\S+ +re-read 5 records\n/);
		app.unmount();
	});

	it('refuses a reset to a time to come, saying what to type instead', async () => {
		const app = consoleAt({kind: 'reset', stream: 'events', application: 'events-app'});
		await waitForFrame(app.lastFrame, (text) => text.includes('reset to (trim-horizon'));
		app.stdin.write('2999-01-01\r');
		const refused = await waitForFrame(app.lastFrame, (text) => text.includes('is in the future'));
		expect(refused.replaceAll(/\s+/g, ' ')).toMatch(/2999-01-01T00:00:00\.000Z is in the future \(it is now \d{4}-/);
		expect(refused.replaceAll(/\s+/g, ' ')).toContain(
			'a checkpoint moves to a time that has passed. To skip every record written so far, reset to latest.',
		);
		expect(refused).not.toContain('y submits');
		app.unmount();
	});

	it('under --read-only, offers nothing that only serves a reset: no marking', async () => {
		const app = consoleAt({kind: 'checkpoints', stream: 'events', application: 'events-app'}, {readOnly: true});
		const frame = await waitForFrame(app.lastFrame, (text) => text.includes('TRIM_HORIZON') && text.includes('? Help'), 8000);
		expect(frame).not.toContain('Mark the shard');
		expect(frame).not.toContain('Reset checkpoints');
		app.stdin.write(' ');
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(app.lastFrame()).not.toContain('✓');
		app.unmount();
	});

	it('writes over a lease that was only renewed since the plan; one whose checkpoint moved is not written, and the reset is not said to be done', async () => {
		const others = await putRecords(kinesis, 'events', 2, 1, 6, 'o');
		await createLeaseTable(dynamo, 'live-app');
		await putLease(dynamo, 'live-app', 'shardId-000000000000', {checkpoint: sequences[2] ?? '', owner: 'worker-1', counter: 7});
		await putLease(dynamo, 'live-app', 'shardId-000000000001', {checkpoint: others[1] ?? '', owner: 'worker-2', counter: 4});
		const consumers = consoleConsumerServices({kinesis, dynamodb: dynamo, target: localTarget(engine.url)}, describeForTest, {
			readOnly: false,
			refreshMs: 300,
		});
		const services = testServices(kinesis, engine.url, {consumers});
		const reset = async (shard: string) => {
			const app = renderApp(services, renderRoute, {
				initialRoute: {kind: 'reset', stream: 'events', application: 'live-app', shards: [shard]},
			});
			await waitForFrame(app.lastFrame, (text) => text.includes('reset to (trim-horizon'));
			app.stdin.write('latest\r');
			await waitForFrame(app.lastFrame, (text) => text.includes('y submits'), 10_000);
			return app;
		};

		// worker-1 renews its lease twice (the counter moves, the checkpoint does not): the reset is written.
		const renewed = await reset('shardId-000000000000');
		await renewLease(dynamo, 'live-app', 'shardId-000000000000');
		await renewLease(dynamo, 'live-app', 'shardId-000000000000');
		renewed.stdin.write('y');
		const written = await waitForFrame(renewed.lastFrame, (text) => /Written: 0 …\d+ → LATEST/.test(text), 10_000);
		expect(written).not.toContain('not written');
		expect(services.notices.getSnapshot()?.text).toMatch(/^The checkpoint reset of live-app is done/);
		renewed.unmount();

		// worker-2 checkpoints after the plan: nothing is written, and the view, the status line and the audit log say so.
		const moved = await reset('shardId-000000000001');
		await workerCheckpoint(dynamo, 'live-app', 'shardId-000000000001', 'worker-2', 4, others[3] ?? '');
		moved.stdin.write('y');
		const refused = await waitForFrame(moved.lastFrame, (text) => text.includes('not written'), 10_000);
		expect(refused).toContain('Written: none');
		expect(refused).toMatch(/shardId-000000000001 not written: worker-2 checkpointed it at …\d+ after the plan\s+\(planned on …\d+\)/);
		expect(refused).toContain("The application's workers are still checkpointing these shards");
		expect(services.notices.getSnapshot()).toMatchObject({
			level: 'warning',
			text: 'The checkpoint reset of live-app wrote nothing: 1 shard changed since the plan.',
		});
		moved.unmount();
		const outcomes = (await readFile(join(dir, 'audit.jsonl'), 'utf8'))
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as {outcome: string; parameters: {application: string}})
			.filter((entry) => entry.parameters.application === 'live-app')
			.map((entry) => entry.outcome);
		expect(outcomes).toEqual(['submitted', 'completed', 'submitted', 'failed']);
	});
});
