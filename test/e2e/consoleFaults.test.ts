import {spawn} from 'node:child_process';
import {CreateStreamCommand, DeleteStreamCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterEach, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {cliEnv} from '../helpers/cli.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {cliPath} from '../helpers/engineProcess.js';
import {startFaultProxy, type FaultProxy} from '../helpers/faultProxy.js';
import {Terminal, hasTmux} from '../helpers/terminal.js';
import {eventually} from '../helpers/wait.js';

/**
 * The built binary through faults: `tail` in a script through a dropped connection (every record once,
 * in order per key, the trouble said on stderr), and the console in tmux, whose screen says the
 * connection dropped and then that it reads again, and that a stream deleted under its dashboard is gone.
 */

const tmux = await hasTmux();
const KEYS = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const step of cleanups.splice(0).reverse()) await step();
});

async function setUp(stream: string): Promise<{engine: Engine; writer: KinesisClient; proxy: FaultProxy}> {
	const engine = await startEngine();
	cleanups.push(() => engine.close());
	const writer = kinesisClient(engine.url, 'http1');
	cleanups.push(() => writer.destroy());
	await writer.send(new CreateStreamCommand({StreamName: stream, ShardCount: 2}));
	const proxy = await startFaultProxy(engine.port);
	cleanups.push(() => proxy.close());
	return {engine, writer, proxy};
}

async function writeRounds(writer: KinesisClient, stream: string, from: number, to: number, everyMs = 25): Promise<void> {
	for (let round = from; round < to; round++) {
		await writer.send(
			new PutRecordsCommand({StreamName: stream, Records: KEYS.map((key) => ({PartitionKey: key, Data: Buffer.from(`${key}:${round}`)}))}),
		);
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
}

const until = (check: () => boolean, timeoutMs: number, what: string) => eventually(check, {timeoutMs, what, everyMs: 50});

describe('the built console through faults', () => {
	it('tail --json keeps going through a dropped connection, says so on stderr, and prints every record once, in order', async () => {
		const stream = 'faults-tail';
		const {writer, proxy} = await setUp(stream);
		const child = spawn(process.execPath, [cliPath, 'tail', stream, '--from', 'trim-horizon', '--json', '--endpoint-url', proxy.url], {
			env: cliEnv(),
		});
		const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
		cleanups.push(async () => {
			child.kill('SIGKILL');
			await exited;
		});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		const lines = () => stdout.split('\n').filter(Boolean).length;

		await writeRounds(writer, stream, 0, 20);
		await until(() => lines() >= 20 * KEYS.length, 20_000, 'the first records');
		await proxy.cut('reset');
		const writing = writeRounds(writer, stream, 20, 60);
		await until(() => /ECONNREFUSED|ECONNRESET|socket hang up/.test(stderr), 20_000, 'a retry on stderr');
		await new Promise((resolve) => setTimeout(resolve, 1_000));
		await proxy.restore();
		await writing;
		await until(() => lines() >= 60 * KEYS.length, 30_000, 'every record');
		child.kill('SIGINT');
		expect(await exited).toBe(130);

		const seen = new Map<string, number[]>();
		for (const line of stdout.split('\n').filter(Boolean)) {
			const {data} = JSON.parse(line) as {data: string};
			const [key = '', n = ''] = String(data).split(':');
			seen.set(key, [...(seen.get(key) ?? []), Number(n)]);
		}
		for (const key of KEYS) expect(seen.get(key), key).toEqual(Array.from({length: 60}, (_, n) => n));
		expect(stderr).toMatch(/shardId-00000000000[01]: .*retrying in \d+ ms/);
		// Each shard said to retry says it reads again, after its last retry.
		for (const shard of new Set([...stderr.matchAll(/(shardId-\d+): .*retrying in/g)].map((match) => match[1] ?? ''))) {
			expect(stderr.lastIndexOf(`${shard}: reading again`), shard).toBeGreaterThan(
				Math.max(...[...stderr.matchAll(new RegExp(`${shard}: .*retrying in`, 'g'))].map((match) => match.index)),
			);
		}
	}, 90_000);

	describe.skipIf(!tmux)('in a terminal', () => {
		let term: Terminal | undefined;
		afterEach(async () => {
			await term?.kill();
			term = undefined;
		});

		it('shows the tail retrying while the connection is down, then reading again with every record', async () => {
			const stream = 'faults-screen';
			const {writer, proxy} = await setUp(stream);
			term = await Terminal.start(['--endpoint-url', proxy.url], {columns: 140, rows: 40});
			await term.waitFor(stream);
			await term.press('enter');
			await term.waitFor('HASH RANGE');
			await term.press('t');
			await term.waitFor('all shards (2 reading)');
			await writeRounds(writer, stream, 0, 10);
			await term.waitFor('60 buffered of 60');

			await proxy.cut('reset');
			const writing = writeRounds(writer, stream, 10, 30);
			const down = await term.waitFor(
				(screen) => screen.includes('⟳ retrying') && screen.includes(`Cannot reach the Kinesis endpoint ${proxy.url}`),
				20_000,
			);
			expect(down).toMatch(/the connection (was refused|was reset)/);
			await proxy.restore();
			await writing;
			const back = await term.waitFor((screen) => screen.includes('180 buffered of 180') && !screen.includes('⟳'), 30_000);
			expect(back).toContain('● following');
			await term.press('q');
			expect(await term.waitForExit()).toBe(0);
		}, 90_000);

		it('says a stream deleted under its dashboard and tail is gone, and keeps running', async () => {
			const stream = 'faults-deleted';
			const {engine, writer} = await setUp(stream);
			await writer.send(new CreateStreamCommand({StreamName: 'faults-kept', ShardCount: 1}));
			term = await Terminal.start(['--endpoint-url', engine.url], {columns: 140, rows: 40});
			await term.waitFor(stream);
			await term.press('/');
			await term.type(stream);
			await term.press('enter', 'enter');
			await term.waitFor('HASH RANGE');
			await term.press('t');
			await term.waitFor('all shards (2 reading)');
			await writeRounds(writer, stream, 0, 3);
			await term.waitFor('18 buffered of 18');

			await writer.send(new DeleteStreamCommand({StreamName: stream}));
			// Kinesis's own message shows until the console has put it in its words (asking what streams there are).
			const why = `The stream '${stream}' was not found in us-east-1 at ${engine.url}. Streams there: faults-kept.`;
			const stopped = await term.waitFor((screen) => screen.includes('✖ stopped') && screen.includes(why), 20_000);
			expect(stopped).toContain('18 buffered of 18');
			await term.press('escape');
			const dashboard = await term.waitFor('NOT FOUND', 20_000);
			expect(dashboard).toContain(`Shard refresh failed: The stream '${stream}' was not found`);
			// Back to the list, refreshed: the stream is no longer there, the other one is.
			await term.press('escape', 'escape');
			await term.press('r');
			const row = new RegExp(`^[ ›]+${stream} `, 'm');
			const list = await term.waitFor((screen) => screen.includes('faults-kept  ACTIVE') && !row.test(screen), 15_000);
			expect(list).not.toMatch(row);
			await term.press('q');
			expect(await term.waitForExit()).toBe(0);
		}, 90_000);
	});
});
