/**
 * Kinesis throughput benchmark: one @aws-sdk/client-kinesis client against this engine, kinesalite,
 * kinesis-local and a canned server (the SDK's own ceiling), side by side, with a calibration row (the
 * canned server spending 1 ms of CPU a PutRecords, spin-h2); and a memory check of the engine holding
 * 1 GiB of records.
 *
 *   npm run bench                       throughput rows, then the memory row
 *   npm run bench -- --throughput       throughput rows only
 *   npm run bench -- --memory           the memory row only
 *   npm run bench -- --console          the console's own speed only (bench/console.ts; flags combine)
 *   npm run bench -- --calls            the console's CPU per AWS call next to the bare SDK's (bench/callCost.ts)
 *   npm run bench -- --start            the start of a tail of 2,000 shards, readers alone (bench/tailStart.ts)
 *   npm run bench -- --ui               the terminal console under a 20,000 records/s tail (bench/uiLoad.ts)
 *   npm run bench -- --load             100 concurrent clients writing and reading for 60 s (bench/load.ts)
 *   npm run bench -- --jobs             the engine's big jobs (sweep, reshards) and a probe's latency meanwhile (bench/jobs.ts)
 *   npm run bench -- --scale            the console at real-account scale, quotas on (bench/scale.ts)
 *
 * Environment: BENCH_SECONDS (10) of PutRecords per row after BENCH_WARMUP_SECONDS (1);
 * BENCH_CONCURRENCY (4) PutRecords in flight; BENCH_SHARDS (4); BENCH_DRAIN_SECONDS (120) at most
 * to drain; BENCH_ONLY=engine,canned-h2,... to run some rows; BENCH_MEMORY_MB (1024);
 * BENCH_RUNS (3) runs per throughput row, in rounds, keeping the best (a shared machine's noise only
 * ever slows a run, and moves one run by a fifth or more); BENCH_PROFILE=DIR to write CPU profiles of the engine
 * (main thread, one per row and phase) there, for bench/profile.ts; BENCH_ENGINE_NODE_OPTIONS (flags for the
 * engine's node, e.g. --max-semi-space-size=64); BENCH_ENGINE_OPTIONS (JSON, more createEngine options);
 * BENCH_RESULTS (bench/results.md), written when the throughput or memory rows ran (the console, ui and
 * load sections are appended to their own files as well). bench/load.ts lists the BENCH_LOAD_* variables,
 * bench/scale.ts the BENCH_SCALE_* ones.
 */
import {execSync, spawnSync} from 'node:child_process';
import {appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {cpus, freemem, totalmem} from 'node:os';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {callCostBenchmark} from './callCost.js';
import {tailStartBenchmark} from './tailStart.js';
import {consoleBenchmark} from './console.js';
import {jobsBenchmark} from './jobs.js';
import {appendLoadResults, loadBenchmark} from './load.js';
import {scaleBenchmark} from './scale.js';
import {enginePeer, peers, type Peer} from './lib/peers.js';
import {cleanUp, installCleanup, machineBusySeconds, type ServerProcess} from './lib/processes.js';
import {revision} from './lib/revision.js';
import {createStream, describe, drain, makeBatch, makeClient, putFor, type Transport} from './lib/workload.js';

const {values: flags} = parseArgs({
	options: {
		memory: {type: 'boolean', default: false},
		throughput: {type: 'boolean', default: false},
		console: {type: 'boolean', default: false},
		calls: {type: 'boolean', default: false},
		start: {type: 'boolean', default: false},
		ui: {type: 'boolean', default: false},
		load: {type: 'boolean', default: false},
		jobs: {type: 'boolean', default: false},
		scale: {type: 'boolean', default: false},
	},
});
const number = (name: string, fallback: number) => {
	const value = Number(process.env[name] ?? fallback);
	if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
	return value;
};
const config = {
	seconds: number('BENCH_SECONDS', 10),
	warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 1),
	concurrency: number('BENCH_CONCURRENCY', 4),
	shards: number('BENCH_SHARDS', 4),
	drainSeconds: number('BENCH_DRAIN_SECONDS', 120),
	runs: number('BENCH_RUNS', 3),
	memoryMb: number('BENCH_MEMORY_MB', 1024),
	only: process.env.BENCH_ONLY?.split(',')
		.map((id) => id.trim())
		.filter(Boolean),
	profileDir: process.env.BENCH_PROFILE ? resolve(process.env.BENCH_PROFILE) : undefined,
	results: process.env.BENCH_RESULTS ?? 'bench/results.md',
};
const chosen =
	flags.memory || flags.throughput || flags.console || flags.calls || flags.start || flags.ui || flags.load || flags.jobs || flags.scale;
const runThroughput = !chosen || flags.throughput;
const runMemory = !chosen || flags.memory;
const runConsole = !chosen || flags.console;
const runCalls = !chosen || flags.calls;
const runStart = !chosen || flags.start;
const runUi = !chosen || flags.ui;
const runLoad = !chosen || flags.load;
const runJobs = !chosen || flags.jobs;
const runScale = !chosen || flags.scale;
const BATCH = 500;
const RECORD_BYTES = 100;
const GET_LIMIT = 10_000;

const log = (message: string) => process.stderr.write(`${message}\n`);
const rate = (records: number, ms: number) => (ms > 0 ? (records * 1000) / ms : 0);

interface Row {
	readonly peer: Peer;
	readonly transport: Transport;
	readonly in?: number | undefined;
	readonly out?: number | undefined;
	/** CPU time per 1,000 records, in ms: the client's (this process) and the server's (all its threads). */
	readonly cpu?: {clientIn: number; serverIn?: number; clientOut: number; serverOut?: number; otherIn?: number; otherOut?: number};
	readonly notes: string[];
	readonly error?: string;
}

/**
 * CPU ms per 1,000 records of this process and of the server while `work` runs, and how many cores
 * everything else on the machine kept busy meanwhile (other load slows a row down).
 */
async function measured<T extends {records: number; elapsedMs: number}>(
	server: ServerProcess,
	work: () => Promise<T>,
): Promise<T & {client: number; server?: number; otherCores?: number}> {
	const clientBefore = process.cpuUsage();
	const serverBefore = server.cpuSeconds();
	const machineBefore = machineBusySeconds();
	const result = await work();
	const client = process.cpuUsage(clientBefore);
	const serverAfter = server.cpuSeconds();
	const machineAfter = machineBusySeconds();
	const clientSeconds = (client.user + client.system) / 1e6;
	const serverSeconds = serverBefore !== undefined && serverAfter !== undefined ? serverAfter - serverBefore : undefined;
	const perThousand = (seconds: number) => (result.records > 0 ? (seconds * 1e6) / result.records : 0);
	const otherCores =
		machineBefore !== undefined && machineAfter !== undefined && serverSeconds !== undefined
			? Math.max(0, (machineAfter - machineBefore - clientSeconds - serverSeconds) / (result.elapsedMs / 1000))
			: undefined;
	return {
		...result,
		client: perThousand(clientSeconds),
		...(serverSeconds === undefined ? {} : {server: perThousand(serverSeconds)}),
		...(otherCores === undefined ? {} : {otherCores}),
	};
}

async function throughputRow(peer: Peer, transport: Transport, run: number): Promise<Row> {
	let server: ServerProcess | undefined;
	let kinesis: ReturnType<typeof makeClient> | undefined;
	const notes: string[] = [];
	try {
		server = await peer.start({shards: config.shards});
		const engine = server;
		const profile = config.profileDir !== undefined && peer.id.startsWith('engine');
		const profiled = async <T>(phase: string, work: () => Promise<T>): Promise<T> => {
			if (!profile) return work();
			await engine.command('profile-start');
			const result = await work();
			await engine.command(`profile-stop ${join(config.profileDir!, `${peer.id}-${phase}${config.runs > 1 ? `-${run}` : ''}.cpuprofile`)}`);
			return result;
		};
		kinesis = makeClient(engine.url, transport);
		const client = kinesis;
		const stream = await createStream(client, 'bench', config.shards);
		notes.push(`ACTIVE after ${stream.activeAfterMs} ms`);
		const batch = makeBatch(BATCH, RECORD_BYTES);
		const perShard = new Map<string, number>();
		if (config.warmupSeconds > 0)
			await putFor(client, stream, batch, {seconds: config.warmupSeconds, concurrency: config.concurrency, perShard});
		const put = await profiled('put', () =>
			measured(engine, () => putFor(client, stream, batch, {seconds: config.seconds, concurrency: config.concurrency, perShard})),
		);
		const recordsIn = rate(put.records, put.elapsedMs);
		log(
			`  in:  ${fmt(recordsIn)} records/s (${put.requests} PutRecords${put.failed ? `, ${put.failed} records failed` : ''}` +
				`${put.errors ? `, ${put.errors} errors` : ''}); CPU per 1k records: client ${cpuText(put.client)}, server ${cpuText(put.server)}; ` +
				`other load ${coresText(put.otherCores)}`,
		);
		if (put.failed) notes.push(`${put.failed} records failed in PutRecords`);
		if (put.errors) notes.push(`${put.errors} PutRecords calls failed`);
		const read = await profiled('get', () =>
			measured(engine, () => drain(client, stream, {expected: perShard, limit: GET_LIMIT, seconds: config.drainSeconds})),
		);
		const recordsOut = rate(read.records, read.elapsedMs);
		log(
			`  out: ${fmt(recordsOut)} records/s (${read.records} records in ${read.requests} GetRecords, ${(read.elapsedMs / 1000).toFixed(1)} s); ` +
				`CPU per 1k records: client ${cpuText(read.client)}, server ${cpuText(read.server)}; other load ${coresText(read.otherCores)}`,
		);
		if (read.short.length > 0) notes.push(`drain incomplete: ${read.short.join(', ')}`);
		return {
			peer,
			transport,
			in: recordsIn,
			out: recordsOut,
			cpu: {
				clientIn: put.client,
				clientOut: read.client,
				...(put.server === undefined ? {} : {serverIn: put.server}),
				...(read.server === undefined ? {} : {serverOut: read.server}),
				...(put.otherCores === undefined ? {} : {otherIn: put.otherCores}),
				...(read.otherCores === undefined ? {} : {otherOut: read.otherCores}),
			},
			notes,
		};
	} catch (error) {
		const output = server?.recentOutput.split('\n').slice(-5).join(' | ');
		return {
			peer,
			transport,
			notes,
			error: (describe(error) + (output ? ` (server said: ${output.slice(0, 300)})` : '')).replace(/\s*\n\s*/g, ' '),
		};
	} finally {
		kinesis?.destroy();
		await server?.stop();
	}
}

const cpuText = (ms: number | undefined) => (ms === undefined ? '?' : `${ms.toFixed(1)} ms`);
const coresText = (cores: number | undefined) => (cores === undefined ? '?' : `${cores.toFixed(2)} cores`);

/** Two runs of a row as one: the best of each direction (other load on the machine only ever slows a run). */
function best(a: Row | undefined, b: Row): Row {
	if (!a || a.error) return b;
	if (b.error) return {...a, notes: [...a.notes, `one run failed: ${b.error}`]};
	const inFrom = (b.in ?? 0) > (a.in ?? 0) ? b : a;
	const outFrom = (b.out ?? 0) > (a.out ?? 0) ? b : a;
	return {
		...a,
		in: inFrom.in,
		out: outFrom.out,
		cpu: {
			clientIn: inFrom.cpu?.clientIn ?? 0,
			clientOut: outFrom.cpu?.clientOut ?? 0,
			...(inFrom.cpu?.serverIn === undefined ? {} : {serverIn: inFrom.cpu.serverIn}),
			...(outFrom.cpu?.serverOut === undefined ? {} : {serverOut: outFrom.cpu.serverOut}),
			...(inFrom.cpu?.otherIn === undefined ? {} : {otherIn: inFrom.cpu.otherIn}),
			...(outFrom.cpu?.otherOut === undefined ? {} : {otherOut: outFrom.cpu.otherOut}),
		},
		notes: [...new Set([...a.notes, ...b.notes.filter((note) => !note.startsWith('ACTIVE after'))])],
	};
}

interface MemoryResult {
	readonly phases: Array<{
		phase: string;
		memory: NodeJS.MemoryUsage;
		seconds?: number;
		mbPerSecond?: number;
		records?: number;
		cpu?: {client: number; server?: number};
	}>;
	readonly peakHeapUsed: {write: number; read: number};
	readonly peakRss: number;
	readonly diskBytes: number;
	readonly recordBytes: number;
	readonly error?: string;
}

async function memoryRow(): Promise<MemoryResult> {
	const recordBytes = 2048;
	const targetRecords = Math.ceil((config.memoryMb * 1024 * 1024) / recordBytes);
	const phases: MemoryResult['phases'] = [];
	const peakHeapUsed = {write: 0, read: 0};
	let peakRss = 0;
	let diskBytes = 0;
	let server: ServerProcess | undefined;
	let kinesis: ReturnType<typeof makeClient> | undefined;
	let sampling: 'write' | 'read' | undefined;
	let sampler: NodeJS.Timeout | undefined;
	try {
		server = await enginePeer({shards: config.shards, exposeGc: true});
		const engine = server;
		kinesis = makeClient(engine.url, 'h2c');
		const stream = await createStream(kinesis, 'bench-memory', config.shards);
		phases.push({phase: 'empty stream', memory: await engine.memory(true)});
		let pending = false;
		sampler = setInterval(() => {
			if (pending || !sampling) return;
			pending = true;
			const phase = sampling;
			void engine.memory(false).then(
				(memory) => {
					pending = false;
					peakHeapUsed[phase] = Math.max(peakHeapUsed[phase], memory.heapUsed);
					peakRss = Math.max(peakRss, memory.rss);
				},
				() => (pending = false),
			);
		}, 200);

		log(`  memory: writing ${config.memoryMb} MiB as ${BATCH} × ${recordBytes}-byte records per PutRecords`);
		const perShard = new Map<string, number>();
		sampling = 'write';
		const client = kinesis;
		const put = await measured(engine, () =>
			putFor(client, stream, makeBatch(BATCH, recordBytes), {
				seconds: 900,
				concurrency: config.concurrency,
				perShard,
				maxRecords: targetRecords,
			}),
		);
		sampling = undefined;
		const writtenMb = (put.records * recordBytes) / 1024 / 1024;
		phases.push({
			phase: `holding ${writtenMb.toFixed(0)} MiB`,
			memory: await engine.memory(true),
			seconds: put.elapsedMs / 1000,
			mbPerSecond: writtenMb / (put.elapsedMs / 1000),
			records: put.records,
			cpu: cpuOf(put),
		});
		diskBytes = engine.dataDir ? sizeOnDisk(engine.dataDir) : 0;
		log(`  memory: wrote ${writtenMb.toFixed(0)} MiB in ${(put.elapsedMs / 1000).toFixed(1)} s; reading it back`);

		sampling = 'read';
		const read = await measured(engine, () => drain(client, stream, {expected: perShard, limit: GET_LIMIT, seconds: 900}));
		sampling = undefined;
		const readMb = read.bytes / 1024 / 1024;
		phases.push({
			phase: `after reading ${readMb.toFixed(0)} MiB back`,
			memory: await engine.memory(true),
			seconds: read.elapsedMs / 1000,
			mbPerSecond: readMb / (read.elapsedMs / 1000),
			records: read.records,
			cpu: cpuOf(read),
		});
		log(`  memory: read ${readMb.toFixed(0)} MiB in ${(read.elapsedMs / 1000).toFixed(1)} s`);
		return {phases, peakHeapUsed, peakRss, diskBytes, recordBytes};
	} catch (error) {
		return {phases, peakHeapUsed, peakRss, diskBytes, recordBytes, error: describe(error)};
	} finally {
		if (sampler) clearInterval(sampler);
		kinesis?.destroy();
		await server?.stop();
	}
}

/** CPU seconds of a measured phase, from its per-1,000-records figures. */
const cpuOf = (result: {records: number; client: number; server?: number}) => ({
	client: (result.client * result.records) / 1e6,
	...(result.server === undefined ? {} : {server: (result.server * result.records) / 1e6}),
});

function sizeOnDisk(directory: string): number {
	let total = 0;
	for (const entry of readdirSync(directory, {withFileTypes: true})) {
		const path = join(directory, entry.name);
		total += entry.isDirectory() ? sizeOnDisk(path) : statSync(path).blocks * 512;
	}
	return total;
}

const fmt = (value: number | undefined) => (value === undefined ? '–' : Math.round(value).toLocaleString('en-US'));
const ratio = (value: number | undefined, reference: number | undefined) =>
	value === undefined || !reference ? '–' : `${(value / reference).toFixed(2)}×`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The rows other rows are compared with, over their transport. */
const CEILINGS = ['canned-h2', 'canned-h1'];

function throughputTable(rows: Row[]): string {
	const canned = (transport: Transport) => rows.find((row) => CEILINGS.includes(row.peer.id) && row.transport === transport && !row.error);
	const kinesalite = rows.find((row) => row.peer.id === 'kinesalite' && !row.error);
	const lines = [
		'| server | transport | records/s in | records/s out | × canned in | × canned out | × kinesalite in | × kinesalite out |',
		'| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
	];
	for (const row of rows) {
		if (row.error) {
			lines.push(`| ${row.peer.server} | ${row.transport} | failed | | | | | |`);
			continue;
		}
		const ceiling = canned(row.transport);
		lines.push(
			`| ${row.peer.server} | ${row.transport} | ${fmt(row.in)} | ${fmt(row.out)} | ${ratio(row.in, ceiling?.in)} | ${ratio(row.out, ceiling?.out)} | ` +
				`${ratio(row.in, kinesalite?.in)} | ${ratio(row.out, kinesalite?.out)} |`,
		);
	}
	const notes = rows
		.filter((row) => row.error || row.notes.length > 0)
		.map((row) => `- ${row.peer.server} (${row.transport}): ${row.error ? `**failed**: ${row.error}` : row.notes.join('; ')}`);
	return [...lines, '', ...notes].join('\n');
}

function cpuTable(rows: Row[]): string {
	const lines = [
		'| server | transport | client in | server in | client out | server out | other load in | other load out |',
		'| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
	];
	for (const row of rows) {
		if (!row.cpu) continue;
		const {clientIn, serverIn, clientOut, serverOut, otherIn, otherOut} = row.cpu;
		lines.push(
			`| ${row.peer.server} | ${row.transport} | ${cpuText(clientIn)} | ${cpuText(serverIn)} | ${cpuText(clientOut)} | ${cpuText(serverOut)} | ` +
				`${coresText(otherIn)} | ${coresText(otherOut)} |`,
		);
	}
	return lines.join('\n');
}

function memoryTable(result: MemoryResult): string {
	const lines = [
		'| engine process | heapUsed | heapTotal | rss | external | time | MB/s | CPU s client / server |',
		'| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
	];
	for (const {phase, memory, seconds, mbPerSecond, cpu} of result.phases) {
		lines.push(
			`| ${phase} | ${mib(memory.heapUsed)} | ${mib(memory.heapTotal)} | ${mib(memory.rss)} | ${mib(memory.external)} | ` +
				`${seconds === undefined ? '' : `${seconds.toFixed(1)} s`} | ${mbPerSecond === undefined ? '' : mbPerSecond.toFixed(0)} | ` +
				`${cpu ? `${cpu.client.toFixed(1)} / ${cpu.server?.toFixed(1) ?? '?'}` : ''} |`,
		);
	}
	const first = result.phases[0]?.memory.heapUsed;
	const last = result.phases.at(-1)?.memory.heapUsed;
	const flat = first !== undefined && last !== undefined && last <= 64 * 1024 * 1024;
	return [
		...lines,
		'',
		`heapUsed is measured after a forced GC (the engine runs with --expose-gc and reports over a stdin side channel). ` +
			`Peak heapUsed sampled every 200 ms without GC: ${mib(result.peakHeapUsed.write)} while writing, ${mib(result.peakHeapUsed.read)} while reading; ` +
			`peak rss ${mib(result.peakRss)}. Data directory on disk: ${mib(result.diskBytes)}. ` +
			`Target: heap flat and ≤ 64 MB — ${first === undefined ? 'not measured' : flat ? 'met' : 'missed'}. ` +
			`rss includes the pages of LMDB's memory map that have been touched (file-backed, reclaimable), not the JS heap.`,
		...(result.error ? ['', `**failed**: ${result.error}`] : []),
	].join('\n');
}

function machine(): string {
	const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
	let os = `${process.platform} ${process.arch}`;
	try {
		os = execSync('uname -sr', {encoding: 'utf8'}).trim() + ` ${process.arch}`;
	} catch {
		// keep the platform name
	}
	return `${cpus().length} cores (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(0)} GB RAM (${(freemem() / 1024 ** 3).toFixed(0)} GB free), ${os}, Node ${process.version}`;
}

function command(): string {
	const env = Object.entries(process.env)
		.filter(([name]) => name.startsWith('BENCH_'))
		.map(([name, value]) => `${name}=${/^[\w.,/:=-]*$/.test(value ?? '') ? value : `'${value}'`} `)
		.join('');
	const args = process.argv.slice(2);
	if (process.env.npm_lifecycle_event === 'bench') return `${env}npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
	return `${env}node --import tsx bench/run.ts${args.length > 0 ? ` ${args.join(' ')}` : ''}`;
}

async function main(): Promise<void> {
	installCleanup();
	const started = new Date();
	let load = 'unknown';
	try {
		load = execSync('cat /proc/loadavg', {encoding: 'utf8'}).split(' ').slice(0, 3).join(' ');
	} catch {
		// not Linux
	}
	log(`machine: ${machine()}; load average before: ${load}`);
	const sections: string[] = [];
	if (config.profileDir) mkdirSync(config.profileDir, {recursive: true});

	if (runThroughput) {
		const selected = peers.filter((peer) => !config.only || config.only.includes(peer.id));
		log(
			`throughput: ${config.shards} shards; PutRecords of ${BATCH} × ${RECORD_BYTES} B, ${config.concurrency} in flight, ${config.seconds} s ` +
				`after ${config.warmupSeconds} s warm-up; then GetRecords Limit ${GET_LIMIT}, one reader per shard`,
		);
		// Rounds over all rows, rather than each row N times in a row, so that a burst of other load spreads over rows.
		const merged = new Map<string, Row>();
		const transports = new Map(selected.map((peer) => [peer.id, peer.transport]));
		for (let run = 1; run <= config.runs; run++) {
			for (const peer of selected) {
				const transport = transports.get(peer.id) ?? peer.transport;
				log(`${peer.server} over ${transport}${config.runs > 1 ? ` (run ${run} of ${config.runs})` : ''}...`);
				let row = await throughputRow(peer, transport, run);
				if (row.error && peer.fallback && transport !== peer.fallback) {
					log(`  failed over ${transport} (${row.error}); using ${peer.fallback} instead`);
					const failure = `${transport} failed: ${row.error}`;
					transports.set(peer.id, peer.fallback);
					row = await throughputRow(peer, peer.fallback, run);
					row = {...row, notes: [failure, ...row.notes]};
				}
				if (row.error) log(`  failed: ${row.error}`);
				merged.set(peer.id, best(merged.get(peer.id), row));
			}
		}
		const rows = selected.map((peer) => merged.get(peer.id)!);
		sections.push(
			[
				'## Throughput',
				'',
				`Workload: one \`@aws-sdk/client-kinesis\` client (default settings, an endpoint and fake credentials; NodeHttpHandler for HTTP/1.1 rows), ` +
					`a fresh server process per row and a stream of ${config.shards} shards (created, then polled until ACTIVE). ` +
					`PutRecords of ${BATCH} records × ${RECORD_BYTES} bytes with ${config.concurrency} requests in flight for ${config.seconds} s ` +
					`(after ${config.warmupSeconds} s of warm-up that is not counted), then GetRecords with Limit ${GET_LIMIT} from TRIM_HORIZON, ` +
					`one reader per shard at once, until every record written (warm-up included) has been read. ` +
					`Ratios compare with the canned server over the same transport, and with kinesalite. ` +
					`The canned server spending 1 ms of CPU a PutRecords (before each answer, and no other work) is a calibration: ` +
					`where client and server share a machine, what a server's CPU per call alone costs the client's rate.` +
					(config.runs > 1 ? ` Each figure is the best of ${config.runs} runs, taken in rounds over all rows.` : ''),
				'',
				throughputTable(rows),
				'',
				'CPU time per 1,000 records (user + system, all threads): the client is the benchmark process, the server its child process. ' +
					"With one core each, a server keeps up with the client while its figure stays below the client's. " +
					'"Other load" is the CPU the rest of the machine used meanwhile, in cores (from /proc/stat): rows run while it is high are slowed by it.',
				'',
				cpuTable(rows),
			].join('\n'),
		);
		console.log(`\n${throughputTable(rows)}\n\nCPU per 1,000 records:\n\n${cpuTable(rows)}\n`);
	}

	if (runMemory) {
		log(`memory: engine (durability process) holding ${config.memoryMb} MiB`);
		const result = await memoryRow();
		const table = memoryTable(result);
		sections.push(
			[
				'## Memory',
				'',
				`${config.memoryMb} MiB written through PutRecords (${BATCH} × ${result.recordBytes}-byte records per call, ${config.concurrency} in flight, ` +
					`${config.shards} shards), then read back with GetRecords (Limit ${GET_LIMIT}, capped by the 10 MB response limit).`,
				'',
				table,
			].join('\n'),
		);
		console.log(`${table}\n`);
	}

	if (runConsole) {
		log('console: tail --json and streams as processes against the engine (bench/console.ts)');
		const section = await consoleBenchmark();
		sections.push(section.markdown);
		console.log(`${section.table}\n`);
		const file = process.env.BENCH_CONSOLE_RESULTS ?? 'bench/console-results.md';
		appendFileSync(file, `\n${section.markdown}\n`);
		log(`console section appended to ${file}`);
	}

	if (runCalls) {
		log("calls: the console's CPU per GetRecords next to the bare SDK's (bench/callCost.ts)");
		const section = await callCostBenchmark();
		sections.push(section.markdown);
		console.log(`${section.table}\n`);
		const file = process.env.BENCH_CONSOLE_RESULTS ?? 'bench/console-results.md';
		appendFileSync(file, `\n${section.markdown}\n`);
		log(`calls section appended to ${file}`);
	}

	if (runStart) {
		log('start: a tail of 2,000 shards at LATEST until every shard is read, readers alone (bench/tailStart.ts)');
		const {table} = await tailStartBenchmark();
		sections.push(table);
		console.log(`${table}\n`);
		const file = process.env.BENCH_CONSOLE_RESULTS ?? 'bench/console-results.md';
		appendFileSync(file, `\n${table}\n`);
		log(`start section appended to ${file}`);
	}

	if (runUi) {
		// Its own process: it drives the real console in a pseudo-terminal and measures it from outside.
		const file = process.env.BENCH_UI_RESULTS ?? 'bench/ui-results.md';
		log(`ui: the console tailing 20,000 records/s in a pty (bench/uiLoad.ts), appended to ${file}`);
		const result = spawnSync(process.execPath, ['--import', 'tsx', 'bench/uiLoad.ts'], {
			stdio: 'inherit',
			env: {...process.env, BENCH_UI_RESULTS: file},
		});
		if (result.status !== 0) throw new Error(`bench/uiLoad.ts exited with ${String(result.status ?? result.signal)}`);
	}

	if (runLoad) {
		log('load: 100 concurrent clients writing and reading against the engine (bench/load.ts)');
		const section = await loadBenchmark(command());
		sections.push(section.markdown.replace(/^## /, '## Load, '));
		console.log(`${section.table}\n`);
		log(`load section appended to ${appendLoadResults(section)}`);
		if (section.violations > 0) {
			log(`load: ${section.violations} acknowledged records lost, repeated or out of order`);
			process.exitCode = 1;
		}
	}

	if (runJobs) {
		log('jobs: big jobs in the engine and a probe meanwhile (bench/jobs.ts)');
		const section = await jobsBenchmark(command(), revision());
		sections.push(section.markdown);
		console.log(`${section.table}\n`);
	}

	if (runScale) {
		log('scale: the console against many streams and streams of many shards, quotas on (bench/scale.ts)');
		const section = await scaleBenchmark();
		sections.push(section.markdown);
		console.log(`${section.table}\n`);
		const file = process.env.BENCH_SCALE_RESULTS ?? 'bench/scale-results.md';
		appendFileSync(file, `\n${section.markdown}\n`);
		log(`scale section appended to ${file}`);
	}

	// results.md keeps the throughput and memory figures: a run of other sections alone leaves it as it is.
	if (!runThroughput && !runMemory) return;

	const report = [
		'# Benchmark results',
		'',
		`- Date: ${started.toISOString()}`,
		`- Machine: ${machine()}; load average before the run: ${load}`,
		`- Command: \`${command()}\``,
		`- Engine built from: ${revision()}`,
		'',
		...sections.flatMap((section) => [section, '']),
	].join('\n');
	writeFileSync(config.results, report);
	log(`written to ${config.results}`);
}

try {
	await main();
} catch (error) {
	console.error(error);
	process.exitCode = 1;
} finally {
	await cleanUp();
}
