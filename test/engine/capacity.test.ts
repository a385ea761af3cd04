import {
	CreateStreamCommand,
	DescribeLimitsCommand,
	DescribeStreamCommand,
	DescribeStreamSummaryCommand,
	DisableEnhancedMonitoringCommand,
	EnableEnhancedMonitoringCommand,
	GetRecordsCommand,
	IncreaseStreamRetentionPeriodCommand,
	type KinesisClient,
	ListStreamsCommand,
	MergeShardsCommand,
	type MetricsName,
	PutRecordCommand,
	PutRecordsCommand,
	SplitShardCommand,
	StartStreamEncryptionCommand,
	StopStreamEncryptionCommand,
	UpdateShardCountCommand,
	UpdateStreamModeCommand,
} from '@aws-sdk/client-kinesis';
import {afterAll, describe, expect, it} from 'vitest';
import {kinesisClient} from '../helpers/engine.js';
import {
	ACCOUNT,
	FakeClock,
	arnOf,
	createStream,
	expectError,
	iterator,
	readToEnd,
	text,
	transports,
	uniqueName,
	useEngine,
} from './support.js';
import {allShards, openShards, shardId} from './shardMaps.js';

const UPDATE_MS = 1_000;
const CREATE_MS = 5_000;
const KEY_ID = 'arn:aws:kms:us-east-1:000000000000:key/12345678-1234-1234-1234-123456789012';
const ALL_METRICS = [
	'IncomingBytes',
	'IncomingRecords',
	'OutgoingBytes',
	'OutgoingRecords',
	'WriteProvisionedThroughputExceeded',
	'ReadProvisionedThroughputExceeded',
	'IteratorAgeMilliseconds',
];

const notActive = (name: string, state: string) => `Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state ${state}`;
const sorted = (values: readonly string[] | undefined) => [...(values ?? [])].sort();

describe.each(transports)('stream mode, encryption and enhanced monitoring over %s', (transport) => {
	const clock = new FakeClock();
	const harness = useEngine(transport, {updateStreamMs: UPDATE_MS, now: clock.now});
	const settle = () => clock.advance(UPDATE_MS);
	const summaryOf = async (name: string) =>
		(await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary;
	const listed = async (name: string) =>
		(await harness.client.send(new ListStreamsCommand({}))).StreamSummaries?.find((summary) => summary.StreamName === name);
	const setMode = (name: string, mode: 'ON_DEMAND' | 'PROVISIONED') =>
		harness.client.send(new UpdateStreamModeCommand({StreamARN: arnOf(name), StreamModeDetails: {StreamMode: mode}}));

	it('switches a stream between PROVISIONED and ON_DEMAND by StreamARN, UPDATING meanwhile', async () => {
		const name = uniqueName('mode');
		await createStream(harness.client, name, 2);
		await setMode(name, 'ON_DEMAND');
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'UPDATING', StreamModeDetails: {StreamMode: 'ON_DEMAND'}});
		expect(await listed(name)).toMatchObject({
			StreamStatus: 'UPDATING',
			StreamModeDetails: {StreamMode: 'ON_DEMAND'},
			StreamARN: arnOf(name),
		});
		await expectError(setMode(name, 'PROVISIONED'), 'ResourceInUseException', notActive(name, 'UPDATING'));
		settle();
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'ACTIVE', StreamModeDetails: {StreamMode: 'ON_DEMAND'}, OpenShardCount: 2});
		const {StreamDescription: described} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));
		expect(described?.StreamModeDetails).toEqual({StreamMode: 'ON_DEMAND'});

		await setMode(name, 'PROVISIONED');
		expect((await summaryOf(name))?.StreamStatus).toBe('UPDATING');
		settle();
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'ACTIVE', StreamModeDetails: {StreamMode: 'PROVISIONED'}});
		expect(await listed(name)).toMatchObject({StreamStatus: 'ACTIVE', StreamModeDetails: {StreamMode: 'PROVISIONED'}});
		// A provisioned stream scales again.
		await harness.client.send(new UpdateShardCountCommand({StreamName: name, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING'}));
		settle();
		expect((await summaryOf(name))?.OpenShardCount).toBe(4);

		const absent = uniqueName('absent');
		await expectError(setMode(absent, 'ON_DEMAND'), 'ResourceNotFoundException', `Stream ${absent} under account ${ACCOUNT} not found.`);
	});

	it('creates an ON_DEMAND stream with 4 shards', async () => {
		const name = uniqueName('on-demand');
		await harness.client.send(new CreateStreamCommand({StreamName: name, StreamModeDetails: {StreamMode: 'ON_DEMAND'}}));
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'ACTIVE', StreamModeDetails: {StreamMode: 'ON_DEMAND'}, OpenShardCount: 4});
		expect(await listed(name)).toMatchObject({StreamModeDetails: {StreamMode: 'ON_DEMAND'}});
		expect(openShards(await allShards(harness.client, name)).map((shard) => shard.ShardId)).toEqual([0, 1, 2, 3].map(shardId));
	});

	it('starts and stops KMS encryption, showing it in descriptions and on records', async () => {
		const name = uniqueName('encrypted');
		await createStream(harness.client, name, 1);
		await harness.client.send(new StartStreamEncryptionCommand({StreamName: name, EncryptionType: 'KMS', KeyId: KEY_ID}));
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'UPDATING', EncryptionType: 'KMS', KeyId: KEY_ID});
		await expectError(
			harness.client.send(new StopStreamEncryptionCommand({StreamName: name, EncryptionType: 'KMS', KeyId: KEY_ID})),
			'ResourceInUseException',
			notActive(name, 'UPDATING'),
		);
		settle();
		const {StreamDescription: described} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));
		expect(described).toMatchObject({StreamStatus: 'ACTIVE', EncryptionType: 'KMS', KeyId: KEY_ID});

		const put = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('secret')}));
		expect(put.EncryptionType).toBe('KMS');
		const batch = await harness.client.send(
			new PutRecordsCommand({StreamName: name, Records: [{PartitionKey: 'k', Data: Buffer.from('also secret')}]}),
		);
		expect(batch.EncryptionType).toBe('KMS');
		const read = await harness.client.send(
			new GetRecordsCommand({ShardIterator: await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON')}),
		);
		expect(read.Records?.map((record) => [text(record), record.EncryptionType])).toEqual([
			['secret', 'KMS'],
			['also secret', 'KMS'],
		]);

		await harness.client.send(new StopStreamEncryptionCommand({StreamARN: arnOf(name), EncryptionType: 'KMS', KeyId: KEY_ID}));
		expect((await summaryOf(name))?.StreamStatus).toBe('UPDATING');
		settle();
		const stopped = await summaryOf(name);
		expect(stopped).toMatchObject({StreamStatus: 'ACTIVE', EncryptionType: 'NONE'});
		expect(stopped?.KeyId).toBeUndefined();
		const plain = await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('plain')}));
		// AWS names no encryption for a record written unencrypted (kinesalite's suite, test/putRecord.js functionality).
		expect(plain.EncryptionType).toBeUndefined();
	});

	it('marks each record with the encryption it was written under', async () => {
		const name = uniqueName('encryption-per-record');
		await createStream(harness.client, name, 1);
		const write = (data: string) =>
			harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from(data)}));
		await write('before');
		await harness.client.send(new StartStreamEncryptionCommand({StreamName: name, EncryptionType: 'KMS', KeyId: KEY_ID}));
		settle();
		await write('during');
		await harness.client.send(new StopStreamEncryptionCommand({StreamName: name, EncryptionType: 'KMS', KeyId: KEY_ID}));
		settle();
		await write('after');
		const records = await readToEnd(harness.client, await iterator(harness.client, name, shardId(0), 'TRIM_HORIZON'));
		expect(records.map((record) => [text(record), record.EncryptionType === 'KMS'])).toEqual([
			['before', false],
			['during', true],
			['after', false],
		]);
	});

	it('enables and disables shard-level metrics, answering with the sets before and after', async () => {
		const name = uniqueName('monitoring');
		await createStream(harness.client, name, 1);
		const enable = (metrics: MetricsName[]) =>
			harness.client.send(new EnableEnhancedMonitoringCommand({StreamName: name, ShardLevelMetrics: metrics}));
		const disable = (metrics: MetricsName[]) =>
			harness.client.send(new DisableEnhancedMonitoringCommand({StreamARN: arnOf(name), ShardLevelMetrics: metrics}));
		const shown = async () => {
			const {StreamDescription: described} = await harness.client.send(new DescribeStreamCommand({StreamName: name}));
			const summary = await summaryOf(name);
			expect(summary?.EnhancedMonitoring).toEqual(described?.EnhancedMonitoring);
			expect(described?.EnhancedMonitoring).toHaveLength(1);
			return sorted(described?.EnhancedMonitoring?.[0]?.ShardLevelMetrics);
		};

		const first = await enable(['IncomingBytes', 'OutgoingBytes']);
		expect(first).toMatchObject({StreamName: name, StreamARN: arnOf(name)});
		expect([sorted(first.CurrentShardLevelMetrics), sorted(first.DesiredShardLevelMetrics)]).toEqual([
			[],
			['IncomingBytes', 'OutgoingBytes'],
		]);
		expect(await shown()).toEqual(['IncomingBytes', 'OutgoingBytes']);

		const second = await enable(['IncomingRecords', 'IncomingBytes']);
		expect([sorted(second.CurrentShardLevelMetrics), sorted(second.DesiredShardLevelMetrics)]).toEqual([
			['IncomingBytes', 'OutgoingBytes'],
			['IncomingBytes', 'IncomingRecords', 'OutgoingBytes'],
		]);
		expect(await shown()).toEqual(['IncomingBytes', 'IncomingRecords', 'OutgoingBytes']);

		const third = await disable(['OutgoingBytes', 'IteratorAgeMilliseconds']);
		expect(third).toMatchObject({StreamName: name, StreamARN: arnOf(name)});
		expect([sorted(third.CurrentShardLevelMetrics), sorted(third.DesiredShardLevelMetrics)]).toEqual([
			['IncomingBytes', 'IncomingRecords', 'OutgoingBytes'],
			['IncomingBytes', 'IncomingRecords'],
		]);
		expect(await shown()).toEqual(['IncomingBytes', 'IncomingRecords']);

		const all = await enable(['ALL']);
		expect(sorted(all.CurrentShardLevelMetrics)).toEqual(['IncomingBytes', 'IncomingRecords']);
		expect(sorted(all.DesiredShardLevelMetrics)).toEqual(sorted(ALL_METRICS));
		expect(await shown()).toEqual(sorted(ALL_METRICS));

		const none = await disable(['ALL']);
		expect([sorted(none.CurrentShardLevelMetrics), none.DesiredShardLevelMetrics]).toEqual([sorted(ALL_METRICS), []]);
		expect(await shown()).toEqual([]);
	});
});

describe.each(transports)('account limits over %s', (transport) => {
	const clock = new FakeClock();
	const harness = useEngine(transport, {createStreamMs: CREATE_MS, updateStreamMs: 0, shardLimit: 12, now: clock.now});
	// Limits hold per account and region, so each test takes a region of its own.
	const clients: KinesisClient[] = [];
	const clientIn = (region: string) => {
		const client = kinesisClient(harness.url, transport, region);
		clients.push(client);
		return client;
	};
	afterAll(() => {
		for (const client of clients) client.destroy();
	});
	const create = async (client: KinesisClient, name: string, shards?: number) => {
		await client.send(
			new CreateStreamCommand(
				shards === undefined ? {StreamName: name, StreamModeDetails: {StreamMode: 'ON_DEMAND'}} : {StreamName: name, ShardCount: shards},
			),
		);
		clock.advance(CREATE_MS);
	};
	const shardLimit = (region: string, current: number, additional: number) =>
		`This request would exceed the shard limit for the account ${ACCOUNT} in ${region}. Current shard count for the account: ${current}. Limit: 12. ` +
		`Number of additional shards that would have resulted from this request: ${additional}. ` +
		'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.';

	it('describes the shard limit, the open shards and the ON_DEMAND streams', async () => {
		const client = clientIn('eu-west-1');
		const limits = async () => {
			const {$metadata: _metadata, ...answer} = await client.send(new DescribeLimitsCommand({}));
			return answer;
		};
		expect(await limits()).toEqual({
			ShardLimit: 12,
			OpenShardCount: 0,
			OnDemandStreamCount: 0,
			OnDemandStreamCountLimit: 50,
			ChannelCount: 0,
		});
		const provisioned = uniqueName('limits-provisioned');
		const onDemand = uniqueName('limits-on-demand');
		await create(client, provisioned, 3);
		expect(await limits()).toMatchObject({OpenShardCount: 3, OnDemandStreamCount: 0});
		await create(client, onDemand);
		expect(await limits()).toMatchObject({OpenShardCount: 7, OnDemandStreamCount: 1});
		await client.send(new SplitShardCommand({StreamName: provisioned, ShardToSplit: shardId(0), NewStartingHashKey: '1000'}));
		expect(await limits()).toMatchObject({OpenShardCount: 8});
		await client.send(new MergeShardsCommand({StreamName: provisioned, ShardToMerge: shardId(4), AdjacentShardToMerge: shardId(1)}));
		expect(await limits()).toMatchObject({OpenShardCount: 7});
		await client.send(
			new UpdateStreamModeCommand({StreamARN: arnOf(onDemand, 'eu-west-1'), StreamModeDetails: {StreamMode: 'PROVISIONED'}}),
		);
		expect(await limits()).toMatchObject({ShardLimit: 12, OpenShardCount: 7, OnDemandStreamCount: 0});
		// Another region counts its own.
		expect(await harness.client.send(new DescribeLimitsCommand({}))).toMatchObject({OpenShardCount: 0, OnDemandStreamCount: 0});
	});

	it('refuses CreateStream, SplitShard and UpdateShardCount past the account shard limit', async () => {
		const region = 'ap-southeast-2';
		const client = clientIn(region);
		const big = uniqueName('limit-big');
		const small = uniqueName('limit-small');
		await create(client, big, 10);
		await expectError(
			client.send(new CreateStreamCommand({StreamName: uniqueName('limit-refused'), ShardCount: 3})),
			'LimitExceededException',
			shardLimit(region, 10, 3),
		);
		await expectError(
			client.send(new CreateStreamCommand({StreamName: uniqueName('limit-refused'), StreamModeDetails: {StreamMode: 'ON_DEMAND'}})),
			'LimitExceededException',
			shardLimit(region, 10, 4),
		);
		await create(client, small, 2);
		const splitSmall = () => client.send(new SplitShardCommand({StreamName: small, ShardToSplit: shardId(0), NewStartingHashKey: '1000'}));
		await expectError(splitSmall(), 'LimitExceededException', shardLimit(region, 12, 1));
		await expectError(
			client.send(new UpdateShardCountCommand({StreamName: small, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING'})),
			'LimitExceededException',
			shardLimit(region, 12, 1),
		);
		expect(openShards(await allShards(client, small))).toHaveLength(2);
		// Scaling down frees shards; then the split fits.
		await client.send(new UpdateShardCountCommand({StreamName: big, TargetShardCount: 9, ScalingType: 'UNIFORM_SCALING'}));
		await splitSmall();
		expect(await client.send(new DescribeLimitsCommand({}))).toMatchObject({OpenShardCount: 12});
	});

	it('refuses a sixth stream while five are CREATING, and control changes to a stream not yet ACTIVE', async () => {
		const client = clientIn('us-west-2');
		const names = Array.from({length: 5}, (_, index) => uniqueName(`creating-${index}`));
		for (const name of names) await client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1}));
		const sixth = uniqueName('creating-sixth');
		await expectError(
			client.send(new CreateStreamCommand({StreamName: sixth, ShardCount: 1})),
			'LimitExceededException',
			`This request would exceed the limit of 5 streams in the CREATING state for the account ${ACCOUNT} in us-west-2. Retry when one of them is ACTIVE.`,
		);

		const [name = ''] = names;
		const creating = notActive(name, 'CREATING');
		await expectError(
			client.send(new SplitShardCommand({StreamName: name, ShardToSplit: shardId(0), NewStartingHashKey: '1000'})),
			'ResourceInUseException',
			creating,
		);
		await expectError(
			client.send(new MergeShardsCommand({StreamName: name, ShardToMerge: shardId(0), AdjacentShardToMerge: shardId(1)})),
			'ResourceInUseException',
			creating,
		);
		await expectError(
			client.send(new UpdateShardCountCommand({StreamName: name, TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING'})),
			'ResourceInUseException',
			creating,
		);
		await expectError(
			client.send(new IncreaseStreamRetentionPeriodCommand({StreamName: name, RetentionPeriodHours: 48})),
			'ResourceInUseException',
			creating,
		);
		await expectError(
			client.send(new UpdateStreamModeCommand({StreamARN: arnOf(name, 'us-west-2'), StreamModeDetails: {StreamMode: 'ON_DEMAND'}})),
			'ResourceInUseException',
			creating,
		);
		await expectError(
			client.send(new StartStreamEncryptionCommand({StreamName: name, EncryptionType: 'KMS', KeyId: KEY_ID})),
			'ResourceInUseException',
			creating,
		);

		clock.advance(CREATE_MS);
		await client.send(new CreateStreamCommand({StreamName: sixth, ShardCount: 1}));
		await client.send(new SplitShardCommand({StreamName: name, ShardToSplit: shardId(0), NewStartingHashKey: '1000'}));
		expect(await client.send(new DescribeLimitsCommand({}))).toMatchObject({OpenShardCount: 7});
	});
});
