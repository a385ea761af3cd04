import {readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {createEngine} from '../engine/index.js';
import {UsageError} from './command.js';
import {parseCommandLine, parseShardLimit} from './parseArgs.js';

const help = `
  Usage
    $ kinesis-console engine [options]

  Runs the built-in Kinesis-compatible engine: the AWS SDKs, the AWS CLI and other
  Kinesis clients talk to it unchanged. Prints its endpoint URL as the first line.
  The same port serves CloudWatch, DynamoDB, Lambda's event source mappings, Firehose's
  delivery streams and Managed Service for Apache Flink's applications (control plane only: no
  function or application runs, and nothing is delivered).

  Options
    --port <n>             Port to listen on; 0 picks a free one   (default 4567)
    --host <address>       Address to bind                         (default 127.0.0.1)
    --data-dir <dir>       Where streams and records are kept      (default ${defaultDataDir()})
    --in-memory            Keep nothing: a throw-away directory, removed on exit
    --durability <mode>    process: acknowledged records survive a crash of the engine (default)
                           power:   they are also flushed to disk before the acknowledgement
    --region <region>      Region for requests whose signature names none (default us-east-1)
    --limits on|off        AWS's rate limits (default on): per shard, 1 MiB/s and 1,000 records/s
                           written, 5 reads/s and 2 MiB/s read, 5 GetShardIterator calls/s,
                           2 MiB/s per fan-out subscription; and the control-plane API quotas,
                           such as DescribeStreamSummary 20/s and ListStreams 5/s per account,
                           and Firehose's 5/s per account for each delivery-stream operation;
                           and 100 Managed Flink applications per region
    --shard-limit <n>      Open shards allowed per account in each region, to rehearse a raised
                           quota (default AWS's: 20,000 in us-east-1, us-west-2 and eu-west-1,
                           1,000 elsewhere)
    --auth <id>:<secret>   Accept only requests signed (SigV4) with this access key and secret;
                           by default any well-formed signature is accepted
    --tls-cert <file>      Serve HTTPS (h2 and http/1.1 by ALPN) with this PEM certificate chain
    --tls-key <file>       and this PEM private key

  Examples
    $ kinesis-console engine --port 0 --in-memory
    $ aws --endpoint-url http://127.0.0.1:4567 kinesis list-streams
`;

function defaultDataDir(): string {
	return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'kinesis-console', 'engine');
}

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {
		// A string, so that a bad value is quoted back as typed (meow turns it into NaN).
		port: {type: 'string', default: '4567'},
		host: {type: 'string', default: '127.0.0.1'},
		dataDir: {type: 'string'},
		inMemory: {type: 'boolean', default: false},
		durability: {type: 'string', default: 'process', choices: ['process', 'power']},
		region: {type: 'string', default: 'us-east-1'},
		limits: {type: 'string', default: 'on', choices: ['on', 'off']},
		// A string, like port, so that a bad value is quoted back as typed.
		shardLimit: {type: 'string'},
		auth: {type: 'string'},
		tlsCert: {type: 'string'},
		tlsKey: {type: 'string'},
	});
	if (cli.input.length > 0) throw new UsageError(`engine takes options only, not '${cli.input.join(' ')}'.`);
	const {host, dataDir, inMemory, durability, region, limits, tlsCert, tlsKey} = cli.flags;
	if (dataDir !== undefined && inMemory) throw new UsageError('--data-dir and --in-memory cannot be used together.');
	const port = Number(cli.flags.port);
	if (!/^\d+$/.test(cli.flags.port) || port > 65_535)
		throw new UsageError(`--port must be a whole number from 0 to 65535, not '${cli.flags.port}'.`);

	const shardLimit = parseShardLimit(cli.flags.shardLimit);
	const auth = parseAuth(cli.flags.auth);
	if ((tlsCert === undefined) !== (tlsKey === undefined))
		throw new UsageError('--tls-cert and --tls-key go together: give both or neither.');
	const tls =
		tlsCert !== undefined && tlsKey !== undefined ? {cert: readPem(tlsCert, '--tls-cert'), key: readPem(tlsKey, '--tls-key')} : undefined;

	const engine = await createEngine({
		...testingHooks(process.env),
		port,
		host,
		region,
		...(auth ? {auth} : {}),
		...(tls ? {tls} : {}),
		durability: durability === 'power' ? 'power' : 'process',
		throughputLimits: limits === 'on',
		...(shardLimit === undefined ? {} : {shardLimit}),
		...(inMemory ? {} : {dataDir: dataDir ?? defaultDataDir()}),
	}).catch((error: unknown) => {
		throw listenProblem(error, host, port) ?? error;
	});
	process.stdout.write(`${engine.url}\n`);
	// Guidance goes to stderr so that stdout holds the URL alone, for scripts.
	process.stderr.write(
		[
			`Kinesis engine listening on ${engine.url} (${inMemory ? 'in memory' : `data in ${dataDir ?? defaultDataDir()}`}).`,
			auth
				? `Clients must sign with access key ${auth.accessKeyId} and its secret, for example:`
				: 'Point clients at it with any credentials, for example:',
			`  aws --endpoint-url ${engine.url} --region ${region} kinesis list-streams`,
			`  new KinesisClient({endpoint: '${engine.url}', region: '${region}', credentials: {accessKeyId: '${auth ? auth.accessKeyId : 'x'}', secretAccessKey: '${auth ? '<secret>' : 'x'}'}})`,
			`  export AWS_ENDPOINT_URL_KINESIS=${engine.url}`,
			...(tlsCert === undefined
				? []
				: [`Clients must trust the certificate: aws --ca-bundle ${tlsCert}, or NODE_EXTRA_CA_CERTS=${tlsCert} for Node programs.`]),
			...(isLoopback(host) || auth
				? []
				: [`Warning: bound to ${host}, reachable from other machines, and the engine checks no credentials.`]),
			'Ctrl-C stops it.',
			'',
		].join('\n'),
	);

	return closeOnSignal(engine);
}

/** Runs until Ctrl-C or SIGTERM, then closes the engine: exit 0, or 1 when closing failed. */
function closeOnSignal(engine: {close(): Promise<void>}): Promise<number> {
	return new Promise((resolve) => {
		const stop = (signal: NodeJS.Signals) => {
			process.off('SIGINT', stop);
			process.off('SIGTERM', stop);
			process.stderr.write(`${signal}: stopping the engine...\n`);
			engine.close().then(
				() => resolve(0),
				(error: unknown) => {
					process.stderr.write(`kinesis-console engine: ${error instanceof Error ? error.message : String(error)}\n`);
					resolve(1);
				},
			);
		};
		process.on('SIGINT', stop);
		process.on('SIGTERM', stop);
	});
}

/**
 * Hooks for the fault tests (test/engine/faults.test.ts), which run the engine as a process and kill it:
 * KINESIS_CONSOLE_ENGINE_TEST_CLOCK_OFFSET_MS runs its clock ahead of real time by that much, so that
 * records written before a restart are old after it, and KINESIS_CONSOLE_ENGINE_TEST_SWEEP_MS makes the
 * sweep that reclaims the space of expired records run that often. Not for users, so not in the help;
 * without them the engine keeps real time and sweeps once a minute.
 */
function testingHooks(env: NodeJS.ProcessEnv): {now?: () => number; retentionSweepMs?: number} {
	const whole = (name: string, minimum: number): number | undefined => {
		const text = env[name];
		if (text === undefined || text === '') return undefined;
		const value = Number(text);
		if (!Number.isSafeInteger(value) || value < minimum)
			throw new UsageError(`${name} must be a whole number of milliseconds of at least ${minimum}, not ${text}.`);
		return value;
	};
	const offsetMs = whole('KINESIS_CONSOLE_ENGINE_TEST_CLOCK_OFFSET_MS', 0);
	const sweepMs = whole('KINESIS_CONSOLE_ENGINE_TEST_SWEEP_MS', 1);
	return {
		...(offsetMs ? {now: () => Date.now() + offsetMs} : {}),
		...(sweepMs === undefined ? {} : {retentionSweepMs: sweepMs}),
	};
}

/** What to do when the engine cannot listen where it was told to, or undefined for any other failure. */
function listenProblem(error: unknown, host: string, port: number): Error | undefined {
	const code = (error as NodeJS.ErrnoException | undefined)?.code;
	const where = `${host}:${port}`;
	if (code === 'EADDRINUSE')
		return new Error(`${where} is already in use (another engine?): choose another --port, or --port 0 for a free one.`, {cause: error});
	if (code === 'EADDRNOTAVAIL')
		return new Error(`${host} is not an address of this machine: --host takes one of its own, such as 127.0.0.1 or 0.0.0.0.`, {
			cause: error,
		});
	if (code === 'EACCES')
		return new Error(`This user may not listen on ${where}: ports below 1024 need privileges; choose another --port.`, {cause: error});
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new Error(`--host ${host} does not resolve to an address.`, {cause: error});
	return undefined;
}

/** ACCESS_KEY_ID:SECRET; the secret may itself hold colons. Neither is ever echoed back. */
function parseAuth(value: string | undefined): {accessKeyId: string; secretAccessKey: string} | undefined {
	if (value === undefined) return undefined;
	const colon = value.indexOf(':');
	if (colon <= 0 || colon === value.length - 1) throw new UsageError('--auth takes ACCESS_KEY_ID:SECRET_ACCESS_KEY, both non-empty.');
	return {accessKeyId: value.slice(0, colon), secretAccessKey: value.slice(colon + 1)};
}

function readPem(file: string, flag: string): Buffer {
	try {
		return readFileSync(file);
	} catch (error) {
		throw new UsageError(`${flag}: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
	}
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');
