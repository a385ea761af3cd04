import {
	CreateStreamCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	KinesisClient,
	PutRecordsCommand,
	type GetShardIteratorCommandInput,
} from '@aws-sdk/client-kinesis';
import http from 'node:http';
import {Readable} from 'node:stream';
import type {AddressInfo} from 'node:net';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {shardCallsOf} from '../../../source/console/aws/directReads.js';
import {errorKind} from '../../../source/console/aws/errors.js';
import {ShardHttp} from '../../../source/console/aws/shardHttp.js';
import {MAX_SKEW_RETRIES} from '../../../source/console/aws/retry.js';
import {connect, type Connection} from '../../../source/console/connect.js';
import {toFailure} from '../../../source/console/failures.js';
import {tailStream, type TailEvent} from '../../../source/console/tail/index.js';
import type {EngineOptions} from '../../../source/engine/index.js';
import {startEngine} from '../../helpers/engine.js';
import {isolateAwsEnvironment, SECRETS, useEnvCredentials} from '../awsEnv.js';

/**
 * A shard reader's calls sent straight through the connection's Kinesis client's protocol, signer and
 * HTTP handler (aws/directReads.ts), against an engine that checks every signature: the same answers and
 * the same errors as the SDK's `send`, paced by the request budget, ended by the caller's signal and by
 * the connection's close.
 */

isolateAwsEnvironment();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const STREAM = 'direct';
const auth = {accessKeyId: SECRETS.envKeyId, secretAccessKey: SECRETS.envSecret};

/** An engine that checks signatures, the console's connection to it, and an SDK client (signing `clockOffsetMs` ahead of this clock). */
async function setUp(
	engineOptions: EngineOptions = {},
	quotaShare?: number,
	clockOffsetMs = 0,
): Promise<{connection: Connection; sdk: KinesisClient}> {
	const engine = await startEngine({auth, ...engineOptions});
	cleanups.push(() => engine.close());
	useEnvCredentials();
	const connection = await connect({endpointUrl: engine.url, region: 'us-east-1', ...(quotaShare === undefined ? {} : {quotaShare})});
	cleanups.push(() => connection.close());
	const sdk = new KinesisClient({
		endpoint: engine.url,
		region: 'us-east-1',
		credentials: auth,
		maxAttempts: 1,
		systemClockOffset: clockOffsetMs,
		requestHandler: new NodeHttpHandler({}),
	});
	cleanups.push(() => sdk.destroy());
	await sdk.send(new CreateStreamCommand({StreamName: STREAM, ShardCount: 1}));
	return {connection, sdk};
}

const iteratorInput: GetShardIteratorCommandInput = {
	StreamName: STREAM,
	ShardId: 'shardId-000000000000',
	ShardIteratorType: 'TRIM_HORIZON',
};

/** What an error says, as the console's classification and failures read it. */
const facts = (error: unknown) => {
	const {name, message, $fault, $metadata} = error as {name: string; message: string; $fault: string; $metadata: {httpStatusCode: number}};
	return {name, message, $fault, status: $metadata.httpStatusCode, type: (error as object).constructor.name};
};

describe('a shard reader’s direct calls', () => {
	it('answer as the SDK does, signed as the engine checks', async () => {
		const {connection, sdk} = await setUp();
		const written = await sdk.send(
			new PutRecordsCommand({
				StreamName: STREAM,
				Records: [
					{PartitionKey: 'a', Data: Buffer.from('one')},
					{PartitionKey: 'b', Data: Buffer.from([0, 255, 1])},
				],
			}),
		);
		const calls = shardCallsOf(connection.kinesis);
		const signal = new AbortController().signal;
		const direct = await calls.getShardIterator(iteratorInput, signal);
		expect(direct.ShardIterator).toMatch(/\S{20}/);
		expect(direct.$metadata.httpStatusCode).toBe(200);
		const page = await calls.getRecords({ShardIterator: direct.ShardIterator, Limit: 10}, signal);
		const viaSdk = await sdk.send(new GetRecordsCommand({ShardIterator: direct.ShardIterator, Limit: 10}));
		expect(page.Records).toEqual(viaSdk.Records);
		expect(page.Records?.map((record) => record.SequenceNumber)).toEqual(written.Records?.map((record) => record.SequenceNumber));
		expect(page.Records?.map((record) => [...(record.Data ?? [])])).toEqual([[...Buffer.from('one')], [0, 255, 1]]);
		expect(page.NextShardIterator).toEqual(expect.any(String));
		expect(page.MillisBehindLatest).toBe(0);
	});

	it('fail with the SDK’s own errors', async () => {
		const {connection, sdk} = await setUp();
		const calls = shardCallsOf(connection.kinesis);
		const signal = new AbortController().signal;
		const cases: Array<{direct: () => Promise<unknown>; sdk: () => Promise<unknown>}> = [
			{
				direct: () => calls.getShardIterator({...iteratorInput, StreamName: 'missing'}, signal),
				sdk: () => sdk.send(new GetShardIteratorCommand({...iteratorInput, StreamName: 'missing'})),
			},
			{
				direct: () => calls.getShardIterator({...iteratorInput, ShardId: 'shardId-000000000009'}, signal),
				sdk: () => sdk.send(new GetShardIteratorCommand({...iteratorInput, ShardId: 'shardId-000000000009'})),
			},
			{
				direct: () => calls.getRecords({ShardIterator: 'not-an-iterator'}, signal),
				sdk: () => sdk.send(new GetRecordsCommand({ShardIterator: 'not-an-iterator'})),
			},
		];
		for (const each of cases) {
			const direct = await each.direct().catch((error: unknown) => error);
			const viaSdk = await each.sdk().catch((error: unknown) => error);
			expect(viaSdk).toBeInstanceOf(Error);
			expect(facts(direct)).toEqual(facts(viaSdk));
		}
	});

	it('follow the service’s clock as the SDK’s signer does: a call refused for a clock ten minutes off is signed in time the next time', async () => {
		for (const [offMs, refusal] of [
			[10 * 60_000, /^Signature expired: /],
			[-10 * 60_000, /^Signature not yet current: /],
		] as const) {
			const {connection} = await setUp({now: () => Date.now() + offMs}, undefined, offMs);
			const calls = shardCallsOf(connection.kinesis);
			const signal = new AbortController().signal;
			const refused = await calls.getShardIterator(iteratorInput, signal).catch((error: unknown) => error);
			expect(facts(refused)).toMatchObject({name: 'InvalidSignatureException', status: 400});
			expect((refused as Error).message).toMatch(refusal);
			// A reader tries such a call again, as for any passing fault.
			expect(errorKind(refused)).toBe('transient');
			const answered = await calls.getShardIterator(iteratorInput, signal);
			expect(answered.ShardIterator).toMatch(/\S{20}/);
			// The client's own calls sign with the offset found: it is the client's.
			expect(Math.abs((connection.kinesis.config as unknown as {systemClockOffset: number}).systemClockOffset - offMs)).toBeLessThan(5_000);
			const page = await calls.getRecords({ShardIterator: answered.ShardIterator}, signal);
			expect(page.Records).toEqual([]);
			for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
		}
	});

	it('leave the clock as it is when the client is told to, as its own calls do (AWS_DISABLE_CLOCK_SKEW_CORRECTION, disable_clock_skew_correction)', async () => {
		const offMs = 10 * 60_000;
		const {connection} = await setUp({now: () => Date.now() + offMs}, undefined, offMs);
		// As the SDK resolves the setting, once for the process (so a test sets the resolved config, not the environment).
		const config = connection.kinesis.config as unknown as {systemClockOffset: number; disableClockSkewCorrection: () => Promise<boolean>};
		config.disableClockSkewCorrection = () => Promise.resolve(true);
		const calls = shardCallsOf(connection.kinesis);
		const signal = new AbortController().signal;
		for (let attempt = 0; attempt < 2; attempt++) {
			const refused = await calls.getShardIterator(iteratorInput, signal).catch((error: unknown) => error);
			expect((refused as Error).message).toMatch(/^Signature expired: /);
		}
		expect(config.systemClockOffset).toBe(0);
		// A tail does not retry such a refusal for ever: it ends saying the clock is off, not that the key is wrong.
		const events: TailEvent[] = [];
		for await (const event of tailStream(connection.kinesis, {stream: STREAM, from: {type: 'LATEST'}, signal})) {
			events.push(event);
			if (event.type === 'failed') break;
		}
		expect(events.filter((event) => event.type === 'retrying')).toHaveLength(MAX_SKEW_RETRIES);
		const failure = await toFailure(events.find((event) => event.type === 'failed')?.error);
		expect(failure).toMatchObject({kind: 'configuration', message: expect.stringContaining("Kinesis refused the request's time")});
		expect(failure.hint).toContain('AWS_DISABLE_CLOCK_SKEW_CORRECTION');
	});

	it('wait for the request budget’s share of GetShardIterator on a shard', async () => {
		// A fifth of AWS's 5 a second on a shard: one a second.
		const {connection} = await setUp({}, 0.2);
		const calls = shardCallsOf(connection.kinesis);
		const signal = new AbortController().signal;
		const started = Date.now();
		await Promise.all(Array.from({length: 3}, () => calls.getShardIterator(iteratorInput, signal)));
		expect(Date.now() - started).toBeGreaterThanOrEqual(1_800);
	});

	it('tell the request budget when AWS throttles them', async () => {
		// All of AWS's 5 GetShardIterator a second on a shard for the console, and the engine counting them.
		const {connection} = await setUp({throughputLimits: true}, 1);
		const calls = shardCallsOf(connection.kinesis);
		const signal = new AbortController().signal;
		expect(connection.budget.getSnapshot()).toEqual([]);
		const outcomes = await Promise.all(
			Array.from({length: 12}, () =>
				calls.getShardIterator(iteratorInput, signal).then(
					() => 'answered',
					(error: unknown) => (error as Error).name,
				),
			),
		);
		expect(outcomes).toContain('ProvisionedThroughputExceededException');
		expect(connection.budget.getSnapshot()).toEqual([expect.objectContaining({operation: 'GetShardIterator'})]);
	});

	it('end with the caller’s signal and with the connection', async () => {
		const {connection} = await setUp();
		const calls = shardCallsOf(connection.kinesis);
		const controller = new AbortController();
		controller.abort();
		await expect(calls.getShardIterator(iteratorInput, controller.signal)).rejects.toMatchObject({name: 'AbortError'});
		const pending = calls.getShardIterator(iteratorInput, new AbortController().signal);
		await connection.close();
		await expect(pending).rejects.toMatchObject({name: 'AbortError'});
		await expect(calls.getShardIterator(iteratorInput, new AbortController().signal)).rejects.toMatchObject({name: 'AbortError'});
	});

	it('carry the user agent the SDK’s own calls carry, so that AWS’s records of the account name the client', async () => {
		const seen: Array<{target: string; agent: string; amzAgent: string}> = [];
		const server = http.createServer((request, response) => {
			request.resume();
			request.on('end', () => {
				const header = (name: string) => String(request.headers[name] ?? '');
				seen.push({target: header('x-amz-target'), agent: header('user-agent'), amzAgent: header('x-amz-user-agent')});
				response.writeHead(200, {'content-type': 'application/x-amz-json-1.1'});
				response.end('{"ShardIterator":"AAAA","Records":[],"NextShardIterator":"BBBB","MillisBehindLatest":0}');
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
		useEnvCredentials();
		const connection = await connect({endpointUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, region: 'us-east-1'});
		cleanups.push(() => connection.close());
		await connection.kinesis.send(new GetShardIteratorCommand(iteratorInput));
		const calls = shardCallsOf(connection.kinesis);
		await calls.getShardIterator(iteratorInput, new AbortController().signal);
		await calls.getRecords({ShardIterator: 'AAAA'}, new AbortController().signal);
		const shardCalls = seen.filter(({target}) => /GetShardIterator|GetRecords/.test(target));
		expect(shardCalls.map(({target}) => target.split('.')[1])).toEqual(['GetShardIterator', 'GetShardIterator', 'GetRecords']);
		const [sdk, ...direct] = shardCalls;
		expect(sdk?.agent).toMatch(/^aws-sdk-js\/\S+ .*api\/kinesis#\S+/);
		// The same but for the SDK's record of features a call used (m/...), which differs from call to call.
		const withoutFeatures = (agent: string | undefined) => agent?.replace(/ m\/\S*/, '');
		for (const call of direct) {
			expect(withoutFeatures(call.agent)).toBe(withoutFeatures(sdk?.agent));
			expect(call.amzAgent).toBe(sdk?.amzAgent);
		}
	});

	it('go to the endpoint the SDK’s own calls go to on AWS: the region’s, FIPS and dual-stack as set', async () => {
		const settings = [
			{},
			{AWS_USE_FIPS_ENDPOINT: 'true'},
			{AWS_USE_DUALSTACK_ENDPOINT: 'true'},
			{AWS_USE_FIPS_ENDPOINT: 'true', AWS_USE_DUALSTACK_ENDPOINT: 'true'},
		];
		const hosts: string[][] = [];
		for (const environment of settings) {
			useEnvCredentials();
			Object.assign(process.env, environment);
			const connection = await connect({region: 'us-west-2'});
			cleanups.push(() => connection.close());
			// No call leaves the machine: the client's HTTP handler, and the direct calls' transport, answer every
			// call themselves, noting where it was sent.
			const seen: string[] = [];
			const answer = {statusCode: 200, headers: {'content-type': 'application/x-amz-json-1.1'}};
			const handler = connection.kinesis.config.requestHandler as {handle: (request: {hostname: string}) => Promise<unknown>};
			handler.handle = (request) => {
				seen.push(request.hostname);
				return Promise.resolve({response: {...answer, body: Readable.from([Buffer.from('{"ShardIterator":"AAAA"}')])}});
			};
			const transport = vi.spyOn(ShardHttp.prototype, 'request').mockImplementation((request) => {
				seen.push(request.hostname);
				return Promise.resolve({...answer, body: Buffer.from('{"ShardIterator":"AAAA"}')});
			});
			cleanups.push(() => transport.mockRestore());
			await connection.kinesis.send(new GetShardIteratorCommand(iteratorInput));
			await shardCallsOf(connection.kinesis).getShardIterator(iteratorInput, new AbortController().signal);
			hosts.push(seen);
			for (const name of Object.keys(environment)) delete process.env[name];
		}
		expect(hosts).toEqual([
			['kinesis.us-west-2.amazonaws.com', 'kinesis.us-west-2.amazonaws.com'],
			['kinesis-fips.us-west-2.amazonaws.com', 'kinesis-fips.us-west-2.amazonaws.com'],
			['kinesis.us-west-2.api.aws', 'kinesis.us-west-2.api.aws'],
			['kinesis-fips.us-west-2.api.aws', 'kinesis-fips.us-west-2.api.aws'],
		]);
	});

	it('go through `send` for a client the connection did not make', async () => {
		const {sdk} = await setUp();
		const seen: string[] = [];
		sdk.middlewareStack.add(
			(next, context) => (args) => {
				seen.push(context.commandName ?? '');
				return next(args);
			},
			{step: 'initialize'},
		);
		const iterator = await shardCallsOf(sdk).getShardIterator(iteratorInput, new AbortController().signal);
		await shardCallsOf(sdk).getRecords({ShardIterator: iterator.ShardIterator}, new AbortController().signal);
		expect(seen).toEqual(['GetShardIteratorCommand', 'GetRecordsCommand']);
	});
});
