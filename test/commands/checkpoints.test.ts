import {execFile} from 'node:child_process';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {RegisterStreamConsumerCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {GetItemCommand, type DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {auditLogLines, cliEnv, jsonLines, runCli, runInTerminal} from '../helpers/cli.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';
import {cliPath} from '../helpers/engineProcess.js';
import {
	createLeaseTable,
	createStream,
	dynamoClient,
	putLease,
	putLeaderLock,
	putMigrationState,
	putRecords,
	putWorkerMetricStats,
	workerCheckpoint,
} from '../helpers/leaseTables.js';

const shardId = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

interface Line {
	type: string;
	[key: string]: unknown;
}

let engine: Engine;
let kinesis: KinesisClient;
let dynamo: DynamoDBClient;
let dir: string;
let auditPath: string;

beforeAll(async () => {
	engine = await startEngine({registerConsumerMs: 0});
	kinesis = kinesisClient(engine.url, 'http1');
	dynamo = dynamoClient(engine.url);
	dir = mkdtempSync(join(tmpdir(), 'checkpoints-cli-'));
	auditPath = join(dir, 'audit.jsonl');
});
afterAll(async () => {
	kinesis.destroy();
	dynamo.destroy();
	await engine.close();
	rmSync(dir, {recursive: true, force: true});
});

const env = () => ({KINESIS_CONSOLE_AUDIT_LOG: auditPath});
const cli = (...args: string[]) => runCli([...args, '--endpoint-url', engine.url], {env: env()});
const auditLines = () => auditLogLines(auditPath);
const checkpointOf = async (table: string, shard: number) =>
	(await dynamo.send(new GetItemCommand({TableName: table, Key: {leaseKey: {S: shardId(shard)}}, ConsistentRead: true}))).Item?.checkpoint
		?.S;

let count = 0;
/** A stream of two shards with records, and an application whose checkpoints are part way. */
async function setUp(): Promise<{stream: string; app: string; sequences: string[][]}> {
	const stream = `cli-${process.pid}-${++count}`;
	const app = `${stream}-app`;
	await createStream(kinesis, stream, 2);
	const sequences = [await putRecords(kinesis, stream, 2, 0, 6), await putRecords(kinesis, stream, 2, 1, 4)];
	await createLeaseTable(dynamo, app);
	await putLease(dynamo, app, shardId(0), {checkpoint: sequences[0]?.[1], owner: 'worker-a', counter: 3});
	await putLease(dynamo, app, shardId(1), {checkpoint: sequences[1]?.[3], owner: 'worker-b', counter: 5});
	return {stream, app, sequences};
}

/**
 * A proxy in front of the engine that runs `before` on each request (its X-Amz-Target and body) before
 * passing it on: a worker's write can be slipped in between a reset's plan and its write.
 */
async function interceptingProxy(
	before: (target: string, body: string) => Promise<void>,
): Promise<{url: string; close: () => Promise<void>}> {
	const upstream = new URL(engine.url);
	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const body = Buffer.concat(chunks);
			void before(String(request.headers['x-amz-target'] ?? ''), body.toString('utf8')).then(() => {
				const forward = http.request(
					{host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers},
					(answer) => {
						response.writeHead(answer.statusCode ?? 500, answer.headers);
						answer.pipe(response);
					},
				);
				forward.end(body);
			});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
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

describe('consumers and checkpoints, as processes', () => {
	it('consumers lists the KCL application and the enhanced fan-out consumers', async () => {
		const {stream, app} = await setUp();
		const {arn} = {arn: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`};
		await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: arn, ConsumerName: 'alerts'}));
		const {stdout, stderr, code} = await cli('consumers', stream, '--json', '--window', '3');
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const lines = jsonLines(stdout) as Line[];
		// Worst first: the fan-out consumer nothing subscribes to is STOPPED; the application's checkpoints stay put while its
		// oldest unread record ages: over the 3 s between the readings its lag grows, WARNING (a minute would be needed for STALLED).
		expect(lines).toEqual([
			expect.objectContaining({
				type: 'fan-out-consumer',
				kind: 'efo',
				stream,
				name: 'alerts',
				consumerStatus: 'ACTIVE',
				status: 'STOPPED',
				lagMs: null,
				expiresInMs: null,
			}),
			expect.objectContaining({
				type: 'application',
				kind: 'kcl',
				name: app,
				status: 'WARNING',
				lagMs: expect.any(Number),
				stream,
				application: app,
				matchedBy: 'checkpoint',
				leases: 2,
				workers: [
					{owner: 'worker-a', leases: 1},
					{owner: 'worker-b', leases: 1},
				],
			}),
		]);
		const [, application] = lines as Array<Line & {lagMs: number; expiresInMs: number}>;
		// The stream keeps records 24 hours: the oldest unread one has that less its age left.
		expect(application?.expiresInMs).toBe(24 * 3_600_000 - (application?.lagMs ?? 0));
		const text = await runInTerminal(['consumers', stream, '--endpoint-url', engine.url]);
		expect(text).toContain(`KCL applications of '${stream}'`);
		expect(text).toMatch(new RegExp(`${app} +2 +0 +worker-a \\(1\\), worker-b \\(1\\) +0 +its checkpoints`));
		expect(text).toMatch(/alerts +ACTIVE/);
		expect(text).toContain(`kinesis-console checkpoints ${stream} --app`);
	});

	it('checkpoints shows each shard with its lag; a missing application is exit 9 with the lease tables named', async () => {
		const {stream, app, sequences} = await setUp();
		const {stdout, code} = await cli('checkpoints', stream, '--app', app, '--liveness', '0.3', '--json');
		expect(code).toBe(0);
		const [report, ...rest] = jsonLines(stdout) as Array<Line & {shards: Array<Record<string, unknown>>}>;
		expect(rest).toEqual([]);
		expect(report).toMatchObject({type: 'checkpoints', application: app, livenessMs: 300, summary: {leases: 2, behind: 1, notHeld: 2}});
		expect(report?.shards).toEqual([
			expect.objectContaining({
				shardId: shardId(0),
				leaseOwner: 'worker-a',
				leaseCounter: 3,
				holder: 'stale',
				lag: expect.objectContaining({state: 'behind', sequenceNumber: sequences[0]?.[2]}),
			}),
			expect.objectContaining({shardId: shardId(1), holder: 'stale', lag: {state: 'caught-up'}}),
		]);
		const text = await runInTerminal(['checkpoints', stream, '--app', app, '--liveness', '0', '--endpoint-url', engine.url]);
		expect(text).toMatch(new RegExp(`${shardId(0)} +open +worker-a +3 +${sequences[0]?.[1]} +\\d+s behind`));
		expect(text).toMatch(new RegExp(`${shardId(1)} +open +worker-b +5 +${sequences[1]?.[3]} +caught up`));

		const missing = await cli('checkpoints', stream, '--app', 'no-such-app', '--liveness', '0');
		expect(missing.code).toBe(9);
		expect(missing.stderr).toContain("There is no lease table 'no-such-app'");
		expect(missing.stderr).toContain(`Lease tables there:`);
		expect(missing.stderr).toContain(app);
		expect((await cli('checkpoints', stream)).code).toBe(2);
	});

	it('a KCL 3.x application: its version, leader, migration state and workers’ load, plain and JSON; a reset waits out a handoff', async () => {
		const {stream, app, sequences} = await setUp();
		const home = {table: app, layout: 'single-table' as const};
		await putLease(dynamo, app, shardId(0), {
			checkpoint: sequences[0]?.[1],
			owner: 'worker-a',
			counter: 3,
			throughputKBps: 40,
			entityType: true,
		});
		await putLease(dynamo, app, shardId(1), {
			checkpoint: sequences[1]?.[3],
			owner: 'worker-b',
			checkpointOwner: 'worker-a',
			counter: 5,
			throughputKBps: 2.25,
			entityType: true,
		});
		await putWorkerMetricStats(dynamo, home, 'worker-a', {cpu: [20, 33]});
		await putLeaderLock(dynamo, home, 'worker-a');
		await putMigrationState(dynamo, home, 'CLIENT_VERSION_3X_WITH_ROLLBACK', 'worker-a', 0);

		const consumers = jsonLines((await cli('consumers', stream, '--app', app, '--no-discover', '--json')).stdout) as Line[];
		expect(consumers).toEqual([
			expect.objectContaining({
				type: 'application',
				application: app,
				leases: 2,
				version: '3.x',
				leader: {owner: 'worker-a', leaseDurationMs: 20_000, released: false},
				migration: expect.objectContaining({clientVersion: 'CLIENT_VERSION_3X_WITH_ROLLBACK'}),
				workers: [
					{owner: 'worker-a', leases: 1, throughputKBps: 40, cpuPercent: 33},
					{owner: 'worker-b', leases: 1, throughputKBps: 2.25},
				],
			}),
		]);
		const table = await runInTerminal(['consumers', stream, '--app', app, '--no-discover', '--endpoint-url', engine.url]);
		expect(table).toMatch(/KCL +LEADER/);
		expect(table).toMatch(
			new RegExp(
				`${app} +2 +0 +worker-a \\(1, 40 KB/s, CPU 33%\\), worker-b \\(1, 2\\.3 KB/s\\) .*3\\.x \\(CLIENT_VERSION_3X_WITH_ROLLBACK\\) +worker-a`,
			),
		);

		const [report] = jsonLines((await cli('checkpoints', stream, '--app', app, '--liveness', '0', '--json')).stdout) as Array<
			Line & {shards: Array<Record<string, unknown>>}
		>;
		expect(report).toMatchObject({
			kcl: {version: '3.x', leader: {owner: 'worker-a'}, migration: {clientVersion: 'CLIENT_VERSION_3X_WITH_ROLLBACK'}},
			workers: [
				expect.objectContaining({owner: 'worker-a', throughputKBps: 40, cpuPercent: 33}),
				expect.objectContaining({owner: 'worker-b'}),
			],
		});
		expect(report?.shards[1]).toMatchObject({checkpointOwner: 'worker-a', throughputKBps: 2.25, flags: ['handoff']});
		const text = await runInTerminal(['checkpoints', stream, '--app', app, '--liveness', '0', '--endpoint-url', engine.url]);
		expect(text).toContain('KCL 3.x · leader worker-a · migration CLIENT_VERSION_3X_WITH_ROLLBACK (3.x, rollback still possible)');
		expect(text).toContain('Workers: worker-a (1 lease, 40 KB/s, CPU 33%); worker-b (1 lease, 2.3 KB/s)');
		expect(text).toMatch(new RegExp(`${shardId(1)} +open +worker-b +5 +${sequences[1]?.[3]} +caught up +2\\.3 +handing off`));
		expect(text).toContain(`${shardId(1)}: handed off: worker-a writes its last checkpoint, then worker-b reads on`);

		const reset = await cli('checkpoints', 'reset', stream, '--app', app, '--to', 'trim-horizon', '--liveness', '0', '--yes');
		expect(reset.code).not.toBe(0);
		expect(reset.stderr).toContain('graceful handoff');
		expect(await checkpointOf(app, 1)).toBe(sequences[1]?.[3]);
	});

	it('reset --dry-run prints only the plan and writes nothing', async () => {
		const {stream, app, sequences} = await setUp();
		const {stdout, stderr, code} = await cli(
			'checkpoints',
			'reset',
			stream,
			'--app',
			app,
			'--to',
			'trim-horizon',
			'--dry-run',
			'--liveness',
			'0',
			'--json',
		);
		expect(stderr).toBe('');
		expect(code).toBe(0);
		const [plan, ...rest] = jsonLines(stdout) as Array<Line & {shards: Array<Record<string, unknown>>}>;
		expect(rest).toEqual([]);
		expect(plan).toMatchObject({type: 'plan', operation: 'checkpoint-reset', application: app, target: 'TRIM_HORIZON', problems: []});
		expect(plan?.shards.map((shard) => [shard.shardId, shard.action, (shard.effect as {records?: number}).records])).toEqual([
			[shardId(0), 'reset', 2],
			[shardId(1), 'reset', 4],
		]);
		expect(await checkpointOf(app, 0)).toBe(sequences[0]?.[1]);
		expect(auditLines().filter((line) => line.stream === stream)).toEqual([]);

		const text = await runInTerminal([
			'checkpoints',
			'reset',
			stream,
			'--app',
			app,
			'--to',
			'latest',
			'--shard',
			'0',
			'--dry-run',
			'--liveness',
			'0',
			'--endpoint-url',
			engine.url,
		]);
		expect(text).toContain(`Reset the checkpoints of '${app}' on '${stream}' to LATEST`);
		expect(text).toMatch(new RegExp(`\\* ${shardId(0)} +worker-a +${sequences[0]?.[1]} +LATEST +skips 4 records`));
		expect(text).not.toContain(shardId(1));
		expect(await checkpointOf(app, 0)).toBe(sequences[0]?.[1]);
	});

	it('a plan problem names its remedy as a flag: a sequence number for every shard asks for one --shard', async () => {
		const {stream, app, sequences} = await setUp();
		const {stderr, code} = await cli(
			'checkpoints',
			'reset',
			stream,
			'--app',
			app,
			'--to',
			sequences[0]?.[2] ?? '',
			'--dry-run',
			'--liveness',
			'0',
		);
		expect(code).not.toBe(0);
		expect(stderr).toContain('A sequence number belongs to one shard');
		expect(stderr).toContain('Name that shard alone (one --shard).');
	});

	it("reset refuses an application's checkpoints on a stream they are not of, writing nothing, unless --foreign-checkpoints", async () => {
		const {app} = await setUp();
		const {stream: other} = await setUp();
		const before = await checkpointOf(app, 0);
		// The report says so, and does not call shards of unknown lag caught up.
		const report = (await runInTerminal(['checkpoints', other, '--app', app, '--liveness', '0', '--endpoint-url', engine.url])).replaceAll(
			/\s+/g,
			' ',
		);
		expect(report).toContain(`! These checkpoints do not look like those of '${other}': Kinesis refuses its checkpoint of ${shardId(0)}`);
		expect(report).toContain('no shard is known to be behind; the lag of 2 is unknown');
		expect(report).not.toContain('every shard is caught up');
		const [json] = jsonLines((await cli('checkpoints', other, '--app', app, '--liveness', '0', '--json')).stdout);
		expect(json).toMatchObject({otherStream: expect.stringContaining('Kinesis refuses'), summary: {unknownLag: 2}});
		// The reset of the other stream's application, under the name typed.
		const reset = (to: string, ...flags: string[]) =>
			cli('checkpoints', 'reset', other, '--app', app, '--to', to, '--liveness', '0', ...flags);
		const refused = await reset('trim-horizon', '--yes');
		expect(refused.code).toBe(15);
		expect(refused.stderr).toContain(`The checkpoints of '${app}' do not look like those of '${other}'`);
		expect(refused.stderr).toContain('(--foreign-checkpoints).');
		expect(await checkpointOf(app, 0)).toBe(before);
		// To LATEST the plan reads from the current checkpoint, which Kinesis refuses: still the refusal, no crash.
		const latest = await reset('latest', '--dry-run');
		expect(latest.code).toBe(15);
		expect(latest.stderr).not.toContain('AbortError');
		const latestTold = await reset('latest', '--dry-run', '--foreign-checkpoints');
		expect(latestTold.code).toBe(0);
		expect(latestTold.stdout).toContain('the current checkpoint is not a sequence number of this shard');
		const told = await reset('trim-horizon', '--yes', '--foreign-checkpoints');
		expect(told.code).toBe(0);
		expect(await checkpointOf(app, 0)).toBe('TRIM_HORIZON');
		const misplaced = await cli('checkpoints', other, '--app', app, '--foreign-checkpoints');
		expect(misplaced.code).toBe(2);
		expect(misplaced.stderr).toContain('--foreign-checkpoints is for checkpoints reset.');
	});

	it('reset --yes writes, and the audit log has the reset with no secret; --read-only and a missing terminal refuse', async () => {
		const {stream, app, sequences} = await setUp();
		const readOnly = await cli('checkpoints', 'reset', stream, '--app', app, '--to', 'latest', '--yes', '--read-only');
		expect(readOnly).toMatchObject({code: 14, stdout: ''});
		expect(readOnly.stderr).toContain('refused under --read-only: resetting the checkpoints of');
		const noTerminal = await cli('checkpoints', 'reset', stream, '--app', app, '--to', 'latest');
		expect(noTerminal.code).toBe(2);
		expect(noTerminal.stderr).toContain('stdin is not a terminal');
		expect(await checkpointOf(app, 0)).toBe(sequences[0]?.[1]);

		const {stdout, code} = await cli(
			'checkpoints',
			'reset',
			stream,
			'--app',
			app,
			'--to',
			sequences[0]?.[4] ?? '',
			'--shard',
			'0',
			'--yes',
			'--liveness',
			'0',
			'--json',
		);
		expect(code).toBe(0);
		const [plan, result, ...rest] = jsonLines(stdout) as Line[];
		expect(rest).toEqual([]);
		expect(plan).toMatchObject({type: 'plan', target: `sequence number ${sequences[0]?.[4]}`});
		expect(result).toMatchObject({
			type: 'result',
			written: [{shardId: shardId(0), action: 'reset', before: sequences[0]?.[1], after: sequences[0]?.[4]}],
			changedSincePlan: [],
		});
		expect(await checkpointOf(app, 0)).toBe(sequences[0]?.[4]);
		const lines = auditLines().filter((line) => line.stream === stream);
		expect(lines.map((line) => [line.operation, line.outcome])).toEqual([
			['checkpoint-reset', 'submitted'],
			['checkpoint-reset', 'completed'],
		]);
		expect(lines[1]).toMatchObject({
			parameters: {application: app, shards: [shardId(0)]},
			before: [{shardId: shardId(0), checkpoint: sequences[0]?.[1], leaseCounter: 3}],
			after: {written: [{shardId: shardId(0), checkpoint: sequences[0]?.[4]}]},
		});
		const text = readFileSync(auditPath, 'utf8');
		expect(text).not.toContain(credentials.secretAccessKey);
		expect(text).not.toContain(credentials.accessKeyId);
	});

	it('reset --yes meets a checkpoint a worker wrote after the plan: that shard is not clobbered, the plan is shown again, exit 12', async () => {
		const {stream, app, sequences} = await setUp();
		let slipped = false;
		// Just before the reset's first conditional write reaches the table, worker-a checkpoints.
		const proxy = await interceptingProxy(async (target, body) => {
			if (slipped || target !== 'DynamoDB_20120810.UpdateItem' || !body.includes('ConditionExpression')) return;
			slipped = true;
			await workerCheckpoint(dynamo, app, shardId(0), 'worker-a', 3, sequences[0]?.[3] ?? '');
		});
		let outcome;
		try {
			outcome = await runCli(
				[
					'checkpoints',
					'reset',
					stream,
					'--app',
					app,
					'--to',
					'trim-horizon',
					'--yes',
					'--liveness',
					'0',
					'--json',
					'--endpoint-url',
					proxy.url,
				],
				{env: env()},
			);
		} finally {
			await proxy.close();
		}
		expect(slipped).toBe(true);
		expect(outcome.code).toBe(12);
		expect(outcome.stderr).toContain(
			`1 shard changed since the plan (${shardId(0)}): nothing was written to it. Not written again without asking`,
		);
		const [plan, result, replan, ...rest] = jsonLines(outcome.stdout) as Array<Line & {shards?: Array<Record<string, unknown>>}>;
		expect(rest).toEqual([]);
		expect(plan).toMatchObject({type: 'plan'});
		expect(result).toMatchObject({
			type: 'result',
			written: [{shardId: shardId(1), after: 'TRIM_HORIZON'}],
			changedSincePlan: [
				{
					shardId: shardId(0),
					change: 'checkpoint',
					planned: {checkpoint: sequences[0]?.[1], leaseCounter: 3},
					now: {checkpoint: sequences[0]?.[3], leaseCounter: 4},
				},
			],
		});
		expect(replan).toMatchObject({type: 'plan', replanned: true});
		expect(replan?.shards?.[0]).toMatchObject({
			shardId: shardId(0),
			action: 'reset',
			current: {checkpoint: sequences[0]?.[3], leaseCounter: 4},
		});
		expect(await checkpointOf(app, 0)).toBe(sequences[0]?.[3]);
		expect(await checkpointOf(app, 1)).toBe('TRIM_HORIZON');
	});

	it('reset --take-leases: takes the lease, plans from it, writes, and gives it back', async () => {
		const {stream, app} = await setUp();
		const {stdout, stderr, code} = await cli(
			'checkpoints',
			'reset',
			stream,
			'--app',
			app,
			'--to',
			'latest',
			'--shard',
			'0',
			'--take-leases',
			'--yes',
			'--liveness',
			'0',
			'--json',
		);
		expect(code).toBe(0);
		expect(stderr).toMatch(new RegExp(`^Took 1 lease of '${app}' as kinesis-console@`));
		const [plan, result, ...rest] = jsonLines(stdout) as Array<
			Line & {warnings?: string[]; shards?: Array<{current: {leaseOwner?: string}}>}
		>;
		expect(rest).toEqual([]);
		expect(plan?.shards?.[0]?.current.leaseOwner).toMatch(/^kinesis-console@/);
		expect(plan?.warnings?.join(' ')).toContain(`The console holds the lease of ${shardId(0)}`);
		// Said before the reset is confirmed: when a hold may not last.
		expect(plan?.warnings?.join(' ')).toContain('balance leases by stealing from whoever holds more than its share, the console too');
		expect(result).toMatchObject({type: 'result', written: [{shardId: shardId(0), after: 'LATEST'}], changedSincePlan: []});
		const item = (await dynamo.send(new GetItemCommand({TableName: app, Key: {leaseKey: {S: shardId(0)}}, ConsistentRead: true}))).Item;
		expect(item?.checkpoint?.S).toBe('LATEST');
		expect(item?.leaseOwner).toBeUndefined();
		// The other shard's lease was never taken.
		expect(
			(await dynamo.send(new GetItemCommand({TableName: app, Key: {leaseKey: {S: shardId(1)}}, ConsistentRead: true}))).Item?.leaseOwner?.S,
		).toBe('worker-b');
	});

	it('asks on a terminal: no changes nothing, yes resets', async () => {
		const {stream, app, sequences} = await setUp();
		const no = await runTyping(['checkpoints', 'reset', stream, '--app', app, '--to', 'latest', '--liveness', '0'], 'n\n');
		expect(no.code).toBe(16);
		expect(no.output).toContain(`Reset 2 checkpoints of '${app}'? [y/N]`);
		expect(no.output).toContain('Nothing changed.');
		expect(await checkpointOf(app, 0)).toBe(sequences[0]?.[1]);
		const yes = await runTyping(['checkpoints', 'reset', stream, '--app', app, '--to', 'latest', '--liveness', '0'], 'y\n');
		expect(yes.code).toBe(0);
		expect(yes.output).toMatch(new RegExp(`${shardId(0)} +${sequences[0]?.[1]} +LATEST`));
		expect(await checkpointOf(app, 0)).toBe('LATEST');
	});
});
