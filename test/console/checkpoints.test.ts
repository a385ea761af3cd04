import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {GetItemCommand, ScanCommand, type DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {GetShardIteratorCommand, SplitShardCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AuditLog, type AuditEntry} from '../../source/console/auditLog.js';
import {problemHint, type ChangeProgress} from '../../source/console/changes.js';
import {planCheckpointReset, type CheckpointResetPlan} from '../../source/console/checkpoints/plan.js';
import {leaseOwnership} from '../../source/console/checkpoints/ownership.js';
import {CheckpointReader, readCheckpoints, type ShardCheckpoint} from '../../source/console/checkpoints/reading.js';
import {CheckpointsStore, readEveryMs} from '../../source/console/checkpoints/store.js';
import {parseResetTarget} from '../../source/console/checkpoints/targets.js';
import {executeCheckpointReset, type CheckpointChangeContext, type CheckpointResetResult} from '../../source/console/checkpoints/write.js';
import type {ConnectionTarget} from '../../source/console/connect.js';
import {startDemoConsumer} from '../../source/console/demo/kcl/consumer.js';
import {LeaseHold} from '../../source/console/leaseHold.js';
import type {Lease} from '../../source/console/leases.js';
import type {Engine} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {
	arrivals,
	createLeaseTable,
	createStream,
	dynamoClient,
	putLease,
	putRecords,
	renewLease,
	workerCheckpoint,
} from '../helpers/leaseTables.js';
import {eventually, waitActive as waitActiveOn} from '../helpers/wait.js';

const MINUTE = 60_000;
const shardId = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

let offset = 0;
let engine: Engine;
let kinesis: KinesisClient;
let dynamo: DynamoDBClient;
let dir: string;
let audit: AuditLog;
let target: ConnectionTarget;

beforeAll(async () => {
	engine = await startEngine({updateStreamMs: 100, now: () => Date.now() + offset});
	kinesis = kinesisClient(engine.url, 'http1');
	dynamo = dynamoClient(engine.url);
	dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
	audit = new AuditLog(join(dir, 'audit.jsonl'));
	target = {
		kind: 'endpoint',
		region: 'us-east-1',
		endpoint: engine.url,
		endpoints: {kinesis: engine.url, cloudwatch: engine.url, dynamodb: engine.url},
	};
});
afterAll(async () => {
	kinesis.destroy();
	dynamo.destroy();
	await engine.close();
	rmSync(dir, {recursive: true, force: true});
});

const clients = () => ({kinesis, dynamodb: dynamo});
const context = (): CheckpointChangeContext => ({kinesis, dynamodb: dynamo, target, audit});
let names = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++names}`;
const byShard = (shards: readonly ShardCheckpoint[]) => new Map(shards.map((shard) => [shard.shardId, shard]));

async function run(changes: AsyncGenerator<ChangeProgress<CheckpointResetResult>, CheckpointResetResult>): Promise<CheckpointResetResult> {
	let result: CheckpointResetResult | undefined;
	for await (const event of changes) if (event.type === 'done') result = event.result;
	if (!result) throw new Error('the reset did not end with done');
	return result;
}

async function lease(table: string, key: string): Promise<{checkpoint?: string; counter?: string; owner?: string; parents?: string[]}> {
	const {Item} = await dynamo.send(new GetItemCommand({TableName: table, Key: {leaseKey: {S: key}}, ConsistentRead: true}));
	return {
		...(Item?.checkpoint?.S === undefined ? {} : {checkpoint: Item.checkpoint.S}),
		...(Item?.leaseCounter?.N === undefined ? {} : {counter: Item.leaseCounter.N}),
		...(Item?.leaseOwner?.S === undefined ? {} : {owner: Item.leaseOwner.S}),
		...(Item?.parentShardId?.SS === undefined ? {} : {parents: Item.parentShardId.SS}),
	};
}

const until = <T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 8_000, what = 'the condition'): Promise<T> =>
	eventually(check, {timeoutMs, what, everyMs: 50});

const waitActive = (stream: string) => waitActiveOn(kinesis, stream, 5_000);

describe('reading checkpoints', () => {
	it('reports per shard owner, counter, checkpoint and lag (the first record after the checkpoint); unheld and leaseless shards flagged', async () => {
		const stream = unique('lag');
		const table = unique('lag-app');
		await createStream(kinesis, stream, 4);
		offset = -10 * MINUTE;
		const early = await putRecords(kinesis, stream, 4, 0, 5, 'a');
		const s1 = await putRecords(kinesis, stream, 4, 1, 3, 'b');
		const s2 = await putRecords(kinesis, stream, 4, 2, 4, 'c');
		offset = -4 * MINUTE;
		const late = await putRecords(kinesis, stream, 4, 0, 2, 'd');
		offset = 0;
		const arrived = await arrivals(kinesis, stream, shardId(0));

		await createLeaseTable(dynamo, table);
		await putLease(dynamo, table, shardId(0), {checkpoint: early[4], owner: 'worker-a', counter: 5});
		await putLease(dynamo, table, shardId(1), {checkpoint: s1[2], owner: 'worker-b', counter: 9});
		await putLease(dynamo, table, shardId(2), {checkpoint: 'TRIM_HORIZON', counter: 2});
		// worker-a is alive: it renews its lease every 50 ms; worker-b's lease has not moved.
		const renewer = setInterval(() => void renewLease(dynamo, table, shardId(0)).catch(() => undefined), 50);
		let report;
		try {
			report = await readCheckpoints(clients(), stream, table, {livenessMs: 300});
		} finally {
			clearInterval(renewer);
		}
		const shards = byShard(report.shards);
		const first = shards.get(shardId(0));
		expect(first).toMatchObject({
			leaseOwner: 'worker-a',
			checkpoint: early[4],
			holder: 'live',
			flags: [],
			lag: {state: 'behind', sequenceNumber: late[0], arrivalTime: new Date(arrived.get(late[0] ?? '') ?? 0).toISOString()},
		});
		expect(first?.lag.state === 'behind' && first.lag.ageMs).toBeGreaterThanOrEqual(4 * MINUTE - 1000);
		expect(first?.lag.state === 'behind' && first.lag.ageMs).toBeLessThan(4 * MINUTE + 5_000);
		expect(shards.get(shardId(1))).toMatchObject({
			leaseOwner: 'worker-b',
			leaseCounter: 9,
			holder: 'stale',
			flags: ['not-held'],
			lag: {state: 'caught-up'},
		});
		const trim = shards.get(shardId(2));
		expect(trim).toMatchObject({
			holder: 'unowned',
			flags: ['not-held'],
			position: {type: 'TRIM_HORIZON'},
			lag: {state: 'behind', sequenceNumber: s2[0]},
		});
		expect(trim?.lag.state === 'behind' && trim.lag.ageMs).toBeGreaterThanOrEqual(10 * MINUTE - 1000);
		expect(shards.get(shardId(3))).toMatchObject({holder: 'none', flags: ['no-lease'], lag: {state: 'unknown'}});
		expect(report.workers).toEqual([
			{owner: 'worker-a', leases: 1, live: true},
			{owner: 'worker-b', leases: 1, live: false},
		]);
		expect(report.summary).toMatchObject({leases: 3, behind: 2, maxLagShardId: shardId(2), notHeld: 2, noLease: 1, finished: 0});
		expect(report.livenessMs).toBe(300);
	});

	it('keeps a lag series per shard while the store runs, and stops cleanly', async () => {
		const stream = unique('store');
		const table = unique('store-app');
		await createStream(kinesis, stream, 1);
		offset = -2 * MINUTE;
		const records = await putRecords(kinesis, stream, 1, 0, 3);
		offset = 0;
		await createLeaseTable(dynamo, table);
		await putLease(dynamo, table, shardId(0), {checkpoint: records[0], owner: 'worker-a'});
		const scans: Array<boolean | undefined> = [];
		const viewing = dynamoClient(engine.url);
		viewing.middlewareStack.add(
			(next, context) => async (args) => {
				if (context.commandName === 'ScanCommand') scans.push((args.input as {ConsistentRead?: boolean}).ConsistentRead);
				return next(args);
			},
			{step: 'initialize'},
		);
		const store = new CheckpointsStore({
			clients: {kinesis, dynamodb: viewing},
			stream,
			application: table,
			refreshMs: 100,
			staleAfterMs: 250,
		});
		expect(store.getSnapshot()).toEqual({status: 'loading'});
		store.start();
		try {
			const view = await until(() => {
				const snapshot = store.getSnapshot();
				return snapshot.status === 'ready' && (snapshot.value.series[shardId(0)]?.length ?? 0) >= 3 ? snapshot.value : undefined;
			});
			const points = view.series[shardId(0)] ?? [];
			for (const point of points) expect(point.lagMs).toBeGreaterThanOrEqual(2 * MINUTE - 1000);
			expect(points.map((point) => point.atMs)).toEqual([...points.map((point) => point.atMs)].sort((a, b) => a - b));
			expect(store.lagSeries(shardId(0))).toHaveLength(points.length);
			// The owner never renews: once the counter has stood still for the window, it is stale.
			await until(() => {
				const snapshot = store.getSnapshot();
				return snapshot.status === 'ready' && snapshot.value.report.shards[0]?.holder === 'stale' ? true : undefined;
			});
		} finally {
			await store.stop();
		}
		const settled = store.getSnapshot();
		await new Promise((resolve) => setTimeout(resolve, 250));
		expect(store.getSnapshot()).toBe(settled);
		viewing.destroy();
		// A view reads the application's table eventually consistent (half the read units its workers need), and
		// the bigger the table the less often: 2,000 leases every 20 s.
		expect(scans.length).toBeGreaterThanOrEqual(3);
		expect(new Set(scans)).toEqual(new Set([false]));
		expect([readEveryMs(1, 100), readEveryMs(1), readEveryMs(2_000)]).toEqual([100, 5_000, 20_000]);
	});
});

describe('checkpoint reset plans', () => {
	let stream: string;
	let table: string;
	let x: string[];
	let y: string[];
	let z: string[];
	let arrivedX: Map<string, number>;
	beforeAll(async () => {
		stream = unique('plan');
		table = unique('plan-app');
		await createStream(kinesis, stream, 2);
		offset = -30 * MINUTE;
		x = await putRecords(kinesis, stream, 2, 0, 10, 'x');
		z = await putRecords(kinesis, stream, 2, 1, 4, 'z');
		offset = -10 * MINUTE;
		y = await putRecords(kinesis, stream, 2, 0, 5, 'y');
		offset = 0;
		arrivedX = await arrivals(kinesis, stream, shardId(0));
		await createLeaseTable(dynamo, table);
		await putLease(dynamo, table, shardId(0), {checkpoint: x[6], counter: 3});
		await putLease(dynamo, table, shardId(1), {checkpoint: z[3], counter: 8});
	});
	const plan = (to: string, extra: {shards?: string[]} = {}) =>
		planCheckpointReset(clients(), stream, table, {to: parseResetTarget(to), ...extra}, {livenessMs: 0});
	const shardPlan = (result: CheckpointResetPlan, n: number) => result.shards.find((shard) => shard.shardId === shardId(n));

	it("refuses to reset an application's checkpoints on a stream they are not of, unless told they are the stream's before", async () => {
		// A typo's stream: the same shard ids, none of its records.
		const other = unique('plan-other');
		await createStream(kinesis, other, 2);
		await putRecords(kinesis, other, 2, 0, 3, 'o');
		const refused = await planCheckpointReset(clients(), other, table, {to: {type: 'TRIM_HORIZON'}}, {livenessMs: 0});
		expect(refused.problems).toEqual([
			expect.objectContaining({
				kind: 'refused',
				action: 'foreignCheckpoints',
				message: expect.stringContaining(
					`The checkpoints of '${table}' do not look like those of '${other}': Kinesis refuses its checkpoint of ${shardId(0)}`,
				),
			}),
		]);
		// Deleted and made again under its name: said so, the reset goes ahead.
		const told = await planCheckpointReset(
			clients(),
			other,
			table,
			{to: {type: 'TRIM_HORIZON'}, foreignCheckpoints: true},
			{livenessMs: 0},
		);
		expect(told.problems).toEqual([]);
		// An unfinished lease of a shard the stream does not list says the same, without asking Kinesis.
		const wider = unique('plan-wider');
		await createLeaseTable(dynamo, wider);
		await putLease(dynamo, wider, shardId(0), {checkpoint: 'TRIM_HORIZON', counter: 1});
		await putLease(dynamo, wider, shardId(5), {checkpoint: 'LATEST', counter: 1});
		const elsewhere = await planCheckpointReset(clients(), stream, wider, {to: {type: 'LATEST'}}, {livenessMs: 0});
		expect(elsewhere.problems.map((problem) => problem.message)).toEqual([
			`The checkpoints of '${wider}' do not look like those of '${stream}': 1 of its unfinished leases is of shards the stream does not list (${shardId(5)}). Reset, they would move an application that reads another stream.`,
		]);
		// On its own stream, nothing of the kind.
		expect((await plan('trim-horizon')).problems).toEqual([]);
	});

	it("tells another stream's leases from the stream's own history, and says when Kinesis could not be asked", async () => {
		const leaseOf = (shard: number, checkpoint: string): Lease =>
			({shardId: shardId(shard), leaseKey: shardId(shard), checkpoint, leaseCounter: 1, parentShardIds: []}) as unknown as Lease;
		const listed = new Set([shardId(2), shardId(3)]);
		// An unfinished lease of a shard below the stream's lowest: a parent past retention, the stream's own.
		expect(await leaseOwnership(kinesis, stream, [leaseOf(0, 'TRIM_HORIZON'), leaseOf(2, 'LATEST')], listed)).toEqual({kind: 'shard-ids'});
		// Above it: a shard the stream never had.
		expect(await leaseOwnership(kinesis, stream, [leaseOf(2, 'LATEST'), leaseOf(5, 'LATEST')], listed)).toMatchObject({
			kind: 'other-stream',
			reason: `1 of its unfinished leases is of shards the stream does not list (${shardId(5)})`,
		});
		// Denied the question: not confirmed, whatever the shard ids say.
		const denied = () =>
			Promise.reject(Object.assign(new Error('not allowed'), {name: 'AccessDeniedException', $metadata: {httpStatusCode: 400}}));
		const denying = {send: denied} as unknown as KinesisClient;
		expect(await leaseOwnership(denying, stream, [leaseOf(2, x[1] ?? '')], listed)).toEqual({
			kind: 'unconfirmed',
			reason: `Kinesis could not be asked about its checkpoint of ${shardId(2)}: AccessDeniedException: not allowed`,
		});
		// A plan whose question is denied (the rest of its calls answered) refuses; told to, it goes ahead and says why.
		const deniedOnce = {
			send: (command: unknown, options: unknown) =>
				command instanceof GetShardIteratorCommand && command.input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' && deniedOnce.deny-- > 0
					? denied()
					: (kinesis.send as (command: unknown, options: unknown) => Promise<unknown>)(command, options),
			deny: 1,
		};
		const unsure = await planCheckpointReset(
			{kinesis: deniedOnce as unknown as KinesisClient, dynamodb: dynamo},
			stream,
			table,
			{to: {type: 'TRIM_HORIZON'}},
			{livenessMs: 0},
		);
		expect(unsure.problems.map((problem) => [problem.action, problem.message])).toEqual([
			[
				'foreignCheckpoints',
				`The checkpoints of '${table}' could not be confirmed as those of '${stream}' (Kinesis could not be asked about its checkpoint of ${shardId(0)}: AccessDeniedException: not allowed). Reset, they would move an application that reads another stream.`,
			],
		]);
		deniedOnce.deny = 1;
		const anyway = await planCheckpointReset(
			{kinesis: deniedOnce as unknown as KinesisClient, dynamodb: dynamo},
			stream,
			table,
			{to: {type: 'TRIM_HORIZON'}, foreignCheckpoints: true},
			{livenessMs: 0},
		);
		expect(anyway.problems).toEqual([]);
		expect(anyway.warnings[0]).toBe(
			`The checkpoints of '${table}' could not be confirmed as those of '${stream}' (Kinesis could not be asked about its checkpoint of ${shardId(0)}: AccessDeniedException: not allowed): reset all the same, as asked.`,
		);
	});

	it('asks whose the leases are once per reader, and not of an empty table', async () => {
		let asked = 0;
		const counting = {
			send: (command: unknown, options: unknown) => {
				if (command instanceof GetShardIteratorCommand && command.input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER') asked++;
				return (kinesis.send as (command: unknown, options: unknown) => Promise<unknown>)(command, options);
			},
		} as unknown as KinesisClient;
		const reader = new CheckpointReader({kinesis: counting, dynamodb: dynamo}, stream, table, {staleAfterMs: 0});
		await reader.read();
		const first = asked;
		await reader.read();
		// Each read measures the two leases' lag; only the first also asks whose they are.
		expect(first - (asked - first)).toBe(1);
		const empty = unique('plan-empty');
		await createLeaseTable(dynamo, empty);
		expect((await readCheckpoints(clients(), stream, empty, {livenessMs: 0})).otherStream).toBeUndefined();
	});

	it('TRIM_HORIZON: re-reads everything up to the checkpoint', async () => {
		const result = await plan('trim-horizon');
		expect(result).toMatchObject({operation: 'checkpoint-reset', target: 'TRIM_HORIZON', problems: [], multiStream: false});
		expect(shardPlan(result, 0)).toMatchObject({
			action: 'reset',
			current: {exists: true, checkpoint: x[6], leaseCounter: 3, holder: 'unowned'},
			next: {checkpoint: 'TRIM_HORIZON'},
			effect: {
				kind: 're-read',
				records: 7,
				atLeast: false,
				from: new Date(arrivedX.get(x[0] ?? '') ?? 0).toISOString(),
				to: new Date(arrivedX.get(x[6] ?? '') ?? 0).toISOString(),
			},
		});
		expect(shardPlan(result, 1)).toMatchObject({action: 'reset', effect: {kind: 're-read', records: 4}});
	});

	it('LATEST: skips what is after the checkpoint, and what arrives until a worker takes the lease', async () => {
		const result = await plan('latest');
		expect(shardPlan(result, 0)).toMatchObject({
			action: 'reset',
			next: {checkpoint: 'LATEST'},
			effect: {kind: 'skip', records: 8, andNewer: true},
		});
		expect(shardPlan(result, 1)).toMatchObject({action: 'reset', effect: {kind: 'none'}});
		expect(result.warnings.join(' ')).toContain('LATEST is kept as LATEST');
	});

	it("AT_TIMESTAMP (on the engine's clock): the sequence number just before the first record at or after the time, or TRIM_HORIZON", async () => {
		const between = await plan(new Date(Date.now() - 20 * MINUTE).toISOString());
		expect(between.target).toMatch(/^AT_TIMESTAMP /);
		expect(shardPlan(between, 0)).toMatchObject({
			action: 'reset',
			next: {checkpoint: x[9], firstRecord: {sequenceNumber: y[0]}},
			effect: {kind: 'skip', records: 3},
		});
		// Everything in shard 1 is older: its checkpoint is already the last record before the time.
		expect(shardPlan(between, 1)).toMatchObject({
			action: 'unchanged',
			next: {checkpoint: z[3]},
			effect: {kind: 'none'},
			note: 'already there',
		});

		const before = await plan('40m');
		expect(shardPlan(before, 0)).toMatchObject({
			next: {checkpoint: 'TRIM_HORIZON', firstRecord: {sequenceNumber: x[0]}},
			effect: {kind: 're-read', records: 7},
		});
		expect(shardPlan(before, 1)).toMatchObject({
			next: {checkpoint: 'TRIM_HORIZON', firstRecord: {sequenceNumber: z[0]}},
			effect: {kind: 're-read', records: 4},
		});

		const recent = await plan('5m');
		expect(shardPlan(recent, 0)).toMatchObject({next: {checkpoint: y[4]}, effect: {kind: 'skip', records: 8}});
		expect(shardPlan(recent, 0)?.next.firstRecord).toBeUndefined();
	});

	it('a sequence number: one shard, and only its own sequence numbers', async () => {
		const result = await plan(x[2] ?? '', {shards: ['0']});
		expect(result.problems).toEqual([]);
		expect(result.shards).toHaveLength(1);
		expect(shardPlan(result, 0)).toMatchObject({next: {checkpoint: x[2]}, effect: {kind: 're-read', records: 4}});
		const everywhere = await plan(x[2] ?? '');
		expect(everywhere.problems[0]?.message).toContain('belongs to one shard');
		// The remedy is an action, which the console names by its key and the command by its flag.
		expect(everywhere.problems[0]).toMatchObject({action: 'chooseShard', hint: 'Name that shard alone'});
		expect(problemHint(everywhere.problems[0] ?? {kind: 'refused', message: ''}, (action) => `<${action}>`)).toBe(
			'Name that shard alone (<chooseShard>).',
		);
		const wrongShard = await plan(z[1] ?? '', {shards: ['0']});
		expect(wrongShard.problems[0]).toMatchObject({kind: 'refused'});
		expect(wrongShard.problems[0]?.message).toContain(`is not a sequence number of ${shardId(0)}`);
		const missing = await plan('latest', {shards: ['7']});
		expect(missing.problems[0]).toMatchObject({kind: 'not-found'});
	});
});

describe('the time a plan takes', () => {
	it('counts a long range for its time budget only, and estimates the rest from the rate counted', async () => {
		const stream = unique('long');
		const table = unique('long-app');
		await createStream(kinesis, stream, 1);
		// 15,000 records over the last minute, 500 every 2 s (250 a second), on the engine's clock.
		for (let batch = 0; batch < 30; batch++) {
			offset = -MINUTE + batch * 2_000;
			await putRecords(kinesis, stream, 1, 0, 500, `b${batch}`);
		}
		offset = 0;
		const writtenAt = Date.now();
		await createLeaseTable(dynamo, table);
		await putLease(dynamo, table, shardId(0), {checkpoint: 'TRIM_HORIZON', counter: 1});

		// What the plan reads: the records in GetRecords answers.
		let read = 0;
		const counting = kinesisClient(engine.url, 'http1');
		counting.middlewareStack.add(
			(next) => async (args) => {
				const result = await next(args);
				const output = result.output as {Records?: unknown[]};
				if (args.input && 'ShardIterator' in (args.input as object)) read += output.Records?.length ?? 0;
				return result;
			},
			{step: 'initialize'},
		);
		try {
			const quick = await planCheckpointReset(
				{kinesis: counting, dynamodb: dynamo},
				stream,
				table,
				{to: {type: 'LATEST'}},
				{livenessMs: 0},
			);
			const effect = quick.shards[0]?.effect;
			expect(effect).toMatchObject({kind: 'skip', atLeast: true});
			if (effect?.kind !== 'skip') throw new Error('not a skip');
			expect(read).toBeLessThan(8_000);
			expect(effect.records).toBeLessThanOrEqual(read);
			// 15,000 records, within a fifth: the records come in bursts of 500 at one instant, which the sampled
			// pages' rates see unevenly (the view marks an estimate with ~). With no record after the last
			// written, the estimate also takes traffic to go on at its rate until the plan reads it.
			const idleSeconds = (Date.now() - writtenAt) / 1000;
			expect(effect.estimate).toBeGreaterThan(12_000);
			expect(effect.estimate).toBeLessThan((15_000 + 250 * idleSeconds) * 1.2);
			expect(effect.spanMs).toBeGreaterThan(55_000);

			// Given the time, the count is exact.
			const patient = await planCheckpointReset(
				clients(),
				stream,
				table,
				{to: {type: 'LATEST'}},
				{livenessMs: 0, budget: {timeMs: 60_000}},
			);
			expect(patient.shards[0]?.effect).toMatchObject({kind: 'skip', records: 15_000, atLeast: false});
			expect(patient.shards[0]?.effect).not.toHaveProperty('estimate');
		} finally {
			counting.destroy();
		}
	});
});

describe('executing resets', () => {
	it('does not clobber a checkpoint written after the plan: that shard is reported and the plan is made again; the audit log has before and after, and no secret', async () => {
		const stream = unique('race');
		const table = unique('race-app');
		await createStream(kinesis, stream, 2);
		const x = await putRecords(kinesis, stream, 2, 0, 10, 'x');
		const z = await putRecords(kinesis, stream, 2, 1, 3, 'z');
		await createLeaseTable(dynamo, table);
		await putLease(dynamo, table, shardId(0), {checkpoint: x[6], owner: 'worker-a', counter: 3});
		await putLease(dynamo, table, shardId(1), {checkpoint: z[2], owner: 'worker-b', counter: 4});
		const planned = await planCheckpointReset(clients(), stream, table, {to: {type: 'TRIM_HORIZON'}}, {livenessMs: 0});
		expect(planned.warnings.join(' ')).toContain('2 leases have owners whose liveness was not checked');

		// worker-a checkpoints after the plan was made.
		await workerCheckpoint(dynamo, table, shardId(0), 'worker-a', 3, x[8] ?? '');
		const result = await run(executeCheckpointReset(context(), planned, {livenessMs: 0}));
		expect(result.written).toEqual([{shardId: shardId(1), action: 'reset', before: z[2], after: 'TRIM_HORIZON'}]);
		expect(result.changedSincePlan).toEqual([
			{
				shardId: shardId(0),
				change: 'checkpoint',
				planned: {exists: true, checkpoint: x[6], leaseCounter: 3},
				now: {checkpoint: x[8], subSequenceNumber: 0, leaseCounter: 4, leaseOwner: 'worker-a'},
			},
		]);
		expect(await lease(table, shardId(0))).toMatchObject({checkpoint: x[8], counter: '4'});
		expect(await lease(table, shardId(1))).toMatchObject({checkpoint: 'TRIM_HORIZON', counter: '5'});
		// The plan again, from the table as it is now.
		const replan = result.replan;
		expect(replan?.shards.find((shard) => shard.shardId === shardId(0))).toMatchObject({
			action: 'reset',
			current: {checkpoint: x[8], leaseCounter: 4},
			effect: {kind: 're-read', records: 9},
		});
		expect(replan?.shards.find((shard) => shard.shardId === shardId(1))).toMatchObject({action: 'unchanged'});

		const again = await run(executeCheckpointReset(context(), replan as CheckpointResetPlan));
		expect(again.written).toEqual([{shardId: shardId(0), action: 'reset', before: x[8], after: 'TRIM_HORIZON'}]);
		expect(again.changedSincePlan).toEqual([]);
		expect(again.replan).toBeUndefined();
		expect(await lease(table, shardId(0))).toMatchObject({checkpoint: 'TRIM_HORIZON', counter: '5'});

		const entries: AuditEntry[] = (await audit.read()).filter((entry) => entry.stream === stream);
		expect(entries.map((entry) => [entry.operation, entry.outcome])).toEqual([
			['checkpoint-reset', 'submitted'],
			['checkpoint-reset', 'completed'],
			['checkpoint-reset', 'submitted'],
			['checkpoint-reset', 'completed'],
		]);
		expect(entries[0]).toMatchObject({
			parameters: {application: table, to: 'TRIM_HORIZON', shards: 'all'},
			target: {kind: 'endpoint', region: 'us-east-1', endpoint: engine.url},
			before: [
				{shardId: shardId(0), checkpoint: x[6], leaseCounter: 3},
				{shardId: shardId(1), checkpoint: z[2], leaseCounter: 4},
			],
		});
		expect(entries[1]).toMatchObject({
			after: {written: [{shardId: shardId(1), checkpoint: 'TRIM_HORIZON'}], changedSincePlan: [shardId(0)]},
		});
		expect(entries[1]?.id).toBe(entries[0]?.id);
		const text = readFileSync(audit.path, 'utf8');
		expect(text).not.toContain(credentials.secretAccessKey);
		expect(text).not.toContain(credentials.accessKeyId);
	});

	it('warns while workers hold live leases', async () => {
		const stream = unique('live');
		const table = unique('live-app');
		await createStream(kinesis, stream, 2);
		await putRecords(kinesis, stream, 2, 0, 3);
		await createLeaseTable(dynamo, table);
		await putLease(dynamo, table, shardId(0), {owner: 'worker-7', counter: 1});
		await putLease(dynamo, table, shardId(1), {owner: 'worker-8', counter: 1});
		const renewer = setInterval(() => void renewLease(dynamo, table, shardId(0)).catch(() => undefined), 40);
		let planned: CheckpointResetPlan;
		try {
			planned = await planCheckpointReset(clients(), stream, table, {to: {type: 'LATEST'}}, {livenessMs: 300});
		} finally {
			clearInterval(renewer);
		}
		expect(planned.liveWorkers).toEqual(['worker-7']);
		expect(planned.shards.map((shard) => shard.current.holder)).toEqual(['live', 'stale']);
		expect(planned.warnings[0]).toMatch(/^Workers still hold live leases on 1 of the 2 shards to reset \(worker-7\)/);
		expect(planned.problems).toEqual([]);
	});

	it("makes the child-shard trap explicit after a split, and can make the children's leases at the new position", async () => {
		const stream = unique('trap');
		const table = unique('trap-app');
		await createStream(kinesis, stream, 2);
		const parent = await putRecords(kinesis, stream, 2, 0, 8, 'p');
		await createLeaseTable(dynamo, table);
		await putLease(dynamo, table, shardId(0), {checkpoint: parent[3]});
		await putLease(dynamo, table, shardId(1), {checkpoint: 'TRIM_HORIZON'});
		await kinesis.send(
			new SplitShardCommand({StreamName: stream, ShardToSplit: shardId(0), NewStartingHashKey: ((1n << 128n) / 4n).toString()}),
		);
		await waitActive(stream);
		await putRecords(kinesis, stream, 4, 0, 3, 'lower');
		await putRecords(kinesis, stream, 4, 1, 2, 'upper');

		const planned = await planCheckpointReset(clients(), stream, table, {to: {type: 'LATEST'}}, {livenessMs: 0});
		expect(planned.leaseless).toEqual([
			expect.objectContaining({shardId: shardId(2), open: true, parents: [shardId(0)], reason: 'child', records: 3, leaseCreated: false}),
			expect.objectContaining({shardId: shardId(3), open: true, parents: [shardId(0)], reason: 'child', records: 2, leaseCreated: false}),
		]);
		expect(planned.warnings.join(' ')).toContain(
			`The child-shard trap: ${shardId(2)}, ${shardId(3)} have no lease (children after a reshard)`,
		);
		expect(planned.warnings.join(' ')).toContain('reading 5 records already there');
		expect(planned.shards.find((shard) => shard.shardId === shardId(0))).toMatchObject({
			action: 'reset',
			effect: {kind: 'skip', records: 4},
		});

		const report = await readCheckpoints(clients(), stream, table, {livenessMs: 0});
		expect(byShard(report.shards).get(shardId(2))).toMatchObject({
			flags: ['no-lease'],
			note: expect.stringContaining(`when ${shardId(0)} reaches SHARD_END`),
		});

		const withChildren = await planCheckpointReset(
			clients(),
			stream,
			table,
			{to: {type: 'LATEST'}, createMissingLeases: true},
			{livenessMs: 0},
		);
		expect(withChildren.warnings.join(' ')).not.toContain('child-shard trap');
		expect(withChildren.shards.filter((shard) => shard.action === 'create')).toEqual([
			expect.objectContaining({
				shardId: shardId(2),
				leaseKey: shardId(2),
				next: {checkpoint: 'LATEST', subSequenceNumber: 0},
				effect: {
					kind: 'skip',
					records: 3,
					atLeast: false,
					andNewer: true,
					from: expect.any(String),
					to: expect.any(String),
					spanMs: expect.any(Number),
				},
			}),
			expect.objectContaining({shardId: shardId(3), action: 'create', effect: expect.objectContaining({kind: 'skip', records: 2})}),
		]);
		const result = await run(executeCheckpointReset({...context(), audit: false}, withChildren));
		expect(result.written.map((written) => [written.shardId, written.action, written.after])).toEqual([
			[shardId(0), 'reset', 'LATEST'],
			[shardId(1), 'reset', 'LATEST'],
			[shardId(2), 'create', 'LATEST'],
			[shardId(3), 'create', 'LATEST'],
		]);
		expect(await lease(table, shardId(2))).toEqual({checkpoint: 'LATEST', counter: '0', parents: [shardId(0)]});
		const after = byShard((await readCheckpoints(clients(), stream, table, {livenessMs: 0})).shards);
		expect(after.get(shardId(3))?.flags).toEqual(['not-held', 'waiting-for-parent']);
	});
});

describe('the demo consumer', () => {
	it('a worker that keeps checkpointing defeats a plan; with the lease taken first, the checkpoint stays put and the reset is written', async () => {
		const stream = unique('busy');
		const application = unique('busy-analytics');
		await createStream(kinesis, stream, 1);
		await putRecords(kinesis, stream, 1, 0, 400, 'busy');
		const consumer = startDemoConsumer(clients(), {
			stream,
			application,
			workers: 1,
			slowShards: [shardId(0)],
			slowRecordsPerSecond: 20,
			pollMs: 100,
			checkpointEveryMs: 150,
			renewEveryMs: 250,
			failoverMs: 2_000,
			shardSyncEveryMs: 200,
		});
		const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
		let hold: LeaseHold | undefined;
		try {
			await consumer.ready;
			await until(async () => /^\d+$/.test((await lease(application, shardId(0))).checkpoint ?? '') || undefined, 8_000, 'a checkpoint');
			const request = {to: {type: 'LATEST'}} as const;
			const stale = await planCheckpointReset(clients(), stream, application, request, {livenessMs: 0});
			await pause(500);
			const refused = await run(executeCheckpointReset({...context(), audit: false}, stale, {livenessMs: 0}));
			expect(refused.written).toEqual([]);
			expect(refused.changedSincePlan).toMatchObject([
				{shardId: shardId(0), change: 'checkpoint', now: {leaseOwner: `${application}-worker-1`}},
			]);

			// The console takes the lease: the worker's next renewal fails, and the checkpoint stops moving.
			const taken = await LeaseHold.take(clients(), application, [shardId(0)], {renewEveryMs: 100});
			hold = taken.hold;
			expect(taken.missed).toEqual([]);
			await pause(600);
			const frozen = (await lease(application, shardId(0))).checkpoint;
			await pause(500);
			expect(await lease(application, shardId(0))).toMatchObject({checkpoint: frozen, owner: hold.owner});
			const planned = await planCheckpointReset(clients(), stream, application, request, {livenessMs: 0, heldBy: hold.owner});
			expect(planned.warnings.join(' ')).toContain(`The console holds the lease of ${shardId(0)}`);
			expect(planned.warnings.join(' ')).not.toContain('Workers still hold live leases');
			await pause(500);
			const result = await run(executeCheckpointReset({...context(), audit: false, releaseOwner: hold.owner}, planned));
			expect(result.written).toEqual([{shardId: shardId(0), action: 'reset', before: frozen, after: 'LATEST'}]);
			expect(result.changedSincePlan).toEqual([]);
			// Given back: the worker takes it again, from the new checkpoint.
			await until(
				async () => (await lease(application, shardId(0))).owner === `${application}-worker-1` || undefined,
				8_000,
				'the worker again',
			);
			expect((await lease(application, shardId(0))).checkpoint).toBe('LATEST');
		} finally {
			await hold?.release();
			await consumer.stop();
		}
	});

	it('keeps KCL leases, falls behind on the hot shard, takes a reset, and follows a split', async () => {
		const stream = unique('click');
		const application = unique('click-analytics');
		await createStream(kinesis, stream, 2);
		const cold = await putRecords(kinesis, stream, 2, 0, 30, 'cold');
		await putRecords(kinesis, stream, 2, 1, 400, 'hot');
		const consumer = startDemoConsumer(clients(), {
			stream,
			application,
			workers: 2,
			slowShards: [shardId(1)],
			slowRecordsPerSecond: 20,
			recordsPerSecond: 2_000,
			pollMs: 100,
			checkpointEveryMs: 150,
			renewEveryMs: 100,
			failoverMs: 1_000,
			shardSyncEveryMs: 200,
		});
		try {
			await consumer.ready;
			// The cold shard is read to its end and checkpointed there.
			await until(
				async () => (await lease(application, shardId(0))).checkpoint === cold[29] || undefined,
				8_000,
				'the cold shard checkpointed',
			);
			const report = await readCheckpoints(clients(), stream, application, {livenessMs: 400});
			const shards = byShard(report.shards);
			expect(shards.get(shardId(0))).toMatchObject({holder: 'live', lag: {state: 'caught-up'}, flags: []});
			expect(shards.get(shardId(1))).toMatchObject({holder: 'live', lag: {state: 'behind'}, flags: []});
			expect(new Set(report.workers.map((worker) => worker.owner))).toEqual(
				new Set([`${application}-worker-1`, `${application}-worker-2`]),
			);
			expect(report.workers.every((worker) => worker.live)).toBe(true);

			// A reset of the cold shard to TRIM_HORIZON: the workers renew all the time, so a plan may meet a moved counter and be made again.
			const processedBefore = consumer.stats().shards.find((shard) => shard.shardId === shardId(0))?.processed ?? 0;
			let planned = await planCheckpointReset(clients(), stream, application, {to: {type: 'TRIM_HORIZON'}, shards: ['0']}, {livenessMs: 0});
			let written = false;
			for (let attempt = 0; attempt < 20 && !written; attempt++) {
				const result = await run(executeCheckpointReset({...context(), audit: false}, planned, {livenessMs: 0}));
				written = result.written.length === 1;
				if (result.replan) planned = result.replan;
			}
			expect(written).toBe(true);
			// The holder loses the lease at its next renewal, takes it again from TRIM_HORIZON and reads the 30 records again.
			await until(
				() => {
					const shard = consumer.stats().shards.find((entry) => entry.shardId === shardId(0));
					return shard !== undefined && shard.processed >= processedBefore + 30 ? true : undefined;
				},
				8_000,
				'the cold shard read again',
			);
			await until(
				async () => (await lease(application, shardId(0))).checkpoint === cold[29] || undefined,
				8_000,
				'the cold shard checkpointed again',
			);

			// A split of the cold shard: its lease reaches SHARD_END and the children get leases at TRIM_HORIZON.
			await kinesis.send(
				new SplitShardCommand({StreamName: stream, ShardToSplit: shardId(0), NewStartingHashKey: ((1n << 128n) / 4n).toString()}),
			);
			await waitActive(stream);
			const children = await putRecords(kinesis, stream, 4, 0, 5, 'child');
			await until(
				async () => (await lease(application, shardId(0))).checkpoint === 'SHARD_END' || undefined,
				8_000,
				'the parent at SHARD_END',
			);
			await until(async () => (await lease(application, shardId(2))).checkpoint === children[4] || undefined, 8_000, 'the child read');
			expect((await lease(application, shardId(2))).parents).toEqual([shardId(0)]);
			expect((await lease(application, shardId(3))).parents).toEqual([shardId(0)]);
			// The hot shard is still behind.
			const hot = byShard((await readCheckpoints(clients(), stream, application, {livenessMs: 0})).shards).get(shardId(1));
			expect(hot?.lag.state).toBe('behind');
		} finally {
			await consumer.stop();
		}
		// Stopped: the leases are given up, the checkpoints kept.
		const {Items} = await dynamo.send(new ScanCommand({TableName: application, ConsistentRead: true}));
		const unfinished = (Items ?? []).filter((item) => item.checkpoint?.S !== 'SHARD_END');
		expect(unfinished.length).toBeGreaterThan(0);
		expect(unfinished.filter((item) => item.leaseOwner?.S !== undefined)).toEqual([]);
	}, 30_000);
});
