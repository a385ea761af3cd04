import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {CreateStreamCommand, ListShardsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {createLeaseTable, createStream, dynamoClient, putLease, putRecords} from '../helpers/leaseTables.js';
import {Terminal, hasTmux} from '../helpers/terminal.js';

/**
 * Operations in the built console in a real terminal (tmux), against an engine whose streams stay
 * UPDATING for a moment: a split of the selected shard and a merge of a proposed pair, each previewed,
 * confirmed with y, followed to ACTIVE, and in the audit log.
 */

const STREAM = 'e2e-reshard';
const tmux = await hasTmux();

describe.skipIf(!tmux)('operations in a terminal', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	let dir: string;
	let term: Terminal | undefined;

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), 'kc-e2e-ops-'));
		engine = await startEngine({updateStreamMs: 400});
		kinesis = kinesisClient(engine.url);
		await kinesis.send(new CreateStreamCommand({StreamName: STREAM, ShardCount: 2}));
	});

	afterAll(async () => {
		await term?.kill();
		kinesis?.destroy();
		await engine?.close();
		await rm(dir, {recursive: true, force: true});
	});

	it('splits the selected shard and merges a proposed pair, through the keys', async () => {
		const audit = join(dir, 'audit.jsonl');
		term = await Terminal.start(['--endpoint-url', engine.url], {env: {KINESIS_CONSOLE_AUDIT_LOG: audit}});
		await term.waitFor(STREAM);
		await term.press('/');
		await term.type(STREAM);
		await term.press('enter', 'enter');
		await term.waitFor((screen) => screen.includes('HASH RANGE') && screen.includes('shardId-000000000001'));

		// The first shard row, then s: the preview of the split at the midpoint.
		await term.press('j');
		await term.waitFor(/› shardId-000000000000/);
		await term.press('s');
		const preview = await term.waitFor('y submits');
		expect(preview).toContain(`Split shardId-000000000000 of ${STREAM}`);
		expect(preview).toMatch(/lower child +█+·+ +25\.0% of keys/);
		expect(preview).toMatch(/upper child +·+█+·+ +25\.0% of keys/);
		await term.press('y');
		const split = await term.waitFor('Done in', 15_000);
		expect(split).toContain('3 open shards now, 2 new');
		expect(split).toMatch(/shardId-000000000003 +·*█+·* new/);

		// Back on the dashboard, the refreshed map; then M on the stream row: a pair proposed. Nothing read the shards'
		// traffic (no live reading), so it is the pair of the least key space, and not called the coldest.
		await term.press('escape');
		await term.waitFor((screen) => screen.includes('3 open / 1 closed') && screen.includes('shardId-000000000003'));
		await term.press('g');
		await term.press('M');
		const merge = await term.waitFor('y submits');
		expect(merge).toContain('the adjacent pair with the least key space (traffic');
		expect(merge).not.toContain('coldest adjacent');
		expect(merge).toMatch(/merged +█+/);
		await term.press('y');
		const merged = await term.waitFor('Done in', 15_000);
		expect(merged).toContain('2 open shards now, 1 new');
		await term.press('escape');
		await term.waitFor('2 open / 3 closed');

		const shards = await kinesis.send(new ListShardsCommand({StreamName: STREAM}));
		expect(shards.Shards?.filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined)).toHaveLength(2);
		const lines = (await readFile(audit, 'utf8'))
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line) as {operation: string; outcome: string; target: {kind: string}});
		expect(lines.map((line) => `${line.operation} ${line.outcome}`)).toEqual([
			'split submitted',
			'split completed',
			'merge submitted',
			'merge completed',
		]);
		expect(lines[0]?.target.kind).toBe('endpoint');
		await term.press('q');
		expect(await term.waitForExit()).toBe(0);
		await term.kill();
		term = undefined;
	});

	it("resets a KCL application's checkpoint, through the keys", async () => {
		const dynamo = dynamoClient(engine.url);
		await createStream(kinesis, 'e2e-events', 2);
		const sequences = await putRecords(kinesis, 'e2e-events', 2, 0, 12);
		await createLeaseTable(dynamo, 'e2e-events-app');
		await putLease(dynamo, 'e2e-events-app', 'shardId-000000000000', {checkpoint: sequences[7] ?? '', owner: 'worker-1', counter: 3});
		await putLease(dynamo, 'e2e-events-app', 'shardId-000000000001', {checkpoint: 'TRIM_HORIZON', counter: 1});
		const audit = join(dir, 'audit-reset.jsonl');
		term = await Terminal.start(['--endpoint-url', engine.url], {env: {KINESIS_CONSOLE_AUDIT_LOG: audit}});
		await term.waitFor('e2e-events');
		await term.press('/');
		await term.type('e2e-events');
		await term.press('enter', 'enter');
		await term.waitFor((screen) => screen.includes('HASH RANGE') && screen.includes('shardId-000000000001'));
		await term.press('c');
		await term.waitFor(/KCL +e2e-events-app/, 15_000);
		await term.press('enter');
		await term.waitFor(/shardId-000000000000 +worker-1 +3/, 15_000);
		await term.press('space');
		await term.waitFor(/✓ shardId-000000000000/);
		await term.press('R');
		await term.waitFor('reset to (trim-horizon');
		await term.type('trim-horizon');
		await term.press('enter');
		const plan = await term.waitFor('y submits', 15_000);
		expect(plan).toMatch(/shardId-000000000000 +…\d+ +→ TRIM_HORIZON .*re-read 8 records/);
		await term.press('y');
		await term.waitFor(/Written: 0 …\d+ → TRIM_HORIZON/, 15_000);
		expect(await readFile(audit, 'utf8')).toContain('"operation":"checkpoint-reset"');
		dynamo.destroy();
	});
});
