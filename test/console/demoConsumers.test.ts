import {DescribeTableCommand} from '@aws-sdk/client-dynamodb';
import {GetMetricDataCommand, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch';
import {DescribeDeliveryStreamCommand} from '@aws-sdk/client-firehose';
import {DescribeApplicationCommand, ListApplicationsCommand} from '@aws-sdk/client-kinesis-analytics-v2';
import {DescribeStreamSummaryCommand, SplitShardCommand} from '@aws-sdk/client-kinesis';
import {ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand} from '@aws-sdk/client-lambda';
import {GetCommand, ScanCommand} from '@aws-sdk/lib-dynamodb';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readCoordination} from '../../source/console/checkpoints/coordination.js';
import {connect, type Connection} from '../../source/console/connect.js';
import {consumersOfKind, discoverConsumers, kindOf} from '../../source/console/consumers/index.js';
import {ensureStream} from '../../source/console/demo.js';
import {startDemoConsumer} from '../../source/console/demo/kcl/consumer.js';
import {startDemoFanOut} from '../../source/console/demo/fanOutConsumer.js';
import {startDemoFirehose} from '../../source/console/demo/firehoseReader.js';
import {startDemoFlink} from '../../source/console/demo/flinkApplication.js';
import {startDemoLambda} from '../../source/console/demo/lambdaMapping.js';
import {scanLeases} from '../../source/console/leases.js';
import {putRecords} from '../helpers/leaseTables.js';
import {eventually} from '../helpers/wait.js';

/**
 * The demo's consumers against the console's own engine (connect --local, as `--local --demo` runs
 * them), through the SDK: what each writes and publishes, and that each stops cleanly.
 */

const shardId = (n: number) => `shardId-${String(n).padStart(12, '0')}`;
let connection: Connection;
let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}`;

beforeAll(async () => {
	connection = await connect({local: true});
});
afterAll(async () => {
	await connection.close();
});

async function stream(shards: number): Promise<string> {
	const name = unique('clicks');
	await ensureStream(connection.kinesis, name, shards);
	return name;
}

describe('the KCL 3.x-format application', () => {
	it('keeps the lease table with its GSI, the worker metric stats and coordinator state tables, renewed like a 3.x worker', async () => {
		const name = await stream(2);
		const application = unique('enrichment');
		await putRecords(connection.kinesis, name, 2, 0, 50, 'a');
		await putRecords(connection.kinesis, name, 2, 1, 50, 'b');
		const app = startDemoConsumer(connection, {
			format: '3.x',
			stream: name,
			application,
			slowShards: [],
			pollMs: 100,
			renewEveryMs: 200,
			metricsEveryMs: 200,
			leaderHeartbeatMs: 200,
			checkpointEveryMs: 200,
		});
		const documents = connection.documents;
		const scan = async (table: string) => (await documents.send(new ScanCommand({TableName: table}))).Items ?? [];
		const leader = async () =>
			(await documents.send(new GetCommand({TableName: `${application}-CoordinatorState`, Key: {key: 'Leader'}}))).Item;
		try {
			await app.ready;
			const {Table: table} = await connection.dynamodb.send(new DescribeTableCommand({TableName: application}));
			expect(table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema, index.Projection?.ProjectionType])).toEqual([
				[
					'LeaseOwnerToLeaseKeyIndex',
					[
						{AttributeName: 'leaseOwner', KeyType: 'HASH'},
						{AttributeName: 'leaseKey', KeyType: 'RANGE'},
					],
					'KEYS_ONLY',
				],
			]);
			// Every lease held, read to the end of what was written, with its throughput written by the renewals.
			const leases = await eventually(
				async () => {
					const found = await scanLeases(documents, application);
					return (
						found.length === 2 &&
						found.every((lease) => /^\d+$/.test(lease.checkpoint ?? '') && lease.throughputKBps !== undefined) &&
						found
					);
				},
				{timeoutMs: 10_000, what: 'checkpointed leases with their throughput'},
			);
			expect(leases.map((lease) => lease.leaseOwner).sort()).toEqual([`${application}-worker-1`, `${application}-worker-2`]);
			// Workers' metric stats: wid, lut in epoch seconds, sts's CPU averages (newest last), opr.
			const stats = await eventually(async () => {
				const items = await scan(`${application}-WorkerMetricStats`);
				return items.length === 2 && items.every((item) => (item.sts as {C: number[]}).C.length >= 2) && items;
			});
			for (const item of stats) {
				expect(item).toMatchObject({wid: expect.stringMatching(/-worker-[12]$/), opr: {C: [100]}});
				expect(Math.abs((item.lut as number) - Date.now() / 1000)).toBeLessThan(30);
			}
			// The leader lock, renewed (a new record version each heartbeat), and the migration state after a 2.x→3.x migration.
			const lock = await leader();
			expect(lock).toMatchObject({ownerName: `${application}-worker-1`, leaseDuration: '120000'});
			await eventually(async () => (await leader())?.recordVersionNumber !== lock?.recordVersionNumber, {what: 'a heartbeat'});
			const migration = (await documents.send(new GetCommand({TableName: `${application}-CoordinatorState`, Key: {key: 'Migration3.0'}})))
				.Item;
			expect(migration).toMatchObject({
				cv: 'CLIENT_VERSION_3X',
				h: [{cv: 'CLIENT_VERSION_3X_WITH_ROLLBACK'}, {cv: 'CLIENT_VERSION_UPGRADE_FROM_2X'}, {cv: 'CLIENT_VERSION_INIT'}],
			});
			// As the console reads it.
			const coordination = await readCoordination(documents, application, table, [], leases);
			expect(coordination).toMatchObject({
				version: '3.x',
				leader: {owner: `${application}-worker-1`, released: false},
				leaseOwnerIndex: true,
			});
			expect(coordination.workerMetrics.map((worker) => worker.cpuPercent)).toEqual([expect.any(Number), expect.any(Number)]);
		} finally {
			await app.stop();
		}
		// Stopped: the leader lock is released (deleted, as the lock client does), and nothing is renewed any more.
		expect(await leader()).toBeUndefined();
		const counters = async () => (await scanLeases(documents, application)).map((lease) => lease.leaseCounter);
		const after = await counters();
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(await counters()).toEqual(after);
	});
});

describe('the Lambda-style mapping', () => {
	it('creates the mapping, falls behind on the hot shard with IteratorAge growing in the engine’s CloudWatch, pauses with the mapping, and stops', async () => {
		const name = await stream(2);
		const functionName = unique('to-warehouse');
		const mapping = startDemoLambda(connection, {
			stream: name,
			functionName,
			batchSize: 10,
			slowShards: [shardId(1)],
			slowInvocationMs: 500,
			stateEveryMs: 200,
			recordMetric: (metric) => connection.recordServiceMetric?.(metric),
		});
		try {
			await mapping.ready;
			const {EventSourceMappings: mappings} = await connection.lambda.send(
				new ListEventSourceMappingsCommand({FunctionName: functionName}),
			);
			expect(mappings?.map((found) => [found.EventSourceArn?.endsWith(`/${name}`), found.StartingPosition, found.BatchSize])).toEqual([
				[true, 'LATEST', 10],
			]);
			// Readers at LATEST on both shards, then a backlog on the hot one: 10 records a batch, a batch a second at most.
			await eventually(() => mapping.stats().shards.length === 2, {what: 'both shards read'});
			await putRecords(connection.kinesis, name, 2, 1, 120, 'hot');
			await putRecords(connection.kinesis, name, 2, 0, 5, 'cold');
			const ages = async () => {
				const nowMs = Date.now();
				const {MetricDataResults: results} = await connection.cloudwatch.send(
					new GetMetricDataCommand({
						MetricDataQueries: [
							{
								Id: 'age',
								MetricStat: {
									Metric: {Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Dimensions: [{Name: 'FunctionName', Value: functionName}]},
									Period: 1,
									Stat: 'Maximum',
								},
							},
						],
						StartTime: new Date(nowMs - 60_000),
						EndTime: new Date(nowMs + 1_000),
						ScanBy: 'TimestampAscending',
					}),
				);
				return results?.[0]?.Values ?? [];
			};
			// Each batch of the hot shard is older than the one before: its age grows.
			const grown = await eventually(
				async () => {
					const values = await ages();
					return values.length >= 4 && values.at(-1)! > values[0]! + 1_000 && values;
				},
				{timeoutMs: 10_000, what: 'IteratorAge to grow'},
			);
			expect(grown.at(-1)).toBeGreaterThan(1_000);
			// Only the console's own engine records it, in-process: a client may not publish a service's metrics.
			await expect(
				connection.cloudwatch.send(
					new PutMetricDataCommand({
						Namespace: 'AWS/Lambda',
						MetricData: [{MetricName: 'IteratorAge', Value: 1, Dimensions: [{Name: 'FunctionName', Value: functionName}]}],
					}),
				),
			).rejects.toMatchObject({
				name: 'InvalidParameterValueException',
				message: 'The value AWS/Lambda for parameter Namespace is invalid.',
			});
			const hot = mapping.stats().shards.find((shard) => shard.shardId === shardId(1));
			expect(hot?.millisBehindLatest).toBeGreaterThan(0);
			// The console finds the mapping and its lag.
			const found = consumersOfKind(await discoverConsumers(connection, name, {target: connection.target}), 'lambda');
			expect(found.map((consumer) => [consumer.name, consumer.state, (consumer.lagMs ?? 0) > 1_000])).toEqual([
				[functionName, 'Enabled', true],
			]);

			// Paused (Enabled false), it reads nothing more.
			await connection.lambda.send(new UpdateEventSourceMappingCommand({UUID: found[0]?.uuid, Enabled: false}));
			await eventually(
				async () => (await discoverConsumers(connection, name)).consumers.some((c) => c.kind === 'lambda' && c.state === 'Disabled'),
				{
					what: 'Disabled',
				},
			);
			await new Promise((resolve) => setTimeout(resolve, 1_500));
			const paused = mapping.stats().shards.find((shard) => shard.shardId === shardId(1))?.processed;
			await new Promise((resolve) => setTimeout(resolve, 1_500));
			expect(mapping.stats().shards.find((shard) => shard.shardId === shardId(1))?.processed).toBe(paused);
		} finally {
			await mapping.stop();
		}
	});
});

describe('the enhanced fan-out consumer', () => {
	it('registers, receives every shard’s records pushed through SubscribeToShard, and stops', async () => {
		const name = await stream(2);
		const consumerName = unique('live');
		const consumer = startDemoFanOut(connection, {stream: name, consumerName});
		try {
			await consumer.ready;
			await eventually(() => consumer.stats().shards.length === 2, {what: 'both shards subscribed'});
			await putRecords(connection.kinesis, name, 2, 0, 7, 'a');
			await putRecords(connection.kinesis, name, 2, 1, 9, 'b');
			const shards = await eventually(() => {
				const seen = consumer.stats().shards;
				return seen.map((shard) => shard.processed).join() === '7,9' && seen;
			});
			expect(shards.map((shard) => shard.millisBehindLatest)).toEqual([0, 0]);
			const found = consumersOfKind(await discoverConsumers(connection, name), 'efo');
			expect(found.map((fanOut) => [fanOut.name, fanOut.status])).toEqual([[consumerName, 'ACTIVE']]);
		} finally {
			await consumer.stop();
		}
	});
});

describe('the Firehose-style reader', () => {
	it('creates the delivery stream on the engine, reads every shard and publishes its AWS/Firehose metrics, and stops', async () => {
		const name = await stream(2);
		const deliveryStreamName = unique('archive');
		const {firehose} = connection;
		const reader = startDemoFirehose(connection, {
			stream: name,
			deliveryStreamName,
			recordMetric: (metric) => connection.recordServiceMetric?.(metric),
		});
		try {
			await reader.ready;
			const {DeliveryStreamDescription: description} = await firehose.send(
				new DescribeDeliveryStreamCommand({DeliveryStreamName: deliveryStreamName}),
			);
			expect(description?.Source?.KinesisStreamSourceDescription?.KinesisStreamARN).toMatch(new RegExp(`:stream/${name}$`));
			await eventually(() => reader.stats().shards.length === 2, {what: 'both shards read'});
			await putRecords(connection.kinesis, name, 2, 0, 11, 'a');
			await putRecords(connection.kinesis, name, 2, 1, 13, 'b');
			await eventually(
				() =>
					reader
						.stats()
						.shards.map((shard) => shard.processed)
						.join() === '11,13',
				{what: 'every record read'},
			);
			const nowMs = Date.now();
			const query = (id: string, metricName: string, stat: string) => ({
				Id: id,
				MetricStat: {
					Metric: {
						Namespace: 'AWS/Firehose',
						MetricName: metricName,
						Dimensions: [{Name: 'DeliveryStreamName', Value: deliveryStreamName}],
					},
					Period: 60,
					Stat: stat,
				},
			});
			const {MetricDataResults: results} = await connection.cloudwatch.send(
				new GetMetricDataCommand({
					MetricDataQueries: [
						query('records', 'DataReadFromKinesisStream.Records', 'Sum'),
						query('bytes', 'DataReadFromKinesisStream.Bytes', 'Sum'),
						query('behind', 'KinesisMillisBehindLatest', 'Maximum'),
					],
					StartTime: new Date(nowMs - 120_000),
					EndTime: new Date(nowMs + 60_000),
				}),
			);
			const sum = (id: string) => (results?.find((result) => result.Id === id)?.Values ?? []).reduce((total, value) => total + value, 0);
			expect(sum('records')).toBe(24);
			// putRecords writes 'a-0' … 'a-10' and 'b-0' … 'b-12': 3 bytes each up to -9, then 4.
			expect(sum('bytes')).toBe(10 * 3 + 4 + (10 * 3 + 3 * 4));
			expect(results?.find((result) => result.Id === 'behind')?.Values?.length).toBeGreaterThan(0);
		} finally {
			await reader.stop();
		}
	});
});

describe('the Managed Flink application', () => {
	it('is made and started on the engine, naming the stream, and shown STOPPED because the engine runs no application', async () => {
		const name = await stream(1);
		const application = unique('sessions');
		const demo = startDemoFlink(connection, {stream: name, application});
		await demo.ready;
		const {ApplicationDetail: detail} = await connection.flink.send(new DescribeApplicationCommand({ApplicationName: application}));
		expect(detail?.ApplicationStatus).toMatch(/^(STARTING|RUNNING)$/);
		const found = await discoverConsumers(connection, name, {discover: false, target: {kind: 'local'}});
		const [app] = consumersOfKind(found, 'flink');
		expect(app).toMatchObject({name: application});
		if (!app) throw new Error('missing');
		expect(kindOf(app).health(app).reading).toBe(false);
		// Made once: a second demo on the same engine finds it and leaves it running.
		const again = startDemoFlink(connection, {stream: name, application});
		await again.ready;
		await Promise.all([demo.stop(), again.stop()]);
		const {ApplicationSummaries: listed} = await connection.flink.send(new ListApplicationsCommand({}));
		expect(listed?.filter((summary) => summary.ApplicationName === application)).toHaveLength(1);
	});
});

describe('a reader of every shard', () => {
	it('reads a split shard’s children once the parent is read to its end', async () => {
		const name = await stream(1);
		const reader = startDemoFirehose(connection, {
			stream: name,
			deliveryStreamName: unique('split'),
			recordMetric: (metric) => connection.recordServiceMetric?.(metric),
		});
		try {
			await reader.ready;
			await eventually(() => reader.stats().shards.length === 1, {what: 'the shard read'});
			await putRecords(connection.kinesis, name, 1, 0, 5, 'before');
			await connection.kinesis.send(
				new SplitShardCommand({StreamName: name, ShardToSplit: shardId(0), NewStartingHashKey: (2n ** 127n).toString()}),
			);
			await eventually(
				async () =>
					(await connection.kinesis.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary?.StreamStatus ===
					'ACTIVE',
				{timeoutMs: 10_000, what: 'the split'},
			);
			await putRecords(connection.kinesis, name, 2, 0, 3, 'low');
			await putRecords(connection.kinesis, name, 2, 1, 4, 'high');
			const shards = await eventually(
				() => {
					const seen = reader.stats().shards;
					return (
						seen.map((shard) => `${shard.shardId}:${shard.processed}`).join() === `${shardId(0)}:5,${shardId(1)}:3,${shardId(2)}:4` && seen
					);
				},
				{timeoutMs: 10_000, what: 'the children read', last: () => reader.stats().shards},
			);
			expect(shards).toHaveLength(3);
		} finally {
			await reader.stop();
		}
	});
});
