import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {CreateStreamCommand, IncreaseStreamRetentionPeriodCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AUDIT_LOG_ENV} from '../../source/console/auditLog.js';
import type {Engine} from '../../source/engine/index.js';
import {consoleOperations} from '../../source/ui/operations.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {localTarget, press, renderApp, testServices, waitForFrame} from '../helpers/ui.js';
import {describeForTest, waitActive} from '../helpers/wait.js';

/**
 * The operations driven through the keys against a real engine (streams UPDATING for 300 ms): a split
 * at the median of the traffic the dashboard's live reader saw, a merge of the coldest pair, a retention
 * decrease confirmed by the typed name; each previewed, confirmed, followed to ACTIVE, and audited.
 */
describe('operations in the console on the engine', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dir: string;
	let auditPath: string;
	const previousAudit = process.env[AUDIT_LOG_ENV];

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'kc-ops-'));
		auditPath = join(dir, 'audit.jsonl');
		process.env[AUDIT_LOG_ENV] = auditPath;
		engine = await startEngine({updateStreamMs: 300});
		kinesis = kinesisClient(engine.url, 'http1');
		await kinesis.send(new CreateStreamCommand({StreamName: 'orders', ShardCount: 2}));
		await kinesis.send(new CreateStreamCommand({StreamName: 'ledger', ShardCount: 1}));
	});
	afterAll(async () => {
		if (previousAudit === undefined) delete process.env[AUDIT_LOG_ENV];
		else process.env[AUDIT_LOG_ENV] = previousAudit;
		kinesis.destroy();
		await engine.close();
		await rm(dir, {recursive: true, force: true});
	});

	const services = () =>
		testServices(kinesis, engine.url, {
			operations: consoleOperations({kinesis, target: localTarget(engine.url)}, describeForTest, {timing: {pollMs: 100}}),
		});

	it('splits the hot shard at the median of the observed traffic, then merges the coldest pair', async () => {
		const app = renderApp(services(), renderRoute, {initialRoute: {kind: 'dashboard', stream: 'orders'}});
		await waitForFrame(app.lastFrame, (text) => text.includes('live: off') && text.includes('shardId-000000000001'));
		// The dashboard reads the shards in view once asked: its reader's keys give the split its median.
		app.stdin.write('l');
		await waitForFrame(app.lastFrame, (text) => text.includes('live: 2 shards at LATEST'));
		// Keys whose hashes fall in shard 0 (the lower half): the dashboard's reader sees them there.
		const records = Array.from({length: 300}, (_, index) => ({
			Data: Buffer.from(`order ${index}`),
			PartitionKey: `customer-${index % 40}`,
		}));
		await kinesis.send(new PutRecordsCommand({StreamName: 'orders', Records: records}));
		await waitForFrame(app.lastFrame, (text) => text.includes('◆ hottest'), 8000);
		const hot = /◆ hottest (shardId-\d+)/.exec(app.lastFrame() ?? '')?.[1] ?? '';
		app.stdin.write('j');
		if (hot.endsWith('1')) {
			await waitForFrame(app.lastFrame, (text) => /› shardId-000000000000/.test(text));
			app.stdin.write('j');
		}
		await waitForFrame(app.lastFrame, (text) => new RegExp(`› ${hot}`).test(text));
		app.stdin.write('s');
		const preview = await waitForFrame(app.lastFrame, (text) => text.includes('upper child') && text.includes('Split '));
		expect(preview).toContain(`Split ${hot} of orders`);
		expect(preview).toContain('at the median of the observed traffic');
		// The median splits the records seen about evenly, wherever it falls in the range.
		const shares = [...preview.matchAll(/(?:lower|upper) child .* (\d+\.\d)% of traffic/g)].map((match) => Number(match[1]));
		expect(shares).toHaveLength(2);
		for (const share of shares) expect(share).toBeGreaterThan(35);
		expect(preview).toContain("the dashboard's live reader");
		expect(preview).toContain('y submits');

		app.stdin.write('y');
		await waitForFrame(app.lastFrame, (text) => text.includes('stream UPDATING'), 5000);
		const done = await waitForFrame(app.lastFrame, (text) => text.includes('Done in'), 8000);
		expect(done).toContain('3 open shards now, 2 new');
		// The footer offered the plan's keys; once the change is done they would do nothing, and are not offered.
		expect(preview.trimEnd().split('\n').at(-1)).toContain('m At the midpoint');
		expect(done.trimEnd().split('\n').at(-1)).not.toMatch(/At the midpoint|y Submit|r Plan again|n Cancel/);
		expect(done).toMatch(/shardId-000000000002 +.*new/);
		expect(done).toMatch(/shardId-000000000003 +.*new/);

		app.stdin.write(press.escape);
		await waitForFrame(
			app.lastFrame,
			(text) => text.includes('HASH RANGE') && text.includes('shardId-000000000003') && text.includes('3 open / 1 closed'),
		);
		// Read live when it was left for the split, it reads live again, the children now: each open shard's READ column
		// fills in once it has been read.
		await waitForFrame(
			app.lastFrame,
			(text) => {
				const open = text.split('\n').filter((line) => /shardId-\d+ +open /.test(line));
				return text.includes('live: 3 shards at LATEST') && open.length === 3 && open.every((line) => /\d+%$/.test(line.trimEnd()));
			},
			8000,
		);
		app.stdin.write('g');
		await waitForFrame(app.lastFrame, (text) => /› all shards/.test(text));
		app.stdin.write('M');
		const merge = await waitForFrame(app.lastFrame, (text) => text.includes('merged') && text.includes('y submits'));
		// Every pair's traffic measured (none, here): the coldest is the one of the least key space, the split's children.
		expect(merge).toContain('Merge shardId-000000000002 + shardId-000000000003 of orders · the coldest adjacent pair');
		expect(merge).toContain("traffic: the dashboard's live reader");
		// A share of the pair's traffic, beside a share of all the stream's keys: said so.
		expect(merge).toContain("s; shares are of the pair's traffic");
		app.stdin.write('y');
		const merged = await waitForFrame(app.lastFrame, (text) => text.includes('Done in'), 8000);
		expect(merged).toContain('2 open shards now, 1 new');
		expect(merged).toMatch(/shardId-000000000004 +.*new/);
		app.unmount();

		const audit = (await readFile(auditPath, 'utf8'))
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as {operation: string; outcome: string});
		expect(audit.map((entry) => `${entry.operation} ${entry.outcome}`)).toEqual([
			'split submitted',
			'split completed',
			'merge submitted',
			'merge completed',
		]);
	});

	it('offers none of them under --read-only: no keys, no hints, no help entries', async () => {
		const app = renderApp(testServices(kinesis, engine.url, {readOnly: true}), renderRoute, {
			initialRoute: {kind: 'dashboard', stream: 'ledger'},
		});
		await waitForFrame(app.lastFrame, (text) => text.includes('shardId-000000000000') && text.includes('[read-only]'));
		app.stdin.write('j');
		await waitForFrame(app.lastFrame, (text) => /› shardId-000000000000/.test(text));
		for (const key of ['s', 'M', 'S', 'R']) app.stdin.write(key);
		await new Promise((resolve) => setTimeout(resolve, 200));
		const frame = await waitForFrame(app.lastFrame, (text) => text.includes('HASH RANGE'));
		expect(frame).not.toMatch(/Split|Merge|Uniform scaling|Retention of/);
		app.stdin.write('?');
		const help = await waitForFrame(app.lastFrame, (text) => text.includes('read-only: changes are hidden'));
		expect(help).not.toContain('Split the selected shard');
		expect(help).not.toContain('changes the stream');
		app.unmount();
	});

	it('decreases retention only once the stream name is typed', async () => {
		await kinesis.send(new IncreaseStreamRetentionPeriodCommand({StreamName: 'ledger', RetentionPeriodHours: 48}));
		await new Promise((resolve) => setTimeout(resolve, 400));
		const app = renderApp(services(), renderRoute, {initialRoute: {kind: 'dashboard', stream: 'ledger'}});
		await waitForFrame(app.lastFrame, (text) => text.includes('retention 48h'));
		app.stdin.write('R');
		await waitForFrame(app.lastFrame, (text) => text.includes('now 48h (2 days)') && text.includes('new retention in hours'));
		app.stdin.write('24\r');
		const plan = await waitForFrame(app.lastFrame, (text) => text.includes("type the stream's name (ledger)"), 8000);
		expect(plan).toContain('48h (2 days) → 24h (decrease)');
		expect(plan).toContain('Unreadable at once: 0 records');
		app.stdin.write('ledgr\r');
		await waitForFrame(app.lastFrame, (text) => text.includes("'ledgr' is not the stream's name: nothing was changed"));
		app.stdin.write('y');
		await waitForFrame(app.lastFrame, (text) => text.includes("type the stream's name (ledger)"));
		app.stdin.write('ledger\r');
		const done = await waitForFrame(app.lastFrame, (text) => text.includes('Done in'), 8000);
		expect(done).toContain('The stream keeps records for 24h now.');
		await waitForFrame(app.lastFrame, (text) => text.includes('now 24h'));
		app.unmount();
		const audit = await readFile(auditPath, 'utf8');
		expect(audit).toContain('"operation":"retention"');
	});

	it("plans a scaling again with r: the account's open shards read again as well as the stream's", async () => {
		await kinesis.send(new CreateStreamCommand({StreamName: 'payments', ShardCount: 1}));
		await waitActive(kinesis, 'payments');
		const app = renderApp(services(), renderRoute, {initialRoute: {kind: 'scale', stream: 'payments'}});
		const openShards = (text: string) => Number(/account: (\d+) of \S+ open shards/.exec(text)?.[1]);
		const before = openShards(await waitForFrame(app.lastFrame, (text) => /account: \d+ of/.test(text) && text.includes('target shards')));
		app.stdin.write(press.escape);
		await waitForFrame(app.lastFrame, (text) => !text.includes('target shards'));
		// Another stream opens 3 shards: the account's count (DescribeLimits) moves, this stream's shape does not.
		await kinesis.send(new CreateStreamCommand({StreamName: 'refunds', ShardCount: 3}));
		await waitActive(kinesis, 'refunds');
		app.stdin.write('r');
		const after = await waitForFrame(app.lastFrame, (text) => openShards(text) === before + 3);
		expect(after).toContain('now 1 open shards');
		app.unmount();
	});

	it('says a split Kinesis accepted is submitted, not failed, when following it breaks', async () => {
		await kinesis.send(new CreateStreamCommand({StreamName: 'invoices', ShardCount: 1}));
		let splitSent = false;
		// The operations' client is refused DescribeStreamSummary once the split is sent: following it breaks.
		const following = {
			send(command: {constructor: {name: string}}, options?: unknown) {
				if (command.constructor.name === 'SplitShardCommand') splitSent = true;
				else if (splitSent && command.constructor.name === 'DescribeStreamSummaryCommand')
					return Promise.reject(
						Object.assign(new Error('not authorized to perform: kinesis:DescribeStreamSummary'), {name: 'AccessDeniedException'}),
					);
				return kinesis.send(command as never, options as never);
			},
		} as unknown as KinesisClient;
		const app = renderApp(
			testServices(kinesis, engine.url, {
				operations: consoleOperations({kinesis: following, target: localTarget(engine.url)}, describeForTest, {timing: {pollMs: 100}}),
			}),
			renderRoute,
			{initialRoute: {kind: 'dashboard', stream: 'invoices'}},
		);
		await waitForFrame(app.lastFrame, (text) => text.includes('shardId-000000000000'));
		app.stdin.write('j');
		await waitForFrame(app.lastFrame, (text) => /› shardId-000000000000/.test(text));
		app.stdin.write('s');
		await waitForFrame(app.lastFrame, (text) => text.includes('upper child') && text.includes('y submits'));
		app.stdin.write('y');
		const lost = await waitForFrame(app.lastFrame, (text) => text.includes('Submitted, not confirmed:'), 8000);
		expect(lost).not.toContain('Failed:');
		expect(lost).toContain('was accepted, but following it failed');
		// The status line says it too, once.
		expect(lost.split('was accepted, but following it failed')).toHaveLength(3);
		app.unmount();
		const outcomes = (await readFile(auditPath, 'utf8'))
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as {stream: string; outcome: string})
			.filter((entry) => entry.stream === 'invoices')
			.map((entry) => entry.outcome);
		expect(outcomes).toEqual(['submitted', 'unconfirmed']);
	});
});
