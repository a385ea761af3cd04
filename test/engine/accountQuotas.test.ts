import {spawn} from 'node:child_process';
import {CloudWatchClient, GetMetricDataCommand} from '@aws-sdk/client-cloudwatch';
import {DynamoDBClient, ListTablesCommand} from '@aws-sdk/client-dynamodb';
import {
	CreateStreamCommand,
	DescribeLimitsCommand,
	type KinesisClient,
	ListStreamsCommand,
	PutRecordCommand,
	PutRecordsCommand,
	UpdateShardCountCommand,
	UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import {afterAll, describe, expect, it} from 'vitest';
import {credentials, kinesisClient} from '../helpers/engine.js';
import {cliPath, spawnEngine} from '../helpers/engineProcess.js';
import {ACCOUNT, FakeClock, arnOf, expectError, uniqueName, useEngine} from './support.js';

const shardLimitExceeded = (region: string, current: number, limit: number, additional: number) =>
	`This request would exceed the shard limit for the account ${ACCOUNT} in ${region}. Current shard count for the account: ${current}. Limit: ${limit}. ` +
	`Number of additional shards that would have resulted from this request: ${additional}. ` +
	'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.';

describe('account quotas as AWS sets them today', () => {
	const harness = useEngine('http2');
	const clients: KinesisClient[] = [];
	afterAll(() => {
		for (const client of clients) client.destroy();
	});
	const clientIn = (region: string) => {
		const client = kinesisClient(harness.url, 'http2', region);
		clients.push(client);
		return client;
	};

	it('holds 20,000 open shards per account in us-east-1, us-west-2 and eu-west-1, and 1,000 in other regions', async () => {
		for (const [region, limit] of [
			['us-east-1', 20_000],
			['us-west-2', 20_000],
			['eu-west-1', 20_000],
			['eu-central-1', 1_000],
			['ap-southeast-2', 1_000],
		] as const) {
			expect(await clientIn(region).send(new DescribeLimitsCommand({}))).toMatchObject({ShardLimit: limit, OpenShardCount: 0});
		}
		const sydney = clientIn('ap-southeast-2');
		await sydney.send(new CreateStreamCommand({StreamName: uniqueName('sydney'), ShardCount: 600}));
		await expectError(
			sydney.send(new CreateStreamCommand({StreamName: uniqueName('sydney'), ShardCount: 401})),
			'LimitExceededException',
			shardLimitExceeded('ap-southeast-2', 600, 1_000, 401),
		);
		await sydney.send(new CreateStreamCommand({StreamName: uniqueName('sydney'), ShardCount: 400}));
		expect(await sydney.send(new DescribeLimitsCommand({}))).toMatchObject({ShardLimit: 1_000, OpenShardCount: 1_000});
	});

	it('holds 50 ON_DEMAND streams per account and region: CreateStream and UpdateStreamMode are refused past them', async () => {
		const client = clientIn('sa-east-1');
		for (let index = 0; index < 50; index++) {
			await client.send(new CreateStreamCommand({StreamName: `on-demand-${index}`, StreamModeDetails: {StreamMode: 'ON_DEMAND'}}));
		}
		const refusal = `This request would exceed the on-demand stream limit for the account ${ACCOUNT} in sa-east-1. Current on-demand stream count for the account: 50. Limit: 50.`;
		await expectError(
			client.send(new CreateStreamCommand({StreamName: 'on-demand-50', StreamModeDetails: {StreamMode: 'ON_DEMAND'}})),
			'LimitExceededException',
			refusal,
		);
		await client.send(new CreateStreamCommand({StreamName: 'provisioned', ShardCount: 1}));
		await expectError(
			client.send(
				new UpdateStreamModeCommand({StreamARN: arnOf('provisioned', 'sa-east-1'), StreamModeDetails: {StreamMode: 'ON_DEMAND'}}),
			),
			'LimitExceededException',
			refusal,
		);
		expect(
			(await client.send(new ListStreamsCommand({}))).StreamSummaries?.filter(
				(summary) => summary.StreamModeDetails?.StreamMode === 'ON_DEMAND',
			),
		).toHaveLength(50);
		expect(await client.send(new DescribeLimitsCommand({}))).toMatchObject({
			OnDemandStreamCount: 50,
			OnDemandStreamCountLimit: 50,
			OpenShardCount: 50 * 4 + 1,
		});
	});

	it('refuses UpdateShardCount past 10,000 shards in a stream, and a scale-down of a larger stream that stays at 10,000 or more', async () => {
		const client = clientIn('us-west-2');
		await client.send(new CreateStreamCommand({StreamName: 'large', ShardCount: 6_000}));
		await expectError(
			client.send(new UpdateShardCountCommand({StreamName: 'large', TargetShardCount: 10_001, ScalingType: 'UNIFORM_SCALING'})),
			'LimitExceededException',
			'UpdateShardCount cannot scale up to more than 10000 shards in a stream. Current open shard count: 6000 Target shard count: 10001',
		);
		await client.send(new CreateStreamCommand({StreamName: 'huge', ShardCount: 10_002}));
		await expectError(
			client.send(new UpdateShardCountCommand({StreamName: 'huge', TargetShardCount: 10_000, ScalingType: 'UNIFORM_SCALING'})),
			'LimitExceededException',
			'UpdateShardCount cannot scale down a stream of more than 10000 shards unless the result is less than 10000 shards. Current open shard count: 10002 Target shard count: 10000',
		);
		expect(await client.send(new DescribeLimitsCommand({}))).toMatchObject({OpenShardCount: 16_002});
	});
});

describe('a raised shard quota: createEngine({shardLimit})', () => {
	const harness = useEngine('http2', {shardLimit: 40});

	it('holds that many open shards in every region', async () => {
		for (const region of ['us-east-1', 'ap-south-1']) {
			const client = kinesisClient(harness.url, 'http2', region);
			try {
				expect(await client.send(new DescribeLimitsCommand({}))).toMatchObject({ShardLimit: 40});
				await expectError(
					client.send(new CreateStreamCommand({StreamName: uniqueName('over'), ShardCount: 41})),
					'LimitExceededException',
					shardLimitExceeded(region, 0, 40, 41),
				);
			} finally {
				client.destroy();
			}
		}
	});
});

describe('kinesis-console engine --shard-limit', () => {
	it('sets the shard quota DescribeLimits reports', async () => {
		const engine = await spawnEngine(['--in-memory', '--shard-limit', '7']);
		const client = kinesisClient(engine.url);
		try {
			expect(await client.send(new DescribeLimitsCommand({}))).toMatchObject({ShardLimit: 7, OpenShardCount: 0});
		} finally {
			client.destroy();
			engine.child.kill('SIGTERM');
			await engine.exited;
		}
	});

	it.each(['many', '-3', '1.5', '1000001'])('refuses --shard-limit %s with a usage error', async (value) => {
		const child = spawn(process.execPath, [cliPath, 'engine', '--in-memory', '--port', '0', '--shard-limit', value], {
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
		expect({code, stderr}).toEqual({
			code: 2,
			stderr: `kinesis-console engine: --shard-limit must be a whole number from 0 to 1000000, not '${value}'.\nRun kinesis-console engine --help for usage.\n`,
		});
	});
});

describe('request counts', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {throughputLimits: true, now: clock.now});
	let cloudWatch: CloudWatchClient | undefined;
	afterAll(() => cloudWatch?.destroy());

	it('counts every request per region, service and operation, with the ones a quota refused, in the engine and in its CloudWatch', async () => {
		const stream = uniqueName('counted');
		await harness.client.send(new CreateStreamCommand({StreamName: stream, ShardCount: 1}));
		for (let index = 0; index < 7; index++) await harness.client.send(new ListStreamsCommand({})).catch(() => undefined);
		// The shard takes 1,000 records a second: two full PutRecords calls spend it, and the PutRecord after them is refused.
		const batch = Array.from({length: 500}, () => ({PartitionKey: 'k', Data: Buffer.from('x')}));
		for (let index = 0; index < 2; index++) await harness.client.send(new PutRecordsCommand({StreamName: stream, Records: batch}));
		await harness.client.send(new PutRecordCommand({StreamName: stream, PartitionKey: 'k', Data: Buffer.from('x')})).catch(() => undefined);
		const counts = harness.engine.requestCounts();
		expect(counts).toEqual(
			expect.arrayContaining([
				{region: 'us-east-1', service: 'Kinesis', operation: 'CreateStream', requests: 1, refused: 0},
				{region: 'us-east-1', service: 'Kinesis', operation: 'ListStreams', requests: 7, refused: 2},
				{region: 'us-east-1', service: 'Kinesis', operation: 'PutRecords', requests: 2, refused: 0},
				{region: 'us-east-1', service: 'Kinesis', operation: 'PutRecord', requests: 1, refused: 1},
			]),
		);

		cloudWatch = new CloudWatchClient({endpoint: harness.url, region: 'us-east-1', credentials, maxAttempts: 1});
		const metric = (name: string, operation: string) => ({
			Namespace: 'KinesisConsole/Engine',
			MetricName: name,
			Dimensions: [
				{Name: 'Service', Value: 'Kinesis'},
				{Name: 'Operation', Value: operation},
			],
		});
		const {MetricDataResults} = await cloudWatch.send(
			new GetMetricDataCommand({
				StartTime: new Date(clock.ms - 60_000),
				EndTime: new Date(clock.ms + 60_000),
				MetricDataQueries: [
					{Id: 'lists', MetricStat: {Metric: metric('Requests', 'ListStreams'), Period: 60, Stat: 'Sum'}},
					{Id: 'refusedLists', MetricStat: {Metric: metric('Refused', 'ListStreams'), Period: 60, Stat: 'Sum'}},
					{Id: 'puts', MetricStat: {Metric: metric('Refused', 'PutRecord'), Period: 60, Stat: 'Sum'}},
				],
			}),
		);
		const sums = Object.fromEntries(
			(MetricDataResults ?? []).map((result) => [result.Id, (result.Values ?? []).reduce((a, b) => a + b, 0)]),
		);
		expect(sums).toEqual({lists: 7, refusedLists: 2, puts: 1});

		// Every service on the port is counted, by the operation named in X-Amz-Target.
		const dynamo = new DynamoDBClient({endpoint: harness.url, region: 'eu-west-1', credentials, maxAttempts: 1});
		try {
			await dynamo.send(new ListTablesCommand({}));
		} finally {
			dynamo.destroy();
		}
		expect(harness.engine.requestCounts()).toEqual(
			expect.arrayContaining([
				{region: 'us-east-1', service: 'CloudWatch', operation: 'GetMetricData', requests: 1, refused: 0},
				{region: 'eu-west-1', service: 'DynamoDB', operation: 'ListTables', requests: 1, refused: 0},
			]),
		);
	});
});
