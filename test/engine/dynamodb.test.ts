import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	ConditionalCheckFailedException,
	CreateTableCommand,
	DescribeTableCommand,
	DynamoDBClient,
	DynamoDBServiceException,
	GetItemCommand,
	ListTablesCommand,
	PutItemCommand,
	ScanCommand,
	UpdateItemCommand,
	type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import {DescribeStreamCommand, PutRecordCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {NodeHttp2Handler} from '@smithy/node-http-handler';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {createStream, errorOf, rawRequest} from './support.js';

const APPLICATION = 'orders-consumer';
const STREAM = 'orders';

function dynamoClient(url: string, transport: 'http1' | 'http2' = 'http1'): DynamoDBClient {
	// The SDK's DynamoDB client uses HTTP/1.1 by default.
	return new DynamoDBClient({
		endpoint: url,
		region: 'us-east-1',
		credentials,
		maxAttempts: 1,
		...(transport === 'http2' ? {requestHandler: new NodeHttp2Handler({})} : {}),
	});
}

async function failure(call: Promise<unknown>): Promise<DynamoDBServiceException> {
	try {
		await call;
	} catch (error) {
		if (error instanceof DynamoDBServiceException) return error;
		throw error;
	}
	return expect.fail('expected the call to fail, but it succeeded');
}

const S = (value: string): AttributeValue => ({S: value});
const N = (value: number): AttributeValue => ({N: String(value)});

describe('KCL lease tables on the engine port', () => {
	const dataDir = mkdtempSync(join(tmpdir(), 'engine-dynamodb-'));
	let engine: Engine;
	let dynamo: DynamoDBClient;
	let kinesis: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine({dataDir});
		dynamo = dynamoClient(engine.url);
		kinesis = kinesisClient(engine.url);
	});
	afterAll(async () => {
		dynamo.destroy();
		kinesis.destroy();
		await engine.close();
		rmSync(dataDir, {recursive: true, force: true});
	});

	/** Takes a lease the way a KCL worker does: only at the counter it last saw, bumping the counter. */
	const takeLease = (shardId: string, owner: string, counter: number) =>
		dynamo.send(
			new UpdateItemCommand({
				TableName: APPLICATION,
				Key: {leaseKey: S(shardId)},
				UpdateExpression:
					'SET leaseOwner = :owner, leaseCounter = leaseCounter + :one, ownerSwitchesSinceCheckpoint = ownerSwitchesSinceCheckpoint + :one',
				ConditionExpression: 'leaseCounter = :counter',
				ExpressionAttributeValues: {':owner': S(owner), ':one': N(1), ':counter': N(counter)},
				ReturnValues: 'ALL_NEW',
			}),
		);
	/** Checkpoints as KCL does, with the legacy Expected conditions on owner and counter. */
	const checkpoint = (shardId: string, owner: string, counter: number, sequenceNumber: string) =>
		dynamo.send(
			new UpdateItemCommand({
				TableName: APPLICATION,
				Key: {leaseKey: S(shardId)},
				Expected: {leaseOwner: {Value: S(owner)}, leaseCounter: {Value: N(counter)}},
				AttributeUpdates: {
					checkpoint: {Action: 'PUT', Value: S(sequenceNumber)},
					checkpointSubSequenceNumber: {Action: 'PUT', Value: N(0)},
					ownerSwitchesSinceCheckpoint: {Action: 'PUT', Value: N(0)},
					leaseCounter: {Action: 'ADD', Value: N(1)},
				},
				ReturnValues: 'ALL_NEW',
			}),
		);

	it('creates a lease table, takes leases, checkpoints with conditional writes and scans, beside Kinesis on one port', async () => {
		const shards = await createStream(kinesis, STREAM, 2);
		const shardIds = shards.map((shard) => shard.ShardId ?? '');

		const created = await dynamo.send(
			new CreateTableCommand({
				TableName: APPLICATION,
				KeySchema: [{AttributeName: 'leaseKey', KeyType: 'HASH'}],
				AttributeDefinitions: [{AttributeName: 'leaseKey', AttributeType: 'S'}],
				BillingMode: 'PAY_PER_REQUEST',
			}),
		);
		expect(created.TableDescription?.TableName).toBe(APPLICATION);
		let status = created.TableDescription?.TableStatus;
		for (let attempt = 0; status !== 'ACTIVE' && attempt < 50; attempt++) {
			await new Promise((resolve) => setTimeout(resolve, 10));
			status = (await dynamo.send(new DescribeTableCommand({TableName: APPLICATION}))).Table?.TableStatus;
		}
		expect(status).toBe('ACTIVE');

		// The leader creates one lease per shard, only where none exists.
		for (const shardId of shardIds) {
			await dynamo.send(
				new PutItemCommand({
					TableName: APPLICATION,
					Item: {
						leaseKey: S(shardId),
						checkpoint: S('TRIM_HORIZON'),
						checkpointSubSequenceNumber: N(0),
						leaseCounter: N(0),
						ownerSwitchesSinceCheckpoint: N(0),
					},
					ConditionExpression: 'attribute_not_exists(leaseKey)',
				}),
			);
		}
		const duplicate = await failure(
			dynamo.send(
				new PutItemCommand({
					TableName: APPLICATION,
					Item: {leaseKey: S(shardIds[0] ?? ''), leaseCounter: N(0)},
					ConditionExpression: 'attribute_not_exists(leaseKey)',
				}),
			),
		);
		expect(duplicate).toBeInstanceOf(ConditionalCheckFailedException);
		expect(duplicate.name).toBe('ConditionalCheckFailedException');
		expect(duplicate.$metadata.httpStatusCode).toBe(400);

		const [shard0 = '', shard1 = ''] = shardIds;
		const taken = await takeLease(shard0, 'worker-a', 0);
		expect(taken.Attributes).toMatchObject({leaseOwner: S('worker-a'), leaseCounter: N(1), ownerSwitchesSinceCheckpoint: N(1)});
		await takeLease(shard1, 'worker-b', 0);
		// A worker that read the counter before worker-a took the lease loses the race.
		expect((await failure(takeLease(shard0, 'worker-b', 0))).name).toBe('ConditionalCheckFailedException');

		const {SequenceNumber} = await kinesis.send(
			new PutRecordCommand({StreamName: STREAM, PartitionKey: 'order-1', Data: Buffer.from('{}'), ExplicitHashKey: '0'}),
		);
		const checkpointed = await checkpoint(shard0, 'worker-a', 1, SequenceNumber ?? '');
		expect(checkpointed.Attributes).toMatchObject({
			checkpoint: S(SequenceNumber ?? ''),
			leaseCounter: N(2),
			ownerSwitchesSinceCheckpoint: N(0),
		});
		// A checkpoint at a stale counter, or by a worker that lost the lease, is refused.
		expect((await failure(checkpoint(shard0, 'worker-a', 1, '1'))).name).toBe('ConditionalCheckFailedException');
		expect((await failure(checkpoint(shard0, 'worker-b', 2, '1'))).name).toBe('ConditionalCheckFailedException');

		const {Items} = await dynamo.send(new ScanCommand({TableName: APPLICATION, ConsistentRead: true}));
		const leases = Object.fromEntries(
			(Items ?? []).map((item) => [
				item.leaseKey?.S,
				{owner: item.leaseOwner?.S, checkpoint: item.checkpoint?.S, counter: item.leaseCounter?.N},
			]),
		);
		expect(leases).toEqual({
			[shard0]: {owner: 'worker-a', checkpoint: SequenceNumber, counter: '2'},
			[shard1]: {owner: 'worker-b', checkpoint: 'TRIM_HORIZON', counter: '1'},
		});

		// The same table over HTTP/2, as a client with the SDK's HTTP/2 handler sees it.
		const overHttp2 = dynamoClient(engine.url, 'http2');
		try {
			expect((await overHttp2.send(new ListTablesCommand({}))).TableNames).toContain(APPLICATION);
			const lease = await overHttp2.send(new GetItemCommand({TableName: APPLICATION, Key: {leaseKey: S(shard0)}, ConsistentRead: true}));
			expect(lease.Item?.checkpoint).toEqual(S(SequenceNumber ?? ''));
		} finally {
			overHttp2.destroy();
		}
	});

	it('keeps lease tables and streams across a restart with the same data directory', async () => {
		dynamo.destroy();
		kinesis.destroy();
		await engine.close();
		engine = await startEngine({dataDir});
		dynamo = dynamoClient(engine.url);
		kinesis = kinesisClient(engine.url);

		expect((await dynamo.send(new DescribeTableCommand({TableName: APPLICATION}))).Table?.TableStatus).toBe('ACTIVE');
		const {Items} = await dynamo.send(new ScanCommand({TableName: APPLICATION}));
		expect(Items?.map((item) => [item.leaseKey?.S, item.leaseOwner?.S, item.leaseCounter?.N]).sort()).toEqual([
			['shardId-000000000000', 'worker-a', '2'],
			['shardId-000000000001', 'worker-b', '1'],
		]);
		expect((await kinesis.send(new DescribeStreamCommand({StreamName: STREAM}))).StreamDescription?.StreamStatus).toBe('ACTIVE');
		// Leases go on from where they were.
		expect((await takeLease('shardId-000000000001', 'worker-a', 1)).Attributes?.leaseCounter).toEqual(N(2));
	});

	it("answers DynamoDB errors in DynamoDB's shape and checks signatures as for the other services", async () => {
		const missing = await failure(dynamo.send(new DescribeTableCommand({TableName: 'no-such-table'})));
		expect(missing.name).toBe('ResourceNotFoundException');
		const unsigned = await rawRequest(engine.url, 'http1', {
			target: 'DynamoDB_20120810.ListTables',
			headers: {authorization: undefined, 'content-type': 'application/x-amz-json-1.0'},
		});
		expect(unsigned.status).toBe(400);
		expect(errorOf(unsigned).type).toBe('MissingAuthenticationTokenException');
		const unknown = await rawRequest(engine.url, 'http2', {
			target: 'DynamoDB_20120810.NoSuchThing',
			headers: {'content-type': 'application/x-amz-json-1.0'},
		});
		expect(unknown.status).toBe(400);
		expect(String(errorOf(unknown).type)).toContain('UnknownOperationException');
	});
});

describe('lease tables in memory', () => {
	it('leaves a table CREATING for as long as asked, then ACTIVE', async () => {
		const engine = await startEngine({createTableMs: 150});
		const dynamo = dynamoClient(engine.url);
		try {
			const created = await dynamo.send(
				new CreateTableCommand({
					TableName: 'slow-table',
					KeySchema: [{AttributeName: 'leaseKey', KeyType: 'HASH'}],
					AttributeDefinitions: [{AttributeName: 'leaseKey', AttributeType: 'S'}],
					BillingMode: 'PAY_PER_REQUEST',
				}),
			);
			expect(created.TableDescription?.TableStatus).toBe('CREATING');
			expect((await dynamo.send(new DescribeTableCommand({TableName: 'slow-table'}))).Table?.TableStatus).toBe('CREATING');
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect((await dynamo.send(new DescribeTableCommand({TableName: 'slow-table'}))).Table?.TableStatus).toBe('ACTIVE');
		} finally {
			dynamo.destroy();
			await engine.close();
		}
	});
});
