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

/** Starts `kinesis-console engine` as its own process and waits for the URL on its first line. */
export async function spawnEngine(args: string[]): Promise<EngineProcess> {
	const child = spawn(process.execPath, [cliPath, 'engine', '--port', '0', ...args], {stdio: ['ignore', 'pipe', 'pipe']});
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
