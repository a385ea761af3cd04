/**
 * The engine under test, in its own process, from the build in dist/.
 *   node --import tsx bench/servers/engine.ts --durability process|power --data-dir DIR [--limits on|off]
 * Prints `READY {"url": ...}` once it serves. Commands on stdin, one per line, each answered by one
 * line `REPLY <json>` on stdout:
 *   mem                  process.memoryUsage() after a garbage collection (when started with --expose-gc)
 *   mem-nogc             process.memoryUsage() as it is
 *   profile-start        start the V8 CPU profiler (main thread)
 *   profile-stop FILE    stop it and write the profile to FILE (.cpuprofile)
 *   loop-start           start measuring the event loop's delay (resolution 10 ms)
 *   loop-stop            stop, and reply its delay in ms: {p50, p99, max, count}
 *   advance MS           move the engine's clock MS milliseconds ahead (records age, retention passes)
 *   disk                 the size of the data file: {bytes}
 *   counts               engine.requestCounts(): requests and refusals per region, service and operation
 *   exit                 close the engine and exit; so do the end of stdin, SIGTERM and SIGINT
 * Per-shard throughput limits are off (the benchmark writes far more than 1,000 records/s to a shard)
 * unless `--limits on` (the engine's default, as bench/load.ts runs it);
 * BENCH_ENGINE_OPTIONS (JSON) is spread into createEngine's options on top. BENCH_ENGINE_DIST names
 * another build's dist/ directory to run instead (bench/jobs.ts compares this build with another).
 */
import {statSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {Session} from 'node:inspector/promises';
import {monitorEventLoopDelay, type IntervalHistogram} from 'node:perf_hooks';
import {createInterface} from 'node:readline';
import {parseArgs} from 'node:util';
import type * as EngineModule from '../../source/engine/index.js';

const {values} = parseArgs({
	options: {durability: {type: 'string', default: 'process'}, 'data-dir': {type: 'string'}, limits: {type: 'string', default: 'off'}},
});
const durability = values.durability;
if (durability !== 'process' && durability !== 'power') throw new Error(`--durability must be process or power, not ${durability}`);
if (values.limits !== 'on' && values.limits !== 'off') throw new Error(`--limits must be on or off, not ${values.limits}`);

const distEngine = process.env.BENCH_ENGINE_DIST
	? pathToFileURL(join(resolve(process.env.BENCH_ENGINE_DIST), 'engine/index.js')).href
	: new URL('../../dist/engine/index.js', import.meta.url).href;
const {createEngine} = (await import(distEngine)) as typeof EngineModule;
const extra = JSON.parse(process.env.BENCH_ENGINE_OPTIONS ?? '{}') as Partial<EngineModule.EngineOptions>;
let clockOffsetMs = 0;
const engine = await createEngine({
	now: () => Date.now() + clockOffsetMs,
	port: 0,
	host: '127.0.0.1',
	durability,
	throughputLimits: values.limits === 'on',
	...(values['data-dir'] ? {dataDir: values['data-dir']} : {}),
	...extra,
});
console.log(`READY ${JSON.stringify({url: engine.url})}`);

let closing: Promise<void> | undefined;
const shutdown = () => {
	closing ??= engine.close().then(
		() => process.exit(0),
		(error: unknown) => {
			console.error(error);
			process.exit(1);
		},
	);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

let profiler: Session | undefined;
let loop: IntervalHistogram | undefined;
async function run(command: string, argument: string): Promise<unknown> {
	switch (command) {
		case 'mem':
			globalThis.gc?.();
			return process.memoryUsage();
		case 'mem-nogc':
			return process.memoryUsage();
		case 'profile-start':
			profiler = new Session();
			profiler.connect();
			await profiler.post('Profiler.enable');
			await profiler.post('Profiler.start');
			return {};
		case 'profile-stop': {
			if (!profiler) throw new Error('the profiler is not running');
			const {profile} = await profiler.post('Profiler.stop');
			profiler.disconnect();
			profiler = undefined;
			writeFileSync(argument, JSON.stringify(profile));
			return {file: argument};
		}
		case 'loop-start':
			loop?.disable();
			loop = monitorEventLoopDelay({resolution: 10});
			loop.enable();
			return {};
		case 'loop-stop': {
			if (!loop) throw new Error('the event loop is not being measured');
			loop.disable();
			const delay = {p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6, count: loop.count};
			loop = undefined;
			return delay;
		}
		case 'advance':
			clockOffsetMs += Number(argument);
			return {clockOffsetMs};
		case 'disk':
			return {bytes: values['data-dir'] ? statSync(join(values['data-dir'], 'data.mdb')).size : 0};
		case 'counts':
			return engine.requestCounts();
		default:
			throw new Error(`unknown command ${command}`);
	}
}

// Commands are answered in order, so replies match requests.
let queue = Promise.resolve();
const lines = createInterface({input: process.stdin});
lines.on('line', (line) => {
	const [command = '', ...rest] = line.trim().split(' ');
	if (command === 'exit') return shutdown();
	queue = queue.then(async () => {
		const reply = await run(command, rest.join(' ')).catch((error: unknown) => ({error: String(error)}));
		console.log(`REPLY ${JSON.stringify(reply)}`);
	});
});
lines.on('close', shutdown);
