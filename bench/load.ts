/**
 * Load (issue 8): BENCH_LOAD_CLIENTS (100) concurrent `@aws-sdk/client-kinesis` clients writing and
 * reading for BENCH_LOAD_SECONDS (60) on loopback, against the engine in its own process with its
 * default settings: durable (a data directory, durability process) and AWS's per-shard throughput
 * limits on, with enough shards for the offered load (one per 500 records/s offered, half the
 * per-shard limit of 1,000 records/s, so a key's share of the hash space can run hot and stay under it).
 *
 * The clients (bench/lib/loadClients.ts), every one with its own SDK client, half over the SDK's
 * default HTTP/2 handler (h2c) and half over NodeHttpHandler (HTTP/1.1), spread over BENCH_LOAD_WORKERS
 * (2) worker threads so that one event loop does not hold up all of them:
 *   30 % PutRecords writers (one record per key a call, BENCH_LOAD_KEYS (100) keys each),
 *   20 % PutRecord writers (10 records/s each, over 10 keys),
 *   40 % readers: two consumer applications, each tailing every shard (GetShardIterator, then
 *        GetRecords every 500 ms per shard, as KCL polls), after a ListShards,
 *   10 % monitors: DescribeStreamSummary and ListShards, 2 calls/s each.
 * Writers offer BENCH_LOAD_RATE (10,000) records/s of BENCH_LOAD_RECORD_BYTES (100) in all.
 *
 * Reports records/s in and out, requests/s, p50/p99/max latency per operation (perf_hooks histograms),
 * errors by type with throttling apart, the engine's peak RSS (/proc/PID/status) and JS heap (its
 * process.memoryUsage() over the benchmark's stdin side channel), CPU; then reads every shard again from
 * TRIM_HORIZON and checks that every acknowledged record is there exactly once, in order per key.
 *
 *   npm run bench -- --load                           this section only (bench/run.ts)
 *   BENCH_LOAD_SECONDS=10 node --import tsx bench/load.ts   standalone, a short run
 *
 * Environment: BENCH_LOAD_SECONDS (60) measured after BENCH_LOAD_WARMUP_SECONDS (5) of the same load, BENCH_LOAD_CLIENTS (100), BENCH_LOAD_RATE (10000),
 * BENCH_LOAD_SHARDS (rate / 500), BENCH_LOAD_WORKERS (2), BENCH_LOAD_RECORD_BYTES (100),
 * BENCH_LOAD_KEYS (100), BENCH_LOAD_LIMITS (on|off), BENCH_LOAD_RESULTS (bench/load-results.md; the
 * section is appended).
 */
import {execSync} from 'node:child_process';
import {appendFileSync, existsSync, readFileSync, writeFileSync} from 'node:fs';
import {cpus, loadavg} from 'node:os';
import {createHistogram, type RecordableHistogram} from 'node:perf_hooks';
import {fileURLToPath} from 'node:url';
import {Worker as Thread} from 'node:worker_threads';
import {GetRecordsCommand, GetShardIteratorCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {THROTTLES, type ClientPlan, type KeyAck, type WorkerInput, type WorkerOutput} from './lib/loadClients.js';
import {ServerProcess, cleanUp, installCleanup, machineBusySeconds, sleep, temporaryDirectory} from './lib/processes.js';
import {revision} from './lib/revision.js';
import {createStream, describe, makeClient} from './lib/workload.js';

const positive = (name: string, fallback: number) => {
	const value = Number(process.env[name] ?? fallback);
	if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
	return value;
};

const log = (message: string) => process.stderr.write(`${message}\n`);
const fmt = (value: number) => Math.round(value).toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ms = (microseconds: number) =>
	microseconds >= 10_000 ? `${(microseconds / 1000).toFixed(0)}` : `${(microseconds / 1000).toFixed(1)}`;
const OPERATIONS = ['PutRecords', 'PutRecord', 'GetRecords', 'GetShardIterator', 'ListShards', 'DescribeStreamSummary'];
const APPLICATIONS = 2;
const POLL_MS = 500;
const SINGLE_WRITER_RATE = 10;
const SINGLE_WRITER_KEYS = 10;
const MONITOR_RATE = 2;

interface LoadConfig {
	readonly seconds: number;
	readonly warmupSeconds: number;
	readonly clients: number;
	readonly rate: number;
	readonly shards: number;
	readonly workers: number;
	readonly recordBytes: number;
	readonly keys: number;
	readonly limits: boolean;
}

function loadConfig(): LoadConfig {
	const rate = positive('BENCH_LOAD_RATE', 10_000);
	const clients = Math.max(10, Math.round(positive('BENCH_LOAD_CLIENTS', 100)));
	const limits = (process.env.BENCH_LOAD_LIMITS ?? 'on') !== 'off';
	return {
		seconds: positive('BENCH_LOAD_SECONDS', 60),
		warmupSeconds: Number(process.env.BENCH_LOAD_WARMUP_SECONDS ?? 5),
		clients,
		rate,
		shards: Math.round(positive('BENCH_LOAD_SHARDS', Math.ceil(rate / 500))),
		workers: Math.round(positive('BENCH_LOAD_WORKERS', 2)),
		recordBytes: Math.round(positive('BENCH_LOAD_RECORD_BYTES', 100)),
		keys: Math.round(positive('BENCH_LOAD_KEYS', 100)),
		limits,
	};
}

/** The clients: writers, readers of two applications (each application's readers share every shard), monitors. */
function plans(config: LoadConfig, shardIds: readonly string[]): ClientPlan[] {
	const batchWriters = Math.round(config.clients * 0.3);
	const singleWriters = Math.round(config.clients * 0.2);
	const monitors = Math.max(1, Math.round(config.clients * 0.1));
	const readers = config.clients - batchWriters - singleWriters - monitors;
	const batchRate = Math.max(1, (config.rate - singleWriters * SINGLE_WRITER_RATE) / batchWriters);
	const roles: Array<Omit<ClientPlan, 'index' | 'transport'>> = [
		...Array.from({length: batchWriters}, () => ({role: 'batch-writer' as const, rate: batchRate, keys: config.keys})),
		...Array.from({length: singleWriters}, () => ({role: 'single-writer' as const, rate: SINGLE_WRITER_RATE, keys: SINGLE_WRITER_KEYS})),
		...Array.from({length: readers}, (_, reader) => {
			const application = reader % APPLICATIONS;
			const ofApplication = Math.floor(reader / APPLICATIONS);
			const perApplication = Math.ceil((readers - application) / APPLICATIONS);
			return {
				role: 'reader' as const,
				application: `app-${application + 1}`,
				shardIds: shardIds.filter((_, shard) => shard % perApplication === ofApplication),
			};
		}),
		...Array.from({length: monitors}, () => ({role: 'monitor' as const, rate: MONITOR_RATE})),
	];
	return roles.map((role, index) => ({...role, index, transport: index % 2 === 0 ? 'h2c' : 'HTTP/1.1'}));
}

/** A `kB` field of /proc/PID/status, in bytes. */
function statusBytes(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | undefined {
	try {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

interface Worker {
	/** Starts the clients (each warmed up by a call already) at `startAt` (epoch ms), and resolves with their figures. */
	run(startAt: number): Promise<WorkerOutput>;
	stop(): Promise<number>;
}

/** A worker thread with the clients of some plans, made and warmed up. */
async function startWorker(input: Omit<WorkerInput, 'startAt'>): Promise<Worker> {
	const file = new URL('./lib/loadClients.ts', import.meta.url).href;
	// tsx's hooks do not reach a worker's entry module on Node 20: the worker registers them itself first.
	const worker = new Thread(`import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(file)}); })`, {
		eval: true,
		workerData: {loadClients: true},
	});
	const exited = new Promise<never>((_, reject) => {
		worker.once('error', reject);
		worker.once('exit', (code) => reject(new Error(`load worker exited (${code}) without its figures`)));
	});
	exited.catch(() => {});
	const next = async <K extends string>(expected: K) => {
		const message = await Promise.race([new Promise<Record<string, unknown>>((resolve) => worker.once('message', resolve)), exited]);
		if (!(expected in message)) throw new Error(`load worker: ${String(message.error ?? `no ${expected}`)}`);
		return message as Record<K, unknown>;
	};
	try {
		await next('ready');
		worker.postMessage(input);
		await next('warm');
	} catch (error) {
		await worker.terminate();
		throw error;
	}
	return {
		run: async (startAt) => {
			worker.postMessage({startAt});
			return (await next('output')).output as WorkerOutput;
		},
		stop: () => worker.terminate(),
	};
}

interface Verification {
	readonly keys: number;
	readonly acknowledged: number;
	readonly read: number;
	readonly lost: number;
	readonly duplicates: number;
	readonly outOfOrder: number;
	/** Stored records beyond a key's acknowledged ones (their answer never came). */
	readonly unacknowledged: number;
	readonly wrongShard: number;
	readonly wrongSequenceNumber: number;
	readonly unknownKeys: number;
	readonly elapsedMs: number;
}

/** Reads every shard from TRIM_HORIZON and checks each key's records against what its writer had acknowledged. */
async function verify(client: KinesisClient, stream: string, shardIds: readonly string[], acks: readonly KeyAck[]): Promise<Verification> {
	const started = performance.now();
	const keys = new Map(acks.map((ack) => [ack.key, {ack, seen: new Uint8Array(ack.acked), last: -1}]));
	let read = 0;
	let duplicates = 0;
	let outOfOrder = 0;
	let unacknowledged = 0;
	let wrongShard = 0;
	let wrongSequenceNumber = 0;
	let unknownKeys = 0;
	const call = async <T>(send: () => Promise<T>): Promise<T> => {
		for (let attempt = 0; ; attempt++) {
			try {
				return await send();
			} catch (error) {
				if (attempt >= 30) throw error;
				await sleep(error instanceof Error && THROTTLES.has(error.name) ? 1000 : 300);
			}
		}
	};
	await Promise.all(
		shardIds.map(async (shardId) => {
			let iterator = (
				await call(() =>
					client.send(new GetShardIteratorCommand({StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON'})),
				)
			).ShardIterator;
			while (iterator) {
				const current = iterator;
				const output = await call(() => client.send(new GetRecordsCommand({ShardIterator: current, Limit: 10_000})));
				const records = output.Records ?? [];
				for (const record of records) {
					read++;
					const [name = '', number = ''] = Buffer.from(record.Data ?? new Uint8Array())
						.toString('latin1')
						.split(' ', 2);
					const n = Number(number);
					const key = keys.get(name);
					if (!key) {
						unknownKeys++;
						continue;
					}
					if (key.ack.shardId !== undefined && key.ack.shardId !== shardId) wrongShard++;
					const later = n < key.last;
					key.last = Math.max(key.last, n);
					if (n >= key.ack.acked) {
						unacknowledged++;
						continue;
					}
					if (key.seen[n]) duplicates++;
					else if (later) outOfOrder++;
					key.seen[n] = 1;
					if (n === key.ack.acked - 1 && record.SequenceNumber !== key.ack.lastSequenceNumber) wrongSequenceNumber++;
				}
				if (records.length === 0 && (output.MillisBehindLatest ?? 0) === 0) break;
				iterator = output.NextShardIterator;
			}
		}),
	);
	let acknowledged = 0;
	let lost = 0;
	for (const {ack, seen} of keys.values()) {
		acknowledged += ack.acked;
		for (const bit of seen) if (!bit) lost++;
	}
	return {
		keys: keys.size,
		acknowledged,
		read,
		lost,
		duplicates,
		outOfOrder,
		unacknowledged,
		wrongShard,
		wrongSequenceNumber,
		unknownKeys,
		elapsedMs: performance.now() - started,
	};
}

/** Sums of the workers' figures. */
function merge(outputs: readonly WorkerOutput[]) {
	const latency = new Map<string, RecordableHistogram>();
	const add = (name: string, histogram: RecordableHistogram) => {
		let merged = latency.get(name);
		if (!merged) latency.set(name, (merged = createHistogram()));
		merged.add(histogram);
	};
	const endToEnd = createHistogram();
	const requests: Record<string, number> = {};
	const errors: Record<string, Record<string, number>> = {};
	const entryErrors: Record<string, number> = {};
	const sum = (pick: (output: WorkerOutput) => number) => outputs.reduce((total, output) => total + pick(output), 0);
	for (const output of outputs) {
		for (const [name, histogram] of Object.entries(output.latency)) {
			add(name, histogram);
			add(name.slice(0, name.indexOf(' ')), histogram);
		}
		endToEnd.add(output.endToEnd);
		for (const [operation, count] of Object.entries(output.requests)) requests[operation] = (requests[operation] ?? 0) + count;
		for (const [operation, byName] of Object.entries(output.errors)) {
			const into = (errors[operation] ??= {});
			for (const [name, count] of Object.entries(byName)) into[name] = (into[name] ?? 0) + count;
		}
		for (const [code, count] of Object.entries(output.entryErrors)) entryErrors[code] = (entryErrors[code] ?? 0) + count;
	}
	return {
		latency,
		endToEnd,
		requests,
		errors,
		entryErrors,
		recordsOffered: sum((output) => output.recordsOffered),
		recordsIn: sum((output) => output.recordsIn),
		recordsOut: sum((output) => output.recordsOut),
		unknownOutcome: sum((output) => output.unknownOutcome),
		tailOutOfSequence: sum((output) => output.tailOutOfSequence),
		caughtUpRecords: sum((output) => output.caughtUpRecords),
		tailsBehind: sum((output) => output.tailsBehind),
		keys: outputs.flatMap((output) => output.keys),
		loopDelayP99: Math.max(...outputs.map((output) => output.loopDelay.p99)),
		loopDelayMax: Math.max(...outputs.map((output) => output.loopDelay.max)),
	};
}

interface EngineFigures {
	peakRss: number;
	rssStart: number;
	rssEnd: number;
	peakHeapUsed: number;
	heapAfterGcStart: number;
	heapAfterGcEnd: number;
	cpuCores?: number;
	/** The engine's event-loop delay over the window, in ms. */
	loopDelay?: {p50: number; p99: number; max: number};
}

export interface LoadSection {
	readonly markdown: string;
	readonly table: string;
	/** Acknowledged records missing, repeated or out of order: 0 when all is well. */
	readonly violations: number;
}

export async function loadBenchmark(command: string): Promise<LoadSection> {
	const config = loadConfig();
	process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
	const loadBefore = loadavg()
		.map((value) => value.toFixed(2))
		.join(' ');
	const date = new Date().toISOString();
	const dataDir = temporaryDirectory('bench-load-engine-');
	let server: ServerProcess | undefined;
	let client: KinesisClient | undefined;
	let sampler: NodeJS.Timeout | undefined;
	try {
		server = await ServerProcess.start({
			name: 'engine (load)',
			command: process.execPath,
			args: [
				'--expose-gc',
				'--import',
				'tsx',
				'bench/servers/engine.ts',
				'--durability',
				'process',
				'--data-dir',
				dataDir,
				'--limits',
				config.limits ? 'on' : 'off',
			],
			ready: {line: true},
			dataDir,
		});
		const engine = server;
		client = makeClient(engine.url, 'HTTP/1.1');
		const stream = await createStream(client, 'bench-load', config.shards);
		const clientPlans = plans(config, stream.shardIds);
		const count = (role: ClientPlan['role']) => clientPlans.filter((plan) => plan.role === role).length;
		const setup =
			`${config.clients} clients in ${config.workers} worker thread${config.workers === 1 ? '' : 's'} of the benchmark process: ` +
			`${count('batch-writer')} PutRecords writers (${config.keys} records a call, one per key), ${count('single-writer')} PutRecord writers ` +
			`(${SINGLE_WRITER_RATE}/s each), ${count('reader')} readers (${APPLICATIONS} consumer applications, each reading every shard: ListShards, ` +
			`GetShardIterator TRIM_HORIZON, GetRecords Limit 10000 every ${POLL_MS} ms per shard) and ${count('monitor')} monitors ` +
			`(DescribeStreamSummary and ListShards, ${MONITOR_RATE}/s); every client its own SDK client, ` +
			`${clientPlans.filter((plan) => plan.transport === 'h2c').length} over h2c (the SDK's default handler) and ` +
			`${clientPlans.filter((plan) => plan.transport === 'HTTP/1.1').length} over HTTP/1.1 (NodeHttpHandler), SDK retries off (maxAttempts 1) ` +
			`so that every throttle and error is counted, the loops retrying refused records themselves. Writers offer ${fmt(config.rate)} records/s ` +
			`of ${config.recordBytes} bytes for ${config.seconds} s, measured after ${config.warmupSeconds} s of the same load. Engine: its own process, durable (a data directory, durability process), ` +
			`${config.limits ? `AWS's per-shard limits on (1,000 records/s and 1 MiB/s written, 5 GetRecords/s and 2 MiB/s read), ${config.shards} shards` : `throughput limits off, ${config.shards} shards`}.`;
		log(`load: ${setup}`);

		const figures: EngineFigures = {peakRss: 0, rssStart: 0, rssEnd: 0, peakHeapUsed: 0, heapAfterGcStart: 0, heapAfterGcEnd: 0};
		figures.heapAfterGcStart = (await engine.memory(true)).heapUsed;
		let heapPending = false;
		let tick = 0;
		sampler = setInterval(() => {
			const rss = statusBytes(engine.pid, 'VmRSS');
			if (rss !== undefined) figures.peakRss = Math.max(figures.peakRss, rss);
			if (tick++ % 4 !== 0 || heapPending) return;
			heapPending = true;
			void engine.memory(false).then(
				(memory) => {
					heapPending = false;
					figures.peakHeapUsed = Math.max(figures.peakHeapUsed, memory.heapUsed);
				},
				() => (heapPending = false),
			);
		}, 250);

		const input = {
			url: engine.url,
			stream: stream.name,
			warmupMs: config.warmupSeconds * 1000,
			seconds: config.seconds,
			recordBytes: config.recordBytes,
			pollMs: POLL_MS,
			catchUpMs: 30_000,
		};
		const workers = await Promise.all(
			Array.from({length: config.workers}, (_, index) =>
				startWorker({...input, clients: clientPlans.filter((plan) => plan.index % config.workers === index)}),
			),
		);
		const startAt = Date.now() + 200;
		const windowStart = startAt + config.warmupSeconds * 1000;
		let cpuBefore: {bench: NodeJS.CpuUsage; engine?: number | undefined; machine?: number | undefined} | undefined;
		let cpuAtEnd: {bench: NodeJS.CpuUsage; engine?: number | undefined; machine?: number | undefined} | undefined;
		let loopDelay: Promise<{p50: number; p99: number; max: number} | undefined> | undefined;
		const timers = [
			setTimeout(() => {
				cpuBefore = {bench: process.cpuUsage(), engine: engine.cpuSeconds(), machine: machineBusySeconds()};
				figures.rssStart = statusBytes(engine.pid, 'VmRSS') ?? 0;
				loopDelay = engine.command('loop-start').then(() => undefined);
			}, windowStart - Date.now()),
			setTimeout(
				() => {
					if (!cpuBefore) return;
					cpuAtEnd = {bench: process.cpuUsage(cpuBefore.bench), engine: engine.cpuSeconds(), machine: machineBusySeconds()};
					figures.rssEnd = statusBytes(engine.pid, 'VmRSS') ?? 0;
					figures.peakRss = Math.max(figures.peakRss, statusBytes(engine.pid, 'VmHWM') ?? 0);
					loopDelay = loopDelay?.then(() => engine.command<{p50: number; p99: number; max: number}>('loop-stop'));
				},
				windowStart + config.seconds * 1000 - Date.now(),
			),
		];
		log(`load: ${config.warmupSeconds} s of warm-up from ${new Date(startAt).toISOString()}, then ${config.seconds} s measured`);
		const outputs = await Promise.all(workers.map((worker) => worker.run(startAt))).finally(() =>
			Promise.all(workers.map((worker) => worker.stop())),
		);
		for (const timer of timers) clearTimeout(timer);
		const engineLoop = await loopDelay?.catch(() => undefined);
		if (engineLoop) figures.loopDelay = engineLoop;
		clearInterval(sampler);
		sampler = undefined;
		figures.heapAfterGcEnd = (await engine.memory(true)).heapUsed;
		const windowSeconds = config.seconds;
		const benchCpu = cpuAtEnd ? (cpuAtEnd.bench.user + cpuAtEnd.bench.system) / 1e6 / windowSeconds : undefined;
		const engineCpu =
			cpuAtEnd?.engine !== undefined && cpuBefore?.engine !== undefined ? (cpuAtEnd.engine - cpuBefore.engine) / windowSeconds : undefined;
		const machineCpu =
			cpuAtEnd?.machine !== undefined && cpuBefore?.machine !== undefined
				? (cpuAtEnd.machine - cpuBefore.machine) / windowSeconds
				: undefined;
		const otherCpu =
			machineCpu !== undefined && engineCpu !== undefined && benchCpu !== undefined
				? Math.max(0, machineCpu - engineCpu - benchCpu)
				: undefined;
		if (engineCpu !== undefined) figures.cpuCores = engineCpu;
		const total = merge(outputs);
		log(`load: ${fmt(total.recordsIn)} records acknowledged in the window; checking every acknowledged record from TRIM_HORIZON`);
		const check = await verify(client, stream.name, stream.shardIds, total.keys);
		log(`load: read back ${fmt(check.read)} records in ${(check.elapsedMs / 1000).toFixed(1)} s`);
		const loadAfter = loadavg()
			.map((value) => value.toFixed(2))
			.join(' ');

		const throttled = (errors: Record<string, number> | undefined) =>
			Object.entries(errors ?? {}).reduce((sum, [name, n]) => sum + (THROTTLES.has(name) ? n : 0), 0);
		const failed = (errors: Record<string, number> | undefined) =>
			Object.entries(errors ?? {}).reduce((sum, [name, n]) => sum + (THROTTLES.has(name) ? 0 : n), 0);
		const entryThrottled = throttled(total.entryErrors);
		const entryFailed = failed(total.entryErrors);
		const allRequests = Object.values(total.requests).reduce((sum, n) => sum + n, 0);
		const allThrottled = Object.values(total.errors).reduce((sum, byName) => sum + throttled(byName), 0);
		const allFailed = Object.values(total.errors).reduce((sum, byName) => sum + failed(byName), 0);
		const violations = check.lost + check.duplicates + check.outOfOrder + check.wrongShard + check.wrongSequenceNumber + check.unknownKeys;
		const rate = (n: number) => n / windowSeconds;
		const e2e = total.endToEnd;

		const summary = [
			'| date | load avg before → after | clients | shards, limits | records/s in: target / sent / acknowledged | records/s out | requests/s | write→read p50 / p99 | throttled | failed | acknowledged records lost | engine peak RSS | engine peak heap (after GC: start → end) | engine CPU | benchmark CPU | other load |',
			'| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
			`| ${date.slice(0, 16).replace('T', ' ')} | ${loadBefore.split(' ')[0]} → ${loadAfter.split(' ')[0]} | ${config.clients} | ${config.shards}, ${config.limits ? 'on' : 'off'} | ` +
				`${fmt(config.rate)} / ${fmt(rate(total.recordsOffered))} / ${fmt(rate(total.recordsIn))} | ${fmt(rate(total.recordsOut))} | ${fmt(rate(allRequests))} | ` +
				`${ms(e2e.percentile(50))} / ${ms(e2e.percentile(99))} ms | ${fmt(allThrottled)} calls, ${fmt(entryThrottled)} records | ${fmt(allFailed)} calls, ${fmt(entryFailed)} records | ` +
				`**${fmt(check.lost)}** of ${fmt(check.acknowledged)} | ${mb(figures.peakRss)} | ${mb(figures.peakHeapUsed)} (${mb(figures.heapAfterGcStart)} → ${mb(figures.heapAfterGcEnd)}) | ` +
				`${engineCpu === undefined ? '?' : engineCpu.toFixed(2)} cores | ${benchCpu === undefined ? '?' : benchCpu.toFixed(2)} cores | ${otherCpu === undefined ? '?' : otherCpu.toFixed(2)} cores |`,
		].join('\n');
		const operations = [
			'| operation | requests/s | p50 ms | p99 ms | max ms | h2c p50 / p99 | HTTP/1.1 p50 / p99 | throttled | failed (by type) |',
			'| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
		];
		for (const operation of OPERATIONS) {
			const all = total.latency.get(operation);
			const requests = total.requests[operation] ?? 0;
			if (!all && requests === 0) continue;
			const by = (transport: string) => {
				const histogram = total.latency.get(`${operation} ${transport}`);
				return histogram && histogram.count > 0 ? `${ms(histogram.percentile(50))} / ${ms(histogram.percentile(99))}` : '–';
			};
			const errors = total.errors[operation] ?? {};
			const failures = Object.entries(errors).filter(([name]) => !THROTTLES.has(name));
			operations.push(
				`| ${operation} | ${fmt(rate(requests))} | ${all ? ms(all.percentile(50)) : '–'} | ${all ? ms(all.percentile(99)) : '–'} | ${all ? ms(all.max) : '–'} | ` +
					`${by('h2c')} | ${by('HTTP/1.1')} | ${fmt(throttled(errors))} | ${failures.length === 0 ? '0' : failures.map(([name, n]) => `${name} ${fmt(n)}`).join(', ')} |`,
			);
		}
		const notes = [
			`Latency: from the SDK call to its answer (signing, the request, the engine, parsing), in each client's thread; throttled calls count with their (quick) answer, failed ones not. ` +
				`Write→read: from the send of a record's write to a tail's GetRecords returning it, so half the ${POLL_MS} ms poll on average. ` +
				`Each writer keeps one call in flight and skips the slots it misses, so when answers are slow it sends less than its target. ` +
				`Event-loop delay over the window, p99 and max: the engine's ${figures.loopDelay ? `${figures.loopDelay.p99.toFixed(0)} ms and ${figures.loopDelay.max.toFixed(0)} ms` : 'not measured'}, ` +
				`the benchmark's client threads' ${total.loopDelayP99.toFixed(0)} ms and ${total.loopDelayMax.toFixed(0)} ms.`,
			`PutRecords entries refused: ${
				Object.keys(total.entryErrors).length === 0
					? 'none'
					: Object.entries(total.entryErrors)
							.map(([code, n]) => `${code} ${fmt(n)}`)
							.join(', ')
			} ` +
				`(each sent again with its key's next batch). Records/s out: what the tails' GetRecords returned within the window (two applications, so about twice the records in); ` +
				`after it they read ${fmt(total.caughtUpRecords)} more catching up${total.tailsBehind ? `, and ${total.tailsBehind} shard tails had not caught up after 30 s` : ''}.`,
			`Check: every shard read again from TRIM_HORIZON after the run (${fmt(check.read)} records, ${(check.elapsedMs / 1000).toFixed(1)} s): ` +
				`${fmt(check.acknowledged)} acknowledged records of ${fmt(check.keys)} keys, ${fmt(check.lost)} lost, ${fmt(check.duplicates)} repeated, ` +
				`${fmt(check.outOfOrder)} out of order per key, ${fmt(check.wrongShard)} on another shard than acknowledged, ${fmt(check.wrongSequenceNumber)} with another sequence number; ` +
				`${fmt(check.unacknowledged)} stored without an acknowledgement (${fmt(total.unknownOutcome)} writes ended without an answer). ` +
				`The tails, live: ${fmt(total.tailOutOfSequence)} records out of sequence per key.`,
			`Engine RSS ${mb(figures.rssStart)} at the start of the window, ${mb(figures.rssEnd)} at its end, peak ${mb(figures.peakRss)} (VmHWM); it counts the pages of LMDB's map the engine touched. ` +
				`Peak heap: heapUsed sampled every second without GC. CPU in cores over the window (2 on this machine): "other load" is what the rest of the machine used meanwhile.`,
		];
		const table = `${summary}\n\n${operations.join('\n')}`;
		const markdown = [
			`## ${date}`,
			'',
			`- Machine: ${machine()}; load average ${loadBefore} before and ${loadAfter} after`,
			`- Command: \`${command}\``,
			`- Engine built from: ${revision()}`,
			'',
			setup,
			'',
			summary,
			'',
			operations.join('\n'),
			'',
			...notes.map((note) => `- ${note}`),
		].join('\n');
		return {markdown, table, violations};
	} finally {
		if (sampler) clearInterval(sampler);
		client?.destroy();
		await server?.stop();
	}
}

function machine(): string {
	let os = `${process.platform} ${process.arch}`;
	try {
		os = execSync('uname -sr', {encoding: 'utf8'}).trim() + ` ${process.arch}`;
	} catch {
		// keep the platform name
	}
	return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${os}, Node ${process.version}`;
}

const HEADER = [
	'# Load benchmark results',
	'',
	'Appended by `npm run bench` (or `npm run bench -- --load`; `BENCH_LOAD_SECONDS=10` for a short run), one section per run: ' +
		'100 concurrent SDK clients writing and reading against the engine in its own process (bench/load.ts). ' +
		'The machine is shared: the load average before and after, and the CPU the rest of it used, are in each row.',
	'',
].join('\n');

/** Appends a run's section to the results file (with its header when the file is new). */
export function appendLoadResults(section: LoadSection): string {
	const file = process.env.BENCH_LOAD_RESULTS ?? 'bench/load-results.md';
	if (!existsSync(file)) writeFileSync(file, HEADER);
	appendFileSync(file, `\n${section.markdown}\n`);
	return file;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	installCleanup();
	try {
		const env = Object.entries(process.env)
			.filter(([name]) => name.startsWith('BENCH_'))
			.map(([name, value]) => `${name}=${value} `)
			.join('');
		const section = await loadBenchmark(`${env}node --import tsx bench/load.ts`);
		console.log(`\n${section.table}\n`);
		log(`appended to ${appendLoadResults(section)}`);
		if (section.violations > 0) process.exitCode = 1;
	} catch (error) {
		console.error(describe(error));
		process.exitCode = 1;
	} finally {
		await cleanUp();
	}
}
