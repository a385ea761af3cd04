import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	EnableEnhancedMonitoringCommand,
	LimitExceededException,
	ListShardsCommand,
	PutRecordsCommand,
	SplitShardCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AuditLog, auditLogPath, type AuditEntry} from '../../source/console/auditLog.js';
import type {ChangeContext, ChangeProgress} from '../../source/console/changes.js';
import type {ConnectionTarget} from '../../source/console/connect.js';
import {ConsoleError} from '../../source/console/failures.js';
import {partitionKeyHash} from '../../source/console/hashKeys.js';
import {executeReshard, KEY_SPACE, loadStreamShape, type ReshardResult, type StreamShape} from '../../source/console/reshard.js';
import {
	planMerge,
	planNeighbourMerge,
	planScale,
	planSplit,
	proposeMerge,
	accountShardLimits,
	scaleSteps,
} from '../../source/console/reshardPlans.js';
import {measureTraffic, observedTraffic, type Observation} from '../../source/console/traffic.js';
import type {Engine} from '../../source/engine/index.js';
import {credentials, kinesisClient, startEngine} from '../helpers/engine.js';

const MAX = KEY_SPACE - 1n;
const HALF = KEY_SPACE / 2n;
const QUARTER = KEY_SPACE / 4n;

let engine: Engine;
let client: KinesisClient;
let dir: string;
let audit: AuditLog;
let target: ConnectionTarget;

beforeAll(async () => {
	// UPDATING lasts 600 ms: long enough that a follower polling every 40 ms sees it on a loaded machine (150 ms was missed once in CI-like load).
	engine = await startEngine({updateStreamMs: 600, shardLimit: 60});
	client = kinesisClient(engine.url, 'http1');
	dir = mkdtempSync(join(tmpdir(), 'reshard-'));
	audit = new AuditLog(join(dir, 'state', 'audit.jsonl'));
	target = {
		kind: 'endpoint',
		region: 'us-east-1',
		profile: 'ops',
		endpoint: engine.url,
		endpoints: {kinesis: engine.url, cloudwatch: engine.url, dynamodb: engine.url},
	};
});
afterAll(async () => {
	client.destroy();
	await engine.close();
	rmSync(dir, {recursive: true, force: true});
});

const context = (): ChangeContext => ({kinesis: client, target, audit, timing: {pollMs: 40, maxPollMs: 100}});

let streams = 0;
async function createStream(shards: number): Promise<string> {
	const name = `reshard-${process.pid}-${++streams}`;
	await client.send(new CreateStreamCommand({StreamName: name, ShardCount: shards}));
	return name;
}

/** Runs a change to the end, returning its events and result. */
async function run(
	changes: AsyncGenerator<ChangeProgress<ReshardResult>, ReshardResult>,
): Promise<{events: Array<ChangeProgress<ReshardResult>>; result: ReshardResult}> {
	const events: Array<ChangeProgress<ReshardResult>> = [];
	for await (const event of changes) events.push(event);
	const done = events.at(-1);
	if (done?.type !== 'done') throw new Error('the change did not end with done');
	return {events, result: done.result};
}

const ranges = (shards: ReadonlyArray<{startingHashKey: string; endingHashKey: string}>) =>
	shards.map((shard) => [shard.startingHashKey, shard.endingHashKey]);
const entriesOf = async (stream: string): Promise<AuditEntry[]> => (await audit.read()).filter((entry) => entry.stream === stream);

async function refusal(changes: AsyncGenerator<unknown, unknown>): Promise<ConsoleError> {
	try {
		for await (const _ of changes) {
			// Nothing is expected before the refusal.
		}
	} catch (error) {
		if (error instanceof ConsoleError) return error;
		throw error;
	}
	throw new Error('the change was not refused');
}

describe('split', () => {
	it('at the midpoint: previews the children, follows UPDATING to ACTIVE, and records both steps', async () => {
		const stream = await createStream(2);
		const shape = await loadStreamShape(client, stream);
		const plan = planSplit(shape, {shardId: 'shardId-000000000001', at: 'midpoint'});
		expect(plan.problems).toEqual([]);
		expect(plan.newStartingHashKey).toBe((HALF + QUARTER).toString());
		expect(ranges(plan.children)).toEqual([
			[HALF.toString(), (HALF + QUARTER - 1n).toString()],
			[(HALF + QUARTER).toString(), MAX.toString()],
		]);
		expect(plan.children.map((child) => child.keySpaceShare)).toEqual([0.25, 0.25]);
		expect(plan.openShards).toEqual({before: 2, after: 3});

		const {events, result} = await run(executeReshard(context(), plan));
		expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['submitting', 'submitted', 'status', 'done']));
		expect(events.filter((event) => event.type === 'status').map((event) => (event.type === 'status' ? event.status : ''))).toContain(
			'UPDATING',
		);
		expect(result.newShardIds).toEqual(['shardId-000000000002', 'shardId-000000000003']);
		expect(ranges(result.openShards)).toEqual([['0', (HALF - 1n).toString()], ...ranges(plan.children)]);
		const summary = await client.send(new DescribeStreamSummaryCommand({StreamName: stream}));
		expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');

		const entries = await entriesOf(stream);
		expect(entries.map((entry) => entry.outcome)).toEqual(['submitted', 'completed']);
		expect(new Set(entries.map((entry) => entry.id)).size).toBe(1);
		expect(entries[1]).toMatchObject({
			operation: 'split',
			target: {kind: 'endpoint', region: 'us-east-1', profile: 'ops', endpoint: engine.url},
			parameters: {shardId: 'shardId-000000000001', method: 'midpoint', newStartingHashKey: plan.newStartingHashKey},
			before: {openShards: 2, shard: {shardId: 'shardId-000000000001', startingHashKey: HALF.toString(), endingHashKey: MAX.toString()}},
			after: {openShards: 3, created: [{shardId: 'shardId-000000000002'}, {shardId: 'shardId-000000000003'}]},
		});
		const text = readFileSync(audit.path, 'utf8');
		expect(text).not.toContain(credentials.secretAccessKey);
		expect(text).not.toContain(credentials.accessKeyId);
	});

	it('at a given hash key, and refuses one outside the shard', async () => {
		const stream = await createStream(1);
		const shape = await loadStreamShape(client, stream);
		const at = (12_345_678_901_234_567_890n * 1_000_000n).toString();
		const plan = planSplit(shape, {shardId: 'shardId-000000000000', at: {hashKey: at}});
		expect(plan.method).toBe('hash-key');
		expect(ranges(plan.children)).toEqual([
			['0', (BigInt(at) - 1n).toString()],
			[at, MAX.toString()],
		]);
		const {result} = await run(executeReshard(context(), plan));
		expect(ranges(result.openShards)).toEqual(ranges(plan.children));

		const outside = planSplit(await loadStreamShape(client, stream), {
			shardId: 'shardId-000000000001',
			at: {hashKey: (BigInt(at) + 1n).toString()},
		});
		expect(outside.problems).toEqual([
			expect.objectContaining({kind: 'refused', message: expect.stringContaining(`not inside shardId-000000000001`)}),
		]);
		expect(outside).toMatchObject({children: [], newStartingHashKey: ''});
		const closed = planSplit(await loadStreamShape(client, stream), {shardId: 'shardId-000000000000', at: 'midpoint'});
		expect(closed.problems[0]?.message).toContain('is closed');
		const before = (await entriesOf(stream)).length;
		expect((await refusal(executeReshard(context(), outside))).failure.kind).toBe('not-allowed');
		expect((await entriesOf(stream)).length).toBe(before);
	});

	it('at the median of skewed observed traffic: the preview shares are what the children take', async () => {
		const stream = await createStream(2);
		const shape = await loadStreamShape(client, stream);
		// Traffic crowded into the bottom sixteenth of shard 1's range, by explicit hash key, with a few partition keys.
		const observations: Observation[] = Array.from({length: 400}, (_, index) => ({
			hashKey: HALF + ((QUARTER / 400n) * BigInt(index)) / 4n + 7n,
			count: 1 + (index % 5),
		}));
		const keys = Array.from({length: 200}, (_, n) => `user-${n}`);
		for (const key of keys.filter((key) => partitionKeyHash(key) >= HALF)) observations.push({partitionKey: key});
		// Records of shard 0's range, as a reader of shard 1 sees those written there with an ExplicitHashKey.
		const elsewhere = keys.find((key) => partitionKeyHash(key) < HALF) ?? '';
		observations.push({partitionKey: elsewhere, count: 3});

		const midpoint = planSplit(shape, {shardId: 'shardId-000000000001', at: 'midpoint', observations});
		expect(midpoint.children[0]?.traffic?.share).toBeGreaterThan(0.8);
		// Nothing seen of the shard: its ranges' shares are unknown, not 0% each.
		const unseen = planSplit(shape, {shardId: 'shardId-000000000001', at: 'midpoint', observations: [{partitionKey: elsewhere}]});
		expect([unseen.parent.traffic, ...unseen.children.map((child) => child.traffic)]).toEqual([undefined, undefined, undefined]);
		const plan = planSplit(shape, {shardId: 'shardId-000000000001', at: 'median', observations, observedFrom: 'a test'});
		expect(plan.problems).toEqual([]);
		const inRange = plan.observed?.inRange ?? 0;
		expect(plan.observed).toMatchObject({from: 'a test', records: inRange + 3, outsideRange: 3});
		expect(plan.warnings.join(' ')).toContain('3 of the ');
		const [lower, upper] = plan.children;
		expect(Math.abs((lower?.traffic?.share ?? 0) - 0.5)).toBeLessThan(0.02);
		expect((lower?.traffic?.share ?? 0) + (upper?.traffic?.share ?? 0)).toBeCloseTo(1, 10);
		expect((lower?.traffic?.records ?? 0) + (upper?.traffic?.records ?? 0)).toBe(inRange);

		const {result} = await run(executeReshard(context(), plan));
		expect(ranges(result.openShards.slice(1))).toEqual(ranges(plan.children));
		// Write the observed traffic and count where Kinesis puts it: each child takes its previewed records.
		const records = observations
			.filter((observation) => !('partitionKey' in observation && observation.partitionKey === elsewhere))
			.flatMap((observation) => {
				const count = observation.count ?? 1;
				const route =
					'hashKey' in observation
						? {PartitionKey: 'k', ExplicitHashKey: observation.hashKey.toString()}
						: {PartitionKey: observation.partitionKey};
				return Array.from({length: count}, () => ({...route, Data: Buffer.from('x')}));
			});
		const perShard = new Map<string, number>();
		for (let offset = 0; offset < records.length; offset += 500) {
			const written = await client.send(new PutRecordsCommand({StreamName: stream, Records: records.slice(offset, offset + 500)}));
			for (const entry of written.Records ?? []) perShard.set(entry.ShardId ?? '', (perShard.get(entry.ShardId ?? '') ?? 0) + 1);
		}
		expect([perShard.get(result.newShardIds[0] ?? ''), perShard.get(result.newShardIds[1] ?? '')]).toEqual([
			lower?.traffic?.records,
			upper?.traffic?.records,
		]);
	});

	it('refuses a median when the observed traffic has a single hash key, and warns of a key too hot to divide', async () => {
		const stream = await createStream(1);
		const shape = await loadStreamShape(client, stream);
		const single = planSplit(shape, {shardId: 'shardId-000000000000', at: 'median', observations: [{partitionKey: 'only', count: 50}]});
		expect(single.problems[0]?.message).toContain('have one hash key');
		const hot = planSplit(shape, {
			shardId: 'shardId-000000000000',
			at: 'median',
			observations: [{partitionKey: 'hot', count: 900}, {partitionKey: 'a'}, {partitionKey: 'b'}],
		});
		expect(hot.warnings.join(' ')).toContain("The partition key 'hot' takes 99.8%");
	});
});

describe('merge', () => {
	it('proposes the coldest adjacent pair from traffic read back, and merges it', async () => {
		const stream = await createStream(4);
		const rates = [60, 20, 2, 40];
		const batch = rates.flatMap((count, shard) =>
			Array.from({length: count}, () => ({
				PartitionKey: 'k',
				ExplicitHashKey: (QUARTER * BigInt(shard) + 5n).toString(),
				Data: Buffer.from('x'),
			})),
		);
		await client.send(new PutRecordsCommand({StreamName: stream, Records: batch}));
		const shape = await loadStreamShape(client, stream);
		const traffic = await measureTraffic(
			client,
			stream,
			shape.openShards.map((shard) => shard.shardId),
			{windowMs: 60_000},
		);
		expect(traffic.source).toBe('sample');
		expect(traffic.shards.map((row) => row.records)).toEqual(rates);
		// A stream younger than the window: its rates are over its life, not over a minute it did not have.
		expect(shape.createdMs).toBeGreaterThan(Date.now() - 60_000);
		const young = await measureTraffic(client, stream, ['shardId-000000000000'], {windowMs: 60_000, notBeforeMs: shape.createdMs ?? 0});
		const lifeSeconds = (Date.now() - (shape.createdMs ?? 0)) / 1000;
		expect(young.shards[0]?.records).toBe(60);
		expect(young.shards[0]?.recordsPerSecond).toBeGreaterThanOrEqual(60 / lifeSeconds);
		expect(young.shards[0]?.recordsPerSecond).toBeGreaterThan(5 * (traffic.shards[0]?.recordsPerSecond ?? 0));
		const plan = proposeMerge(shape, traffic);
		expect(plan).toMatchObject({
			reason: 'coldest',
			shardToMerge: 'shardId-000000000001',
			adjacentShardToMerge: 'shardId-000000000002',
			problems: [],
		});
		expect(plan.shards.map((shard) => shard.traffic?.records)).toEqual([20, 2]);
		expect(plan.merged).toMatchObject({
			startingHashKey: QUARTER.toString(),
			endingHashKey: (3n * QUARTER - 1n).toString(),
			keySpaceShare: 0.5,
			traffic: {records: 22},
		});

		const {result} = await run(executeReshard(context(), plan));
		expect(result.newShardIds).toEqual(['shardId-000000000004']);
		expect(result.openShards.map((shard) => shard.shardId)).toEqual([
			'shardId-000000000000',
			'shardId-000000000004',
			'shardId-000000000003',
		]);
		expect(result.openShards[1]?.parents).toEqual(['shardId-000000000001', 'shardId-000000000002']);
		const [, completed] = await entriesOf(stream);
		expect(completed).toMatchObject({
			operation: 'merge',
			outcome: 'completed',
			parameters: {shardToMerge: 'shardId-000000000001', adjacentShardToMerge: 'shardId-000000000002', reason: 'coldest'},
		});
	});

	it("proposes the pair from CloudWatch's shard-level IncomingRecords when enhanced monitoring records it", async () => {
		const stream = await createStream(3);
		await client.send(new EnableEnhancedMonitoringCommand({StreamName: stream, ShardLevelMetrics: ['IncomingRecords', 'IncomingBytes']}));
		const rates = [1, 30, 2];
		const batch = rates.flatMap((count, shard) =>
			Array.from({length: count}, () => ({
				PartitionKey: 'k',
				ExplicitHashKey: ((KEY_SPACE / 3n) * BigInt(shard) + 5n).toString(),
				Data: Buffer.from('xyz'),
			})),
		);
		await client.send(new PutRecordsCommand({StreamName: stream, Records: batch}));
		const shape = await loadStreamShape(client, stream);
		expect(shape.enhancedMetrics).toEqual(expect.arrayContaining(['IncomingRecords']));
		const cloudwatch = new CloudWatchClient({endpoint: engine.url, region: 'us-east-1', credentials});
		try {
			const traffic = await measureTraffic(
				client,
				stream,
				shape.openShards.map((shard) => shard.shardId),
				{windowMs: 300_000, enhancedMetrics: shape.enhancedMetrics, cloudwatch},
			);
			expect(traffic.source).toBe('cloudwatch');
			expect(traffic.shards.map((row) => row.records)).toEqual(rates);
			expect(proposeMerge(shape, traffic)).toMatchObject({
				shardToMerge: 'shardId-000000000000',
				adjacentShardToMerge: 'shardId-000000000001',
			});
		} finally {
			cloudwatch.destroy();
		}
	});

	it('ranks only pairs whose traffic is known; with none known, proposes the smallest pair and does not call it the coldest', async () => {
		const stream = await createStream(3);
		await run(
			executeReshard(context(), planSplit(await loadStreamShape(client, stream), {shardId: 'shardId-000000000002', at: 'midpoint'})),
		);
		const shape = await loadStreamShape(client, stream);
		expect(shape.openShards.map((shard) => shard.shardId)).toEqual([
			'shardId-000000000000',
			'shardId-000000000001',
			'shardId-000000000003',
			'shardId-000000000004',
		]);
		// A dashboard's live reader saw only the two shards in its view: the others are unknown, not idle.
		const inView = observedTraffic(
			[
				{shardId: 'shardId-000000000000', recordsPerSecond: 50},
				{shardId: 'shardId-000000000001', recordsPerSecond: 40},
			],
			30_000,
		);
		const partly = proposeMerge(shape, inView);
		expect(partly).toMatchObject({reason: 'coldest', shardToMerge: 'shardId-000000000000', adjacentShardToMerge: 'shardId-000000000001'});
		expect(partly.warnings).toContain(
			'Traffic is known for 1 of the 3 adjacent pairs: this is the coldest of those, and another pair may be colder.',
		);
		const unknown = proposeMerge(shape);
		expect(unknown).toMatchObject({reason: 'smallest', shardToMerge: 'shardId-000000000003', adjacentShardToMerge: 'shardId-000000000004'});
		expect(unknown.warnings.join(' ')).not.toContain('coldest');
		// A sample that ran out of time before reading shards 3 and 4 counted nothing there: unknown, not 0 a second.
		const row = (shardId: string, records: number, complete: boolean) => ({
			shardId,
			records,
			bytes: records * 100,
			recordsPerSecond: records / 60,
			bytesPerSecond: (records * 100) / 60,
			complete,
		});
		const cut = proposeMerge(shape, {
			source: 'sample',
			windowMs: 60_000,
			shards: [
				row('shardId-000000000000', 600, true),
				row('shardId-000000000001', 300, false),
				row('shardId-000000000003', 0, false),
				row('shardId-000000000004', 0, false),
			],
		});
		expect(cut).toMatchObject({reason: 'coldest', shardToMerge: 'shardId-000000000000', adjacentShardToMerge: 'shardId-000000000001'});
		expect(cut.merged.traffic).toMatchObject({records: 900});
		const unread = planMerge(shape, 'shardId-000000000003', 'shardId-000000000004', {
			source: 'sample',
			windowMs: 60_000,
			shards: [row('shardId-000000000003', 0, false), row('shardId-000000000004', 0, false)],
		});
		expect(unread.merged.traffic).toBeUndefined();
		expect(unread.warnings).toContain('The traffic of these shards is unknown.');
	});

	it('takes the pair in either order, refuses shards that are not adjacent, and says so before calling', async () => {
		const stream = await createStream(3);
		const shape = await loadStreamShape(client, stream);
		expect(planMerge(shape, 'shardId-000000000002', 'shardId-000000000001')).toMatchObject({
			shardToMerge: 'shardId-000000000001',
			adjacentShardToMerge: 'shardId-000000000002',
			problems: [],
		});
		const apart = planMerge(shape, 'shardId-000000000000', 'shardId-000000000002');
		expect(apart.problems).toEqual([
			expect.objectContaining({
				kind: 'refused',
				message: expect.stringContaining('are not adjacent'),
				hint: 'Adjacent pairs: shardId-000000000000 shardId-000000000001; shardId-000000000001 shardId-000000000002.',
			}),
		]);
		const error = await refusal(executeReshard(context(), apart));
		// Refused by the console's own check, before any call: not Kinesis's refusal (13).
		expect(error.failure).toMatchObject({kind: 'not-allowed', exitCode: 15});
		expect(await entriesOf(stream)).toEqual([]);
		expect(planMerge(shape, 'shardId-000000000001', 'shardId-000000000009').problems[0]).toMatchObject({kind: 'not-found'});
	});

	it('pairs a shard with its neighbour on the side asked, or the other side at an end of the key space', async () => {
		const shape = await loadStreamShape(client, await createStream(3));
		const pair = (shardId: string, side: 'upper' | 'lower') => {
			const plan = planNeighbourMerge(shape, shardId, side);
			return [plan.shardToMerge, plan.adjacentShardToMerge, plan.problems.length];
		};
		expect(pair('shardId-000000000001', 'upper')).toEqual(['shardId-000000000001', 'shardId-000000000002', 0]);
		expect(pair('shardId-000000000001', 'lower')).toEqual(['shardId-000000000000', 'shardId-000000000001', 0]);
		expect(pair('shardId-000000000002', 'upper')).toEqual(['shardId-000000000001', 'shardId-000000000002', 0]);
		expect(pair('shardId-000000000000', 'lower')).toEqual(['shardId-000000000000', 'shardId-000000000001', 0]);
	});
});

describe('scale', () => {
	it("says the reach of one step within the stream's and the account's limits, not double alone", () => {
		const shapeOf = (open: number): StreamShape => ({
			stream: 'big',
			status: 'ACTIVE',
			mode: 'PROVISIONED',
			retentionHours: 24,
			enhancedMetrics: [],
			openShards: Array.from({length: open}, (_, index) => ({
				shardId: `shardId-${String(index).padStart(12, '0')}`,
				open: true,
				parents: [],
				startingHashKey: String(index),
				endingHashKey: String(index),
				startingSequenceNumber: undefined,
				endingSequenceNumber: undefined,
			})),
			lastShardId: `shardId-${String(open - 1).padStart(12, '0')}`,
		});
		const roomy = {shardLimit: 100_000, openShardCount: 0};
		expect(planScale(shapeOf(3), 4, roomy).limits).toMatchObject({minTarget: 2, maxTarget: 6});
		// Double would pass the 10,000 shards of a stream.
		const big = planScale(shapeOf(6_000), 12_000, roomy);
		expect(big.limits).toMatchObject({minTarget: 3_000, maxTarget: 10_000});
		expect(big.problems.map((problem) => problem.message)).toEqual(['UpdateShardCount does not scale a stream up past 10,000 shards.']);
		// The account has room for 2 more.
		const tight = planScale(shapeOf(3), 6, {shardLimit: 60, openShardCount: 58});
		expect(tight.limits).toMatchObject({minTarget: 2, maxTarget: 5});
		expect(tight.problems.map((problem) => problem.message)).toEqual([
			"3 more open shards would pass the account's quota: 58 of 60 are open in this region.",
		]);
		// Past 10,000, only down below it; and no room at all leaves the reach at the shards open now.
		expect(planScale(shapeOf(12_000), 9_000, roomy).limits).toMatchObject({minTarget: 6_000, maxTarget: 9_999, inReach: true});
		// Past twice that, no target: below 10,000 is less than half.
		expect(planScale(shapeOf(20_000), 9_999, roomy).limits).toMatchObject({inReach: false});
		expect(planScale(shapeOf(3), 4, roomy).limits.inReach).toBe(true);
		expect(planScale(shapeOf(3), 3, {shardLimit: 3, openShardCount: 3}).limits).toMatchObject({minTarget: 2, maxTarget: 3});
	});

	it('up and down uniformly, the previewed ranges being the result', async () => {
		const stream = await createStream(3);
		const up = planScale(await loadStreamShape(client, stream), 6, await accountShardLimits(client));
		expect(up.problems).toEqual([]);
		expect(up.limits).toMatchObject({openShards: 3, minTarget: 2, maxTarget: 6, scalingsPerDay: 10, account: {shardLimit: 60}});
		expect(up.limits.note).toContain('cannot be known');
		const {result} = await run(executeReshard(context(), up));
		expect(ranges(result.openShards)).toEqual(ranges(up.ranges));
		expect(result.newShardIds).toHaveLength(6);

		const down = planScale(await loadStreamShape(client, stream), 3);
		const scaled = await run(executeReshard(context(), down));
		expect(ranges(scaled.result.openShards)).toEqual(ranges(down.ranges));
		expect((await entriesOf(stream)).map((entry) => [entry.operation, entry.outcome, entry.parameters.targetShardCount])).toEqual([
			['scale', 'submitted', 6],
			['scale', 'completed', 6],
			['scale', 'submitted', 3],
			['scale', 'completed', 3],
		]);
	});

	it("refuses over double, under half, past the account's quota, and nothing to change, before calling", async () => {
		const stream = await createStream(4);
		const shape = await loadStreamShape(client, stream);
		expect(planScale(shape, 9).problems.map((problem) => problem.message)).toEqual([
			'9 shards is more than double the 4 open shards: Kinesis scales up to at most 8 in one step.',
		]);
		expect(planScale(shape, 9).problems[0]?.hint).toBe('Scale in steps: 4 → 8 → 9.');
		expect(planScale(shape, 1).problems[0]?.message).toContain('less than half the 4 open shards');
		const account = await accountShardLimits(client);
		expect(account).toMatchObject({shardLimit: 60});
		const quota = planScale(shape, 8, {shardLimit: 40, openShardCount: 37});
		expect(quota.problems[0]?.message).toContain('4 more open shards would pass the account');
		expect(planScale(shape, 4)).toMatchObject({unchanged: true, problems: []});
		expect(planScale({...shape, mode: 'ON_DEMAND'}, 5).problems[0]?.message).toContain('is an ON_DEMAND stream');
		expect(planScale({...shape, status: 'UPDATING'}, 5).problems[0]).toMatchObject({
			kind: 'in-use',
			message: `'${stream}' is UPDATING, not ACTIVE: Kinesis changes a stream only while it is ACTIVE.`,
		});
		expect((await refusal(executeReshard(context(), planScale(shape, 9)))).failure.kind).toBe('not-allowed');
		expect((await refusal(executeReshard(context(), planScale(shape, 4)))).failure.message).toContain('nothing to change');
		expect(await entriesOf(stream)).toEqual([]);
	});

	it("suggests only steps Kinesis takes: none past 10,000 shards or the account's quota, none down from over 10,000 to 10,000 or more", async () => {
		// Up to the per-stream maximum, and no further.
		expect(scaleSteps(6_000, 20_000)).toEqual({
			steps: [6_000, 10_000],
			stop: 'UpdateShardCount does not scale a stream up past 10,000 shards',
		});
		expect(scaleSteps(10_000, 12_000).steps).toEqual([10_000]);
		// Up to the account's room (3 more open shards), and no further.
		expect(scaleSteps(4, 20, 3)).toEqual({steps: [4, 7], stop: "the account's shard quota allows 3 more open shards in the region"});
		expect(scaleSteps(4, 9, 100)).toEqual({steps: [4, 8, 9]});
		// A stream of more than 10,000 shards steps down only to fewer than 10,000: from 30,000 no step does; from 15,000 one does.
		expect(scaleSteps(30_000, 5_000)).toMatchObject({steps: [30_000], stop: expect.stringContaining('half of 30,000 is not')});
		expect(scaleSteps(15_000, 1_000)).toEqual({steps: [15_000, 7_500, 3_750, 1_875, 1_000]});
		// Ten scalings a day: 1 → 10,000 takes 14, and the way stops after ten.
		expect(scaleSteps(1, 10_000)).toEqual({
			steps: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024],
			stop: 'Kinesis takes 10 scalings of a stream in a rolling 24 hours; the rest waits a day',
		});
		for (const [current, target, headroom] of [
			[6_000, 20_000, undefined],
			[4, 20, 3],
			[30_000, 5_000, undefined],
			[15_000, 1_000, undefined],
			[3, 10_000, 50_000],
		] as const) {
			const {steps} = scaleSteps(current, target, headroom);
			for (let index = 1; index < steps.length; index++) {
				const [from, to] = [steps[index - 1] as number, steps[index] as number];
				expect(to).toBeLessThanOrEqual(Math.min(from * 2, 10_000, current + (headroom ?? Infinity)));
				expect(to).toBeGreaterThanOrEqual(Math.ceil(from / 2));
				if (from > 10_000 && to < from) expect(to).toBeLessThan(10_000);
			}
		}
		const shape = await loadStreamShape(client, await createStream(4));
		expect(planScale(shape, 20, {shardLimit: 40, openShardCount: 37}).problems[0]?.hint).toBe(
			"Scale in steps: 4 → 7, and no further: the account's shard quota allows 3 more open shards in the region.",
		);
	});
});

describe("Kinesis's refusals and throttling", () => {
	it('says plainly that the stream is busy when another change started after the plan, and records the failure', async () => {
		const stream = await createStream(2);
		const plan = planSplit(await loadStreamShape(client, stream), {shardId: 'shardId-000000000000', at: 'midpoint'});
		await client.send(
			new SplitShardCommand({StreamName: stream, ShardToSplit: 'shardId-000000000001', NewStartingHashKey: (HALF + QUARTER).toString()}),
		);
		const error = await refusal(executeReshard(context(), plan));
		expect(error.failure).toMatchObject({kind: 'in-use', exitCode: 12});
		expect(error.failure.message).toBe(
			'Kinesis refused the split of shardId-000000000000: the stream is UPDATING, so another change (a reshard, a retention or encryption change) is still in progress.',
		);
		const entries = await entriesOf(stream);
		expect(entries).toEqual([expect.objectContaining({outcome: 'failed', error: expect.stringContaining('the stream is UPDATING')})]);
	});

	it('retries a throttled control-plane call with backoff, reporting each retry', async () => {
		const stream = await createStream(1);
		const plan = planSplit(await loadStreamShape(client, stream), {shardId: 'shardId-000000000000', at: 'midpoint'});
		let throttles = 0;
		const flaky = {
			send(command: {constructor: {name: string}}, options?: unknown) {
				if (command.constructor.name === 'SplitShardCommand' && throttles < 2) {
					throttles++;
					return Promise.reject(
						new LimitExceededException({message: 'Rate exceeded for stream under account 000000000000.', $metadata: {}}),
					);
				}
				return client.send(command as never, options as never);
			},
		} as unknown as KinesisClient;
		const {events} = await run(executeReshard({...context(), kinesis: flaky, timing: {pollMs: 40, retryBaseMs: 10}}, plan));
		expect(events.filter((event) => event.type === 'retrying')).toEqual([
			expect.objectContaining({call: 'SplitShard', kind: 'throttling', attempt: 1, reason: expect.stringContaining('Rate exceeded')}),
			expect.objectContaining({call: 'SplitShard', attempt: 2}),
		]);
		const {Shards: shards = []} = await client.send(new ListShardsCommand({StreamName: stream}));
		expect(shards).toHaveLength(3);
	});
});

describe('a change accepted, then lost track of', () => {
	it('is not "failed": it says the change was accepted, how to check it, and exits with its own code', async () => {
		const stream = await createStream(1);
		const plan = planSplit(await loadStreamShape(client, stream), {shardId: 'shardId-000000000000', at: 'midpoint'});
		let splitSent = false;
		// Following the split is refused once it is sent, as a policy allowing SplitShard and not DescribeStreamSummary would.
		const denied = Object.assign(
			new Error('User: arn:aws:iam::000000000000:user/ops is not authorized to perform: kinesis:DescribeStreamSummary'),
			{
				name: 'AccessDeniedException',
				$metadata: {httpStatusCode: 400},
			},
		);
		const flaky = {
			send(command: {constructor: {name: string}}, options?: unknown) {
				if (command.constructor.name === 'SplitShardCommand') splitSent = true;
				else if (splitSent && command.constructor.name === 'DescribeStreamSummaryCommand') return Promise.reject(denied);
				return client.send(command as never, options as never);
			},
		} as unknown as KinesisClient;
		const events: string[] = [];
		let error: unknown;
		try {
			for await (const event of executeReshard({...context(), kinesis: flaky}, plan)) events.push(event.type);
		} catch (caught) {
			error = caught;
		}
		expect(events).toEqual(['submitting', 'submitted']);
		expect(error).toBeInstanceOf(ConsoleError);
		const failure = (error as ConsoleError).failure;
		expect(failure).toMatchObject({kind: 'unconfirmed', exitCode: 17});
		expect(failure.message).toMatch(
			/^The split of shardId-000000000000 was accepted, but following it failed, so whether it has finished is not known: Access denied: .*kinesis:DescribeStreamSummary/,
		);
		expect(failure.hint).toBe(`Check before submitting it again: kinesis-console describe ${stream}.`);
		// The split happened all the same.
		const {Shards: shards = []} = await client.send(new ListShardsCommand({StreamName: stream}));
		expect(shards).toHaveLength(3);
		expect((await entriesOf(stream)).map((entry) => entry.outcome)).toEqual(['submitted', 'unconfirmed']);
	});

	it('keeps a follow that runs out of time as it said, with the same kind and the same advice', async () => {
		const stream = await createStream(1);
		const plan = planSplit(await loadStreamShape(client, stream), {shardId: 'shardId-000000000000', at: 'midpoint'});
		const error = await refusal(executeReshard({...context(), timing: {pollMs: 40, followTimeoutMs: 1}}, plan));
		expect(error.failure).toMatchObject({kind: 'unconfirmed', exitCode: 17});
		expect(error.failure.hint).toBe(`Check before submitting it again: kinesis-console describe ${stream}.`);
		expect(error.failure.message).toMatch(
			/is still UPDATING after \d+ s; the console stopped following it, and the change goes on at Kinesis\.$/,
		);
	});
});

describe('the audit log', () => {
	it('lives in $KINESIS_CONSOLE_AUDIT_LOG, else under $XDG_STATE_HOME, else ~/.local/state', () => {
		expect(auditLogPath({KINESIS_CONSOLE_AUDIT_LOG: '/tmp/x.jsonl', XDG_STATE_HOME: '/state'})).toBe('/tmp/x.jsonl');
		expect(auditLogPath({XDG_STATE_HOME: '/state', HOME: '/home/a'})).toBe('/state/kinesis-console/audit.jsonl');
		expect(auditLogPath({XDG_STATE_HOME: 'relative', HOME: '/home/a'})).toBe('/home/a/.local/state/kinesis-console/audit.jsonl');
		expect(auditLogPath({HOME: '/home/a'})).toBe('/home/a/.local/state/kinesis-console/audit.jsonl');
	});

	it('keeps credentials out of a line, and a change it cannot record is not made', async () => {
		const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
		const previous = process.env.AWS_SECRET_ACCESS_KEY;
		process.env.AWS_SECRET_ACCESS_KEY = secret;
		try {
			const entry = await audit.append({
				id: 'x',
				operation: 'test',
				stream: 's',
				target: {kind: 'aws', region: 'eu-west-1'},
				parameters: {note: `a message quoting ${secret}`},
				outcome: 'failed',
			});
			expect(entry.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
			expect(readFileSync(audit.path, 'utf8')).not.toContain(secret);
		} finally {
			if (previous === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
			else process.env.AWS_SECRET_ACCESS_KEY = previous;
		}

		const stream = await createStream(1);
		const plan = planSplit(await loadStreamShape(client, stream), {shardId: 'shardId-000000000000', at: 'midpoint'});
		const blocked = new AuditLog(join(dir, 'not-a-directory', 'audit.jsonl'));
		writeFileSync(join(dir, 'not-a-directory'), 'a file where the directory would be');
		const error = await refusal(executeReshard({...context(), audit: blocked}, plan));
		expect(error.failure).toMatchObject({kind: 'configuration', message: expect.stringContaining('Cannot write the audit log')});
		expect(await openCount(stream)).toBe(1);
	});
});

async function openCount(stream: string): Promise<number> {
	const {Shards: shards = []} = await client.send(new ListShardsCommand({StreamName: stream}));
	return shards.filter((shard) => !shard.SequenceNumberRange?.EndingSequenceNumber).length;
}
