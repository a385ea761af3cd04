import {execFile, spawn} from 'node:child_process';
import {mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {CreateStreamCommand, KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {closedPort} from '../console/awsEnv.js';
import {startCredentialGate, type CredentialGate} from '../helpers/credentialGate.js';
import {cliPath, spawnEngine, type EngineProcess} from '../helpers/engineProcess.js';
import {Terminal, hasTmux, readRecording} from '../helpers/terminal.js';

/**
 * No credential or secret is ever printed, logged or written to the audit log. The built binary runs
 * with known secrets (in the environment, and in a profile of temporary shared files) against engines
 * that verify signatures (`engine --auth`), through its subcommands, changes and failures (a wrong
 * endpoint, a key the engine does not know, a wrong secret, a session token the engine refuses, one that
 * has expired, a stream that is not there), and as the console in tmux. Every byte it wrote (stdout,
 * stderr, the terminal's raw output and screens, the audit log, every file under its HOME and state
 * directory) is searched for each secret, whole and by its last 12 characters; the access key ids too,
 * which the console never needs to show. The engine is searched for its own secret.
 */

const run = promisify(execFile);
const tmux = await hasTmux();

const SECRETS = {
	envKeyId: 'AKIASECRETSTESTENV01',
	envSecret: 'envSecret/Zq8v+Lm3Rt7Wx2Yp5NkQ9vB4',
	sessionToken: 'IQoJb3JpZ2luX2VjSESSIONTOKENsecretsTest/AbCdEf+GhIjKl==',
	profileKeyId: 'AKIASECRETSTESTPRF01',
	profileSecret: 'profileSecret/Hb4n+Jc9Ks1Qd6Vf0TgW2',
	profileToken: 'FwoGZXIvYXdzPROFILETOKENsecretsTest/MnOpQr+StUv==',
} as const;
const STREAM = 'secrets-stream';

interface Output {
	readonly what: string;
	readonly text: string;
}

describe('secrets', () => {
	let home: string;
	let recordings: string;
	let main: EngineProcess;
	let other: EngineProcess;
	let gate: CredentialGate;
	const outputs: Output[] = [];
	const record = (what: string, text: string) => outputs.push({what, text});

	/** The CLI's environment: the known secrets, a HOME, state directory and audit log of the test's own. */
	const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
		PATH: process.env.PATH ?? '',
		HOME: home,
		XDG_STATE_HOME: join(home, 'state'),
		XDG_DATA_HOME: join(home, 'data'),
		KINESIS_CONSOLE_AUDIT_LOG: join(home, 'audit.jsonl'),
		AWS_ACCESS_KEY_ID: SECRETS.envKeyId,
		AWS_SECRET_ACCESS_KEY: SECRETS.envSecret,
		AWS_REGION: 'us-east-1',
		AWS_CONFIG_FILE: join(home, 'aws-config'),
		AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
		AWS_EC2_METADATA_DISABLED: 'true',
		AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
		...extra,
	});

	/** Runs the CLI to its end; stdout is a pipe (JSON lines), as in a script. */
	const cli = async (
		what: string,
		args: string[],
		extra: Record<string, string> = {},
		input?: string,
	): Promise<{code: number; stdout: string; stderr: string}> => {
		const child = spawn(process.execPath, [cliPath, ...args], {env: env(extra)});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.stdin.end(input ?? '');
		const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? -1)));
		record(`${what} (stdout)`, stdout);
		record(`${what} (stderr)`, stderr);
		return {code, stdout, stderr};
	};

	/** Runs the CLI with a terminal as stdout and stderr (plain text), and keeps every byte. */
	const onTerminal = async (what: string, args: string[], extra: Record<string, string> = {}): Promise<string> => {
		const command = [process.execPath, cliPath, ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
		const output = await run('script', ['-qec', command, '/dev/null'], {
			env: {...env(extra), TERM: 'xterm-256color'},
			timeout: 60_000,
		}).then(
			({stdout}) => stdout,
			(error: {stdout?: string}) => error.stdout ?? '',
		);
		record(`${what} (terminal)`, output);
		return output;
	};

	beforeAll(async () => {
		home = await mkdtemp(join(tmpdir(), 'kc-secrets-'));
		recordings = await mkdtemp(join(tmpdir(), 'kc-secrets-recordings-'));
		// A profile with a long-term key, and one with temporary credentials (a session token).
		await writeFile(join(home, 'aws-config'), '[profile keys]\nregion = us-east-1\n\n[profile temporary]\nregion = us-east-1\n');
		await writeFile(
			join(home, 'aws-credentials'),
			`[keys]\naws_access_key_id = ${SECRETS.profileKeyId}\naws_secret_access_key = ${SECRETS.profileSecret}\n\n` +
				`[temporary]\naws_access_key_id = ${SECRETS.profileKeyId}\naws_secret_access_key = ${SECRETS.profileSecret}\naws_session_token = ${SECRETS.profileToken}\n`,
		);
		// Engines that verify every signature: one knows the environment's key, the other the profile's.
		main = await spawnEngine(['--in-memory', '--limits', 'off', '--auth', `${SECRETS.envKeyId}:${SECRETS.envSecret}`]);
		other = await spawnEngine(['--in-memory', '--limits', 'off', '--auth', `${SECRETS.profileKeyId}:${SECRETS.profileSecret}`]);
		gate = await startCredentialGate(main.url);
		gate.expire(SECRETS.sessionToken);
	}, 60_000);

	afterAll(async () => {
		await gate?.close();
		for (const engine of [main, other]) {
			engine?.child.kill('SIGTERM');
			await engine?.exited;
		}
		await rm(home, {recursive: true, force: true});
		await rm(recordings, {recursive: true, force: true});
	});

	it('the engine given --auth names its access key and never prints its secret', () => {
		const said = main.stderr();
		expect(said).toContain(`Clients must sign with access key ${SECRETS.envKeyId} and its secret`);
		expect(said).toContain("secretAccessKey: '<secret>'");
		for (const engine of [main, other]) {
			expect(engine.stderr()).not.toContain(SECRETS.envSecret);
			expect(engine.stderr()).not.toContain(SECRETS.profileSecret);
		}
	});

	it('subcommands, changes and failures print none of them, and the audit log holds none', async () => {
		const at = ['--endpoint-url', main.url];
		// The stream comes from the SDK with the environment's key (the engine checks the signature).
		const kinesis = new KinesisClient({
			endpoint: main.url,
			region: 'us-east-1',
			credentials: {accessKeyId: SECRETS.envKeyId, secretAccessKey: SECRETS.envSecret},
		});
		await kinesis.send(new CreateStreamCommand({StreamName: STREAM, ShardCount: 2}));
		kinesis.destroy();
		await new Promise((resolve) => setTimeout(resolve, 1_000));

		const ok = [
			await cli('streams', ['streams', ...at]),
			await cli('describe', ['describe', STREAM, ...at]),
			await cli('put', ['put', STREAM, '--partition-key', 'k', ...at], {}, 'one\ntwo\nthree\n'),
			await cli('tail', ['tail', STREAM, '--from', 'trim-horizon', '--no-follow', ...at]),
			await cli('find-shard', ['find-shard', STREAM, 'k', ...at]),
			await cli('split', ['split', STREAM, 'shardId-000000000000', '--yes', ...at]),
			await cli('retention', ['retention', STREAM, '48', '--yes', ...at]),
			await cli('consumers', ['consumers', STREAM, ...at]),
			await cli('profile with a long-term key', ['streams', '--profile', 'keys', '--endpoint-url', other.url]),
		];
		expect(ok.map((result) => result.code)).toEqual(ok.map(() => 0));
		await onTerminal('streams on a terminal', ['streams', ...at]);
		await onTerminal('tail on a terminal', ['tail', STREAM, '--from', 'trim-horizon', '--no-follow', ...at]);

		const failures: Array<[string, Promise<{code: number}>, number]> = [
			['wrong endpoint', cli('wrong endpoint', ['streams', '--endpoint-url', `http://127.0.0.1:${await closedPort()}`]), 10],
			['unknown key', cli('unknown key', ['streams', '--profile', 'keys', ...at]), 7],
			['wrong secret', cli('wrong secret', ['describe', STREAM, ...at], {AWS_SECRET_ACCESS_KEY: `${SECRETS.envSecret}-rotated`}), 7],
			['session token refused', cli('session token refused', ['streams', ...at], {AWS_SESSION_TOKEN: SECRETS.sessionToken}), 7],
			['temporary profile refused', cli('temporary profile refused', ['tail', STREAM, '--profile', 'temporary', '--no-follow', ...at]), 7],
			['expired token', cli('expired token', ['streams', '--endpoint-url', gate.url], {AWS_SESSION_TOKEN: SECRETS.sessionToken}), 6],
			[
				'expired token, tail',
				cli('expired token, tail', ['tail', STREAM, '--no-follow', '--endpoint-url', gate.url], {AWS_SESSION_TOKEN: SECRETS.sessionToken}),
				6,
			],
			[
				'expired token, split',
				cli('expired token, split', ['split', STREAM, 'shardId-000000000001', '--yes', '--endpoint-url', gate.url], {
					AWS_SESSION_TOKEN: SECRETS.sessionToken,
				}),
				6,
			],
			['not found', cli('not found', ['describe', 'no-such-stream', ...at]), 9],
		];
		for (const [what, running, code] of failures) expect((await running).code, what).toBe(code);
		await onTerminal('expired token on a terminal', ['streams', '--endpoint-url', gate.url], {AWS_SESSION_TOKEN: SECRETS.sessionToken});
		// The failures say what happened, in their own words.
		const said = (what: string) => outputs.find((output) => output.what === `${what} (stderr)`)?.text ?? '';
		expect(said('expired token')).toContain('The AWS session token has expired (it comes from AWS_SESSION_TOKEN).');
		expect(said('wrong secret')).toContain("rejected the request's signature");
		expect(said('unknown key')).toContain("does not recognise the access key of the profile 'keys'");

		const audit = await readFile(join(home, 'audit.jsonl'), 'utf8');
		expect(audit.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(4);
		expect(audit).toContain('"operation":"split"');
		expect(audit).toContain('"operation":"retention"');
	}, 180_000);

	it.skipIf(!tmux)(
		'the console in a terminal shows none of them, working or with an expired token',
		async () => {
			for (const [what, url, extra] of [
				['console', main.url, {}],
				['console with an expired token', gate.url, {AWS_SESSION_TOKEN: SECRETS.sessionToken}],
			] as const) {
				// Outside HOME: script's first line names the command, environment and all; the program's output is searched.
				const recording = join(recordings, `${what}.raw`);
				const term = await Terminal.start(['--endpoint-url', url], {
					env: {...(env(extra) as Record<string, string>)},
					record: recording,
					columns: 140,
					rows: 40,
				});
				try {
					if (what === 'console') {
						await term.waitFor(STREAM);
						await term.press('enter');
						record(`${what}: dashboard`, await term.waitFor('HASH RANGE'));
						await term.press('t');
						await term.press('o');
						await term.type('trim-horizon');
						await term.press('enter');
						record(`${what}: tail`, await term.waitFor('from TRIM_HORIZON'));
					} else {
						record(`${what}: streams`, await term.waitFor('The AWS session token has expired'));
					}
					await term.press('q');
					await term.waitForExit(10_000);
					record(`${what} (raw terminal output)`, await readRecording(recording));
				} finally {
					await term.kill();
				}
			}
		},
		90_000,
	);

	it('no output, log or file holds a secret', async () => {
		// Everything the console wrote under its HOME: the audit log, any state.
		for (const file of await filesUnder(home)) {
			if (file.endsWith('aws-credentials') || file.endsWith('aws-config')) continue;
			record(`file ${file.slice(home.length + 1)}`, await readFile(file, 'utf8'));
		}
		const searched = {outputs: outputs.length, bytes: outputs.reduce((sum, output) => sum + Buffer.byteLength(output.text), 0)};
		const found: string[] = [];
		for (const {what, text} of outputs) {
			// The key ids too: the console never needs to show one, and redaction takes out AKIA… ids wherever they appear.
			for (const secret of Object.values(SECRETS)) {
				if (text.includes(secret) || text.includes(secret.slice(-12))) found.push(`${what}: ${secret}`);
			}
		}
		console.log(
			`secrets searched for: ${Object.keys(SECRETS).length}, in ${searched.outputs} outputs, ${searched.bytes.toLocaleString('en-US')} bytes`,
		);
		expect(found).toEqual([]);
		expect(searched.outputs).toBeGreaterThan(40);
	});
});

async function filesUnder(dir: string): Promise<string[]> {
	const files: string[] = [];
	for (const entry of await readdir(dir)) {
		const path = join(dir, entry);
		if ((await stat(path)).isDirectory()) files.push(...(await filesUnder(path)));
		else files.push(path);
	}
	return files;
}
