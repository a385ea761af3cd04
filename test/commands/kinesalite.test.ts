/**
 * The subcommands as processes against kinesalite (an HTTP/1.1-only emulator, a dev dependency), for
 * what it supports; where it lacks something (DynamoDB, enhanced fan-out), the failure is named.
 * kinesalite is started the way the benchmark starts it: bench/lib's ServerProcess, with the preload
 * that binds it to 127.0.0.1 and ends it when its stdin (a pipe from this process) closes.
 */
import {CreateStreamCommand, DescribeStreamCommand, KinesisClient} from '@aws-sdk/client-kinesis';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {freePort, ServerProcess} from '../../bench/lib/processes.js';
import {jsonLines, runCli} from '../helpers/cli.js';
import {credentials} from '../helpers/engine.js';

interface TailLine {
	shardId: string;
	sequenceNumber: string;
	partitionKey: string;
	format: string;
	data: unknown;
}

const keys = ['alpha', 'beta', 'gamma', 'delta'];
const PER_KEY = 25;

describe('subcommands against kinesalite, as processes', () => {
	let server: ServerProcess;
	let url: string;
	let client: KinesisClient;
	const written = new Map<string, Array<{shardId: string; sequenceNumber: string}>>();

	beforeAll(async () => {
		const port = await freePort();
		server = await ServerProcess.start({
			name: 'kinesalite',
			command: process.execPath,
			args: [
				'--import',
				'./bench/servers/preload.mjs',
				'node_modules/kinesalite/cli.js',
				'--port',
				String(port),
				'--createStreamMs',
				'0',
				'--updateStreamMs',
				'0',
			],
			ready: {url: `http://127.0.0.1:${port}`},
		});
		url = server.url;
		client = new KinesisClient({endpoint: url, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler()});
		await client.send(new CreateStreamCommand({StreamName: 'orders', ShardCount: 3}));
		for (let attempt = 0; attempt < 100; attempt++) {
			const {StreamDescription} = await client.send(new DescribeStreamCommand({StreamName: 'orders'}));
			if (StreamDescription?.StreamStatus === 'ACTIVE') break;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}, 60_000);
	afterAll(async () => {
		client?.destroy();
		await server?.stop();
	});

	it('lists the stream with streams', async () => {
		const {stdout, stderr, code} = await runCli(['streams', '--details', '--endpoint-url', url]);
		expect(code, stderr).toBe(0);
		expect(jsonLines(stdout)).toEqual([
			expect.objectContaining({
				name: 'orders',
				status: 'ACTIVE',
				mode: 'PROVISIONED',
				openShards: 3,
				closedShards: 0,
				retentionHours: 24,
				encryption: 'NONE',
			}),
		]);
	});

	it('describes the shard map', async () => {
		const {stdout, stderr, code} = await runCli(['describe', 'orders', '--endpoint-url', url]);
		expect(code, stderr).toBe(0);
		const shards = jsonLines(stdout) as Array<{
			shardId: string;
			open: boolean;
			parents: string[];
			startingHashKey: string;
			endingHashKey: string;
		}>;
		expect(shards.map((shard) => [shard.shardId, shard.open, shard.parents])).toEqual([
			['shardId-000000000000', true, []],
			['shardId-000000000001', true, []],
			['shardId-000000000002', true, []],
		]);
		expect(shards[0]?.startingHashKey).toBe('0');
		expect(shards[2]?.endingHashKey).toBe(((1n << 128n) - 1n).toString());
	});

	it('writes stdin lines with put, one key at a time, and reports each record', async () => {
		for (const key of keys) {
			const input = Array.from({length: PER_KEY}, (_, n) => JSON.stringify({key, n})).join('\n') + '\n';
			const {stdout, stderr, code} = await runCli(['put', 'orders', '--partition-key', key, '--endpoint-url', url], {input});
			expect(code, stderr).toBe(0);
			expect(stderr).toContain(`Sent ${PER_KEY} records to 'orders'`);
			const lines = jsonLines(stdout) as Array<{
				line: number;
				partitionKey: string;
				shardId: string;
				sequenceNumber: string;
				attempts: number;
			}>;
			expect(lines).toHaveLength(PER_KEY);
			expect(lines.every((line) => line.partitionKey === key && line.shardId === lines[0]?.shardId)).toBe(true);
			written.set(
				key,
				lines.map(({shardId, sequenceNumber}) => ({shardId, sequenceNumber})),
			);
		}
	});

	it('reads them back with tail --from trim-horizon --no-follow --json, in order per key', async () => {
		const {stdout, stderr, code} = await runCli([
			'tail',
			'orders',
			'--from',
			'trim-horizon',
			'--no-follow',
			'--json',
			'--endpoint-url',
			url,
		]);
		expect(code, stderr).toBe(0);
		const lines = jsonLines(stdout) as TailLine[];
		expect(lines).toHaveLength(keys.length * PER_KEY);
		for (const key of keys) {
			const mine = lines.filter((line) => line.partitionKey === key);
			expect(
				mine.map((line) => line.data),
				key,
			).toEqual(Array.from({length: PER_KEY}, (_, n) => ({key, n})));
			expect(
				mine.map(({shardId, sequenceNumber}) => ({shardId, sequenceNumber})),
				key,
			).toEqual(written.get(key));
			expect(mine.every((line) => line.format === 'json')).toBe(true);
		}
	});

	it('finds the shard of each key where put wrote it', async () => {
		const {stdout, stderr, code} = await runCli(['find-shard', 'orders', ...keys, '--endpoint-url', url]);
		expect(code, stderr).toBe(0);
		const lines = jsonLines(stdout) as Array<{partitionKey: string; shardId: string; hashKeySource: string}>;
		expect(lines.map((line) => [line.partitionKey, line.shardId])).toEqual(keys.map((key) => [key, written.get(key)?.[0]?.shardId]));
	});

	it('names what kinesalite lacks: consumers lists neither KCL applications (no DynamoDB) nor fan-out consumers', async () => {
		const {stderr, code} = await runCli(['consumers', 'orders', '--endpoint-url', url]);
		expect(code).toBe(0);
		expect(stderr).toContain('KCL applications could not be read');
		expect(stderr).toContain('enhanced fan-out consumers could not be read');
	});

	it('says when a stream is not there, with the endpoint in use', async () => {
		const {stderr, code} = await runCli(['describe', 'order', '--endpoint-url', url]);
		expect(code).toBe(9);
		expect(stderr).toContain(`The stream 'order' was not found in us-east-1 at ${url}`);
		expect(stderr).toContain('orders');
	});
});
