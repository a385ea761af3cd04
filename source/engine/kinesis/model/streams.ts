import {EventEmitter} from 'node:events';
import {invalidArgument, resourceInUse, resourceNotFound} from '../../protocol/errors.js';
import type {Store} from '../../store/store.js';
import {isOpen, type ShardState, type StreamState} from '../../store/streamState.js';
import {parseStreamArn, shardIdOf, shardIndexOf, streamArnOf} from './names.js';
import {positionAt} from './sequenceNumbers.js';

export interface Timings {
	/** How long a new stream stays CREATING, and a deleted one DELETING. */
	readonly createMs: number;
	readonly deleteMs: number;
	/** How long a reshard or other update leaves a stream UPDATING. */
	readonly updateMs: number;
}

/**
 * The live set of streams: lookups as AWS answers them, status changes that happen with time,
 * and the position counter each stream hands out to arriving records.
 */
export class Streams {
	private readonly byKey = new Map<string, StreamState>();
	private readonly lastPositions = new Map<number, number>();
	private readonly lastArrivals = new Map<number, number>();
	/** Per stream, the first position of each write batch not yet durable, in reservation order. */
	private readonly pendingBatches = new Map<number, number[]>();
	/** Per stream, its state as last written to the store: what a stream goes back to when a save fails. */
	private readonly saved = new Map<number, Saved>();
	/** Per stream, the shards changed since the last save: each as it was saved, or undefined for a new one. */
	private readonly unsaved = new Map<number, Map<number, ShardState | undefined>>();
	/** Per region and name, when the latest stream of that name was created; kept after it is deleted. */
	private readonly lastCreatedMs = new Map<string, number>();
	/** Wakes readers that wait for news: `uid/shardIndex` when records land in a shard, `uid` when the stream is saved. */
	private readonly news = new EventEmitter().setMaxListeners(0);

	constructor(
		private readonly store: Store,
		readonly account: string,
		/** Also the times of channel state changes (CreateChannel, UpdateChannel, DeleteChannel). */
		readonly timings: Timings,
	) {
		for (const stream of store.loadStreams()) {
			this.byKey.set(keyOf(stream.region, stream.name), stream);
			this.saved.set(stream.uid, savedOf(stream));
			this.lastCreatedMs.set(keyOf(stream.region, stream.name), stream.createdMs);
			let last = 0;
			for (const shard of stream.shards) {
				last = Math.max(last, shard.startPosition, shard.endPosition ?? 0, store.lastPosition(stream.uid, shard.index) ?? 0);
			}
			this.lastPositions.set(stream.uid, last);
		}
	}

	/** A stream by name or ARN, as AWS resolves the pair; throws ResourceNotFoundException when absent. */
	find(region: string, ref: {StreamName?: string; StreamARN?: string}, nowMs: number): StreamState {
		const name = this.nameOf(region, ref);
		const stream = this.lookup(region, name, nowMs);
		if (!stream) throw resourceNotFound(`Stream ${name} under account ${this.account} not found.`);
		return stream;
	}

	/** The stream name a request names, checking that StreamName and StreamARN agree when both are given. */
	nameOf(region: string, ref: {StreamName?: string; StreamARN?: string}): string {
		if (ref.StreamARN !== undefined) {
			const arn = parseStreamArn(ref.StreamARN);
			if (!arn || arn.region !== region || arn.account !== this.account) {
				throw resourceNotFound(`Stream ${ref.StreamARN} under account ${this.account} not found.`);
			}
			if (ref.StreamName !== undefined && ref.StreamName !== arn.name) {
				throw invalidArgument(`StreamARN ${ref.StreamARN} and StreamName ${ref.StreamName} do not refer to the same stream.`);
			}
			return arn.name;
		}
		if (ref.StreamName === undefined) throw invalidArgument('Either StreamName or StreamARN must be provided.');
		return ref.StreamName;
	}

	lookup(region: string, name: string, nowMs: number): StreamState | undefined {
		const stream = this.byKey.get(keyOf(region, name));
		return stream && this.settle(stream, nowMs) ? stream : undefined;
	}

	/** The streams of a region, in name order. */
	list(region: string, nowMs: number): StreamState[] {
		return [...this.byKey.values()]
			.filter((stream) => stream.region === region && this.settle(stream, nowMs))
			.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	}

	all(nowMs: number): StreamState[] {
		return [...this.byKey.values()].filter((stream) => this.settle(stream, nowMs));
	}

	async create(
		stream: Omit<StreamState, 'uid' | 'status' | 'statusChangesAtMs' | 'shards'>,
		ranges: Array<{start: string; end: string}>,
	): Promise<StreamState> {
		const key = keyOf(stream.region, stream.name);
		if (this.byKey.has(key)) {
			throw resourceInUse(`Stream ${stream.name} under account ${this.account} already exists.`);
		}
		// Sequence numbers and iterators tell streams of one name apart by creation time, so a stream
		// created again within the millisecond its predecessor was created in is dated a millisecond later.
		const createdMs = Math.max(stream.createdMs, (this.lastCreatedMs.get(key) ?? Number.NEGATIVE_INFINITY) + 1);
		const startPosition = positionAt(createdMs);
		const created: StreamState = {
			...stream,
			createdMs,
			uid: 0,
			status: 'CREATING',
			statusChangesAtMs: stream.createdMs + this.timings.createMs,
			shards: ranges.map((range, index) => ({index, startHash: range.start, endHash: range.end, startPosition})),
		};
		// Reserve the name before the first await so that two concurrent creates cannot both succeed.
		this.byKey.set(key, created);
		this.lastCreatedMs.set(key, createdMs);
		try {
			const uid = await this.store.allocateUid();
			const withUid = {...created, uid};
			this.byKey.set(key, withUid);
			this.lastPositions.set(uid, startPosition);
			await this.store.createStream(withUid);
			this.saved.set(uid, savedOf(withUid));
			return withUid;
		} catch (error) {
			this.byKey.delete(key);
			throw error;
		}
	}

	async markDeleting(stream: StreamState, nowMs: number): Promise<void> {
		if (stream.status === 'CREATING') stream.deletedWhileCreating = true;
		stream.status = 'DELETING';
		stream.statusChangesAtMs = nowMs + this.timings.deleteMs;
		await this.save(stream);
	}

	/**
	 * Writes a stream's state after a change made to it in memory. If the write fails (a full disk), the
	 * change is undone in memory too, so that the engine never goes on from a state it could not keep: a
	 * split that was not saved must not take records into children that a restart would not know.
	 */
	async save(stream: StreamState): Promise<void> {
		await this.write(stream);
		this.news.emit(String(stream.uid));
	}

	/** Notes that a shard is about to change, or was just added: the next save writes it. */
	changingShard(stream: StreamState, shard: ShardState): void {
		const changes = this.unsavedOf(stream);
		if (changes.has(shard.index)) return;
		const added = shard.index >= (this.saved.get(stream.uid)?.shardCount ?? 0);
		changes.set(shard.index, added ? undefined : {...shard});
	}

	/** Writes the stream and the shards changed since the last save: its cost does not grow with the stream's other shards. */
	private async write(stream: StreamState, undoOnFailure = true): Promise<void> {
		const snapshot = savedOf(stream);
		const changes = this.unsaved.get(stream.uid);
		this.unsaved.delete(stream.uid);
		const shards = changes ? Array.from(changes.keys(), (index) => stream.shards[index] as ShardState) : [];
		try {
			await this.store.saveStream(stream, shards);
		} catch (error) {
			const last = this.saved.get(stream.uid);
			if (undoOnFailure && last) restore(stream, last, changes);
			// Not undone: the changed shards are written by the next save.
			else if (changes) for (const [index, before] of changes) this.unsavedOf(stream).set(index, before);
			throw error;
		}
		this.saved.set(stream.uid, snapshot);
	}

	private unsavedOf(stream: StreamState): Map<number, ShardState | undefined> {
		let changes = this.unsaved.get(stream.uid);
		if (!changes) this.unsaved.set(stream.uid, (changes = new Map()));
		return changes;
	}

	/** Tells the readers of these shards (each named once) that records were appended (and are durable). */
	recordsAppended(stream: StreamState, shardIndexes: readonly number[]): void {
		for (const index of shardIndexes) this.news.emit(`${stream.uid}/${index}`);
	}

	/** Calls back when records land in a shard or the stream changes (reshard, deletion, consumers); returns the way to stop. */
	watch(stream: StreamState, shardIndex: number, listener: () => void): () => void {
		this.news.on(`${stream.uid}/${shardIndex}`, listener).on(String(stream.uid), listener);
		return () => this.news.off(`${stream.uid}/${shardIndex}`, listener).off(String(stream.uid), listener);
	}

	/**
	 * Reserves positions for a batch of arriving records: strictly above every earlier one and never
	 * below arrival time, so numbers keep rising across restarts. Returns the first position and the
	 * arrival time to stamp on the batch.
	 */
	reservePositions(stream: StreamState, count: number, nowMs: number, minimumPosition = 0): {first: number; arrivalMs: number} {
		const arrivalMs = Math.max(nowMs, this.lastArrivals.get(stream.uid) ?? 0);
		const first = Math.max((this.lastPositions.get(stream.uid) ?? 0) + 1, positionAt(arrivalMs), minimumPosition);
		this.lastPositions.set(stream.uid, first + count - 1);
		this.lastArrivals.set(stream.uid, arrivalMs);
		return {first, arrivalMs};
	}

	/** Notes a batch of records being written from a position on, until the write settles. */
	async tracked<T>(stream: StreamState, firstPosition: number, write: Promise<T>): Promise<T> {
		let pending = this.pendingBatches.get(stream.uid);
		if (!pending) this.pendingBatches.set(stream.uid, (pending = []));
		pending.push(firstPosition);
		try {
			return await write;
		} finally {
			pending.splice(pending.indexOf(firstPosition), 1);
		}
	}

	/** True when every record at or below a position is durable: nothing reserved there is still being written. */
	settledThrough(stream: StreamState, position: number): boolean {
		const pending = this.pendingBatches.get(stream.uid);
		return !pending || pending.every((first) => first > position);
	}

	/** Moves a stream to UPDATING for the configured time; it turns ACTIVE by itself. */
	async startUpdating(stream: StreamState, nowMs: number): Promise<void> {
		stream.status = 'UPDATING';
		stream.statusChangesAtMs = nowMs + this.timings.updateMs;
		await this.save(stream);
	}

	/** Moves a stream to UPDATING until releaseUpdating, for a job of unknown length (UpdateShardCount); not saved here. */
	holdUpdating(stream: StreamState): void {
		stream.status = 'UPDATING';
		delete stream.statusChangesAtMs;
	}

	/** Lets a held stream turn ACTIVE, no sooner than the configured time after the job started; not saved here. */
	releaseUpdating(stream: StreamState, startedMs: number): void {
		stream.statusChangesAtMs = startedMs + this.timings.updateMs;
	}

	/** The last position handed out in a stream (records at or below it have arrived). */
	lastPosition(stream: StreamState): number {
		return this.lastPositions.get(stream.uid) ?? positionAt(stream.createdMs);
	}

	shard(stream: StreamState, shardId: string): ShardState | undefined {
		const index = shardIndexOf(shardId);
		return index === undefined ? undefined : stream.shards[index];
	}

	arnOf(stream: StreamState): string {
		return streamArnOf(stream.region, this.account, stream.name);
	}

	/** Applies the status change that is due, if any. False when the stream no longer exists. */
	private settle(stream: StreamState, nowMs: number): boolean {
		if (stream.statusChangesAtMs === undefined || nowMs < stream.statusChangesAtMs) return true;
		if (stream.status === 'DELETING') {
			this.byKey.delete(keyOf(stream.region, stream.name));
			this.lastPositions.delete(stream.uid);
			this.lastArrivals.delete(stream.uid);
			this.pendingBatches.delete(stream.uid);
			this.saved.delete(stream.uid);
			// A failed write is reported by the store; the stream is gone from memory either way, and a restart
			// finds it DELETING past its time and finishes the deletion.
			this.store.removeStream(stream).catch(() => undefined);
			return false;
		}
		stream.status = 'ACTIVE';
		delete stream.statusChangesAtMs;
		// Should this write fail (the store reports it), the stored state still says UPDATING until a time now
		// past, which reads as ACTIVE too: nothing to undo.
		this.write(stream, false).catch(() => undefined);
		return true;
	}
}

const keyOf = (region: string, name: string) => `${region}/${name}`;

/** A stream as last saved: everything but its shards, and how many shards it had. */
interface Saved {
	readonly header: Omit<StreamState, 'shards'>;
	readonly shardCount: number;
}

function savedOf({shards, ...header}: StreamState): Saved {
	return {header: structuredClone(header), shardCount: shards.length};
}

/**
 * Puts a stream back as it was last saved, in place (requests under way hold the same object): its header,
 * and the shards changed since, as they were; shards added since are dropped.
 */
function restore(stream: StreamState, saved: Saved, changes: ReadonlyMap<number, ShardState | undefined> | undefined): void {
	const target = stream as unknown as Record<string, unknown>;
	for (const key of Object.keys(target)) if (key !== 'shards' && !(key in saved.header)) delete target[key];
	Object.assign(target, structuredClone(saved.header));
	stream.shards.length = Math.min(stream.shards.length, saved.shardCount);
	for (const [index, before] of changes ?? []) {
		const shard = stream.shards[index];
		if (!shard || !before) continue;
		if (before.endPosition === undefined) delete shard.endPosition;
		else shard.endPosition = before.endPosition;
	}
}

export const openShards = (stream: StreamState): ShardState[] => stream.shards.filter(isOpen);
export {shardIdOf};
