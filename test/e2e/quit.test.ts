import {spawn} from 'node:child_process';
import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {cliEnv} from '../helpers/cli.js';
import {cliPath} from '../helpers/engineProcess.js';
import {startStallingEndpoint, type StallingEndpoint} from '../helpers/stallingEndpoint.js';
import {Terminal, hasTmux} from '../helpers/terminal.js';
import {eventually} from '../helpers/wait.js';

/**
 * `q` and Ctrl-C end the console, and Ctrl-C a command, within a second while calls are pending
 * (issue 22, item 4): calls that hang, calls queued behind them for a socket, and calls waiting out
 * the SDK's backoff between retries. The built binary against an endpoint that keeps them waiting
 * (test/helpers/stallingEndpoint.ts); bench/scale.ts measures the same at the scale of thousands.
 */

const QUIT_MS = 1_000;
/** Hangs on every socket of the client (50), and as many calls again queued behind them. */
const SHARDS = 300;
const tmux = await hasTmux();

const until = (test: () => boolean) => eventually(test, {timeoutMs: 20_000, what: 'the endpoint to see the calls'});

describe('quitting while calls are pending', () => {
	let endpoint: StallingEndpoint | undefined;
	let terminal: Terminal | undefined;

	afterEach(async () => {
		await terminal?.kill();
		terminal = undefined;
		await endpoint?.close();
		endpoint = undefined;
	});

	/** Until the endpoint holds hanging GetShardIterator calls, past a second: as a quit on a big stream finds them. */
	// 40: the tail's readers keep at most 48 calls in flight (tail/pollScheduler.ts); the rest wait their turn in the pool.
	const hangingIterators = async (stalling: StallingEndpoint, calls = 40) => {
		await until(() => stalling.calls('GetShardIterator') >= calls);
		await sleep(1_500);
	};

	it('tail --json ends within a second of Ctrl-C, with hundreds of calls hanging or queued', async () => {
		endpoint = await startStallingEndpoint({throttledStreams: 0, shards: SHARDS});
		const child = spawn(process.execPath, [cliPath, 'tail', endpoint.wide, '--json', '--endpoint-url', endpoint.url], {
			env: cliEnv(),
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
		try {
			await hangingIterators(endpoint);
			expect(child.exitCode).toBeNull();
			const quitAt = performance.now();
			child.kill('SIGINT');
			const code = await Promise.race([exited, sleep(10_000).then(() => 'still running')]);
			const quitMs = performance.now() - quitAt;
			expect(code).toBe(130);
			expect(quitMs).toBeLessThan(QUIT_MS);
		} finally {
			child.kill('SIGKILL');
			await exited;
		}
	});

	it.skipIf(!tmux)('the console ends within a second of q on the streams screen while describes wait out throttling', async () => {
		endpoint = await startStallingEndpoint({throttledStreams: 24, shards: 1, retryAfterSeconds: 10});
		terminal = await Terminal.start(['--endpoint-url', endpoint.url]);
		const stalling = endpoint;
		// The first attempts were refused: each of the store's calls is in the SDK's wait before its retry.
		await until(() => stalling.calls('DescribeStreamSummary') >= 8);
		await sleep(500);
		const quitAt = performance.now();
		await terminal.send('q');
		expect(await terminal.waitForExit(10_000)).toBe(0);
		expect(performance.now() - quitAt).toBeLessThan(QUIT_MS);
	});

	it.skipIf(!tmux).each(['q', 'ctrl-c'])(
		'the console ends within a second of %s on the dashboard of a stream of hundreds of shards whose reads hang',
		async (key) => {
			endpoint = await startStallingEndpoint({throttledStreams: 0, shards: SHARDS});
			terminal = await Terminal.start(['--endpoint-url', endpoint.url]);
			await terminal.waitFor(/wide\s+ACTIVE/);
			await terminal.press('enter');
			await terminal.waitFor((screen) => screen.includes('HASH RANGE') && screen.includes('shardId-000000000000'));
			// The dashboard reads shards only when asked (l), and then the shards in view.
			await terminal.press('l');
			await hangingIterators(endpoint, 10);
			const quitAt = performance.now();
			await terminal.send(key);
			expect(await terminal.waitForExit(10_000)).toBe(0);
			expect(performance.now() - quitAt).toBeLessThan(QUIT_MS);
		},
	);
});
