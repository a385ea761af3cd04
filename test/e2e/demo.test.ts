import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {runCli} from '../helpers/cli.js';
import {Terminal, hasTmux} from '../helpers/terminal.js';

/**
 * `kinesis-console --local --demo`, the README's first command, in a real terminal: the built-in
 * engine with the demo streams and their traffic, every view alive, and a clean quit.
 */

const tmux = await hasTmux();

describe.skipIf(!tmux)('--local --demo in a terminal', () => {
	let term: Terminal;

	beforeAll(async () => {
		term = await Terminal.start(['--local', '--demo']);
	});

	afterAll(async () => {
		await term?.kill();
	});

	it('creates the demo streams and says how much traffic it writes', async () => {
		const screen = await term.waitFor(
			(text) => /clickstream\s+ACTIVE\s+provisioned\s+4 open/.test(text) && /app-logs\s+ACTIVE\s+provisioned\s+2 open/.test(text),
		);
		expect(screen.split('\n')[0]).toContain('local engine');
		await term.waitFor((text) => /demo traffic: [1-9][\d,]* records\/s/.test(text.split('\n')[0] ?? ''));
	});

	it('opens clickstream: four shards; read live with l, one of them hot, with its top partition keys', async () => {
		await term.press('/');
		await term.type('clickstream');
		await term.press('enter', 'enter');
		await term.waitFor((text) => text.includes('shardId-000000000003') && text.includes('live: off'));
		// The dashboard reads shards only when asked.
		await term.press('l');
		// The heaviest users hash into the second shard: over the ten-second rate window it is the hottest.
		const screen = await term.waitFor(
			(text) => text.includes('shardId-000000000003') && /shardId-000000000001.*hot/.test(text) && /user-\d+/.test(text),
			30_000,
		);
		expect(screen).toMatch(/shardId-000000000001.*hot/);
	});

	it('tails clickstream: JSON click events keyed by user', async () => {
		await term.press('t');
		const screen = await term.waitFor((text) => /user-\d+\s+\{"eventType":"(page_view|click|search|add_to_cart|purchase)"/.test(text));
		expect(screen).toContain('"eventId"');
	});

	it('tails app-logs: the gzip’d CloudWatch Logs batches, decoded', async () => {
		await term.press('escape');
		await term.waitFor('HASH RANGE');
		// Back in the list, Esc clears its filter.
		await term.press('escape');
		await term.waitFor((text) => text.includes('STREAM') && text.includes('filter: clickstream'));
		await term.press('escape');
		await term.waitFor((text) => text.includes('STREAM') && text.includes('app-logs'));
		await term.press('/');
		await term.type('app-logs');
		await term.press('enter', 'enter');
		await term.waitFor('HASH RANGE');
		await term.press('t');
		await term.press('o');
		await term.type('trim-horizon');
		await term.press('enter');
		await term.waitFor((text) => text.includes('"messageType":"DATA_MESSAGE"'));
		// Enter opens the selected record in full: the whole payload, with its log events.
		await term.press('enter');
		const screen = await term.waitFor(/"logGroup":\s*"\/(aws\/lambda|ecs)\//);
		expect(screen).toMatch(/"logEvents"/);
		await term.press('escape');
	});

	it('quits with q: the demo stops, the engine closes, exit code 0', async () => {
		await term.press('q');
		expect(await term.waitForExit()).toBe(0);
		expect((await term.terminalState()).cursorVisible).toBe(true);
	});

	it('refuses --demo against AWS', async () => {
		const result = await runCli(['--demo']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--local or --endpoint-url');
	});
});

describe.skipIf(!tmux)('--local --demo: the consumers of clickstream', () => {
	let term: Terminal;

	beforeAll(async () => {
		// Wide enough for the consumers screen's rows: the Lambda mapping's lag comes last.
		term = await Terminal.start(['--local', '--demo'], {columns: 170});
	});

	afterAll(async () => {
		await term?.kill();
	});

	it('shows every kind of consumer of clickstream, and the Lambda-style mapping behind on the hot shard', async () => {
		await term.waitFor(/clickstream\s+ACTIVE/);
		await term.press('/');
		await term.type('clickstream');
		await term.press('enter', 'enter');
		await term.waitFor('HASH RANGE');
		await term.press('c');
		// The screen is who is behind: status, kind, name, lag, expiry, then each kind's own detail.
		const kinds = [
			/KCL\s+clickstream-analytics\s.*4 leases · 2 workers/,
			/KCL\s+clickstream-enrichment\s.*3\.x · 4 leases · 2 workers .*leader clickstream-enrichment-worker-1/,
			/fan-out\s+clickstream-live\s.*ACTIVE/,
			/firehose\s+clickstream-archive\s.*ACTIVE · engine: delivers nothing/,
			/lambda\s+clickst\S*-to-warehouse\s.*Enabled .* lag (\d+(\.\d+)?s|\d+m)/,
		];
		// Behind: the stand-in poller takes 2.5 s a batch of the hot shard, so its lag grows by the second.
		const lagOf = (text: string) => /(WARNING|STALLED)\s+lambda\s+clickst\S*-to-warehouse.* lag (\d+(?:\.\d+)?)(s|m)/.exec(text);
		const behind = (text: string) => {
			const lag = lagOf(text);
			return lag !== null && (lag[3] === 'm' || Number(lag[2]) >= 5);
		};
		const everyKind = (text: string) => kinds.every((kind) => kind.test(text)) && behind(text);
		// The screen reads the consumers when opened and on r: ask again until every worker holds its leases and the lag has grown.
		let screen = '';
		// WARNING needs a few readings of a growing lag (the screen judges over a window): up to two minutes.
		for (let attempt = 0; attempt < 24 && !everyKind(screen); attempt++) {
			screen = await term.waitFor(everyKind, 5_000).catch(() => term.screen());
			if (!everyKind(screen)) await term.press('r');
		}
		for (const kind of kinds) expect(screen).toMatch(kind);
		expect(behind(screen)).toBe(true);
	}, 150_000);

	it('quits with q, every consumer stopped: exit code 0', async () => {
		await term.press('q');
		expect(await term.waitForExit()).toBe(0);
	});
});
