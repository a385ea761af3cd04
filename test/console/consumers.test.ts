import {RegisterStreamConsumerCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {consumersOfKind, discoverConsumers} from '../../source/console/consumers/index.js';
import {readCheckpoints} from '../../source/console/checkpoints/reading.js';
import {ConsoleError} from '../../source/console/failures.js';
import {leaseFromItem, parseLeaseKey} from '../../source/console/leases.js';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {createLeaseTable, createStream, dynamoClient, putLease, putRecords} from '../helpers/leaseTables.js';

const shardId = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

let engine: Engine;
let kinesis: KinesisClient;
let dynamo: DynamoDBClient;

beforeAll(async () => {
	engine = await startEngine({registerConsumerMs: 0});
	kinesis = kinesisClient(engine.url, 'http1');
	dynamo = dynamoClient(engine.url);
});
afterAll(async () => {
	kinesis.destroy();
	dynamo.destroy();
	await engine.close();
});

const clients = () => ({kinesis, dynamodb: dynamo});

describe('lease keys', () => {
	it('reads single-stream and multi-stream (KCL 2.x/3.x) keys', () => {
		expect(parseLeaseKey('shardId-000000000007')).toEqual({shardId: 'shardId-000000000007'});
		expect(parseLeaseKey('123456789012:orders:1714550400:shardId-000000000007')).toEqual({
			shardId: 'shardId-000000000007',
			stream: {account: '123456789012', stream: 'orders', creationEpoch: 1714550400},
		});
		expect(parseLeaseKey('not-a-lease')).toBeUndefined();
		expect(parseLeaseKey('a:b:c:shardId-1')).toBeUndefined();
		expect(
			leaseFromItem({
				leaseKey: 'shardId-000000000003',
				leaseCounter: 4,
				checkpoint: 'SHARD_END',
				parentShardId: new Set(['shardId-000000000001', 'shardId-000000000000']),
				leaseOwner: '',
			}),
		).toEqual({
			leaseKey: 'shardId-000000000003',
			shardId: 'shardId-000000000003',
			leaseCounter: 4,
			checkpoint: 'SHARD_END',
			parentShardIds: ['shardId-000000000000', 'shardId-000000000001'],
			childShardIds: [],
		});
	});
});

describe('discovering consumers', () => {
	it('finds KCL applications by their lease tables (single- and multi-stream) and the enhanced fan-out consumers', async () => {
		const orders = `orders-${process.pid}`;
		const payments = `payments-${process.pid}`;
		const ordersId = await createStream(kinesis, orders, 2);
		const paymentsId = await createStream(kinesis, payments, 2);
		const orderSequences = await putRecords(kinesis, orders, 2, 0, 3);
		const paymentSequences = await putRecords(kinesis, payments, 2, 0, 3);

		// A single-stream application of orders, confirmed by its checkpoint.
		await createLeaseTable(dynamo, 'orders-single');
		await putLease(dynamo, 'orders-single', shardId(0), {checkpoint: orderSequences[1], owner: 'host-a', counter: 7});
		await putLease(dynamo, 'orders-single', shardId(1), {checkpoint: 'TRIM_HORIZON'});
		// A single-stream application of payments: same shard ids, but its checkpoint is not from orders.
		await createLeaseTable(dynamo, 'payments-single');
		await putLease(dynamo, 'payments-single', shardId(0), {checkpoint: paymentSequences[2], owner: 'host-b'});
		// A multi-stream application of both, with a lease left from an earlier stream named orders.
		await createLeaseTable(dynamo, 'multi-app');
		const ordersKey = `${ordersId.account}:${orders}:${ordersId.epoch}`;
		const paymentsKey = `${paymentsId.account}:${payments}:${paymentsId.epoch}`;
		await putLease(dynamo, 'multi-app', `${ordersKey}:${shardId(0)}`, {
			checkpoint: orderSequences[2],
			owner: 'host-c',
			streamName: ordersKey,
			shardId: shardId(0),
		});
		await putLease(dynamo, 'multi-app', `${ordersKey}:${shardId(1)}`, {
			checkpoint: 'SHARD_END',
			owner: 'host-c',
			streamName: ordersKey,
			shardId: shardId(1),
		});
		await putLease(dynamo, 'multi-app', `${paymentsKey}:${shardId(0)}`, {owner: 'host-d', streamName: paymentsKey, shardId: shardId(0)});
		await putLease(dynamo, 'multi-app', `${ordersId.account}:${orders}:1000:${shardId(0)}`, {owner: 'host-old'});
		// Tables that are not lease tables: a KCL 3.x worker metrics table, an application's own table.
		await createLeaseTable(dynamo, 'multi-app-WorkerMetricStats', 'wid');
		await createLeaseTable(dynamo, 'orders-by-id', 'id');
		// An empty lease table matches no stream.
		await createLeaseTable(dynamo, 'idle-app');
		await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: ordersId.arn, ConsumerName: 'fraud-detector'}));

		const found = await discoverConsumers(clients(), orders);
		expect(found.problems).toEqual([]);
		expect(found.streamArn).toBe(ordersId.arn);
		expect(consumersOfKind(found, 'kcl')).toEqual([
			{
				kind: 'kcl',
				name: 'multi-app',
				tableStatus: 'ACTIVE',
				multiStream: true,
				matchedBy: 'stream-identifier',
				leases: 2,
				finished: 1,
				unowned: 0,
				workers: [{owner: 'host-c', leases: 2}],
				otherStreams: [payments],
				otherIncarnations: 1,
				// Its (empty) WorkerMetricStats table is no sign of a 3.x worker: nothing 3.x in its tables.
				version: '2.x',
				// Its open shard's checkpoint is at the tip, the other at SHARD_END.
				lagMs: 0,
				position: expect.stringMatching(/^shardId-000000000000=\d+\/0 shardId-000000000001=SHARD_END\/0$/),
			},
			expect.objectContaining({
				name: 'orders-single',
				multiStream: false,
				matchedBy: 'checkpoint',
				leases: 2,
				finished: 0,
				unowned: 1,
				workers: [{owner: 'host-a', leases: 1}],
			}),
		]);
		expect(consumersOfKind(found, 'efo')).toEqual([
			expect.objectContaining({
				name: 'fraud-detector',
				arn: expect.stringContaining('/consumer/fraud-detector:'),
				createdAt: expect.any(String),
				status: expect.any(String),
			}),
		]);

		const ofPayments = await discoverConsumers(clients(), payments);
		expect(consumersOfKind(ofPayments, 'kcl').map((application) => [application.name, application.matchedBy])).toEqual([
			['multi-app', 'stream-identifier'],
			['payments-single', 'checkpoint'],
		]);
		expect(consumersOfKind(ofPayments, 'efo')).toEqual([]);

		// Named: included whatever discovery says; a name that is no lease table is an error naming the ones there are.
		const named = await discoverConsumers(clients(), payments, {applications: ['idle-app'], discover: false});
		expect(named.consumers).toEqual([expect.objectContaining({kind: 'kcl', name: 'idle-app', matchedBy: 'named', leases: 0})]);
		const missing = await discoverConsumers(clients(), orders, {applications: ['no-such-app']}).catch((error: unknown) => error);
		expect(missing).toBeInstanceOf(ConsoleError);
		expect((missing as ConsoleError).failure).toMatchObject({
			kind: 'not-found',
			exitCode: 9,
			message: expect.stringContaining("There is no lease table 'no-such-app'"),
		});
		expect((missing as ConsoleError).failure.hint).toContain('Lease tables there: idle-app, multi-app, orders-single, payments-single.');
		const notLeases = await discoverConsumers(clients(), orders, {applications: ['orders-by-id']}).catch((error: unknown) => error);
		expect((notLeases as ConsoleError).failure).toMatchObject({
			kind: 'not-allowed',
			message: "The table 'orders-by-id' is not a KCL lease table: its hash key is id, not leaseKey.",
		});

		// The multi-stream application's checkpoints are this stream's only.
		const report = await readCheckpoints(clients(), orders, 'multi-app', {livenessMs: 0});
		expect(report).toMatchObject({multiStream: true, otherIncarnations: 1, summary: {leases: 2, finished: 1}});
		expect(report.shards.map((shard) => [shard.shardId, shard.leaseKey, shard.lag.state])).toEqual([
			[shardId(0), `${ordersKey}:${shardId(0)}`, 'caught-up'],
			[shardId(1), `${ordersKey}:${shardId(1)}`, 'shard-end'],
		]);
	});
});
