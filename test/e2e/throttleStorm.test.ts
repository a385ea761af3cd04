import {CreateStreamCommand} from '@aws-sdk/client-kinesis';
import {setTimeout as sleep} from 'node:timers/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {Terminal, hasTmux} from '../helpers/terminal.js';
import {startThrottlingProxy} from '../helpers/throttlingProxy.js';

/**
 * A storm of LimitExceededException (the account's quota spent by production) is absorbed: the built
 * console in tmux at 80x24 shows no failure while it lasts, its status line says AWS is throttling, and
 * what was asked for comes once it passes (issue 18, item 1).
 */

const tmux = await hasTmux();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const step of cleanups.splice(0).reverse()) await step();
});

/** The screens seen every 250 ms for `ms`. */
async function watch(terminal: Terminal, ms: number): Promise<string[]> {
	const screens: string[] = [];
	for (const end = Date.now() + ms; Date.now() < end; await sleep(250)) screens.push(await terminal.screen());
	return screens;
}

const FAILURE = /fail|could not|cannot|error|unavailable/i;

describe.skipIf(!tmux)('the console under a storm of LimitExceededException', () => {
	it('shows no failure while the streams list and a dashboard are throttled, says AWS is throttling, and loads both once it passes', async () => {
		const engine = await startEngine();
		cleanups.push(() => engine.close());
		const writer = kinesisClient(engine.url, 'http1');
		cleanups.push(() => writer.destroy());
		for (const name of ['storm-a', 'storm-b']) await writer.send(new CreateStreamCommand({StreamName: name, ShardCount: 2}));
		const proxy = await startThrottlingProxy(engine.port);
		cleanups.push(() => proxy.close());

		proxy.storm(['ListStreams', 'DescribeStreamSummary', 'ListShards']);
		const terminal = await Terminal.start(['--endpoint-url', proxy.url], {columns: 80, rows: 24});
		cleanups.push(() => terminal.kill());
		const listing = await watch(terminal, 8_000);
		expect(proxy.refused('ListStreams')).toBeGreaterThan(1);
		for (const screen of listing) expect(screen).not.toMatch(FAILURE);
		expect(listing.some((screen) => /AWS is throttling/.test(screen))).toBe(true);
		proxy.calm();
		await terminal.waitFor(/›\s+storm-a\s/, 20_000);
		await terminal.waitFor('storm-b', 20_000);

		// The dashboard opened while its stream's description and shards are refused.
		proxy.storm(['DescribeStreamSummary', 'ListShards']);
		await terminal.press('enter');
		const opening = await watch(terminal, 8_000);
		expect(proxy.refused('ListShards')).toBeGreaterThan(0);
		for (const screen of opening) expect(screen).not.toMatch(FAILURE);
		proxy.calm();
		await terminal.waitFor('shardId-000000000001', 20_000);
		await terminal.press('q');
		await terminal.press('q');
		expect(await terminal.waitForExit()).toBe(0);
	}, 90_000);
});
