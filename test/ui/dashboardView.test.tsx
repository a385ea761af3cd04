import {CreateStreamCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {Text} from 'ink';
import {cleanup} from 'ink-testing-library';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {ChartMetric, DashboardSnapshot, DashboardStore} from '../../source/console/dashboardStore.js';
import type {ShardMeter} from '../../source/console/meters.js';
import {TIME_WINDOWS, type StreamHistory} from '../../source/console/metrics.js';
import {BackgroundStore} from '../../source/console/store.js';
import type {ShardView} from '../../source/console/streams.js';
import type {Engine} from '../../source/engine/index.js';
import type {Route} from '../../source/ui/navigation.js';
import {DashboardView} from '../../source/ui/views/DashboardView.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {localTarget, press, renderApp, testServices, waitForFrame} from '../helpers/ui.js';
import {NoticeStore} from '../../source/console/notices.js';
import type {ConsoleServices} from '../../source/ui/services.js';
import type {StreamsStore} from '../../source/console/streamsStore.js';

const HALF = 2n ** 127n;
const shard = (index: number, start: bigint, end: bigint, extra: Partial<ShardView> = {}): ShardView => ({
	shardId: `shardId-${String(index).padStart(12, '0')}`,
	open: true,
	parents: [],
	startingHashKey: start.toString(),
	endingHashKey: end.toString(),
	startingSequenceNumber: '1',
	endingSequenceNumber: undefined,
	...extra,
});
const SHARDS: ShardView[] = [
	shard(0, 0n, 2n ** 128n - 1n, {open: false, endingSequenceNumber: '9'}),
	shard(1, 0n, HALF - 1n, {parents: ['shardId-000000000000']}),
	shard(2, HALF, 2n ** 128n - 1n, {parents: ['shardId-000000000000']}),
];
const meter = (shardId: string, recordsPerSecond: number, extra: Partial<ShardMeter> = {}): ShardMeter => ({
	shardId,
	recordsPerSecond,
	bytesPerSecond: recordsPerSecond * 100,
	callsPerSecond: 1,
	rateWindowMs: 10_000,
	millisBehindLatest: 0,
	readBudget: {calls: 0.2, bytes: 0.01},
	throttledPerMinute: 0,
	totalRecords: recordsPerSecond * 10,
	topKeys: [],
	...extra,
});
const END = Date.UTC(2024, 4, 1, 12, 0, 0);
const HISTORY: StreamHistory = {
	windowLabel: '15m',
	startMs: END - 15 * 60_000,
	endMs: END,
	periodSeconds: 60,
	recordsPerSecond: {timestamps: [END - 120_000, END - 60_000], values: [40, 80]},
	bytesPerSecond: {timestamps: [END - 60_000], values: [8000]},
	iteratorAgeMs: {timestamps: [], values: []},
	writeThrottled: {timestamps: [END - 60_000], values: [12]},
	readThrottled: {timestamps: [], values: []},
	shards: {},
	shardMetrics: [],
	shardsLeftOut: 0,
};

const ready = <T,>(value: T) => ({status: 'ready' as const, value, updatedAt: new Date(END)});

function snapshot(overrides: Partial<DashboardSnapshot> = {}): DashboardSnapshot {
	return {
		stream: 'clickstream',
		info: {status: 'ACTIVE', mode: 'PROVISIONED', retentionHours: 24, consumers: 0, enhancedMetrics: []},
		shards: ready(SHARDS),
		counts: {open: 2, closed: 1},
		figures: {status: 'off'},
		topShards: [],
		live: {status: 'running', shards: ['shardId-000000000001', 'shardId-000000000002'], pace: 1, callsPerSecond: 2},
		meters: [
			meter('shardId-000000000001', 120, {
				topKeys: [
					{key: 'user-7', count: 60, share: 0.6},
					{key: 'user-3', count: 10, share: 0.1},
				],
			}),
			meter('shardId-000000000002', 4),
		],
		totals: {recordsPerSecond: 124, bytesPerSecond: 12_400, millisBehindLatest: 0, throttledPerMinute: 3},
		hottest: {
			shardId: 'shardId-000000000001',
			recordsPerSecond: 120,
			source: 'live',
			topKeys: [
				{key: 'user-7', count: 60, share: 0.6},
				{key: 'user-3', count: 10, share: 0.1},
			],
		},
		history: ready(HISTORY),
		window: TIME_WINDOWS[0],
		metric: 'records',
		...overrides,
	};
}

/** A DashboardStore-shaped fake: a snapshot the test sets, and a log of what the view asked. */
class FakeDashboard extends BackgroundStore<DashboardSnapshot> implements DashboardStore {
	readonly calls: string[] = [];
	/** The shards the view last said were in view. */
	inView: readonly string[] = [];
	constructor(initial: DashboardSnapshot = snapshot()) {
		super(initial);
	}
	put(overrides: Partial<DashboardSnapshot>): void {
		this.set((previous) => ({...previous, ...overrides}));
	}
	protected begin(): void {
		this.calls.push('start');
	}
	protected override end(): void {
		this.calls.push('stop');
	}
	refresh(): void {
		this.calls.push('refresh');
	}
	show(shardIds: readonly string[]): void {
		this.inView = shardIds;
	}
	toggleLive(): void {
		this.calls.push('live');
	}
	cycleWindow(): void {
		this.calls.push('window');
		this.put({window: TIME_WINDOWS[1] ?? TIME_WINDOWS[0], history: {status: 'loading'}});
	}
	cycleMetric(): void {
		this.calls.push('metric');
		const order: ChartMetric[] = ['records', 'bytes', 'lag'];
		this.put({metric: order[(order.indexOf(this.getSnapshot().metric) + 1) % 3] ?? 'records'});
	}
	liveSeries(shardId: string | undefined, _metric: ChartMetric, seconds: number): number[] {
		this.calls.push(`series ${shardId ?? 'all'}`);
		return Array.from({length: seconds}, (_, index) => (index % 10) * 10);
	}
}

function fakeServices(dashboard: DashboardStore): ConsoleServices {
	return {
		target: localTarget('http://127.0.0.1:4567'),
		readOnly: false,
		streams: {} as StreamsStore,
		notices: new NoticeStore(),
		dashboard: () => dashboard,
		tail: () => {
			throw new Error('these tests open no tail view');
		},
	};
}

const routes =
	(size: {height?: number; width?: number} = {}) =>
	(route: Route, height: number) =>
		route.kind === 'dashboard' ? (
			<DashboardView stream={route.stream} height={size.height ?? height} {...(size.width === undefined ? {} : {width: size.width})} />
		) : route.kind === 'tail' ? (
			<Text>
				tail of {route.stream} {route.shardId ?? 'every shard'}
			</Text>
		) : (
			<Text>streams</Text>
		);

const DASHBOARD: Route = {kind: 'dashboard', stream: 'clickstream'};

describe('the dashboard view', () => {
	afterEach(() => cleanup());

	it("keeps a merge's two parents within PARENTS, and the columns after it in line", async () => {
		const merged = [shard(2, 0n, HALF - 1n, {parents: ['shardId-000000002003', 'shardId-000000002004']}), shard(3, HALF, 2n ** 128n - 1n)];
		const store = new FakeDashboard(snapshot({shards: ready(merged), counts: {open: 2, closed: 0}, meters: []}));
		const app = renderApp(fakeServices(store), routes({width: 200}), {initialRoute: DASHBOARD});
		const frame = await waitForFrame(app.lastFrame, (text) => text.includes('2003+2004'));
		const lines = frame.split('\n');
		const column = (pattern: RegExp) => lines.find((line) => pattern.test(line))?.indexOf('HASH RANGE') ?? -1;
		const bar = (shardId: string) => (lines.find((line) => line.includes(shardId)) ?? '').search(/[█·]/);
		const header = column(/SHARD +STATE +PARENTS/);
		expect(header).toBeGreaterThan(0);
		expect([bar('shardId-000000000002'), bar('shardId-000000000003')]).toEqual([header, header]);
	});

	it('keeps the cursor on its shard when the order changes with o, and at 80 columns says a sort by throttling beside SHARD', async () => {
		const store = new FakeDashboard();
		const app = renderApp(fakeServices(store), routes({width: 80}), {initialRoute: DASHBOARD});
		await waitForFrame(app.lastFrame, (text) => text.includes('shardId-000000000002'));
		app.stdin.write('j');
		app.stdin.write('j');
		await waitForFrame(app.lastFrame, (text) => /› shardId-000000000002/.test(text));
		for (const [sort, header] of [
			['rate', /SHARD +STATE +HASH RANGE +REC\/S↓/],
			['lag', /HASH RANGE +REC\/S +BYTES\/S +LAG↓/],
			['throttling', /SHARD {2}by THR\/M↓ +STATE/],
		] as const) {
			app.stdin.write('o');
			const frame = await waitForFrame(app.lastFrame, (text) => header.test(text));
			expect(frame, sort).toMatch(/› shardId-000000000002/);
		}
	});

	it('sorted by a live figure, keeps the cursor on the chosen shard and a shard read out of view in its place', async () => {
		const many = Array.from({length: 12}, (_, index) => shard(index, BigInt(index), BigInt(index)));
		const store = new FakeDashboard(
			snapshot({shards: ready(many), counts: {open: 12, closed: 0}, meters: [meter(many[3]!.shardId, 50), meter(many[4]!.shardId, 10)]}),
		);
		const app = renderApp(fakeServices(store), routes({height: 14}), {initialRoute: DASHBOARD});
		await waitForFrame(app.lastFrame, (text) => text.includes('shardId-000000000003'));
		app.stdin.write('o');
		await waitForFrame(app.lastFrame, (text) => /all shards[^\n]*\n[^\n]*shardId-000000000003/.test(text));
		app.stdin.write('j');
		app.stdin.write('j');
		const chosen = await waitForFrame(app.lastFrame, (text) => /› shardId-000000000004/.test(text));
		// The column sorted by is marked, whatever of the title the width cuts.
		expect(chosen).toMatch(/HASH RANGE +REC\/S↓ +BYTES\/S +LAG /);
		expect(chosen).toMatch(/shardId-000000000003[^\n]*\n[^\n]*› shardId-000000000004/);
		// The next second: shard 4 is hotter than shard 3, and shard 3 is read no more (out of view, say).
		store.put({meters: [meter(many[4]!.shardId, 100)]});
		const after = await waitForFrame(app.lastFrame, (text) => /› shardId-000000000004 +open +\S+ +\S+ +100 /.test(text));
		// The cursor stayed on shard 4, now first; shard 3 keeps its place by its last figure, not last among the unread.
		expect(after).toMatch(/› shardId-000000000004[^\n]*\n[^\n]*shardId-000000000003[^\n]*\n[^\n]*shardId-000000000000/);
	});

	it('shows the shards with their hash ranges, live figures, the hottest shard, throttling and both charts', async () => {
		const store = new FakeDashboard();
		const app = renderApp(fakeServices(store), routes(), {initialRoute: DASHBOARD});
		const frame = await waitForFrame(app.lastFrame, (text) => text.includes('CloudWatch IncomingRecords'));
		expect(frame).toMatch(/clickstream +ACTIVE · provisioned · 2 open \/ 1 closed · retention 24h +window 15m · records\/s \(w\/m\)/);
		expect(frame).toMatch(/SHARD +STATE +PARENTS +HASH RANGE +REC\/S +BYTES\/S +LAG +THR\/M +READ/);
		// Without enhanced monitoring the stream's row is CloudWatch's stream-level figures, and the dashboard says so.
		expect(frame).toMatch(/› all shards +80 +7.8 KiB/);
		expect(frame).toContain('enhanced monitoring off: no per-shard CloudWatch figures');
		// The closed shard is hidden, and the line says how many are.
		expect(frame).not.toContain('shardId-000000000000 ');
		expect(frame).toContain('1 closed shard hidden (x shows them)');
		expect(frame).toMatch(/shardId-000000000001 +open +0 +█+·+ +120 +12 KiB +0ms +0 +20% ◆ hot/);
		expect(frame).toMatch(/shardId-000000000002 +open +0 +·+█+ +4 +400 B/);
		expect(frame).toContain('◆ hottest shardId-000000000001 120 rec/s (live) · top keys: user-7 60%, user-3 10%');
		expect(frame).toContain('throttling: live reads 3/min · CloudWatch 15m: writes 12, reads 0');
		expect(frame).toContain('live records/s · 2 shards read · last');
		expect(frame).toContain('CloudWatch IncomingRecords · stream · 15m at 1m');
		// What it spends is what it measured (2 calls/s over 2 shards), not the pace it asked for.
		expect(frame).toContain('live: 2 shards at LATEST · 2 GetRecords/s measured, 1/s a shard (20% of its 5/s) · l stops');
		expect(frame).toContain("READ: the share of each shard's read limit (5 calls/s, 2 MiB/s) this console's live reader takes");
		// Both charts drew their axes.
		expect(frame.match(/┤/g)?.length ?? 0).toBeGreaterThan(6);
		expect(store.calls).toContain('start');
		// The view tells the store which shards are in view: the live reader reads those.
		expect(store.inView).toEqual(['shardId-000000000001', 'shardId-000000000002']);

		app.stdin.write('x');
		const closed = await waitForFrame(app.lastFrame, (text) => text.includes('1 closed shard shown (x hides them)'));
		expect(closed).toMatch(/shardId-000000000000 +closed +- +▒{8} +- +- +- +- +-/);
		app.stdin.write('l');
		await waitForFrame(app.lastFrame, () => store.calls.includes('live'));
		app.unmount();
	});

	it('changes the window and the metric, moves the selection, and opens tails of a shard or the stream', async () => {
		const store = new FakeDashboard();
		const app = renderApp(fakeServices(store), routes(), {initialRoute: DASHBOARD});
		await waitForFrame(app.lastFrame, (text) => text.includes('CloudWatch IncomingRecords'));
		app.stdin.write('w');
		await waitForFrame(app.lastFrame, (text) => text.includes('CloudWatch 1h: loading history…') && text.includes('window 1h'));
		app.stdin.write('m');
		await waitForFrame(app.lastFrame, (text) => text.includes('live bytes/s'));
		app.stdin.write('m');
		await waitForFrame(app.lastFrame, (text) => text.includes('live MillisBehindLatest'));
		expect(store.calls).toEqual(expect.arrayContaining(['window', 'metric']));

		app.stdin.write('j');
		const second = await waitForFrame(app.lastFrame, (text) => /› shardId-000000000001/.test(text));
		expect(second).toContain('live MillisBehindLatest · shardId-000000000001');
		expect(store.calls).toContain('series shardId-000000000001');
		app.stdin.write(press.enter);
		await waitForFrame(app.lastFrame, (text) => text.includes('tail of clickstream shardId-000000000001'));
		// Hidden beneath the tail, the dashboard stops its background work, and starts it again on return.
		expect(store.calls.at(-1)).toBe('stop');
		expect(store.running).toBe(false);
		app.stdin.write(press.escape);
		await waitForFrame(app.lastFrame, (text) => text.includes('› shardId-000000000001'));
		expect(store.running).toBe(true);
		app.stdin.write('t');
		await waitForFrame(app.lastFrame, (text) => text.includes('tail of clickstream every shard'));
		app.unmount();
	});

	it('filters shards with /', async () => {
		const app = renderApp(fakeServices(new FakeDashboard()), routes(), {initialRoute: DASHBOARD});
		await waitForFrame(app.lastFrame, (text) => text.includes('shardId-000000000002'));
		app.stdin.write('/');
		await waitForFrame(app.lastFrame, (text) => /^\/\s*$/m.test(text));
		app.stdin.write('02');
		const filtered = await waitForFrame(app.lastFrame, (text) => !/shardId-000000000001 +open/.test(text));
		expect(filtered).toContain('shardId-000000000002');
		expect(filtered).toContain('all shards');
		// Nothing let through: said, not an empty table.
		app.stdin.write('9');
		await waitForFrame(app.lastFrame, (text) => !text.includes('shardId-000000000002'));
		app.stdin.write(press.enter);
		const none = await waitForFrame(app.lastFrame, (text) => text.includes('No shard matches'));
		expect(none).toMatch(/No shard matches 029 \(\d+ shards\); Esc clears the filter/);
		app.unmount();
	});

	it('says when shards are loading, empty or failed, and when history or live figures are unavailable', async () => {
		const store = new FakeDashboard(
			snapshot({
				shards: {status: 'loading'},
				info: undefined,
				history: {status: 'loading'},
				live: {status: 'off', shards: [], pace: 1, callsPerSecond: 0},
				meters: [],
				hottest: undefined,
			}),
		);
		const app = renderApp(fakeServices(store), routes(), {initialRoute: DASHBOARD});
		const loading = await waitForFrame(app.lastFrame, (text) => text.includes('Loading shards…'));
		expect(loading).toContain('CloudWatch 15m: loading history…');
		expect(loading).toContain('live: off · l reads the open shards in view (1 GetRecords/s each, 20% of their budget)');
		expect(loading).toContain('hottest shard: none yet');
		expect(loading).toContain('CloudWatch: -');

		store.put({shards: ready([])});
		await waitForFrame(app.lastFrame, (text) => text.includes('This stream has no shards yet.'));
		store.put({
			shards: {status: 'failed', error: 'ResourceNotFoundException: Stream clickstream under account 000000000000 not found.'},
			history: {status: 'failed', error: 'UnknownOperationException: GetMetricData'},
			live: {status: 'failed', shards: ['shardId-000000000001'], pace: 1, callsPerSecond: 0, error: 'the stream was deleted'},
		});
		const failed = await waitForFrame(app.lastFrame, (text) => text.includes('Could not load shards.'));
		expect(failed).toContain('Stream clickstream under account 000000000000 not found.');
		expect(failed).toContain('CloudWatch history unavailable: UnknownOperationException');
		expect(failed).toContain('history unavailable: UnknownOperationException:');
		expect(failed).toContain('live figures unavailable: the stream was deleted');
		app.unmount();
		expect(store.running).toBe(false);
	});

	it('fits the height and width it is given: narrow drops columns and the history chart, short drops the charts', async () => {
		const narrow = renderApp(fakeServices(new FakeDashboard()), routes({width: 56, height: 20}), {initialRoute: DASHBOARD});
		const frame = await waitForFrame(narrow.lastFrame, (text) => text.includes('live records/s'));
		expect(frame).not.toContain('PARENTS');
		expect(frame).not.toContain('CloudWatch IncomingRecords');
		narrow.unmount();

		const short = renderApp(
			fakeServices(new FakeDashboard(snapshot({history: {status: 'failed', error: 'no CloudWatch here'}}))),
			routes({height: 10}),
			{
				initialRoute: DASHBOARD,
			},
		);
		const shortFrame = await waitForFrame(short.lastFrame, (text) => text.includes('all shards'));
		expect(shortFrame).not.toContain('live records/s');
		expect(shortFrame).toContain('history unavailable: no CloudWatch here');
		short.unmount();
	});

	it('draws without colour under NO_COLOR', async () => {
		const app = renderApp(fakeServices(new FakeDashboard()), routes(), {initialRoute: DASHBOARD, noColor: true});
		await waitForFrame(app.lastFrame, (text) => text.includes('CloudWatch IncomingRecords'));
		expect(app.lastFrame()).not.toContain('\u001b[3');
		app.unmount();
	});
});

describe('the dashboard view on the engine', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		await kinesis.send(new CreateStreamCommand({StreamName: 'orders', ShardCount: 2}));
	});
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});

	it('reads no shard until l, then shows records the test writes in the live figures, with the hot shard and its top key', async () => {
		const app = renderApp(testServices(kinesis, engine.url), routes(), {initialRoute: {kind: 'dashboard', stream: 'orders'}});
		await waitForFrame(app.lastFrame, (text) => text.includes('live: off') && text.includes('shardId-000000000001'));
		await new Promise((resolve) => setTimeout(resolve, 500));
		const reads = () =>
			engine
				.requestCounts()
				.filter((count) => count.operation === 'GetRecords' || count.operation === 'GetShardIterator')
				.reduce((sum, count) => sum + count.requests, 0);
		expect(reads()).toBe(0);
		app.stdin.write('l');
		await waitForFrame(app.lastFrame, (text) => text.includes('live: 2 shards at LATEST'));
		const records = Array.from({length: 200}, (_, index) => ({
			Data: Buffer.from(`order ${index}`),
			PartitionKey: index % 4 === 0 ? 'customer-9' : 'customer-2',
			ExplicitHashKey: '7',
		}));
		await kinesis.send(new PutRecordsCommand({StreamName: 'orders', Records: records}));
		const frame = await waitForFrame(app.lastFrame, (text) => text.includes('top keys: customer-2 75%, customer-9 25%'), 8000);
		expect(frame).toMatch(/shardId-000000000000 +open +- +█+·+ +\d+.*◆ hot/);
		expect(frame).toContain('◆ hottest shardId-000000000000');
		// The engine's CloudWatch answers, at 10-second periods.
		await waitForFrame(app.lastFrame, (text) => text.includes('CloudWatch IncomingRecords · stream · 15m at 10s'));
		app.unmount();
	});
});
