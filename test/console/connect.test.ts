import {ListEventSourceMappingsCommand} from '@aws-sdk/client-lambda';
import {ListApplicationsCommand} from '@aws-sdk/client-kinesis-analytics-v2';
import {setMaxListeners} from 'node:events';
import {mkdtempSync, rmSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ListTablesCommand} from '@aws-sdk/client-dynamodb';
import {CreateStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, ListStreamsCommand} from '@aws-sdk/client-kinesis';
import {NodeHttp2Handler, NodeHttpHandler} from '@smithy/node-http-handler';
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest';
import {connect, type Connection} from '../../source/console/connect.js';
import {ConsoleError, EXIT_CODES, streamLister, toFailure} from '../../source/console/failures.js';
import type {Engine} from '../../source/engine/index.js';
import {startEngine} from '../helpers/engine.js';
import {closedPort, expectNoSecrets, isolateAwsEnvironment, SECRETS, useEnvCredentials} from './awsEnv.js';

const aws = isolateAwsEnvironment();

let engine: Engine;
beforeAll(async () => {
	engine = await startEngine();
});
afterAll(async () => {
	await engine.close();
});

/** Connections opened by a test, closed after it whatever happens. */
const opened: Connection[] = [];
async function open(options: Parameters<typeof connect>[0]): Promise<Connection> {
	const connection = await connect(options);
	opened.push(connection);
	return connection;
}
afterEach(async () => {
	await Promise.all(opened.splice(0).map((connection) => connection.close()));
});

async function failureOf(call: Promise<unknown>, context: Parameters<typeof toFailure>[1]) {
	const error = await call.then(
		() => undefined,
		(caught: unknown) => caught,
	);
	expect(error, 'the call should have failed').toBeDefined();
	const failure = await toFailure(error, context);
	expectNoSecrets(failure);
	return failure;
}

interface Seen {
	readonly protocol: 'h2' | 'http/1.1' | 'other';
}

/** A TCP proxy in front of the engine that records, per connection, which protocol the client spoke. */
async function recordingProxy(upstreamPort: number): Promise<{url: string; seen: Seen[]; close(): Promise<void>}> {
	const seen: Seen[] = [];
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		sockets.add(client);
		client.once('data', (first: Buffer) => {
			const text = first.toString('latin1');
			const protocol = text.startsWith('PRI * HTTP/2.0') ? 'h2' : /^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(text) ? 'http/1.1' : 'other';
			seen.push({protocol});
			const upstream = net.connect(upstreamPort, '127.0.0.1');
			sockets.add(upstream);
			upstream.write(first);
			client.pipe(upstream).pipe(client);
			const end = () => {
				client.destroy();
				upstream.destroy();
			};
			client.on('error', end).on('close', end);
			upstream.on('error', end).on('close', end);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as net.AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		seen,
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

describe('transports', () => {
	it('makes plain calls over one HTTP/1.1 keep-alive connection, and uses HTTP/2 on the second Kinesis client', async () => {
		useEnvCredentials();
		const proxy = await recordingProxy(engine.port);
		try {
			const connection = await open({endpointUrl: proxy.url, region: 'us-east-1'});
			expect(connection.kinesis.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
			expect(connection.kinesisHttp2.config.requestHandler).toBeInstanceOf(NodeHttp2Handler);

			await connection.kinesis.send(new CreateStreamCommand({StreamName: 'transport-h1', ShardCount: 1}));
			const first = await connection.kinesis.send(new ListStreamsCommand({}));
			const second = await connection.kinesis.send(new ListStreamsCommand({}));
			expect(first.StreamNames).toContain('transport-h1');
			expect(second.$metadata.httpStatusCode).toBe(200);
			expect(proxy.seen).toEqual([{protocol: 'http/1.1'}]);

			const overH2 = await connection.kinesisHttp2.send(new ListStreamsCommand({}));
			expect(overH2.StreamNames).toContain('transport-h1');
			expect(proxy.seen).toEqual([{protocol: 'http/1.1'}, {protocol: 'h2'}]);

			// DynamoDB goes to the same endpoint over HTTP/1.1 too (the engine does not serve it yet: the call may fail).
			await connection.dynamodb.send(new ListTablesCommand({})).catch(() => undefined);
			expect(proxy.seen.slice(2).every((entry) => entry.protocol === 'http/1.1')).toBe(true);
			expect(proxy.seen.length).toBeGreaterThan(2);
		} finally {
			await proxy.close();
		}
	});
});

describe('local', () => {
	it('starts the engine on a loopback port, points every client at it, and stops it on close', async () => {
		const connection = await connect({local: true});
		try {
			expect(connection.target.kind).toBe('local');
			expect(connection.target.region).toBe('us-east-1');
			expect(connection.target.profile).toBeUndefined();
			expect(connection.target.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(connection.target.endpoints).toEqual({
				kinesis: connection.target.endpoint,
				cloudwatch: connection.target.endpoint,
				dynamodb: connection.target.endpoint,
				lambda: connection.target.endpoint,
				firehose: connection.target.endpoint,
				flink: connection.target.endpoint,
			});
			await connection.kinesis.send(new CreateStreamCommand({StreamName: 'local-orders', ShardCount: 2}));
			const listed = await connection.kinesisHttp2.send(new ListStreamsCommand({}));
			expect(listed.StreamNames).toEqual(['local-orders']);
		} finally {
			await connection.close();
			await connection.close();
		}

		// Nothing answers there any more.
		useEnvCredentials();
		const after = await open({endpointUrl: connection.target.endpoint});
		const failure = await failureOf(after.kinesis.send(new ListStreamsCommand({})), {target: after.target});
		expect(failure.kind).toBe('unreachable');
	});

	it('ignores the profile and the environment, and keeps streams in the given data directory', async () => {
		process.env.AWS_PROFILE = 'nowhere';
		process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1';
		const dataDir = mkdtempSync(join(tmpdir(), 'console-local-'));
		try {
			const first = await connect({local: {dataDir}, region: 'eu-central-1'});
			expect(first.target).toMatchObject({kind: 'local', region: 'eu-central-1'});
			await first.kinesis.send(new CreateStreamCommand({StreamName: 'kept', ShardCount: 1}));
			await first.close();

			const second = await open({local: {dataDir}, region: 'eu-central-1'});
			const summary = await second.kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'kept'}));
			expect(summary.StreamDescriptionSummary?.StreamARN).toContain(':eu-central-1:');
		} finally {
			rmSync(dataDir, {recursive: true, force: true});
		}
	});

	it('refuses --local with --endpoint-url', async () => {
		const error = await connect({local: true, endpointUrl: engine.url}).catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(ConsoleError);
		expect((error as ConsoleError).failure.kind).toBe('configuration');
	});
});

describe('where a connection points', () => {
	it('describes AWS with its regional endpoint and the chosen profile', async () => {
		process.env.AWS_PROFILE = 'ops';
		aws.files.write({
			config: '[profile ops]\nregion = eu-west-1\n',
			credentials: `[ops]\naws_access_key_id = ${SECRETS.profileKeyId}\naws_secret_access_key = ${SECRETS.profileSecret}\n`,
		});
		const connection = await open({});
		expect(connection.target).toEqual({
			kind: 'aws',
			region: 'eu-west-1',
			profile: 'ops',
			endpoint: 'https://kinesis.eu-west-1.amazonaws.com',
			endpoints: {
				kinesis: 'https://kinesis.eu-west-1.amazonaws.com',
				cloudwatch: 'https://monitoring.eu-west-1.amazonaws.com',
				dynamodb: 'https://dynamodb.eu-west-1.amazonaws.com',
				lambda: 'https://lambda.eu-west-1.amazonaws.com',
				firehose: 'https://firehose.eu-west-1.amazonaws.com',
				flink: 'https://kinesisanalytics.eu-west-1.amazonaws.com',
			},
		});
		expect(JSON.stringify(connection.target)).not.toContain(SECRETS.profileSecret);
	});

	it('names the FIPS and dual-stack endpoints when the environment or the profile asks for them, as the calls go there', async () => {
		useEnvCredentials();
		// Written first: the SDK reads the files once.
		aws.files.write({config: '[profile v6]\nregion = us-west-2\nuse_dualstack_endpoint = true\n'});
		process.env.AWS_USE_FIPS_ENDPOINT = 'true';
		const fips = await open({region: 'eu-west-1'});
		expect(fips.target.endpoint).toBe('https://kinesis-fips.eu-west-1.amazonaws.com');
		expect(fips.target.endpoints.cloudwatch).toBe('https://monitoring-fips.eu-west-1.amazonaws.com');
		delete process.env.AWS_USE_FIPS_ENDPOINT;
		const dualStack = await open({profile: 'v6'});
		expect(dualStack.target.endpoint).toBe('https://kinesis.us-west-2.api.aws');
		// The client's own rules say the same host for a call.
		const {url} = await dualStack.kinesis.config.endpointProvider({
			Region: 'us-west-2',
			UseFIPS: await dualStack.kinesis.config.useFipsEndpoint(),
			UseDualStack: await dualStack.kinesis.config.useDualstackEndpoint(),
		});
		expect(url.host).toBe('kinesis.us-west-2.api.aws');
		// A FIPS pseudo-region is its region with FIPS on, for the clients and so for the name shown.
		for (const pseudo of ['us-east-1-fips', 'fips-us-east-1']) {
			const named = await open({region: pseudo});
			expect(named.target.endpoint).toBe('https://kinesis-fips.us-east-1.amazonaws.com');
			expect(named.target.endpoints.cloudwatch).toBe('https://monitoring-fips.us-east-1.amazonaws.com');
		}
		// The SDK passes over a value other than true or false, and so does the name shown.
		process.env.AWS_USE_DUALSTACK_ENDPOINT = 'yes';
		const plain = await open({region: 'us-east-1'});
		expect(plain.target.endpoint).toBe('https://kinesis.us-east-1.amazonaws.com');
		expect(await plain.kinesis.config.useDualstackEndpoint()).toBe(false);
	});

	it('never shows user info from an endpoint URL', async () => {
		useEnvCredentials();
		const connection = await open({endpointUrl: `http://someone:${encodeURIComponent(SECRETS.envSecret)}@127.0.0.1:${engine.port}`});
		expect(connection.target.endpoint).toBe(`http://127.0.0.1:${engine.port}`);
		expect(JSON.stringify(connection.target)).not.toContain(encodeURIComponent(SECRETS.envSecret));

		// Unencoded, the secret's slash makes the URL invalid: the complaint must not repeat it either.
		const error = await connect({endpointUrl: `http://someone:${SECRETS.envSecret}@127.0.0.1:${engine.port}`}).catch(
			(caught: unknown) => caught,
		);
		expect(error).toBeInstanceOf(ConsoleError);
		expect((error as ConsoleError).message).not.toContain(SECRETS.envSecret.slice(-12));
		const failure = await toFailure(error);
		expect(failure.kind).toBe('configuration');
		expectNoSecrets(failure);
	});

	it('takes the region from --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the profile', async () => {
		aws.files.write({config: '[default]\nregion = ap-south-1\n'});
		useEnvCredentials();
		expect((await open({})).target.region).toBe('ap-south-1');
		process.env.AWS_DEFAULT_REGION = 'eu-north-1';
		expect((await open({})).target.region).toBe('eu-north-1');
		process.env.AWS_REGION = 'us-west-2';
		expect((await open({})).target.region).toBe('us-west-2');
		expect((await open({region: 'sa-east-1'})).target.region).toBe('sa-east-1');
	});

	it('fails plainly with no region, and with a profile that does not exist', async () => {
		useEnvCredentials();
		const noRegion = await connect({}).catch((caught: unknown) => caught);
		expect(noRegion).toBeInstanceOf(ConsoleError);
		const failure = await toFailure(noRegion);
		expect(failure).toMatchObject({kind: 'configuration', exitCode: EXIT_CODES.configuration});
		expect(failure.hint).toContain('--region');
		expectNoSecrets(failure);

		const noProfile = await toFailure(await connect({profile: 'missing', region: 'us-east-1'}).catch((caught: unknown) => caught));
		expect(noProfile.kind).toBe('configuration');
		expect(noProfile.message).toContain("'missing'");
	});
});

describe('profiles', () => {
	it('honours a profile from the config file, with its region, endpoint and credentials', async () => {
		aws.files.write({
			// The default profile points elsewhere: --profile must not fall back to it.
			config: `[default]\nendpoint_url = http://127.0.0.1:1\n\n[profile dev]\nregion = eu-west-2\nendpoint_url = ${engine.url}\n`,
			credentials: `[dev]\naws_access_key_id = ${SECRETS.profileKeyId}\naws_secret_access_key = ${SECRETS.profileSecret}\n`,
		});
		const connection = await open({profile: 'dev'});
		expect(connection.target).toMatchObject({kind: 'endpoint', region: 'eu-west-2', profile: 'dev', endpoint: engine.url});
		await connection.kinesis.send(new CreateStreamCommand({StreamName: 'profile-stream', ShardCount: 1}));
		const summary = await connection.kinesisHttp2.send(new DescribeStreamSummaryCommand({StreamName: 'profile-stream'}));
		expect(summary.StreamDescriptionSummary?.StreamARN).toContain(':eu-west-2:');
	});

	it('honours AWS_PROFILE and a services section', async () => {
		aws.files.write({
			config: `[profile svc]\nregion = ca-central-1\nservices = local-services\naws_access_key_id = ${SECRETS.profileKeyId}\naws_secret_access_key = ${SECRETS.profileSecret}\n\n[services local-services]\nkinesis =\n  endpoint_url = ${engine.url}\n`,
		});
		process.env.AWS_PROFILE = 'svc';
		const connection = await open({});
		expect(connection.target).toMatchObject({kind: 'endpoint', region: 'ca-central-1', profile: 'svc', endpoint: engine.url});
		expect(connection.target.endpoints.cloudwatch).toBe('https://monitoring.ca-central-1.amazonaws.com');
		const listed = await connection.kinesis.send(new ListStreamsCommand({}));
		expect(listed.$metadata.httpStatusCode).toBe(200);
	});
});

describe('environment endpoints', () => {
	it('honours AWS_ENDPOINT_URL_KINESIS (and _LAMBDA, _KINESIS_ANALYTICS_V2) over AWS_ENDPOINT_URL, and --endpoint-url over both', async () => {
		useEnvCredentials();
		const unused = `http://127.0.0.1:${await closedPort()}`;
		process.env.AWS_ENDPOINT_URL_KINESIS = engine.url;
		process.env.AWS_ENDPOINT_URL_LAMBDA = engine.url;
		process.env.AWS_ENDPOINT_URL_KINESIS_ANALYTICS_V2 = engine.url;
		process.env.AWS_ENDPOINT_URL = unused;
		const connection = await open({region: 'us-east-1'});
		expect(connection.target).toMatchObject({
			kind: 'endpoint',
			endpoint: engine.url,
			endpoints: {kinesis: engine.url, cloudwatch: unused, dynamodb: unused, lambda: engine.url, firehose: unused, flink: engine.url},
		});
		const applications = await connection.flink.send(new ListApplicationsCommand({}));
		expect(applications.ApplicationSummaries).toEqual([]);
		const mappings = await connection.lambda.send(new ListEventSourceMappingsCommand({}));
		expect(mappings.EventSourceMappings).toEqual([]);
		const listed = await connection.kinesis.send(new ListStreamsCommand({}));
		expect(listed.$metadata.httpStatusCode).toBe(200);

		process.env.AWS_ENDPOINT_URL_KINESIS = unused;
		const flagged = await open({region: 'us-east-1', endpointUrl: engine.url});
		expect(flagged.target.endpoints).toEqual({
			kinesis: engine.url,
			cloudwatch: engine.url,
			dynamodb: engine.url,
			lambda: engine.url,
			firehose: engine.url,
			flink: engine.url,
		});
	});

	it('defaults the region to us-east-1 for an endpoint', async () => {
		useEnvCredentials();
		process.env.AWS_ENDPOINT_URL_KINESIS = engine.url;
		expect((await open({})).target).toMatchObject({kind: 'endpoint', region: 'us-east-1'});
	});
});

describe('failures from real calls', () => {
	it('names the endpoint that does not answer, over either transport', async () => {
		useEnvCredentials();
		const endpoint = `http://127.0.0.1:${await closedPort()}`;
		const connection = await open({endpointUrl: endpoint});
		for (const client of [connection.kinesis, connection.kinesisHttp2]) {
			const failure = await failureOf(client.send(new ListStreamsCommand({})), {target: connection.target});
			expect(failure.kind).toBe('unreachable');
			expect(failure.exitCode).toBe(EXIT_CODES.unreachable);
			expect(failure.message).toContain(endpoint);
			expect(failure.message).toContain('refused');
			expect(failure.hint).toContain('--endpoint-url');
		}
		// Without the connection's target, the address comes from the error itself.
		const bare = await failureOf(connection.kinesis.send(new ListStreamsCommand({})), {});
		expect(bare.message).toContain(endpoint.replace('http://', ''));
	});

	it('says which credential sources were tried when there are none', async () => {
		const connection = await open({endpointUrl: engine.url});
		const failure = await failureOf(connection.kinesis.send(new ListStreamsCommand({})), {target: connection.target});
		expect(failure.kind).toBe('no-credentials');
		expect(failure.exitCode).toBe(EXIT_CODES['no-credentials']);
		expect(failure.message).toContain('AWS_ACCESS_KEY_ID');
		expect(failure.message).toContain(aws.files.config);
		expect(failure.message).toContain('instance metadata');
		expect(failure.hint).toContain('aws configure');
		expect(failure.hint).toContain('--profile');
		expect(failure.hint).toContain('An emulator takes any keys');
	});

	it('names the profile that has no credentials', async () => {
		aws.files.write({config: `[profile bare]\nregion = us-east-1\nendpoint_url = ${engine.url}\n`});
		const connection = await open({profile: 'bare'});
		const failure = await failureOf(connection.kinesis.send(new ListStreamsCommand({})), {target: connection.target});
		expect(failure.kind).toBe('no-credentials');
		expect(failure.message).toContain("'bare'");
		expect(failure.hint).toContain('aws configure --profile bare');
	});

	it('lists the streams that exist when a stream is not found', async () => {
		const connection = await open({local: true});
		for (const name of ['orders', 'payments']) await connection.kinesis.send(new CreateStreamCommand({StreamName: name, ShardCount: 1}));
		const failure = await failureOf(connection.kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'ordres'})), {
			target: connection.target,
			streamName: 'ordres',
			listStreams: streamLister(connection.kinesis),
		});
		expect(failure.kind).toBe('not-found');
		expect(failure.exitCode).toBe(EXIT_CODES['not-found']);
		expect(failure.message).toContain("'ordres'");
		expect(failure.message).toContain('us-east-1');
		expect(failure.message).toContain(connection.target.endpoint);
		expect(failure.hint).toBe('Streams there: orders, payments.');

		// The stream's name is read from the error when the caller does not pass it.
		const unnamed = await failureOf(connection.kinesis.send(new DescribeStreamSummaryCommand({StreamName: 'gone'})), {
			target: connection.target,
		});
		expect(unnamed.message).toContain("'gone'");
	});

	it('keeps environment secrets out of failures from real calls', async () => {
		useEnvCredentials();
		process.env.AWS_SESSION_TOKEN = SECRETS.envSessionToken;
		const connection = await open({endpointUrl: `http://127.0.0.1:${await closedPort()}`});
		const failure = await failureOf(connection.kinesis.send(new ListStreamsCommand({})), {target: connection.target});
		expect(failure.kind).toBe('unreachable');
	});
});

/** An endpoint that accepts connections and reads requests; `answer` says what to send back, nothing when undefined. */
async function scriptedEndpoint(answer: () => string | undefined): Promise<{url: string; requests: () => number; close(): Promise<void>}> {
	let requests = 0;
	const sockets = new Set<net.Socket>();
	const server = net.createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		socket.on('data', (chunk: Buffer) => {
			// One request per chunk is enough here: the bodies are small, and each call waits for its answer.
			if (!/^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(chunk.toString('latin1'))) return;
			requests++;
			const response = answer();
			if (response !== undefined) socket.write(response);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as net.AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		requests: () => requests,
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

const settledWithin = async (call: Promise<unknown>, ms: number) => {
	const started = performance.now();
	const outcome = await Promise.race([
		call.then(
			() => 'answered',
			(error: unknown) => (error as {name?: string}).name,
		),
		new Promise((resolve) => setTimeout(() => resolve('still waiting'), ms)),
	]);
	return {outcome, ms: performance.now() - started};
};

/** A call of the data plane, which the request budget lets through at once. */
const getRecords = () => new GetRecordsCommand({ShardIterator: 'AAAAAAAAAAH0oHN5dW8bCm8+'});

describe('closing', () => {
	const waitFor = async (test: () => boolean) => {
		const deadline = Date.now() + 10_000;
		while (!test()) {
			if (Date.now() > deadline) throw new Error('the endpoint never saw the calls');
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	};

	it('ends every call in flight at close, those queued for a socket too, and refuses later ones', async () => {
		useEnvCredentials();
		const silent = await scriptedEndpoint(() => undefined);
		try {
			const connection = await open({endpointUrl: silent.url});
			// 50 on the agent's sockets, 10 queued behind them; none given a signal of its own. GetRecords, which the
			// request budget does not pace (its quota is per shard, and its request names none): all 60 are sent at once.
			const calls = Array.from({length: 60}, () => connection.kinesis.send(getRecords()));
			await waitFor(() => silent.requests() >= 50);
			void connection.close();
			const outcomes = await Promise.all(calls.map((call) => settledWithin(call, 2_000)));
			expect(new Set(outcomes.map(({outcome}) => outcome))).toEqual(new Set(['AbortError']));
			expect(Math.max(...outcomes.map(({ms}) => ms))).toBeLessThan(500);
			expect((await settledWithin(connection.kinesis.send(new ListStreamsCommand({})), 2_000)).outcome).toBe('AbortError');
		} finally {
			await silent.close();
		}
	});

	it('ends the wait between retries at close', async () => {
		useEnvCredentials();
		const body = JSON.stringify({__type: 'ThrottlingException', message: 'Rate exceeded'});
		// Retry-After: the SDK waits at least 5 s before its next attempt.
		const throttling = await scriptedEndpoint(
			() =>
				`HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.1\r\nretry-after: 30\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
		);
		try {
			const connection = await open({endpointUrl: throttling.url});
			const call = connection.kinesis.send(new ListStreamsCommand({}));
			await waitFor(() => throttling.requests() >= 1);
			await new Promise((resolve) => setTimeout(resolve, 100));
			void connection.close();
			const {outcome, ms} = await settledWithin(call, 3_000);
			expect(outcome).not.toBe('still waiting');
			expect(ms).toBeLessThan(500);
			expect(throttling.requests()).toBe(1);
		} finally {
			await throttling.close();
		}
	});

	it('does not fail a call queued behind busy sockets as a connection that timed out', async () => {
		useEnvCredentials();
		const silent = await scriptedEndpoint(() => undefined);
		try {
			const connection = await open({endpointUrl: silent.url});
			const calls = Array.from({length: 51}, () => connection.kinesis.send(getRecords()));
			await waitFor(() => silent.requests() >= 50);
			// The connection timeout is 5 s: the 51st call has waited longer for a socket, and connecting is not what it waits for.
			const queued = await settledWithin(calls[50]!, 6_000);
			expect(queued.outcome).toBe('still waiting');
			await connection.close();
			await Promise.allSettled(calls);
		} finally {
			await silent.close();
		}
	}, 20_000);
});

describe("a call's own signal", () => {
	const waitFor = async (test: () => boolean) => {
		const deadline = Date.now() + 10_000;
		while (!test()) {
			if (Date.now() > deadline) throw new Error('the endpoint never saw the calls');
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	};

	it('resolves the middleware of a command once, for calls each with a signal of its own, which still reach the engine', async () => {
		const connection = await open({endpointUrl: engine.url, region: 'us-east-1', quotaShare: 1});
		useEnvCredentials();
		const resolved = vi.spyOn(DescribeStreamSummaryCommand.prototype, 'resolveMiddleware');
		try {
			await connection.kinesis.send(new CreateStreamCommand({StreamName: 'own-signals', ShardCount: 1}));
			const names = await Promise.all(
				Array.from({length: 3}, async () => {
					const {StreamDescriptionSummary: summary} = await connection.kinesis.send(
						new DescribeStreamSummaryCommand({StreamName: 'own-signals'}),
						{abortSignal: new AbortController().signal},
					);
					return summary?.StreamName;
				}),
			);
			expect(names).toEqual(['own-signals', 'own-signals', 'own-signals']);
			expect(resolved).toHaveBeenCalledTimes(1);
		} finally {
			resolved.mockRestore();
		}
	});

	it('ends only the calls whose signal aborts, on a socket or queued for one, and leaves the others waiting', async () => {
		useEnvCredentials();
		const silent = await scriptedEndpoint(() => undefined);
		try {
			const connection = await open({endpointUrl: silent.url});
			const controller = new AbortController();
			setMaxListeners(0, controller.signal);
			// 60 calls: 50 on the agent's sockets and 10 queued; every other one is ended by its signal.
			const calls = Array.from({length: 60}, (_, index) =>
				connection.kinesis.send(getRecords(), {abortSignal: index % 2 ? controller.signal : new AbortController().signal}),
			);
			await waitFor(() => silent.requests() >= 50);
			controller.abort();
			const outcomes = await Promise.all(calls.map((call) => settledWithin(call, 1_000)));
			expect(outcomes.filter((_, index) => index % 2).map(({outcome}) => outcome)).toEqual(Array.from({length: 30}, () => 'AbortError'));
			expect(outcomes.filter((_, index) => !(index % 2)).map(({outcome}) => outcome)).toEqual(
				Array.from({length: 30}, () => 'still waiting'),
			);
			await connection.close();
			await Promise.allSettled(calls);
		} finally {
			await silent.close();
		}
	});

	it('ends the wait between retries when the signal aborts, with no attempt after it', async () => {
		useEnvCredentials();
		const body = JSON.stringify({__type: 'ThrottlingException', message: 'Rate exceeded'});
		const throttling = await scriptedEndpoint(
			() =>
				`HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.1\r\nretry-after: 30\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
		);
		try {
			const connection = await open({endpointUrl: throttling.url});
			const controller = new AbortController();
			const call = connection.kinesis.send(new ListStreamsCommand({}), {abortSignal: controller.signal});
			await waitFor(() => throttling.requests() >= 1);
			await new Promise((resolve) => setTimeout(resolve, 100));
			controller.abort();
			expect((await settledWithin(call, 1_000)).outcome).toBe('AbortError');
			expect(throttling.requests()).toBe(1);
		} finally {
			await throttling.close();
		}
	});
});
