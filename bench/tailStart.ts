/**
 * The start of a tail of a big stream, without a screen (issue 18 item 4: every shard read within 2 s at
 * 2,000 shards): the console's own tail (tailStream over a connection, as the tail screen reads, at
 * LATEST) of an empty stream of BENCH_START_SHARDS (2,000) shards of the engine in its own process
 * (bench/servers/engine.ts), BENCH_START_ROUNDS (3) times, each on a connection of its own. For each
 * round: the time until every shard has had its first read answered, and this process's CPU per call
 * made meanwhile (user + system). What the screen adds (rendering, the bench's own look at the screen
 * every 250 ms) is in bench/scale.ts; this measures the readers alone, so a change to them shows
 * through the noise of a shared machine. BENCH_START_SERVER=idle runs them against the canned server
 * instead (bench/servers/canned.ts --empty-reads: ready-made answers, next to no CPU a call), which tells
 * the console's own cost from the engine's, and BENCH_START_DELAY_MS holds each of its answers that long (a
 * stand-in for a region's round trip, which the engine on loopback does not have).
 *
 *   node --import tsx bench/tailStart.ts
 */
import {loadavg} from 'node:os';
import {CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient} from '@aws-sdk/client-kinesis';
import {connect} from '../source/console/connect.js';
import {tailStream} from '../source/console/tail/index.js';
import {pollSchedulerFor} from '../source/console/tail/pollScheduler.js';
import {enginePeer, idleShardsPeer} from './lib/peers.js';
import {sleep} from './lib/processes.js';

const number = (name: string, fallback: number) => {
	const value = Number(process.env[name] ?? fallback);
	if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
	return value;
};

const STREAM = 'tail-start';

export async function tailStartBenchmark(): Promise<{table: string}> {
	const shards = number('BENCH_START_SHARDS', 2_000);
	const rounds = number('BENCH_START_ROUNDS', 3);
	const serverKind = process.env.BENCH_START_SERVER ?? 'engine';
	if (serverKind !== 'engine' && serverKind !== 'idle') throw new Error('BENCH_START_SERVER must be engine or idle');
	const delayMs = Number(process.env.BENCH_START_DELAY_MS ?? 0);
	if (!(delayMs >= 0) || (delayMs > 0 && serverKind !== 'idle'))
		throw new Error('BENCH_START_DELAY_MS must be milliseconds, with BENCH_START_SERVER=idle');
	const server = await (serverKind === 'idle' ? idleShardsPeer(delayMs) : enginePeer)({shards});
	const credentials = {accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret'};
	const admin = new KinesisClient({endpoint: server.url, region: 'us-east-1', credentials});
	try {
		await admin.send(new CreateStreamCommand({StreamName: STREAM, ShardCount: shards}));
		while ((await admin.send(new DescribeStreamSummaryCommand({StreamName: STREAM}))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') {
			await sleep(50);
		}
		process.env.AWS_ACCESS_KEY_ID ??= credentials.accessKeyId;
		process.env.AWS_SECRET_ACCESS_KEY ??= credentials.secretAccessKey;
		const rows: string[] = [];
		for (let round = 1; round <= rounds; round++) {
			const connection = await connect({endpointUrl: server.url, region: 'us-east-1'});
			const controller = new AbortController();
			const scheduler = pollSchedulerFor(connection.kinesis);
			let mostInFlight = 0;
			const answered = new Set<string>();
			let reads = 0;
			let iterators = 0;
			const serverCpu = server.cpuSeconds() ?? Number.NaN;
			const cpu = process.cpuUsage();
			const started = performance.now();
			let allMs: number | undefined;
			const deadline = setTimeout(() => controller.abort(), 30_000);
			for await (const event of tailStream(connection.kinesis, {
				stream: STREAM,
				from: {type: 'LATEST'},
				bufferRecords: 2_000,
				limit: 2_000,
				signal: controller.signal,
			})) {
				mostInFlight = Math.max(mostInFlight, scheduler.active);
				if (event.type === 'shard-started') iterators++;
				if (event.type !== 'records' && event.type !== 'polled') continue;
				reads++;
				answered.add(event.shardId);
				if (answered.size === shards) {
					allMs = performance.now() - started;
					break;
				}
			}
			clearTimeout(deadline);
			const used = process.cpuUsage(cpu);
			const serverUsed = (server.cpuSeconds() ?? Number.NaN) - serverCpu;
			const calls = reads + iterators;
			const roundTrip = scheduler.roundTripMs;
			await connection.close();
			rows.push(
				`| ${round} | ${allMs === undefined ? `not within 30 s (${answered.size} read)` : `${(allMs / 1000).toFixed(2)} s`} | ${calls} | ` +
					`${Math.round((used.user + used.system) / calls)} | ${Math.round((serverUsed * 1e6) / calls)} | ` +
					`${mostInFlight} | ${roundTrip === undefined ? '–' : `${roundTrip.toFixed(1)} ms`} | ${loadavg()[0]?.toFixed(1)} |`,
			);
			await sleep(1_000);
		}
		const table = [
			`tail start: ${shards} shards at LATEST, empty, ${serverKind === 'idle' ? `the canned server of idle shards${delayMs > 0 ? `, answering ${delayMs} ms late` : ''}` : 'the engine'} (console at ${new Date().toISOString()})`,
			'| round | every shard read | calls (iterators + reads) | console CPU µs/call | server CPU µs/call | calls in flight (most seen) | shortest round trip | load |',
			'| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
			...rows,
		].join('\n');
		return {table};
	} finally {
		admin.destroy();
		await server.stop();
	}
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const {table} = await tailStartBenchmark();
	console.log(table);
}
