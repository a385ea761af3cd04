import {CreateStreamCommand, SplitShardCommand, StartStreamEncryptionCommand} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {jsonLines, runCli} from '../helpers/cli.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {startThrottlingProxy} from '../helpers/throttlingProxy.js';
import {eventually} from '../helpers/wait.js';

describe('streams and describe, as processes', () => {
	let engine: Engine;
	beforeAll(async () => {
		engine = await startEngine();
		const client = kinesisClient(engine.url);
		await client.send(new CreateStreamCommand({StreamName: 'orders', ShardCount: 2}));
		await client.send(new CreateStreamCommand({StreamName: 'logs', StreamModeDetails: {StreamMode: 'ON_DEMAND'}}));
		await client.send(
			new SplitShardCommand({StreamName: 'orders', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 126n).toString()}),
		);
		await client.send(new StartStreamEncryptionCommand({StreamName: 'logs', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis'}));
		client.destroy();
	});
	afterAll(() => engine.close());

	it('lists every stream from ListStreams alone, describing none unless asked for --details', async () => {
		const described = () => engine.requestCounts().find((count) => count.operation === 'DescribeStreamSummary')?.requests ?? 0;
		const before = described();
		const {stdout, code} = await runCli(['streams', '--endpoint-url', engine.url]);
		expect(code).toBe(0);
		const lines = jsonLines(stdout) as Array<Record<string, unknown>>;
		expect(lines).toEqual([
			expect.objectContaining({name: 'logs', status: 'ACTIVE', mode: 'ON_DEMAND', arn: expect.stringContaining(':stream/logs')}),
			expect.objectContaining({name: 'orders', status: 'ACTIVE', mode: 'PROVISIONED'}),
		]);
		expect(lines[0]).not.toHaveProperty('openShards');
		expect(Date.parse(String(lines[0]?.createdAt))).toBeGreaterThan(0);
		expect(described()).toBe(before);
	});

	it('lists every stream with its details as JSON lines when piped', async () => {
		const {stdout, code} = await runCli(['streams', '--details', '--endpoint-url', engine.url]);
		expect(code).toBe(0);
		expect(jsonLines(stdout)).toEqual([
			expect.objectContaining({name: 'logs', mode: 'ON_DEMAND', openShards: 4, closedShards: 0, encryption: 'KMS', retentionHours: 24}),
			expect.objectContaining({name: 'orders', mode: 'PROVISIONED', openShards: 3, closedShards: 1, encryption: 'NONE'}),
		]);
	});

	it('--details waits out a throttled description, and leaves out a stream deleted since it was listed, saying so', async () => {
		const proxy = await startThrottlingProxy(engine.port);
		try {
			proxy.storm(['DescribeStreamSummary']);
			const throttled = runCli(['streams', '--details', '--endpoint-url', proxy.url]);
			await eventually(() => proxy.refused('DescribeStreamSummary') >= 4, {what: 'descriptions refused'});
			proxy.calm();
			const waited = await throttled;
			expect(waited.code).toBe(0);
			expect((jsonLines(waited.stdout) as Array<{name: string}>).map((line) => line.name)).toEqual(['logs', 'orders']);

			proxy.storm(['DescribeStreamSummary'], {
				error: {type: 'ResourceNotFoundException', message: 'Stream logs under account 000000000000 not found.'},
				when: (input) => input.StreamName === 'logs',
			});
			const {stdout, stderr, code} = await runCli(['streams', '--details', '--endpoint-url', proxy.url]);
			expect(code).toBe(0);
			expect(jsonLines(stdout)).toEqual([expect.objectContaining({name: 'orders', openShards: 3})]);
			expect(stderr).toContain('1 stream was deleted while being described, and left out: logs');
		} finally {
			await proxy.close();
		}
	});

	it('describes the shard map with parents and ranges', async () => {
		const {stdout, code} = await runCli(['describe', 'orders', '--endpoint-url', engine.url]);
		expect(code).toBe(0);
		const shards = jsonLines(stdout) as Array<{
			shardId: string;
			open: boolean;
			parents: string[];
			startingHashKey: string;
			endingHashKey: string;
		}>;
		expect(shards.map((shard) => [shard.shardId, shard.open, shard.parents])).toEqual([
			['shardId-000000000000', false, []],
			['shardId-000000000001', true, []],
			['shardId-000000000002', true, ['shardId-000000000000']],
			['shardId-000000000003', true, ['shardId-000000000000']],
		]);
		expect(shards[3]?.startingHashKey).toBe((2n ** 126n).toString());
	});

	it('says when a stream does not exist, lists those that do, and exits with the not-found code', async () => {
		const {stderr, code} = await runCli(['describe', 'order', '--endpoint-url', engine.url]);
		expect(code).toBe(9);
		expect(stderr).toContain("The stream 'order' was not found in us-east-1");
		expect(stderr).toContain('logs, orders');
	});

	it('names an unreachable endpoint', async () => {
		const {stderr, code} = await runCli(['streams', '--endpoint-url', 'http://127.0.0.1:9']);
		expect(code).toBe(10);
		expect(stderr).toContain('http://127.0.0.1:9');
	});

	it('works offline with --local', async () => {
		const {stdout, code} = await runCli(['streams', '--local']);
		expect(code).toBe(0);
		expect(stdout).toBe('');
	});
});
