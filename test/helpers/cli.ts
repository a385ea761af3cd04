import {execFile, spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {promisify} from 'node:util';
import {cliPath} from './engineProcess.js';
import {credentials} from './engine.js';

const run = promisify(execFile);

export interface CliResult {
	readonly stdout: string;
	readonly stderr: string;
	readonly code: number;
}

/** The environment a CLI process runs in: fake credentials, no real AWS configuration. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	return {
		PATH: process.env.PATH ?? '',
		HOME: process.env.HOME ?? '/tmp',
		AWS_ACCESS_KEY_ID: credentials.accessKeyId,
		AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
		AWS_REGION: 'us-east-1',
		AWS_CONFIG_FILE: '/nonexistent/config',
		AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
		AWS_EC2_METADATA_DISABLED: 'true',
		...extra,
	};
}

/** Runs the built CLI to completion (stdout is a pipe, so output is JSON lines unless a command says otherwise). */
export async function runCli(
	args: string[],
	options: {env?: Record<string, string>; input?: string; timeoutMs?: number} = {},
): Promise<CliResult> {
	if (options.input !== undefined) return runWithInput(args, options.input, options.env);
	try {
		const {stdout, stderr} = await run(process.execPath, [cliPath, ...args], {
			env: cliEnv(options.env),
			maxBuffer: 256 * 1024 * 1024,
			timeout: options.timeoutMs ?? 60_000,
		});
		return {stdout, stderr, code: 0};
	} catch (error) {
		const failed = error as {stdout?: string; stderr?: string; code?: number};
		return {stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: typeof failed.code === 'number' ? failed.code : 1};
	}
}

function runWithInput(args: string[], input: string, env?: Record<string, string>): Promise<CliResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [cliPath, ...args], {env: cliEnv(env)});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.on('error', reject);
		child.on('close', (code) => resolve({stdout, stderr, code: code ?? 1}));
		child.stdin.end(input);
	});
}

/** Parses JSON lines. */
export const jsonLines = (text: string): unknown[] =>
	text
		.split('\n')
		.filter((line) => line.trim().length > 0)
		.map((line) => JSON.parse(line) as unknown);

/**
 * Runs the built CLI with a pseudo-terminal as stdout (util-linux's `script`), `columns` wide if given,
 * and returns what it printed.
 */
export async function runInTerminal(args: string[], env: Record<string, string> = {}, columns?: number): Promise<string> {
	const words = [process.execPath, cliPath, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
	const command = columns === undefined ? words : `stty cols ${columns} rows 24 && exec ${words}`;
	const {stdout} = await run('script', ['-qec', command, '/dev/null'], {env: {...cliEnv(env), TERM: 'xterm-256color'}, timeout: 60_000});
	return stdout.replaceAll('\r\n', '\n');
}

/** The entries of an audit log (JSON lines), none when it does not exist yet. */
export function auditLogLines(path: string): Array<Record<string, unknown>> {
	try {
		return jsonLines(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
	} catch {
		return [];
	}
}
