import {spawn} from 'node:child_process';
import {CreateStreamCommand, DescribeLimitsCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {connect} from '../../source/console/connect.js';
import {cliPath} from '../helpers/engineProcess.js';

/** Runs the built console with these arguments, without a terminal: what it prints and its exit code. */
async function runCli(args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
	const child = spawn(process.execPath, [cliPath, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
	return {code, stdout, stderr};
}

describe('kinesis-console --local --shard-limit', () => {
	it('gives the built-in engine the shard quota, which DescribeLimits reports and CreateStream enforces', async () => {
		const connection = await connect({local: {shardLimit: 3}, region: 'eu-west-1'});
		try {
			const limits = await connection.kinesis.send(new DescribeLimitsCommand({}));
			expect(limits.ShardLimit).toBe(3);
			await expect(connection.kinesis.send(new CreateStreamCommand({StreamName: 'four', ShardCount: 4}))).rejects.toMatchObject({
				name: 'LimitExceededException',
				message: expect.stringContaining('Current shard count for the account: 0. Limit: 3.') as unknown,
			});
		} finally {
			await connection.close();
		}
	});

	it('lists --shard-limit in --help', async () => {
		const {code, stdout} = await runCli(['--help']);
		expect(code).toBe(0);
		expect(stdout).toMatch(/--shard-limit <n> +With --local: open shards allowed per account in each region/);
	});

	it.each(['many', '-3', '1000001'])('refuses --local --shard-limit %s as the engine command does', async (value) => {
		expect(await runCli(['--local', '--shard-limit', value])).toEqual({
			code: 2,
			stdout: '',
			stderr: `kinesis-console: --shard-limit must be a whole number from 0 to 1000000, not '${value}'.\nRun kinesis-console --help for usage.\n`,
		});
	});

	it('refuses --shard-limit without --local: it sets the built-in engine only', async () => {
		expect(await runCli(['--shard-limit', '5'])).toEqual({
			code: 2,
			stdout: '',
			stderr:
				"kinesis-console: --shard-limit sets the built-in engine's shard quota: use it with --local.\nRun kinesis-console --help for usage.\n",
		});
	});
});
