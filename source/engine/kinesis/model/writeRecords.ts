import {invalidArgument, resourceNotFound} from '../../protocol/errors.js';
import {isOpen, type ShardState, type StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {randomFillSync} from 'node:crypto';
import {MAX_HASH_KEY, toHex} from './hashKeys.js';
import {md5Words} from './md5.js';

export interface IncomingRecord {
	readonly PartitionKey: string;
	readonly Data: Buffer;
	readonly ExplicitHashKey?: string;
}

/**
 * The records of one PutRecords or PutRecord call as the write path takes them: their data one after
 * another in one buffer, their partition keys as UTF-8 bytes in another (hashed and stored as they
 * are), and where each lies in arrays, so that nothing per record is a Buffer, a string or an object
 * (PutRecords handles hundreds of records a call, and each was work for the collector). PutRecords'
 * body reader makes them as it decodes, its keys left where they are in the body; every other caller
 * from the parsed input (`of`).
 */
export class IncomingRecords {
	constructor(
		/** Every record's data, in order. */
		readonly data: Buffer,
		/** Where each record's data ends in `data`: it starts where the one before ends. */
		readonly dataEnds: readonly number[],
		/** The partition keys' UTF-8 bytes: each from its start in keyStarts, keyBytes long. */
		readonly keys: Buffer,
		readonly keyStarts: readonly number[],
		readonly keyBytes: readonly number[],
		/** Each record's ExplicitHashKey, when any record has one. */
		readonly hashKeys: ReadonlyArray<string | undefined> | undefined,
	) {}

	static of(entries: readonly IncomingRecord[]): IncomingRecords {
		const dataEnds: number[] = [];
		let end = 0;
		for (const entry of entries) dataEnds.push((end += entry.Data.length));
		const hashed = entries.some((entry) => entry.ExplicitHashKey !== undefined);
		// Each key on its own: joined first, a lone surrogate at the end of one could pair with the next's.
		const keys = entries.map((entry) => Buffer.from(entry.PartitionKey));
		const keyStarts: number[] = [];
		let keyEnd = 0;
		for (const key of keys) {
			keyStarts.push(keyEnd);
			keyEnd += key.length;
		}
		return new IncomingRecords(
			Buffer.concat(
				entries.map((entry) => entry.Data),
				end,
			),
			dataEnds,
			Buffer.concat(keys, keyEnd),
			keyStarts,
			keys.map((key) => key.length),
			hashed ? entries.map((entry) => entry.ExplicitHashKey) : undefined,
		);
	}

	get length(): number {
		return this.dataEnds.length;
	}

	dataStart(index: number): number {
		return index === 0 ? 0 : (this.dataEnds[index - 1] as number);
	}

	dataLength(index: number): number {
		return (this.dataEnds[index] as number) - this.dataStart(index);
	}

	/** The largest record's data, in bytes. */
	largestData(): number {
		let largest = 0;
		for (let index = 0; index < this.length; index++) largest = Math.max(largest, this.dataLength(index));
		return largest;
	}

	/** The data and partition keys of all records, in bytes: what a request's size limit counts. */
	bytes(): number {
		let total = this.data.length;
		for (const length of this.keyBytes) total += length;
		return total;
	}

	partitionKey(index: number): string {
		const start = this.keyStarts[index] as number;
		return this.keys.toString('utf8', start, start + (this.keyBytes[index] as number));
	}

	/** The records as parsed input has them, for the rare check that reads the request whole (a record over its stream's size limit). */
	entries(): IncomingRecord[] {
		return this.dataEnds.map((dataEnd, index) => {
			const key = this.partitionKey(index);
			const data = this.data.subarray(this.dataStart(index), dataEnd);
			const hashKey = this.hashKeys?.[index];
			return hashKey === undefined ? {PartitionKey: key, Data: data} : {PartitionKey: key, Data: data, ExplicitHashKey: hashKey};
		});
	}
}

/**
 * What became of each record of a write, in arrays rather than an object per record: its shard, and
 * its position or -1 where the shard's write budget refused it (ProvisionedThroughputExceededException).
 */
export interface WrittenRecords {
	readonly count: number;
	readonly shardIndexes: Int32Array;
	readonly positions: Float64Array;
	/** What each record counts against its shard's write budget: data and partition key bytes. */
	readonly bytes: Int32Array;
	/** How many records were stored, and their bytes. */
	readonly admitted: number;
	readonly admittedBytes: number;
}

/** The stream a write goes to: only ACTIVE and UPDATING streams take records, as on AWS. */
export function writableStream(context: ActionContext, ref: {StreamName?: string; StreamARN?: string}): StreamState {
	const stream = context.streams.find(context.region, ref, context.nowMs);
	if (stream.status !== 'ACTIVE' && stream.status !== 'UPDATING') {
		throw resourceNotFound(`Stream ${stream.name} under account ${context.streams.account} not found.`);
	}
	return stream;
}

/**
 * Hash keys as the routing works on them: four 32-bit words per key, most significant first, so that
 * PutRecords routes its records without a string or a BigInt per record.
 */
export type HashWords = Uint32Array;

/** Writes the hash key record `index` is routed by into `out` at `at` (four words). */
function hashKeyOf(records: IncomingRecords, index: number, out: HashWords, at: number): void {
	const explicitHashKey = records.hashKeys?.[index];
	if (explicitHashKey === undefined) {
		md5Words(records.keys, records.keyStarts[index] as number, records.keyBytes[index] as number, out, at);
		return;
	}
	const value = BigInt(explicitHashKey);
	if (value > MAX_HASH_KEY) {
		throw invalidArgument(
			`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${explicitHashKey}`,
		);
	}
	hexWords(toHex(value), out, at);
}

export const RecordDistributionStrategy = {type: 'String', enum: ['AUTO', 'USER_PARTITION_KEY']} as const;

/**
 * The hash keys records are routed by. A bad ExplicitHashKey is refused either way; under AUTO, "Amazon
 * Kinesis Data Streams distributes records evenly across shards ... and ignores any partition key and
 * ExplicitHashKey" (UpdateStreamRecordDistributionStrategy), so each record gets a random hash key.
 */
export function routingHashes(stream: StreamState, records: IncomingRecords): HashWords {
	const hashes = new Uint32Array(records.length * 4);
	for (let index = 0; index < records.length; index++) hashKeyOf(records, index, hashes, index * 4);
	return stream.recordDistribution === 'AUTO' ? randomFillSync(hashes) : hashes;
}

function hexWords(hex: string, out: HashWords, at: number): void {
	for (let word = 0; word < 4; word++) out[at + word] = Number.parseInt(hex.slice(word * 8, word * 8 + 8), 16);
}

/** A shard's hash range as words: start in 0..3, end in 4..7. Kept per shard: its range never changes. */
const rangeWords = new WeakMap<ShardState, HashWords>();

function rangeOf(shard: ShardState): HashWords {
	let words = rangeWords.get(shard);
	if (!words) {
		words = new Uint32Array(8);
		hexWords(shard.startHash, words, 0);
		hexWords(shard.endHash, words, 4);
		rangeWords.set(shard, words);
	}
	return words;
}

/** Compares the key at `at` in `keys` with the one at `other` in `to`: negative, zero or positive. */
function compareKeys(keys: HashWords, at: number, to: HashWords, other: number): number {
	for (let word = 0; word < 4; word++) {
		const difference = (keys[at + word] as number) - (to[other + word] as number);
		if (difference !== 0) return difference;
	}
	return 0;
}

/** The open shards of a stream by hash range, to route a call's records: open shards tile the key space. */
class Router {
	private readonly shards: ShardState[];
	private readonly ranges: HashWords[];

	constructor(private readonly stream: StreamState) {
		this.shards = stream.shards.filter(isOpen);
		this.shards.sort((a, b) => compareKeys(rangeOf(a), 0, rangeOf(b), 0));
		this.ranges = this.shards.map(rangeOf);
	}

	/** The open shard whose hash range holds the key at `at`. */
	shardFor(keys: HashWords, at: number): ShardState {
		// The last shard whose range starts at or below the key.
		let low = 0;
		let high = this.shards.length - 1;
		while (low < high) {
			const middle = (low + high + 1) >>> 1;
			if (compareKeys(keys, at, this.ranges[middle] as HashWords, 0) >= 0) low = middle;
			else high = middle - 1;
		}
		const range = this.ranges[low];
		if (range && compareKeys(keys, at, range, 0) >= 0 && compareKeys(keys, at, range, 4) <= 0) return this.shards[low] as ShardState;
		const hex = Array.from(keys.subarray(at, at + 4), (word) => word.toString(16).padStart(8, '0')).join('');
		throw new Error(`no open shard of ${this.stream.name} holds hash key ${hex}`);
	}
}

/**
 * Stores the records each shard's write budget admits, in arrival order, and says of every record
 * which shard it went to and where, or that it was refused. Resolves once the stored ones are durable.
 * Positions are reserved synchronously, so concurrent requests interleave but never reorder.
 */
export async function writeRecords(
	context: ActionContext,
	stream: StreamState,
	records: IncomingRecords,
	hashes: HashWords,
	minimumPosition = 0,
): Promise<WrittenRecords> {
	const count = records.length;
	// The three arrays in one buffer: each memory block outside the heap is work for the collector too.
	const arrays = new ArrayBuffer(count * 16);
	// Refused records are marked -1 here; the others get their positions once they are counted.
	const positions = new Float64Array(arrays, 0, count);
	const shardIndexes = new Int32Array(arrays, count * 8, count);
	const bytes = new Int32Array(arrays, count * 12, count);
	let admitted = 0;
	let admittedBytes = 0;
	const {data, dataEnds, keys, keyStarts, keyBytes} = records;
	const router = new Router(stream);
	for (let index = 0; index < count; index++) {
		const shardIndex = router.shardFor(hashes, index * 4).index;
		const size = records.dataLength(index) + (keyBytes[index] as number);
		shardIndexes[index] = shardIndex;
		bytes[index] = size;
		if (context.throughput.admitWrite(stream.uid, shardIndex, size, context.nowMs)) {
			admitted++;
			admittedBytes += size;
		} else positions[index] = -1;
	}
	if (admitted > 0) {
		const reserved = context.streams.reservePositions(stream, admitted, context.nowMs, minimumPosition);
		const {arrivalMs} = reserved;
		let next = reserved.first;
		for (let index = 0; index < count; index++) if (positions[index] === 0) positions[index] = next++;
		const shards = await context.streams.tracked(
			stream,
			reserved.first,
			context.store.append(stream.uid, {arrivalMs, shardIndexes, positions, keys, keyStarts, keyBytes, data, dataEnds}),
		);
		// Enhanced fan-out subscriptions push records as they arrive.
		context.streams.recordsAppended(stream, shards);
	}
	const written = {count, shardIndexes, positions, bytes, admitted, admittedBytes};
	context.metrics.writes(stream, written, context.nowMs);
	return written;
}
