/** The servers compared, each started fresh in its own process for its row. */
import {ServerProcess, freePort, temporaryDirectory} from './processes.js';
import type {Transport} from './workload.js';

export interface Peer {
	readonly id: string;
	readonly server: string;
	readonly transport: Transport;
	/** Tried when the row fails over `transport` (kinesis-local may not speak h2c to the SDK). */
	readonly fallback?: Transport;
	readonly start: (options: StartOptions) => Promise<ServerProcess>;
}

export interface StartOptions {
	readonly shards: number;
	readonly exposeGc?: boolean;
}

const tsx = ['--import', 'tsx'];
const preload = ['--import', './bench/servers/preload.mjs'];

function engine(durability: 'process' | 'power'): (options: StartOptions) => Promise<ServerProcess> {
	return (options) => {
		const dataDir = temporaryDirectory(`bench-engine-${durability}-`);
		return ServerProcess.start({
			name: `engine (${durability})`,
			command: process.execPath,
			args: [
				...(options.exposeGc ? ['--expose-gc'] : []),
				...(process.env.BENCH_ENGINE_NODE_OPTIONS?.split(' ').filter(Boolean) ?? []),
				...tsx,
				'bench/servers/engine.ts',
				'--durability',
				durability,
				'--data-dir',
				dataDir,
			],
			ready: {line: true},
			dataDir,
		});
	};
}

/**
 * The canned server (bench/servers/canned.ts): spending spinMs of CPU a PutRecords, answering GetRecords with
 * none if emptyReads, every answer delayMs late.
 */
const canned =
	({spinMs = 0, emptyReads = false, delayMs = 0} = {}) =>
	(options: StartOptions) =>
		ServerProcess.start({
			name: 'canned',
			command: process.execPath,
			args: [
				...tsx,
				'bench/servers/canned.ts',
				'--shards',
				String(options.shards),
				'--spin-ms',
				String(spinMs),
				...(emptyReads ? ['--empty-reads'] : []),
				...(delayMs > 0 ? ['--delay-ms', String(delayMs)] : []),
			],
			ready: {line: true},
		});

async function kinesalite(): Promise<ServerProcess> {
	const port = await freePort();
	return ServerProcess.start({
		name: 'kinesalite',
		command: process.execPath,
		args: [...preload, 'node_modules/kinesalite/cli.js', '--port', String(port), '--shardLimit', '100'],
		ready: {url: `http://127.0.0.1:${port}`},
	});
}

async function kinesisLocal(): Promise<ServerProcess> {
	const [plain, tls] = [await freePort(), await freePort()];
	return ServerProcess.start({
		name: 'kinesis-local',
		command: process.execPath,
		args: [...preload, 'node_modules/kinesis-local/main.js'],
		env: {
			KINESIS_MOCK_PLAIN_PORT: String(plain),
			KINESIS_MOCK_TLS_PORT: String(tls),
			KINESIS_MOCK_CERT_PATH: 'node_modules/kinesis-local/server.json',
			SHOULD_PERSIST_DATA: 'false',
			LOG_LEVEL: 'WARN',
		},
		ready: {url: `http://127.0.0.1:${plain}`},
		timeoutMs: 60_000,
	});
}

export const peers: readonly Peer[] = [
	{id: 'canned-h2', server: 'canned (SDK ceiling)', transport: 'h2c', start: canned()},
	{id: 'canned-h1', server: 'canned (SDK ceiling)', transport: 'HTTP/1.1', start: canned()},
	// A calibration, not a server to compare: what a server's CPU per call costs the client on this machine.
	{id: 'spin-h2', server: 'canned, spending 1 ms of CPU a PutRecords', transport: 'h2c', start: canned({spinMs: 1})},
	{id: 'engine', server: 'this engine, durability process', transport: 'h2c', start: engine('process')},
	{id: 'engine-power', server: 'this engine, durability power', transport: 'h2c', start: engine('power')},
	{id: 'engine-h1', server: 'this engine, durability process', transport: 'HTTP/1.1', start: engine('process')},
	{id: 'kinesalite', server: 'kinesalite', transport: 'HTTP/1.1', start: kinesalite},
	{id: 'kinesis-local', server: 'kinesis-local', transport: 'h2c', fallback: 'HTTP/1.1', start: kinesisLocal},
];

export const enginePeer = engine('process');
/** A server of idle shards that does next to nothing: what the console's side of a tail's start costs alone. */
export const idleShardsPeer = (delayMs = 0) => canned({emptyReads: true, delayMs});
