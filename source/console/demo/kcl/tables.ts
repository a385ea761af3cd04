import {CreateTableCommand, type CreateTableCommandInput, type DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {describeTable} from '../../leases.js';
import {LEASE_OWNER_INDEX} from '../../checkpoints/coordination.js';
import {sleep} from '../../aws/retry.js';

/** Which KCL's tables the demo application keeps. */
export type KclFormat = '2.x' | '3.x';

/**
 * The lease table as each KCL creates it (DynamoDBLeaseSerializer.getKeySchema: hash key `leaseKey`).
 * KCL 3.x adds the LeaseOwnerToLeaseKeyIndex GSI, hash `leaseOwner`, range `leaseKey`, keys only
 * (DynamoDBLeaseRefresher.createLeaseOwnerToLeaseKeyIndexIfNotExists), with which a worker finds its leases.
 */
export function leaseTableInput(table: string, format: KclFormat): CreateTableCommandInput {
	return {
		TableName: table,
		KeySchema: [{AttributeName: 'leaseKey', KeyType: 'HASH'}],
		AttributeDefinitions: [
			{AttributeName: 'leaseKey', AttributeType: 'S'},
			...(format === '3.x' ? [{AttributeName: 'leaseOwner', AttributeType: 'S' as const}] : []),
		],
		...(format === '3.x'
			? {
					GlobalSecondaryIndexes: [
						{
							IndexName: LEASE_OWNER_INDEX,
							KeySchema: [
								{AttributeName: 'leaseOwner', KeyType: 'HASH' as const},
								{AttributeName: 'leaseKey', KeyType: 'RANGE' as const},
							],
							Projection: {ProjectionType: 'KEYS_ONLY' as const},
						},
					],
				}
			: {}),
		BillingMode: 'PAY_PER_REQUEST',
	};
}

/** A table with one string hash key, as KCL 3.0 creates `<app>-WorkerMetricStats` (`wid`) and `<app>-CoordinatorState` (`key`). */
export function hashKeyTableInput(table: string, hashKey: string): CreateTableCommandInput {
	return {
		TableName: table,
		KeySchema: [{AttributeName: hashKey, KeyType: 'HASH'}],
		AttributeDefinitions: [{AttributeName: hashKey, AttributeType: 'S'}],
		BillingMode: 'PAY_PER_REQUEST',
	};
}

/** Creates the table unless it exists, and waits until it is ACTIVE (a KCL worker writes a table only then). */
export async function ensureTable(dynamodb: DynamoDBClient, input: CreateTableCommandInput, signal: AbortSignal): Promise<void> {
	const table = input.TableName ?? '';
	if ((await describeTable(dynamodb, table, signal)) === undefined) {
		try {
			await dynamodb.send(new CreateTableCommand(input), {abortSignal: signal});
		} catch (error) {
			if ((error as {name?: string}).name !== 'ResourceInUseException') throw error;
		}
	}
	const deadline = Date.now() + 60_000;
	while (!signal.aborted && (await describeTable(dynamodb, table, signal))?.TableStatus !== 'ACTIVE') {
		if (Date.now() > deadline) throw new Error(`The table ${table} did not become ACTIVE within 60 s.`);
		await sleep(100, signal);
	}
}
