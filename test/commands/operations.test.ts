import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	IncreaseStreamRetentionPeriodCommand,
	ListShardsCommand,
	PutRecordsCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {auditLogLines, cliEnv, jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {cliPath} from '../helpers/engineProcess.js';

const HOUR = 3_600_000;
const QUARTER = (1n << 128n) / 4n;
const EIGHTH = (1n << 128n) / 8n;
/** Computed here independently: MD5 of the UTF-8 key, big-endian, unsigned. */
const md5 = (key: string) => BigInt(`0x${createHash('md5').update(Buffer.from(key, 'utf8')).digest('hex')}`);

interface Line {
	type: string;
	[key: string]: unknown;
}

let offset = 0;
let engine: Engine;
let client: KinesisClient;
let dir: string;
let auditPath: string;

beforeAll(async () => {
	engine = await startEngine({updateStreamMs: 150, now: () => Date.now() + offset});
	client = kinesisClient(engine.url, 'http1');
	dir = mkdtempSync(join(tmpdir(), 'operations-'));
	auditPath = join(dir, 'audit.jsonl');
});
afterAll(async () => {
	client.destroy();
	await engine.close();
	rmSync(dir, {recursive: true, force: true});
});

const env = () => ({KINESIS_CONSOLE_AUDIT_LOG: auditPath});
const cli = (...args: string[]) => runCli([...args, '--endpoint-url', engine.url], {env: env()});
const auditLines = () => auditLogLines(auditPath);
const openShards = async (stream: string) =>
	((await client.send(new ListShardsCommand({StreamName: stream}))).Shards ?? []).filter(
		(shard) => !shard.SequenceNumberRange?.EndingSequenceNumber,
	);

let streams = 0;
async function createStream(shards: number): Promise<string> {
	const name = `ops-${process.pid}-${++streams}`;
	await client.send(new CreateStreamCommand({StreamName: name, ShardCount: shards}));
	return name;
}

/** Writes records into shards of equal ranges (counts per shard), by explicit hash key. */
async function put(stream: string, counts: readonly number[], keys: (n: number) => string = (n) => `k${n}`): Promise<void> {
	const step = (1n << 128n) / BigInt(counts.length);
	const records = counts.flatMap((count, shard) =>
		Array.from({length: count}, (_, n) => ({
			PartitionKey: keys(n),
			ExplicitHashKey: (step * BigInt(shard) + 1n).toString(),
			Data: Buffer.from('x'),
		})),
	);
	for (let start = 0; start < records.length; start += 500)
		await client.send(new PutRecordsCommand({StreamName: stream, Records: records.slice(start, start + 500)}));
}

/** Runs the CLI on a pseudo-terminal (stdin and stdout), typing `input`. */
function runTyping(args: string[], input: string): Promise<{output: string; code: number}> {
	const command = [process.execPath, cliPath, ...args, '--endpoint-url', engine.url]
		.map((word) => `'${word.replaceAll("'", "'\\''")}'`)
		.join(' ');
	return new Promise((resolve) => {
		const child = execFile(
			'script',
			['-qec', command, '/dev/null'],
			{env: {...cliEnv(env()), TERM: 'xterm-256color'}, timeout: 30_000},
			(error, stdout) => {
				resolve({output: stdout.replaceAll('\r\n', '\n'), code: error ? ((error as {code?: number}).code ?? 1) : 0});
			},
		);
		child.stdin?.end(input);
	});
}

describe('split, merge, scale and retention, as processes', () => {
	it('on an 80-column terminal, a preview puts each hash key range under its row rather than wrap the table', async () => {
		const stream = await createStream(4);
		const run = (columns: number) => runInTerminal(['split', stream, '1', '--dry-run', '--endpoint-url', engine.url], env(), columns);
		const narrow = await run(80);
		for (const line of narrow.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
		expect(narrow).toMatch(
			/shardId-000000000001 +25\.0%\n +85070591730234615865843651857942052864\n +\.\.170141183460469231731687303715884105727\n/,
		);
		// A scale's limits and warnings, and a retention change's warnings, wrap at their words too.
		for (const args of [
			['scale', stream, '8', '--dry-run'],
			['retention', stream, '48', '--dry-run'],
		]) {
			const plan = await runInTerminal([...args, '--endpoint-url', engine.url], env(), 80);
			expect(plan).toContain(args[0] === 'scale' ? 'per day' : '!');
			// What a terminal shows of each line: a progress line rewritten in place (\r, erase) is gone.
			const shown = plan
				.trimEnd()
				.split('\n')
				.map((line) => (line.split('\r').at(-1) ?? '').replaceAll('\u001b[K', ''));
			for (const line of shown) expect(line.length, line).toBeLessThanOrEqual(80);
		}
		// Wide enough, the table is as it was: the range in its column.
		const wide = await run(160);
		expect(wide).toMatch(/shardId-000000000001 +85070591730234615865843651857942052864\.\.170141183460469231731687303715884105727 +25\.0%/);
	});

	it('split --yes --json: the plan, then the new shard map; both steps in the audit log, with no secret', async () => {
		const stream = await createStream(2);
		const {stdout, stderr, code} = await cli('split', stream, '1', '--yes', '--json');
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const [plan, result, ...rest] = jsonLines(stdout) as Line[];
		expect(rest).toEqual([]);
		expect(plan).toMatchObject({
			type: 'plan',
			operation: 'split',
			shardId: 'shardId-000000000001',
			method: 'midpoint',
			newStartingHashKey: (3n * QUARTER).toString(),
		});
		expect(result).toMatchObject({
			type: 'result',
			operation: 'split',
			status: 'ACTIVE',
			newShardIds: ['shardId-000000000002', 'shardId-000000000003'],
		});
		expect((result?.openShards as unknown[]).length).toBe(3);
		const lines = auditLines().filter((line) => line.stream === stream);
		expect(lines.map((line) => line.outcome)).toEqual(['submitted', 'completed']);
		expect(lines[0]).toMatchObject({operation: 'split', target: {kind: 'endpoint', region: 'us-east-1', endpoint: engine.url}});
		const text = readFileSync(auditPath, 'utf8');
		expect(text).not.toContain(credentials.secretAccessKey);
		expect(text).not.toContain(credentials.accessKeyId);
	});

	it('split --median --sample --dry-run: previews the median of the partition keys read back, and changes nothing', async () => {
		const stream = await createStream(1);
		// Skewed: three quarters of the records have partition keys hashing into the bottom eighth of the key space.
		const keys = Array.from({length: 2_000}, (_, n) => `user-${n}`);
		const low = keys.filter((key) => md5(key) < EIGHTH).slice(0, 60);
		const high = keys.filter((key) => md5(key) >= EIGHTH).slice(0, 100);
		await put(stream, [400], (n) => (n < 300 ? (low[n % 60] ?? '') : (high[n - 300] ?? '')));
		const {stdout, code} = await cli('split', stream, 'shardId-000000000000', '--median', '--sample', '15m', '--dry-run', '--json');
		expect(code).toBe(0);
		const [plan, ...rest] = jsonLines(stdout) as Array<
			Line & {children: Array<{traffic: {share: number; records: number}; keySpaceShare: number}>; observed: {records: number}}
		>;
		expect(rest).toEqual([]);
		expect(plan).toMatchObject({type: 'plan', method: 'median', observed: {records: 400, inRange: 400, distinctHashKeys: 160}});
		expect(plan?.children.map((child) => child.traffic.records)).toEqual([200, 200]);
		expect(plan?.children.map((child) => child.traffic.share)).toEqual([0.5, 0.5]);
		expect(plan?.children[0]?.keySpaceShare).toBeLessThan(0.125);
		expect(await openShards(stream)).toHaveLength(1);
		expect(auditLines().filter((line) => line.stream === stream)).toEqual([]);
	});

	it('a refused target gets the refusal alone: no plan beside it', async () => {
		const stream = await createStream(2);
		const missing = await cli('split', stream, 'shardId-000000000099', '--dry-run', '--json');
		expect(missing.code).toBe(9);
		expect(missing.stdout).toBe('');
		expect(missing.stderr).toContain(`'${stream}' has no shard shardId-000000000099.`);
		const itself = await cli('merge', stream, 'shardId-000000000001', 'shardId-000000000001', '--dry-run');
		expect(itself.code).toBe(15);
		expect(itself.stdout).toBe('');
		expect(itself.stderr.match(/cannot be merged with itself/g)).toHaveLength(1);
	});

	it('merge --yes without shards merges the coldest adjacent pair', async () => {
		const stream = await createStream(4);
		await put(stream, [50, 3, 1, 40]);
		const {stdout, code} = await cli('merge', stream, '--yes', '--json');
		expect(code).toBe(0);
		const [plan, result] = jsonLines(stdout) as Line[];
		expect(plan).toMatchObject({
			type: 'plan',
			reason: 'coldest',
			shardToMerge: 'shardId-000000000001',
			adjacentShardToMerge: 'shardId-000000000002',
			traffic: {source: 'sample'},
		});
		expect(result).toMatchObject({type: 'result', newShardIds: ['shardId-000000000004']});
		expect((await openShards(stream)).map((shard) => shard.ShardId)).toEqual([
			'shardId-000000000000',
			'shardId-000000000003',
			'shardId-000000000004',
		]);
	});

	it('scale up with --yes; over double is refused with the limits shown', async () => {
		const stream = await createStream(2);
		const up = await cli('scale', stream, '4', '--yes', '--json');
		expect(up.code).toBe(0);
		const [plan, result] = jsonLines(up.stdout) as Line[];
		expect(plan).toMatchObject({
			type: 'plan',
			current: 2,
			target: 4,
			limits: {minTarget: 1, maxTarget: 4, account: {openShardCount: expect.any(Number)}},
		});
		expect((result?.openShards as Array<{startingHashKey: string}>).map((shard) => shard.startingHashKey)).toEqual([
			'0',
			QUARTER.toString(),
			(2n * QUARTER).toString(),
			(3n * QUARTER).toString(),
		]);

		const before = auditLines().length;
		const over = await cli('scale', stream, '9', '--yes');
		// Refused by the console's own check before any call (15), not by Kinesis (13); the refusal alone, no preview.
		expect(over.code).toBe(15);
		expect(over.stderr).toBe(
			'9 shards is more than double the 4 open shards: Kinesis scales up to at most 8 in one step.\nScale in steps: 4 → 8 → 9.\n',
		);
		expect(over.stdout).toBe('');
		expect(await openShards(stream)).toHaveLength(4);
		expect(auditLines()).toHaveLength(before);
	});

	it('retention: shows the oldest records; a decrease with --yes puts the estimate on stderr, and that is what goes', async () => {
		offset = -40 * HOUR;
		const stream = await createStream(2);
		await client.send(new IncreaseStreamRetentionPeriodCommand({StreamName: stream, RetentionPeriodHours: 48}));
		await new Promise((resolve) => setTimeout(resolve, 200));
		await put(stream, [7, 3]);
		offset = -30 * HOUR;
		await put(stream, [2, 0]);
		offset = -2 * HOUR;
		await put(stream, [4, 4]);
		offset = 0;

		const shown = await cli('retention', stream, '--json');
		expect(shown.code).toBe(0);
		const [overview] = jsonLines(shown.stdout) as Array<Line & {shards: Array<{oldest: {ageMs: number}}>}>;
		expect(overview).toMatchObject({type: 'retention', retentionHours: 48});
		expect(overview?.shards.map((shard) => Math.round(shard.oldest.ageMs / HOUR))).toEqual([40, 40]);

		const {stdout, stderr, code} = await cli('retention', stream, '24', '--yes', '--json');
		expect(code).toBe(0);
		expect(stderr).toMatch(
			new RegExp(
				`^Decreasing the retention of '${stream}' from 48 to 24 hours makes 12 records \\(from \\S+Z, spanning 10h( \\d+m)?\\) unreadable\\.\\n$`,
			),
		);
		const [plan, result] = jsonLines(stdout) as Array<Line & {estimate: {shards: Array<{records: number}>}}>;
		expect(plan?.estimate.shards.map((shard) => shard.records)).toEqual([9, 3]);
		expect(result).toMatchObject({type: 'result', retentionHours: 24});
		const shards = await cli('retention', stream, '--json');
		const [after] = jsonLines(shards.stdout) as Array<Line & {shards: Array<{oldest: {ageMs: number}}>}>;
		expect(after?.shards.map((shard) => Math.round(shard.oldest.ageMs / HOUR))).toEqual([2, 2]);
		const lines = auditLines().filter((line) => line.stream === stream);
		expect(lines.map((line) => [line.operation, line.outcome])).toEqual([
			['retention', 'submitted'],
			['retention', 'completed'],
		]);
	});

	it('refuses under --read-only (exit 14) and without --yes when stdin is not a terminal (exit 2), changing nothing', async () => {
		const stream = await createStream(2);
		const readOnly = await cli('split', stream, '0', '--yes', '--read-only');
		expect(readOnly).toMatchObject({code: 14, stdout: ''});
		expect(readOnly.stderr).toContain('refused under --read-only');
		const preview = await cli('scale', stream, '3', '--read-only', '--dry-run', '--json');
		expect(preview.code).toBe(0);
		expect((jsonLines(preview.stdout) as Line[])[0]).toMatchObject({type: 'plan', target: 3});
		const noTerminal = await cli('retention', stream, '100');
		expect(noTerminal.code).toBe(2);
		expect(noTerminal.stderr).toContain('stdin is not a terminal, so there is no one to ask');
		expect(noTerminal.stderr).toContain('--yes');
		expect(await openShards(stream)).toHaveLength(2);
		const {StreamDescriptionSummary: summary} = await client.send(new DescribeStreamSummaryCommand({StreamName: stream}));
		expect(summary?.RetentionPeriodHours).toBe(24);
	});

	it('asks on a terminal: y splits; a decrease needs the stream name typed', async () => {
		const stream = await createStream(2);
		const split = await runTyping(['split', stream, '0'], 'y\n');
		expect(split.code).toBe(0);
		expect(split.output).toContain(`Split shardId-000000000000 of '${stream}'? [y/N]`);
		expect(split.output).toMatch(/is ACTIVE with 3 open shards/);
		expect(split.output).toMatch(/\+ shardId-000000000002 +shardId-000000000000 +0\.\./);

		await client.send(new IncreaseStreamRetentionPeriodCommand({StreamName: stream, RetentionPeriodHours: 48}));
		await new Promise((resolve) => setTimeout(resolve, 200));
		const wrong = await runTyping(['retention', stream, '24'], 'yes\n');
		expect(wrong.code).toBe(16);
		expect(wrong.output).toContain(`Type the stream name (${stream}) to confirm:`);
		expect(wrong.output).toContain('Nothing changed.');
		const right = await runTyping(['retention', stream, '24'], `${stream}\n`);
		expect(right.code).toBe(0);
		expect(right.output).toContain(`now keeps records for 24 hours`);
	});
});
