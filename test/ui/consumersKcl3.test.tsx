import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {consoleConsumerServices} from '../../source/ui/consumerServices.js';
import {renderRoute} from '../../source/ui/screens/index.js';
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
import {localTarget, renderApp, testServices, waitForFrame} from '../helpers/ui.js';
import {describeForTest} from '../helpers/wait.js';

/**
 * A KCL 3.x application (single-table format) in the console: the consumers screen names its KCL version
 * and leader; the checkpoints screen its leader and migration state, each worker's leases, throughput and
 * CPU, and the shard being handed over.
 */
describe('a KCL 3.x application in the console on the engine', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dynamo: DynamoDBClient;

	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		dynamo = dynamoClient(engine.url);
		await createStream(kinesis, 'clicks', 2);
		const sequences = await putRecords(kinesis, 'clicks', 2, 0, 10);
		await createLeaseTable(dynamo, 'clicks-app', 'leaseKey', {leaseOwnerIndex: true});
		const home = {table: 'clicks-app', layout: 'single-table' as const};
		await putLease(dynamo, 'clicks-app', 'shardId-000000000000', {
			checkpoint: sequences[3],
			owner: 'worker-1',
			counter: 5,
			throughputKBps: 250,
			entityType: true,
		});
		await putLease(dynamo, 'clicks-app', 'shardId-000000000001', {
			checkpoint: 'TRIM_HORIZON',
			owner: 'worker-2',
			checkpointOwner: 'worker-1',
			counter: 2,
			throughputKBps: 0.5,
			entityType: true,
		});
		await putWorkerMetricStats(dynamo, home, 'worker-1', {cpu: [55, 61]});
		await putWorkerMetricStats(dynamo, home, 'worker-2', {cpu: [7]});
		await putLeaderLock(dynamo, home, 'worker-2');
		await putMigrationState(dynamo, home, 'CLIENT_VERSION_3X', 'worker-2', Date.now());
	});
	afterAll(async () => {
		kinesis.destroy();
		dynamo.destroy();
		await engine.close();
	});

	it('shows the version, the leader, the migration state, each worker’s load and the handoff', async () => {
		const consumers = consoleConsumerServices({kinesis, dynamodb: dynamo, target: localTarget(engine.url)}, describeForTest, {
			readOnly: false,
			refreshMs: 300,
		});
		const app = renderApp(testServices(kinesis, engine.url, {consumers}), renderRoute, {
			initialRoute: {kind: 'consumers', stream: 'clicks'},
		});
		const list = await waitForFrame(app.lastFrame, (text) => text.includes('clicks-app'), 8000);
		expect(list).toMatch(/KCL +clicks-app +\S+ +1d +3\.x · 2 leases · 2 workers · matched by/);
		app.stdin.write('\r');
		const checkpoints = await waitForFrame(app.lastFrame, (text) => text.includes('handing off'), 8000);
		expect(checkpoints).toContain('worker-1 (1 lease, 250 KB/s, CPU 61%)');
		// The title line is cut at the terminal's width (100 columns here), as it is with many workers.
		expect(checkpoints).toContain('worker-2 (1 lease, 0.5 KB/');
		expect(checkpoints).toContain('KCL 3.x · leader worker-2 · migration CLIENT_VERSION_3X (3.x) · 2 workers reporting metrics');
		expect(checkpoints).toMatch(/shardId-000000000001 +worker-2 +2 +TRIM_HORIZON .*handing off/);
		app.unmount();
	});
});
