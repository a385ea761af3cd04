import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	GetRecordsCommand,
	GetShardIteratorCommand,
	IncreaseStreamRetentionPeriodCommand,
	ListShardsCommand,
	PutRecordsCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AuditLog} from '../../source/console/auditLog.js';
import type {ChangeContext} from '../../source/console/changes.js';
import type {ConnectionTarget} from '../../source/console/connect.js';
import {ConsoleError} from '../../source/console/failures.js';
import {
	confirmsDecrease,
	executeRetention,
	planRetention,
	retentionHoursProblem,
	retentionOverview,
	type RetentionResult,
} from '../../source/console/retention.js';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {waitActive as waitActiveOn} from '../helpers/wait.js';

const HOUR = 3_600_000;
const QUARTER = (1n << 128n) / 4n;

/** The engine's clock: real time moved by an offset, so that records can be written in the past and UPDATING still ends. */
let offset = 0;
const now = () => Date.now() + offset;

let engine: Engine;
let client: KinesisClient;
let dir: string;
let audit: AuditLog;
let context: ChangeContext;

beforeAll(async () => {
	engine = await startEngine({updateStreamMs: 100, now});
	client = kinesisClient(engine.url, 'http1');
	dir = mkdtempSync(join(tmpdir(), 'retention-'));
	audit = new AuditLog(join(dir, 'audit.jsonl'));
	const target: ConnectionTarget = {
		kind: 'local',
		region: 'us-east-1',
		endpoint: engine.url,
		endpoints: {kinesis: engine.url, cloudwatch: engine.url, dynamodb: engine.url},
	};
	context = {kinesis: client, target, audit, timing: {pollMs: 30, maxPollMs: 60}, now};
});
afterAll(async () => {
	client.destroy();
	await engine.close();
	rmSync(dir, {recursive: true, force: true});
});

const waitActive = (stream: string) => waitActiveOn(client, stream);

/** Writes `count` records into shard `shard` (of four), `hoursAgo` in the engine's past. */
async function putAt(stream: string, hoursAgo: number, counts: readonly number[]): Promise<void> {
	offset = -hoursAgo * HOUR;
	const records = counts.flatMap((count, shard) =>
		Array.from({length: count}, (_, n) => ({
			PartitionKey: `k${n}`,
			ExplicitHashKey: (QUARTER * BigInt(shard) + 1n).toString(),
			Data: Buffer.from(`${hoursAgo}h`),
		})),
	);
	if (records.length > 0) await client.send(new PutRecordsCommand({StreamName: stream, Records: records}));
}

/** Records readable per shard, from TRIM_HORIZON. */
async function readable(stream: string): Promise<Map<string, number>> {
	const counts = new Map<string, number>();
	const {Shards: shards = []} = await client.send(new ListShardsCommand({StreamName: stream}));
	for (const shard of shards) {
		let iterator = (
			await client.send(new GetShardIteratorCommand({StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON'}))
		).ShardIterator;
		let total = 0;
		while (iterator) {
			const page = await client.send(new GetRecordsCommand({ShardIterator: iterator}));
			total += page.Records?.length ?? 0;
			if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
			iterator = page.NextShardIterator;
		}
		counts.set(shard.ShardId ?? '', total);
	}
	return counts;
}

let streams = 0;
/** A stream of four shards keeping 72 hours, with records 40, 30, 10 and 0 hours old. */
async function agedStream(): Promise<{stream: string; old: number[]}> {
	const stream = `retention-${process.pid}-${++streams}`;
	offset = -41 * HOUR;
	await client.send(new CreateStreamCommand({StreamName: stream, ShardCount: 4}));
	await client.send(new IncreaseStreamRetentionPeriodCommand({StreamName: stream, RetentionPeriodHours: 72}));
	await waitActive(stream);
	const at40 = [30, 0, 5, 12];
	const at30 = [20, 0, 1, 3];
	await putAt(stream, 40, at40);
	await putAt(stream, 30, at30);
	await putAt(stream, 10, [15, 4, 0, 2]);
	await putAt(stream, 0, [5, 1, 0, 0]);
	offset = 0;
	return {stream, old: at40.map((count, shard) => count + (at30[shard] ?? 0))};
}

describe('retention', () => {
	it("shows the retention and the age of each shard's oldest record", async () => {
		const {stream} = await agedStream();
		const overview = await retentionOverview(client, stream, {now});
		expect(overview).toMatchObject({stream, status: 'ACTIVE', retentionHours: 72});
		const ages = overview.shards.map((shard) => (shard.oldest === undefined ? undefined : Math.round(shard.oldest.ageMs / HOUR)));
		expect(ages).toEqual([40, 10, 40, 40]);
		expect(Math.round((overview.oldestAgeMs ?? 0) / HOUR)).toBe(40);
		expect(overview.shards[0]?.oldest?.sequenceNumber).toMatch(/^\d+$/);
	});

	it('estimates what a decrease makes unreadable, per shard, and exactly that disappears', async () => {
		const {stream, old} = await agedStream();
		const before = await readable(stream);
		const plan = await planRetention(client, stream, 24, {now});
		expect(plan).toMatchObject({direction: 'decrease', currentHours: 72, newHours: 24, problems: [], confirmationText: stream});
		const estimate = plan.estimate;
		expect(estimate?.shards.map((shard) => [shard.records, shard.atLeast])).toEqual(old.map((count) => [count, false]));
		expect(estimate?.records).toBe(71);
		expect(estimate?.atLeast).toBe(false);
		expect(Math.round((estimate?.spanMs ?? 0) / HOUR)).toBe(10);
		expect(Math.round((Date.now() - Date.parse(estimate?.oldest ?? '')) / HOUR)).toBe(40);
		expect(estimate?.shards[1]).toMatchObject({records: 0, spanMs: 0});
		expect(confirmsDecrease(plan, ` ${stream} `)).toBe(true);
		expect(confirmsDecrease(plan, 'yes')).toBe(false);

		let result: RetentionResult | undefined;
		const statuses: string[] = [];
		for await (const event of executeRetention(context, plan)) {
			if (event.type === 'status') statuses.push(event.status);
			if (event.type === 'done') result = event.result;
		}
		expect(result).toMatchObject({stream, retentionHours: 24, status: 'ACTIVE'});
		expect(statuses.at(-1)).toBe('ACTIVE');
		const after = await readable(stream);
		const gone = [...before.entries()].map(([shardId, count]) => count - (after.get(shardId) ?? 0));
		expect(gone).toEqual(estimate?.shards.map((shard) => shard.records));

		const entries = (await audit.read()).filter((entry) => entry.stream === stream);
		expect(entries.map((entry) => entry.outcome)).toEqual(['submitted', 'completed']);
		expect(entries[1]).toMatchObject({
			operation: 'retention',
			target: {kind: 'local', region: 'us-east-1'},
			parameters: {retentionHours: 24, direction: 'decrease', estimate: {records: 71, atLeast: false}},
			before: {retentionHours: 72},
			after: {retentionHours: 24},
		});
	});

	it('says "at least" when the budget runs out, spanning up to the new horizon', async () => {
		const {stream} = await agedStream();
		const plan = await planRetention(client, stream, 24, {now, budget: {recordsPerShard: 10}});
		const shards = plan.estimate?.shards ?? [];
		expect(shards.map((shard) => [shard.records, shard.atLeast])).toEqual([
			[10, true],
			[0, false],
			[6, false],
			[10, true],
		]);
		expect(plan.estimate).toMatchObject({records: 26, atLeast: true});
		// What becomes unreadable reaches the horizon, 24 hours ago: 16 hours after the oldest record.
		expect(Math.round((shards[0]?.spanMs ?? 0) / HOUR)).toBe(16);
		expect(Math.round((plan.estimate?.spanMs ?? 0) / HOUR)).toBe(16);
	});

	it('increases without an estimate, and refuses periods Kinesis does not take', async () => {
		const {stream} = await agedStream();
		const plan = await planRetention(client, stream, 168, {now});
		expect(plan).toMatchObject({direction: 'increase', currentHours: 72, newHours: 168, problems: []});
		expect(plan.estimate).toBeUndefined();
		for await (const event of executeRetention(context, plan)) if (event.type === 'done') expect(event.result.retentionHours).toBe(168);
		const {StreamDescriptionSummary: summary} = await client.send(new DescribeStreamSummaryCommand({StreamName: stream}));
		expect(summary?.RetentionPeriodHours).toBe(168);

		expect(retentionHoursProblem(23)).toBe('A retention period is 24 to 8760 hours (1 to 365 days), not 23.');
		expect(retentionHoursProblem(8761)).toContain('not 8761');
		expect(retentionHoursProblem(24.5)).toContain('whole number');
		const tooLong = await planRetention(client, stream, 9000, {now});
		expect(tooLong.problems[0]).toMatchObject({kind: 'refused'});
		const same = await planRetention(client, stream, 168, {now});
		expect(same.direction).toBe('unchanged');
		await expect(executeRetention(context, same).next()).rejects.toBeInstanceOf(ConsoleError);
	});
});
