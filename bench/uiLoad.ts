/**
 * The terminal console under load: a tail at 20,000 records/s, rendered by the real App in a real
 * pseudo-terminal, while keys are pressed. Three processes besides this one: the engine (throughput
 * limits off), a producer writing PutRecords at the rate, and the console (`runConsole` on the tail
 * route, under `script`, in a 120x40 terminal). Measures
 *   - key to effect: from a key written to the terminal to the first output that shows its effect
 *     (d: the header names the next decoder; p: paused / following; k: scrolled; f: following), and
 *     inside the console, from reading the key to writing the next frame (the rest is the wait for the
 *     console's event loop to read it, and the pty);
 *   - frames per second written (Ink's synchronized-update frames), against the cap of 250 (source/ui/run.tsx; the tail draws 5 a second);
 *   - the console process's CPU (user + system, every thread, from process.cpuUsage) in cores;
 *   - its memory (RSS, V8 heap) at the start and end of the window, and what the tail holds;
 *   - once the run is over, what a tail frame costs Ink's own Output.get and the console's (ui/inkOutput.ts).
 *
 *   node --import tsx bench/uiLoad.ts            prints a table; --json prints the figures as JSON
 *
 * Environment: BENCH_UI_RATE (20000) records/s; BENCH_UI_SECONDS (20) measured after the tail runs at
 * half the rate or more; BENCH_UI_SHARDS (4); BENCH_UI_RECORD_BYTES (~180, JSON); BENCH_UI_RESULTS, a
 * file to append the markdown table to; BENCH_UI_NODE_ENV=development and BENCH_UI_INK_CACHES=unbounded
 * to measure without React's production build and without Ink as the build bundles it (bench/lib/patchedInk.ts); BENCH_UI_PROFILE=DIR for a CPU profile of
 * the console; BENCH_UI_NICE=1 runs the engine and the producer at nice 10, as if they ran elsewhere (on
 * AWS they do). Needs Linux (/proc) and `script` (util-linux). The machine's other load counts: the
 * table says how busy its cores were, and what the engine and the producer took.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {appendFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {rename, writeFile} from 'node:fs/promises';
import {cpus, tmpdir} from 'node:os';
import {monitorEventLoopDelay} from 'node:perf_hooks';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {parseArgs, stripVTControlCharacters} from 'node:util';
import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	KinesisClient,
	PutRecordsCommand,
	type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import {NodeHttpHandler} from '@smithy/node-http-handler';

const {values: flags} = parseArgs({
	options: {role: {type: 'string', default: 'bench'}, json: {type: 'boolean', default: false}},
	strict: false,
});
const number = (name: string, fallback: number): number => {
	const value = Number(process.env[name] ?? fallback);
	if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`);
	return value;
};
const config = {
	rate: number('BENCH_UI_RATE', 20_000),
	seconds: number('BENCH_UI_SECONDS', 20),
	shards: number('BENCH_UI_SHARDS', 4),
	recordBytes: number('BENCH_UI_RECORD_BYTES', 180),
	columns: 120,
	rows: 40,
	stream: 'ui-load',
};
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const credentials = {accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret'};
const self = fileURLToPath(import.meta.url);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (message: string) => process.stderr.write(`${message}\n`);

const client = (url: string) =>
	new KinesisClient({
		endpoint: url,
		region: 'us-east-1',
		credentials,
		requestHandler: new NodeHttpHandler({httpAgent: {keepAlive: true, maxSockets: 16}}),
	});

/** The engine on a free port, limits off; prints READY <url>; ends with its stdin. */
async function engineRole(): Promise<void> {
	const {createEngine} = await import('../source/engine/index.js');
	const engine = await createEngine({
		port: 0,
		host: '127.0.0.1',
		throughputLimits: false,
		createStreamMs: 0,
		deleteStreamMs: 0,
		updateStreamMs: 0,
	});
	console.log(`READY ${engine.url}`);
	const close = () => void engine.close().then(() => process.exit(0));
	process.stdin.on('data', () => undefined);
	process.stdin.on('end', close);
	process.on('SIGTERM', close);
}

/** PutRecords at the rate in batches of 500, several in flight; prints RATE <records/s> each second. */
async function producerRole(url: string): Promise<void> {
	const kinesis = client(url);
	const pool = Array.from({length: 5_000}, (_, index): PutRecordsRequestEntry => {
		const user = `user-${(index * 7919) % 100_000}`;
		const event = {
			ts: new Date().toISOString(),
			user,
			session: `s-${index.toString(36).padStart(6, '0')}`,
			event: ['view', 'click', 'add_to_cart', 'checkout'][index % 4],
			page: `/products/${index % 997}`,
			ms: index % 450,
			ua: 'Mozilla/5.0 (X11; Linux x86_64)',
		};
		let data = JSON.stringify(event);
		if (data.length < config.recordBytes) data = JSON.stringify({...event, pad: 'x'.repeat(config.recordBytes - data.length - 9)});
		return {PartitionKey: user, Data: new TextEncoder().encode(data)};
	});
	const batch = 500;
	const started = performance.now();
	let sent = 0;
	let written = 0;
	let lastReport = {at: started, written: 0};
	let inFlight = 0;
	process.stdin.on('data', () => undefined);
	process.stdin.on('end', () => process.exit(0));
	for (;;) {
		const due = ((performance.now() - started) / 1000) * config.rate;
		while (sent + batch <= due && inFlight < 8) {
			const offset = sent % pool.length;
			const records = pool.slice(offset, offset + batch);
			sent += batch;
			inFlight++;
			void kinesis
				.send(new PutRecordsCommand({StreamName: config.stream, Records: records}))
				.then((output) => (written += batch - (output.FailedRecordCount ?? 0)))
				.catch((error: unknown) => log(`producer: ${error instanceof Error ? error.message : String(error)}`))
				.finally(() => inFlight--);
		}
		const now = performance.now();
		if (now - lastReport.at >= 1_000) {
			console.log(`RATE ${Math.round(((written - lastReport.written) * 1000) / (now - lastReport.at))}`);
			lastReport = {at: now, written};
		}
		// Behind the schedule by more than a second's worth: the engine cannot keep up; do not pile on.
		if (due - sent > config.rate) sent = Math.floor(due / batch) * batch;
		await sleep(5);
	}
}

/** The console itself, on the tail route, writing its CPU and memory to BENCH_UI_STATS twice a second. */
async function consoleRole(): Promise<void> {
	const statsFile = String(process.env.BENCH_UI_STATS);
	// How late the event loop runs timers: blocked by work (a render, a response, a GC) or not given a core.
	const delay = monitorEventLoopDelay({resolution: 10});
	delay.enable();
	// Inside the console, from a key read (Ink reads stdin with read()) to the next frame written: what
	// handling it and drawing its frame took, without the wait for the event loop before it was read.
	const keyToFrameMs: number[] = [];
	let keyReadAt: number | undefined;
	const read = process.stdin.read.bind(process.stdin);
	process.stdin.read = (size?: number) => {
		const chunk: unknown = read(size);
		if (chunk !== null) keyReadAt ??= performance.now();
		return chunk;
	};
	const write = process.stdout.write.bind(process.stdout) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
	process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
		if (keyReadAt !== undefined) {
			keyToFrameMs.push(Math.round((performance.now() - keyReadAt) * 10) / 10);
			keyReadAt = undefined;
		}
		return write(chunk, ...rest);
	}) as typeof process.stdout.write;
	// Written aside and renamed into place, so the benchmark never reads half a file; off the event loop
	// (fs/promises), as a synchronous rename took milliseconds on a busy disk, in front of the keys measured.
	let writing = false;
	const writeStats = () => {
		if (writing) return;
		writing = true;
		const loopDelayMs = {p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6};
		const stats = JSON.stringify({
			at: performance.now() + performance.timeOrigin,
			cpu: process.cpuUsage(),
			memory: process.memoryUsage(),
			loopDelayMs,
			keyToFrameMs,
		});
		void writeFile(`${statsFile}.tmp`, stats)
			.then(() => rename(`${statsFile}.tmp`, statsFile))
			// The benchmark removes the directory as it ends.
			.catch(() => undefined)
			.finally(() => (writing = false));
	};
	writeStats();
	setInterval(writeStats, 500).unref();
	// As the CLI starts the console (source/cli.tsx): React's production build; and Ink as the build bundles it.
	process.env.NODE_ENV ??= 'production';
	if (process.env.BENCH_UI_INK_CACHES !== 'unbounded') (await import('./lib/patchedInk.js')).patchInkAsBuilt();
	const {runConsole} = await import('../source/ui/run.js');
	const code = await runConsole({
		endpointUrl: String(process.env.BENCH_UI_URL),
		region: 'us-east-1',
		local: false,
		demo: false,
		readOnly: false,
		initialRoute: {kind: 'tail', stream: config.stream},
	});
	process.exit(code);
}

interface Stats {
	readonly at: number;
	readonly cpu: NodeJS.CpuUsage;
	readonly memory: NodeJS.MemoryUsage;
	/** Since the console started (the histogram is not reset). */
	readonly loopDelayMs: {readonly p50: number; readonly p99: number; readonly max: number};
	/** Every key read so far: ms from reading it to the next frame written. */
	readonly keyToFrameMs: readonly number[];
}

interface Press {
	readonly key: string;
	readonly expect: string;
	readonly ms: number | undefined;
}

async function bench(): Promise<void> {
	if (process.platform !== 'linux') throw new Error('bench/uiLoad.ts needs Linux: it reads /proc and runs the console under script(1)');
	const children = new Set<ChildProcess>();
	const directory = mkdtempSync(join(tmpdir(), 'ui-load-'));
	const cleanup = () => {
		for (const child of children) child.kill('SIGKILL');
		rmSync(directory, {recursive: true, force: true});
	};
	process.on('exit', cleanup);
	const start = (role: string, env: Record<string, string> = {}) => {
		// BENCH_UI_NICE=1: the engine and the producer yield the CPU to the console, as they would run elsewhere.
		const nice = process.env.BENCH_UI_NICE === '1' ? ['nice', '-n', '10'] : [];
		const [command = process.execPath, ...prefix] = [...nice, process.execPath];
		const child = spawn(command, [...prefix, '--import', 'tsx', self, '--role', role], {
			env: {...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'},
			stdio: ['pipe', 'pipe', 'inherit'],
		});
		children.add(child);
		child.once('exit', () => children.delete(child));
		return child;
	};
	const firstLine = (child: ChildProcess, prefix: string) =>
		new Promise<string>((resolve, reject) => {
			const lines = createInterface({input: child.stdout!});
			lines.on('line', (line) => line.startsWith(prefix) && resolve(line.slice(prefix.length)));
			child.once('exit', (code) => reject(new Error(`a ${prefix.trim()} child exited (${code}) first`)));
		});

	log(
		`ui load: ${config.rate.toLocaleString('en-US')} records/s into ${config.shards} shards; the console in a ${config.columns}x${config.rows} pty`,
	);
	const engine = start('engine');
	const url = await firstLine(engine, 'READY ');
	const kinesis = client(url);
	await kinesis.send(new CreateStreamCommand({StreamName: config.stream, ShardCount: config.shards}));
	while (
		(await kinesis.send(new DescribeStreamSummaryCommand({StreamName: config.stream}))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE'
	)
		await sleep(50);
	kinesis.destroy();

	const producer = start('producer', {BENCH_UI_URL: url});
	const producerRates: number[] = [];
	createInterface({input: producer.stdout!}).on('line', (line) => line.startsWith('RATE ') && producerRates.push(Number(line.slice(5))));

	// The console in a real terminal: script(1) gives it a pty; stty sets the size Ink reads.
	const statsFile = join(directory, 'stats.json');
	const profile = process.env.BENCH_UI_PROFILE ? ` --cpu-prof --cpu-prof-dir '${process.env.BENCH_UI_PROFILE}'` : '';
	const command = `stty cols ${config.columns} rows ${config.rows} && exec '${process.execPath}'${profile} --import tsx '${self}' --role console`;
	const terminal = spawn('script', ['-qfec', command, '/dev/null'], {
		env: {
			...process.env,
			BENCH_UI_URL: url,
			BENCH_UI_STATS: statsFile,
			AWS_ACCESS_KEY_ID: credentials.accessKeyId,
			AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
			AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
			TERM: 'xterm-256color',
			...(process.env.BENCH_UI_NODE_ENV ? {NODE_ENV: process.env.BENCH_UI_NODE_ENV} : {}),
		},
		stdio: ['pipe', 'pipe', 'inherit'],
	});
	children.add(terminal);
	const screen = new Screen(terminal);
	const readStats = (): Stats => JSON.parse(readFileSync(statsFile, 'utf8')) as Stats;

	// Warm up: until the header shows the tail reading at half the rate or more.
	const warmupDeadline = Date.now() + 60_000;
	while (screen.lastRate() < config.rate / 2) {
		if (Date.now() > warmupDeadline)
			throw new Error(`the tail never reached ${config.rate / 2} records/s; the screen:\n${screen.lastFrame()}`);
		await sleep(200);
	}
	await sleep(2_000);

	log(`measuring for ${config.seconds} s`);
	const busyBefore = {machine: machineBusySeconds(), engine: cpuSeconds(engine.pid), producer: cpuSeconds(producer.pid)};
	const before = readStats();
	const framesBefore = screen.frames;
	const windowStart = performance.now();
	const producerFrom = producerRates.length;
	const rates: number[] = [];
	const memory: NodeJS.MemoryUsage[] = [before.memory];
	/** [seconds into the window, RSS MB, heap MB], every 10 s or so: flat when memory is bounded. */
	const trace: Array<[number, number, number]> = [
		[0, Math.round(before.memory.rss / 2 ** 20), Math.round(before.memory.heapUsed / 2 ** 20)],
	];
	const presses: Press[] = [];
	const decoders = ['auto', 'utf8', 'json', 'base64', 'hex', 'gzip'];
	let decoder = 0;
	const plan = (): Array<[string, string]> => {
		decoder = (decoder + 1) % decoders.length;
		return [
			['d', `decode ${decoders[decoder]}`],
			['p', '⏸ paused'],
			['p', '● following'],
			['k', '◦ scrolled'],
			['f', '● following'],
		];
	};
	while (performance.now() - windowStart < config.seconds * 1000) {
		for (const [key, expect] of plan()) {
			presses.push({key, expect, ms: await screen.press(key, expect, 2_000)});
			rates.push(screen.lastRate());
			const sample = readStats().memory;
			memory.push(sample);
			const elapsed = (performance.now() - windowStart) / 1000;
			if (elapsed - (trace.at(-1)?.[0] ?? 0) >= 10)
				trace.push([Math.round(elapsed), Math.round(sample.rss / 2 ** 20), Math.round(sample.heapUsed / 2 ** 20)]);
			await sleep(250 + Math.random() * 250);
		}
	}
	const windowMs = performance.now() - windowStart;
	const after = readStats();
	const busyAfter = {machine: machineBusySeconds(), engine: cpuSeconds(engine.pid), producer: cpuSeconds(producer.pid)};
	const cores = (key: keyof typeof busyAfter) => Math.round(((busyAfter[key] - busyBefore[key]) / (windowMs / 1000)) * 100) / 100;
	const frames = screen.frames - framesBefore;
	const held = /([\d,]+) buffered of ([\d,]+)/.exec(screen.lastFrame());

	terminal.stdin.write('q');
	await Promise.race([new Promise((resolve) => terminal.once('exit', resolve)), sleep(5_000)]);
	producer.stdin?.end();
	engine.stdin?.end();
	await sleep(200);

	// The keys pressed in the window (stats are written every 500 ms: the last ones may be missing).
	const inConsole = after.keyToFrameMs.slice(before.keyToFrameMs.length).sort((a, b) => a - b);
	const frameMs = await frameCost();
	const latencies = presses.map((press) => press.ms ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
	const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
	const cpuMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
	const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
	const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
	const result = {
		machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, node ${process.version}`,
		targetRate: config.rate,
		producerRate: median(producerRates.slice(producerFrom)),
		tailRate: median(rates),
		seconds: Math.round(windowMs / 100) / 10,
		keyPresses: presses.length,
		missed: presses.filter((press) => press.ms === undefined).length,
		latencyMs: {p50: quantile(0.5), p95: quantile(0.95), max: latencies.at(-1) ?? Number.NaN},
		/** From the key read to its frame written, inside the console. */
		inConsoleMs: {
			p50: inConsole[Math.floor(inConsole.length / 2)] ?? Number.NaN,
			p95: inConsole[Math.min(inConsole.length - 1, Math.floor(0.95 * inConsole.length))] ?? Number.NaN,
			max: inConsole.at(-1) ?? Number.NaN,
		},
		latencyByKey: Object.fromEntries(
			[...new Set(presses.map((press) => press.expect))].map((expect) => [
				expect,
				presses.filter((press) => press.expect === expect).map((press) => press.ms ?? null),
			]),
		),
		framesPerSecond: Math.round((frames * 10_000) / windowMs) / 10,
		cpuCores: Math.round((cpuMs / (after.at - before.at)) * 100) / 100,
		engineCores: cores('engine'),
		producerCores: cores('producer'),
		machineBusyCores: cores('machine'),
		machineCores: cpus().length,
		rssMb: {start: mb(before.memory.rss), end: mb(after.memory.rss), max: mb(Math.max(...memory.map((sample) => sample.rss)))},
		heapUsedMb: {
			start: mb(before.memory.heapUsed),
			end: mb(after.memory.heapUsed),
			max: mb(Math.max(...memory.map((sample) => sample.heapUsed))),
		},
		memoryTrace: trace,
		loopDelayMs: Object.fromEntries(Object.entries(after.loopDelayMs).map(([key, value]) => [key, Math.round(value)])),
		buffered: held?.[1] ?? '?',
		received: held?.[2] ?? '?',
		frameMs,
	};
	if (flags.json) {
		console.log(JSON.stringify(result));
	} else {
		const table = [
			`### Console under load (${result.machine}${process.env.BENCH_UI_NICE === '1' ? '; engine and producer at nice 10' : ''})`,
			'',
			'| records/s (target / producer / tail) | key → effect p50 / p95 / max | of which in the console (read → frame written) p50 / p95 / max | missed | frames/s (cap 250) | console CPU | RSS start → end (max) | heap start → end (max) | tail holds | console loop delay p50 / p99 / max | engine / producer CPU | machine busy |',
			'| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
			`| ${[result.targetRate, result.producerRate, result.tailRate].map((rate) => rate.toLocaleString('en-US')).join(' / ')} | ${result.latencyMs.p50} / ${result.latencyMs.p95} / ${result.latencyMs.max} ms (${result.keyPresses} keys) | ${result.inConsoleMs.p50} / ${result.inConsoleMs.p95} / ${result.inConsoleMs.max} ms | ${result.missed} | ${result.framesPerSecond} | ${result.cpuCores} cores | ${result.rssMb.start} → ${result.rssMb.end} (${result.rssMb.max}) MB | ${result.heapUsedMb.start} → ${result.heapUsedMb.end} (${result.heapUsedMb.max}) MB | ${result.buffered} records of ${result.received} | ${result.loopDelayMs.p50} / ${result.loopDelayMs.p99} / ${result.loopDelayMs.max} ms | ${result.engineCores} / ${result.producerCores} cores | ${result.machineBusyCores} of ${result.machineCores} cores |`,
			'',
			`A ${config.columns}x${config.rows} tail frame's Output.get, in this process once the run is over (median of 5 rounds of 100 frames): Ink's own ${frameMs.ink.newRows} ms with every row new, ${frameMs.ink.sameRows} ms with the rows of the frame before; the console's (source/ui/inkOutput.ts) ${frameMs.console.newRows} and ${frameMs.console.sameRows} ms.`,
			'',
		].join('\n');
		console.log(table);
		if (process.env.BENCH_UI_RESULTS) appendFileSync(process.env.BENCH_UI_RESULTS, `${table}\n`);
	}
	process.exit(0);
}

/**
 * What Ink's Output.get and the console's (source/ui/inkOutput.ts, which the CLI installs in its place)
 * take for a frame of the tail: every row new (following a busy stream), or the rows of the frame before.
 */
async function frameCost(): Promise<Record<'ink' | 'console', {newRows: number; sameRows: number}>> {
	const inkBuild = dirname(createRequire(import.meta.url).resolve('ink'));
	const {default: Output} = (await import(pathToFileURL(join(inkBuild, 'output.js')).href)) as {
		default: new (size: {width: number; height: number}) => {
			write(x: number, y: number, text: string, options: {transformers: []}): void;
			get(): unknown;
		};
	};
	const tokenizer = await import('@alcalzone/ansi-tokenize');
	const {fastOutputGet} = await import('../source/ui/inkOutput.js');
	const parts = {...tokenizer, sliceAnsi: (await import('slice-ansi')).default, stringWidth: (await import('string-width')).default};
	const gets = {ink: Output.prototype.get, console: fastOutputGet(parts as unknown as Parameters<typeof fastOutputGet>[0])};
	// As TailView draws them (colours as chalk writes them): a header, the rows (the newest selected), the hints.
	const row = (n: number, selected: boolean) => {
		const cells = `10:20:30.${String(n % 1000).padStart(3, '0')}  ${String(n % 50).padEnd(5)}  ..${String(n).padStart(11, '0')}  ${`user-${n % 1000}`.padEnd(24)}`;
		const data = `{"ts":"2026-12-06T09:00:00.000Z","user":"user-${n % 1000}","event":"view","page":"/products/${n % 997}"}`.slice(0, 60);
		return selected ? `\u001b[36m› ${cells}  ${data}\u001b[39m` : `  \u001b[90m${cells}\u001b[39m  ${data}`;
	};
	const frame = (first: number) => {
		const output = new Output({width: config.columns, height: config.rows});
		output.write(0, 0, '\u001b[1m\u001b[32m● following\u001b[39m\u001b[22m\u001b[90m · 50,000 records/s · 100 calls/s\u001b[39m', {
			transformers: [],
		});
		for (let y = 1; y < config.rows - 1; y++) output.write(0, y, row(first + y, y === config.rows - 2), {transformers: []});
		output.write(0, config.rows - 1, '\u001b[90m? help  / filter  p pause  f follow  d decode  q quit\u001b[39m', {transformers: []});
		return output;
	};
	const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
	const samples = {ink: {newRows: [] as number[], sameRows: [] as number[]}, console: {newRows: [] as number[], sameRows: [] as number[]}};
	let first = 0;
	for (let round = 0; round < 5; round++) {
		for (const name of ['ink', 'console'] as const) {
			for (const kind of ['newRows', 'sameRows'] as const) {
				const started = performance.now();
				for (let index = 0; index < 100; index++) gets[name].call(frame(kind === 'newRows' ? (first += config.rows) : 0));
				samples[name][kind].push((performance.now() - started) / 100);
			}
		}
	}
	const round = (ms: number) => Math.round(ms * 100) / 100;
	return {
		ink: {newRows: round(median(samples.ink.newRows)), sameRows: round(median(samples.ink.sameRows))},
		console: {newRows: round(median(samples.console.newRows)), sameRows: round(median(samples.console.sameRows))},
	};
}

/** What the pty shows: Ink's frames, counted by their synchronized-update marks, and the latest one as text. */
class Screen {
	frames = 0;
	private text = '';
	private waiter: ((chunk: string) => void) | undefined;

	constructor(private readonly terminal: ChildProcess) {
		terminal.stdout!.setEncoding('utf8');
		terminal.stdout!.on('data', (chunk: string) => {
			this.frames += chunk.split('\u001b[?2026h').length - 1;
			this.text = (this.text + chunk).slice(-64 * 1024);
			this.waiter?.(chunk);
		});
	}

	/** The text of the newest frame (after the last clear or synchronized-update mark). */
	lastFrame(): string {
		const marks = [this.text.lastIndexOf('\u001b[?2026h'), this.text.lastIndexOf('\u001b[2J')];
		return stripVTControlCharacters(this.text.slice(Math.max(0, ...marks)));
	}

	lastRate(): number {
		const found = /([\d,]+) records\/s/.exec(this.lastFrame());
		return found?.[1] ? Number(found[1].replaceAll(',', '')) : 0;
	}

	/** Writes a key; resolves with the ms until output showing `expect` arrived, or undefined after the timeout. */
	press(key: string, expect: string, timeoutMs: number): Promise<number | undefined> {
		return new Promise((resolve) => {
			let seen = '';
			const started = performance.now();
			const timer = setTimeout(() => finish(undefined), timeoutMs);
			const finish = (ms: number | undefined) => {
				clearTimeout(timer);
				this.waiter = undefined;
				resolve(ms === undefined ? undefined : Math.round(ms));
			};
			this.waiter = (chunk) => {
				seen += chunk;
				if (stripVTControlCharacters(seen).includes(expect)) finish(performance.now() - started);
			};
			this.terminal.stdin!.write(key);
		});
	}
}

/** CPU seconds a process has used (user + system, every thread), from /proc. */
function cpuSeconds(pid: number | undefined): number {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return (Number(fields[11]) + Number(fields[12])) / 100;
	} catch {
		return Number.NaN;
	}
}

/** CPU seconds every process on the machine has used (idle and iowait excluded), from /proc/stat. */
function machineBusySeconds(): number {
	const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
		.split(/\s+/)
		.slice(1)
		.map(Number);
	return (user + nice + system + irq + softirq + steal) / 100;
}

switch (flags.role) {
	case 'engine':
		await engineRole();
		break;
	case 'producer':
		await producerRole(String(process.env.BENCH_UI_URL));
		break;
	case 'console':
		await consoleRole();
		break;
	default:
		await bench();
}
