import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	ListStreamConsumersCommand,
	PutRecordsCommand,
	SplitShardCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {jsonLines, runCli} from '../helpers/cli.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';

interface Line {
	shardId: string;
	partitionKey: string;
	data: unknown;
}

describe('tail --efo, as a process', () => {
	let engine: Engine;
	let client: KinesisClient;
	const keys = ['alpha', 'beta', 'gamma', 'delta'];
	const batch = (from: number) =>
		keys.flatMap((key) => Array.from({length: 10}, (_, n) => ({PartitionKey: key, Data: Buffer.from(JSON.stringify({key, n: from + n}))})));
	beforeAll(async () => {
		// Short subscriptions, so the tail renews them while it reads; registration takes a moment.
		engine = await startEngine({registerConsumerMs: 600, subscriptionMs: 700, subscriptionTakeoverMs: 300});
		client = kinesisClient(engine.url);
		await client.send(new CreateStreamCommand({StreamName: 'events', ShardCount: 2}));
		await client.send(new PutRecordsCommand({StreamName: 'events', Records: batch(0)}));
		await client.send(
			new SplitShardCommand({StreamName: 'events', ShardToSplit: 'shardId-000000000001', NewStartingHashKey: (3n * 2n ** 126n).toString()}),
		);
		await client.send(new PutRecordsCommand({StreamName: 'events', Records: batch(10)}));
	});
	afterAll(async () => {
		client.destroy();
		await engine.close();
	});

	it('refuses a consumer the stream does not have, with the not-found code, unless --register', async () => {
		const {stderr, code} = await runCli(['tail', 'events', '--efo', 'reader', '--no-follow', '--endpoint-url', engine.url]);
		expect(code).toBe(9);
		expect(stderr).toContain("Stream events has no enhanced fan-out consumer named 'reader'.");
		expect(stderr).toContain('--register');
		const missingEfo = await runCli(['tail', 'events', '--register', '--endpoint-url', engine.url]);
		expect(missingEfo.code).toBe(2);
	});

	it('registers the consumer, waits until ACTIVE, and prints every record once, in order per key, across a split and renewals', async () => {
		const writing = (async () => {
			for (let round = 2; round < 6; round++) {
				await new Promise((resolve) => setTimeout(resolve, 400));
				await client.send(new PutRecordsCommand({StreamName: 'events', Records: batch(round * 10)}));
			}
		})();
		const {stdout, stderr, code} = await runCli(
			[
				'tail',
				'events',
				'--efo',
				'reader',
				'--register',
				'--from',
				'trim-horizon',
				'--count',
				String(keys.length * 60),
				'--endpoint-url',
				engine.url,
			],
			{
				timeoutMs: 15_000,
			},
		);
		await writing;
		expect(stderr).toContain("Registering the enhanced fan-out consumer 'reader' on stream events");
		expect(stderr).toContain("The consumer 'reader' is ACTIVE.");
		expect(code).toBe(0);
		const lines = jsonLines(stdout) as Line[];
		for (const key of keys) {
			expect(
				lines.filter((line) => line.partitionKey === key).map((line) => (line.data as {n: number}).n),
				key,
			).toEqual(Array.from({length: 60}, (_, n) => n));
		}
		const summary = await client.send(new DescribeStreamSummaryCommand({StreamName: 'events'}));
		const {Consumers = []} = await client.send(new ListStreamConsumersCommand({StreamARN: summary.StreamDescriptionSummary?.StreamARN}));
		expect(Consumers.map((consumer) => [consumer.ConsumerName, consumer.ConsumerStatus])).toEqual([['reader', 'ACTIVE']]);

		// Registered now: --efo alone reads through it, and --no-follow stops at the newest record.
		const again = await runCli(
			['tail', 'events', '--efo', 'reader', '--from', 'trim-horizon', '--no-follow', '--endpoint-url', engine.url],
			{timeoutMs: 15_000},
		);
		expect(again.code).toBe(0);
		expect(again.stderr).not.toContain('Registering');
		expect(jsonLines(again.stdout)).toHaveLength(keys.length * 60);
	});
});
