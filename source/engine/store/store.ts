import {mkdtempSync, rmSync} from 'node:fs';
import {open as fsOpen} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {open, type Database, type Key, type RootDatabase} from 'lmdb';
import {DiskWrites, prepareLockFile} from './diskWrites.js';
import {Slices} from './slices.js';
import type {AccountSettings, ConsumerState, ShardState, StreamState} from './streamState.js';

/**
 * Durable storage for the engine: stream descriptions, and records keyed by (stream, shard, position)
 * so a shard reads as one ordered key range. LMDB keeps the records outside the JS heap, commits
 * writes in batches on its own thread, and survives a process crash once a commit has returned.
 */
export type Durability = 'process' | 'power';

export interface StoreOptions {
	/** Where the data lives; a throw-away directory is used, and removed on close, when absent. */
	readonly dataDir?: string;
	/** 'process': acknowledged records survive a crash of the engine; 'power': they are also fsynced first. */
	readonly durability?: Durability;
}

/**
 * Records that arrived together, to be stored: per record, in arrays (a write brings hundreds, and an
 * object each was work for the collector), its shard, its position (negative: not to be stored), and
 * where its partition key's UTF-8 bytes and its data lie in two buffers.
 */
export interface NewRecords {
	readonly arrivalMs: number;
	readonly shardIndexes: ArrayLike<number>;
	readonly positions: ArrayLike<number>;
	/** The partition keys: each from its start in keyStarts, keyBytes long. */
	readonly keys: Uint8Array;
	readonly keyStarts: ArrayLike<number>;
	readonly keyBytes: ArrayLike<number>;
	readonly data: Buffer;
	/** Where each record's data ends in `data`: it starts where the one before ends. */
	readonly dataEnds: ArrayLike<number>;
}

export interface StoredRecord {
	readonly position: number;
	readonly arrivalMs: number;
	readonly partitionKey: string;
	readonly data: Buffer;
}

export interface ReadLimits {
	readonly maxRecords: number;
	readonly maxBytes: number;
	/** Records that arrived before this are past retention and are skipped. */
	readonly minArrivalMs: number;
}

/** Consecutive records of one stored batch: those from offset `start` up to `end` of its value. */
export interface BatchSpan {
	readonly value: Buffer;
	readonly firstPosition: number;
	readonly arrivalMs: number;
	readonly start: number;
	readonly end: number;
}

export interface RecordPlace {
	readonly position: number;
	readonly arrivalMs: number;
}

/** A page of one shard's records, as read: where they are stored, and what a reader needs to know of them. */
export interface RecordPage {
	readonly spans: readonly BatchSpan[];
	readonly count: number;
	/** Data and partition key bytes, as Kinesis counts a read. */
	readonly bytes: number;
	readonly last?: RecordPlace;
	/** The first record the limits left out, if any: the reader is behind. */
	readonly next?: RecordPlace;
}

type RecordKey = [uid: number, shardIndex: number, position: number];
type ShardKey = [uid: number, shardIndex: number];
type ResourceKey = [kind: string, region: string, name: string];
const NEXT_UID_KEY = 'nextUid';
/** At most this many keys are removed in one commit: a few milliseconds of work. */
const SLICE_KEYS = 250;
const FORMAT_KEY = 'recordFormat';
/** The layout of stored records (see encodeBatch); a directory holding another layout is refused, never misread. */
const RECORD_FORMAT = 2;

export class Store {
	private readonly root: RootDatabase;
	private readonly streams: Database<StoredStream, string>;
	/** Each shard under its own key, so that a reshard writes the shards it changes and not the whole map. */
	private readonly shards: Database<ShardState, ShardKey>;
	private readonly meta: Database<number, string>;
	/** Settings of the account, one entry per region (UpdateAccountSettings). */
	private readonly accountSettings: Database<AccountSettings, string>;
	/** Other services' resources (Firehose delivery streams), each a JSON value under [kind, region, name]. */
	private readonly resources: Database<unknown, ResourceKey>;
	private readonly records: Database<Buffer, RecordKey>;
	private readonly temporaryDir: string | undefined;
	private readonly dataDir: string | undefined;
	private readonly durability: Durability;
	/** Every write goes through it: a write the disk refuses fails with a StorageError, and never unheard. */
	private readonly writes: DiskWrites;
	private nextUid: number;
	/** Set by close: a job under way (a trim, a removal) stops at its next slice. */
	private closed = false;

	constructor(options: StoreOptions = {}) {
		this.temporaryDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'kinesis-engine-'));
		this.dataDir = options.dataDir;
		this.durability = options.durability ?? 'process';
		const path = options.dataDir ?? (this.temporaryDir as string);
		this.writes = new DiskWrites(options.dataDir ?? 'a temporary directory', path);
		prepareLockFile(path);
		// 'process': a commit is written to the file (the OS page cache) before it is acknowledged, which a
		// crash of the engine cannot undo; skipping fsync makes a commit cost microseconds, not milliseconds.
		// 'power': every acknowledged commit is also flushed to the disk first.
		this.root = open({
			path,
			// Always a directory: lmdb would otherwise take a path with a dot in its last name (data.v2, tmp.x1Yz) for a file.
			noSubdir: false,
			maxDbs: 8,
			...(this.durability === 'power' ? {separateFlushed: true, overlappingSync: false} : {noSync: true}),
		});
		this.streams = this.root.openDB<StoredStream, string>({name: 'streams'});
		this.meta = this.root.openDB<number, string>({name: 'meta'});
		this.accountSettings = this.root.openDB<AccountSettings, string>({name: 'accountSettings'});
		this.shards = this.root.openDB<ShardState, ShardKey>({name: 'shards'});
		this.resources = this.root.openDB<unknown, ResourceKey>({name: 'resources'});
		this.records = this.root.openDB<Buffer, RecordKey>({name: 'records', encoding: 'binary'});
		this.nextUid = this.meta.get(NEXT_UID_KEY) ?? 1;
		this.checkFormat(options.dataDir);
	}

	loadStreams(): StreamState[] {
		return Array.from(this.streams.getRange(), ({key, value}) => {
			const stream = fromStored(value);
			if (value.shards) this.moveShardsOut(key, stream, value);
			else stream.shards = Array.from(this.shards.getRange({start: [stream.uid], end: [stream.uid + 1]}), (entry) => entry.value);
			return stream;
		});
	}

	/** Stores the shards of a stream saved before they had keys of their own under those keys, once. */
	private moveShardsOut(key: string, stream: StreamState, {shards: _shards, ...header}: StoredStream): void {
		this.writes.checkRoom(256 * stream.shards.length);
		this.root.transactionSync(() => {
			for (const shard of stream.shards) this.shards.putSync([stream.uid, shard.index], shard);
			this.streams.putSync(key, header);
		});
	}

	/*
	 * In 'process' durability, records are committed synchronously (append), so the descriptions of streams
	 * are too: writes must reach the disk in the order they were made. Were a stream saved through LMDB's
	 * writer thread, a record written into a new child shard could be committed, and acknowledged, before the
	 * split that opened the shard; a crash in between would leave the record in a shard no restart knows.
	 */
	async saveStream(stream: StreamState, shards: readonly ShardState[] = stream.shards): Promise<void> {
		await this.commit(shards.length, () => {
			this.streams.putSync(streamKey(stream), toStored(stream));
			for (const shard of shards) this.shards.putSync([stream.uid, shard.index], shard);
		});
	}

	/**
	 * Stores a new stream: its shards first, a slice at a time (see Slices), then the stream itself, whose
	 * commit makes it exist: shards stored without their stream are never loaded, and its id is never reused.
	 */
	async createStream(stream: StreamState): Promise<void> {
		const slices = new Slices();
		for (let from = 0; from < stream.shards.length; from += SLICE_KEYS) {
			await this.commit(SLICE_KEYS, () => {
				for (const shard of stream.shards.slice(from, from + SLICE_KEYS)) this.shards.putSync([stream.uid, shard.index], shard);
			});
			await slices.pause();
		}
		await this.saveStream(stream, []);
	}

	/** Runs writes to the streams and shards in one commit, by the configured durability. */
	private async commit(shardCount: number, write: () => void): Promise<void> {
		// About the size of their encoding.
		const bytes = 4096 + 256 * shardCount;
		if (this.durability === 'process') {
			await this.writes.sync(() => this.root.transactionSync(write), bytes);
			return;
		}
		this.writes.checkRoom(bytes);
		await this.settled(
			this.root.transaction(() => {
				write();
				return true;
			}),
		);
	}

	/** The account's settings in each region where they were ever changed, by region. */
	loadAccountSettings(): Map<string, AccountSettings> {
		return new Map(Array.from(this.accountSettings.getRange(), ({key, value}) => [key, value]));
	}

	async saveAccountSettings(region: string, settings: AccountSettings): Promise<void> {
		if (this.durability === 'process') await this.writes.sync(() => this.accountSettings.putSync(region, settings), 256);
		else {
			this.writes.checkRoom(256);
			await this.settled(this.accountSettings.put(region, settings));
		}
	}

	/** Every resource of a kind ('firehose'), as saved. */
	loadResources<T>(kind: string): T[] {
		return Array.from(this.resources.getRange({start: [kind], end: [`${kind}\u0000`]}), ({value}) => value as T);
	}

	/** Keeps a resource, or forgets it (`value` undefined); resolves once it is as durable as the configured durability. */
	async saveResource(kind: string, region: string, name: string, value: object | undefined): Promise<void> {
		const key: ResourceKey = [kind, region, name];
		const write = () => (value === undefined ? this.resources.removeSync(key) : this.resources.putSync(key, value));
		if (this.durability === 'process') await this.writes.sync(write, 4096);
		else {
			this.writes.checkRoom(4096);
			await this.settled(value === undefined ? this.resources.remove(key) : this.resources.put(key, value));
		}
	}

	/** Forgets a stream at once; its shards and records are removed in the background. */
	async removeStream(stream: StreamState): Promise<void> {
		if (this.durability === 'process') await this.writes.sync(() => this.streams.removeSync(streamKey(stream)), 0);
		else {
			this.writes.checkRoom(0);
			await this.settled(this.streams.remove(streamKey(stream)));
		}
		// Should this fail, they stay on disk under a stream id that is never used again.
		this.removeRange(this.shards, [stream.uid], [stream.uid + 1])
			.then(() => this.removeRange(this.records, [stream.uid], [stream.uid + 1]))
			.catch(() => undefined);
	}

	/** A stream id never used before in this data directory, so old records can never resurface. */
	async allocateUid(): Promise<number> {
		const uid = this.nextUid++;
		if (this.durability === 'process') await this.writes.sync(() => this.meta.putSync(NEXT_UID_KEY, this.nextUid), 0);
		else {
			this.writes.checkRoom(0);
			await this.settled(this.meta.put(NEXT_UID_KEY, this.nextUid));
		}
		return uid;
	}

	/**
	 * Writes records; resolves once they are durable to the configured degree, with the shards written
	 * (each once). The records that land in one shard become one stored batch: one key and one value, not
	 * one per record.
	 */
	async append(uid: number, records: NewRecords): Promise<number[]> {
		// A synchronous commit copies the batches before it returns, so they can be encoded into the same
		// memory every call: fresh memory outside the heap, every call, made V8 run full collections more often.
		const batches = encodeBatches(records, this.durability === 'process' ? reusedBatchMemory : (bytes) => Buffer.allocUnsafe(bytes));
		const keyOf = (batch: EncodedBatch): RecordKey => [uid, batch.shardIndex, batch.firstPosition];
		const bytes = batches.reduce((sum, {value}) => sum + value.length, 0);
		if (this.durability === 'process') {
			// Without fsync a commit is a few page writes: committing here, at once, costs less than a hop to
			// LMDB's writer thread and back, and the answer goes out without waiting for that thread's turn.
			await this.writes.sync(
				() =>
					this.records.transactionSync(() => {
						for (const batch of batches) this.records.putSync(keyOf(batch), batch.value);
					}),
				bytes,
			);
		} else {
			this.writes.checkRoom(bytes);
			await this.settled(...batches.map((batch) => this.records.put(keyOf(batch), batch.value)));
		}
		return batches.map((batch) => batch.shardIndex);
	}

	/** Records of one shard from a position on, in order, within the limits. */
	read(uid: number, shardIndex: number, fromPosition: number, limits: ReadLimits): StoredRecord[] {
		return recordsOf(this.readPage(uid, shardIndex, fromPosition, limits));
	}

	/**
	 * Records of one shard from a position on, in order, within the limits, as spans of the stored
	 * batches (nothing is decoded or copied); and the first record the limits left out, if any: what a
	 * reader needs to know whether it is behind, found in the same pass.
	 */
	readPage(uid: number, shardIndex: number, fromPosition: number, limits: ReadLimits): RecordPage {
		const spans: BatchSpan[] = [];
		let count = 0;
		let bytes = 0;
		let last: RecordPlace | undefined;
		let next: RecordPlace | undefined;
		for (const batch of this.batchesFrom(uid, shardIndex, fromPosition)) {
			if (batch.arrivalMs < limits.minArrivalMs) continue;
			let start = -1;
			let lastPosition = -1;
			const stop = eachRecordIn(batch, (position, keyStart, _dataStart, end) => {
				if (position < fromPosition) return true;
				const recordBytes = end - keyStart;
				if (count >= limits.maxRecords || (count > 0 && bytes + recordBytes > limits.maxBytes)) {
					next = {position, arrivalMs: batch.arrivalMs};
					return false;
				}
				if (start < 0) start = keyStart - RECORD_HEADER;
				count++;
				bytes += recordBytes;
				lastPosition = position;
				return true;
			});
			if (start >= 0) {
				spans.push({...batch, start, end: stop});
				last = {position: lastPosition, arrivalMs: batch.arrivalMs};
			}
			if (next) break;
		}
		return {spans, count, bytes, ...(last ? {last} : {}), ...(next ? {next} : {})};
	}

	/** The position of the first record at or after a position that arrived at or after a time, if any. */
	firstArrivedSince(uid: number, shardIndex: number, fromPosition: number, sinceMs: number): number | undefined {
		for (const batch of this.batchesFrom(uid, shardIndex, fromPosition)) {
			if (batch.arrivalMs < sinceMs) continue;
			let found: number | undefined;
			eachRecordIn(batch, (position) => {
				if (position < fromPosition) return true;
				found = position;
				return false;
			});
			if (found !== undefined) return found;
		}
		return undefined;
	}

	/** The highest position stored in a shard, if it holds any record. */
	lastPosition(uid: number, shardIndex: number): number | undefined {
		for (const {key, value} of this.records.getRange({start: [uid, shardIndex + 1], end: [uid, shardIndex], reverse: true, limit: 1})) {
			return key[2] + value.readUInt32BE(BATCH_LAST_DELTA);
		}
		return undefined;
	}

	/**
	 * Removes the records of some shards of a stream that arrived before a time, in slices that each hold
	 * the event loop a few milliseconds (see Slices), so that other calls go on meanwhile. Returns how many went.
	 */
	async trim(uid: number, shardIndexes: Iterable<number>, beforeMs: number, slices = new Slices()): Promise<number> {
		let removed = 0;
		for (const shardIndex of shardIndexes) {
			let from: Key = [uid, shardIndex];
			for (;;) {
				if (this.closed) return removed;
				const keys: RecordKey[] = [];
				let more = false;
				for (const {key, value} of this.records.getRange({start: from, end: [uid, shardIndex + 1], limit: SLICE_KEYS})) {
					if (value.readDoubleBE(BATCH_ARRIVAL) >= beforeMs) break;
					keys.push(key);
					removed += value.readUInt32BE(BATCH_COUNT);
					more = keys.length === SLICE_KEYS;
				}
				if (keys.length > 0) await this.removeKeys(this.records, keys);
				await slices.pause();
				if (!more) break;
				from = [uid, shardIndex, (keys.at(-1) as RecordKey)[2] + 1];
			}
		}
		return removed;
	}

	/** The stored batches of a shard, each as a span of all its records, from the one holding a position (or the first after it) on. */
	private *batchesFrom(uid: number, shardIndex: number, fromPosition: number): Generator<BatchSpan> {
		let start = fromPosition;
		// The batch holding the position starts at or before it: the first key at or below it, if that batch reaches it.
		for (const {key, value} of this.records.getRange({
			start: [uid, shardIndex, fromPosition],
			end: [uid, shardIndex],
			reverse: true,
			limit: 1,
		})) {
			if (key[2] + value.readUInt32BE(BATCH_LAST_DELTA) >= fromPosition) start = key[2];
		}
		for (const {key, value} of this.records.getRange({start: [uid, shardIndex, start], end: [uid, shardIndex + 1]})) {
			yield {firstPosition: key[2], arrivalMs: value.readDoubleBE(BATCH_ARRIVAL), value, start: BATCH_HEADER, end: value.length};
		}
	}

	async close(): Promise<void> {
		this.closed = true;
		if (this.durability === 'power') await this.root.flushed;
		await this.root.close();
		// A clean stop leaves everything on the disk, whatever the durability of each commit was.
		if (this.dataDir) await syncFile(join(this.dataDir, 'data.mdb'));
		if (this.temporaryDir) rmSync(this.temporaryDir, {recursive: true, force: true});
	}

	private checkFormat(dataDir: string | undefined): void {
		const format = this.meta.get(FORMAT_KEY);
		if (format === RECORD_FORMAT) return;
		const empty = this.records.getKeysCount({limit: 1}) === 0;
		if (format !== undefined || !empty) {
			void this.root.close();
			throw new Error(
				`The data directory ${dataDir ?? ''} holds records in an older layout (${format ?? 1}) that this engine version cannot read; ` +
					'start the engine with another --data-dir, or with the version that wrote it.',
			);
		}
		this.writes.checkRoom(0);
		this.meta.putSync(FORMAT_KEY, RECORD_FORMAT);
	}

	/** Removes every key of a range, in slices (see trim). */
	private async removeRange<K extends Key>(db: Database<unknown, K>, start: Key, end: Key): Promise<void> {
		const slices = new Slices();
		while (!this.closed) {
			const keys = Array.from(db.getKeys({start, end, limit: SLICE_KEYS}));
			if (keys.length > 0) await this.removeKeys(db, keys);
			if (keys.length < SLICE_KEYS) return;
			await slices.pause();
		}
	}

	/**
	 * Removes keys in one commit. Removing copies pages too, so it is refused on a disk with no room left:
	 * the space then waits for the next sweep. LMDB puts the freed pages on its free list and reuses them
	 * for later writes; the data file does not shrink.
	 */
	private async removeKeys<K extends Key>(db: Database<unknown, K>, keys: readonly K[]): Promise<void> {
		if (this.durability === 'process') {
			await this.writes.sync(
				() =>
					db.transactionSync(() => {
						for (const key of keys) db.removeSync(key);
					}),
				0,
			);
			return;
		}
		this.writes.checkRoom(0);
		await this.settled(...keys.map((key) => db.remove(key)));
	}

	/** Waits for writes made through LMDB's writer thread: every one committed and, with 'power' durability, flushed. */
	private async settled(...writes: Array<Promise<boolean>>): Promise<void> {
		await this.writes.settle(writes);
		const last = writes.at(-1) as (Promise<boolean> & {flushed?: Promise<void>}) | undefined;
		if (last && this.durability === 'power') await this.writes.settle([last.flushed ?? this.root.flushed]);
	}
}

async function syncFile(path: string): Promise<void> {
	const file = await fsOpen(path, 'r+').catch(() => undefined);
	if (!file) return;
	try {
		await file.sync();
	} finally {
		await file.close();
	}
}

/**
 * A stream as stored: tags as [key, value] pairs, because the encoder renames an object key `__proto__`
 * (a valid tag key) when it reads it back. Streams stored with tags as objects still load.
 */
type Tags = Record<string, string>;
type StoredTags = Array<[string, string]> | Tags;
type StoredStream = Omit<StreamState, 'tags' | 'consumers' | 'shards'> & {
	/** Only in streams stored before shards had keys of their own. */
	shards?: ShardState[];
	tags: StoredTags;
	consumers?: Array<Omit<ConsumerState, 'tags'> & {tags?: StoredTags}>;
};

function toStored({shards: _shards, ...stream}: StreamState): StoredStream {
	return {
		...stream,
		tags: Object.entries(stream.tags),
		...(stream.consumers
			? {consumers: stream.consumers.map((consumer) => (consumer.tags ? {...consumer, tags: Object.entries(consumer.tags)} : consumer))}
			: {}),
	};
}

function fromStored({tags, consumers, shards, ...stream}: StoredStream): StreamState {
	const asObject = (value: StoredTags): Tags => (Array.isArray(value) ? Object.fromEntries(value) : value);
	return {
		...stream,
		shards: shards ?? [],
		tags: asObject(tags),
		...(consumers
			? {
					consumers: consumers.map(({tags: consumerTags, ...consumer}) =>
						consumerTags ? {...consumer, tags: asObject(consumerTags)} : consumer,
					),
				}
			: {}),
	};
}

const streamKey = (stream: StreamState) => `${stream.region}/${stream.name}`;

/**
 * A batch is stored as: arrival time (float64 ms) | record count (uint32) | last position - first (uint32),
 * then per record: position - first (uint32) | partition key length (uint16) | data length (uint32) | key | data.
 * All records of a batch arrived together, so retention trims whole batches.
 */
const BATCH_ARRIVAL = 0;
const BATCH_COUNT = 8;
const BATCH_LAST_DELTA = 12;
const BATCH_HEADER = 16;
const RECORD_HEADER = 10;

interface EncodedBatch {
	readonly shardIndex: number;
	readonly firstPosition: number;
	readonly value: Buffer;
}

/** Memory for the batches of a synchronous commit, taken again by the next: see Store.append. */
let batchMemory = Buffer.allocUnsafe(64 * 1024);
/** Larger calls get memory of their own rather than keep that much alive. */
const MAX_REUSED_BYTES = 1024 * 1024;

function reusedBatchMemory(bytes: number): Buffer {
	if (bytes > MAX_REUSED_BYTES) return Buffer.allocUnsafe(bytes);
	if (bytes > batchMemory.length) batchMemory = Buffer.allocUnsafe(MAX_REUSED_BYTES);
	return batchMemory;
}

/** The records to store, as one batch per shard, in the order their shards first appear, in memory from `allocate`. */
function encodeBatches(records: NewRecords, allocate: (bytes: number) => Buffer): EncodedBatch[] {
	const {shardIndexes, positions, keyBytes, dataEnds} = records;
	// Per shard, in the order shards first appear: its first and last position, its count and its size.
	const slots = new Map<number, number>();
	const shards: number[] = [];
	const firsts: number[] = [];
	const lasts: number[] = [];
	const counts: number[] = [];
	const sizes: number[] = [];
	// Per record, its shard's slot (-1: not stored).
	const slotOf: number[] = [];
	let total = 0;
	for (let index = 0; index < positions.length; index++) {
		const position = positions[index] as number;
		if (position < 0) {
			slotOf.push(-1);
			continue;
		}
		const shardIndex = shardIndexes[index] as number;
		let slot = slots.get(shardIndex);
		if (slot === undefined) {
			slots.set(shardIndex, (slot = shards.length));
			shards.push(shardIndex);
			firsts.push(position);
			counts.push(0);
			sizes.push(BATCH_HEADER);
			total += BATCH_HEADER;
		}
		slotOf.push(slot);
		lasts[slot] = position;
		counts[slot] = (counts[slot] as number) + 1;
		const size =
			RECORD_HEADER + (keyBytes[index] as number) + (dataEnds[index] as number) - (index === 0 ? 0 : (dataEnds[index - 1] as number));
		sizes[slot] = (sizes[slot] as number) + size;
		total += size;
	}
	// Every batch in one buffer: one block of memory outside the heap per call rather than one per shard.
	const all = allocate(total);
	// Where each batch's next record goes.
	const offsets: number[] = [];
	let start = 0;
	const values = shards.map((_, slot) => {
		const out = all.subarray(start, start + (sizes[slot] as number));
		out.writeDoubleBE(records.arrivalMs, BATCH_ARRIVAL);
		out.writeUInt32BE(counts[slot] as number, BATCH_COUNT);
		out.writeUInt32BE((lasts[slot] as number) - (firsts[slot] as number), BATCH_LAST_DELTA);
		offsets.push(start + BATCH_HEADER);
		start += out.length;
		return out;
	});
	for (let index = 0; index < positions.length; index++) {
		const slot = slotOf[index] as number;
		if (slot < 0) continue;
		offsets[slot] = encodeRecord(records, index, (positions[index] as number) - (firsts[slot] as number), all, offsets[slot] as number);
	}
	return shards.map((shardIndex, slot) => ({
		shardIndex,
		firstPosition: firsts[slot] as number,
		value: values[slot] as Buffer,
	}));
}

/** Writes one record into its batch at an offset; returns the offset after it. */
function encodeRecord(records: NewRecords, index: number, delta: number, out: Buffer, at: number): number {
	const {data, dataEnds, keys} = records;
	const keyStart = records.keyStarts[index] as number;
	const keyLength = records.keyBytes[index] as number;
	const dataStart = index === 0 ? 0 : (dataEnds[index - 1] as number);
	const dataEnd = dataEnds[index] as number;
	// Byte by byte: a call into Node per field and per key costs more than the writing, 500 records a batch.
	writeUInt32(out, at, delta);
	out[at + 4] = keyLength >>> 8;
	out[at + 5] = keyLength & 0xff;
	writeUInt32(out, at + 6, dataEnd - dataStart);
	let offset = at + RECORD_HEADER;
	for (let byte = 0; byte < keyLength; byte++) out[offset++] = keys[keyStart + byte] as number;
	// A plain view: a Buffer's subarray, or Buffer.copy, makes one too, at more cost.
	out.set(new Uint8Array(data.buffer, data.byteOffset + dataStart, dataEnd - dataStart), offset);
	return offset + dataEnd - dataStart;
}

function writeUInt32(out: Buffer, offset: number, value: number): void {
	out[offset] = value >>> 24;
	out[offset + 1] = (value >>> 16) & 0xff;
	out[offset + 2] = (value >>> 8) & 0xff;
	out[offset + 3] = value & 0xff;
}

/**
 * Calls `visit` with each record of a span from offset `from` on, in order, until it returns false:
 * the record's position, and where its partition key (from keyStart) and data (from dataStart to end)
 * lie in `span.value`. Returns the offset of the record it stopped at, or the span's end.
 */
export function eachRecordIn(
	span: BatchSpan,
	visit: (position: number, keyStart: number, dataStart: number, end: number) => boolean,
	from = span.start,
): number {
	const {value, firstPosition} = span;
	let offset = from;
	while (offset < span.end) {
		const keyStart = offset + RECORD_HEADER;
		const dataStart = keyStart + value.readUInt16BE(offset + 4);
		const end = dataStart + value.readUInt32BE(offset + 6);
		if (!visit(firstPosition + value.readUInt32BE(offset), keyStart, dataStart, end)) return offset;
		offset = end;
	}
	return offset;
}

/** A page's records as objects; their data are views of the stored batches. */
export function recordsOf(page: RecordPage): StoredRecord[] {
	const records: StoredRecord[] = [];
	for (const span of page.spans) {
		const {value, arrivalMs} = span;
		eachRecordIn(span, (position, keyStart, dataStart, end) => {
			records.push({position, arrivalMs, partitionKey: value.toString('utf8', keyStart, dataStart), data: value.subarray(dataStart, end)});
			return true;
		});
	}
	return records;
}
