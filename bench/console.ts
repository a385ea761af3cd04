/**
 * The console's own speed (issue 5, "Speed"), against the engine in its own process (throughput limits off):
 *  (a) `kinesis-console tail STREAM --from trim-horizon --no-follow --json --quota-share 1 > /dev/null` (all 5 of each
 *      shard's reads a second, as a script reading a backlog alone takes them) of BENCH_CONSOLE_RECORDS
 *      (1,000,000) 100-byte records on a BENCH_SHARDS (8)-shard stream, timed, next to the engine's raw GetRecords
 *      drain rate of the same stream in the same run (one SDK reader per shard, Limit 10,000), with the tail
 *      process's peak RSS and its RSS through the run, and the CPU per 1,000 records of the tail process and of the drain's
 *      client (the least of the rounds: what other load on the machine disturbs least); with BENCH_RUNS (1) rounds of
 *      drain then tail, the best of each;
 *  (b) `kinesis-console streams` next to `aws kinesis list-streams` against the same engine, median wall time
 *      of BENCH_CONSOLE_RUNS (7) runs each, with Debian's AWS CLI v2 (/usr/bin/aws, what .ci/run installs) when
 *      it is there, BENCH_AWS_CLI to pick another, else `aws` on the PATH (skipped when there is none).
 *  (c) the interactive console's first screen: from launching `kinesis-console --endpoint-url URL` in tmux at
 *      80x24 until its streams screen lists the stream, median of BENCH_CONSOLE_RUNS, next to the scripted
 *      `kinesis-console streams`; with BENCH_CONSOLE_CLI_BEFORE=PATH (another build's cli.js) also that build,
 *      the runs alternating.
 *
 *   npm run bench -- --console                         this section only (bench/run.ts)
 *   BENCH_CONSOLE_RECORDS=100000 node --import tsx bench/console.ts    standalone, a quick smoke test
 *
 * The table is appended to BENCH_CONSOLE_RESULTS (bench/console-results.md).
 */
import {execFileSync, spawn} from 'node:child_process';
import {closeSync, existsSync, openSync, readFileSync} from 'node:fs';
import {loadavg} from 'node:os';
import {fileURLToPath} from 'node:url';
import {setTimeout as delay} from 'node:timers/promises';
import {Terminal} from '../test/helpers/terminal.js';
import {enginePeer} from './lib/peers.js';
import {runStandalone, type ServerProcess} from './lib/processes.js';
import {createStream, drain, makeBatch, makeClient} from './lib/workload.js';
import {putFor} from './lib/workload.js';

const positive = (name: string, fallback: number) => {
	const value = Number(process.env[name] ?? fallback);
	if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
	return value;
};

const RECORD_BYTES = 100;
const BATCH = 500;
const GET_LIMIT = 10_000;
const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const log = (message: string) => process.stderr.write(`${message}\n`);
const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Fake credentials and nothing of the real AWS configuration, for both CLIs. */
const env = (): NodeJS.ProcessEnv => ({
	PATH: process.env.PATH ?? '',
	HOME: process.env.HOME ?? '/tmp',
	AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
	AWS_SECRET_ACCESS_KEY: 'benchmark-secret',
	AWS_REGION: 'us-east-1',
	AWS_DEFAULT_REGION: 'us-east-1',
	AWS_CONFIG_FILE: '/nonexistent/config',
	AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
	AWS_EC2_METADATA_DISABLED: 'true',
	AWS_PAGER: '',
	AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/PID/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100;
	} catch {
		return undefined;
	}
}

/** A `kB` field of /proc/PID/status, in bytes. */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
	try {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

interface TailRun {
	readonly elapsedMs: number;
	readonly code: number | null;
	readonly peakRss: number;
	/** RSS sampled every 100 ms, for the quarters of the run. */
	readonly rssQuarters: number[];
	/** CPU seconds of the tail process, as last sampled (within 100 ms of its end). */
	readonly cpuSeconds: number;
	readonly stderr: string;
}

/** The tail as a process, stdout into /dev/null, its RSS sampled from /proc while it runs. */
async function tailProcess(url: string, stream: string): Promise<TailRun> {
	const devNull = openSync('/dev/null', 'w');
	const started = performance.now();
	const child = spawn(
		process.execPath,
		// A backlog read alone, as a script reads one with nothing else reading the stream: all 5 of each shard's reads.
		[cliPath, 'tail', stream, '--from', 'trim-horizon', '--no-follow', '--json', '--quota-share', '1', '--endpoint-url', url],
		{
			env: env(),
			stdio: ['ignore', devNull, 'pipe'],
		},
	);
	closeSync(devNull);
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	let peakRss = 0;
	let cpu = 0;
	const samples: number[] = [];
	const sampler = setInterval(() => {
		cpu = cpuSeconds(child.pid!) ?? cpu;
		const rss = statusBytes(child.pid!, 'VmRSS');
		const hwm = statusBytes(child.pid!, 'VmHWM');
		if (rss !== undefined) samples.push(rss);
		peakRss = Math.max(peakRss, hwm ?? 0, rss ?? 0);
	}, 100);
	const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
	const elapsedMs = performance.now() - started;
	clearInterval(sampler);
	const rssQuarters = [1, 2, 3, 4].map(
		(quarter) => samples[Math.min(samples.length - 1, Math.floor((samples.length * quarter) / 4) - 1)] ?? 0,
	);
	return {elapsedMs, code, peakRss, rssQuarters, cpuSeconds: cpu, stderr};
}

/**
 * From launching the interactive console in a new 80x24 terminal until its streams screen shows `stream`,
 * in ms. The screen is read every 20 ms (tmux capture-pane), so figures are up to that late.
 */
async function firstScreenMs(url: string, stream: string, cli: string): Promise<number> {
	const started = performance.now();
	const terminal = await Terminal.start(['--endpoint-url', url], {columns: 80, rows: 24, cliPath: cli});
	try {
		for (;;) {
			if ((await terminal.screen()).includes(stream)) return performance.now() - started;
			if (performance.now() - started > 30_000)
				throw new Error(`the console did not list ${stream} within 30 s:\n${await terminal.screen()}`);
			await delay(20);
		}
	} finally {
		await terminal.kill();
	}
}

/**
 * The interactive console's first screen, median of `runs`, next to the scripted `streams` (and the build
 * at BENCH_CONSOLE_CLI_BEFORE, if set): one untimed run first (disk cache), then alternating, so that a
 * burst of other load falls on each.
 */
async function firstScreenRows(url: string, stream: string, runs: number): Promise<string[]> {
	const scripted: number[] = [];
	const interactive: number[] = [];
	const before: number[] = [];
	const cliBefore = process.env.BENCH_CONSOLE_CLI_BEFORE;
	await firstScreenMs(url, stream, cliPath);
	for (let run = 0; run < runs; run++) {
		scripted.push(timed(process.execPath, [cliPath, 'streams', '--endpoint-url', url]));
		interactive.push(await firstScreenMs(url, stream, cliPath));
		if (cliBefore) before.push(await firstScreenMs(url, stream, cliBefore));
	}
	const firstMs = median(interactive);
	log(`console: first screen ${firstMs.toFixed(0)} ms, scripted streams ${median(scripted).toFixed(0)} ms (medians of ${runs})`);
	const rows = [
		`| the console's first screen (launch to the streams screen listing the stream, 80x24 in tmux) vs \`kinesis-console streams\`, median of ${runs} | ` +
			`${firstMs.toFixed(0)} ms | ${median(scripted).toFixed(0)} ms | ${(firstMs / median(scripted)).toFixed(2)}× | | screen read every 20 ms |`,
	];
	if (cliBefore) {
		log(`console: first screen with ${cliBefore}: ${median(before).toFixed(0)} ms`);
		rows.push(
			`| the same first screen vs the build before (${cliBefore}), median of ${runs} | ${firstMs.toFixed(0)} ms | ${median(before).toFixed(0)} ms | ` +
				`${(firstMs / median(before)).toFixed(2)}× | | runs alternating |`,
		);
	}
	return rows;
}

/** Wall time of one process run to completion, in ms; throws when it fails. */
function timed(command: string, args: string[]): number {
	const started = performance.now();
	execFileSync(command, args, {env: env(), stdio: ['ignore', 'pipe', 'pipe']});
	return performance.now() - started;
}

/**
 * The AWS CLI to compare with: BENCH_AWS_CLI, else Debian's package (/usr/bin/aws, what .ci/run installs
 * on a fresh machine: CLI v2), else whatever `aws` is on the PATH.
 */
const awsCli = process.env.BENCH_AWS_CLI ?? (existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws');

/** Whether `command` runs (with arguments that only print its version). */
function commandAvailable(command: string, args: string[]): boolean {
	try {
		execFileSync(command, args, {stdio: 'ignore', env: env()});
		return true;
	} catch {
		return false;
	}
}

export interface ConsoleSection {
	readonly markdown: string;
	readonly table: string;
}

export async function consoleBenchmark(): Promise<ConsoleSection> {
	const records = positive('BENCH_CONSOLE_RECORDS', 1_000_000);
	// 8: at 4 the engine (limits off) drained 5.7 GetRecords a second a shard, more than AWS's 5, which the tail
	// keeps (in 1.1 s windows): 4 shards capped it near 182,000 records/s and the ratio measured that rule, not the tail.
	const shards = positive('BENCH_SHARDS', 8);
	const runs = positive('BENCH_CONSOLE_RUNS', 7);
	const rounds = positive('BENCH_RUNS', 1);
	const loadBefore = loadavg()
		.map((value) => value.toFixed(2))
		.join(' ');
	let server: ServerProcess | undefined;
	let client: ReturnType<typeof makeClient> | undefined;
	try {
		server = await enginePeer({shards});
		client = makeClient(server.url, 'h2c');
		const stream = await createStream(client, 'bench-console', shards);
		log(`console: filling ${fmt(records)} × ${RECORD_BYTES}-byte records into ${shards} shards`);
		const perShard = new Map<string, number>();
		const put = await putFor(client, stream, makeBatch(BATCH, RECORD_BYTES), {
			seconds: 3600,
			concurrency: 4,
			perShard,
			maxRecords: records,
		});
		if (put.failed || put.errors) throw new Error(`filling failed: ${put.failed} records, ${put.errors} calls`);
		log(`console: wrote ${fmt(put.records)} records in ${(put.elapsedMs / 1000).toFixed(1)} s`);

		// Rounds of raw drain then tail, each kept at its best: other load on the machine only ever slows a run.
		let raw: Awaited<ReturnType<typeof drain>> | undefined;
		let tail: TailRun | undefined;
		// CPU per 1,000 records, the least of the rounds: other load on the machine slows a process's wall time far more than its CPU.
		let rawCpuMs = Number.POSITIVE_INFINITY;
		let tailCpuMs = Number.POSITIVE_INFINITY;
		for (let round = 1; round <= rounds; round++) {
			const cpuBefore = process.cpuUsage();
			const drained = await drain(client, stream, {expected: perShard, limit: GET_LIMIT, seconds: 600});
			const cpuUsed = process.cpuUsage(cpuBefore);
			rawCpuMs = Math.min(rawCpuMs, (cpuUsed.user + cpuUsed.system) / drained.records);
			if (drained.short.length > 0) throw new Error(`raw drain incomplete: ${drained.short.join(', ')}`);
			log(
				`console: raw GetRecords drain ${fmt((drained.records * 1000) / drained.elapsedMs)} records/s (${(drained.elapsedMs / 1000).toFixed(1)} s, ${drained.requests} calls)`,
			);
			if (!raw || drained.elapsedMs < raw.elapsedMs) raw = drained;
			const tailed = await tailProcess(server.url, stream.name);
			if (tailed.code !== 0) throw new Error(`tail exited ${tailed.code}: ${tailed.stderr.slice(0, 500)}`);
			log(
				`console: tail ${fmt((put.records * 1000) / tailed.elapsedMs)} records/s (${(tailed.elapsedMs / 1000).toFixed(1)} s), peak RSS ${mb(tailed.peakRss)}`,
			);
			if (!tail || tailed.elapsedMs < tail.elapsedMs) tail = tailed;
			tailCpuMs = Math.min(tailCpuMs, (tailed.cpuSeconds * 1e6) / put.records);
		}
		if (!raw || !tail) throw new Error('BENCH_RUNS must be at least 1');
		const rawRate = (raw.records * 1000) / raw.elapsedMs;
		const tailRate = (put.records * 1000) / tail.elapsedMs;
		const tailRatio = tailRate / rawRate;

		const rows = [
			'| measure | console | reference | ratio | target | |',
			'| --- | ---: | ---: | ---: | ---: | --- |',
			`| tail --json --quota-share 1 of ${fmt(put.records)} records to /dev/null vs raw GetRecords drain | ${fmt(tailRate)} records/s (${(tail.elapsedMs / 1000).toFixed(1)} s) | ` +
				`${fmt(rawRate)} records/s (${(raw.elapsedMs / 1000).toFixed(1)} s) | ${tailRatio.toFixed(2)}× | ≥ 0.90× | ${tailRatio >= 0.9 ? 'met' : 'missed'} |`,
			`| CPU per 1,000 records: the tail process (start-up included) vs the raw drain's SDK client | ${tailCpuMs.toFixed(1)} ms | ${rawCpuMs.toFixed(1)} ms | ${(tailCpuMs / rawCpuMs).toFixed(2)}× | | least of the rounds |`,
			`| tail process peak RSS (VmHWM) | ${mb(tail.peakRss)} | | | flat | RSS at ¼ ½ ¾ end: ${tail.rssQuarters.map(mb).join(', ')} |`,
		];
		const notes: string[] = [];
		if (commandAvailable(awsCli, ['--version'])) {
			const consoleTimes: number[] = [];
			const awsTimes: number[] = [];
			// Alternating, so a burst of other load falls on both; one untimed run each first (disk cache).
			timed(process.execPath, [cliPath, 'streams', '--endpoint-url', server.url]);
			timed(awsCli, ['kinesis', 'list-streams', '--endpoint-url', server.url]);
			for (let run = 0; run < runs; run++) {
				consoleTimes.push(timed(process.execPath, [cliPath, 'streams', '--endpoint-url', server.url]));
				awsTimes.push(timed(awsCli, ['kinesis', 'list-streams', '--endpoint-url', server.url]));
			}
			const ours = median(consoleTimes);
			const theirs = median(awsTimes);
			log(`console: streams ${ours.toFixed(0)} ms, aws kinesis list-streams ${theirs.toFixed(0)} ms (medians of ${runs})`);
			rows.push(
				`| \`kinesis-console streams\` vs \`aws kinesis list-streams\`, median wall time of ${runs} | ${ours.toFixed(0)} ms | ${theirs.toFixed(0)} ms | ` +
					`${(ours / theirs).toFixed(2)}× | ≤ 0.33× | ${ours / theirs <= 1 / 3 ? 'met' : 'missed'} |`,
			);
			const version = execFileSync(awsCli, ['--version'], {encoding: 'utf8', env: env()}).trim();
			notes.push(`AWS CLI: ${version}. Each run times the whole process; runs alternate between the two.`);
		} else {
			notes.push(`${awsCli} is not there: the streams vs list-streams row is skipped.`);
		}
		if (commandAvailable('tmux', ['-V'])) rows.push(...(await firstScreenRows(server.url, stream.name, runs)));
		else notes.push('tmux is not there: the first-screen rows are skipped.');
		const loadAfter = loadavg()
			.map((value) => value.toFixed(2))
			.join(' ');
		const table = rows.join('\n');
		const markdown = [
			'## Console',
			'',
			`${new Date().toISOString()}, load average ${loadBefore} before and ${loadAfter} after (2 cores shared with other work, so absolute figures are noisy). ` +
				`Engine: its own process, durability process, throughput limits off, a ${shards}-shard stream filled with PutRecords of ${BATCH} × ${RECORD_BYTES} bytes. ` +
				`Raw drain: one SDK client over h2c, one GetRecords reader per shard with Limit ${GET_LIMIT}, all shards at once. ` +
				`Tail: \`kinesis-console tail bench-console --from trim-horizon --no-follow --json --endpoint-url URL > /dev/null\` as its own process, ` +
				`timed from spawn to exit (start-up included); RSS from /proc every 100 ms.` +
				(rounds > 1 ? ` Drain and tail are the best of ${rounds} rounds of one each.` : ''),
			'',
			table,
			'',
			...notes.map((note) => `- ${note}`),
		].join('\n');
		return {markdown, table};
	} finally {
		client?.destroy();
		await server?.stop();
	}
}

await runStandalone(import.meta.url, consoleBenchmark, 'BENCH_CONSOLE_RESULTS', 'bench/console-results.md');
