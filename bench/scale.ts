/**
 * The console at real-account scale (issue 18; issue 22 item 4), with the engine's quotas on: the built
 * console (dist/cli.js) driven as a user drives it, in tmux at 160x45 (test/helpers/terminal.ts), and the
 * `tail --json` command as a process, against the engine in its own process (bench/servers/engine.ts,
 * throughput limits and control-plane quotas on, the shard limit raised). Three accounts, each an engine
 * of its own:
 *   - BENCH_SCALE_STREAMS (1,000) streams of one shard: (a) the streams screen, (b) one stream's dashboard
 *     (opened from the list with / and Enter);
 *   - one stream of each of BENCH_SCALE_SHARDS (2000,10000) shards, written at BENCH_SCALE_RATE (1,000)
 *     records/s in all, round robin over the shards (each shard gets a record every shards/rate seconds; BENCH_SCALE_SPREAD=random: at random):
 *     (b) its dashboard, (c) its tail screen (t on the dashboard) and `tail STREAM --json`.
 * For each: the time to the first useful screen or output; the console's calls per second per operation,
 * as the engine counts them (engine.requestCounts()), next to the quota the engine enforces for it
 * (CONTROL_PLANE_QUOTAS, or SHARD_LIMITS per shard for GetRecords and GetShardIterator); the calls refused
 * (LimitExceededException, ProvisionedThroughputExceededException); the console's CPU (user + system
 * over wall time, from /proc) and peak RSS (VmHWM); and the time from `q` (Ctrl-C for `tail --json`)
 * until the process has exited.
 *
 *   npm run bench -- --scale                                        appended to bench/scale-results.md
 *   BENCH_SCALE_STREAMS=50 BENCH_SCALE_SHARDS=100 BENCH_SCALE_SECONDS=5 node --import tsx bench/scale.ts
 *
 * BENCH_SCALE_STREAMS=0 leaves out the account of many streams; BENCH_SCALE_ENHANCED=ALL (or a list of
 * shard-level metrics) turns enhanced monitoring on for the big streams before they are measured. A big
 * stream's dashboard is measured as opened and again reading live (l pressed once the table shows).
 *
 * Environment: BENCH_SCALE_SECONDS (20) each screen is watched after it was asked for (or after its first
 * useful screen, when that came later); BENCH_SCALE_TIMEOUT (30) s at most for a screen to become useful
 * or the console to exit; BENCH_SCALE_LIMITS=off for the same with the engine's limits off; BENCH_SCALE_SCREENS=DIR
 * to keep each session's last screen there; BENCH_SCALE_QUIT=ctrl-c to quit the console with Ctrl-C
 * instead of q; BENCH_SCALE_ONLY=streams,dashboard,tail,tail-json for some of the sessions (each account
 * is still built); BENCH_SCALE_CLI=PATH another build's cli.js (before a change); BENCH_SCALE_RESULTS (bench/scale-results.md); BENCH_SCALE_SOAK=SECONDS (600) to leave each big stream's dashboard open reading
 * live that long instead (memory sampled every 10 s, its polling figures against the engine's counts;
 * its own section after the tables); BENCH_SCALE_PROFILE=DIR
 * for a CPU profile of each console (node --cpu-prof; `node --import tsx bench/profile.ts DIR`); BENCH_ENGINE_NODE_OPTIONS,
 * flags for the engine's node (`--cpu-prof --cpu-prof-dir=DIR` for its profile). Needs Linux (/proc) and tmux.
 *
 *   BENCH_SCALE_SHARDS=2000 BENCH_SCALE_SECONDS=10 BENCH_SCALE_QUIT=ctrl-c npm run bench -- --scale    quitting, in about 3 minutes
 */
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {loadavg} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {
	CreateStreamCommand,
	EnableEnhancedMonitoringCommand,
	type KinesisClient,
	ListShardsCommand,
	PutRecordsCommand,
	type MetricsName,
} from '@aws-sdk/client-kinesis';
import {CONTROL_PLANE_QUOTAS} from '../source/engine/kinesis/quotas.js';
import {SHARD_LIMITS} from '../source/engine/kinesis/model/throughput.js';
import type {OperationCount} from '../source/engine/requestCounts.js';
import {cliEnv} from '../test/helpers/cli.js';
import {Terminal} from '../test/helpers/terminal.js';
import {ServerProcess, removeDirectory, runStandalone, sleep, temporaryDirectory} from './lib/processes.js';
import {revision} from './lib/revision.js';
import {makeClient} from './lib/workload.js';

const positive = (name: string, fallback: number) => {
	const value = Number(process.env[name] ?? fallback);
	if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
	return value;
};
const config = {
	/** 0 leaves the account of many streams out. */
	streams: process.env.BENCH_SCALE_STREAMS === '0' ? 0 : positive('BENCH_SCALE_STREAMS', 1_000),
	enhanced: (process.env.BENCH_SCALE_ENHANCED ?? '')
		.split(',')
		.map((metric) => metric.trim())
		.filter(Boolean) as MetricsName[],
	shards: (process.env.BENCH_SCALE_SHARDS ?? '2000,10000')
		.split(',')
		.filter((text) => text.trim() !== '')
		.map((text) => {
			const value = Number(text.trim());
			if (!Number.isInteger(value) || value <= 0) throw new Error(`BENCH_SCALE_SHARDS must list whole numbers, not ${text}`);
			return value;
		}),
	rate: positive('BENCH_SCALE_RATE', 1_000),
	/**
	 * BENCH_SCALE_SPREAD=random writes each record to a shard drawn at random, as partition keys spread
	 * traffic: each shard's records arrive at random times, at the same rate on average. By default they go
	 * round robin, so that every shard has a record every shards/rate s; but then the writes sweep the
	 * shards in order at rate shards a second, as the start of a tail does, and how soon its first reads
	 * meet a record depends on where the two sweeps stand.
	 */
	spread: process.env.BENCH_SCALE_SPREAD === 'random' ? ('random' as const) : ('round robin' as const),
	seconds: positive('BENCH_SCALE_SECONDS', 20),
	timeoutMs: positive('BENCH_SCALE_TIMEOUT', 30) * 1000,
	/** BENCH_SCALE_LIMITS=off runs the same with the engine's limits and quotas off, for comparison. */
	limits: process.env.BENCH_SCALE_LIMITS !== 'off',
	/** How the console is quit: q, or Ctrl-C (SIGINT from the terminal, as Ink reads it in raw mode). */
	quit: (() => {
		const quit = process.env.BENCH_SCALE_QUIT ?? 'q';
		if (quit !== 'q' && quit !== 'ctrl-c') throw new Error(`BENCH_SCALE_QUIT must be q or ctrl-c, not ${quit}`);
		return quit;
	})(),
	only: new Set(
		(process.env.BENCH_SCALE_ONLY ?? 'streams,dashboard,tail,tail-json')
			.split(',')
			.map((text) => text.trim())
			.filter((text) => text !== ''),
	),
	/** BENCH_SCALE_SOAK=SECONDS: the big streams' live dashboards are watched this long instead, memory sampled every 10 s. */
	soakSeconds: process.env.BENCH_SCALE_SOAK === undefined ? 0 : positive('BENCH_SCALE_SOAK', 600),
	columns: 160,
	rows: 45,
};
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
/** BENCH_SCALE_CLI runs another build (a copy of dist/ from before a change), to measure before and after in one sitting. */
const cliPath = process.env.BENCH_SCALE_CLI ?? fileURLToPath(new URL('../dist/cli.js', import.meta.url));
/** BENCH_SCALE_PROFILE=DIR: a V8 CPU profile of each console session there (summarise with bench/profile.ts). */
const nodeArgs = process.env.BENCH_SCALE_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SCALE_PROFILE}`] : [];
const log = (message: string) => process.stderr.write(`${message}\n`);
const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
/** Operations the benchmark itself sends while a screen is watched: its trickle of records. */
const OWN_OPERATIONS = new Set(['PutRecords']);

/** One account: an engine and what it holds. */
interface Account {
	readonly label: string;
	readonly engine: ServerProcess;
	readonly streams: number;
	readonly shards: number;
	/** The stream whose dashboard and tail are measured. */
	readonly stream: string;
	readonly dataDir: string;
}

interface Measure {
	readonly account: string;
	readonly screen: string;
	/** What "useful" means for this screen. */
	readonly useful: string;
	readonly firstMs: number | undefined;
	readonly windowMs: number;
	readonly counts: OperationCount[];
	readonly cpuCores: number | undefined;
	/** The console's CPU over the second half of the window: once a tail's start is over. */
	readonly laterCores?: number | undefined;
	/** The engine's CPU over the same time: a busy engine slows every answer the console waits for. */
	readonly engineCores: number | undefined;
	readonly peakRss: number | undefined;
	readonly quitMs: number | undefined;
	readonly quitHow: string;
	readonly notes: string[];
	/** Streams and shards the account holds, to spread a per-stream or per-shard quota over. */
	readonly streams: number;
	readonly shards: number;
}

/** The engine in its own process on a data directory the benchmark keeps between the set-up and the run. */
function startEngine(dataDir: string, limits: boolean, shardLimit: number): Promise<ServerProcess> {
	return ServerProcess.start({
		name: `engine (limits ${limits ? 'on' : 'off'})`,
		command: process.execPath,
		args: [
			...(process.env.BENCH_ENGINE_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []),
			...['--import', 'tsx', 'bench/servers/engine.ts', '--data-dir', dataDir, '--limits', limits ? 'on' : 'off'],
		],
		env: {BENCH_ENGINE_OPTIONS: JSON.stringify({shardLimit, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0})},
		ready: {line: true},
		timeoutMs: 300_000,
	});
}

/**
 * An account holding `count` streams of `shards` shards each. They are created with the limits off (at
 * AWS's 5 CreateStream calls/s, 1,000 streams would take over three minutes), then the engine is started
 * again on the same data with every quota on.
 */
async function makeAccount(label: string, prefix: string, count: number, shards: number): Promise<Account> {
	const dataDir = temporaryDirectory('bench-scale-');
	const shardLimit = Math.max(20_000, count * shards);
	const setup = await startEngine(dataDir, false, shardLimit);
	const client = makeClient(setup.url, 'h2c');
	const names = Array.from({length: count}, (_, index) => (count === 1 ? prefix : `${prefix}-${String(index).padStart(4, '0')}`));
	const started = performance.now();
	try {
		let next = 0;
		const worker = async () => {
			while (next < names.length) {
				const name = names[next++]!;
				await client.send(new CreateStreamCommand({StreamName: name, ShardCount: shards}));
			}
		};
		await Promise.all(Array.from({length: Math.min(8, count)}, worker));
	} finally {
		client.destroy();
		await setup.stop();
	}
	log(
		`  ${label}: created in ${seconds(performance.now() - started)}; the engine starts again with its quotas ${config.limits ? 'on' : 'off'}`,
	);
	const engine = await startEngine(dataDir, config.limits, shardLimit);
	return {label, engine, streams: count, shards: count * shards, stream: names[Math.floor(count / 2)]!, dataDir};
}

/**
 * PutRecords at `rate` records/s in all, ten batches a second, each record sent to the next shard in turn
 * (ExplicitHashKey: the shard's starting hash key), so that every shard has a record every shards/rate s.
 */
async function trickle(client: KinesisClient, stream: string, rate: number): Promise<{stop: () => Promise<void>}> {
	const keys: string[] = [];
	let token: string | undefined;
	do {
		const page = await client.send(new ListShardsCommand(token ? {NextToken: token} : {StreamName: stream}));
		for (const shard of page.Shards ?? []) keys.push(shard.HashKeyRange?.StartingHashKey ?? '0');
		token = page.NextToken;
	} while (token);
	let running = true;
	let sent = 0;
	const loop = (async () => {
		const started = performance.now();
		while (running) {
			const due = Math.floor(((performance.now() - started) / 1000) * rate);
			const count = Math.min(500, due - sent);
			if (count > 0) {
				const records = Array.from({length: count}, (_, index) => ({
					PartitionKey: `pk-${sent + index}`,
					ExplicitHashKey: keys[config.spread === 'random' ? Math.floor(Math.random() * keys.length) : (sent + index) % keys.length],
					Data: Buffer.from(JSON.stringify({bench: 'scale-bench', n: sent + index})),
				}));
				sent += count;
				await client.send(new PutRecordsCommand({StreamName: stream, Records: records})).catch(() => undefined);
			}
			await sleep(100);
		}
	})();
	return {
		stop: async () => {
			running = false;
			await loop;
		},
	};
}

/** The process whose arguments are `node CLI ...args`: the console that tmux started, found in /proc. */
function findProcess(args: readonly string[]): number | undefined {
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
			const script = argv.indexOf(cliPath);
			if (script > 0 && args.every((arg, index) => argv[index + script + 1] === arg)) return Number(entry);
		} catch {
			// gone meanwhile
		}
	}
	return undefined;
}

/** CPU seconds (user + system, every thread) of a process, from /proc. */
function cpuSeconds(pid: number | undefined): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100;
	} catch {
		return undefined;
	}
}

/** The process's peak resident set (VmHWM), in bytes. */
function peakRss(pid: number | undefined): number | undefined {
	try {
		const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

/** Where a screen was asked for: the time, the engine's counts, the console's and the engine's CPU seconds. */
interface Start {
	readonly askedAt: number;
	readonly counts: OperationCount[];
	readonly cpu: number | undefined;
	readonly engineCpu: number | undefined;
}

const coresBetween = (before: number | undefined, after: number | undefined, ms: number) =>
	before !== undefined && after !== undefined ? (after - before) / (ms / 1000) : undefined;

/** What a screen says below its status line, in a few words: why it is not useful yet. */
function said(screen: string): string {
	const words = screen.split('\n').slice(1).join(' ').replace(/\s+/g, ' ').trim();
	return words === '' ? ' (the screen is empty)' : ` (the screen says: "${words.slice(0, 100)}${words.length > 100 ? '…' : ''}")`;
}

/**
 * How fast the list answers its keys ("scrolls at key speed", issue 18 item 2): j pressed 20 times, 150 ms
 * apart, each timed from the press until the screen shows the selection moved (the screen read every few ms,
 * through tmux: each time is up to that late).
 */
async function keySpeed(terminal: Terminal): Promise<string> {
	const selected = (text: string) => text.split('\n').find((line) => line.startsWith('›')) ?? '';
	const times: number[] = [];
	for (let key = 0; key < 20; key++) {
		const before = selected(await terminal.screen());
		const pressed = performance.now();
		// Sent, not pressed: press waits for the screen to settle, which is what is timed here.
		await terminal.send('j');
		for (const deadline = pressed + 5_000; performance.now() < deadline;) {
			if (selected(await terminal.screen()) !== before) {
				times.push(performance.now() - pressed);
				break;
			}
		}
		await sleep(150);
	}
	times.sort((a, b) => a - b);
	const at = (share: number) => Math.round(times[Math.min(times.length - 1, Math.floor(share * times.length))] ?? Number.NaN);
	return `the streams list answered ${times.length} of 20 keys (j) in ${at(0.5)} / ${at(0.95)} / ${at(1)} ms (median, 95th percentile, most)`;
}

/** Waits for a screen on the way to the one measured; throws, saying what the screen shows instead, if it does not come. */
async function reach(terminal: Terminal, test: (text: string) => boolean, what: string): Promise<void> {
	try {
		await terminal.waitFor(test, config.timeoutMs);
	} catch {
		throw new Error(`${what} not within ${seconds(config.timeoutMs)}${said(await terminal.screen())}`);
	}
}

/** BENCH_SCALE_SCREENS=DIR keeps the last screen of each session there, to see what a row's figures came from. */
function keepScreen(account: Account, screen: string, text: string): void {
	const directory = process.env.BENCH_SCALE_SCREENS;
	if (!directory) return;
	mkdirSync(directory, {recursive: true});
	writeFileSync(join(directory, `${account.label} ${screen}.txt`.replace(/[^\w.-]+/g, '-')), text);
}

const counts = (engine: ServerProcess) => engine.command<OperationCount[]>('counts');

/** What was counted between two snapshots (Kinesis, CloudWatch and DynamoDB), without the benchmark's own calls. */
function difference(before: OperationCount[], after: OperationCount[]): OperationCount[] {
	const key = (count: OperationCount) => `${count.region}|${count.service}|${count.operation}`;
	const earlier = new Map(before.map((count) => [key(count), count]));
	return after
		.filter((count) => !(count.service === 'Kinesis' && OWN_OPERATIONS.has(count.operation)))
		.map((count) => ({
			...count,
			requests: count.requests - (earlier.get(key(count))?.requests ?? 0),
			refused: count.refused - (earlier.get(key(count))?.refused ?? 0),
		}))
		.filter((count) => count.requests > 0);
}

const quitName = config.quit === 'q' ? 'q' : 'Ctrl-C';

/**
 * Quits the console with the key BENCH_SCALE_QUIT names and times it until the process is gone, polled
 * every 10 ms in /proc (the terminal's own exit file is polled every 100 ms and written by the shell after).
 * The key is sent as is: no wait for the screen to change before the clock runs.
 */
async function quitConsole(terminal: Terminal, pid: number | undefined): Promise<number | undefined> {
	const quitAt = performance.now();
	await terminal.send(config.quit);
	if (pid === undefined) {
		try {
			await terminal.waitForExit(config.timeoutMs);
			return performance.now() - quitAt;
		} catch {
			return undefined;
		}
	}
	while (performance.now() - quitAt < config.timeoutMs) {
		if (!existsSync(`/proc/${pid}`)) return performance.now() - quitAt;
		await sleep(10);
	}
	return undefined;
}

/**
 * Watches one screen of a console session: from the moment it was asked for (`askedAt`), until it is
 * useful, then until BENCH_SCALE_SECONDS after it was asked for (or after it became useful, if later);
 * then quits with q and times the exit.
 */
async function watchScreen(
	account: Account,
	screen: string,
	terminal: Terminal,
	pid: number | undefined,
	start: Start,
	useful: {description: string; test: (text: string) => boolean},
	allRead?: {description: string; test: (text: string) => boolean},
): Promise<Measure> {
	const notes: string[] = [];
	let firstMs: number | undefined;
	try {
		await terminal.waitFor(useful.test, config.timeoutMs);
		firstMs = performance.now() - start.askedAt;
	} catch {
		notes.push(`not useful within ${seconds(config.timeoutMs)}${said(await terminal.screen())}`);
	}
	const end = start.askedAt + Math.max(config.seconds * 1000, (firstMs ?? 0) + config.seconds * 1000);
	const middle = (start.askedAt + end) / 2;
	let half: {at: number; cpu: number | undefined} | undefined;
	let allMs: number | undefined;
	let callsToAll: OperationCount[] = [];
	while (firstMs !== undefined && performance.now() < end) {
		if (half === undefined && performance.now() >= middle) half = {at: performance.now(), cpu: cpuSeconds(pid)};
		if (allRead !== undefined && allMs === undefined && allRead.test(await terminal.screen())) {
			allMs = performance.now() - start.askedAt;
			// How many calls it took: a shard's iterator and first read each, and the polls made meanwhile.
			callsToAll = difference(start.counts, await counts(account.engine));
		}
		// Looked at every 100 ms while waiting for every shard (as for the first useful screen): a moment
		// the screen reaches, whose time is up to the interval late; every 250 ms after it.
		const everyMs = allRead !== undefined && allMs === undefined ? 100 : 250;
		await sleep(Math.max(0, Math.min(everyMs, end - performance.now())));
	}
	if (allRead !== undefined)
		notes.push(
			allMs === undefined
				? `not ${allRead.description} within the window`
				: `${allRead.description} after ${seconds(allMs)} (by then ${kinesisCalls(callsToAll, 'GetShardIterator')} GetShardIterator and ${kinesisCalls(callsToAll, 'GetRecords')} GetRecords)`,
		);
	const windowMs = performance.now() - start.askedAt;
	const cpu = cpuSeconds(pid);
	const cpuAt = performance.now();
	const after = await counts(account.engine);
	const engineCpu = account.engine.cpuSeconds();
	const rss = peakRss(pid);
	keepScreen(account, screen, await terminal.screen());
	const quitMs = await quitConsole(terminal, pid);
	if (quitMs === undefined) {
		notes.push(`still running ${seconds(config.timeoutMs)} after ${quitName}`);
		keepScreen(account, `${screen} after ${quitName}`, await terminal.screen());
	}
	return {
		account: account.label,
		screen,
		useful: useful.description,
		firstMs,
		windowMs,
		counts: difference(start.counts, after),
		cpuCores: coresBetween(start.cpu, cpu, windowMs),
		laterCores: half === undefined ? undefined : coresBetween(half.cpu, cpu, cpuAt - half.at),
		engineCores: coresBetween(start.engineCpu, engineCpu, windowMs),
		peakRss: rss,
		quitMs,
		quitHow: quitName,
		notes,
		streams: account.streams,
		shards: account.shards,
	};
}

/** The sampler the soak loads into the console (node --import): its memory as it sees it, every 10 s. */
const MEMORY_SAMPLER = fileURLToPath(new URL('./lib/memorySampler.mjs', import.meta.url));
/** The soaks' own tables, after the run's. */
const soakReports: string[] = [];

interface MemorySample {
	readonly at: number;
	readonly rss: number;
	readonly heapUsed: number;
}

/** Least-squares slope of `value` over time, per minute. */
function slopePerMinute(points: readonly {readonly at: number; readonly value: number}[]): number {
	if (points.length < 2) return 0;
	const meanAt = points.reduce((sum, point) => sum + point.at, 0) / points.length;
	const meanValue = points.reduce((sum, point) => sum + point.value, 0) / points.length;
	let covariance = 0;
	let variance = 0;
	for (const point of points) {
		covariance += (point.at - meanAt) * (point.value - meanValue);
		variance += (point.at - meanAt) ** 2;
	}
	return variance === 0 ? 0 : (covariance / variance) * 60_000;
}

/** A figure as the console writes it (format.ts's formatCompact: 1,234, 1.2k, 3.4M). */
function compactNumber(text: string): number {
	const match = /^([\d,.]+)([kM]?)$/.exec(text);
	if (!match) return Number.NaN;
	return Number(match[1]!.replaceAll(',', '')) * (match[2] === 'k' ? 1_000 : match[2] === 'M' ? 1_000_000 : 1);
}

/**
 * BENCH_SCALE_SOAK: a big stream's dashboard left open reading live for the soak's length. Every 10 s:
 * the console's memory (the sampler's file), the GetRecords/s the dashboard says it measures and the
 * GetRecords the engine counted over the same 10 s. Reported as start → end (max) and the slope of a
 * least-squares line over the second half (after the start's own growth), and the dashboard's figure
 * against the engine's.
 */
async function soak(account: Account, terminal: Terminal, pid: number | undefined, start: Start, samplesFile: string): Promise<Measure> {
	const notes: string[] = [];
	let firstMs: number | undefined;
	try {
		await terminal.waitFor(readingLive.test, config.timeoutMs);
		firstMs = performance.now() - start.askedAt;
	} catch {
		notes.push(`not useful within ${seconds(config.timeoutMs)}${said(await terminal.screen())}`);
	}
	// Memory from when the dashboard reads live: the process's start and the screens before are not the soak.
	const liveSince = Date.now();
	const polling: {said: number; counted: number}[] = [];
	let previous = {at: performance.now(), requests: getRecordsIn(await counts(account.engine))};
	const end = performance.now() + config.soakSeconds * 1000;
	while (firstMs !== undefined && performance.now() < end) {
		await sleep(Math.min(10_000, Math.max(0, end - performance.now())));
		const now = {at: performance.now(), requests: getRecordsIn(await counts(account.engine))};
		const figure = /([\d,.]+[kM]?) GetRecords\/s measured/.exec(await terminal.screen())?.[1];
		polling.push({
			said: figure === undefined ? Number.NaN : compactNumber(figure),
			counted: ((now.requests - previous.requests) * 1000) / (now.at - previous.at),
		});
		previous = now;
	}
	const windowMs = performance.now() - start.askedAt;
	const after = await counts(account.engine);
	const cpu = cpuSeconds(pid);
	const engineCpu = account.engine.cpuSeconds();
	const rss = peakRss(pid);
	keepScreen(account, 'dashboard soak', await terminal.screen());
	const quitMs = await quitConsole(terminal, pid);
	const memory = existsSync(samplesFile)
		? readFileSync(samplesFile, 'utf8')
				.split('\n')
				.filter(Boolean)
				.map((line) => JSON.parse(line) as MemorySample)
				.filter((sample) => sample.at >= liveSince)
		: [];
	const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
	const describe = (name: string, pick: (sample: MemorySample) => number): string => {
		if (memory.length === 0) return `${name}: no samples`;
		const values = memory.map(pick);
		const secondHalf = memory.slice(Math.floor(memory.length / 2)).map((sample) => ({at: sample.at, value: pick(sample)}));
		const slope = slopePerMinute(secondHalf) / 1024 / 1024;
		return `${name} ${mib(values[0]!)} → ${mib(values.at(-1)!)} (max ${mib(Math.max(...values))}), ${slope >= 0 ? '+' : ''}${slope.toFixed(1)} MiB/min over the second half`;
	};
	const told = polling.filter((row) => Number.isFinite(row.said));
	const mean = (values: number[]) => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);
	const ratios = told.filter((row) => row.counted > 0).map((row) => row.said / row.counted);
	const pollingNote =
		told.length === 0
			? 'no polling figure read from the screen'
			: `the dashboard said ${mean(told.map((row) => row.said)).toFixed(0)} GetRecords/s measured on average, the engine counted ${mean(told.map((row) => row.counted)).toFixed(0)}/s ` +
				`(said/counted per 10 s: ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
	const rssNote = describe('RSS', (sample) => sample.rss);
	const heapNote = describe('heap used', (sample) => sample.heapUsed);
	log(`  ${account.label}, dashboard soak of ${config.soakSeconds} s: ${rssNote}; ${heapNote}; ${pollingNote}`);
	soakReports.push(
		[
			`### Soak: ${account.label}, dashboard reading live (l) for ${fmt(config.soakSeconds)} s`,
			'',
			`Memory as the console saw it (process.memoryUsage() after a full collection, sampled every 10 s by bench/lib/memorySampler.mjs, ${memory.length} samples): ${rssNote}; ${heapNote}. ` +
				`Polling: ${pollingNote}. Console CPU ${coresBetween(start.cpu, cpu, windowMs)?.toFixed(2) ?? '–'} cores, peak RSS ${rss === undefined ? '–' : mib(rss)}.`,
		].join('\n'),
	);
	return {
		account: account.label,
		screen: `dashboard, live (l), ${fmt(config.soakSeconds)} s soak`,
		useful: readingLive.description,
		firstMs,
		windowMs,
		counts: difference(start.counts, after),
		cpuCores: coresBetween(start.cpu, cpu, windowMs),
		engineCores: coresBetween(start.engineCpu, engineCpu, windowMs),
		peakRss: rss,
		quitMs,
		quitHow: quitName,
		notes: [...notes, rssNote, heapNote],
		streams: account.streams,
		shards: account.shards,
	};
}

const kinesisCalls = (all: OperationCount[], operation: string) =>
	all.filter((count) => count.service === 'Kinesis' && count.operation === operation).reduce((sum, count) => sum + count.requests, 0);
const getRecordsIn = (all: OperationCount[]) => kinesisCalls(all, 'GetRecords');

const streamRows = {description: 'rows with status, mode and shards', test: (text: string) => /ACTIVE\s+provisioned\s+\d+ open/.test(text)};
const dashboardUp = {
	description: 'shard table',
	test: (text: string) => text.includes('HASH RANGE') && text.includes('shardId-000000000000'),
};
const recordShown = {description: 'first record', test: (text: string) => text.includes('scale-bench')};
const readingLive = {
	description: 'live figures measured',
	test: (text: string) =>
		/live: [\d,]+ shards? at LATEST · [\d.]+[kM]? GetRecords\/s measured/.test(text) && !/ 0 GetRecords\/s/.test(text),
};

type ScreenName = 'streams' | 'dashboard' | 'dashboard live' | 'tail';

/** A console session in tmux: the streams screen, then (for `dashboard` and `tail`) the account's stream. */
async function consoleSession(account: Account, screen: ScreenName): Promise<Measure> {
	const args = ['--endpoint-url', account.engine.url];
	const soaking = screen === 'dashboard live' && config.soakSeconds > 0;
	const samples = soaking ? join(temporaryDirectory('bench-soak-'), 'memory.jsonl') : undefined;
	const before = await counts(account.engine);
	const engineBefore = account.engine.cpuSeconds();
	const startedAt = performance.now();
	const terminal = await Terminal.start(args, {
		columns: config.columns,
		rows: config.rows,
		cliPath,
		nodeArgs: samples ? [...nodeArgs, '--expose-gc', '--import', MEMORY_SAMPLER] : nodeArgs,
		...(samples ? {env: {BENCH_MEMORY_SAMPLES: samples}} : {}),
	});
	try {
		let pid: number | undefined;
		// A busy machine can take seconds to start node: looked for until the timeout.
		for (const deadline = performance.now() + config.timeoutMs; pid === undefined && performance.now() < deadline;) {
			pid = findProcess(args);
			if (pid === undefined) await sleep(100);
		}
		if (screen === 'streams')
			return await watchScreen(
				account,
				'streams screen',
				terminal,
				pid,
				{askedAt: startedAt, counts: before, cpu: 0, engineCpu: engineBefore},
				streamRows,
			);
		await reach(terminal, streamRows.test, 'the streams screen');
		const keys = account.streams > 1 ? await keySpeed(terminal) : undefined;
		await terminal.press('/');
		await terminal.type(account.stream);
		await terminal.press('enter');
		// The list comes a page of 100 at a time, paced by the request budget: wait, as a user would, for the
		// stream to be listed and selected before opening it.
		await reach(terminal, (text) => new RegExp(`›\\s+${account.stream}\\s`).test(text), `${account.stream} in the list`);
		const asked = async (): Promise<Start> => ({
			counts: await counts(account.engine),
			askedAt: performance.now(),
			cpu: cpuSeconds(pid),
			engineCpu: account.engine.cpuSeconds(),
		});
		const opened = await asked();
		await terminal.press('enter');
		if (screen === 'dashboard') {
			const measure = await watchScreen(account, 'dashboard', terminal, pid, opened, dashboardUp);
			return keys === undefined ? measure : {...measure, notes: [...measure.notes, keys]};
		}
		await reach(terminal, dashboardUp.test, 'the dashboard');
		if (screen === 'dashboard live') {
			const live = await asked();
			await terminal.press('l');
			if (samples) return await soak(account, terminal, pid, live, samples);
			return await watchScreen(account, 'dashboard, live (l)', terminal, pid, live, readingLive);
		}
		const tailed = await asked();
		await terminal.press('t');
		return await watchScreen(account, 'tail screen', terminal, pid, tailed, recordShown, {
			description: 'every shard read (the screen says all are reading)',
			test: (text) => text.includes(`(${account.shards} reading)`),
		});
	} finally {
		await terminal.kill();
	}
}

/** `kinesis-console tail STREAM --json` as a process; Ctrl-C (SIGINT) ends it, timed until it exits. */
async function tailCommand(account: Account): Promise<Measure> {
	const before = await counts(account.engine);
	const engineBefore = account.engine.cpuSeconds();
	const startedAt = performance.now();
	const child = spawn(process.execPath, [...nodeArgs, cliPath, 'tail', account.stream, '--json', '--endpoint-url', account.engine.url], {
		env: cliEnv(),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
	let firstMs: number | undefined;
	let allMs: number | undefined;
	let records = 0;
	const shards = new Set<string>();
	createInterface({input: child.stdout}).on('line', (line) => {
		records++;
		firstMs ??= performance.now() - startedAt;
		try {
			shards.add((JSON.parse(line) as {shardId: string}).shardId);
		} catch {
			// counted as a record all the same
		}
		if (shards.size === account.shards) allMs ??= performance.now() - startedAt;
	});
	const notes: string[] = [];
	try {
		const deadline = startedAt + config.timeoutMs;
		while (firstMs === undefined && performance.now() < deadline && child.exitCode === null) await sleep(50);
		if (firstMs === undefined) notes.push(`no record within ${seconds(config.timeoutMs)}`);
		const end = startedAt + (firstMs ?? 0) + config.seconds * 1000;
		const middle = (startedAt + end) / 2;
		let half: {at: number; cpu: number | undefined} | undefined;
		while (performance.now() < end && child.exitCode === null) {
			if (half === undefined && performance.now() >= middle) half = {at: performance.now(), cpu: cpuSeconds(child.pid)};
			await sleep(50);
		}
		const windowMs = performance.now() - startedAt;
		const cpu = cpuSeconds(child.pid);
		const cpuAt = performance.now();
		const after = await counts(account.engine);
		const engineCpu = account.engine.cpuSeconds();
		const rss = peakRss(child.pid);
		if (child.exitCode !== null) notes.push(`exited by itself (${child.exitCode}): ${stderr.trim().slice(-300)}`);
		const quitAt = performance.now();
		child.kill('SIGINT');
		const quit = await Promise.race([exited.then(() => true), sleep(config.timeoutMs).then(() => false)]);
		if (!quit) notes.push(`still running ${seconds(config.timeoutMs)} after Ctrl-C`);
		notes.push(
			`${fmt(records)} records from ${fmt(shards.size)} of ${fmt(account.shards)} shards` +
				(allMs === undefined ? '' : `, every shard's first after ${seconds(allMs)}`),
		);
		return {
			account: account.label,
			screen: 'tail --json',
			useful: 'first record',
			firstMs,
			windowMs,
			counts: difference(before, after),
			cpuCores: coresBetween(0, cpu, windowMs),
			laterCores: half === undefined ? undefined : coresBetween(half.cpu, cpu, cpuAt - half.at),
			engineCores: coresBetween(engineBefore, engineCpu, windowMs),
			peakRss: rss,
			quitMs: quit ? performance.now() - quitAt : undefined,
			quitHow: 'Ctrl-C',
			notes,
			streams: account.streams,
			shards: account.shards,
		};
	} finally {
		child.kill('SIGKILL');
		await exited;
	}
}

/** The quota the engine enforces on an operation, in its own terms, and how many units it is counted per here. */
function quotaOf(operation: string, measure: Measure): {text: string; perSecond: number; units: number; unit: string} | undefined {
	const quota = CONTROL_PLANE_QUOTAS[operation];
	if (quota) {
		const units = quota.scope === 'account' ? 1 : quota.scope === 'stream' ? measure.streams : measure.shards;
		const unit = quota.scope === 'account' ? 'account' : quota.scope === 'stream' ? 'stream' : 'consumer and shard';
		return {text: `${fmt(quota.perSecond)}/s per ${unit}`, perSecond: quota.perSecond, units, unit};
	}
	const perShard =
		operation === 'GetRecords'
			? SHARD_LIMITS.readCallsPerSecond
			: operation === 'GetShardIterator'
				? SHARD_LIMITS.iteratorCallsPerSecond
				: undefined;
	if (perShard === undefined) return undefined;
	return {text: `${perShard}/s per shard`, perSecond: perShard, units: measure.shards, unit: 'shard'};
}

function tables(measures: Measure[]): {summary: string; operations: string} {
	const cores = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(2)} cores`);
	const mb = (bytes: number | undefined) => (bytes === undefined ? '–' : `${Math.round(bytes / 1024 / 1024)} MB`);
	const summary = [
		'| account | screen | first useful | calls/s (all operations) | refused | console CPU | peak RSS | quit | engine CPU | notes |',
		'| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
		...measures.map((measure) => {
			const calls = measure.counts.reduce((sum, count) => sum + count.requests, 0);
			const refused = measure.counts.reduce((sum, count) => sum + count.refused, 0);
			return (
				`| ${measure.account} | ${measure.screen} | ${seconds(measure.firstMs)} (${measure.useful}) | ` +
				`${fmt((calls * 1000) / measure.windowMs)} | ${fmt(refused)} | ` +
				`${cores(measure.cpuCores)}${measure.laterCores === undefined ? '' : ` (${measure.laterCores.toFixed(2)} in the second half)`} | ${mb(measure.peakRss)} | ${seconds(measure.quitMs)} (${measure.quitHow}) | ` +
				`${cores(measure.engineCores)} | ${measure.notes.join('; ')} |`
			);
		}),
	].join('\n');
	const operations = [
		"| account | screen | operation | calls/s | AWS's quota (the engine's table) | share of quota (average per unit) | refused |",
		'| --- | --- | --- | ---: | --- | ---: | ---: |',
		...measures.flatMap((measure) =>
			measure.counts.map((count) => {
				const operation = count.service === 'Kinesis' ? count.operation : `${count.service} ${count.operation}`;
				const perSecond = (count.requests * 1000) / measure.windowMs;
				const quota = count.service === 'Kinesis' ? quotaOf(count.operation, measure) : undefined;
				const share =
					quota === undefined
						? 'no quota'
						: `${Math.round((perSecond / quota.units / quota.perSecond) * 100)}%` +
							(quota.units > 1 ? ` (over ${fmt(quota.units)} ${quota.unit}s)` : '');
				return (
					`| ${measure.account} | ${measure.screen} | ${operation} | ${perSecond < 10 ? perSecond.toFixed(1) : fmt(perSecond)} | ` +
					`${quota?.text ?? '–'} | ${share} | ${fmt(count.refused)} |`
				);
			}),
		),
	].join('\n');
	return {summary, operations};
}

export interface ScaleSection {
	readonly markdown: string;
	readonly table: string;
}

export async function scaleBenchmark(): Promise<ScaleSection> {
	const load = () =>
		loadavg()
			.map((value) => value.toFixed(2))
			.join(' ');
	const loadBefore = load();
	const measures: Measure[] = [];
	const run = async (account: Account, screen: string, work: () => Promise<Measure>) => {
		const session = {
			'streams screen': 'streams',
			dashboard: 'dashboard',
			'dashboard, live (l)': 'dashboard',
			'tail screen': 'tail',
			'tail --json': 'tail-json',
		}[screen];
		if (session !== undefined && !config.only.has(session)) return;
		// A screen that never comes (a navigation step timed out) is a row of its own, not the end of the run.
		const measure = await work().catch((error: unknown): Measure => ({
			account: account.label,
			screen,
			useful: '',
			firstMs: undefined,
			windowMs: 1,
			counts: [],
			cpuCores: undefined,
			engineCores: undefined,
			peakRss: undefined,
			quitMs: undefined,
			quitHow: quitName,
			notes: [`failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`],
			streams: account.streams,
			shards: account.shards,
		}));
		log(
			`  ${measure.account}, ${measure.screen}: first useful ${seconds(measure.firstMs)}, ` +
				`${measure.counts.map((count) => `${count.operation} ${fmt(count.requests)}${count.refused ? ` (${fmt(count.refused)} refused)` : ''}`).join(', ')} ` +
				`in ${seconds(measure.windowMs)}; quit ${seconds(measure.quitMs)}${measure.notes.length ? `; ${measure.notes.join('; ')}` : ''}`,
		);
		measures.push(measure);
	};

	const many = `${fmt(config.streams)} streams`;
	if (config.streams > 0 && (config.only.has('streams') || config.only.has('dashboard'))) {
		log(`scale: ${many} of 1 shard`);
		const streamsAccount = await makeAccount(many, 'scale', config.streams, 1);
		try {
			await run(streamsAccount, 'streams screen', () => consoleSession(streamsAccount, 'streams'));
			await run(streamsAccount, 'dashboard', () => consoleSession(streamsAccount, 'dashboard'));
		} finally {
			await streamsAccount.engine.stop();
			removeDirectory(streamsAccount.dataDir);
		}
	}

	for (const shards of ['dashboard', 'tail', 'tail-json'].some((session) => config.only.has(session)) ? config.shards : []) {
		const label = `${fmt(shards)}-shard stream`;
		log(`scale: one stream of ${fmt(shards)} shards, ${fmt(config.rate)} records/s in all`);
		const account = await makeAccount(label, `scale-${shards}`, 1, shards);
		const client = makeClient(account.engine.url, 'h2c');
		if (config.enhanced.length > 0)
			await client.send(new EnableEnhancedMonitoringCommand({StreamName: account.stream, ShardLevelMetrics: config.enhanced}));
		const producer = await trickle(client, account.stream, config.rate);
		try {
			if (config.soakSeconds === 0) await run(account, 'dashboard', () => consoleSession(account, 'dashboard'));
			await run(account, 'dashboard, live (l)', () => consoleSession(account, 'dashboard live'));
			// A soak watches the live dashboard only.
			if (config.soakSeconds === 0) {
				await run(account, 'tail screen', () => consoleSession(account, 'tail'));
				await run(account, 'tail --json', () => tailCommand(account));
			}
		} finally {
			await producer.stop();
			client.destroy();
			await account.engine.stop();
			removeDirectory(account.dataDir);
		}
	}

	const {summary, operations} = tables(measures);
	const markdown = [
		'## Console at scale',
		'',
		`${new Date().toISOString()}, built from ${revision()}; load average ${loadBefore} before and ${load()} after (2 cores shared with other work: absolute figures are noisy). ` +
			`Engine: its own process (bench/servers/engine.ts), throughput limits and control-plane quotas ${config.limits ? 'on' : '**off** (BENCH_SCALE_LIMITS=off)'}, shard limit raised; ` +
			`accounts of ${config.streams > 0 ? `${many} of 1 shard and ` : ''}of one stream of ${config.shards.map(fmt).join(' and of ')} shards, each an engine of its own` +
			`${config.enhanced.length > 0 ? `, enhanced monitoring of ${config.enhanced.join(', ')} on for the big streams` : ''}. ` +
			`The big streams' dashboards are measured as opened and again reading live (l pressed once the shard table shows). ` +
			`The big streams are written at ${fmt(config.rate)} records/s in all, ${config.spread === 'random' ? 'each record to a shard drawn at random (BENCH_SCALE_SPREAD=random)' : 'round robin over their shards'}. ` +
			`Console: \`node dist/cli.js --endpoint-url URL\` in tmux at ${config.columns}x${config.rows}; the dashboard opened from the streams screen ` +
			`with / NAME Enter Enter, the tail screen with t on the dashboard; \`tail STREAM --json\` as a process reading from LATEST. ` +
			`Each screen is watched for ${config.seconds} s from the key (or start) that asked for it, or from its first useful screen if that came later; ` +
			`first useful times are from that key, polled every 100 ms. Calls are what the engine counted meanwhile (its own counts, the benchmark's ` +
			`PutRecords left out), quotas are the engine's tables (source/engine/kinesis/quotas.ts, and throughput.ts per shard). ` +
			`CPU is the console's user + system time over the same wall time, peak RSS its VmHWM; quit is from ${quitName} (Ctrl-C for tail --json) until the process exited (polled every 10 ms in /proc).`,
		'',
		summary,
		'',
		operations,
		...soakReports.flatMap((report) => ['', report]),
	].join('\n');
	return {markdown, table: `${summary}\n\n${operations}`};
}

await runStandalone(import.meta.url, scaleBenchmark, 'BENCH_SCALE_RESULTS', 'bench/scale-results.md');
