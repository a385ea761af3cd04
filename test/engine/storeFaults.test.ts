import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, it} from 'vitest';
import type {ActionContext} from '../../source/engine/kinesis/action.js';
import {evenRanges, fromHex, toHex} from '../../source/engine/kinesis/model/hashKeys.js';
import {merge, split} from '../../source/engine/kinesis/model/reshard.js';
import {changeRetention} from '../../source/engine/kinesis/actions/retention.js';
import {Streams} from '../../source/engine/kinesis/model/streams.js';
import {StorageError} from '../../source/engine/store/diskWrites.js';
import {Store} from '../../source/engine/store/store.js';
import type {ShardState, StreamState} from '../../source/engine/store/streamState.js';
import {newRecords} from './support.js';

/** Faults below the wire: what the store keeps when the process dies between two writes, and what a failed write undoes. */

const root = fileURLToPath(new URL('../..', import.meta.url));
const storeModule = fileURLToPath(new URL('../../source/engine/store/store.ts', import.meta.url));
const dirs: string[] = [];
const tempDir = (prefix: string) => {
	const dir = mkdtempSync(join(tmpdir(), prefix));
	dirs.push(dir);
	return dir;
};
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});

const FULL = 'ffffffffffffffffffffffffffffffff';
const HALF = '80000000000000000000000000000000';

function streamState(uid: number): StreamState {
	return {
		uid,
		region: 'us-east-1',
		name: 'ordered',
		createdMs: 1_700_000_000_000,
		status: 'ACTIVE',
		mode: 'PROVISIONED',
		retentionHours: 24,
		shards: [{index: 0, startHash: '00000000000000000000000000000000', endHash: FULL, startPosition: 1}],
		tags: {},
		encryption: {type: 'NONE'},
		enhancedMonitoring: [],
	};
}

/** Runs a script in its own Node process (TypeScript through tsx) and resolves with how it ended. */
function runScript(source: string, dir: string): Promise<number | NodeJS.Signals | null> {
	const file = join(dir, 'script.mts');
	writeFileSync(file, source);
	const child = spawn(process.execPath, ['--import', 'tsx', file], {cwd: root, stdio: ['ignore', 'inherit', 'inherit']});
	return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

describe('store faults', () => {
	it.each(['process', 'power'] as const)(
		'with %s durability, a stream saved before an append is on disk before it, even when the process is killed right after the append',
		async (durability) => {
			const dataDir = tempDir('store-order-');
			// A split as the engine does it: the stream is saved with its new shards, and a write to a child is
			// answered before that save has finished; then SIGKILL, the moment the write is acknowledged.
			const ended = await runScript(
				`
import {Store} from ${JSON.stringify(storeModule)};
const store = new Store({dataDir: ${JSON.stringify(dataDir)}, durability: ${JSON.stringify(durability)}});
const stream = ${JSON.stringify(streamState(1))};
await store.saveStream(stream);
stream.shards[0].endPosition = 10;
stream.shards.push({index: 1, startHash: stream.shards[0].startHash, endHash: ${JSON.stringify(HALF)}, parentIndex: 0, startPosition: 11});
stream.shards.push({index: 2, startHash: ${JSON.stringify(HALF)}, endHash: stream.shards[0].endHash, parentIndex: 0, startPosition: 12});
void store.saveStream(stream);
await store.append(1, {arrivalMs: Date.now(), shardIndexes: [1], positions: [13], keys: Buffer.from('k'), keyStarts: [0], keyBytes: [1], data: Buffer.from('acknowledged'), dataEnds: [12]});
process.kill(process.pid, 'SIGKILL');
`,
				dataDir,
			);
			expect(ended).toBe('SIGKILL');

			const store = new Store({dataDir, durability});
			try {
				const [stream] = store.loadStreams();
				const stored = store.read(1, 1, 0, {maxRecords: 10, maxBytes: Number.POSITIVE_INFINITY, minArrivalMs: 0});
				expect(stored.map((record) => record.data.toString())).toEqual(['acknowledged']);
				// The shard that record is in must be known after the restart, or the record is lost to every reader.
				expect(stream?.shards.map((shard) => shard.index)).toEqual([0, 1, 2]);
			} finally {
				await store.close();
			}
		},
	);

	it('puts a stream back as it was last saved when saving a change to it fails', async () => {
		const store = new Store({dataDir: tempDir('store-undo-')});
		try {
			const streams = new Streams(store, '000000000000', {createMs: 0, deleteMs: 0, updateMs: 0});
			const {uid: _uid, status: _status, shards: _shards, statusChangesAtMs: _at, ...fields} = streamState(0);
			const stream = await streams.create(fields, [{start: '00000000000000000000000000000000', end: FULL}]);
			const before = structuredClone(stream);

			const saveStream = store.saveStream.bind(store);
			store.saveStream = () => Promise.reject(new StorageError('ENOSPC'));
			const [shard] = stream.shards;
			if (!shard) throw new Error('no shard');
			// A split, as reshard.ts makes one: each shard changed or added is announced, so the save writes it.
			streams.changingShard(stream, shard);
			shard.endPosition = streams.lastPosition(stream);
			stream.shards.push({index: 1, startHash: shard.startHash, endHash: HALF, parentIndex: 0, startPosition: shard.endPosition + 1});
			streams.changingShard(stream, stream.shards[1] as ShardState);
			stream.tags = {changed: 'yes'};
			const failure = await streams.startUpdating(stream, Date.now()).catch((error: unknown) => error);
			expect(failure).toBeInstanceOf(StorageError);
			expect(failure).toMatchObject({type: 'InternalFailure', statusCode: 500, code: 'ENOSPC'});
			expect(stream).toEqual(before);

			// Once writes work again, a change is kept, and what was undone stays undone.
			store.saveStream = saveStream;
			stream.tags = {kept: 'yes'};
			await streams.save(stream);
			expect(store.loadStreams()).toEqual([{...before, tags: {kept: 'yes'}}]);
		} finally {
			await store.close();
		}
	});

	it("writes the shards a SplitShard or MergeShards changes, whatever the stream's size, and a restart finds them", async () => {
		const dir = tempDir('store-shards-');
		const store = new Store({dataDir: dir});
		let reopened: Store | undefined;
		try {
			const streams = new Streams(store, '000000000000', {createMs: 0, deleteMs: 0, updateMs: 0});
			const {uid: _uid, status: _status, shards: _shards, statusChangesAtMs: _at, ...fields} = streamState(0);
			const stream = await streams.create(fields, evenRanges(2000));
			const written: number[] = [];
			const saveStream = store.saveStream.bind(store);
			store.saveStream = (saved, shards) => {
				written.push(shards?.length ?? saved.shards.length);
				return saveStream(saved, shards);
			};
			// reshard.ts's functions use only the stream registry and the time of the request.
			const context = {streams, nowMs: Date.now()} as unknown as ActionContext;
			const parent = stream.shards[700] as ShardState;
			const [lower, upper] = split(context, stream, parent, toHex((fromHex(parent.startHash) + fromHex(parent.endHash)) / 2n));
			await streams.save(stream);
			merge(context, stream, lower, upper);
			await streams.save(stream);
			// The parent and its two children; then the two children and their merge.
			expect(written).toEqual([3, 3]);
			await store.close();

			reopened = new Store({dataDir: dir});
			const [loaded] = reopened.loadStreams();
			expect(loaded?.shards).toHaveLength(2003);
			expect(loaded?.shards.filter((shard) => shard.endPosition === undefined)).toHaveLength(2000);
			expect(loaded?.shards[2002]).toMatchObject({
				parentIndex: 2000,
				adjacentParentIndex: 2001,
				startHash: parent.startHash,
				endHash: parent.endHash,
			});
		} finally {
			await (reopened ?? store).close();
		}
	});

	it('keeps the records a retention decrease would drop when the decrease cannot be saved', async () => {
		const store = new Store({dataDir: tempDir('store-retention-')});
		try {
			const streams = new Streams(store, '000000000000', {createMs: 0, deleteMs: 0, updateMs: 0});
			const {uid: _uid, status: _status, shards: _shards, statusChangesAtMs: _at, ...fields} = streamState(0);
			const nowMs = Date.now();
			const stream = await streams.create({...fields, createdMs: nowMs - 40 * 3_600_000, retentionHours: 48}, [
				{start: '00000000000000000000000000000000', end: FULL},
			]);
			const arrivalMs = nowMs - 30 * 3_600_000;
			const position = streams.reservePositions(stream, 1, arrivalMs).first;
			await store.append(
				stream.uid,
				newRecords(arrivalMs, [{shardIndex: 0, position, partitionKey: 'k', data: Buffer.from('30 hours old')}]),
			);
			streams.lookup(stream.region, stream.name, nowMs);
			expect(stream.status).toBe('ACTIVE');

			store.saveStream = () => Promise.reject(new StorageError('ENOSPC'));
			// Only what changeRetention uses: the streams, the store, the region and the time.
			const context = {streams, store, region: stream.region, nowMs} as unknown as ActionContext;
			await expect(changeRetention(context, {StreamName: stream.name}, 24, 'decrease')).rejects.toBeInstanceOf(StorageError);
			await new Promise((resolve) => setTimeout(resolve, 50));
			// The stream keeps its 48 hours, so the record must still be there to be read.
			expect(stream.retentionHours).toBe(48);
			const all = {maxRecords: 10, maxBytes: Number.POSITIVE_INFINITY, minArrivalMs: 0};
			expect(store.read(stream.uid, 0, 0, all).map((record) => record.data.toString())).toEqual(['30 hours old']);
		} finally {
			await store.close();
		}
	});
});
