import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {GetItemCommand, UpdateItemCommand, type DynamoDBClient} from '@aws-sdk/client-dynamodb';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AuditLog} from '../../source/console/auditLog.js';
import type {ChangeProgress} from '../../source/console/changes.js';
import {planCheckpointReset} from '../../source/console/checkpoints/plan.js';
import {LeaseWatch, readCheckpoints} from '../../source/console/checkpoints/reading.js';
import {executeCheckpointReset, type CheckpointChangeContext, type CheckpointResetResult} from '../../source/console/checkpoints/write.js';
import {consumersOfKind, discoverConsumers} from '../../source/console/consumers/index.js';
import {documentsOf, leaseFromItem, looksLikeLease} from '../../source/console/leases.js';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {
	createLeaseTable,
	createStream,
	dynamoClient,
	putLease,
	putLeaderLock,
	putMigrationState,
	putRecords,
	putWorkerMetricStats,
} from '../helpers/leaseTables.js';

/**
 * KCL 3.x lease tables as the KCL writes them (3.x lease attributes, the LeaseOwnerToLeaseKeyIndex GSI,
 * worker metric stats, the leader lock and the migration state, in the lease table or in KCL 3.0's own
 * tables), and multi-stream applications: what discovery and the checkpoints read, and what resets write.
 */

const shardId = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

let engine: Engine;
let kinesis: KinesisClient;
let dynamo: DynamoDBClient;
let dir: string;
let audit: AuditLog;

beforeAll(async () => {
	engine = await startEngine();
	kinesis = kinesisClient(engine.url, 'http1');
	dynamo = dynamoClient(engine.url);
	dir = mkdtempSync(join(tmpdir(), 'kcl3-'));
	audit = new AuditLog(join(dir, 'audit.jsonl'));
});
afterAll(async () => {
	kinesis.destroy();
	dynamo.destroy();
	await engine.close();
	rmSync(dir, {recursive: true, force: true});
});

const clients = () => ({kinesis, dynamodb: dynamo});
const context = (): CheckpointChangeContext => ({
	kinesis,
	dynamodb: dynamo,
	audit,
	target: {
		kind: 'endpoint',
		region: 'us-east-1',
		endpoint: engine.url,
		endpoints: {kinesis: engine.url, cloudwatch: engine.url, dynamodb: engine.url},
	},
});
let names = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++names}`;

async function run(changes: AsyncGenerator<ChangeProgress<CheckpointResetResult>, CheckpointResetResult>): Promise<CheckpointResetResult> {
	let result: CheckpointResetResult | undefined;
	for await (const event of changes) if (event.type === 'done') result = event.result;
	if (!result) throw new Error('the reset did not end with done');
	return result;
}

async function item(table: string, key: string) {
	return (await dynamo.send(new GetItemCommand({TableName: table, Key: {leaseKey: {S: key}}, ConsistentRead: true}))).Item;
}

/** What DynamoDBLeaseRefresher.initiateGracefulLeaseHandoff writes: the next owner, the previous one as checkpointOwner, no counter bump. */
async function beginHandoff(table: string, key: string, from: string, to: string): Promise<void> {
	await dynamo.send(
		new UpdateItemCommand({
			TableName: table,
			Key: {leaseKey: {S: key}},
			UpdateExpression: 'SET leaseOwner = :to, checkpointOwner = :from',
			ConditionExpression: 'leaseOwner = :from AND attribute_not_exists(checkpointOwner)',
			ExpressionAttributeValues: {':to': {S: to}, ':from': {S: from}},
		}),
	);
}

describe('KCL 3.x lease items', () => {
	it('reads throughputKBps, checkpointOwner, child shards, hash ranges and pending checkpoints; other entity types are not leases', () => {
		const lease = {
			leaseKey: shardId(2),
			leaseCounter: 9,
			leaseOwner: 'worker-b',
			checkpoint: '49590338271490256608559692538361571095921575989136588898',
			checkpointSubSequenceNumber: 0,
			pendingCheckpoint: '49590338271490256608559692538361571095921575989136588899',
			pendingCheckpointSubSequenceNumber: 2,
			ownerSwitchesSinceCheckpoint: 1,
			childShardIds: new Set([shardId(5), shardId(4)]),
			startingHashKey: '0',
			endingHashKey: '170141183460469231731687303715884105727',
			throughputKBps: 12.5,
			checkpointOwner: 'worker-a',
			entityType: 'LEASE',
		};
		expect(looksLikeLease(lease)).toBe(true);
		expect(leaseFromItem(lease)).toMatchObject({
			shardId: shardId(2),
			pendingCheckpointSubSequenceNumber: 2,
			childShardIds: [shardId(4), shardId(5)],
			hashKeyRange: {startingHashKey: '0', endingHashKey: '170141183460469231731687303715884105727'},
			throughputKBps: 12.5,
			checkpointOwner: 'worker-a',
		});
		// The single-table format's worker metrics are keyed by worker id in leaseKey, with a leaseOwner-free shape.
		expect(looksLikeLease({leaseKey: 'worker-a', entityType: 'WORKER_METRIC_STATS', lut: 1, leaseCounter: 1})).toBe(false);
		expect(looksLikeLease({leaseKey: 'Leader', entityType: 'LEADER', ownerName: 'worker-a'})).toBe(false);
	});
});

describe('a KCL 3.x application', () => {
	it('single-table format: version, leader, migration, workers with throughput and CPU, a handoff, and only leases counted as leases', async () => {
		const stream = unique('orders');
		const table = unique('orders-app');
		await createStream(kinesis, stream, 3);
		const sequences = await putRecords(kinesis, stream, 3, 0, 5);
		await createLeaseTable(dynamo, table, 'leaseKey', {leaseOwnerIndex: true});
		const home = {table, layout: 'single-table' as const};
		await putLease(dynamo, table, shardId(0), {
			checkpoint: sequences[1],
			owner: 'worker-a',
			counter: 4,
			throughputKBps: 12.5,
			entityType: true,
		});
		await putLease(dynamo, table, shardId(1), {
			checkpoint: 'TRIM_HORIZON',
			owner: 'worker-b',
			checkpointOwner: 'worker-a',
			counter: 7,
			throughputKBps: 100,
			entityType: true,
		});
		await putLease(dynamo, table, shardId(2), {checkpoint: 'LATEST', counter: 2, entityType: true});
		await putWorkerMetricStats(dynamo, home, 'worker-a', {cpu: [30, 42.5], updatedSeconds: 1_764_000_000});
		await putWorkerMetricStats(dynamo, home, 'worker-b', {cpu: [-1]});
		await putLeaderLock(dynamo, home, 'worker-a');
		await putMigrationState(dynamo, home, 'CLIENT_VERSION_3X_WITH_ROLLBACK', 'worker-a', 1_764_000_000_000);

		const found = await discoverConsumers(clients(), stream, {applications: [table], discover: false});
		const [application] = consumersOfKind(found, 'kcl');
		expect(application).toMatchObject({
			name: table,
			leases: 3,
			unowned: 1,
			version: '3.x',
			leader: {owner: 'worker-a', leaseDurationMs: 20_000, released: false},
			migration: {clientVersion: 'CLIENT_VERSION_3X_WITH_ROLLBACK', modifiedBy: 'worker-a', modifiedAt: '2025-11-24T16:00:00.000Z'},
			reportingWorkers: 2,
			workers: [
				{owner: 'worker-a', leases: 1, throughputKBps: 12.5, cpuPercent: 42.5},
				{owner: 'worker-b', leases: 1, throughputKBps: 100},
			],
		});

		const report = await readCheckpoints(clients(), stream, table, {livenessMs: 0});
		expect(report.summary.leases).toBe(3);
		expect(report.kcl).toMatchObject({
			version: '3.x',
			leaseOwnerIndex: true,
			leader: {owner: 'worker-a'},
			migration: {clientVersion: 'CLIENT_VERSION_3X_WITH_ROLLBACK', meaning: '3.x, rollback still possible'},
			sources: [table],
		});
		expect(report.kcl?.workerMetrics).toEqual([
			{workerId: 'worker-a', updatedAt: '2025-11-24T16:00:00.000Z', cpuPercent: 42.5, metrics: {cpu: 42.5}},
			{workerId: 'worker-b', metrics: {}, updatedAt: expect.any(String)},
		]);
		expect(report.workers).toEqual([
			expect.objectContaining({
				owner: 'worker-a',
				leases: 1,
				throughputKBps: 12.5,
				cpuPercent: 42.5,
				metricsUpdatedAt: '2025-11-24T16:00:00.000Z',
			}),
			expect.objectContaining({owner: 'worker-b', leases: 1, throughputKBps: 100}),
		]);
		const [zero, one, two] = report.shards;
		expect(zero).toMatchObject({shardId: shardId(0), leaseOwner: 'worker-a', throughputKBps: 12.5, flags: []});
		expect(zero).not.toHaveProperty('checkpointOwner');
		expect(one).toMatchObject({shardId: shardId(1), leaseOwner: 'worker-b', checkpointOwner: 'worker-a', flags: ['handoff']});
		expect(one?.note).toBe('handed off: worker-a writes its last checkpoint, then worker-b reads on');
		expect(two).toMatchObject({shardId: shardId(2), holder: 'unowned', flags: ['not-held']});
	});

	it("KCL 3.0's own tables (<app>-CoordinatorState, <app>-WorkerMetricStats): an upgrade from 2.x in progress", async () => {
		const stream = unique('payments');
		const table = unique('payments-app');
		await createStream(kinesis, stream, 1);
		const sequences = await putRecords(kinesis, stream, 1, 0, 3);
		await createLeaseTable(dynamo, table);
		await createLeaseTable(dynamo, `${table}-CoordinatorState`, 'key');
		await createLeaseTable(dynamo, `${table}-WorkerMetricStats`, 'wid');
		await putLease(dynamo, table, shardId(0), {checkpoint: sequences[0], owner: 'host-1', counter: 3});
		await putLeaderLock(dynamo, {table: `${table}-CoordinatorState`, layout: 'legacy'}, 'host-1', true);
		await putMigrationState(dynamo, {table: `${table}-CoordinatorState`, layout: 'legacy'}, 'CLIENT_VERSION_UPGRADE_FROM_2X', 'host-1', 0);
		await putWorkerMetricStats(dynamo, {table: `${table}-WorkerMetricStats`, layout: 'legacy'}, 'host-1', {cpu: [12], network: [3.5]});

		// Discovery finds the lease table, not the two tables beside it (their hash keys are not leaseKey).
		const found = await discoverConsumers(clients(), stream);
		const applications = consumersOfKind(found, 'kcl');
		expect(applications.map((application) => application.name)).toEqual([table]);
		expect(applications[0]).toMatchObject({
			version: 'upgrading-to-3.x',
			leader: {owner: 'host-1', released: true},
			migration: {clientVersion: 'CLIENT_VERSION_UPGRADE_FROM_2X'},
			workers: [{owner: 'host-1', leases: 1, cpuPercent: 12}],
		});
		const report = await readCheckpoints(clients(), stream, table, {livenessMs: 0});
		expect(report.kcl).toMatchObject({
			version: 'upgrading-to-3.x',
			leaseOwnerIndex: false,
			sources: [`${table}-WorkerMetricStats`, `${table}-CoordinatorState`],
			workerMetrics: [{workerId: 'host-1', cpuPercent: 12, metrics: {cpu: 12, networkIn: 3.5}}],
		});
	});

	it('a 2.x table stays 2.x, with nothing added to what it has always shown', async () => {
		const stream = unique('plain');
		const table = unique('plain-app');
		await createStream(kinesis, stream, 1);
		await createLeaseTable(dynamo, table);
		await putLease(dynamo, table, shardId(0), {owner: 'w', counter: 2});
		const report = await readCheckpoints(clients(), stream, table, {livenessMs: 0});
		expect(report.kcl).toEqual({version: '2.x', workerMetrics: [], leaseOwnerIndex: false, sources: []});
		expect(report.workers).toEqual([{owner: 'w', leases: 1, live: undefined}]);
	});
});

describe('resets and KCL 3.x graceful handoffs', () => {
	it('a handoff under way is a plan problem; one whose worker is gone is reset, keeping checkpointOwner', async () => {
		const stream = unique('handoff');
		const table = unique('handoff-app');
		await createStream(kinesis, stream, 2);
		const sequences = await putRecords(kinesis, stream, 2, 0, 4);
		await createLeaseTable(dynamo, table, 'leaseKey', {leaseOwnerIndex: true});
		await putLease(dynamo, table, shardId(0), {
			checkpoint: sequences[2],
			owner: 'worker-b',
			checkpointOwner: 'worker-a',
			counter: 5,
			entityType: true,
		});
		await putLease(dynamo, table, shardId(1), {checkpoint: 'TRIM_HORIZON', counter: 1, entityType: true});

		// One read: the handoff may be under way.
		const plan = await planCheckpointReset(clients(), stream, table, {to: {type: 'TRIM_HORIZON'}}, {livenessMs: 0});
		expect(plan.problems).toEqual([
			expect.objectContaining({kind: 'in-use', message: expect.stringContaining(`${shardId(0)} (worker-a → worker-b)`)}),
		]);
		await expect(run(executeCheckpointReset(context(), plan))).rejects.toThrow(/graceful handoff/);
		expect((await item(table, shardId(0)))?.checkpoint?.S).toBe(sequences[2]);

		// Its counter has not moved for the liveness window: the previous owner is gone, the leader reassigns the lease.
		const watch = new LeaseWatch(1);
		await planCheckpointReset(clients(), stream, table, {to: {type: 'TRIM_HORIZON'}}, {watch});
		await new Promise((resolve) => setTimeout(resolve, 10));
		const stale = await planCheckpointReset(clients(), stream, table, {to: {type: 'TRIM_HORIZON'}}, {watch});
		expect(stale.problems).toEqual([]);
		expect(stale.shards[0]?.current).toMatchObject({checkpointOwner: 'worker-a', holder: 'stale'});
		const result = await run(executeCheckpointReset(context(), stale));
		expect(result.written.map((written) => written.shardId)).toEqual([shardId(0)]);
		const after = await item(table, shardId(0));
		expect(after).toMatchObject({checkpoint: {S: 'TRIM_HORIZON'}, checkpointOwner: {S: 'worker-a'}, leaseCounter: {N: '6'}});
	});

	it('a handoff begun after the plan leaves that shard unwritten and reported', async () => {
		const stream = unique('handoff-late');
		const table = unique('handoff-late-app');
		await createStream(kinesis, stream, 1);
		const sequences = await putRecords(kinesis, stream, 1, 0, 4);
		await createLeaseTable(dynamo, table);
		await putLease(dynamo, table, shardId(0), {checkpoint: sequences[3], owner: 'worker-a', counter: 5, entityType: true});
		const plan = await planCheckpointReset(clients(), stream, table, {to: {type: 'TRIM_HORIZON'}}, {livenessMs: 0});
		expect(plan.problems).toEqual([]);
		await beginHandoff(table, shardId(0), 'worker-a', 'worker-b');
		const result = await run(executeCheckpointReset(context(), plan, {livenessMs: 0}));
		expect(result.written).toEqual([]);
		expect(result.changedSincePlan).toEqual([
			expect.objectContaining({
				shardId: shardId(0),
				change: 'handoff',
				now: expect.objectContaining({leaseOwner: 'worker-b', checkpointOwner: 'worker-a'}),
			}),
		]);
		expect(result.replan?.problems.map((problem) => problem.kind)).toEqual(['in-use']);
		expect((await item(table, shardId(0)))?.checkpoint?.S).toBe(sequences[3]);
	});
});

describe('a multi-stream application', () => {
	it('is found for each of its streams, shows and resets only that stream, and keys new leases with the stream identifier', async () => {
		const orders = unique('ms-orders');
		const payments = unique('ms-payments');
		const table = unique('ms-app');
		const ordersId = await createStream(kinesis, orders, 2);
		const paymentsId = await createStream(kinesis, payments, 1);
		const orderSequences = await putRecords(kinesis, orders, 2, 0, 5);
		await createLeaseTable(dynamo, table, 'leaseKey', {leaseOwnerIndex: true});
		const ordersPrefix = `${ordersId.account}:${orders}:${ordersId.epoch}`;
		const paymentsPrefix = `${paymentsId.account}:${payments}:${paymentsId.epoch}`;
		// As DynamoDBMultiStreamLeaseSerializer writes them: the key, streamName (the identifier) and shardId.
		await putLease(dynamo, table, `${ordersPrefix}:${shardId(0)}`, {
			checkpoint: orderSequences[3],
			owner: 'worker-a',
			counter: 3,
			streamName: ordersPrefix,
			shardId: shardId(0),
			throughputKBps: 4,
			entityType: true,
		});
		await putLease(dynamo, table, `${paymentsPrefix}:${shardId(0)}`, {
			checkpoint: 'TRIM_HORIZON',
			owner: 'worker-a',
			counter: 3,
			streamName: paymentsPrefix,
			shardId: shardId(0),
			entityType: true,
		});
		await putLeaderLock(dynamo, {table, layout: 'single-table'}, 'worker-a');

		const found = consumersOfKind(await discoverConsumers(clients(), orders), 'kcl').find((application) => application.name === table);
		expect(found).toMatchObject({multiStream: true, matchedBy: 'stream-identifier', leases: 1, otherStreams: [payments], version: '3.x'});
		const forPayments = consumersOfKind(await discoverConsumers(clients(), payments), 'kcl').find(
			(application) => application.name === table,
		);
		expect(forPayments).toMatchObject({leases: 1, otherStreams: [orders]});

		const report = await readCheckpoints(clients(), orders, table, {livenessMs: 0});
		expect(report.multiStream).toBe(true);
		expect(report.shards.map((shard) => [shard.shardId, shard.leaseKey])).toEqual([
			[shardId(0), `${ordersPrefix}:${shardId(0)}`],
			[shardId(1), undefined],
		]);
		expect(report.kcl?.leader?.owner).toBe('worker-a');

		const plan = await planCheckpointReset(
			clients(),
			orders,
			table,
			{to: {type: 'TRIM_HORIZON'}, createMissingLeases: true},
			{livenessMs: 0},
		);
		expect(plan.streamIdentifier).toBe(ordersPrefix);
		expect(plan.shards.map((shard) => [shard.leaseKey, shard.action])).toEqual([
			[`${ordersPrefix}:${shardId(0)}`, 'reset'],
			[`${ordersPrefix}:${shardId(1)}`, 'create'],
		]);
		const result = await run(executeCheckpointReset(context(), plan));
		expect(result.written.map((written) => [written.shardId, written.action])).toEqual([
			[shardId(0), 'reset'],
			[shardId(1), 'create'],
		]);
		expect(await item(table, `${ordersPrefix}:${shardId(0)}`)).toMatchObject({checkpoint: {S: 'TRIM_HORIZON'}, throughputKBps: {N: '4'}});
		expect(await item(table, `${ordersPrefix}:${shardId(1)}`)).toMatchObject({
			checkpoint: {S: 'TRIM_HORIZON'},
			streamName: {S: ordersPrefix},
			shardId: {S: shardId(1)},
		});
		// The other stream's lease is untouched.
		expect(await item(table, `${paymentsPrefix}:${shardId(0)}`)).toMatchObject({checkpoint: {S: 'TRIM_HORIZON'}, leaseCounter: {N: '3'}});
		expect(await item(table, 'Leader')).toMatchObject({ownerName: {S: 'worker-a'}});
	});
});

describe('a KCL 2.x application, read again and again', () => {
	it("asks for KCL 3.0's own tables once a minute, not at every read, when they are not there", async () => {
		const stream = unique('plain');
		const table = unique('plain-app');
		await createStream(kinesis, stream, 1);
		await createLeaseTable(dynamo, table, 'leaseKey');
		await putLease(dynamo, table, shardId(0), {checkpoint: 'TRIM_HORIZON', owner: 'worker-a', counter: 1});
		const scanned: string[] = [];
		const counted = dynamoClient(engine.url);
		counted.middlewareStack.add(
			(next, context) => async (args) => {
				const input = args.input as {TableName?: string};
				if (context.commandName === 'ScanCommand' && input.TableName) scanned.push(input.TableName);
				return next(args);
			},
			{step: 'initialize', name: 'countScans'},
		);
		const reading = {kinesis, dynamodb: counted, documents: documentsOf({dynamodb: counted})};
		for (let read = 0; read < 3; read++) {
			const report = await readCheckpoints(reading, stream, table, {livenessMs: 0});
			expect(report.kcl?.version).toBe('2.x');
		}
		expect(scanned.filter((name) => name === table)).toHaveLength(3);
		expect(scanned.filter((name) => name === `${table}-WorkerMetricStats`)).toHaveLength(1);
		expect(scanned.filter((name) => name === `${table}-CoordinatorState`)).toHaveLength(1);
		counted.destroy();
	});
});
