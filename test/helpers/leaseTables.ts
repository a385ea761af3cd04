import {
	CreateTableCommand,
	DescribeTableCommand,
	DynamoDBClient,
	PutItemCommand,
	UpdateItemCommand,
	type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	PutRecordsCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {credentials} from './engine.js';

/** Test helpers for KCL-shaped lease tables on the engine, written with the low-level client as a KCL worker writes them. */

export function dynamoClient(url: string): DynamoDBClient {
	return new DynamoDBClient({endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1});
}

const S = (value: string): AttributeValue => ({S: value});
const N = (value: number): AttributeValue => ({N: String(value)});

/**
 * A lease table (or, with another hash key, a KCL 3.0 legacy table: `wid` for `<app>-WorkerMetricStats`,
 * `key` for `<app>-CoordinatorState`). `leaseOwnerIndex`: the GSI a KCL 3.x worker adds
 * (DynamoDBLeaseRefresher: LeaseOwnerToLeaseKeyIndex, hash leaseOwner, range leaseKey, keys only).
 */
export async function createLeaseTable(
	dynamo: DynamoDBClient,
	name: string,
	hashKey = 'leaseKey',
	options: {readonly leaseOwnerIndex?: boolean} = {},
): Promise<void> {
	await dynamo.send(
		new CreateTableCommand({
			TableName: name,
			KeySchema: [{AttributeName: hashKey, KeyType: 'HASH'}],
			AttributeDefinitions: [
				{AttributeName: hashKey, AttributeType: 'S'},
				...(options.leaseOwnerIndex ? [{AttributeName: 'leaseOwner', AttributeType: 'S' as const}] : []),
			],
			...(options.leaseOwnerIndex
				? {
						GlobalSecondaryIndexes: [
							{
								IndexName: 'LeaseOwnerToLeaseKeyIndex',
								KeySchema: [
									{AttributeName: 'leaseOwner', KeyType: 'HASH' as const},
									{AttributeName: hashKey, KeyType: 'RANGE' as const},
								],
								Projection: {ProjectionType: 'KEYS_ONLY' as const},
							},
						],
					}
				: {}),
			BillingMode: 'PAY_PER_REQUEST',
		}),
	);
	// As a KCL worker does: a table is written only once ACTIVE. Even with no delay configured, the
	// embedded DynamoDB turns it ACTIVE on a timer, which a busy event loop may run after the next request.
	for (let attempt = 0; ; attempt++) {
		const {Table} = await dynamo.send(new DescribeTableCommand({TableName: name}));
		if (Table?.TableStatus === 'ACTIVE') return;
		if (attempt >= 200) throw new Error(`the lease table ${name} did not become ACTIVE`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

export interface LeaseFields {
	readonly checkpoint?: string | undefined;
	readonly owner?: string | undefined;
	readonly counter?: number | undefined;
	readonly parents?: readonly string[] | undefined;
	readonly subSequence?: number | undefined;
	/** Multi-stream leases: the stream identifier attribute. */
	readonly streamName?: string | undefined;
	readonly shardId?: string | undefined;
	readonly children?: readonly string[] | undefined;
	readonly hashKeyRange?: readonly [string, string] | undefined;
	/** KCL 3.x: written with each renewal. */
	readonly throughputKBps?: number | undefined;
	/** KCL 3.x: set by a graceful handoff to the previous owner. */
	readonly checkpointOwner?: string | undefined;
	/** KCL 3.x writes `entityType` LEASE on every lease. */
	readonly entityType?: boolean | undefined;
}

/** Writes a lease item as the KCL stores it. */
export async function putLease(dynamo: DynamoDBClient, table: string, leaseKey: string, fields: LeaseFields = {}): Promise<void> {
	await dynamo.send(
		new PutItemCommand({
			TableName: table,
			Item: {
				leaseKey: S(leaseKey),
				leaseCounter: N(fields.counter ?? 1),
				checkpoint: S(fields.checkpoint ?? 'TRIM_HORIZON'),
				checkpointSubSequenceNumber: N(fields.subSequence ?? 0),
				ownerSwitchesSinceCheckpoint: N(0),
				...(fields.owner === undefined ? {} : {leaseOwner: S(fields.owner)}),
				...(fields.parents && fields.parents.length > 0 ? {parentShardId: {SS: [...fields.parents]}} : {}),
				...(fields.streamName === undefined ? {} : {streamName: S(fields.streamName)}),
				...(fields.shardId === undefined ? {} : {shardId: S(fields.shardId)}),
				...(fields.children && fields.children.length > 0 ? {childShardIds: {SS: [...fields.children]}} : {}),
				...(fields.hashKeyRange === undefined
					? {}
					: {startingHashKey: S(fields.hashKeyRange[0]), endingHashKey: S(fields.hashKeyRange[1])}),
				...(fields.throughputKBps === undefined ? {} : {throughputKBps: N(fields.throughputKBps)}),
				...(fields.checkpointOwner === undefined ? {} : {checkpointOwner: S(fields.checkpointOwner)}),
				...(fields.entityType ? {entityType: S('LEASE')} : {}),
			},
		}),
	);
}

/**
 * Where KCL 3.x keeps its coordination items: the lease table (the single-table format: hash key
 * leaseKey, each item with its entityType) or KCL 3.0's own tables (`<app>-WorkerMetricStats` keyed
 * `wid`, `<app>-CoordinatorState` keyed `key`).
 */
export type CoordinationHome = {readonly table: string; readonly layout: 'single-table' | 'legacy'};

/** A worker's metric stats as WorkerMetricStatsDAO writes them: `lut` in epoch seconds, `sts` short name → recent averages. */
export async function putWorkerMetricStats(
	dynamo: DynamoDBClient,
	home: CoordinationHome,
	workerId: string,
	stats: {readonly cpu: readonly number[]; readonly network?: readonly number[]; readonly updatedSeconds?: number},
): Promise<void> {
	const list = (values: readonly number[]): AttributeValue => ({L: values.map(N)});
	await dynamo.send(
		new PutItemCommand({
			TableName: home.table,
			Item: {
				[home.layout === 'legacy' ? 'wid' : 'leaseKey']: S(workerId),
				lut: N(stats.updatedSeconds ?? Math.floor(Date.now() / 1000)),
				sts: {M: {C: list(stats.cpu), ...(stats.network ? {NI: list(stats.network)} : {})}},
				opr: {M: {C: {L: [N(100)]}}},
				entityType: S('WORKER_METRIC_STATS'),
			},
		}),
	);
}

/** The leader lock as the DynamoDB lock client writes it (LeaderLock.LEADER_HASH_KEY 'Leader'). */
export async function putLeaderLock(dynamo: DynamoDBClient, home: CoordinationHome, owner: string, released = false): Promise<void> {
	await dynamo.send(
		new PutItemCommand({
			TableName: home.table,
			Item: {
				[home.layout === 'legacy' ? 'key' : 'leaseKey']: S('Leader'),
				ownerName: S(owner),
				leaseDuration: S('20000'),
				recordVersionNumber: S('5d2c6a3e-0f7e-4c8a-9d3b-1f2e3a4b5c6d'),
				...(released ? {isReleased: S('1')} : {}),
				...(home.layout === 'single-table' ? {entityType: S('LEADER')} : {}),
			},
		}),
	);
}

/** The 2.x→3.x migration state as MigrationState writes it ('Migration3.0': cv, mb, mts in epoch ms, h). */
export async function putMigrationState(
	dynamo: DynamoDBClient,
	home: CoordinationHome,
	clientVersion: string,
	modifiedBy: string,
	modifiedMs: number,
): Promise<void> {
	await dynamo.send(
		new PutItemCommand({
			TableName: home.table,
			Item: {
				[home.layout === 'legacy' ? 'key' : 'leaseKey']: S('Migration3.0'),
				cv: S(clientVersion),
				mb: S(modifiedBy),
				mts: N(modifiedMs),
				h: {L: []},
				entityType: S('CLIENT_VERSION_MIGRATION'),
			},
		}),
	);
}

/** A worker's checkpoint: conditional on its owner and counter, bumping the counter (as the KCL's checkpointer). */
export async function workerCheckpoint(
	dynamo: DynamoDBClient,
	table: string,
	leaseKey: string,
	owner: string,
	counter: number,
	sequenceNumber: string,
): Promise<void> {
	await dynamo.send(
		new UpdateItemCommand({
			TableName: table,
			Key: {leaseKey: S(leaseKey)},
			UpdateExpression: 'SET checkpoint = :cp, checkpointSubSequenceNumber = :zero, leaseCounter = leaseCounter + :one',
			ConditionExpression: 'leaseOwner = :owner AND leaseCounter = :counter',
			ExpressionAttributeValues: {':cp': S(sequenceNumber), ':zero': N(0), ':one': N(1), ':owner': S(owner), ':counter': N(counter)},
		}),
	);
}

/** A worker's renewal: bumps the counter. */
export async function renewLease(dynamo: DynamoDBClient, table: string, leaseKey: string): Promise<void> {
	await dynamo.send(
		new UpdateItemCommand({
			TableName: table,
			Key: {leaseKey: S(leaseKey)},
			UpdateExpression: 'SET leaseCounter = leaseCounter + :one',
			ExpressionAttributeValues: {':one': N(1)},
		}),
	);
}

export async function createStream(
	kinesis: KinesisClient,
	name: string,
	shards: number,
): Promise<{arn: string; account: string; epoch: number}> {
	await kinesis.send(new CreateStreamCommand({StreamName: name, ShardCount: shards}));
	const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: name}));
	const arn = summary?.StreamARN ?? '';
	return {arn, account: arn.split(':')[4] ?? '', epoch: Math.floor((summary?.StreamCreationTimestamp?.getTime() ?? 0) / 1000)};
}

/** Writes `count` records into the shard of an evenly split stream, in order; returns their sequence numbers. */
export async function putRecords(
	kinesis: KinesisClient,
	stream: string,
	shards: number,
	shard: number,
	count: number,
	tag = 'r',
): Promise<string[]> {
	const hashKey = (((1n << 128n) / BigInt(shards)) * BigInt(shard) + 1n).toString();
	const sequences: string[] = [];
	for (let start = 0; start < count; start += 500) {
		const size = Math.min(500, count - start);
		const response = await kinesis.send(
			new PutRecordsCommand({
				StreamName: stream,
				Records: Array.from({length: size}, (_, index) => ({
					PartitionKey: `${tag}-${start + index}`,
					ExplicitHashKey: hashKey,
					Data: Buffer.from(`${tag}-${start + index}`),
				})),
			}),
		);
		sequences.push(...(response.Records ?? []).map((record) => record.SequenceNumber ?? ''));
	}
	return sequences;
}

/** The arrival times of a shard's records, by sequence number. */
export async function arrivals(kinesis: KinesisClient, stream: string, shardId: string): Promise<Map<string, number>> {
	const {ShardIterator} = await kinesis.send(
		new GetShardIteratorCommand({StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON'}),
	);
	const {Records} = await kinesis.send(new GetRecordsCommand({ShardIterator, Limit: 10_000}));
	return new Map((Records ?? []).map((record) => [record.SequenceNumber ?? '', record.ApproximateArrivalTimestamp?.getTime() ?? 0]));
}
