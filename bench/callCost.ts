/**
 * The console's CPU per AWS call (issue 18 item 4: a tail of thousands of shards is thousands of mostly
 * empty GetRecords a second). BENCH_CALLS (5,000) GetRecords on empty shards, BENCH_CALLS_IN_FLIGHT (50)
 * at a time, round robin over a stream of BENCH_CALLS_SHARDS (500) shards of the engine in its own process
 * (bench/servers/engine.ts), made three ways side by side in this process:
 *   - console: through the console's own connection (source/console/connect.ts, the client a tail
 *     uses, its request budget at a share of 1), each call with a signal of its own as the tail's readers give;
 *   - SDK: a bare KinesisClient over keep-alive HTTP/1.1, each call with a signal too;
 *   - SDK, cached: a client as bare but with the SDK's cacheMiddleware on, each call send(command)
 *     alone: the SDK resolves its middleware once per command class only then (smithy's Client.send),
 *     its cheapest path.
 * BENCH_CALLS_ONLY=console (or a list) measures some of them (to profile one: node --cpu-prof).
 * Each is measured BENCH_CALLS_ROUNDS (3) times, in rounds, after a warm-up; the best round is kept (a
 * shared machine's noise only ever adds). CPU is this process's user + system time (process.cpuUsage)
 * per call, in µs: what the machine's load does not change, unlike the wall time.
 *
 *   node --import tsx bench/callCost.ts          (needs dist/: npm run build)
 *   npm run bench -- --calls                     appended to bench/console-results.md too
 */
import {setMaxListeners} from 'node:events';
import http from 'node:http';
import {loadavg} from 'node:os';
import {
	GetRecordsCommand,
	GetShardIteratorCommand,
	KinesisClient,
	ListShardsCommand,
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
} from '@aws-sdk/client-kinesis';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import {shardCallsOf} from '../source/console/aws/directReads.js';
import {connect} from '../source/console/connect.js';
import {enginePeer} from './lib/peers.js';
import {runStandalone, sleep} from './lib/processes.js';

const number = (name: string, fallback: number) => {
	const value = Number(process.env[name] ?? fallback);
	if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
	return value;
};

const STREAM = 'call-cost';

export async function callCostBenchmark(): Promise<{table: string; markdown: string}> {
	const calls = number('BENCH_CALLS', 5_000);
	const inFlight = number('BENCH_CALLS_IN_FLIGHT', 50);
	const shards = number('BENCH_CALLS_SHARDS', 500);
	const rounds = number('BENCH_CALLS_ROUNDS', 3);
	const engine = await enginePeer({shards});
	const credentials = {accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret'};
	const bare = new KinesisClient({
		endpoint: engine.url,
		region: 'us-east-1',
		credentials,
		requestHandler: new NodeHttpHandler({httpAgent: new http.Agent({keepAlive: true, maxSockets: inFlight})}),
	});
	const cached = new KinesisClient({
		endpoint: engine.url,
		region: 'us-east-1',
		credentials,
		cacheMiddleware: true,
		requestHandler: new NodeHttpHandler({httpAgent: new http.Agent({keepAlive: true, maxSockets: inFlight})}),
	});
	await bare.send(new CreateStreamCommand({StreamName: STREAM, ShardCount: shards}));
	while ((await bare.send(new DescribeStreamSummaryCommand({StreamName: STREAM}))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') {
		await sleep(50);
	}
	const shardIds: string[] = [];
	let token: string | undefined;
	do {
		const page = await bare.send(new ListShardsCommand(token ? {NextToken: token} : {StreamName: STREAM}));
		shardIds.push(...(page.Shards ?? []).map((shard) => shard.ShardId ?? ''));
		token = page.NextToken;
	} while (token);
	// An iterator can be read again and again: every call reads the same empty shard.
	const iterators = await Promise.all(
		shardIds.map(
			async (ShardId) =>
				(await bare.send(new GetShardIteratorCommand({StreamName: STREAM, ShardId, ShardIteratorType: 'LATEST'}))).ShardIterator ?? '',
		),
	);

	// The connection's clients read their credentials from the environment, as for any endpoint.
	process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
	process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
	const connection = await connect({endpointUrl: engine.url, region: 'us-east-1', quotaShare: 1});
	const signal = new AbortController().signal;
	setMaxListeners(0, signal);
	const only = process.env.BENCH_CALLS_ONLY?.split(',').map((name) => name.trim());
	const all: ReadonlyArray<{readonly name: string; readonly call: (iterator: string) => Promise<unknown>}> = [
		{name: 'console', call: (iterator) => connection.kinesis.send(new GetRecordsCommand({ShardIterator: iterator}), {abortSignal: signal})},
		{name: 'shard reader', call: (iterator) => shardCallsOf(connection.kinesis).getRecords({ShardIterator: iterator}, signal)},
		{name: 'SDK', call: (iterator) => bare.send(new GetRecordsCommand({ShardIterator: iterator}), {abortSignal: signal})},
		{name: 'SDK, cached', call: (iterator) => cached.send(new GetRecordsCommand({ShardIterator: iterator}))},
	];
	const ways = all.filter((way) => !only || only.includes(way.name));
	/** CPU µs per call and wall ms for `count` calls. */
	const measure = async (call: (iterator: string) => Promise<unknown>, count: number) => {
		let next = 0;
		const started = performance.now();
		const cpu = process.cpuUsage();
		const engineCpu = engine.cpuSeconds() ?? Number.NaN;
		await Promise.all(
			Array.from({length: inFlight}, async () => {
				while (next < count) {
					const index = next++;
					const response = (await call(iterators[index % iterators.length]!)) as {Records?: unknown[]};
					if (response.Records?.length) throw new Error('the shards were meant to be empty');
				}
			}),
		);
		const used = process.cpuUsage(cpu);
		const engineUs = (((engine.cpuSeconds() ?? Number.NaN) - engineCpu) * 1e6) / count;
		return {cpuUs: (used.user + used.system) / count, engineUs, wallMs: performance.now() - started};
	};
	const best = new Map<string, {cpuUs: number; engineUs: number; wallMs: number}>();
	try {
		for (const way of ways) await measure(way.call, Math.min(calls, 1_000));
		for (let round = 0; round < rounds; round++) {
			for (const way of ways) {
				const result = await measure(way.call, calls);
				const kept = best.get(way.name);
				if (!kept || result.cpuUs < kept.cpuUs) best.set(way.name, result);
			}
		}
	} finally {
		await connection.close();
		bare.destroy();
		cached.destroy();
		await engine.stop();
	}
	const load = loadavg()
		.map((value) => value.toFixed(2))
		.join(' ');
	const sdk = best.get('SDK')?.cpuUs ?? Number.NaN;
	const rows = ways.map((way) => {
		const {cpuUs, engineUs, wallMs} = best.get(way.name)!;
		return `| ${way.name} | ${cpuUs.toFixed(0)} | ${(cpuUs / sdk).toFixed(2)}× | ${engineUs.toFixed(0)} | ${((calls / wallMs) * 1000).toFixed(0)} |`;
	});
	const header = `CPU per GetRecords (${calls} calls on empty shards, ${inFlight} in flight, best of ${rounds}; load average ${load})`;
	const table = [
		header,
		"| made through | CPU µs per call | vs the SDK with a signal | the engine's CPU µs per call | calls/s |",
		'| --- | ---: | ---: | ---: | ---: |',
		...rows,
	].join('\n');
	return {table, markdown: `### ${new Date().toISOString().slice(0, 10)}: ${header}\n\n${table.split('\n').slice(1).join('\n')}`};
}

await runStandalone(import.meta.url, callCostBenchmark, 'BENCH_CONSOLE_RESULTS', 'bench/console-results.md');
