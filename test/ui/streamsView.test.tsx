import {CreateStreamCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {Text} from 'ink';
import {cleanup} from 'ink-testing-library';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {StreamsStore} from '../../source/console/streamsStore.js';
import {StreamsView} from '../../source/ui/views/StreamsView.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {press, renderApp, testServices, waitForFrame} from '../helpers/ui.js';

describe('the streams view', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		for (const name of ['clickstream', 'orders', 'logs']) await kinesis.send(new CreateStreamCommand({StreamName: name, ShardCount: 2}));
	});
	afterEach(() => cleanup());
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});

	const routes = (route: {kind: string; stream?: string}, height: number) =>
		route.kind === 'streams' ? <StreamsView height={height} /> : <Text>opened {route.stream}</Text>;

	it('shows loading, then every stream; filters with /; opens with Enter; Esc goes back', async () => {
		const app = renderApp(testServices(kinesis, engine.url), routes);
		expect(app.lastFrame()).toContain('Loading streams');
		// Names, status and mode come with the listing; shards and the rest once the rows in view are described.
		const frame = await waitForFrame(app.lastFrame, (text) => /clickstream +ACTIVE +provisioned +2 open/.test(text));
		expect(frame).toMatch(/STREAM +STATUS +MODE +SHARDS/);
		expect(frame).toContain(`local engine ${engine.url}`);

		app.stdin.write('/');
		await waitForFrame(app.lastFrame, (text) => /^\/\s*$/m.test(text));
		app.stdin.write('ord');
		const filtered = await waitForFrame(app.lastFrame, (text) => !text.includes('clickstream'));
		expect(filtered).toContain('orders');
		app.stdin.write(press.enter);
		// The line says how many of the list the filter lets through.
		await waitForFrame(app.lastFrame, (text) => /filter: ord · 1 of \d+ streams \(Esc clears\)/.test(text));
		app.stdin.write(press.enter);
		await waitForFrame(app.lastFrame, (text) => text.includes('opened orders'));
		app.stdin.write(press.escape);
		await waitForFrame(app.lastFrame, (text) => text.includes('filter: ord'));

		// A filter that lets nothing through says so, rather than leave the table empty.
		app.stdin.write('/');
		await waitForFrame(app.lastFrame, (text) => /^\/(ord)?\s*$/m.test(text));
		app.stdin.write('zz');
		await waitForFrame(app.lastFrame, (text) => !text.includes('orders'));
		app.stdin.write(press.enter);
		const none = await waitForFrame(app.lastFrame, (text) => text.includes('No stream matches'));
		expect(none).toMatch(/No stream matches (ord)?zz \(\d+ streams\); Esc clears the filter/);
		app.unmount();
	});

	it('moves the selection with j/k and arrows, and shows help generated from the keymap', async () => {
		const app = renderApp(testServices(kinesis, engine.url), routes);
		await waitForFrame(app.lastFrame, (text) => text.includes('orders'));
		app.stdin.write('j');
		await waitForFrame(app.lastFrame, (text) => /› logs/.test(text));
		app.stdin.write(press.down);
		await waitForFrame(app.lastFrame, (text) => /› orders/.test(text));
		app.stdin.write('k');
		await waitForFrame(app.lastFrame, (text) => /› logs/.test(text));
		app.stdin.write('?');
		const help = await waitForFrame(app.lastFrame, (text) => text.includes('Keys'));
		expect(help).toContain('Open the stream');
		expect(help).toContain('Command palette');
		app.stdin.write(press.escape);
		await waitForFrame(app.lastFrame, (text) => !text.includes('Keys') && text.includes('orders'));
		app.unmount();
	});

	it('handles keys that arrive in one chunk one by one, as fast typing and tmux send-keys deliver them', async () => {
		const app = renderApp(testServices(kinesis, engine.url), routes);
		await waitForFrame(app.lastFrame, (text) => text.includes('orders'));
		app.stdin.write('jj\r');
		await waitForFrame(app.lastFrame, (text) => text.includes('opened orders'));
		app.stdin.write('\u001b');
		await waitForFrame(app.lastFrame, (text) => text.includes('STREAM'));
		app.stdin.write('/');
		await waitForFrame(app.lastFrame, (text) => /^\/\s*$/m.test(text));
		app.stdin.write('log\r');
		await waitForFrame(app.lastFrame, (text) => text.includes('filter: log') && !text.includes('orders'));
		// The Enter that closed the prompt is the prompt's: it does not also open the stream.
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(app.lastFrame()).not.toContain('opened logs');
	});

	it('runs a command from the palette', async () => {
		const app = renderApp(testServices(kinesis, engine.url), routes);
		await waitForFrame(app.lastFrame, (text) => text.includes('orders'));
		app.stdin.write(':');
		await waitForFrame(app.lastFrame, (text) => /│ :/.test(text));
		app.stdin.write('open');
		await waitForFrame(app.lastFrame, (text) => text.includes(':open'));
		app.stdin.write(press.enter);
		await waitForFrame(app.lastFrame, (text) => text.includes('opened clickstream'));
		app.unmount();
	});

	it('edits the palette line as every prompt (Ctrl-U, Ctrl-W), and scrolls its list to the command chosen', async () => {
		const app = renderApp(testServices(kinesis, engine.url), routes);
		await waitForFrame(app.lastFrame, (text) => text.includes('orders'));
		app.stdin.write(':');
		const all = await waitForFrame(app.lastFrame, (text) => /│ :/.test(text));
		const rows = (frame: string) => frame.split('\n').filter((line) => /^│ \S/.test(line) && !line.startsWith('│ :'));
		const firstRows = rows(all);
		expect(firstRows).toHaveLength(8);
		for (let step = 0; step < 8; step++) app.stdin.write(press.down);
		// The ninth command chosen: the list has moved by one, its first row gone.
		const moved = await waitForFrame(app.lastFrame, (text) => rows(text)[0] !== firstRows[0]);
		expect(rows(moved)[0]).toBe(firstRows[1]);
		app.stdin.write('xyz foo');
		await waitForFrame(app.lastFrame, (text) => text.includes(':xyz foo'));
		app.stdin.write('\u0017');
		await waitForFrame(app.lastFrame, (text) => text.includes(':xyz ') && !text.includes('foo'));
		app.stdin.write('\u0015');
		await waitForFrame(app.lastFrame, (text) => !text.includes(':xyz') && rows(text).length === 8);
		app.stdin.write('open\r');
		await waitForFrame(app.lastFrame, (text) => text.includes('opened clickstream'));
		app.unmount();
	});

	it('keeps what is typed the moment a prompt opens, and keys that come faster than frames', async () => {
		const app = renderApp(testServices(kinesis, engine.url), routes);
		await waitForFrame(app.lastFrame, (text) => text.includes('orders'));
		// Each write is read and handled before the next, with no turn of the event loop between them:
		// no passive effect has run, and no frame has been drawn for the keys before.
		app.stdin.write(':');
		for (const key of 'open') app.stdin.write(key);
		await waitForFrame(app.lastFrame, (text) => text.includes(':open'));
		app.stdin.write(press.escape);
		await waitForFrame(app.lastFrame, (text) => !text.includes(':open'));
		app.stdin.write('/');
		for (const key of 'log') app.stdin.write(key);
		app.stdin.write(press.enter);
		await waitForFrame(app.lastFrame, (text) => text.includes('filter: log') && !text.includes('orders'));
		app.unmount();
	});

	it('says when there are no streams, and when they cannot be loaded', async () => {
		const empty = await startEngine();
		const client = kinesisClient(empty.url, 'http1');
		const app = renderApp(testServices(client, empty.url), routes);
		await waitForFrame(app.lastFrame, (text) => text.includes('No streams here yet'));
		app.unmount();
		client.destroy();
		await empty.close();

		const unreachable = kinesisClient('http://127.0.0.1:9', 'http1');
		const failing = renderApp(testServices(unreachable, 'http://127.0.0.1:9'), routes);
		await waitForFrame(failing.lastFrame, (text) => text.includes('Could not load streams'));
		failing.unmount();
		unreachable.destroy();
	});

	it('describes only the streams in view, and those scrolled to as they come into view', async () => {
		const many = await startEngine();
		const client = kinesisClient(many.url, 'http1');
		const names = Array.from({length: 60}, (_, index) => `s${String(index).padStart(2, '0')}`);
		for (const name of names) await client.send(new CreateStreamCommand({StreamName: name, ShardCount: 1}));
		const described = new Set<string>();
		client.middlewareStack.add(
			(next, context) => async (args) => {
				const input = args.input as {StreamName?: string};
				if (context.commandName === 'DescribeStreamSummaryCommand' && input.StreamName) described.add(input.StreamName);
				return next(args);
			},
			{step: 'initialize', name: 'countDescribes'},
		);
		const app = renderApp(testServices(client, many.url), routes);
		const first = await waitForFrame(app.lastFrame, (text) => /s00 +ACTIVE +provisioned +1 open/.test(text) && !text.includes('…'));
		const inView = names.filter((name) => new RegExp(`^\\W*${name} `, 'm').test(first));
		expect(inView.length).toBeGreaterThan(5);
		expect([...described].sort()).toEqual(inView);
		app.stdin.write('G');
		await waitForFrame(app.lastFrame, (text) => /s59 +ACTIVE +provisioned +1 open/.test(text));
		expect(described.has('s59')).toBe(true);
		expect(described.size).toBeLessThan(names.length);
		app.unmount();
		client.destroy();
		await many.close();
	});

	it('sends nothing while another screen is on top of the list, and polls again when it is back on top', async () => {
		// Every Kinesis call the list makes, counted as the client sends it.
		const client = kinesisClient(engine.url, 'http1');
		const calls: string[] = [];
		client.middlewareStack.add(
			(next, context) => async (args) => {
				calls.push((context.commandName ?? '?').replace(/Command$/, ''));
				return next(args);
			},
			{step: 'initialize', name: 'countCalls'},
		);
		const describe = async (error: unknown) => String(error);
		const services = testServices(client, engine.url, {
			streams: new StreamsStore({kinesis: client, describeError: describe, refreshMs: 100}),
		});
		const app = renderApp(services, routes);
		await waitForFrame(app.lastFrame, (text) => text.includes('orders'));
		await waitForFrame(app.lastFrame, () => calls.filter((name) => name === 'ListStreams').length >= 3);
		app.stdin.write(press.enter);
		await waitForFrame(app.lastFrame, (text) => text.includes('opened clickstream'));
		await new Promise((resolve) => setTimeout(resolve, 150)); // a call already on its way may land
		const hidden = calls.length;
		await new Promise((resolve) => setTimeout(resolve, 800));
		expect(calls.slice(hidden)).toEqual([]);
		app.stdin.write(press.escape);
		await waitForFrame(app.lastFrame, (text) => text.includes('orders'));
		await waitForFrame(app.lastFrame, () => calls.slice(hidden).includes('ListStreams'));
		app.unmount();
		client.destroy();
	});
});
