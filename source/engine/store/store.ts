import {mkdtempSync, rmSync} from 'node:fs';
import {open as fsOpen} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {open, type Database, type RootDatabase} from 'lmdb';
import type {StreamState} from './streamState.js';

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

export interface NewRecord {
	readonly shardIndex: number;
	readonly position: number;
	readonly arrivalMs: number;
	readonly partitionKey: string;
	readonly data: Buffer;
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

type RecordKey = [uid: number, shardIndex: number, position: number];
const NEXT_UID_KEY = 'nextUid';

export class Store {
	private readonly root: RootDatabase;
	private readonly streams: Database<StreamState, string>;
	private readonly meta: Database<number, string>;
	private readonly records: Database<Buffer, RecordKey>;
	private readonly temporaryDir: string | undefined;
	private readonly dataDir: string | undefined;
	private readonly durability: Durability;
	private nextUid: number;

	constructor(options: StoreOptions = {}) {
		this.temporaryDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'kinesis-engine-'));
		this.dataDir = options.dataDir;
		this.durability = options.durability ?? 'process';
		// 'process': a commit is written to the file (the OS page cache) before it is acknowledged, which a
		// crash of the engine cannot undo; skipping fsync makes a commit cost microseconds, not milliseconds.
		// 'power': every acknowledged commit is also flushed to the disk first.
		this.root = open({
			path: options.dataDir ?? this.temporaryDir,
			maxDbs: 8,
			...(this.durability === 'power' ? {separateFlushed: true, overlappingSync: false} : {noSync: true}),
		});
		this.streams = this.root.openDB<StreamState, string>({name: 'streams'});
		this.meta = this.root.openDB<number, string>({name: 'meta'});
		this.records = this.root.openDB<Buffer, RecordKey>({name: 'records', encoding: 'binary'});
		this.nextUid = this.meta.get(NEXT_UID_KEY) ?? 1;
	}

	loadStreams(): StreamState[] {
		return Array.from(this.streams.getRange(), ({value}) => value);
	}

	async saveStream(stream: StreamState): Promise<void> {
		await this.settled(this.streams.put(streamKey(stream), stream));
	}

	/** Forgets a stream at once; its records are removed in the background. */
	async removeStream(stream: StreamState): Promise<void> {
		await this.settled(this.streams.remove(streamKey(stream)));
		void this.removeRange([stream.uid], [stream.uid + 1]);
	}

	/** A stream id never used before in this data directory, so old records can never resurface. */
	async allocateUid(): Promise<number> {
		const uid = this.nextUid++;
		await this.settled(this.meta.put(NEXT_UID_KEY, this.nextUid));
		return uid;
	}

	/** Writes records; resolves once they are durable to the configured degree. */
	async append(uid: number, records: readonly NewRecord[]): Promise<void> {
		let last: Promise<boolean> | undefined;
		for (const record of records) {
			last = this.records.put([uid, record.shardIndex, record.position], encodeRecord(record));
		}
		if (last) await this.settled(last);
	}

	/** Records of one shard from a position on, in order, within the limits. */
	read(uid: number, shardIndex: number, fromPosition: number, limits: ReadLimits): StoredRecord[] {
		const out: StoredRecord[] = [];
		let bytes = 0;
		for (const {key, value} of this.records.getRange({start: [uid, shardIndex, fromPosition], end: [uid, shardIndex + 1]})) {
			const record = decodeRecord(key[2], value);
			if (record.arrivalMs < limits.minArrivalMs) continue;
			bytes += record.data.length + Buffer.byteLength(record.partitionKey);
			if (out.length > 0 && bytes > limits.maxBytes) break;
			out.push(record);
			if (out.length >= limits.maxRecords) break;
		}
		return out;
	}

	/** The first record at or after a position that arrived at or after a time, if any. */
	firstArrivedSince(uid: number, shardIndex: number, fromPosition: number, sinceMs: number): StoredRecord | undefined {
		for (const {key, value} of this.records.getRange({start: [uid, shardIndex, fromPosition], end: [uid, shardIndex + 1]})) {
			const record = decodeRecord(key[2], value);
			if (record.arrivalMs >= sinceMs) return record;
		}
		return undefined;
	}

	/** The highest position stored in a shard, if it holds any record. */
	lastPosition(uid: number, shardIndex: number): number | undefined {
		for (const key of this.records.getKeys({start: [uid, shardIndex + 1], end: [uid, shardIndex], reverse: true, limit: 1})) {
			return key[2];
		}
		return undefined;
	}

	/** Removes the records of a shard that arrived before a time. Returns how many went. */
	async trim(uid: number, shardIndex: number, beforeMs: number): Promise<number> {
		let removed = 0;
		let last: Promise<boolean> | undefined;
		for (const {key, value} of this.records.getRange({start: [uid, shardIndex], end: [uid, shardIndex + 1]})) {
			if (value.readDoubleBE(0) >= beforeMs) break;
			last = this.records.remove(key);
			removed++;
		}
		if (last) await last;
		return removed;
	}

	async close(): Promise<void> {
		if (this.durability === 'power') await this.root.flushed;
		await this.root.close();
		// A clean stop leaves everything on the disk, whatever the durability of each commit was.
		if (this.dataDir) await syncFile(join(this.dataDir, 'data.mdb'));
		if (this.temporaryDir) rmSync(this.temporaryDir, {recursive: true, force: true});
	}

	private async removeRange(start: unknown[], end: unknown[]): Promise<void> {
		let last: Promise<boolean> | undefined;
		for (const key of this.records.getKeys({start: start as RecordKey, end: end as RecordKey})) {
			last = this.records.remove(key);
		}
		if (last) await last;
	}

	private async settled(write: Promise<boolean>): Promise<void> {
		const committed = write as Promise<boolean> & {flushed?: Promise<void>};
		await committed;
		if (this.durability === 'power') await (committed.flushed ?? this.root.flushed);
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

const streamKey = (stream: StreamState) => `${stream.region}/${stream.name}`;

// A record is stored as: arrival time (float64 ms) | partition key length (uint16) | partition key | data.
function encodeRecord(record: NewRecord): Buffer {
	const keyLength = Buffer.byteLength(record.partitionKey);
	const out = Buffer.allocUnsafe(10 + keyLength + record.data.length);
	out.writeDoubleBE(record.arrivalMs, 0);
	out.writeUInt16BE(keyLength, 8);
	out.write(record.partitionKey, 10, 'utf8');
	record.data.copy(out, 10 + keyLength);
	return out;
}

function decodeRecord(position: number, value: Buffer): StoredRecord {
	const keyLength = value.readUInt16BE(8);
	return {
		position,
		arrivalMs: value.readDoubleBE(0),
		partitionKey: value.toString('utf8', 10, 10 + keyLength),
		data: value.subarray(10 + keyLength),
	};
}
