import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {ListStreamsCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {kinesisClient} from './helpers/engine.js';
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
		const commands = section.slice(0, section.findIndex((line) => line.trim() === ''));
		expect(commands.map((line) => line.trim().split(/\s+/)[0])).toEqual(['streams', 'describe', 'tail', 'put', 'find-shard', 'split', 'merge', 'scale', 'retention', 'consumers', 'checkpoints', 'engine']);
		for (const line of commands) expect(line.trim().split(/\s{2,}/)[1]?.length).toBeGreaterThan(20);
		expect(stdout).toContain('--local --demo');
	});

	it('explains a usage error and exits with 2', async () => {
		const {stderr, code} = await cli('engine', '--in-memory', '--data-dir', '/tmp/x');
		expect(code).toBe(2);
		expect(stderr).toContain('--data-dir and --in-memory cannot be used together.');
		expect((await cli('engine', '--port', '70000')).stderr).toContain('--port must be a whole number from 0 to 65535');
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
});
