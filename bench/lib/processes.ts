/**
 * The servers the benchmark starts: child processes on 127.0.0.1, stopped at the end of their row,
 * and killed (with their temporary directories removed) however the benchmark ends.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {appendFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import net, {type AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';

const children = new Set<ChildProcess>();
/** USER_HZ: /proc reports CPU time in these; 100 on every common Linux. */
const CLOCK_TICKS = 100;
const directories = new Set<string>();

export interface ServerSpec {
	readonly name: string;
	readonly command: string;
	readonly args: readonly string[];
	readonly env?: Readonly<Record<string, string>>;
	/** The child prints `READY {"url": ...}`, or the URL is known and the port is probed. */
	readonly ready: {readonly line: true} | {readonly url: string};
	readonly timeoutMs?: number;
	/** Where the server keeps its data, if it does on disk. */
	readonly dataDir?: string;
}

export class ServerProcess {
	readonly url: string;
	readonly dataDir: string | undefined;
	private readonly waiting: Array<(line: string) => void> = [];
	private exited = false;

	private constructor(
		readonly name: string,
		private readonly child: ChildProcess,
		url: string,
		private readonly output: string[],
		dataDir: string | undefined,
	) {
		this.url = url;
		this.dataDir = dataDir;
		child.once('exit', () => (this.exited = true));
		createInterface({input: child.stdout!}).on('line', (line) => {
			if (line.startsWith('REPLY ')) this.waiting.shift()?.(line.slice(6));
		});
	}

	static async start(spec: ServerSpec): Promise<ServerProcess> {
		const child = spawn(spec.command, spec.args, {
			cwd: process.cwd(),
			env: {...process.env, BENCH_EXIT_WITH_STDIN: '1', ...spec.env},
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		children.add(child);
		child.once('exit', () => children.delete(child));
		const output: string[] = [];
		const keep = (line: string) => {
			output.push(line);
			if (output.length > 40) output.shift();
		};
		createInterface({input: child.stderr!}).on('line', keep);
		const stdout = createInterface({input: child.stdout!});
		stdout.on('line', keep);

		const timeoutMs = spec.timeoutMs ?? 30_000;
		try {
			const url = await new Promise<string>((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error(`${spec.name} not ready after ${timeoutMs} ms`)), timeoutMs);
				child.once('exit', (code, signal) => {
					clearTimeout(timer);
					reject(new Error(`${spec.name} exited (${signal ?? code}) before it was ready`));
				});
				if ('line' in spec.ready) {
					stdout.on('line', (line) => {
						if (!line.startsWith('READY ')) return;
						clearTimeout(timer);
						resolve((JSON.parse(line.slice(6)) as {url: string}).url);
					});
				} else {
					const {url} = spec.ready;
					void probe(url, timeoutMs).then(() => {
						clearTimeout(timer);
						resolve(url);
					}, reject);
				}
			});
			return new ServerProcess(spec.name, child, url, output, spec.dataDir);
		} catch (error) {
			await stop(child);
			throw new Error(`${(error as Error).message}\n${output.slice(-15).join('\n')}`);
		}
	}

	/** Sends a command over the child's stdin side channel (bench/servers/engine.ts) and waits for its reply. */
	command<T>(line: string): Promise<T> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`${this.name}: no reply to ${line}`)), 30_000);
			this.waiting.push((text) => {
				clearTimeout(timer);
				const reply = JSON.parse(text) as T & {error?: string};
				if (reply.error) reject(new Error(`${this.name}: ${line}: ${reply.error}`));
				else resolve(reply);
			});
			this.child.stdin!.write(`${line}\n`);
		});
	}

	/** The child's process.memoryUsage(), after a garbage collection when `gc` is true. */
	memory(gc: boolean): Promise<NodeJS.MemoryUsage> {
		return this.command(gc ? 'mem' : 'mem-nogc');
	}

	/** CPU seconds (user + system, all threads) the child has used so far, from /proc; undefined elsewhere. */
	cpuSeconds(): number | undefined {
		try {
			const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
		} catch {
			return undefined;
		}
	}

	/** The child's process id, for /proc. */
	get pid(): number | undefined {
		return this.child.pid;
	}

	get recentOutput(): string {
		return this.output.join('\n');
	}

	/** Stops the server and removes its data. */
	async stop(): Promise<void> {
		if (!this.exited) await stop(this.child);
		if (this.dataDir) removeDirectory(this.dataDir);
	}
}

/** Asks a child to exit (stdin `exit`, then stdin closed, then SIGTERM), and kills it if it does not. */
async function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const within = (ms: number) => Promise.race([exited.then(() => true), sleep(ms).then(() => false)]);
	child.stdin?.write('exit\n');
	child.stdin?.end();
	if (await within(10_000)) return;
	child.kill('SIGTERM');
	if (await within(3_000)) return;
	child.kill('SIGKILL');
	await exited;
}

/** Waits until something accepts TCP connections at the URL's port. */
async function probe(url: string, timeoutMs: number): Promise<void> {
	const {hostname, port} = new URL(url);
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		const open = await new Promise<boolean>((resolve) => {
			const socket = net.connect(Number(port), hostname);
			socket.once('connect', () => {
				socket.destroy();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
		});
		if (open) return;
		await sleep(100);
	}
	throw new Error(`nothing listens at ${url} after ${timeoutMs} ms`);
}

/** A port free right now on 127.0.0.1, for servers that cannot be told to pick their own. */
export async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

/** CPU seconds all processes on the machine have used (every core, idle and iowait excluded), from /proc/stat. */
export function machineBusySeconds(): number | undefined {
	try {
		const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
		const [user = 0, nice = 0, system = 0, _idle, _iowait, irq = 0, softirq = 0, steal = 0] = line.split(/\s+/).slice(1).map(Number);
		return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
	} catch {
		return undefined;
	}
}

export function temporaryDirectory(prefix: string): string {
	const directory = mkdtempSync(join(tmpdir(), prefix));
	directories.add(directory);
	return directory;
}

export function removeDirectory(directory: string): void {
	rmSync(directory, {recursive: true, force: true});
	directories.delete(directory);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Stops every child still running and removes every temporary directory. */
export async function cleanUp(): Promise<void> {
	await Promise.allSettled([...children].map((child) => stop(child)));
	for (const directory of directories) removeDirectory(directory);
}

let installed = false;
/** Cleans up on SIGINT/SIGTERM and on any exit, so no server outlives the benchmark. */
export function installCleanup(): void {
	if (installed) return;
	installed = true;
	process.on('exit', () => {
		for (const child of children) child.kill('SIGKILL');
		for (const directory of directories) rmSync(directory, {recursive: true, force: true});
	});
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			console.error(`\n${signal}: stopping the servers`);
			const forced = setTimeout(() => process.exit(130), 15_000);
			void cleanUp().finally(() => {
				clearTimeout(forced);
				process.exit(130);
			});
		});
	}
}

/**
 * Runs a benchmark section when its file is run by itself (`node --import tsx bench/x.ts`): prints its
 * table, appends its markdown to the results file (`envName` overrides `defaultFile`), cleans up.
 */
export async function runStandalone(
	moduleUrl: string,
	benchmark: () => Promise<{readonly table: string; readonly markdown: string}>,
	envName: string,
	defaultFile: string,
): Promise<void> {
	if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
	installCleanup();
	try {
		const section = await benchmark();
		console.log(`\n${section.table}\n`);
		const file = process.env[envName] ?? defaultFile;
		appendFileSync(file, `\n${section.markdown}\n`);
		process.stderr.write(`appended to ${file}\n`);
	} catch (error) {
		console.error(error);
		process.exitCode = 1;
	} finally {
		await cleanUp();
	}
}
