import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {CreateStreamCommand, DescribeStreamSummaryCommand, ListStreamsCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {kinesisClient} from './helpers/engine.js';
import {runCli} from './helpers/cli.js';
import {cliPath, spawnEngine} from './helpers/engineProcess.js';

const run = promisify(execFile);

async function cli(...args: string[]): Promise<{stdout: string; stderr: string; code: number}> {
	try {
		return {...(await run(process.execPath, [cliPath, ...args])), code: 0};
	} catch (error) {
		const failed = error as {stdout: string; stderr: string; code: number};
		return {stdout: failed.stdout, stderr: failed.stderr, code: failed.code};
	}
}

describe('kinesis-console', () => {
	it('lists every command with a line each in --help', async () => {
		const {stdout, code} = await cli('--help');
		expect(code).toBe(0);
		const section = stdout.slice(stdout.indexOf('Commands')).split('\n').slice(1);
		const commands = section.slice(
			0,
			section.findIndex((line) => line.trim() === ''),
		);
		expect(commands.map((line) => line.trim().split(/\s+/)[0])).toEqual([
			'streams',
			'describe',
			'tail',
			'put',
			'find-shard',
			'split',
			'merge',
			'scale',
			'retention',
			'consumers',
			'checkpoints',
			'engine',
		]);
		for (const line of commands) expect(line.trim().split(/\s{2,}/)[1]?.length).toBeGreaterThan(20);
		expect(stdout).toContain('--local --demo');
	});

	it('explains a usage error and exits with 2', async () => {
		const {stderr, code} = await cli('engine', '--in-memory', '--data-dir', '/tmp/x');
		expect(code).toBe(2);
		expect(stderr).toContain('--data-dir and --in-memory cannot be used together.');
		expect((await cli('engine', '--port', '70000')).stderr).toContain("--port must be a whole number from 0 to 65535, not '70000'.");
		// Quoted as typed, not as the number meow would have made of it (NaN).
		expect((await cli('engine', '--port', 'abc')).stderr).toContain("--port must be a whole number from 0 to 65535, not 'abc'.");
	});

	it('says why the engine cannot start: a port in use, a data directory that is a file', async () => {
		const first = await spawnEngine(['--in-memory']);
		try {
			const port = new URL(first.url).port;
			const taken = await cli('engine', '--port', port, '--in-memory');
			expect(taken.code).toBe(1);
			expect(taken.stderr).toBe(
				`kinesis-console engine: 127.0.0.1:${port} is already in use (another engine?): choose another --port, or --port 0 for a free one.\n`,
			);
		} finally {
			first.child.kill('SIGINT');
			await first.exited;
		}
		const dir = mkdtempSync(join(tmpdir(), 'cli-file-'));
		try {
			const file = join(dir, 'a-file');
			writeFileSync(file, '');
			const onFile = await cli('engine', '--port', '0', '--data-dir', file);
			expect(onFile.code).toBe(1);
			expect(onFile.stderr).toBe(
				`kinesis-console engine: The engine cannot keep its data in ${file}: it, or a folder on the way to it, is a file (EEXIST).\n`,
			);
			expect((await cli('engine', '--port', '0', '--data-dir', join(file, 'below'))).stderr).toContain('is a file (ENOTDIR).');
			// Under a folder that refuses new ones (Node's recursive mkdir spun there forever), and where folders are made.
			if (process.platform === 'linux') {
				const underProc = await cli('engine', '--port', '0', '--data-dir', '/proc/kinesis-console-test/data');
				expect(underProc.code).toBe(1);
				expect(underProc.stderr).toContain('/proc/kinesis-console-test/data: no folder can be made there (ENOENT).');
			}
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});

	it('engine prints its URL first, serves the SDK, and stops cleanly on SIGINT', async () => {
		const engine = await spawnEngine(['--in-memory']);
		expect(engine.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		const client = kinesisClient(engine.url);
		expect((await client.send(new ListStreamsCommand({}))).StreamNames).toEqual([]);
		client.destroy();
		engine.child.kill('SIGINT');
		expect(await engine.exited).toBe(0);
	});

	it('refuses an unknown flag before doing anything, naming the flag that was meant, exit 2', async () => {
		const engine = await spawnEngine(['--in-memory']);
		const client = kinesisClient(engine.url);
		try {
			await client.send(new CreateStreamCommand({StreamName: 'typo', ShardCount: 1}));
			const typo = await cli('retention', 'typo', '48', '--dryrun', '--yes', '--endpoint-url', engine.url);
			expect(typo.code).toBe(2);
			expect(typo.stderr).toContain('unknown option --dryrun. Did you mean --dry-run?');
			const summary = await client.send(new DescribeStreamSummaryCommand({StreamName: 'typo'}));
			expect(summary.StreamDescriptionSummary?.RetentionPeriodHours).toBe(24);

			// The SDK's notice that its 2027 releases need Node 22 is not the user's business on every run (README: Node versions).
			const listed = await runCli(['streams', '--endpoint-url', engine.url]);
			expect(listed.code).toBe(0);
			expect(listed.stderr).not.toContain('NodeVersionSupportWarning');

			const tail = await cli('tail', 'typo', '--form', 'trim-horizon', '--no-follow', '--endpoint-url', engine.url);
			expect([tail.code, tail.stdout]).toEqual([2, '']);
			expect(tail.stderr).toContain('unknown option --form. Did you mean --from?');
		} finally {
			client.destroy();
			engine.child.kill('SIGINT');
			await engine.exited;
		}
	}, 60_000);

	it('refuses an unknown flag in every command and in the console itself', async () => {
		for (const command of [
			'streams',
			'describe x',
			'put x',
			'find-shard x k',
			'split x s',
			'merge x',
			'scale x 2',
			'consumers x',
			'checkpoints x',
			'checkpoints reset x',
			'engine',
		]) {
			const refused = await cli(...command.split(' '), '--bogus');
			expect([command, refused.code, refused.stderr.split('\n')[0]]).toEqual([
				command,
				2,
				`kinesis-console ${command.split(' ')[0]}: unknown option --bogus.`,
			]);
		}
		const console = await cli('--local', '--reed-only');
		expect([console.code, console.stderr.split('\n')[0]]).toEqual([
			2,
			'kinesis-console: unknown option --reed-only. Did you mean --read-only?',
		]);
		// Values of flags are not flags; --no-<boolean> is the boolean's negation.
		expect((await cli('tail', '--no-follw')).stderr).toContain('unknown option --no-follw. Did you mean --no-follow?');
	}, 60_000);

	it('refuses a flag left without its value (at the end, empty, or before another flag) instead of using the default, exit 2', async () => {
		// Taken as "not given", an empty --endpoint-url would send the call to AWS itself.
		for (const [flag, ...args] of [
			['--endpoint-url', 'streams', '--endpoint-url'],
			['--endpoint-url', 'streams', '--endpoint-url='],
			['--endpoint-url', 'scale', 'x', '8', '--dry-run', '--endpoint-url', '--region', 'us-east-1'],
			['--shard', 'checkpoints', 'reset', 'x', '--app', 'a', '--to', 'latest', '--dry-run', '--shard'],
			['--count', 'tail', 'x', '--count', '--no-follow'],
			['--region', '--region'],
			['--data-dir', '--local', '--data-dir', '--demo'],
		] as const) {
			const refused = await runCli([...args], {timeoutMs: 20_000});
			expect([args.join(' '), refused.code, refused.stdout]).toEqual([args.join(' '), 2, '']);
			expect(refused.stderr).toContain(`${flag} needs a value`);
		}
		// A stray word is no more ignored than a stray flag.
		for (const [args, said] of [
			[['streams', 'extra'], "kinesis-console streams: streams takes no stream name (describe STREAM describes one), not 'extra'."],
			[['engine', 'extra'], "kinesis-console engine: engine takes options only, not 'extra'."],
		] as const) {
			const stray = await runCli([...args]);
			expect([stray.code, stray.stderr.split('\n')[0]]).toEqual([2, said]);
		}
		// The console's own flags take a value that starts with a dash as theirs too.
		const share = await runCli(['--quota-share', '-x']);
		expect([share.code, share.stderr.split('\n')[0]]).toEqual([
			2,
			"kinesis-console: --quota-share must be a fraction above 0 and at most 1 (0.25 is the default), not '-x'.",
		]);
		const negation = await runCli(['tail', 'x', '--no-follow=true']);
		expect([negation.code, negation.stderr.split('\n')[0]]).toEqual([
			2,
			'kinesis-console tail: --no-follow takes no value (write --follow=false, or --no-follow alone).',
		]);
		const choice = await runCli(['engine', '--durability', 'bogus']);
		expect([choice.code, choice.stderr.split('\n')[0]]).toEqual([
			2,
			"kinesis-console engine: --durability must be one of process, power, not 'bogus'.",
		]);
	}, 60_000);

	it('takes a value that starts with a dash as the value: --from -5m is read (and refused), --file - is stdin', async () => {
		const engine = await spawnEngine(['--in-memory']);
		const client = kinesisClient(engine.url);
		try {
			await client.send(new CreateStreamCommand({StreamName: 'dash', ShardCount: 1}));
			const tail = await runCli(['tail', 'dash', '--from', '-5m', '--no-follow', '--endpoint-url', engine.url]);
			expect([tail.code, tail.stdout]).toEqual([2, '']);
			expect(tail.stderr).toContain("Cannot read the starting position '-5m'");
			// The console's own flags before a command's name are the command's: this one talks to the engine, not to AWS.
			const before = await runCli(['--endpoint-url', engine.url, 'streams']);
			expect([before.code, before.stdout]).toEqual([0, expect.stringContaining('"name":"dash"')]);
			const readOnly = await runCli(['--read-only', '--endpoint-url', engine.url, 'retention', 'dash', '48', '--yes']);
			expect([readOnly.code, readOnly.stderr]).toEqual([14, expect.stringContaining('refused under --read-only')]);
			expect((await runCli(['--read-only', '--endpoint-url', engine.url, 'streams'])).code).toBe(0);
			// --help anywhere shows the help and changes nothing.
			const help = await runCli(['scale', 'dash', '2', '--help', '--yes', '--endpoint-url', engine.url]);
			expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('$ kinesis-console scale STREAM N [options]')]);
			const shards = await client.send(new DescribeStreamSummaryCommand({StreamName: 'dash'}));
			expect(shards.StreamDescriptionSummary?.OpenShardCount).toBe(1);
			const consoleHelp = await runCli(['--local', '--help'], {timeoutMs: 20_000});
			expect([consoleHelp.code, consoleHelp.stdout]).toEqual([0, expect.stringContaining('$ kinesis-console [options]')]);
			const notTheCommands = await runCli(['--local', '--demo', 'streams']);
			expect([notTheCommands.code, notTheCommands.stderr.split('\n')[0]]).toEqual([2, 'kinesis-console streams: unknown option --demo.']);
			const put = await runCli(['put', 'dash', '--file', '-', '--partition-key', 'k', '--endpoint-url', engine.url], {input: 'one\ntwo\n'});
			expect([put.code, put.stderr]).toEqual([0, expect.stringMatching(/^Sent 2 records to 'dash'/)]);
		} finally {
			client.destroy();
			engine.child.kill('SIGINT');
			await engine.exited;
		}
	}, 60_000);
});
