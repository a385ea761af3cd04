import {GetItemCommand, QueryCommand, UpdateItemCommand, type DynamoDBClient} from '@aws-sdk/client-dynamodb';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {LeaseHold} from '../../source/console/leaseHold.js';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {createLeaseTable, dynamoClient, putLease, putLeaderLock, putMigrationState, putWorkerMetricStats} from '../helpers/leaseTables.js';

/**
 * Taking a KCL 3.x lease for a reset, against a lease table in the KCL's 3.x single-table format (the
 * LeaseOwnerToLeaseKeyIndex GSI, `entityType`, worker metric stats, the leader lock and the migration
 * state), with the KCL's own conditional writes made as awslabs/amazon-kinesis-client 3.x makes them.
 */

const APP = 'orders-kcl3';
const HOME = {table: APP, layout: 'single-table'} as const;
const shardId = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

let engine: Engine;
let dynamo: DynamoDBClient;
let kinesis: KinesisClient;

beforeAll(async () => {
	engine = await startEngine();
	dynamo = dynamoClient(engine.url);
	kinesis = kinesisClient(engine.url, 'http1');
	await createLeaseTable(dynamo, APP, 'leaseKey', {leaseOwnerIndex: true});
	await putLeaderLock(dynamo, HOME, 'worker-a');
	await putMigrationState(dynamo, HOME, 'CLIENT_VERSION_3X', 'worker-a', Date.now());
	await putWorkerMetricStats(dynamo, HOME, 'worker-a', {cpu: [40]});
	await putWorkerMetricStats(dynamo, HOME, 'worker-b', {cpu: [10]});
	// Shard 0 is being handed from worker-a to worker-b (initiateGracefulLeaseHandoff: leaseOwner B, checkpointOwner A); shard 1 is worker-a's.
	await putLease(dynamo, APP, shardId(0), {
		owner: 'worker-b',
		checkpointOwner: 'worker-a',
		counter: 5,
		entityType: true,
		checkpoint: '100',
	});
	await putLease(dynamo, APP, shardId(1), {owner: 'worker-a', counter: 9, entityType: true, checkpoint: '200'});
});
afterAll(async () => {
	dynamo.destroy();
	kinesis.destroy();
	await engine.close();
});

const S = (value: string) => ({S: value});
const N = (value: number) => ({N: String(value)});

async function leaseItem(leaseKey: string) {
	return (await dynamo.send(new GetItemCommand({TableName: APP, Key: {leaseKey: S(leaseKey)}, ConsistentRead: true}))).Item;
}

/** Whether a conditional write the KCL makes succeeds now. */
async function kclWrite(update: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName'>): Promise<'written' | 'refused'> {
	try {
		await dynamo.send(new UpdateItemCommand({TableName: APP, ...update}));
		return 'written';
	} catch (error) {
		if ((error as Error).name === 'ConditionalCheckFailedException') return 'refused';
		throw error;
	}
}

/** The leases a 3.x worker finds as its own (DynamoDBLeaseDiscoverer: a query of the GSI by leaseOwner). */
async function discovered(workerId: string): Promise<string[]> {
	const answer = await dynamo.send(
		new QueryCommand({
			TableName: APP,
			IndexName: 'LeaseOwnerToLeaseKeyIndex',
			KeyConditionExpression: 'leaseOwner = :owner',
			ExpressionAttributeValues: {':owner': S(workerId)},
		}),
	);
	return (answer.Items ?? []).map((item) => item.leaseKey?.S ?? '');
}

describe('taking a KCL 3.x lease', () => {
	it('takes it as a fresh assignment: the console owns it, checkpointOwner is gone, and the previous owners can no longer write', async () => {
		expect(await discovered('worker-b')).toEqual([shardId(0)]);
		const {hold, missed} = await LeaseHold.take({kinesis, dynamodb: dynamo}, APP, [shardId(0), shardId(1)], {renewEveryMs: 50});
		try {
			expect(missed).toEqual([]);
			const taken = await leaseItem(shardId(0));
			expect(taken?.leaseOwner?.S).toBe(hold.owner);
			expect(taken?.checkpointOwner).toBeUndefined();
			expect(taken?.ownerSwitchesSinceCheckpoint?.N).toBe('1');
			expect(Number(taken?.leaseCounter?.N)).toBeGreaterThan(5);

			// worker-a's renewal as DynamoDBLeaseRefresher.renewLease makes it with a handoff under way: it expects its counter only.
			expect(
				await kclWrite({
					Key: {leaseKey: S(shardId(0))},
					UpdateExpression: 'SET leaseCounter = leaseCounter + :one',
					ConditionExpression: 'leaseCounter = :counter',
					ExpressionAttributeValues: {':one': N(1), ':counter': N(5)},
				}),
			).toBe('refused');
			// On that failure it carries on only while the lease is still being handed over from it
			// (handleGracefulShutdown: ddbLease.shutdownRequested(), and the same actualOwner()): it is not.
			expect((await leaseItem(shardId(0)))?.checkpointOwner).toBeUndefined();
			// Its last checkpoint (updateLease: the counter) and its release of the lease (evictLease: leaseOwner B, checkpointOwner A).
			expect(
				await kclWrite({
					Key: {leaseKey: S(shardId(0))},
					UpdateExpression: 'SET checkpoint = :cp, leaseCounter = leaseCounter + :one',
					ConditionExpression: 'leaseCounter = :counter',
					ExpressionAttributeValues: {':cp': S('150'), ':one': N(1), ':counter': N(5)},
				}),
			).toBe('refused');
			expect(
				await kclWrite({
					Key: {leaseKey: S(shardId(0))},
					UpdateExpression: 'REMOVE checkpointOwner',
					ConditionExpression: 'leaseOwner = :next AND checkpointOwner = :previous',
					ExpressionAttributeValues: {':next': S('worker-b'), ':previous': S('worker-a')},
				}),
			).toBe('refused');
			// worker-b's discovery no longer finds it; nor does worker-a's find shard 1.
			expect(await discovered('worker-b')).toEqual([]);
			expect(await discovered('worker-a')).toEqual([]);
			expect((await leaseItem(shardId(0)))?.checkpoint?.S).toBe('100');
		} finally {
			await hold.release();
		}
	});

	it('is left alone by a 3.x leader while held: renewed (not expired), owned (not unassigned), and by no active worker (never balanced)', async () => {
		const {hold} = await LeaseHold.take({kinesis, dynamodb: dynamo}, APP, [shardId(1)], {renewEveryMs: 50});
		try {
			// The leader's two scans, a lease duration apart: LeaseAssignmentManager counts a lease expired when its counter did not move between them.
			const first = await leaseItem(shardId(1));
			await new Promise((resolve) => setTimeout(resolve, 300));
			const second = await leaseItem(shardId(1));
			const expired = second?.leaseCounter?.N === first?.leaseCounter?.N;
			// actualOwner(): checkpointOwner when set, else leaseOwner; null is an unassigned lease.
			const actualOwner = second?.checkpointOwner?.S ?? second?.leaseOwner?.S;
			expect({expired, unassigned: actualOwner === undefined}).toEqual({expired: false, unassigned: false});
			// The deciders move leases only from active workers: those with worker metric stats.
			expect(['worker-a', 'worker-b']).not.toContain(actualOwner);
			expect(actualOwner).toBe(hold.owner);
			// The assignment the leader would make from an earlier scan (assignLease: leaseOwner and checkpointOwner as it read them) is refused.
			expect(
				await kclWrite({
					Key: {leaseKey: S(shardId(1))},
					UpdateExpression: 'SET leaseOwner = :new, leaseCounter = leaseCounter + :one REMOVE checkpointOwner',
					ConditionExpression: 'leaseOwner = :old AND attribute_not_exists(checkpointOwner) AND attribute_exists(leaseKey)',
					ExpressionAttributeValues: {':new': S('worker-b'), ':old': S('worker-a'), ':one': N(1)},
				}),
			).toBe('refused');
		} finally {
			await hold.release();
		}
		// Given back unowned: the leader assigns it at its next run, first in order (an unassigned lease).
		const released = await leaseItem(shardId(1));
		expect(released?.leaseOwner).toBeUndefined();
		expect(released?.checkpointOwner).toBeUndefined();
		expect(released?.checkpoint?.S).toBe('200');
	});
});
