import {spawn, type ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';

/** The built CLI; `npm test` builds it first. */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface EngineProcess {
	readonly url: string;
	readonly child: ChildProcess;
	/** Resolves with the exit code (or signal) once the process is gone. */
	readonly exited: Promise<number | NodeJS.Signals | null>;
	/** Everything the process has written to stderr so far. */
	readonly stderr: () => string;
}

export interface SpawnOptions {
	/** Added to this process's environment. */
	readonly env?: NodeJS.ProcessEnv;
	/** Runs the engine under `ulimit -f` (RLIMIT_FSIZE, in KiB, through bash): writes past that file size fail as on a full disk. */
	readonly fileSizeLimitKiB?: number;
}

/** Starts `kinesis-console engine` as its own process and waits for the URL on its first line. */
export async function spawnEngine(args: string[], options: SpawnOptions = {}): Promise<EngineProcess> {
	const command = [process.execPath, cliPath, 'engine', '--port', '0', ...args];
	// exec keeps the pid, so a signal to the child reaches the engine itself; Node ignores SIGXFSZ, so an oversized write fails with an error.
	const [file, ...rest] =
		options.fileSizeLimitKiB === undefined
			? command
			: ['bash', '-c', `ulimit -f ${options.fileSizeLimitKiB} && exec "$0" "$@"`, ...command];
	const child = spawn(file ?? process.execPath, rest, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...options.env}});
	const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
	let stderr = '';
	child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const lines = createInterface({input: child.stdout!});
	const url = await new Promise<string>((resolve, reject) => {
		lines.once('line', resolve);
		void exited.then((code) => reject(new Error(`engine exited (${String(code)}) before printing its URL: ${stderr}`)));
	});
	return {url, child, exited, stderr: () => stderr};
}
