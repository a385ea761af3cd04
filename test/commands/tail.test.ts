import {gzipSync} from 'node:zlib';
import {
	CreateStreamCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	MergeShardsCommand,
	PutRecordsCommand,
	SplitShardCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {NoticeThrottle} from '../../source/commands/tail.js';
import {recordLines} from '../../source/console/recordLine.js';
import type {TailRecord} from '../../source/console/tail/index.js';
import type {Engine} from '../../source/engine/index.js';
import {jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {aggregate} from '../console/records/support.js';

interface Line {
	shardId: string;
	sequenceNumber: string;
	partitionKey: string;
	format: string;
	data: unknown;
}

async function put(client: KinesisClient, stream: string, records: Array<{key: string; data: Buffer | string}>) {
	const result = await client.send(
		new PutRecordsCommand({
			StreamName: stream,
			Records: records.map(({key, data}) => ({PartitionKey: key, Data: typeof data === 'string' ? Buffer.from(data) : data})),
		}),
	);
	expect(result.FailedRecordCount).toBe(0);
}

describe('tail, as a process', () => {
	let engine: Engine;
	let client: KinesisClient;
	const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
	beforeAll(async () => {
		engine = await startEngine();
		client = kinesisClient(engine.url);
		await client.send(new CreateStreamCommand({StreamName: 'events', ShardCount: 2}));
		const batch = (from: number) =>
			keys.flatMap((key) =>
				Array.from({length: 10}, (_, n) => ({key, data: JSON.stringify({key, n: from + n, level: n % 3 === 0 ? 'ERROR' : 'INFO'})})),
			);
		await put(client, 'events', batch(0));
		await client.send(
			new SplitShardCommand({StreamName: 'events', ShardToSplit: 'shardId-000000000001', NewStartingHashKey: (3n * 2n ** 126n).toString()}),
		);
		await put(client, 'events', batch(10));
		await client.send(
			new MergeShardsCommand({StreamName: 'events', ShardToMerge: 'shardId-000000000002', AdjacentShardToMerge: 'shardId-000000000003'}),
		);
		await put(client, 'events', batch(20));
		await client.send(new CreateStreamCommand({StreamName: 'logs', ShardCount: 1}));
		const logBatch = {messageType: 'DATA_MESSAGE', logGroup: '/app', logEvents: [{id: '1', timestamp: 1, message: 'boot'}]};
		await put(client, 'logs', [
			{key: 'a', data: gzipSync(JSON.stringify(logBatch))},
			{key: 'b', data: 'plain \u001b[2J text'},
			{
				key: 'kpl',
				data: Buffer.from(
					aggregate([
						{partitionKey: 'user-1', data: Buffer.from('{"a":1}')},
						{partitionKey: 'user-2', data: Buffer.from('two')},
					]),
				),
			},
		]);
	});
	afterAll(async () => {
		client.destroy();
		await engine.close();
	});

	it('writes --json lines exactly as JSON.stringify of each decoded line, with terminal controls escaped: every kind of record, every decoder', async () => {
		await client.send(new CreateStreamCommand({StreamName: 'mixed', ShardCount: 1}));
		await put(client, 'mixed', [
			{key: 'utf8 é "quoted"', data: 'plain text, zoë ✓, a tab\tand a CSI \u009b31m, a bidi override \u202e'},
			{key: 'json', data: '{"level":"ERROR","big":12345678901234567890,"x":1.50,"s":"\\u0041 \\u009b","nested":{"a":[1,2]}}'},
			{key: 'json spaced', data: '{ "a" : [ 1 , 2 ] }'},
			{key: 'binary', data: Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x7f])},
			{key: 'gzip', data: gzipSync('{"logEvents":[{"message":"hi \u0085"}]}')},
			{key: 'broken json', data: '{"a": '},
			{
				key: 'kpl',
				data: Buffer.from(
					aggregate([
						{partitionKey: 'user-1', data: Buffer.from('{"a":1}')},
						{partitionKey: 'user-2', explicitHashKey: '42', data: Buffer.from([1, 2, 3])},
					]),
				),
			},
			{key: 'del \u007f', data: 'text with DEL \u007f and NUL \u0000'},
		]);
		const iterator = await client.send(
			new GetShardIteratorCommand({StreamName: 'mixed', ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON'}),
		);
		const page = await client.send(new GetRecordsCommand({ShardIterator: iterator.ShardIterator}));
		const records: TailRecord[] = (page.Records ?? []).map((record) => ({
			shardId: 'shardId-000000000000',
			sequenceNumber: record.SequenceNumber ?? '',
			arrivalTime: record.ApproximateArrivalTimestamp ?? new Date(0),
			partitionKey: record.PartitionKey ?? '',
			data: record.Data ?? new Uint8Array(),
		}));
		expect(records).toHaveLength(8);
		// What tail --json wrote before it built its lines as text: each line object through JSON.stringify, then C1, DEL and bidi controls as \u escapes.
		const unsafe = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
		for (const decoder of ['auto', 'utf8', 'json', 'base64', 'hex', 'gzip'] as const) {
			const expected = records
				.flatMap((record) => recordLines(record, decoder, []))
				.map((line) => `${JSON.stringify(line).replace(unsafe, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`)
				.join('');
			const {stdout, code} = await runCli([
				'tail',
				'mixed',
				'--from',
				'trim-horizon',
				'--no-follow',
				'--json',
				'--decode',
				decoder,
				'--endpoint-url',
				engine.url,
			]);
			expect(code).toBe(0);
			expect(stdout).toBe(expected);
		}
	});

	it('prints every record once, in order per key, across a split and a merge, then stops with --no-follow', async () => {
		const {stdout, code} = await runCli(['tail', 'events', '--from', 'trim-horizon', '--no-follow', '--endpoint-url', engine.url]);
		expect(code).toBe(0);
		const lines = jsonLines(stdout) as Line[];
		expect(lines).toHaveLength(150);
		for (const key of keys) {
			const numbers = lines.filter((line) => line.partitionKey === key).map((line) => (line.data as {n: number}).n);
			expect(numbers, key).toEqual(Array.from({length: 30}, (_, n) => n));
		}
		expect(lines[0]).toMatchObject({format: 'json', sequenceNumber: expect.stringMatching(/^\d+$/)});
	});

	it('filters on a JSON field and stops after --count', async () => {
		const {stdout, code} = await runCli([
			'tail',
			'events',
			'--from',
			'trim-horizon',
			'--filter',
			'json:level=ERROR',
			'--filter',
			'key:al*',
			'--count',
			'5',
			'--endpoint-url',
			engine.url,
		]);
		expect(code).toBe(0);
		const lines = jsonLines(stdout) as Line[];
		expect(lines.map((line) => (line.data as {n: number}).n)).toEqual([0, 3, 6, 9, 10]);
		expect(lines.every((line) => line.partitionKey === 'alpha')).toBe(true);
	});

	it('decodes gzip JSON and keeps terminal escapes out of plain output', async () => {
		const json = jsonLines(
			(await runCli(['tail', 'logs', '--from', 'trim-horizon', '--no-follow', '--endpoint-url', engine.url])).stdout,
		) as Line[];
		expect(json[0]).toMatchObject({format: 'json', data: {logGroup: '/app', logEvents: [{message: 'boot'}]}});
		expect(json[1]).toMatchObject({format: 'utf8', data: 'plain \u001b[2J text'});
		// Each line says what was undone to get its data: gunzipped, or taken out of a KPL aggregate.
		expect(json[0]).toMatchObject({decoded: 'gzip'});
		expect(json[1]).not.toHaveProperty('decoded');
		expect(json[1]).not.toHaveProperty('aggregated');
		expect(json.slice(2)).toMatchObject([
			{partitionKey: 'user-1', subSequenceNumber: 0, aggregated: {index: 0, count: 2}, data: {a: 1}},
			{partitionKey: 'user-2', subSequenceNumber: 1, aggregated: {index: 1, count: 2}, data: 'two'},
		]);
		expect(json.slice(2).every((line) => !('decoded' in (line as object)))).toBe(true);

		// On a terminal (a pty from util-linux's script), the output is plain text with escapes made visible.
		const plain = await runInTerminal(['tail', 'logs', '--from', 'trim-horizon', '--no-follow', '--endpoint-url', engine.url]);
		expect(plain).toContain('plain ␛[2J text');
		expect(plain).not.toContain('\u001b[2J');
		expect(plain).toMatch(/shardId-000000000000 +\d+ +a +\{"messageType":"DATA_MESSAGE"/);
	});

	it('refuses bad flags with exit code 2 and a clear message', async () => {
		const badFilter = await runCli(['tail', 'events', '--filter', 're:(', '--endpoint-url', engine.url]);
		expect(badFilter.code).toBe(2);
		expect(badFilter.stderr).toMatch(/re:\(/);
		const badFrom = await runCli(['tail', 'events', '--from', 'yesterday-ish', '--endpoint-url', engine.url]);
		expect(badFrom.code).toBe(2);
		expect(badFrom.stderr).toContain("Cannot read the starting position 'yesterday-ish'");
		const sequenceWithoutShard = await runCli([
			'tail',
			'events',
			'--from',
			'after:49590338271490256608559692538361571095921575989136588898',
			'--endpoint-url',
			engine.url,
		]);
		expect(sequenceWithoutShard.code).toBe(2);
		// Kinesis refuses an AT_TIMESTAMP iterator after its clock: said before any call, as a usage error.
		const future = await runCli(['tail', 'events', '--from', '2099-01-01T00:00:00Z', '--endpoint-url', engine.url]);
		expect(future.code).toBe(2);
		expect(future.stderr).toContain('--from 2099-01-01T00:00:00.000Z is in the future');
		expect(future.stderr).not.toContain('InvalidArgumentException');
		const over = await runCli(['tail', 'events', '--calls-per-second', '9', '--endpoint-url', engine.url]);
		expect(over.code).toBe(2);
		expect(over.stderr).toContain('--calls-per-second must be above 0 and at most 5');
	});

	it("refuses more reads a shard than the console's share of its 5, and takes them under a larger --quota-share", async () => {
		const more = await runCli(['tail', 'events', '--calls-per-second', '2', '--no-follow', '--endpoint-url', engine.url]);
		expect(more.code).toBe(3);
		expect(more.stderr).toContain(
			"--calls-per-second 2 is more than the console's share of a shard's reads: 1 of its 5 GetRecords a second",
		);
		expect(more.stderr).toContain('--quota-share');
		const shared = await runCli([
			'tail',
			'events',
			'--calls-per-second',
			'2',
			'--quota-share',
			'0.4',
			'--from',
			'trim-horizon',
			'--no-follow',
			'--endpoint-url',
			engine.url,
		]);
		expect(shared.code).toBe(0);
		expect(jsonLines(shared.stdout)).toHaveLength(150);
	});

	it('gives up on an endpoint that does not answer, with --no-follow and before a follow has started: exit 10, saying for how long', async () => {
		const unreachable = ['--endpoint-url', 'http://127.0.0.1:9'];
		const started = Date.now();
		const [once, follow] = await Promise.all([
			runCli(['tail', 'events', '--no-follow', '--from', 'trim-horizon', ...unreachable], {timeoutMs: 40_000}),
			runCli(['tail', 'events', ...unreachable], {timeoutMs: 40_000}),
		]);
		for (const {stderr, code} of [once, follow]) {
			expect(code).toBe(10);
			const said =
				/Cannot reach the Kinesis endpoint http:\/\/127\.0\.0\.1:9: the connection was refused after (\d+) attempts over (\d+\.\d) s\./.exec(
					stderr,
				);
			expect(said, stderr).not.toBeNull();
			// The bound is 10 s of failing calls, the last wait cut to it.
			expect(Number(said?.[2])).toBeGreaterThanOrEqual(10);
			expect(Number(said?.[2])).toBeLessThan(15);
		}
		expect(Date.now() - started).toBeLessThan(30_000);
	}, 45_000);

	it('reads --shard given by its number, and refuses a shard the stream does not have (not found, exit 9) rather than read nothing', async () => {
		const byNumber = await runCli([
			'tail',
			'events',
			'--shard',
			'0',
			'--from',
			'trim-horizon',
			'--no-follow',
			'--endpoint-url',
			engine.url,
		]);
		const byId = await runCli([
			'tail',
			'events',
			'--shard',
			'shardId-000000000000',
			'--from',
			'trim-horizon',
			'--no-follow',
			'--endpoint-url',
			engine.url,
		]);
		expect(byNumber.code).toBe(0);
		const lines = jsonLines(byNumber.stdout) as Line[];
		expect(lines.length).toBeGreaterThan(0);
		expect(new Set(lines.map((line) => line.shardId))).toEqual(new Set(['shardId-000000000000']));
		expect(byNumber.stdout).toBe(byId.stdout);

		for (const shard of ['99', 'shardId-xyz']) {
			const missing = await runCli([
				'tail',
				'events',
				'--shard',
				shard,
				'--from',
				'trim-horizon',
				'--no-follow',
				'--endpoint-url',
				engine.url,
			]);
			expect([shard, missing.code, missing.stdout]).toEqual([shard, 9, '']);
			expect(missing.stderr).toContain(`'events' has no shard ${shard === '99' ? 'shardId-000000000099' : shard}.`);
			expect(missing.stderr).toContain('shardId-000000000000, shardId-000000000001');
		}
	});

	it('exits with the not-found code for an unknown stream', async () => {
		const {stderr, code} = await runCli(['tail', 'event', '--no-follow', '--endpoint-url', engine.url]);
		expect(code).toBe(9);
		expect(stderr).toContain("The stream 'event' was not found");
	});
});

describe("tail's notices on stderr", () => {
	it('say a retry at most every 5 s a shard, and reading again once after a retry said, however often the shard flaps', () => {
		const written: string[] = [];
		const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
			written.push(String(chunk));
			return true;
		});
		vi.useFakeTimers({now: 1_000_000, toFake: ['Date']});
		try {
			const notices = new NoticeThrottle();
			// A hot shard throttled, answered, throttled again, ten times a second for 6 s.
			for (let tick = 0; tick < 60; tick++) {
				vi.setSystemTime(1_000_000 + tick * 100);
				notices.say('shardId-000000000001', 'shardId-000000000001: throttled; retrying in 200 ms');
				notices.recovered('shardId-000000000001', 'shardId-000000000001: reading again');
			}
			expect(written).toEqual([
				'shardId-000000000001: throttled; retrying in 200 ms\n',
				'shardId-000000000001: reading again\n',
				'shardId-000000000001: throttled; retrying in 200 ms\n',
				'shardId-000000000001: reading again\n',
			]);
			// A shard that was never said to retry says nothing when it reads.
			notices.recovered('shardId-000000000002', 'shardId-000000000002: reading again');
			expect(written).toHaveLength(4);
		} finally {
			vi.useRealTimers();
			write.mockRestore();
		}
	});
});
