import {stripVTControlCharacters} from 'node:util';
import {Box, Text} from 'ink';
import {afterEach, describe, expect, it} from 'vitest';
import {cleanup, render} from 'ink-testing-library';
import type {ChangeProgress} from '../../source/console/changes.js';
import {ConsoleError} from '../../source/console/failures.js';
import {NoticeStore} from '../../source/console/notices.js';
import {shapeOf, type ReshardPlan, type ReshardResult} from '../../source/console/reshard.js';
import type {RetentionPlan, RetentionResult} from '../../source/console/retention.js';
import type {ShardView} from '../../source/console/streams.js';
import type {StreamsStore} from '../../source/console/streamsStore.js';
import type {Route} from '../../source/ui/navigation.js';
import type {Operations} from '../../source/ui/operations.js';
import {ShardMap} from '../../source/ui/components/ChangePanel.js';
import {PROMPT_KEYS} from '../../source/ui/components/TextPrompt.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import type {ConsoleServices} from '../../source/ui/services.js';
import {localTarget, press, renderApp, waitForFrame} from '../helpers/ui.js';
import {describeForTest, until} from '../helpers/wait.js';

/** The operation views against fake plans' inputs and a fake executor: what they show at each step, and what they submit. */

const HALF = 2n ** 127n;
const MAX = 2n ** 128n - 1n;
const shard = (index: number, start: bigint, end: bigint): ShardView => ({
	shardId: `shardId-${String(index).padStart(12, '0')}`,
	open: true,
	parents: [],
	startingHashKey: start.toString(),
	endingHashKey: end.toString(),
	startingSequenceNumber: '1',
	endingSequenceNumber: undefined,
});
const SHAPE = shapeOf(
	'clickstream',
	{
		StreamName: 'clickstream',
		StreamARN: 'arn',
		StreamStatus: 'ACTIVE',
		RetentionPeriodHours: 24,
		StreamCreationTimestamp: new Date(),
		EnhancedMonitoring: [],
		OpenShardCount: 2,
	},
	[shard(0, 0n, HALF - 1n), shard(1, HALF, MAX)],
);
/** `count` open shards dividing the key space evenly, numbered from `first`. */
const evenShards = (count: number, first = 0): ShardView[] =>
	Array.from({length: count}, (_, index) =>
		shard(first + index, ((MAX + 1n) * BigInt(index)) / BigInt(count), ((MAX + 1n) * BigInt(index + 1)) / BigInt(count) - 1n),
	);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class FakeOperations implements Operations {
	readonly submitted: ReshardPlan[] = [];
	failWith: Error | undefined;
	/** Throttled once before it is submitted, as a busy account's SplitShard is. */
	throttleOnce = false;
	stepMs = 120;
	readonly describeError = describeForTest;
	shape = SHAPE;
	/** The open shards a change ends with; the new ones are those not in the shape. */
	resultShards: readonly ShardView[] | undefined;
	readonly loadShape = async () => this.shape;
	readonly accountLimits = async () => ({shardLimit: 500, openShardCount: 12});
	readonly reshard = (plan: ReshardPlan, signal: AbortSignal): AsyncIterable<ChangeProgress<ReshardResult>> => {
		this.submitted.push(plan);
		const fake = () => this;
		return (async function* () {
			yield {type: 'submitting', operation: plan.operation} as const;
			await sleep(fake().stepMs);
			if (fake().failWith) throw fake().failWith;
			if (fake().throttleOnce) {
				yield {
					type: 'retrying',
					call: 'MergeShards',
					kind: 'throttling',
					reason: 'LimitExceededException: Rate exceeded for stream clickstream under account 000000000000.',
					attempt: 1,
					delayMs: 400,
				} as const;
				await sleep(fake().stepMs);
			}
			yield {type: 'submitted', operation: plan.operation, atMs: Date.now()} as const;
			for (let poll = 0; poll < 3; poll++) {
				if (signal.aborted) throw Object.assign(new Error('aborted'), {name: 'AbortError'});
				yield {type: 'status', status: 'UPDATING', elapsedMs: poll * fake().stepMs, openShards: 2} as const;
				await sleep(fake().stepMs);
			}
			const ended = fake().resultShards;
			const result: ReshardResult = {
				operation: plan.operation,
				stream: plan.stream,
				status: 'ACTIVE',
				openShards: ended ?? [shard(1, HALF, MAX), shard(2, 0n, HALF / 2n - 1n), shard(3, HALF / 2n, HALF - 1n)],
				newShardIds: ended
					? ended.filter((open) => !fake().shape.openShards.some((before) => before.shardId === open.shardId)).map((open) => open.shardId)
					: ['shardId-000000000002', 'shardId-000000000003'],
			};
			yield {type: 'done', elapsedMs: 3 * fake().stepMs, result} as const;
			return result;
		})();
	};
	readonly retentionOverview = async () => ({
		stream: 'clickstream',
		status: 'ACTIVE',
		retentionHours: 24,
		at: new Date().toISOString(),
		shards: [],
	});
	readonly planRetention = async (): Promise<RetentionPlan> => {
		throw new Error('not used');
	};
	readonly retention = (): AsyncIterable<ChangeProgress<RetentionResult>> => {
		throw new Error('not used');
	};
}

function services(operations: Operations | undefined, readOnly = false): ConsoleServices {
	return {
		target: localTarget('http://127.0.0.1:4567'),
		readOnly,
		streams: {} as StreamsStore,
		notices: new NoticeStore(),
		dashboard: () => {
			throw new Error('no dashboard in these tests');
		},
		tail: () => {
			throw new Error('no tail in these tests');
		},
		...(operations ? {operations} : {}),
	};
}

afterEach(() => cleanup());

describe('operation views', () => {
	it('at 80 columns, shows where each child range starts and ends in full, on two lines where one is too short', async () => {
		const app = renderApp(services(new FakeOperations()), renderRoute, {
			initialRoute: {kind: 'split', stream: 'clickstream', shardId: 'shardId-000000000001'},
		});
		Object.defineProperty(app.stdout, 'columns', {value: 80, configurable: true});
		app.stdout.emit('resize');
		const preview = await waitForFrame(app.lastFrame, (text) => text.includes('upper child'));
		const middle = HALF + HALF / 2n;
		const lines = preview
			.split('\n')
			.map((line) => line.trim())
			.join('\n');
		// The shard split, then its two children.
		for (const [start, end] of [
			[HALF, MAX],
			[HALF, middle - 1n],
			[middle, MAX],
		])
			expect(lines).toContain(`${start} –\n${end}`);
		expect(Math.max(...preview.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80);
		// The question and its keys whole: the way of splitting, which would cut them, is in the title above.
		expect(preview).toContain('Split shardId-000000000001? y submits · n/Esc cancels');
		app.unmount();
	});

	it('cut to the rows given, the shard map after a split shows its new children among thousands, and how many it left out each side', () => {
		// A split of shard 1,000 of 2,000: its children 2,000 and 2,001 sit in the middle of the key space.
		const open = evenShards(2_001).map((each, index) =>
			index < 1_000
				? each
				: {...each, shardId: index < 1_002 ? `shardId-00000000${2_000 + index - 1_000}` : `shardId-${String(index - 1).padStart(12, '0')}`},
		);
		const {lastFrame, unmount} = render(
			<ShardMap shards={open} newShardIds={['shardId-000000002000', 'shardId-000000002001']} barWidth={20} height={6} />,
		);
		const lines = (lastFrame() ?? '').split('\n');
		expect(lines).toHaveLength(6);
		expect(lines[0]).toMatch(/^shardId-000000000999 /);
		expect(lines[1]).toMatch(/^shardId-000000002000 +\S+ new$/);
		expect(lines[2]).toMatch(/^shardId-000000002001 +\S+ new$/);
		expect(lines[5]).toBe('… and 1996 more open shards (999 before these, 997 after)');
		unmount();
	});

	it('splits at a typed hash key: preview, confirmation, progress while UPDATING, then the new shard map', async () => {
		const ops = new FakeOperations();
		const app2 = renderApp(services(ops), renderRoute, {
			initialRoute: {kind: 'split', stream: 'clickstream', shardId: 'shardId-000000000000'},
		});
		const preview = await waitForFrame(app2.lastFrame, (text) => text.includes('upper child'));
		expect(preview).toContain('Split shardId-000000000000 of clickstream · at the midpoint of its range');
		expect(preview).toMatch(/lower child +█+·+ +25\.0% of keys/);
		expect(preview).toContain('traffic seen: none of this shard yet');
		expect(preview).toContain(`NewStartingHashKey ${HALF / 2n}`);
		expect(preview).toContain('open shards 2 → 3');
		expect(preview).toContain('y submits · n/Esc cancels');

		app2.stdin.write('h');
		await waitForFrame(app2.lastFrame, (text) => text.includes('split at hash key (decimal):'));
		app2.stdin.write(`${HALF / 4n}\r`);
		const typed = await waitForFrame(app2.lastFrame, (text) => text.includes('at the hash key typed'));
		expect(typed).toContain(`NewStartingHashKey ${HALF / 4n}`);
		expect(typed).toMatch(/lower child +█+·+ +12\.5% of keys/);

		app2.stdin.write('y');
		const running = await waitForFrame(app2.lastFrame, (text) => text.includes('stream UPDATING'));
		expect(running).toMatch(/\d+\.\d s · stream UPDATING · 2 open shards/);
		const done = await waitForFrame(app2.lastFrame, (text) => text.includes('Done in'));
		expect(done).toContain('3 open shards now, 2 new');
		expect(done).toMatch(/shardId-000000000002 +█+·+ new/);
		expect(ops.submitted).toHaveLength(1);
		expect(ops.submitted[0]).toMatchObject({operation: 'split', newStartingHashKey: String(HALF / 4n)});
		app2.unmount();
	});

	it('a refused target shows the refusal alone: no preview, said once', async () => {
		const ops = new FakeOperations();
		const merge = renderApp(services(ops), renderRoute, {
			initialRoute: {kind: 'merge', stream: 'clickstream', shardId: 'shardId-000000000009'},
		});
		const merged = await waitForFrame(merge.lastFrame, (text) => text.includes('has no shard'));
		expect(merged.match(/'clickstream' has no shard shardId-000000000009\./g)).toHaveLength(1);
		for (const preview of ['merged', '100.0%', 'cannot be merged with itself', 'open shards 2', 'y submits'])
			expect(merged).not.toContain(preview);
		merge.unmount();
		const split = renderApp(services(ops), renderRoute, {
			initialRoute: {kind: 'split', stream: 'clickstream', shardId: 'shardId-000000000099'},
		});
		const refused = await waitForFrame(split.lastFrame, (text) => text.includes('has no shard'));
		for (const preview of ['now', '100.0%', 'open shards 2 → 3', 'y submits']) expect(refused).not.toContain(preview);
		split.unmount();
	});

	it('says a throttled call on the status line too, while the panel follows the change', async () => {
		const ops = new FakeOperations();
		ops.throttleOnce = true;
		const svc = services(ops);
		const app = renderApp(svc, renderRoute, {initialRoute: {kind: 'merge', stream: 'clickstream', shardId: 'shardId-000000000000'}});
		await waitForFrame(app.lastFrame, (text) => text.includes('y submits'));
		app.stdin.write('y');
		await until(svc.notices.getSnapshot, (notice) => notice?.level === 'warning');
		expect(svc.notices.getSnapshot()?.text).toBe(
			'MergeShards throttled (LimitExceededException: Rate exceeded for stream clickstream under account 000000000000.); retry 1 in 400 ms',
		);
		await waitForFrame(app.lastFrame, (text) => text.includes('Done in'));
		app.unmount();
	});

	it('shows a refusal plainly in the panel and the status line, and plans again with r', async () => {
		const ops = new FakeOperations();
		ops.failWith = new ConsoleError({kind: 'refused', message: 'Kinesis refused the merge: LimitExceededException: too many shards.'});
		const svc = services(ops);
		const app = renderApp(svc, renderRoute, {initialRoute: {kind: 'merge', stream: 'clickstream', shardId: 'shardId-000000000000'}});
		const preview = await waitForFrame(app.lastFrame, (text) => text.includes('merged'));
		expect(preview).toContain('Merge shardId-000000000000 + shardId-000000000001 of clickstream · the selected shard with its upp');
		expect(preview).toContain('traffic: unknown');
		app.stdin.write('y');
		const failed = await waitForFrame(app.lastFrame, (text) => text.includes('Failed:'));
		expect(failed).toContain('Kinesis refused the merge: LimitExceededException: too many shards.');
		// The notice is in the status lines, beside where the console points or under it when it does not fit.
		expect(failed.split('\n').slice(0, 3).join(' ')).toContain('LimitExceededException');
		expect(svc.notices.getSnapshot()).toMatchObject({
			level: 'error',
			text: 'The merge of shardId-000000000000 and shardId-000000000001 failed: Kinesis refused the merge: LimitExceededException: too many shards.',
		});
		ops.failWith = undefined;
		app.stdin.write('r');
		await waitForFrame(app.lastFrame, (text) => text.includes('y submits') && !text.includes('Failed:'));
		app.unmount();
	});

	it('shows the scaling limits before the target, refuses more than double, and submits a valid target', async () => {
		const ops = new FakeOperations();
		const app = renderApp(services(ops), renderRoute, {initialRoute: {kind: 'scale', stream: 'clickstream'}});
		const limits = await waitForFrame(app.lastFrame, (text) => text.includes('account: 12 of 500'));
		expect(limits).toContain('now 2 open shards · one step reaches 1 to 4 · at most 10,000 shards per stream');
		expect(limits).toContain('(488 more allowed)');
		expect(limits).toContain('10 UpdateShardCount calls per stream in a rolling 24 hours');
		expect(limits).toContain('target shards (1..4):');
		app.stdin.write('5\r');
		const refused = await waitForFrame(app.lastFrame, (text) => text.includes('more than double'));
		expect(refused).not.toContain('y submits');
		app.stdin.write('t');
		await waitForFrame(app.lastFrame, (text) => text.includes('target shards (1..4): 5'));
		app.stdin.write(press.backspace);
		await waitForFrame(app.lastFrame, (text) => !text.includes('target shards (1..4): 5'));
		app.stdin.write('4\r');
		const preview = await waitForFrame(app.lastFrame, (text) => text.includes('y submits'));
		expect(preview).toContain('After: 4 shards of equal ranges');
		expect(preview).toMatch(/#4 +·+█+ 25\.0%/);
		app.stdin.write('y');
		await waitForFrame(app.lastFrame, (text) => text.includes('Done in'));
		expect(ops.submitted[0]).toMatchObject({operation: 'scale', target: 4});
		app.unmount();
	});

	it('edits a prompt as a line editor: Backspaces typed fast, Ctrl-U, and an old value that typing replaces', async () => {
		const ops = new FakeOperations();
		const app = renderApp(services(ops), renderRoute, {initialRoute: {kind: 'scale', stream: 'clickstream'}});
		const prompt = (value: string) => (text: string) =>
			text.split('\n').some((line) => line.trimEnd().endsWith(`target shards (1..4): ${value}`.trimEnd()));
		const open = await waitForFrame(app.lastFrame, prompt(''));
		// While the prompt takes every key, the hint bar says its keys, not the screen's (t would be typed in).
		expect(open).toContain(PROMPT_KEYS);
		expect(open).not.toContain('Type the target');
		app.stdin.write('98');
		await waitForFrame(app.lastFrame, prompt('98'));
		// Keys typed quickly reach the program as one chunk: two Backspaces (DEL) and a digit.
		app.stdin.write('\x7f\x7f8');
		const fixed = await waitForFrame(app.lastFrame, prompt('8'));
		expect(fixed).not.toContain('␡');
		app.stdin.write('\x15'); // Ctrl-U
		await waitForFrame(app.lastFrame, prompt(''));
		app.stdin.write('3\r');
		await waitForFrame(app.lastFrame, (text) => text.includes('After: 3 shards'));
		// The prompt opens again with 3 selected: a digit typed replaces it rather than making 34.
		app.stdin.write('t');
		await waitForFrame(app.lastFrame, prompt('3'));
		app.stdin.write('4\r');
		await waitForFrame(app.lastFrame, (text) => text.includes('After: 4 shards'));
		// Ctrl-U, a number and Enter in one chunk (typed fast, or sent by a script): the line cleared, then typed.
		app.stdin.write('t');
		await waitForFrame(app.lastFrame, prompt('4'));
		app.stdin.write('\x152\r');
		await waitForFrame(app.lastFrame, (text) => text.includes('After: 2 shards'));
		app.unmount();
	});

	it('stops following when left while the change runs, and says so', async () => {
		const ops = new FakeOperations();
		ops.stepMs = 400;
		const svc = services(ops);
		const routes = (entry: Route, height: number) =>
			entry.kind === 'dashboard' ? <Text>dashboard placeholder</Text> : renderRoute(entry, height);
		const split = renderApp(svc, routes, {initialRoute: {kind: 'split', stream: 'clickstream', shardId: 'shardId-000000000000'}});
		await waitForFrame(split.lastFrame, (text) => text.includes('y submits'));
		split.stdin.write('y');
		await waitForFrame(split.lastFrame, (text) => text.includes('submitting the split'));
		split.unmount();
		expect(svc.notices.getSnapshot()?.text).toBe('Stopped following the split of shardId-000000000000: it goes on at Kinesis.');
	});

	it("at 80 columns keeps a scaling's numbers and keys whole however long the stream's name, cutting the name in its middle", async () => {
		const long = `orders-payments-settlement-reconciliation-prod-eu-west-1-${'x'.repeat(60)}-end`;
		const ops = new FakeOperations();
		const app = renderApp(services(ops), renderRoute, {initialRoute: {kind: 'scale', stream: long}});
		Object.defineProperty(app.stdout, 'columns', {value: 80, configurable: true});
		app.stdout.emit('resize');
		await waitForFrame(app.lastFrame, (text) => text.includes('target shards'));
		app.stdin.write('3\r');
		const preview = await waitForFrame(app.lastFrame, (text) => text.includes('y submits'));
		const lines = preview.split('\n');
		expect(lines.find((line) => line.startsWith('Uniform scaling of'))).toMatch(
			/^Uniform scaling of orders-pay.*….*-end · 2 → 3 open shards$/,
		);
		expect(lines.find((line) => line.startsWith('Scale '))).toMatch(
			/^Scale orders.*….*-end from 2 to 3 shards\? y submits · n\/Esc cancels$/,
		);
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
		app.unmount();
	});

	it('at 80×24 every frame of a flow fits the terminal: long previews, warnings, shard maps and failures are cut to the rows given', async () => {
		// A line after the view: Ink shows it only while the view takes no more rows than it was given.
		const routes = (entry: Route, height: number) => (
			<Box flexDirection="column" flexShrink={0}>
				{renderRoute(entry, height - 1)}
				<Text>END OF VIEW</Text>
			</Box>
		);
		const flow = async (ops: FakeOperations, route: Route, steps: (app: ReturnType<typeof renderApp>) => Promise<string>) => {
			const app = renderApp(services(ops), routes, {initialRoute: route});
			Object.defineProperty(app.stdout, 'columns', {value: 80, configurable: true});
			Object.defineProperty(app.stdout, 'rows', {value: 24, configurable: true});
			app.stdout.emit('resize');
			await waitForFrame(app.lastFrame, (text) => text.split('\n').length <= 24);
			const from = app.frames.length - 1;
			const last = await steps(app);
			const frames = app.frames.slice(from).map((frame) => stripVTControlCharacters(frame));
			for (const frame of frames) {
				expect(frame.split('\n').length).toBeLessThanOrEqual(24);
				expect(frame, frame).toContain('END OF VIEW');
			}
			app.unmount();
			return last;
		};

		const scale = new FakeOperations();
		scale.shape = {...SHAPE, openShards: evenShards(10)};
		scale.resultShards = evenShards(20, 10);
		scale.stepMs = 30;
		const scaled = await flow(scale, {kind: 'scale', stream: 'clickstream'}, async (app) => {
			await waitForFrame(app.lastFrame, (text) => text.includes('target shards'));
			app.stdin.write('20\r');
			await waitForFrame(app.lastFrame, (text) => text.includes('y submits'));
			app.stdin.write('y');
			return waitForFrame(app.lastFrame, (text) => text.includes('Done in'));
		});
		expect(scaled).toContain('20 open shards now, 20 new');
		expect(scaled).toMatch(/… and \d+ more open shards/);
		expect(scaled).toContain('Esc goes back to the dashboard');

		// Observed records that make three warnings: few, one key taking most, and one outside the shard.
		const split = new FakeOperations();
		split.resultShards = evenShards(12, 2);
		split.stepMs = 30;
		const observations = [
			{hashKey: HALF + 5n, count: 60},
			{hashKey: HALF + HALF / 2n, count: 10},
			{hashKey: 5n, count: 5},
		];
		const splitDone = await flow(
			split,
			{kind: 'split', stream: 'clickstream', shardId: 'shardId-000000000001', observations},
			async (app) => {
				await waitForFrame(app.lastFrame, (text) => text.includes('y submits'));
				app.stdin.write('y');
				return waitForFrame(app.lastFrame, (text) => text.includes('Done in'));
			},
		);
		expect(splitDone).toContain('12 open shards now, 12 new');
		expect(splitDone).toContain('Esc goes back to the dashboard');

		const merge = new FakeOperations();
		merge.failWith = new Error(`LimitExceededException: ${'the account is over its shard quota in this region '.repeat(20)}`);
		merge.stepMs = 30;
		const failed = await flow(merge, {kind: 'merge', stream: 'clickstream', shardId: 'shardId-000000000000'}, async (app) => {
			await waitForFrame(app.lastFrame, (text) => text.includes('y submits'));
			app.stdin.write('y');
			return waitForFrame(app.lastFrame, (text) => text.includes('Failed:'));
		});
		expect(failed).toContain('r plans again');
	});

	it('says changes are not available without operations (as under --read-only)', async () => {
		const app = renderApp(services(undefined, true), renderRoute, {
			initialRoute: {kind: 'split', stream: 'clickstream', shardId: 'shardId-000000000000'},
		});
		await waitForFrame(app.lastFrame, (text) => text.includes('Changes are not available in this console.'));
		expect(app.lastFrame()).not.toContain('Submit');
		app.unmount();
	});
});
