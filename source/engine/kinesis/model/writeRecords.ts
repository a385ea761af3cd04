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
 * A record on its way into a shard, and then the outcome of its write: one object per record from
 * routing to storing to the answer, because PutRecords handles hundreds of them per call.
 */
export interface RoutedRecord {
	readonly partitionKey: string;
	readonly data: Buffer;
	readonly shard: ShardState;
	readonly shardIndex: number;
	/** Its partition key's length in UTF-8, for the store. */
	readonly keyBytes: number;
	/** What the record counts against the shard's write budget. */
	readonly bytes: number;
	/** False when the shard's write budget refused it (ProvisionedThroughputExceededException). */
	admitted: boolean;
	/** Where it was stored, when admitted. */
	position: number;
	arrivalMs: number;
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

/** Writes the hash key a record is routed by into `out` at `at` (four words). */
function hashKeyOf(record: IncomingRecord, out: HashWords, at: number): void {
	if (record.ExplicitHashKey === undefined) {
		md5Words(record.PartitionKey, out, at);
		return;
	}
	const value = BigInt(record.ExplicitHashKey);
	if (value > MAX_HASH_KEY) {
		throw invalidArgument(
			`Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${record.ExplicitHashKey}`,
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
export function routingHashes(stream: StreamState, records: readonly IncomingRecord[]): HashWords {
	const hashes = new Uint32Array(records.length * 4);
	for (let index = 0; index < records.length; index++) hashKeyOf(records[index] as IncomingRecord, hashes, index * 4);
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
 * Stores the records each shard's write budget admits, in arrival order, and notes on every record
 * whether it was admitted and where it went. Resolves once the stored ones are durable. Positions are
 * reserved synchronously, so concurrent requests interleave but never reorder.
 */
export async function writeRecords(
	context: ActionContext,
	stream: StreamState,
	records: readonly IncomingRecord[],
	hashes: HashWords,
	minimumPosition = 0,
): Promise<RoutedRecord[]> {
	const routed: RoutedRecord[] = [];
	const stored: RoutedRecord[] = [];
	const router = new Router(stream);
	for (let index = 0; index < records.length; index++) {
		const record = records[index] as IncomingRecord;
		const shard = router.shardFor(hashes, index * 4);
		const keyBytes = Buffer.byteLength(record.PartitionKey);
		const bytes = record.Data.length + keyBytes;
		const admitted = context.throughput.admitWrite(stream.uid, shard.index, bytes, context.nowMs);
		const entry: RoutedRecord = {
			partitionKey: record.PartitionKey,
			data: record.Data,
			shard,
			shardIndex: shard.index,
			keyBytes,
			bytes,
			admitted,
			position: 0,
			arrivalMs: 0,
		};
		routed.push(entry);
		if (admitted) stored.push(entry);
	}
	if (stored.length > 0) {
		const {first, arrivalMs} = context.streams.reservePositions(stream, stored.length, context.nowMs, minimumPosition);
		stored.forEach((entry, index) => {
			entry.position = first + index;
			entry.arrivalMs = arrivalMs;
		});
		await context.streams.tracked(stream, first, context.store.append(stream.uid, stored));
		// Enhanced fan-out subscriptions push records as they arrive.
		context.streams.recordsAppended(
			stream,
			stored.map((record) => record.shardIndex),
		);
	}
	context.metrics.writes(stream, routed, context.nowMs);
	return routed;
}
