import {CreateStreamCommand, PutRecordCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {allBindings, type Scope} from '../../source/ui/keymap.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {Terminal, colourEscapes, hasTmux} from '../helpers/terminal.js';

/**
 * The built console in a real terminal (tmux), against an engine this test starts: the streams list,
 * a stream's dashboard, a tail of records the test wrote, filtering, decoding, read-only, NO_COLOR,
 * and a clean quit. Keys are the keymap's (source/ui/keymap.ts).
 */

const ORDERS = 'e2e-orders';
const PAYMENTS = 'e2e-payments';
const ORDER_RECORDS = [
	{key: 'customer-1', order: 'ord-1001', status: 'paid'},
	{key: 'customer-2', order: 'ord-1002', status: 'refunded'},
	{key: 'customer-3', order: 'ord-1003', status: 'paid'},
	{key: 'customer-1', order: 'ord-1004', status: 'refunded'},
	{key: 'customer-2', order: 'ord-1005', status: 'paid'},
];

const tmux = await hasTmux();

describe.skipIf(!tmux)('the console in a terminal', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let terminal: Terminal | undefined;

	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url);
		await kinesis.send(new CreateStreamCommand({StreamName: ORDERS, ShardCount: 2}));
		await kinesis.send(new CreateStreamCommand({StreamName: PAYMENTS, ShardCount: 1}));
		await kinesis.send(
			new PutRecordsCommand({
				StreamName: ORDERS,
				Records: ORDER_RECORDS.map(({key, order, status}) => ({
					PartitionKey: key,
					Data: Buffer.from(JSON.stringify({orderId: order, status, amount: 42.5})),
				})),
			}),
		);
	});

	afterEach(async () => {
		await terminal?.kill();
		terminal = undefined;
	});

	afterAll(async () => {
		kinesis?.destroy();
		await engine?.close();
	});

	const start = async (args: string[] = [], env: Record<string, string> = {}) => {
		terminal = await Terminal.start(['--endpoint-url', engine.url, ...args], {env});
		return terminal;
	};

	/** From the streams list: narrow it to one stream with `/`, open it with Enter, wait for its dashboard. */
	const openDashboard = async (term: Terminal, stream: string) => {
		await term.waitFor(stream);
		await term.press('/');
		await term.type(stream);
		await term.press('enter', 'enter');
		return term.waitFor((screen) => screen.includes('HASH RANGE') && screen.includes('shardId-000000000000'));
	};

	/** One session through the views, step by step: each step starts where the one before left off. */
	describe('a session: streams, dashboard, tail, filter, decoding, quit', () => {
		let term: Terminal;

		beforeAll(async () => {
			term = await Terminal.start(['--endpoint-url', engine.url]);
		});

		afterAll(async () => {
			await term?.kill();
		});

		it('lists the streams with their shards and status', async () => {
			const orders = new RegExp(`${ORDERS}\\s+ACTIVE\\s+provisioned\\s+2 open`);
			const payments = new RegExp(`${PAYMENTS}\\s+ACTIVE\\s+provisioned\\s+1 open`);
			// The rows come with the listing; their shards once described.
			const screen = await term.waitFor((text) => orders.test(text) && payments.test(text));
			expect(screen).toMatch(/STREAM\s+STATUS\s+MODE\s+SHARDS/);
			// The status line names the endpoint.
			expect(screen.split('\n')[0]).toContain(engine.url.replace(/^https?:\/\//, ''));
		});

		it('opens a stream with Enter: its dashboard shows the shards, their hash ranges and the charts', async () => {
			const screen = await openDashboard(term, ORDERS);
			expect(screen).toContain('shardId-000000000001');
			expect(screen).not.toContain('shardId-000000000002');
			expect(screen).toMatch(/█+/);
			// The charts' axes; drawn in colour.
			await term.waitFor((text) => text.includes('┼') && /records\/s/.test(text));
			expect(colourEscapes(await term.screen({colors: true})).length).toBeGreaterThan(0);
		});

		it('tails the stream with t: a record written now appears', async () => {
			await term.press('t');
			await term.waitFor(/from LATEST/i);
			const marker = `live-${Date.now()}`;
			// Written again and again until it shows: the tail may start reading just after a write.
			const writer = setInterval(
				() =>
					void kinesis
						.send(
							new PutRecordCommand({StreamName: ORDERS, PartitionKey: 'customer-9', Data: Buffer.from(JSON.stringify({orderId: marker}))}),
						)
						.catch(() => undefined),
				500,
			);
			try {
				const screen = await term.waitFor(marker);
				expect(screen).toContain('customer-9');
			} finally {
				clearInterval(writer);
			}
		});

		it('starts from TRIM_HORIZON with o: the records written before the console started appear', async () => {
			await term.press('o');
			await term.type('trim-horizon');
			await term.press('enter');
			const screen = await term.waitFor((text) => ORDER_RECORDS.every(({order}) => text.includes(order)));
			expect(screen).toMatch(/from TRIM_HORIZON/i);
			for (const {key} of ORDER_RECORDS) expect(screen).toContain(key);
		});

		it('filters the tail with /, and Esc clears the filter', async () => {
			await term.press('/');
			await term.type('json:status=refunded');
			await term.press('enter');
			const screen = await term.waitFor((text) => text.includes('2 match'));
			expect(screen).toContain('ord-1002');
			expect(screen).toContain('ord-1004');
			for (const order of ['ord-1001', 'ord-1003', 'ord-1005']) expect(screen).not.toContain(order);
			await term.press('escape');
			await term.waitFor((text) => ORDER_RECORDS.every(({order}) => text.includes(order)));
		});

		it('changes the decoding with d', async () => {
			const base64 = Buffer.from(JSON.stringify({orderId: 'ord-1001', status: 'paid', amount: 42.5})).toString('base64');
			for (let presses = 0; presses < 6 && !(await term.screen()).includes('decode base64'); presses++) await term.press('d');
			const screen = await term.waitFor('decode base64');
			expect(screen).toContain(base64.slice(0, 24));
			expect(screen).not.toContain('"orderId"');
		});

		it('quits with q: exit code 0 and the terminal restored, with no frame left behind', async () => {
			expect((await term.terminalState()).alternateScreen).toBe(true);
			await term.press('q');
			expect(await term.waitForExit()).toBe(0);
			// The console drew on the alternate screen: the shell's screen comes back without its last frame.
			const after = await term.screen();
			expect(after).not.toContain('TIME');
			expect(after).not.toContain('Quit');
			const state = await term.terminalState();
			expect(state.cursorVisible).toBe(true);
			expect(state.alternateScreen).toBe(false);
			expect(state.mouse).toBe(false);
			// Raw mode is off again: the line discipline echoes and edits lines.
			expect(state.stty).toMatch(/(^|\s)icanon(\s|$)/);
			expect(state.stty).toMatch(/(^|\s)echo(\s|$)/);
			expect(state.stty).not.toMatch(/-icanon|(^|\s)-echo(\s|$)/);
		});
	});

	it('at 80×24: one header row, the selection marker, every binding in help (scrolled, none cut), and ? always in the hints', async () => {
		const term = (terminal = await Terminal.start(['--endpoint-url', engine.url], {columns: 80, rows: 24}));
		const rowsOf = (screen: string) => screen.replace(/\n$/, '').split('\n');
		const list = await term.waitFor(ORDERS);
		const lines = rowsOf(list);
		const header = lines.findIndex((line) => line.includes('STREAM'));
		// The header is one row, cut rather than wrapped, and the selected row keeps the space after its marker.
		expect(lines[header + 1]).toMatch(/^› e2e-/);
		expect(lines.at(-1)).toContain('? Help');
		await openDashboard(term, ORDERS);
		expect(rowsOf(await term.screen()).at(-1)).toContain('? Help');
		await term.press('?');
		const seen = new Set<string>();
		let screen = await term.waitFor('Keys');
		for (let page = 0; page < 5; page++) {
			const rows = rowsOf(screen);
			expect(rows).toHaveLength(24);
			// Inside the border, every row is the border's own: nothing drawn over it or left from the view below.
			for (const row of rows.slice(2, -2)) expect(row).toMatch(/^│ .* │$/);
			for (const row of rows) seen.add(row.replace(/^│\s*|\s*│$/g, ''));
			if (!/(\d+)–(\d+) of \2/.test(screen) && /\d+–\d+ of \d+/.test(screen)) {
				await term.press('pagedown');
				const before = screen;
				screen = await term.waitFor((next) => next !== before);
			} else break;
		}
		const shownText = [...seen].join('\n').replace(/\s+/g, ' ');
		for (const binding of allBindings().filter((candidate) => ['dashboard', 'list', 'global'].includes(candidate.scope)))
			expect(shownText).toContain(binding.description);
		await term.press('escape');
		await term.waitFor((text) => !text.includes('Keys'));
	});

	it("at 80×24, the tail's filter prompt says how quotes work and matches them as typed; the save prompt is whole", async () => {
		const term = (terminal = await Terminal.start(['--endpoint-url', engine.url], {columns: 80, rows: 24}));
		await openDashboard(term, ORDERS);
		await term.press('t');
		await term.waitFor(/from LATEST/i);
		await term.press('o');
		await term.type('trim-horizon');
		await term.press('enter');
		await term.waitFor((text) => ORDER_RECORDS.every(({order}) => text.includes(order)));
		await term.press('/');
		const prompt = await term.waitFor('all must match');
		expect(prompt).toContain(`text:foo itext:foo re:^err key:user-* json:level=ERROR; all must match`);
		expect(prompt).toContain(`Quotes are matched as typed (text:"level":"ERROR"); 'text:a b' keeps a space`);
		await term.type('text:"status":"refunded"');
		await term.press('enter');
		const filtered = await term.waitFor((text) => text.includes('2 match'));
		for (const order of ['ord-1001', 'ord-1003', 'ord-1005']) expect(filtered).not.toContain(order);
		await term.press('escape');
		await term.waitFor((text) => ORDER_RECORDS.every(({order}) => text.includes(order)));
		await term.press('s');
		const save = await term.waitFor('save to:');
		expect(save).toMatch(/Save the \d+ records shown when s was pressed as JSON lines; Enter saves/);
		await term.press('escape');
		await term.waitFor((text) => !text.includes('save to:'));
		// A refusal at a prompt is read whole at 80 columns, wrapped rather than cut.
		await term.press('o');
		await term.type('2099-01-01T00:00:00Z');
		await term.press('enter');
		const refused = await term.waitFor('is in the future');
		expect(refused.replace(/\s+/g, ' ')).toContain('a tail starts at a time that has passed. To wait for new records, start from latest.');
		await term.press('escape');
	});

	it('with --read-only offers no dangerous action, in help or in the palette', async () => {
		const term = await start(['--read-only']);
		const screen = await term.waitFor(ORDERS);
		expect(screen.split('\n')[0]).toContain('[read-only]');
		const dangerous = allBindings().filter((binding) => binding.dangerous);
		// Words of the actions that change a stream, as the palette would find them, unless a safe command shares them.
		const safe = allBindings()
			.filter((binding) => !binding.dangerous)
			.map((binding) => `${binding.description} ${binding.id}`.toLowerCase());
		const words = [...new Set([...dangerous.map((binding) => binding.id), 'split', 'merge', 'scale', 'retention', 'reset'])].filter(
			(word) => !safe.some((text) => text.includes(word.toLowerCase())),
		);
		const checkHelp = async (scope: Scope, palette: boolean) => {
			await term.press('?');
			const help = await term.waitFor('Keys (read-only');
			expect(help).not.toContain('(changes the stream)');
			for (const binding of dangerous.filter((candidate) => candidate.scope === scope || candidate.scope === 'global'))
				expect(help).not.toContain(binding.description);
			await term.press('escape');
			await term.waitFor((text) => !text.includes('Keys (read-only'));
			// The palette finds no such command by name.
			for (const word of palette ? words : []) {
				await term.press(':');
				await term.type(word);
				await term.waitFor('No command matches.');
				await term.press('escape');
				await term.waitFor((text) => !text.includes('No command matches.'));
			}
		};
		await checkHelp('streams', true);
		await openDashboard(term, ORDERS);
		await checkHelp('dashboard', true);
		await term.press('t');
		await term.waitFor(/from LATEST/i);
		await checkHelp('tail', false);
	});

	it('with NO_COLOR writes no colour escapes', async () => {
		const term = await start([], {NO_COLOR: '1'});
		await term.waitFor(ORDERS);
		expect(colourEscapes(await term.screen({colors: true}))).toEqual([]);
		await openDashboard(term, ORDERS);
		await term.waitFor('┼');
		expect(colourEscapes(await term.screen({colors: true}))).toEqual([]);
	});
});
