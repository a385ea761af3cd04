import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	CreateStreamCommand,
	DeleteStreamCommand,
	KinesisClient,
	MergeShardsCommand,
	PutRecordsCommand,
	SplitShardCommand,
} from '@aws-sdk/client-kinesis';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import {afterEach, describe, expect, it} from 'vitest';
import {connect, type Connection} from '../../source/console/connect.js';
import {toFailure} from '../../source/console/failures.js';
import {tailStream, type TailEvent, type TailOptions} from '../../source/console/tail/index.js';
import type {Engine, EngineOptions} from '../../source/engine/index.js';
import {startCredentialGate} from '../helpers/credentialGate.js';
import {startEngine} from '../helpers/engine.js';
import {startFaultProxy} from '../helpers/faultProxy.js';
import {range} from '../helpers/numberedRecords.js';
import {isolateAwsEnvironment, useEnvCredentials} from './awsEnv.js';

/**
 * The tail as the console runs it (the clients `connect` builds, with the SDK's retries and the
 * console's timeouts) against a real engine, through the faults a console meets: the connection
 * dropping (reset, and gone silent), a throttling storm, credentials expiring, the stream deleted.
 * Each time every record of each key is delivered once and in order, or the tail ends saying why.
 * The engine restarting and resharding mid-tail are in tail.test.ts.
 */

const aws = isolateAwsEnvironment();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const KEYS = Array.from({length: 8}, (_, index) => `user-${index}`);
const STREAM = 'faulted';

async function engineWithStream(options: EngineOptions = {}, shards = 2): Promise<{engine: Engine; writer: KinesisClient}> {
	const engine = await startEngine(options);
	cleanups.push(() => engine.close());
	const writer = new KinesisClient({
		endpoint: engine.url,
		region: 'us-east-1',
		credentials: options.auth ?? {accessKeyId: 'writer', secretAccessKey: 'writer'},
		requestHandler: new NodeHttpHandler({}),
	});
	cleanups.push(() => writer.destroy());
	await writer.send(new CreateStreamCommand({StreamName: STREAM, ShardCount: shards}));
	return {engine, writer};
}

async function open(options: Parameters<typeof connect>[0]): Promise<Connection> {
	const connection = await connect(options);
	cleanups.push(() => connection.close());
	return connection;
}

/** `key:n` for each key (and padding, when given), n from `from` to `to` exclusive, in one PutRecords. */
async function putRound(writer: KinesisClient, from: number, to = from + 1, padding = ''): Promise<void> {
	const records = [];
	for (let n = from; n < to; n++) for (const key of KEYS) records.push({PartitionKey: key, Data: Buffer.from(`${key}:${n}:${padding}`)});
	const result = await writer.send(new PutRecordsCommand({StreamName: STREAM, Records: records}));
	expect(result.FailedRecordCount).toBe(0);
}

/** Writes one record per key every `everyMs` until `rounds` rounds are written; resolves when done. */
function writeSteadily(writer: KinesisClient, rounds: number, everyMs: number): Promise<void> {
	return (async () => {
		for (let round = 0; round < rounds; round++) {
			await putRound(writer, round);
			await new Promise((resolve) => setTimeout(resolve, everyMs));
		}
	})();
}

interface Tailed {
	readonly seen: Map<string, number[]>;
	readonly events: TailEvent[];
}

/** Runs a tail until every key has `perKey` records (or it ends), calling `onRecords` after each batch. */
async function tailUntil(
	kinesis: KinesisClient,
	options: Omit<TailOptions, 'stream'>,
	perKey: number,
	onRecords: (seen: Map<string, number[]>) => Promise<void> | void = () => undefined,
	deadlineMs = 60_000,
): Promise<Tailed> {
	const seen = new Map<string, number[]>();
	const events: TailEvent[] = [];
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), deadlineMs);
	try {
		for await (const event of tailStream(kinesis, {stream: STREAM, from: {type: 'TRIM_HORIZON'}, ...options, signal: controller.signal})) {
			events.push(event);
			if (event.type !== 'records') continue;
			for (const record of event.records) {
				const [key = '', n = ''] = Buffer.from(record.data).toString().split(':');
				seen.set(key, [...(seen.get(key) ?? []), Number(n)]);
			}
			await onRecords(seen);
			if (KEYS.every((key) => (seen.get(key)?.length ?? 0) >= perKey)) break;
		}
	} finally {
		clearTimeout(timer);
	}
	return {seen, events};
}

const retries = (events: readonly TailEvent[]) =>
	events.filter((event): event is Extract<TailEvent, {type: 'retrying'}> => event.type === 'retrying');
const least = (seen: Map<string, number[]>) => Math.min(...KEYS.map((key) => seen.get(key)?.length ?? 0));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the tail through faults', () => {
	it('keeps reading through a dropped connection, reset and then gone silent, and resumes after the last record delivered', async () => {
		useEnvCredentials();
		const {engine, writer} = await engineWithStream();
		const proxy = await startFaultProxy(engine.port);
		cleanups.push(() => proxy.close());
		// A silent link is given up on after 1.5 s here (30 s in the console), then retried.
		const connection = await open({endpointUrl: proxy.url, socketTimeoutMs: 1_500});

		const rounds = 120;
		const writing = writeSteadily(writer, rounds, 40);
		const faults: string[] = [];
		const {seen, events} = await tailUntil(connection.kinesis, {}, rounds, async (seen) => {
			if (faults.length === 0 && least(seen) >= 10) {
				faults.push('reset');
				await proxy.cut('reset');
				await pause(1_500);
				await proxy.restore();
			} else if (faults.length === 1 && least(seen) >= 40) {
				faults.push('blackhole');
				await proxy.cut('blackhole');
				// Restored while the silent calls still wait: they must time out and be made again.
				setTimeout(() => void proxy.restore(), 2_000);
			}
		});
		await writing;

		expect(faults).toEqual(['reset', 'blackhole']);
		for (const key of KEYS) expect(seen.get(key), key).toEqual(range(rounds));
		const reasons = retries(events)
			.map((event) => event.reason)
			.join('\n');
		expect(reasons).toMatch(/ECONNREFUSED|ECONNRESET|socket hang up/);
		// The silent calls time out (after socketTimeoutMs) and are made again, by the SDK's own retries or the tail's:
		// without the timeout the tail would wait on them for ever.
		// Every shard that retried said so when it read again.
		const retried = new Set(retries(events).map((event) => event.shardId));
		const recovered = new Set(events.filter((event) => event.type === 'recovered').map((event) => (event as {shardId: string}).shardId));
		for (const shardId of retried) expect(recovered.has(shardId), shardId).toBe(true);
		// Described as the console shows it: the endpoint cannot be reached (exit code 10 in a script).
		const failure = await toFailure(retries(events)[0]?.error, {target: connection.target});
		expect(failure).toMatchObject({kind: 'unreachable', exitCode: 10});
		expect(failure.message).toContain(`Cannot reach the Kinesis endpoint ${proxy.url}`);
		expect(proxy.stats().broken).toBeGreaterThan(0);
	}, 90_000);

	it('backs off under a throttling storm of readers and bytes, says it is throttled, and loses nothing', async () => {
		useEnvCredentials();
		const dir = mkdtempSync(join(tmpdir(), 'tail-storm-'));
		cleanups.push(() => rmSync(dir, {recursive: true, force: true}));
		// A backlog of about 3 MiB in one shard, written with the limits off...
		const loading = await engineWithStream({dataDir: dir}, 1);
		const padding = 'x'.repeat(1_000);
		const rounds = 400;
		for (let round = 0; round < rounds; round += 50) await putRound(loading.writer, round, round + 50, padding);
		await loading.engine.close();
		// ...then read back with AWS's limits on: 5 GetRecords calls/s and 2 MiB/s for the shard, shared by 3 readers.
		const engine = await startEngine({dataDir: dir, throughputLimits: true});
		cleanups.push(() => engine.close());
		const connection = await open({endpointUrl: engine.url});

		const started = Date.now();
		const readers = await Promise.all([0, 1, 2].map(() => tailUntil(connection.kinesis, {callsPerSecond: 5, limit: 10_000}, rounds)));
		const elapsedMs = Date.now() - started;

		for (const {seen} of readers) for (const key of KEYS) expect(seen.get(key), key).toEqual(range(rounds));
		const throttled = readers.flatMap(({events}) => retries(events)).filter((event) => /ProvisionedThroughputExceeded/.test(event.reason));
		expect(throttled.length).toBeGreaterThan(0);
		const failure = await toFailure(throttled[0]?.error, {target: connection.target});
		expect(failure).toMatchObject({kind: 'throttled', exitCode: 11});
		expect(failure.message).toContain('Kinesis is throttling these calls (shardId-000000000000)');
		// Backing off, not hammering: 3 × 3.3 MB at 2 MiB/s takes about 5 s, and nothing else failed.
		expect(elapsedMs).toBeGreaterThan(3_000);
		expect(readers.flatMap(({events}) => events).filter((event) => event.type === 'failed')).toEqual([]);
	}, 90_000);

	// The engine's --auth knows long-term keys only (it refuses any session token), so here the engine checks no
	// credentials and the gate in front of it plays STS: it refuses a session token once the test expires it.
	describe('credentials expiring', () => {
		const credentials = {accessKeyId: 'ASIAROTATINGTEST0001', secretAccessKey: 'rotating-secret-Kq2/Wv8+Hc4Zt7Rm'};
		const expiry = () => new Date(Date.now() + 4 * 60_000).toISOString();

		/** A profile whose credential_process hands out what the test writes to a file: short-lived session credentials, as SSO roles have. */
		function rotatingProfile(): {issue: (token: string) => void} {
			const file = join(aws.files.dir, 'issued.json');
			const issue = (token: string) =>
				writeFileSync(
					file,
					JSON.stringify({
						Version: 1,
						AccessKeyId: credentials.accessKeyId,
						SecretAccessKey: credentials.secretAccessKey,
						SessionToken: token,
						Expiration: expiry(),
					}),
				);
			aws.files.write({config: `[profile rotating]\nregion = us-east-1\ncredential_process = cat ${file}\n`});
			return {issue};
		}

		it('waits out an expired session token, says so, and resumes where it was once the provider hands out a fresh one', async () => {
			// Before any client reads the shared files: the SDK caches them by path.
			const profile = rotatingProfile();
			profile.issue('session-token-one');
			const {engine, writer} = await engineWithStream();
			const gate = await startCredentialGate(engine.url);
			cleanups.push(() => gate.close());
			const connection = await open({profile: 'rotating', endpointUrl: gate.url});

			const rounds = 60;
			const writing = writeSteadily(writer, rounds, 40);
			let expired = false;
			const {seen, events} = await tailUntil(
				connection.kinesis,
				{waitForCredentials: true},
				rounds,
				async (seen) => {
					if (expired || least(seen) < 10) return;
					expired = true;
					gate.expire('session-token-one');
					// The user renews the session (aws sso login) a few seconds later.
					setTimeout(() => profile.issue('session-token-two'), 3_000);
				},
				20_000,
			);
			await writing;

			for (const key of KEYS) expect(seen.get(key), key).toEqual(range(rounds));
			const waited = retries(events).filter((event) => /ExpiredToken/.test(event.reason));
			expect(waited.length).toBeGreaterThan(0);
			const failure = await toFailure(waited[0]?.error, {target: connection.target});
			expect(failure).toMatchObject({
				kind: 'expired-token',
				exitCode: 6,
				message: "The AWS session token has expired (profile 'rotating').",
			});
			expect(events.some((event) => event.type === 'recovered')).toBe(true);
			expect(gate.stats().refused).toBeGreaterThan(0);
		}, 60_000);

		it('without waiting (as a script runs it), stops and says the token expired', async () => {
			rotatingProfile().issue('session-token-one');
			const {engine, writer} = await engineWithStream();
			const gate = await startCredentialGate(engine.url);
			cleanups.push(() => gate.close());
			const connection = await open({profile: 'rotating', endpointUrl: gate.url});
			await putRound(writer, 0, 5);
			gate.expire('session-token-one');

			const {events} = await tailUntil(connection.kinesis, {}, 5, undefined, 20_000);
			const failed = events.filter((event) => event.type === 'failed');
			expect(failed.length).toBeGreaterThan(0);
			expect(await toFailure(failed[0]?.error, {target: connection.target})).toMatchObject({kind: 'expired-token', exitCode: 6});
		}, 30_000);
	});

	it('follows a split and then a merge made while it reads, delivering every record of each key once and in order', async () => {
		useEnvCredentials();
		const {engine, writer} = await engineWithStream();
		const connection = await open({endpointUrl: engine.url});
		const rounds = 150;
		const writing = (async () => {
			for (let round = 0; round < rounds; round++) {
				await putRound(writer, round);
				if (round === 40)
					await writer.send(
						new SplitShardCommand({StreamName: STREAM, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 126n).toString()}),
					);
				// The split's children (2 and 3) merged back while records still arrive.
				if (round === 90)
					await writer.send(
						new MergeShardsCommand({
							StreamName: STREAM,
							ShardToMerge: 'shardId-000000000002',
							AdjacentShardToMerge: 'shardId-000000000003',
						}),
					);
				await pause(15);
			}
		})();
		// As the console's tail view runs it (its default listing interval: children are found at their parents' end),
		// from the start of the stream: it catches up at once and then reads as the records come, through both changes.
		const {seen, events} = await tailUntil(connection.kinesis, {waitForCredentials: true, limit: 2_000}, rounds, undefined, 60_000);
		await writing;
		for (const key of KEYS) expect(seen.get(key), key).toEqual(range(rounds));
		const ended = events.filter((event) => event.type === 'shard-ended').map((event) => (event as {shardId: string}).shardId);
		expect(ended).toEqual(expect.arrayContaining(['shardId-000000000000', 'shardId-000000000002', 'shardId-000000000003']));
		const started = events.filter((event) => event.type === 'shard-started').map((event) => (event as {shardId: string}).shardId);
		expect(started).toEqual(expect.arrayContaining(['shardId-000000000002', 'shardId-000000000003', 'shardId-000000000004']));
	}, 90_000);

	it('ends by itself when the stream is deleted while it reads, each shard saying the stream is gone, and makes no more calls', async () => {
		useEnvCredentials();
		const {engine, writer} = await engineWithStream();
		// The gate here only counts the calls the tail makes.
		const counter = await startCredentialGate(engine.url);
		cleanups.push(() => counter.close());
		const connection = await open({endpointUrl: counter.url});
		await putRound(writer, 0, 10);

		let deleted = false;
		const started = Date.now();
		const {seen, events} = await tailUntil(
			connection.kinesis,
			{waitForCredentials: true},
			Number.POSITIVE_INFINITY,
			async (seen) => {
				if (deleted || least(seen) < 10) return;
				deleted = true;
				await writer.send(new DeleteStreamCommand({StreamName: STREAM}));
			},
			30_000,
		);
		// It ended on its own, well before the deadline.
		expect(Date.now() - started).toBeLessThan(15_000);
		for (const key of KEYS) expect(seen.get(key), key).toEqual(range(10));
		// Each shard's reader stopped, and the listing too when it looked for new shards.
		const failed = events.filter((event): event is Extract<TailEvent, {type: 'failed'}> => event.type === 'failed');
		expect(new Set(failed.map((event) => event.shardId).filter(Boolean))).toEqual(
			new Set(['shardId-000000000000', 'shardId-000000000001']),
		);
		for (const event of failed) {
			const failure = await toFailure(event.error, {target: connection.target, streamName: STREAM});
			expect(failure).toMatchObject({kind: 'not-found', exitCode: 9});
			expect(failure.message).toContain(`The stream '${STREAM}' was not found`);
		}
		const calls = counter.stats().forwarded;
		await pause(2_000);
		expect(counter.stats().forwarded).toBe(calls);
	}, 40_000);
});
