/**
 * Big jobs in the engine, and what they cost everyone else: while the engine sweeps expired records,
 * scales a stream with UpdateShardCount or splits a shard of a wide stream, a probe writes one record at
 * a time (PutRecord, then 5 ms of rest) to another stream and times each call.
 *
 *   npm run bench -- --jobs
 *
 * Jobs: the retention sweep of BENCH_JOBS_RECORDS (1,000,000) expired records, each its own stored batch
 * (the sweep's worst case), over 500 shards; UpdateShardCount 1,000 → 2,000 and then 2,000 → 4,000; five
 * SplitShards on a stream of 12,000 shards. Each engine runs in its own process (bench/servers/engine.ts).
 * BENCH_JOBS_BASELINE_DIST=DIR runs every job against that build's dist/ too (e.g. main's, built in a
 * worktree), row by row. BENCH_JOBS_ONLY=sweep,scale,split runs some jobs. The section is appended to
 * BENCH_JOBS_RESULTS (bench/jobs-results.md).
 */
import {
	DescribeStreamSummaryCommand,
	type KinesisClient,
	ListShardsCommand,
	PutRecordCommand,
	PutRecordsCommand,
	type PutRecordsRequestEntry,
	SplitShardCommand,
	UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import {appendFileSync, readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';
import {ServerProcess, sleep, temporaryDirectory} from './lib/processes.js';
import {createStream, makeClient} from './lib/workload.js';

const MAX_HASH_KEY = (1n << 128n) - 1n;
const SWEEP_SHARDS = 500;
const DAY_MS = 86_400_000;

interface Build {
	readonly name: string;
	/** A dist/ directory; this checkout's own when absent. */
	readonly dist?: string;
}

interface JobRow {
	readonly job: string;
	readonly build: string;
	readonly tookMs: number;
	readonly idle: Latency;
	readonly during: Latency;
	readonly notes: string[];
}

interface Latency {
	readonly count: number;
	readonly p50: number;
	readonly p99: number;
	readonly max: number;
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** PutRecord after PutRecord to its own stream, each timed; `window` gives the figures of a stretch of them. */
class Probe {
	private readonly samples: Array<{atMs: number; ms: number}> = [];
	private running = true;
	private readonly done: Promise<void>;

	constructor(client: KinesisClient, stream: string) {
		this.done = (async () => {
			const data = Buffer.alloc(100, 1);
			while (this.running) {
				const started = performance.now();
				await client.send(new PutRecordCommand({StreamName: stream, PartitionKey: 'probe', Data: data}));
				this.samples.push({atMs: started, ms: performance.now() - started});
				await sleep(5);
			}
		})();
	}

	window(fromMs: number, toMs: number): Latency {
		// A call that started before the window but was still waiting in it was waiting on the job too.
		const ms = this.samples
			.filter((sample) => sample.atMs + sample.ms >= fromMs && sample.atMs <= toMs)
			.map((sample) => sample.ms)
			.sort((a, b) => a - b);
		const at = (share: number) => ms[Math.min(ms.length - 1, Math.floor(share * ms.length))] ?? 0;
		return {count: ms.length, p50: at(0.5), p99: at(0.99), max: ms.at(-1) ?? 0};
	}

	async stop(): Promise<void> {
		this.running = false;
		await this.done;
	}
}

/**
 * The engine's memory after a garbage collection: the heap, and the resident memory that is its own (RssAnon).
 * Pages of the memory-mapped data file that were read also count in RSS (RssFile); the kernel drops them as it needs.
 */
async function memoryOf(engine: ServerProcess): Promise<string> {
	const {heapUsed} = await engine.memory(true);
	const status = readFileSync(`/proc/${engine.pid}/status`, 'utf8');
	const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
	return `heap ${mib(heapUsed)}, RssAnon ${mib(kib('RssAnon'))}, RssFile ${mib(kib('RssFile'))}`;
}

async function startEngine(build: Build): Promise<ServerProcess> {
	const dataDir = temporaryDirectory('bench-jobs-');
	return ServerProcess.start({
		name: `engine (${build.name})`,
		command: process.execPath,
		args: ['--expose-gc', '--import', 'tsx', 'bench/servers/engine.ts', '--durability', 'process', '--data-dir', dataDir],
		env: {
			BENCH_ENGINE_OPTIONS: JSON.stringify({shardLimit: 50_000, retentionSweepMs: 1000, createStreamMs: 0, updateStreamMs: 0}),
			...(build.dist ? {BENCH_ENGINE_DIST: build.dist} : {}),
		},
		ready: {line: true},
		dataDir,
		timeoutMs: 60_000,
	});
}

/** Waits until the engine's process has been idle (under 5% of a core) for half a second: its job is over. */
async function untilIdle(engine: ServerProcess, limitMs: number): Promise<void> {
	const deadline = performance.now() + limitMs;
	let quiet = 0;
	let last = engine.cpuSeconds() ?? 0;
	while (performance.now() < deadline && quiet < 2) {
		await sleep(250);
		const now = engine.cpuSeconds() ?? 0;
		quiet = now - last < 0.0125 ? quiet + 1 : 0;
		last = now;
	}
}

async function untilActive(client: KinesisClient, stream: string): Promise<void> {
	for (;;) {
		const {StreamDescriptionSummary: summary} = await client.send(new DescribeStreamSummaryCommand({StreamName: stream}));
		if (summary?.StreamStatus === 'ACTIVE') return;
		await sleep(100);
	}
}

async function shardCounts(client: KinesisClient, stream: string): Promise<{open: number; closed: number}> {
	let open = 0;
	let closed = 0;
	let next: string | undefined;
	do {
		const page = await client.send(new ListShardsCommand(next ? {NextToken: next} : {StreamName: stream}));
		for (const shard of page.Shards ?? []) {
			if (shard.SequenceNumberRange?.EndingSequenceNumber === undefined) open++;
			else closed++;
		}
		next = page.NextToken;
	} while (next);
	return {open, closed};
}

/** Writes `records` records, each into the next of `shards` shards: one stored batch per record, the sweep's worst case. */
async function writeSpread(client: KinesisClient, stream: string, shards: number, records: number): Promise<void> {
	const step = (MAX_HASH_KEY + 1n) / BigInt(shards);
	const data = Buffer.alloc(100, 2);
	const call = (first: number): PutRecordsRequestEntry[] =>
		Array.from({length: 500}, (_, index) => ({
			PartitionKey: 'aged',
			ExplicitHashKey: String(step * BigInt((first + index) % shards)),
			Data: data,
		}));
	let sent = 0;
	const writer = async () => {
		while (sent < records) {
			const first = sent;
			sent += 500;
			const answer = await client.send(new PutRecordsCommand({StreamName: stream, Records: call(first)}));
			if (answer.FailedRecordCount) throw new Error(`${answer.FailedRecordCount} records failed`);
		}
	};
	await Promise.all(Array.from({length: 4}, writer));
}

async function sweepJob(build: Build, records: number): Promise<JobRow[]> {
	const engine = await startEngine(build);
	const client = makeClient(engine.url, 'HTTP/1.1');
	const probeClient = makeClient(engine.url, 'HTTP/1.1');
	try {
		await createStream(client, 'probe', 1);
		await createStream(client, 'aged', SWEEP_SHARDS);
		const empty = await memoryOf(engine);
		log(`  writing ${records} records, one per stored batch...`);
		await writeSpread(client, 'aged', SWEEP_SHARDS, records);
		await untilIdle(engine, 30_000);
		const written = {memory: await memoryOf(engine), disk: (await engine.command<{bytes: number}>('disk')).bytes};
		const probe = new Probe(probeClient, 'probe');
		await sleep(1000);
		const startMs = performance.now();
		await engine.command(`advance ${DAY_MS + 3_600_000}`);
		log('  the clock moves 25 hours on: every record is past retention; sweeping...');
		// The next sweep starts within a second.
		await sleep(1200);
		await untilIdle(engine, 300_000);
		const endMs = performance.now() - 500;
		await probe.stop();
		const swept = {memory: await memoryOf(engine), disk: (await engine.command<{bytes: number}>('disk')).bytes};
		log('  writing them again, to see the freed space reused...');
		await writeSpread(client, 'aged', SWEEP_SHARDS, records);
		const rewrittenDisk = (await engine.command<{bytes: number}>('disk')).bytes;
		return [
			{
				job: `retention sweep of ${records.toLocaleString('en')} expired records (${SWEEP_SHARDS} shards, a batch each)`,
				build: build.name,
				tookMs: endMs - startMs,
				idle: probe.window(startMs - 1000, startMs),
				during: probe.window(startMs, endMs),
				notes: [
					`memory: empty ${empty}; written ${written.memory}; swept ${swept.memory}`,
					`data file ${mib(written.disk)} written, ${mib(swept.disk)} swept, ${mib(rewrittenDisk)} written again`,
				],
			},
		];
	} finally {
		client.destroy();
		probeClient.destroy();
		await engine.stop();
	}
}

async function scaleJob(build: Build): Promise<JobRow[]> {
	const engine = await startEngine(build);
	const client = makeClient(engine.url, 'HTTP/1.1');
	const probeClient = makeClient(engine.url, 'HTTP/1.1');
	try {
		await createStream(client, 'probe', 1);
		await createStream(client, 'scaled', 1000);
		const probe = new Probe(probeClient, 'probe');
		const rows: JobRow[] = [];
		for (const [from, to] of [
			[1000, 2000],
			[2000, 4000],
		] as const) {
			await sleep(1000);
			const before = await shardCounts(client, 'scaled');
			const startMs = performance.now();
			await client.send(new UpdateShardCountCommand({StreamName: 'scaled', TargetShardCount: to, ScalingType: 'UNIFORM_SCALING'}));
			const answeredMs = performance.now() - startMs;
			await untilActive(client, 'scaled');
			const endMs = performance.now();
			const after = await shardCounts(client, 'scaled');
			rows.push({
				job: `UpdateShardCount ${from.toLocaleString('en')} → ${to.toLocaleString('en')}`,
				build: build.name,
				tookMs: endMs - startMs,
				idle: probe.window(startMs - 1000, startMs),
				during: probe.window(startMs, endMs),
				notes: [`answered in ${answeredMs.toFixed(0)} ms`, `${after.open} open, ${after.closed - before.closed} shards closed by it`],
			});
		}
		await probe.stop();
		return rows;
	} finally {
		client.destroy();
		probeClient.destroy();
		await engine.stop();
	}
}

async function splitJob(build: Build): Promise<JobRow[]> {
	const engine = await startEngine(build);
	const client = makeClient(engine.url, 'HTTP/1.1');
	const probeClient = makeClient(engine.url, 'HTTP/1.1');
	const shards = 12_000;
	try {
		await createStream(client, 'probe', 1);
		await createStream(client, 'wide', shards);
		const probe = new Probe(probeClient, 'probe');
		await sleep(1000);
		const step = (MAX_HASH_KEY + 1n) / BigInt(shards);
		const startMs = performance.now();
		const calls: number[] = [];
		for (const index of [0, 3000, 6000, 9000, 11_000]) {
			const started = performance.now();
			await client.send(
				new SplitShardCommand({
					StreamName: 'wide',
					ShardToSplit: `shardId-${String(index).padStart(12, '0')}`,
					NewStartingHashKey: String(step * BigInt(index) + step / 2n),
				}),
			);
			calls.push(performance.now() - started);
			await untilActive(client, 'wide');
			await sleep(200);
		}
		const endMs = performance.now();
		await probe.stop();
		return [
			{
				job: `SplitShard ×5 on a stream of ${shards.toLocaleString('en')} shards`,
				build: build.name,
				tookMs: endMs - startMs,
				idle: probe.window(startMs - 1000, startMs),
				during: probe.window(startMs, endMs),
				notes: [`each SplitShard answered in ${calls.map((ms) => ms.toFixed(0)).join(', ')} ms`],
			},
		];
	} finally {
		client.destroy();
		probeClient.destroy();
		await engine.stop();
	}
}

function table(rows: readonly JobRow[]): string {
	const ms = (value: number) => value.toFixed(value < 10 ? 1 : 0);
	return [
		'| job | engine | job took | probe p50 idle | probe p99 during | probe max during | probe calls | notes |',
		'| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
		...rows.map(
			(row) =>
				`| ${row.job} | ${row.build} | ${(row.tookMs / 1000).toFixed(1)} s | ${ms(row.idle.p50)} ms | ${ms(row.during.p99)} ms | ` +
				`${ms(row.during.max)} ms | ${row.during.count} | ${row.notes.join('; ')} |`,
		),
	].join('\n');
}

export async function jobsBenchmark(command: string, revision: string): Promise<{markdown: string; table: string}> {
	const records = Number(process.env.BENCH_JOBS_RECORDS ?? 1_000_000);
	const only = process.env.BENCH_JOBS_ONLY?.split(',').map((job) => job.trim());
	const builds: Build[] = [{name: 'this build'}];
	if (process.env.BENCH_JOBS_BASELINE_DIST) builds.push({name: 'baseline', dist: process.env.BENCH_JOBS_BASELINE_DIST});
	const rows: JobRow[] = [];
	const jobs: Array<[string, (build: Build) => Promise<JobRow[]>]> = [
		['sweep', (build) => sweepJob(build, records)],
		['scale', scaleJob],
		['split', splitJob],
	];
	for (const [id, job] of jobs) {
		if (only && !only.includes(id)) continue;
		for (const build of builds) {
			log(`jobs: ${id} on ${build.name}...`);
			rows.push(...(await job(build)));
		}
	}
	const text = table(rows);
	const markdown = [
		'## Big jobs',
		'',
		`- Date: ${new Date().toISOString()}; command: \`${command}\`; this build: ${revision}` +
			(process.env.BENCH_JOBS_BASELINE_DIST ? `; baseline: ${process.env.BENCH_JOBS_BASELINE_DIST}` : ''),
		'',
		'A probe writes one record at a time (PutRecord, 100 bytes, then 5 ms of rest) to a stream of its own while the job runs; ' +
			'"idle" is the second before the job. A job is over when its stream is ACTIVE again (reshards) or the engine is idle (the sweep).',
		'',
		text,
	].join('\n');
	appendFileSync(process.env.BENCH_JOBS_RESULTS ?? 'bench/jobs-results.md', `\n${markdown}\n`);
	return {markdown, table: text};
}
