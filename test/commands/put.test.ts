import {execFile, spawn} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {once} from 'node:events';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {
	CreateStreamCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	ListShardsCommand,
	type KinesisClient,
	type _Record,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {cliEnv, jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {cliPath} from '../helpers/engineProcess.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';

interface ResultLine {
	line: number;
	partitionKey?: string;
	shardId?: string;
	sequenceNumber?: string;
	attempts: number;
	error?: string;
}

const execFileAsync = promisify(execFile);

let streams = 0;
async function createStream(client: KinesisClient, shards: number): Promise<string> {
	const name = `put-${process.pid}-${++streams}`;
	await client.send(new CreateStreamCommand({StreamName: name, ShardCount: shards}));
	return name;
}

/** Every record of every shard, from the beginning. */
async function readAll(client: KinesisClient, stream: string): Promise<Array<_Record & {shardId: string}>> {
	const {Shards: shards = []} = await client.send(new ListShardsCommand({StreamName: stream}));
	const records: Array<_Record & {shardId: string}> = [];
	for (const shard of shards) {
		let iterator = (
			await client.send(new GetShardIteratorCommand({StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON'}))
		).ShardIterator;
		while (iterator) {
			const page = await client.send(new GetRecordsCommand({ShardIterator: iterator}));
			records.push(...(page.Records ?? []).map((record) => ({...record, shardId: shard.ShardId ?? ''})));
			if ((page.Records ?? []).length === 0) break;
			iterator = page.NextShardIterator;
		}
	}
	return records;
}

const text = (record: _Record) => Buffer.from(record.Data ?? new Uint8Array()).toString('utf8');
const retriesIn = (summary: string) => Number(/; ([\d,]+) retr(?:y|ies);/.exec(summary)?.[1]?.replaceAll(',', '') ?? 'NaN');

describe('put, as a process', () => {
	let engine: Engine;
	let client: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine();
		client = kinesisClient(engine.url);
	});
	afterAll(async () => {
		client.destroy();
		await engine.close();
	});

	it('writes its arguments as records, one JSON line each with the shard and sequence number', async () => {
		const stream = await createStream(client, 2);
		const {stdout, stderr, code} = await runCli([
			'put',
			stream,
			'one',
			'two',
			'three',
			'--partition-key',
			'k',
			'--endpoint-url',
			engine.url,
		]);
		expect(code).toBe(0);
		const lines = jsonLines(stdout) as ResultLine[];
		expect(lines.map(({line, partitionKey, attempts}) => ({line, partitionKey, attempts}))).toEqual(
			[1, 2, 3].map((line) => ({line, partitionKey: 'k', attempts: 1})),
		);
		const records = await readAll(client, stream);
		expect(records.map(text)).toEqual(['one', 'two', 'three']);
		expect(lines.map((line) => [line.shardId, line.sequenceNumber])).toEqual(
			records.map((record) => [record.shardId, record.SequenceNumber]),
		);
		expect(stderr).toMatch(
			new RegExp(
				`^Sent 3 records to '${stream}' \\(into 1 shard\\) in [\\d.]+ s; [\\d,]+ records/s, [\\d.]+ MiB/s; 0 retries; 0 failed\\.\\n$`,
			),
		);
	});

	it('streams 20,000 lines of stdin, keyed by --key-field, every record once and in order per key', async () => {
		const stream = await createStream(client, 4);
		const input = Array.from({length: 20_000}, (_, n) => `${JSON.stringify({user: {id: n % 37}, n})}\n`).join('');
		const {stdout, stderr, code} = await runCli(['put', stream, '--key-field', 'user.id', '--endpoint-url', engine.url], {input});
		expect(code).toBe(0);
		expect(stderr).toMatch(/^Sent 20,000 records to '.*' \(into 4 shards\)/);
		const lines = jsonLines(stdout) as ResultLine[];
		expect(lines).toHaveLength(20_000);
		expect(new Set(lines.map((line) => line.line)).size).toBe(20_000);

		const records = await readAll(client, stream);
		expect(records).toHaveLength(20_000);
		const byKey = new Map<string, number[]>();
		for (const record of records) {
			const value = JSON.parse(text(record)) as {user: {id: number}; n: number};
			expect(record.PartitionKey).toBe(String(value.user.id));
			byKey.set(record.PartitionKey ?? '', [...(byKey.get(record.PartitionKey ?? '') ?? []), value.n]);
		}
		expect(byKey.size).toBe(37);
		for (const [key, numbers] of byKey)
			expect(numbers, key).toEqual(Array.from({length: numbers.length}, (_, index) => Number(key) + 37 * index));
	});

	it('sends every record of its input when the reader of its lines goes away (| head -1), and exits 0', async () => {
		const stream = await createStream(client, 2);
		const input = Array.from({length: 5_000}, (_, n) => `${n}\n`).join('');
		const child = spawn(process.execPath, [cliPath, 'put', stream, '--partition-key', 'k', '--endpoint-url', engine.url], {env: cliEnv()});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		// As `| head -1` does: read the first line, then close the pipe.
		child.stdout.once('data', () => child.stdout.destroy());
		child.stdin.end(input);
		const [code] = (await once(child, 'close')) as [number];
		expect([code, stderr]).toEqual([0, expect.stringMatching(/^Sent 5,000 records to /)]);
		const records = await readAll(client, stream);
		expect(records.map((record) => text(record))).toEqual(Array.from({length: 5_000}, (_, n) => String(n)));
	});

	it('with its messages in the same closed pipe (2>&1 | head -1), still sends every record and exits 0', async () => {
		const stream = await createStream(client, 1);
		const {stdout} = await execFileAsync(
			'bash',
			[
				'-c',
				`seq 0 4999 | "${process.execPath}" "${cliPath}" put ${stream} --partition-key k --endpoint-url ${engine.url} 2>&1 | head -1; exit \${PIPESTATUS[1]}`,
			],
			{env: cliEnv()},
		);
		expect(stdout.split('\n')).toHaveLength(2);
		const records = await readAll(client, stream);
		expect(records.map((record) => text(record))).toEqual(Array.from({length: 5_000}, (_, n) => String(n)));
	});

	it('reads --file with --base64 byte for byte, skips blank lines, drops CRs, and reports a line that is not base64', async () => {
		const stream = await createStream(client, 1);
		const payloads = Array.from({length: 5}, () => randomBytes(300));
		payloads.push(Buffer.from('\r\n\n\u0000 binary \r'));
		const dir = mkdtempSync(join(tmpdir(), 'put-file-'));
		try {
			const file = join(dir, 'records.b64');
			const lines = payloads.map((payload) => payload.toString('base64'));
			lines.splice(2, 0, '', 'this is not base64!');
			writeFileSync(file, `${lines.join('\r\n')}\r\n`);
			const {stdout, stderr, code} = await runCli([
				'put',
				stream,
				'--file',
				file,
				'--base64',
				'--partition-key',
				'k',
				'--endpoint-url',
				engine.url,
			]);
			expect(code).toBe(1);
			expect(stderr).toMatch(/; 1 failed\.\n$/);
			const results = jsonLines(stdout) as ResultLine[];
			expect(results.filter((result) => result.error !== undefined)).toEqual([{line: 4, error: 'not base64', attempts: 0}]);
			expect(results.filter((result) => result.error === undefined).map((result) => result.line)).toEqual([1, 2, 5, 6, 7, 8]);
			const records = await readAll(client, stream);
			expect(records.map((record) => Buffer.from(record.Data ?? []).toString('hex'))).toEqual(
				payloads.map((payload) => payload.toString('hex')),
			);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});

	it('reports a line over 1 MiB as failed, writes the others, and exits with 1', async () => {
		const stream = await createStream(client, 1);
		const input = `small one\n${'x'.repeat(1_048_577)}\nsmall two\n${'y'.repeat(3_000_000)}\n`;
		const {stdout, stderr, code} = await runCli(['put', stream, '--partition-key', 'k', '--endpoint-url', engine.url], {input});
		expect(code).toBe(1);
		const results = jsonLines(stdout) as ResultLine[];
		expect(results.filter((result) => result.error !== undefined)).toEqual([
			{
				line: 2,
				error: 'the record is 1,048,578 bytes with its partition key; Kinesis takes at most 1 MiB (1,048,576 bytes) per record',
				attempts: 0,
			},
			{
				line: 4,
				error: 'the record is 3,000,001 bytes with its partition key; Kinesis takes at most 1 MiB (1,048,576 bytes) per record',
				attempts: 0,
			},
		]);
		expect(stderr).toMatch(/^Sent 2 records .*; 2 failed\.\n$/);
		expect((await readAll(client, stream)).map(text)).toEqual(['small one', 'small two']);
	});

	it('routes every record by --explicit-hash-key', async () => {
		const stream = await createStream(client, 4);
		const hashKey = ((1n << 127n) + 5n).toString();
		const {stdout, code} = await runCli(['put', stream, 'a', 'b', 'c', '--explicit-hash-key', hashKey, '--endpoint-url', engine.url]);
		expect(code).toBe(0);
		expect((jsonLines(stdout) as ResultLine[]).map((line) => line.shardId)).toEqual(Array(3).fill('shardId-000000000002'));
	});

	it('on a terminal, prints only the summary, naming the shard and sequence number of a single record', async () => {
		const stream = await createStream(client, 2);
		const output = await runInTerminal(['put', stream, 'hello', '--partition-key', 'k', '--endpoint-url', engine.url]);
		const [record] = await readAll(client, stream);
		expect(output).toMatch(
			new RegExp(
				`^Sent 1 record to ${record?.shardId} of '${stream}' \\(sequence number ${record?.SequenceNumber}\\) in [\\d.]+ s; 0 retries; 0 failed\\.\\n$`,
			),
		);
	});

	it('says a stream does not exist, with the streams that do, and exits with 9', async () => {
		await createStream(client, 1);
		const {stdout, stderr, code} = await runCli(['put', 'no-such-stream', 'x', '--endpoint-url', engine.url]);
		expect(code).toBe(9);
		expect(stdout).toBe('');
		expect(stderr).toMatch(new RegExp(`^The stream 'no-such-stream' was not found in us-east-1 at ${engine.url}\\.\\nStreams there: put-`));
	});

	it('exits with 10 when the endpoint does not answer, saying for how long it was tried', async () => {
		const started = Date.now();
		const {stdout, stderr, code} = await runCli(['put', 'anything', 'one', 'two', '--endpoint-url', 'http://127.0.0.1:9']);
		expect(code).toBe(10);
		expect(stderr).toMatch(
			/Cannot reach the Kinesis endpoint http:\/\/127\.0\.0\.1:9: the connection was refused after 9 attempts over \d+\.\d s\./,
		);
		// Each record is still reported, as not written: out of retries, or not sent once one was (when they went in two calls).
		const results = jsonLines(stdout) as ResultLine[];
		expect(results.map((result) => result.line).sort()).toEqual([1, 2]);
		expect(results.every((result) => result.error !== undefined && result.shardId === undefined)).toBe(true);
		expect(results.some((result) => result.attempts === 9)).toBe(true);
		expect(Date.now() - started).toBeLessThan(30_000);
	}, 40_000);

	it('explains usage errors with exit code 2, and a missing file with 1', async () => {
		const both = await runCli(['put', 's', 'x', '--partition-key', 'k', '--key-field', 'id']);
		expect(both).toMatchObject({code: 2, stderr: expect.stringContaining('--partition-key and --key-field cannot be used together.')});
		const hash = await runCli(['put', 's', 'x', '--explicit-hash-key', '-1']);
		expect(hash).toMatchObject({code: 2, stderr: expect.stringContaining("'-1' is not a hash key")});
		const argsAndFile = await runCli(['put', 's', 'x', '--file', 'f']);
		expect(argsAndFile).toMatchObject({code: 2, stderr: expect.stringContaining('Give records as arguments or with --file, not both.')});
		const missing = await runCli(['put', 's', '--file', '/no/such/file', '--endpoint-url', engine.url]);
		expect(missing).toMatchObject({
			code: 2,
			stderr: expect.stringMatching(/^kinesis-console put: --file: cannot read \/no\/such\/file: no such file\n/),
		});
		const directory = await runCli(['put', 's', '--file', tmpdir(), '--endpoint-url', engine.url]);
		expect(directory).toMatchObject({code: 2, stderr: expect.stringContaining(`--file: cannot read ${tmpdir()}: it is a directory`)});
	});
});

describe('put against per-shard throughput limits', () => {
	let engine: Engine;
	let client: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine({throughputLimits: true});
		client = kinesisClient(engine.url);
	});
	afterAll(async () => {
		client.destroy();
		await engine.close();
	});

	it('gets every record of a hot key over 1,000 records/s through, in order, by retrying', async () => {
		const stream = await createStream(client, 2);
		const input = Array.from({length: 4_000}, (_, n) => `${n}\n`).join('');
		const {stdout, stderr, code} = await runCli(['put', stream, '--partition-key', 'hot', '--endpoint-url', engine.url], {input});
		expect(code).toBe(0);
		expect(retriesIn(stderr)).toBeGreaterThan(0);
		expect((jsonLines(stdout) as ResultLine[]).some((line) => line.attempts > 1)).toBe(true);
		const records = await readAll(client, stream);
		expect(records.map(text)).toEqual(Array.from({length: 4_000}, (_, n) => String(n)));
	});
});

describe('put --local', () => {
	it('writes to the built-in engine in its data directory, and says when the stream is not there', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'put-local-'));
		try {
			let engine = await startEngine({dataDir: dir});
			let client = kinesisClient(engine.url);
			await client.send(new CreateStreamCommand({StreamName: 'local-stream', ShardCount: 1}));
			client.destroy();
			await engine.close();

			const {code} = await runCli(['put', 'local-stream', 'a', 'b', '--partition-key', 'k', '--local', '--data-dir', dir]);
			expect(code).toBe(0);
			const missing = await runCli(['put', 'elsewhere', 'a', '--local', '--data-dir', dir]);
			expect(missing.code).toBe(9);
			expect(missing.stderr).toMatch(
				/^The stream 'elsewhere' was not found in us-east-1 at http:\/\/127\.0\.0\.1:\d+\.\nStreams there: local-stream\.\n$/,
			);

			engine = await startEngine({dataDir: dir});
			client = kinesisClient(engine.url);
			expect((await readAll(client, 'local-stream')).map(text)).toEqual(['a', 'b']);
			client.destroy();
			await engine.close();
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
