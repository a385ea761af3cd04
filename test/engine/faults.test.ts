import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {
	CreateStreamCommand,
	DecreaseStreamRetentionPeriodCommand,
	DescribeStreamSummaryCommand,
	IncreaseStreamRetentionPeriodCommand,
	KinesisServiceException,
	type KinesisClient,
	MergeShardsCommand,
	PutRecordsCommand,
	type Shard,
	SplitShardCommand,
	type StreamDescriptionSummary,
	UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import {afterAll, describe, expect, it} from 'vitest';
import {parseSequenceNumber} from '../../source/engine/kinesis/model/sequenceNumbers.js';
import {Store} from '../../source/engine/store/store.js';
import {kinesisClient} from '../helpers/engine.js';
import {spawnEngine, type EngineProcess} from '../helpers/engineProcess.js';
import {MAX_HASH_KEY, allShards, endOf, expectTiling, isOpen, openShards, readShardsParentsFirst, shardId, startOf} from './shardMaps.js';

/**
 * Fault injection: the engine runs as its own process (dist/cli.js, so `npm run build` first) on a data
 * directory, and is killed with SIGKILL at moments a seeded PRNG picks: during concurrent PutRecords,
 * while a SplitShard, MergeShards or UpdateShardCount is in flight, after it was acknowledged but before
 * the stream is ACTIVE again, and after; during the trimming a DecreaseStreamRetentionPeriod starts, and
 * during the retention sweep. After every restart: each acknowledged record is readable exactly once, in
 * order per partition key when shards are read parents first, with the sequence number it was acknowledged
 * with, unless it is past retention, in which case it is not returned; the shard map tiles the hash key
 * space with a sound lineage; every acknowledged reshard or retention change is in effect; and the engine
 * takes further writes and a further reshard.
 *
 * FAULT_SEEDS=n runs n seeds (default 8), FAULT_SEED=s starts at seed s (default 1), FAULT_ROUNDS=r runs r
 * rounds per seed, each with one or two kills (default 3). The figures are printed at the end, as one JSON
 * line: kills by kind and moment, restarts, acknowledged records and how often each was found, lost ones.
 *
 * Records are made old without waiting: the engine takes a clock offset from the environment
 * (KINESIS_CONSOLE_ENGINE_TEST_CLOCK_OFFSET_MS, see commands/engine.ts), moved 30 hours at a time across
 * restarts, so no record is ever near a retention horizon of 24 or 48 hours.
 */

const SEEDS = Number(process.env.FAULT_SEEDS ?? 8);
const FIRST_SEED = Number(process.env.FAULT_SEED ?? 1);
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 3);
const HOUR = 3_600_000;
/** Open shards the scenarios stay within, to keep each round short. */
const MAX_OPEN = 8;
const STREAM = 'faults';
const WRITERS = 3;
const KEYS_PER_WRITER = 6;
const RECORDS_PER_KEY = 4;

/** mulberry32: small, fast and good enough to pick scenarios; the same seed replays the same choices. */
class Random {
	private state: number;
	constructor(seed: number) {
		this.state = seed >>> 0;
	}
	next(): number {
		this.state = (this.state + 0x6d2b79f5) >>> 0;
		let t = this.state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	}
	/** A whole number from min to max, both included. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}
	pick<T>(values: readonly T[]): T {
		const value = values[Math.floor(this.next() * values.length)];
		if (value === undefined) throw new Error('pick from an empty list');
		return value;
	}
	/** A bigint from min to max, both included. */
	bigint(min: bigint, max: bigint): bigint {
		let wide = 0n;
		for (let word = 0; word < 5; word++) wide = (wide << 32n) | BigInt(Math.floor(this.next() * 4_294_967_296));
		return min + (wide % (max - min + 1n));
	}
}

/** What a writer was told: the record's number for its key, the sequence number, and the clock offset it was written under. */
interface Ack {
	readonly n: number;
	readonly sequenceNumber: string;
	readonly offsetMs: number;
}

/** Per partition key, the numbers handed out (acknowledged or not) and the acknowledged ones. */
class Ledger {
	private readonly sent = new Map<string, number>();
	readonly acked = new Map<string, Ack[]>();
	take(key: string): number {
		const n = this.sent.get(key) ?? 0;
		this.sent.set(key, n + 1);
		return n;
	}
	ack(key: string, ack: Ack): void {
		const list = this.acked.get(key);
		if (list) list.push(ack);
		else this.acked.set(key, [ack]);
	}
}

type Kind = 'writes' | 'split' | 'merge' | 'scale' | 'retention' | 'sweep';
type Moment = 'in flight' | 'acknowledged, UPDATING' | 'ACTIVE again' | 'during writes' | 'sweeping';

const figures = {
	seeds: 0,
	kills: 0,
	killsByKind: {} as Record<string, number>,
	killsByMoment: {} as Record<string, number>,
	/** Reshards and retention changes killed in flight that took effect anyway, of those killed in flight. */
	inFlightTookEffect: 0,
	inFlightKilled: 0,
	/** Kills while expired records were being trimmed, by how far the trimming had gone: not begun, part way, all done. */
	trims: {notBegun: 0, partWay: 0, done: 0},
	restarts: 0,
	/** Records acknowledged to the writers, and how many times one was looked for and found after a restart (once per restart). */
	acknowledged: 0,
	acknowledgedChecked: 0,
	/** Acknowledged records past retention, checked not to be returned (once per restart). */
	expiredChecked: 0,
	lost: 0,
	unacknowledgedStored: 0,
	elapsedMs: 0,
	/** The full-disk tests: how many ran to the end, acknowledged records checked after space came back, splits the full disk refused. */
	fullDisk: {runs: 0, acknowledgedChecked: 0, splitsRefused: 0},
};
const count = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);

/** A check of the shard map or stream summary that an acknowledged change must pass after every restart. */
type Expectation = (shards: readonly Shard[], summary: StreamDescriptionSummary) => void;

interface Run {
	readonly seed: number;
	readonly random: Random;
	readonly dir: string;
	readonly durability: 'process' | 'power';
	readonly roots: string[];
	readonly ledger: Ledger;
	readonly keys: string[][];
	readonly expectations: Expectation[];
	/** The retention periods the stream may have: one once known, two after a change killed in flight, until a restart tells. */
	retentionHours: number[];
	/** Errors no fault explains: any service error, any failed record, any engine stderr beyond its greeting. */
	readonly unexpected: string[];
	offsetMs: number;
	/** The highest shard index seen so far: reshards are never undone, so it never falls. */
	highestShard: number;
	/** Shards seen closed: none ever opens again. */
	readonly closed: Set<string>;
	engine?: EngineProcess | undefined;
	client?: KinesisClient | undefined;
}

const isServiceError = (error: unknown): error is KinesisServiceException => error instanceof KinesisServiceException;
const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

function clientOf(run: Run): KinesisClient {
	if (!run.client) throw new Error('the engine is not running');
	return run.client;
}

async function start(run: Run): Promise<void> {
	run.engine = await spawnEngine(['--data-dir', run.dir, '--limits', 'off', '--durability', run.durability], {
		env: {KINESIS_CONSOLE_ENGINE_TEST_CLOCK_OFFSET_MS: String(run.offsetMs), KINESIS_CONSOLE_ENGINE_TEST_SWEEP_MS: '10'},
	});
	run.client = kinesisClient(run.engine.url, 'http1');
	figures.restarts++;
}

function checkStderr(run: Run, engine: EngineProcess): void {
	const extra = engine
		.stderr()
		.split('\n')
		.filter((line) => /error|fail|warn/i.test(line));
	for (const line of extra) run.unexpected.push(`engine stderr: ${line}`);
}

/** SIGKILL, and checks that the engine was still alive to be killed: it had not crashed by itself. */
async function kill(run: Run, kind: Kind | 'idle', moment: Moment | 'idle'): Promise<void> {
	const {engine} = run;
	if (!engine) throw new Error('the engine is not running');
	engine.child.kill('SIGKILL');
	expect(await engine.exited, `seed ${run.seed}: the engine was still running when killed (${kind}, ${moment})`).toBe('SIGKILL');
	checkStderr(run, engine);
	run.client?.destroy();
	run.engine = undefined;
	run.client = undefined;
	if (kind === 'idle') return;
	figures.kills++;
	count(figures.killsByKind, kind);
	count(figures.killsByMoment, moment);
}

/** Writers that each own some partition keys and write numbered records to them in order, each batch after the last one's answer. */
function startWriters(run: Run): {stop: () => Promise<void>} {
	const client = clientOf(run);
	const offsetMs = run.offsetMs;
	let stopped = false;
	const write = async (keys: readonly string[]) => {
		while (!stopped) {
			const batch = keys.flatMap((key) => Array.from({length: RECORDS_PER_KEY}, () => ({key, n: run.ledger.take(key)})));
			let result;
			try {
				result = await client.send(
					new PutRecordsCommand({
						StreamName: STREAM,
						Records: batch.map(({key, n}) => ({PartitionKey: key, Data: Buffer.from(`${key}:${n}`)})),
					}),
				);
			} catch (error) {
				// The engine died under this request (or refused the connection): nothing in it was acknowledged.
				if (isServiceError(error)) run.unexpected.push(`PutRecords: ${describeError(error)}`);
				return;
			}
			for (const [index, entry] of (result.Records ?? []).entries()) {
				const sent = batch[index];
				if (!sent) continue;
				if (entry.ErrorCode || !entry.SequenceNumber) run.unexpected.push(`PutRecords entry: ${entry.ErrorCode ?? 'no sequence number'}`);
				else run.ledger.ack(sent.key, {n: sent.n, sequenceNumber: entry.SequenceNumber, offsetMs});
			}
			// A steady stream rather than a flood: kills still land mid-write, and each restart has less to read back.
			await delay(2);
		}
	};
	const all = Promise.all(run.keys.map(write));
	return {
		stop: async () => {
			stopped = true;
			await all;
		},
	};
}

async function summary(run: Run): Promise<StreamDescriptionSummary> {
	const {StreamDescriptionSummary: found} = await clientOf(run).send(new DescribeStreamSummaryCommand({StreamName: STREAM}));
	if (!found) throw new Error('DescribeStreamSummary returned no summary');
	return found;
}

async function waitActive(run: Run): Promise<StreamDescriptionSummary> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		const found = await summary(run);
		if (found.StreamStatus === 'ACTIVE') return found;
		if (Date.now() > deadline) throw new Error(`seed ${run.seed}: the stream is still ${found.StreamStatus} after 10 s`);
		await delay(25);
	}
}

const indexOf = (id: string | undefined) => Number(id?.slice('shardId-'.length) ?? NaN);
/** When a shard opened, from the position its starting sequence number carries (this engine's: arrival ms × 1000 + n). */
const openedMs = (shard: Shard) =>
	(parseSequenceNumber(shard.SequenceNumberRange?.StartingSequenceNumber ?? '')?.position ?? Number.NaN) / 1000;

/**
 * The shard map ListShards gives is sound: the open shards tile the hash key space; every parent named is
 * listed and closed, its child starting above its end, with the child's range inside the parent's (split)
 * or the union of two adjacent parents (merge); or, unlisted, it closed (when its children opened) before
 * the retention horizon, as Kinesis lists closed shards only within retention. Every listed closed shard
 * lists its children, no shard index disappears from the top, and no closed shard opens again.
 */
function checkShardMap(run: Run, shards: readonly Shard[], horizonMs: number): void {
	expectTiling(openShards(shards));
	const byId = new Map(shards.map((shard) => [shard.ShardId ?? '', shard]));
	for (const shard of shards) {
		const id = shard.ShardId ?? '';
		const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((parent) => parent !== undefined);
		if (parents.length === 0) expect(run.roots, `${id} has no parent, so it is one the stream was created with`).toContain(id);
		for (const parentId of parents) {
			expect(indexOf(parentId), `${id}'s parent ${parentId} is older`).toBeLessThan(indexOf(id));
			const parent = byId.get(parentId);
			if (!parent) {
				expect(openedMs(shard), `${parentId}, parent of ${id}, is not listed, so it closed before the retention horizon`).toBeLessThan(
					horizonMs + 1000,
				);
				continue;
			}
			expect(isOpen(parent), `${parentId} (parent of ${id}) is closed`).toBe(false);
			expect(BigInt(shard.SequenceNumberRange?.StartingSequenceNumber ?? '0')).toBeGreaterThan(
				BigInt(parent.SequenceNumberRange?.EndingSequenceNumber ?? '0'),
			);
		}
		const [parent, adjacent] = parents.map((parentId) => byId.get(parentId));
		if (parent && parents.length === 1)
			expect(startOf(shard) >= startOf(parent) && endOf(shard) <= endOf(parent), `${id} lies inside its parent`).toBe(true);
		if (parent && adjacent) {
			expect(endOf(parent) + 1n).toBe(startOf(adjacent));
			expect([startOf(shard), endOf(shard)]).toEqual([startOf(parent), endOf(adjacent)]);
		}
		if (!isOpen(shard)) {
			expect(BigInt(shard.SequenceNumberRange?.EndingSequenceNumber ?? '0')).toBeGreaterThanOrEqual(
				BigInt(shard.SequenceNumberRange?.StartingSequenceNumber ?? '0'),
			);
			const children = shards.filter((child) => child.ParentShardId === id || child.AdjacentParentShardId === id);
			expect(children.length, `closed ${id} lists its children`).toBeGreaterThan(0);
			run.closed.add(id);
		} else expect(run.closed.has(id), `${id} was closed and is open again`).toBe(false);
	}
	const highest = Math.max(...shards.map((shard) => indexOf(shard.ShardId)));
	expect(highest, 'no shard disappears from the top').toBeGreaterThanOrEqual(run.highestShard);
	run.highestShard = highest;
}

/**
 * After a restart: the shard map is sound and shows every acknowledged change, and every acknowledged record
 * within retention is read back once, in order per key, with its sequence number; none past retention is.
 */
async function verify(run: Run): Promise<void> {
	const client = clientOf(run);
	const found = await waitActive(run);
	const shards = await allShards(client, STREAM);
	expect(run.retentionHours).toContain(found.RetentionPeriodHours);
	run.retentionHours = [found.RetentionPeriodHours ?? 0];
	const retentionMs = (found.RetentionPeriodHours ?? 0) * HOUR;
	const horizonMs = Date.now() + run.offsetMs - retentionMs;
	checkShardMap(run, shards, horizonMs);
	expect(found.OpenShardCount).toBe(openShards(shards).length);
	for (const expectation of run.expectations) expectation(shards, found);

	const records = await readShardsParentsFirst(client, STREAM, shards);
	const seen = new Map<string, Array<{n: number; sequenceNumber: string}>>();
	for (const record of records) {
		expect(record.ApproximateArrivalTimestamp?.getTime() ?? 0, 'a record past retention was returned').toBeGreaterThanOrEqual(horizonMs);
		const [key = '', n = ''] = Buffer.from(record.Data ?? [])
			.toString()
			.split(':');
		const list = seen.get(key) ?? [];
		list.push({n: Number(n), sequenceNumber: record.SequenceNumber ?? ''});
		seen.set(key, list);
	}
	const lost: string[] = [];
	for (const [key, list] of seen) {
		// Once and in order: each key's numbers strictly increase in reading order.
		const numbers = list.map(({n}) => n);
		const outOfOrder = numbers.findIndex((n, index) => index > 0 && n <= (numbers[index - 1] ?? -1));
		expect(outOfOrder, `seed ${run.seed}: ${key} read as ${numbers.slice(Math.max(0, outOfOrder - 3), outOfOrder + 3).join(',')}`).toBe(-1);
	}
	let acknowledged = 0;
	let expired = 0;
	for (const [key, acks] of run.ledger.acked) {
		const byNumber = new Map((seen.get(key) ?? []).map((entry) => [entry.n, entry.sequenceNumber]));
		for (const ack of acks) {
			// Clock jumps are whole multiples of 30 hours against retentions of 24 or 48: no record is near the horizon.
			const retained = run.offsetMs - ack.offsetMs < retentionMs;
			if (retained) {
				acknowledged++;
				if (byNumber.get(ack.n) !== ack.sequenceNumber)
					lost.push(`${key}:${ack.n} (${ack.sequenceNumber}, read ${byNumber.get(ack.n) ?? 'nothing'})`);
			} else {
				expired++;
				expect(byNumber.has(ack.n), `seed ${run.seed}: ${key}:${ack.n} is past retention but was returned`).toBe(false);
			}
		}
		byNumber.clear();
	}
	figures.unacknowledgedStored += records.length - acknowledged;
	figures.acknowledgedChecked += acknowledged;
	figures.expiredChecked += expired;
	figures.lost += lost.length;
	expect(lost.slice(0, 10), `seed ${run.seed}: ${lost.length} acknowledged records lost`).toEqual([]);
	expect(run.unexpected, `seed ${run.seed}`).toEqual([]);
}

const sortedOpen = async (run: Run) => openShards(await allShards(clientOf(run), STREAM));

/**
 * Starts writers, sends a control-plane call, and kills the engine at the moment chosen: right after
 * sending it (it may or may not have run), after its answer while the stream is UPDATING, or once it is
 * ACTIVE again. Returns whether the call was acknowledged.
 */
async function callAndKill(run: Run, kind: Kind, call: (client: KinesisClient) => Promise<unknown>): Promise<boolean> {
	const {random} = run;
	const moment = random.pick<Moment>(['in flight', 'acknowledged, UPDATING', 'ACTIVE again']);
	const writers = startWriters(run);
	await delay(random.int(20, 150));
	const outcome = call(clientOf(run)).then(
		() => true,
		(error: unknown) => {
			if (moment !== 'in flight' || isServiceError(error)) run.unexpected.push(`${kind}: ${describeError(error)}`);
			return false;
		},
	);
	if (moment === 'in flight') {
		// From before the request reaches the engine to after it has been answered.
		await delay(random.int(0, 25));
	} else {
		await outcome;
		if (moment === 'acknowledged, UPDATING') await delay(random.int(0, 400));
		else {
			await waitActive(run);
			await delay(random.int(10, 100));
		}
	}
	await kill(run, kind, moment);
	await writers.stop();
	const acked = await outcome;
	if (moment === 'in flight') figures.inFlightKilled++;
	return acked;
}

async function splitRound(run: Run): Promise<void> {
	const open = await sortedOpen(run);
	const parent = run.random.pick(open);
	const at = run.random.bigint(startOf(parent) + 2n, endOf(parent) - 1n);
	const parentId = parent.ShardId ?? '';
	const acked = await callAndKill(run, 'split', (client) =>
		client.send(new SplitShardCommand({StreamName: STREAM, ShardToSplit: parentId, NewStartingHashKey: String(at)})),
	);
	const took = (shards: readonly Shard[]) => {
		const children = shards.filter((shard) => shard.ParentShardId === parentId && shard.AdjacentParentShardId === undefined);
		return children.length > 0;
	};
	const whole: Expectation = (shards) => {
		const byId = new Map(shards.map((shard) => [shard.ShardId, shard]));
		expect(byId.get(parentId)?.SequenceNumberRange?.EndingSequenceNumber, `split ${parentId}: the parent is closed`).toBeDefined();
		const children = shards.filter((shard) => shard.ParentShardId === parentId).map((shard) => [startOf(shard), endOf(shard)]);
		expect(children).toEqual([
			[startOf(parent), at - 1n],
			[at, endOf(parent)],
		]);
	};
	await settle(run, acked, took, whole, closedForGood(parentId));
}

async function mergeRound(run: Run): Promise<void> {
	const open = await sortedOpen(run);
	const index = run.random.int(0, open.length - 2);
	const lower = open[index];
	const upper = open[index + 1];
	if (!lower?.ShardId || !upper?.ShardId) throw new Error('no adjacent pair to merge');
	const [lowerId, upperId] = [lower.ShardId, upper.ShardId];
	const acked = await callAndKill(run, 'merge', (client) =>
		client.send(new MergeShardsCommand({StreamName: STREAM, ShardToMerge: lowerId, AdjacentShardToMerge: upperId})),
	);
	const took = (shards: readonly Shard[]) => shards.some((shard) => shard.ParentShardId === lowerId);
	const whole: Expectation = (shards) => {
		const children = shards.filter((shard) => shard.ParentShardId === lowerId);
		expect(children.map((shard) => [shard.AdjacentParentShardId, startOf(shard), endOf(shard)])).toEqual([
			[upperId, startOf(lower), endOf(upper)],
		]);
	};
	await settle(run, acked, took, whole, closedForGood(lowerId, upperId));
}

async function scaleRound(run: Run): Promise<void> {
	const current = (await sortedOpen(run)).length;
	const targets = Array.from({length: Math.min(current * 2, MAX_OPEN)}, (_, index) => index + 1).filter(
		(target) => target !== current && target * 2 >= current,
	);
	const target = run.random.pick(targets);
	const before = run.highestShard;
	const acked = await callAndKill(run, 'scale', (client) =>
		client.send(new UpdateShardCountCommand({StreamName: STREAM, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING'})),
	);
	const took = (shards: readonly Shard[]) => shards.some((shard) => indexOf(shard.ShardId) > before);
	const step = (MAX_HASH_KEY + 1n) / BigInt(target);
	// Right after the restart, the open shards are the target's equal ranges (each cut where CreateStream cuts, or
	// on an existing boundary within 2^32 keys of it: see reshard.ts); later rounds reshape the stream again.
	const whole: Expectation = (shards) => {
		const offCut = openShards(shards).map((shard, index) => {
			const distance = startOf(shard) - step * BigInt(index);
			return distance < 0n ? -distance : distance;
		});
		expect(offCut.map((distance) => distance <= 1n << 32n)).toEqual(Array.from({length: target}, () => true));
	};
	await settle(run, acked, took, whole);
}

/** A reshard's parents stay closed, or unlisted once past retention. */
const closedForGood =
	(...ids: string[]): Expectation =>
	(shards) => {
		for (const id of ids)
			expect(
				shards.find((shard) => shard.ShardId === id && isOpen(shard)),
				`${id} stays closed`,
			).toBeUndefined();
	};

/**
 * Restarts; an acknowledged change must show, whole, and go on showing at every later restart; an
 * unacknowledged one may show or not, but whole, and once it shows it must stay.
 */
async function settle(
	run: Run,
	acked: boolean,
	took: (shards: readonly Shard[]) => boolean,
	whole: Expectation,
	lasting?: Expectation,
): Promise<void> {
	await start(run);
	const found = await waitActive(run);
	const shards = await allShards(clientOf(run), STREAM);
	const happened = took(shards);
	if (!acked && happened) figures.inFlightTookEffect++;
	if (acked || happened) {
		whole(shards, found);
		if (lasting) run.expectations.push(lasting);
	}
	await verify(run);
}

async function writesRound(run: Run): Promise<void> {
	const writers = startWriters(run);
	await delay(run.random.int(30, 400));
	await kill(run, 'writes', 'during writes');
	await writers.stop();
	await start(run);
	await verify(run);
}

/** How many records on disk arrived before a time: the engine must be stopped. */
async function onDisk(dir: string, beforeMs: number): Promise<number> {
	const store = new Store({dataDir: dir});
	try {
		let found = 0;
		const all = {maxRecords: Number.MAX_SAFE_INTEGER, maxBytes: Number.POSITIVE_INFINITY, minArrivalMs: 0};
		for (const stream of store.loadStreams()) {
			for (const shard of stream.shards) {
				for (const record of store.read(stream.uid, shard.index, 0, all)) if (record.arrivalMs < beforeMs) found++;
			}
		}
		return found;
	} finally {
		await store.close();
	}
}

/** How far trimming had gone when the engine was killed: of `before` records that were to go, how many are left. */
async function countTrim(run: Run, before: number, beforeMs: number): Promise<void> {
	const left = await onDisk(run.dir, beforeMs);
	expect(left).toBeLessThanOrEqual(before);
	if (left === before) figures.trims.notBegun++;
	else if (left === 0) figures.trims.done++;
	else figures.trims.partWay++;
}

/**
 * Writes records, moves the clock 30 hours on across a restart (they are now inside a 48-hour retention),
 * writes more, and kills the engine while DecreaseStreamRetentionPeriod to 24 hours is in flight or while
 * its trimming runs. The old records must be unreadable afterwards if the decrease took effect, the new ones readable.
 */
async function retentionRound(run: Run): Promise<void> {
	const {random} = run;
	if (!run.retentionHours.includes(48)) {
		await clientOf(run).send(new IncreaseStreamRetentionPeriodCommand({StreamName: STREAM, RetentionPeriodHours: 48}));
		run.retentionHours = [48];
		await waitActive(run);
	}
	const old = startWriters(run);
	await delay(random.int(150, 400));
	const jumpMs = Date.now() + run.offsetMs;
	await kill(run, 'writes', 'during writes');
	await old.stop();
	const before = await onDisk(run.dir, jumpMs);
	run.offsetMs += 30 * HOUR;
	await start(run);
	await verify(run);

	const moment = random.pick<Moment>(['in flight', 'acknowledged, UPDATING']);
	const writers = startWriters(run);
	await delay(random.int(10, 80));
	const outcome = clientOf(run)
		.send(new DecreaseStreamRetentionPeriodCommand({StreamName: STREAM, RetentionPeriodHours: 24}))
		.then(
			() => true,
			(error: unknown) => {
				if (moment !== 'in flight' || isServiceError(error)) run.unexpected.push(`DecreaseStreamRetentionPeriod: ${describeError(error)}`);
				return false;
			},
		);
	if (moment === 'in flight') await delay(random.int(0, 25));
	else {
		await outcome;
		await delay(random.int(0, 15));
	}
	await kill(run, 'retention', moment);
	await writers.stop();
	const acked = await outcome;
	if (moment === 'in flight') figures.inFlightKilled++;
	await countTrim(run, before, jumpMs);

	run.retentionHours = acked ? [24] : [48, 24];
	await start(run);
	if (!acked && (await waitActive(run)).RetentionPeriodHours === 24) figures.inFlightTookEffect++;
	await verify(run);
}

/** Moves the clock past the stream's retention across a restart and kills the engine while the sweep reclaims the expired records. */
async function sweepRound(run: Run): Promise<void> {
	const retention = run.retentionHours[0] ?? 24;
	const jumpMs = Date.now() + run.offsetMs;
	await kill(run, 'idle', 'idle');
	const before = await onDisk(run.dir, jumpMs);
	run.offsetMs += (retention <= 24 ? 30 : 60) * HOUR;
	await start(run);
	const writers = startWriters(run);
	await delay(run.random.int(0, 40));
	await kill(run, 'sweep', 'sweeping');
	await writers.stop();
	await countTrim(run, before, jumpMs);
	await start(run);
	await verify(run);
}

async function runSeed(seed: number): Promise<void> {
	const random = new Random(seed);
	const dir = mkdtempSync(join(tmpdir(), `engine-faults-${seed}-`));
	const shardCount = random.int(1, 4);
	const run: Run = {
		seed,
		random,
		dir,
		durability: random.pick(['process', 'process', 'power'] as const),
		roots: Array.from({length: shardCount}, (_, index) => shardId(index)),
		ledger: new Ledger(),
		keys: Array.from({length: WRITERS}, (_, writer) => Array.from({length: KEYS_PER_WRITER}, (_, key) => `s${seed}-w${writer}-k${key}`)),
		expectations: [],
		retentionHours: [24],
		unexpected: [],
		highestShard: shardCount - 1,
		closed: new Set(),
		offsetMs: 0,
	};
	try {
		await start(run);
		await clientOf(run).send(new CreateStreamCommand({StreamName: STREAM, ShardCount: shardCount}));
		await waitActive(run);
		for (let round = 0; round < ROUNDS; round++) {
			const open = (await sortedOpen(run)).length;
			const kinds: Kind[] = [
				'writes',
				'retention',
				'sweep',
				'scale',
				...(open < MAX_OPEN ? (['split', 'split'] as const) : []),
				...(open > 1 ? (['merge', 'merge'] as const) : []),
			];
			const kind = random.pick(kinds);
			if (kind === 'writes') await writesRound(run);
			else if (kind === 'split') await splitRound(run);
			else if (kind === 'merge') await mergeRound(run);
			else if (kind === 'scale') await scaleRound(run);
			else if (kind === 'retention') await retentionRound(run);
			else await sweepRound(run);
		}

		// After all that, the engine still takes writes and a further reshard, and keeps both.
		const writers = startWriters(run);
		await delay(50);
		const open = await sortedOpen(run);
		const parent = open.length < MAX_OPEN ? random.pick(open) : undefined;
		if (parent?.ShardId) {
			const at = (startOf(parent) + endOf(parent) + 1n) / 2n;
			await clientOf(run).send(new SplitShardCommand({StreamName: STREAM, ShardToSplit: parent.ShardId, NewStartingHashKey: String(at)}));
		} else if (open[0]?.ShardId && open[1]?.ShardId) {
			await clientOf(run).send(
				new MergeShardsCommand({StreamName: STREAM, ShardToMerge: open[0].ShardId, AdjacentShardToMerge: open[1].ShardId}),
			);
		}
		const before = run.highestShard;
		await waitActive(run);
		await delay(50);
		await writers.stop();
		await verify(run);
		expect(run.highestShard, 'the last reshard opened shards').toBeGreaterThan(before);

		const {engine} = run;
		run.client?.destroy();
		engine?.child.kill('SIGTERM');
		expect(await engine?.exited).toBe(0);
		if (engine) checkStderr(run, engine);
		expect(run.unexpected).toEqual([]);
		figures.seeds++;
		figures.acknowledged += [...run.ledger.acked.values()].reduce((sum, acks) => sum + acks.length, 0);
	} finally {
		run.client?.destroy();
		if (run.engine) {
			run.engine.child.kill('SIGKILL');
			await run.engine.exited;
		}
		rmSync(dir, {recursive: true, force: true});
	}
}

const started = Date.now();
afterAll(() => {
	figures.elapsedMs = Date.now() - started;
	console.log(`engine faults: ${JSON.stringify(figures)}`);
});

describe('engine faults: SIGKILL of a real engine process at seeded moments', () => {
	const seeds = Array.from({length: SEEDS}, (_, index) => FIRST_SEED + index);
	it.each(seeds)(
		'seed %i: every acknowledged record survives kill -9 during writes, reshards and retention trimming, with a sound shard map',
		async (seed) => {
			await runSeed(seed);
		},
		120_000,
	);
});

/**
 * A full disk. Two ways to make one: a file size limit on the engine process (RLIMIT_FSIZE, `ulimit -f`:
 * writes past it fail as on a full disk, through the same path in LMDB; works anywhere bash does), and a
 * real full file system, a tmpfs of a few MiB (needs root and mount(8), so it is skipped elsewhere).
 */
describe('engine on a full disk', () => {
	const FULL_STREAM = 'full';
	const dirs: string[] = [];
	const engines: EngineProcess[] = [];
	afterAll(async () => {
		for (const engine of engines) {
			engine.child.kill('SIGKILL');
			await engine.exited;
		}
		for (const dir of dirs) rmSync(dir, {recursive: true, force: true});
	});

	/** Runs a test's steps; a failure names each engine's state and the end of its stderr, which says why a connection broke. */
	let step = '';
	const reported = async (steps: () => Promise<void>) => {
		step = 'start';
		try {
			await steps();
		} catch (error) {
			const states = engines.map(
				(engine) =>
					`engine ${engine.child.pid}: exit ${String(engine.child.exitCode ?? engine.child.signalCode)}; stderr ends: ${engine.stderr().slice(-1500)}`,
			);
			throw new Error(`${String(error)} (at: ${step})\n${states.join('\n')}`, {cause: error});
		}
	};

	const spawnTracked = async (
		dir: string,
		options: Parameters<typeof spawnEngine>[1] = {},
		durability: 'process' | 'power' = 'process',
	) => {
		const engine = await spawnEngine(['--data-dir', dir, '--limits', 'off', '--durability', durability], options);
		engines.push(engine);
		return engine;
	};

	/** A numbered record writer per key; records it was not told were stored are never counted. */
	class FullDiskWriter {
		readonly ledger = new Ledger();
		readonly failures = new Map<string, number>();
		acknowledged = 0;
		constructor(private readonly keys: readonly string[]) {}
		/** One PutRecords, of 2 KiB records or one small one; true when all were stored. Any failure must be AWS's InternalFailure, answered. */
		async batch(client: KinesisClient, small = false): Promise<boolean> {
			const batch = small
				? [{key: this.keys[0] ?? 'small', n: this.ledger.take(this.keys[0] ?? 'small')}]
				: this.keys.flatMap((key) => Array.from({length: 5}, () => ({key, n: this.ledger.take(key)})));
			try {
				const result = await client.send(
					new PutRecordsCommand({
						StreamName: FULL_STREAM,
						Records: batch.map(({key, n}) => ({
							PartitionKey: key,
							Data: Buffer.concat([Buffer.from(`${key}:${n}:`), Buffer.alloc(small ? 8 : 2048, 120)]),
						})),
					}),
				);
				for (const [index, entry] of (result.Records ?? []).entries()) {
					const sent = batch[index];
					if (!sent) continue;
					if (entry.SequenceNumber && !entry.ErrorCode) {
						this.ledger.ack(sent.key, {n: sent.n, sequenceNumber: entry.SequenceNumber, offsetMs: 0});
						this.acknowledged++;
					} else this.note(`entry ${entry.ErrorCode}`);
				}
				return result.FailedRecordCount === 0;
			} catch (error) {
				if (!isServiceError(error)) throw error; // the engine died or hung up: that is what must not happen
				expect(error.name).toBe('InternalFailure');
				expect(error.$metadata.httpStatusCode).toBe(500);
				expect(error.message).toMatch(
					/^The engine could not write to its data directory: .+ \((EIO|ENOSPC|EFBIG)\)\. Retry once there is space\.$/,
				);
				this.note(error.name);
				return false;
			}
		}
		private note(kind: string): void {
			this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
		}
	}

	/** Every acknowledged record is there, once, in order per key, with its sequence number; returns how many were checked. */
	async function expectAllAcknowledged(client: KinesisClient, writer: FullDiskWriter): Promise<number> {
		const shards = await allShards(client, FULL_STREAM);
		expectTiling(openShards(shards));
		const records = await readShardsParentsFirst(client, FULL_STREAM, shards);
		const seen = new Map<string, Map<number, string>>();
		const order = new Map<string, number>();
		for (const record of records) {
			const [key = '', n = ''] = Buffer.from(record.Data ?? [])
				.subarray(0, 40)
				.toString()
				.split(':');
			expect(Number(n), `${key} in order`).toBeGreaterThan(order.get(key) ?? -1);
			order.set(key, Number(n));
			const byNumber = seen.get(key) ?? new Map<number, string>();
			byNumber.set(Number(n), record.SequenceNumber ?? '');
			seen.set(key, byNumber);
		}
		const lost: string[] = [];
		let checked = 0;
		for (const [key, acks] of writer.ledger.acked) {
			for (const ack of acks) {
				checked++;
				if (seen.get(key)?.get(ack.n) !== ack.sequenceNumber) lost.push(`${key}:${ack.n}`);
			}
		}
		expect(lost.slice(0, 10), `${lost.length} acknowledged records lost`).toEqual([]);
		return checked;
	}

	/** Writes until the disk refuses three batches in a row, then checks the engine: it refuses cleanly, serves reads, and undoes a reshard it could not keep. */
	async function fillAndCheck(engine: EngineProcess, writer: FullDiskWriter): Promise<{splitRefused: boolean}> {
		const client = kinesisClient(engine.url, 'http1');
		try {
			// Large batches until the disk refuses three in a row, then single small records until it refuses those too.
			for (const small of [false, true]) {
				let refusedInARow = 0;
				for (let batch = 0; refusedInARow < 3; batch++) {
					step = `fill ${small ? 'small' : 'large'} ${batch}`;
					if (batch > 5_000) throw new Error('the disk never filled');
					refusedInARow = (await writer.batch(client, small)) ? 0 : refusedInARow + 1;
				}
			}
			expect(writer.acknowledged).toBeGreaterThan(0);
			expect(writer.failures.get('InternalFailure')).toBeGreaterThanOrEqual(3);

			// Splits on the full disk are refused, or done while pages freed inside the data file last; either
			// way the shard map stays whole. A refused one is undone: the same shards, and the stream ACTIVE.
			let split: unknown;
			for (let attempt = 0; attempt < 12 && split === undefined; attempt++) {
				step = `split ${attempt}`;
				const before = await allShards(client, FULL_STREAM);
				const first = openShards(before).sort((a, b) => Number(endOf(b) - startOf(b) - (endOf(a) - startOf(a))))[0];
				split = await client
					.send(
						new SplitShardCommand({
							StreamName: FULL_STREAM,
							ShardToSplit: first?.ShardId,
							NewStartingHashKey: String((startOf(first ?? {}) + endOf(first ?? {}) + 1n) / 2n),
						}),
					)
					.then(
						() => undefined,
						(error: unknown) => error,
					);
				if (split === undefined) {
					await waitActiveOf(client, FULL_STREAM);
					continue;
				}
				expect(split).toMatchObject({name: 'InternalFailure', $metadata: {httpStatusCode: 500}});
				expect(await allShards(client, FULL_STREAM)).toEqual(before);
				expect(
					(await client.send(new DescribeStreamSummaryCommand({StreamName: FULL_STREAM}))).StreamDescriptionSummary?.StreamStatus,
				).toBe('ACTIVE');
			}
			step = 'writes after splits';
			for (let batch = 0; batch < 10; batch++) await writer.batch(client);
			step = 'reads while full';
			// Reads go on while the disk is full, and everything acknowledged is there.
			await expectAllAcknowledged(client, writer);
			expect(engine.child.exitCode).toBeNull();
			expect(engine.stderr()).toMatch(
				/kinesis-console engine: cannot write to .+: .+ \((EIO|ENOSPC|EFBIG)\)\. Writes are refused with InternalFailure until there is room again; reads go on\./,
			);
			// The engine's own catch-all for unexpected errors never ran, and LMDB itself never failed a page write:
			// the engine refuses first (lmdb-js 3.5.6 corrupts its heap reporting one; see store/diskWrites.ts).
			expect(engine.stderr()).not.toMatch(/kinesis-console engine: internal failure|Write error/);
			return {splitRefused: split !== undefined};
		} finally {
			client.destroy();
		}
	}

	/** With space again: everything acknowledged is there, and the engine takes writes and a split. */
	async function expectRecovered(engine: EngineProcess, writer: FullDiskWriter): Promise<void> {
		const client = kinesisClient(engine.url, 'http1');
		try {
			await expectAllAcknowledged(client, writer);
			for (let batch = 0; batch < 3; batch++) expect(await writer.batch(client)).toBe(true);
			const [first] = openShards(await allShards(client, FULL_STREAM));
			await client.send(
				new SplitShardCommand({
					StreamName: FULL_STREAM,
					ShardToSplit: first?.ShardId,
					NewStartingHashKey: String((startOf(first ?? {}) + endOf(first ?? {}) + 1n) / 2n),
				}),
			);
			for (let batch = 0; batch < 3; batch++) expect(await writer.batch(client)).toBe(true);
			figures.fullDisk.acknowledgedChecked += await expectAllAcknowledged(client, writer);
		} finally {
			client.destroy();
		}
	}

	async function waitActiveOf(client: KinesisClient, stream: string): Promise<void> {
		for (let tries = 0; ; tries++) {
			const status = (await client.send(new DescribeStreamSummaryCommand({StreamName: stream}))).StreamDescriptionSummary?.StreamStatus;
			if (status === 'ACTIVE') return;
			if (tries > 400) throw new Error('the stream did not become ACTIVE');
			await delay(25);
		}
	}

	async function createFullStream(engine: EngineProcess): Promise<void> {
		const client = kinesisClient(engine.url, 'http1');
		try {
			await client.send(new CreateStreamCommand({StreamName: FULL_STREAM, ShardCount: 2}));
			await waitActiveOf(client, FULL_STREAM);
		} finally {
			client.destroy();
		}
	}

	async function killed(engine: EngineProcess): Promise<void> {
		engine.child.kill('SIGKILL');
		expect(await engine.exited).toBe('SIGKILL');
	}

	const keys = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

	it.each(['process', 'power'] as const)(
		'with %s durability, under a file size limit (RLIMIT_FSIZE, which fails LMDB writes as a full disk does): InternalFailure, no crash, nothing unstored acknowledged, nothing lost',
		(durability) =>
			reported(async () => {
				const dir = mkdtempSync(join(tmpdir(), 'engine-fsize-'));
				dirs.push(dir);
				const limited = {fileSizeLimitKiB: 2048};
				const writer = new FullDiskWriter(keys);

				let engine = await spawnTracked(dir, limited, durability);
				await createFullStream(engine);
				await fillAndCheck(engine, writer);
				await killed(engine);

				// Starting on the full disk: the data that is there is served, and writes are refused as before.
				engine = await spawnTracked(dir, limited, durability);
				const client = kinesisClient(engine.url, 'http1');
				await expectAllAcknowledged(client, writer);
				let refused = 0;
				for (let batch = 0; batch < 20 && refused === 0; batch++) if (!(await writer.batch(client))) refused++;
				expect(refused).toBe(1);
				client.destroy();
				await killed(engine);

				// With the limit gone, as with space freed.
				engine = await spawnTracked(dir, {}, durability);
				await expectRecovered(engine, writer);
				engine.child.kill('SIGTERM');
				expect(await engine.exited).toBe(0);
				figures.fullDisk.runs++;
			}),
		120_000,
	);

	const canMount = (() => {
		if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
		const probe = mkdtempSync(join(tmpdir(), 'engine-mount-probe-'));
		try {
			execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], {stdio: 'ignore'});
			execFileSync('umount', [probe], {stdio: 'ignore'});
			return true;
		} catch {
			return false;
		} finally {
			rmSync(probe, {recursive: true, force: true});
		}
	})();

	it.skipIf(!canMount)(
		'on a full tmpfs of 8 MiB (a real full disk; skipped unless root may mount): the same, writes resume once space is freed, a refused split stays undone, and start-up on a full disk fails with a clear message',
		() =>
			reported(async () => {
				const mountPoint = mkdtempSync(join(tmpdir(), 'engine-tmpfs-'));
				execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint]);
				try {
					const dir = join(mountPoint, 'data');
					const writer = new FullDiskWriter(keys);
					let engine = await spawnTracked(dir);
					await createFullStream(engine);
					const {splitRefused} = await fillAndCheck(engine, writer);
					figures.fullDisk.splitsRefused += splitRefused ? 1 : 0;

					// Space freed while the engine runs: writes succeed again, with no restart.
					execFileSync('mount', ['-o', 'remount,size=64m', mountPoint]);
					const client = kinesisClient(engine.url, 'http1');
					let resumed = false;
					for (let batch = 0; batch < 20 && !resumed; batch++) resumed = await writer.batch(client);
					expect(resumed).toBe(true);
					for (let batch = 0; batch < 5; batch++) expect(await writer.batch(client)).toBe(true);
					expect(engine.stderr()).toMatch(/kinesis-console engine: writing to .+ again\./);
					client.destroy();
					// Acknowledged after the refused split, so into the shards the disk knows: a kill must not lose them.
					await killed(engine);
					engine = await spawnTracked(dir);
					await expectRecovered(engine, writer);
					engine.child.kill('SIGTERM');
					expect(await engine.exited).toBe(0);

					// Start-up on a full disk: a clear error and exit code 1, in a new data directory and in this one; the data survives.
					execFileSync('mount', ['-o', 'remount,size=12m', mountPoint]);
					const filler = join(mountPoint, 'filler');
					try {
						execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], {stdio: 'ignore'});
					} catch {
						// dd stops with an error once the disk is full, which is the point.
					}
					await expect(spawnTracked(join(mountPoint, 'fresh'))).rejects.toThrow(
						/engine exited \(1\).*cannot start in .*fresh: no space is left \(ENOSPC\)/s,
					);
					await expect(spawnTracked(dir)).rejects.toThrow(
						/engine exited \(1\).*could not be opened \(the disk is full: free some space and start again\)/s,
					);
					rmSync(filler);
					engine = await spawnTracked(dir);
					const after = kinesisClient(engine.url, 'http1');
					figures.fullDisk.acknowledgedChecked += await expectAllAcknowledged(after, writer);
					after.destroy();
					engine.child.kill('SIGTERM');
					expect(await engine.exited).toBe(0);
					figures.fullDisk.runs++;
				} finally {
					for (const engine of engines) {
						engine.child.kill('SIGKILL');
						await engine.exited;
					}
					execFileSync('umount', [mountPoint]);
					rmSync(mountPoint, {recursive: true, force: true});
				}
			}),
		120_000,
	);
});
