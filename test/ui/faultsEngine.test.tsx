import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {stripVTControlCharacters} from 'node:util';
import {CreateStreamCommand, DeleteStreamCommand, KinesisClient, PutRecordsCommand} from '@aws-sdk/client-kinesis';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import {cleanup} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import {connect, type Connection, type ConnectOptions} from '../../source/console/connect.js';
import type {Engine, EngineOptions} from '../../source/engine/index.js';
import type {Route} from '../../source/ui/navigation.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import {consoleServices} from '../../source/ui/run.js';
import {tailStream} from '../../source/console/tail/index.js';
import {isolateAwsEnvironment, useEnvCredentials} from '../console/awsEnv.js';
import {startCredentialGate} from '../helpers/credentialGate.js';
import {startEngine} from '../helpers/engine.js';
import {startFaultProxy} from '../helpers/faultProxy.js';
import {typeInto} from '../helpers/tailSource.js';
import {renderApp, waitForFrame} from '../helpers/ui.js';

/**
 * What the console shows through faults, with its own services (the stores and failure messages the
 * built console uses) over a real engine: the screen says what happened, keeps running, and recovers
 * by itself where it can.
 */

const aws = isolateAwsEnvironment();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	cleanup();
	for (const step of cleanups.splice(0).reverse()) await step();
});

const STREAM = 'orders';
const KEYS = ['customer-1', 'customer-2', 'customer-3', 'customer-4'];

async function engineWithStreams(options: EngineOptions = {}): Promise<{engine: Engine; writer: KinesisClient}> {
	const engine = await startEngine(options);
	cleanups.push(() => engine.close());
	const writer = new KinesisClient({
		endpoint: engine.url,
		region: 'us-east-1',
		credentials: {accessKeyId: 'writer', secretAccessKey: 'writer'},
		requestHandler: new NodeHttpHandler({}),
	});
	cleanups.push(() => writer.destroy());
	await writer.send(new CreateStreamCommand({StreamName: STREAM, ShardCount: 2}));
	await writer.send(new CreateStreamCommand({StreamName: 'payments', ShardCount: 1}));
	return {engine, writer};
}

async function open(options: ConnectOptions): Promise<Connection> {
	const connection = await connect(options);
	cleanups.push(() => connection.close());
	return connection;
}

/** The console on a connection, opened on a route; `frame` waits for a frame that passes a check. */
function consoleOn(connection: Connection, route: Route) {
	const services = consoleServices(connection, {readOnly: false});
	const app = renderApp(services, renderRoute, {initialRoute: route});
	const frame = (check: (text: string) => boolean, timeoutMs = 20_000) => waitForFrame(app.lastFrame, check, timeoutMs);
	/** Whether any frame so far showed the text (a passing state may last less than a poll). */
	const shown = (text: string | RegExp) =>
		app.frames.some((each) =>
			typeof text === 'string' ? stripVTControlCharacters(each).includes(text) : text.test(stripVTControlCharacters(each)),
		);
	return {app, services, frame, shown};
}

/** Waits until some frame has shown the text. */
async function shownWithin(view: ReturnType<typeof consoleOn>, text: string | RegExp, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!view.shown(text)) {
		if (Date.now() > deadline)
			throw new Error(`no frame showed ${String(text)}; the last:\n${stripVTControlCharacters(view.app.lastFrame() ?? '')}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

async function putRound(writer: KinesisClient, round: number): Promise<void> {
	await writer.send(
		new PutRecordsCommand({
			StreamName: STREAM,
			Records: KEYS.map((key) => ({PartitionKey: key, Data: Buffer.from(JSON.stringify({key, n: round}))})),
		}),
	);
}

/** Writes a round (one record per key) every `everyMs`, `rounds` times. */
async function writeRounds(writer: KinesisClient, from: number, to: number, everyMs = 30): Promise<void> {
	for (let round = from; round < to; round++) {
		await putRound(writer, round);
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
}

const count = (value: number) => value.toLocaleString('en-US');

describe('the console through faults', () => {
	it('shows the tail retrying while the connection is down, then reading again, with nothing lost or repeated', async () => {
		useEnvCredentials();
		const {engine, writer} = await engineWithStreams();
		const proxy = await startFaultProxy(engine.port);
		cleanups.push(() => proxy.close());
		const connection = await open({endpointUrl: proxy.url});
		const tail = consoleOn(connection, {kind: 'tail', stream: STREAM});
		await tail.frame((text) => text.includes('all shards (2 reading)'));

		await writeRounds(writer, 0, 20);
		await tail.frame((text) => text.includes('80 buffered of 80'));
		await proxy.cut('reset');
		const writing = writeRounds(writer, 20, 60);
		const down = await tail.frame((text) => text.includes('⟳ retrying'));
		expect(down).toMatch(new RegExp(`Cannot reach the Kinesis endpoint ${proxy.url}: the connection (was refused|was reset)`));
		await tail.frame((text) => text.includes(`Cannot reach the Kinesis endpoint ${proxy.url}`) && text.includes('Retrying in'));
		await proxy.restore();
		await writing;
		const total = 60 * KEYS.length;
		const back = await tail.frame((text) => text.includes(`${count(total)} buffered of ${count(total)}`) && !text.includes('retrying'));
		expect(back).toContain('● following');
		expect(tail.shown(`${STREAM}: reading again.`)).toBe(true);
	}, 60_000);

	it('rides out the engine restarting under the tail view, saying so, and shows every record once', async () => {
		useEnvCredentials();
		const dir = mkdtempSync(join(tmpdir(), 'ui-restart-'));
		cleanups.push(() => rmSync(dir, {recursive: true, force: true}));
		let {engine, writer} = await engineWithStreams({dataDir: dir});
		const {port, url} = engine;
		const connection = await open({endpointUrl: url});
		const tail = consoleOn(connection, {kind: 'tail', stream: STREAM});
		await tail.frame((text) => text.includes('all shards (2 reading)'));
		await writeRounds(writer, 0, 10);
		await tail.frame((text) => text.includes('40 buffered of 40'));

		await engine.close();
		await tail.frame((text) => text.includes('⟳ retrying') && text.includes(`Cannot reach the Kinesis endpoint ${url}`));
		engine = await startEngine({dataDir: dir, port});
		cleanups.push(() => engine.close());
		writer.destroy();
		writer = new KinesisClient({
			endpoint: url,
			region: 'us-east-1',
			credentials: {accessKeyId: 'writer', secretAccessKey: 'writer'},
			requestHandler: new NodeHttpHandler({}),
		});
		cleanups.push(() => writer.destroy());
		await writeRounds(writer, 10, 20);
		const back = await tail.frame((text) => text.includes('80 buffered of 80') && !text.includes('retrying'));
		expect(back).toContain('● following');
		expect(tail.shown(`${STREAM}: reading again.`)).toBe(true);
	}, 60_000);

	it('shows a tail held back by a throttling storm backing off and saying so, and every record arriving in the end', async () => {
		useEnvCredentials();
		const dir = mkdtempSync(join(tmpdir(), 'ui-storm-'));
		cleanups.push(() => rmSync(dir, {recursive: true, force: true}));
		// A backlog of 3 MB (300 records of 10 KB) in one shard, written with the limits off, read back with them on.
		const loading = await engineWithStreams({dataDir: dir});
		const padding = 'x'.repeat(10_000);
		await loading.writer.send(
			new PutRecordsCommand({
				StreamName: 'payments',
				Records: Array.from({length: 300}, (_, n) => ({PartitionKey: `k${n % 7}`, Data: Buffer.from(JSON.stringify({n, padding}))})),
			}),
		);
		await loading.engine.close();
		const engine = await startEngine({dataDir: dir, throughputLimits: true});
		cleanups.push(() => engine.close());
		const connection = await open({endpointUrl: engine.url});
		// Two other readers of the same shard, reading the 3 MB again and again: each read spends more than a
		// second of the shard's 2 MiB/s, so the console's tail is refused for longer than the SDK's retries last.
		// Other applications: a connection of their own, not the console's share of the shard's reads.
		const elsewhere = await open({endpointUrl: engine.url, quotaShare: 1});
		const others = new AbortController();
		const drain = async () => {
			while (!others.signal.aborted) {
				for await (const _event of tailStream(elsewhere.kinesis, {
					stream: 'payments',
					from: {type: 'TRIM_HORIZON'},
					stopAtLatest: true,
					signal: others.signal,
				})) {
					// Reading is the point.
				}
			}
		};
		const draining = [drain(), drain()];
		cleanups.push(async () => {
			others.abort();
			await Promise.all(draining);
		});

		const tail = consoleOn(connection, {kind: 'tail', stream: 'payments'});
		// Even its polls at LATEST are refused while the others spend the shard's budget: it says so, and waits.
		await shownWithin(tail, /⟳ Kinesis is throttling these calls \(shardId-000000000000\), even after the SDK's retries\./, 30_000);
		// The status line shows the wait too, under where the console points when the notice does not fit beside it.
		expect(tail.shown(/even after the SDK's\s+retries\.\s+Retrying in [\d.]+ m?s\./)).toBe(true);
		expect(tail.shown('⟳ retrying (nothing skipped)')).toBe(true);
		tail.app.stdin.write('o');
		await tail.frame((text) => text.includes('Start from'));
		await typeInto(tail.app, 'from: ', 'trim-horizon');
		tail.app.stdin.write('\r');
		// The storm passes (as long as it lasts, the others may take every second of the budget): every record
		// arrives in the end, once.
		others.abort();
		await Promise.all(draining);
		await tail.frame((text) => text.includes('300 buffered of 300'), 30_000);
	}, 60_000);

	it('says the session token expired, keeps the tail waiting, and reads on once the credentials are renewed', async () => {
		// credential_process hands out short-lived session credentials, as an SSO role does; the gate plays STS.
		const issued = join(aws.files.dir, 'issued.json');
		const issue = (token: string) =>
			writeFileSync(
				issued,
				JSON.stringify({
					Version: 1,
					AccessKeyId: 'ASIAUITESTROTATING01',
					SecretAccessKey: 'ui-rotating-secret-Pz5/Qm1+Lx8Ke3Ws',
					SessionToken: token,
					Expiration: new Date(Date.now() + 4 * 60_000).toISOString(),
				}),
			);
		issue('ui-session-token-one');
		aws.files.write({config: `[profile rotating]\nregion = us-east-1\ncredential_process = cat ${issued}\n`});
		const {engine, writer} = await engineWithStreams();
		const gate = await startCredentialGate(engine.url);
		cleanups.push(() => gate.close());
		const connection = await open({profile: 'rotating', endpointUrl: gate.url});
		const tail = consoleOn(connection, {kind: 'tail', stream: STREAM});
		await tail.frame((text) => text.includes('all shards (2 reading)'));
		await writeRounds(writer, 0, 10);
		await tail.frame((text) => text.includes('40 buffered of 40'));

		gate.expire('ui-session-token-one');
		const writing = writeRounds(writer, 10, 30);
		const expired = await tail.frame(
			(text) =>
				text.includes('⟳ retrying (nothing skipped)') &&
				text.includes("⟳ The AWS session token has expired (profile 'rotating'). Get fresh credentials: `aws sso login"),
		);
		expect(expired).toContain("session token has expired (profile 'rotating'). Retrying in");
		issue('ui-session-token-two');
		await writing;
		const back = await tail.frame((text) => text.includes('120 buffered of 120') && !text.includes('retrying'), 30_000);
		expect(back).toContain('● following');
		expect(tail.shown(`${STREAM}: reading again.`)).toBe(true);
	}, 60_000);

	it('says when the stream is deleted while its tail and dashboard are on screen, stops reading it, and keeps running', async () => {
		useEnvCredentials();
		const {engine, writer} = await engineWithStreams();
		const counter = await startCredentialGate(engine.url);
		cleanups.push(() => counter.close());
		const connection = await open({endpointUrl: counter.url});

		const dashboard = consoleOn(connection, {kind: 'dashboard', stream: STREAM});
		// At 80x24, where every line counts.
		Object.defineProperty(dashboard.app.stdout, 'columns', {value: 80, configurable: true});
		Object.defineProperty(dashboard.app.stdout, 'rows', {value: 24, configurable: true});
		dashboard.app.stdout.emit('resize');
		await dashboard.frame((text) => text.includes('shardId-000000000001') && text.includes('live: off'));
		dashboard.app.stdin.write('l');
		await dashboard.frame((text) => text.includes('live: 2 shards at LATEST'));
		const tail = consoleOn(connection, {kind: 'tail', stream: STREAM});
		await tail.frame((text) => text.includes('all shards (2 reading)'));
		for (let round = 0; round < 5; round++) await putRound(writer, round);
		await tail.frame((text) => text.includes('20 buffered of 20'));

		await writer.send(new DeleteStreamCommand({StreamName: STREAM}));
		// The tail stops, says why in its footer and the status line, and keeps the records it read. Until the
		// failure is put in the console's words (which asks Kinesis what streams there are), the footer shows
		// Kinesis's own message, so the frame to wait for is the one with both.
		const why = `The stream '${STREAM}' was not found in us-east-1 at ${counter.url}. Streams there: payments.`;
		const stopped = await tail.frame((text) => text.includes('✖ stopped') && text.includes(why));
		expect(stopped).toContain('20 buffered of 20');
		expect(stopped).not.toContain('Every shard has been read to its end');
		// The dashboard's title says the stream is not found, and why its figures stopped.
		const gone = await dashboard.frame((text) => text.includes('NOT FOUND') && text.includes('live figures unavailable'), 15_000);
		expect(gone).toMatch(new RegExp(`${STREAM} +NOT FOUND`));
		expect(gone).toContain(`Shard refresh failed: The stream '${STREAM}' was not found`);
		expect(gone).toContain(`live figures unavailable: The stream '${STREAM}' was not found`);
		// The failure's line takes the place of a line of the charts: the frame still fits the terminal's 24 rows, every shard listed.
		expect(gone.split('\n').length).toBeLessThanOrEqual(24);
		expect(gone).toMatch(/shardId-000000000000[^]*shardId-000000000001/);
		// No spinning: the tail makes no more calls, the dashboard looks again every 5 s (three calls a look).
		const calls = counter.stats().forwarded;
		await new Promise((resolve) => setTimeout(resolve, 6_000));
		expect(counter.stats().forwarded - calls).toBeLessThanOrEqual(8);
		// Still running: keys still work.
		tail.app.stdin.write('d');
		await tail.frame((text) => text.includes('decode utf8'));
	}, 60_000);
});
