import {setMaxListeners} from 'node:events';
import type {KinesisClient, Shard} from '@aws-sdk/client-kinesis';
import {sleep} from '../aws/retry.js';
import {isClosed, listAllShards, parentsOf, type StreamRef} from '../aws/shards.js';
import {ConsoleError} from '../failures.js';
import {EventQueue} from './eventQueue.js';
import type {TailEvent} from './events.js';
import {TRIM_HORIZON, type StartPosition} from './positions.js';
import {pollSchedulerFor} from './pollScheduler.js';
import {readerRetries, readShard} from './shardReader.js';
import {readShardSubscription} from './subscriptionReader.js';

export interface TailOptions {
	readonly stream: StreamRef;
	/** Where the shards first read start. Default TRIM_HORIZON. */
	readonly from?: StartPosition;
	/** Starting positions of given shards, overriding `from` (e.g. to resume after the last record seen). */
	readonly shardPositions?: ReadonlyMap<string, StartPosition>;
	/** Read only these shards and the shards that descend from them. Default: the whole stream. */
	readonly shards?: readonly string[];
	/**
	 * GetRecords calls per shard in any second, at most 5 (AWS's limit, shared with every other consumer).
	 * Default 2: the console takes its share and leaves the rest to the stream's applications.
	 */
	readonly callsPerSecond?: number;
	/** The longest wait before polling again a shard that had nothing new. Default IDLE_POLL_MAX_MS (2 s). */
	readonly idlePollMaxMs?: number;
	/** GetRecords Limit. Default 10,000. */
	readonly limit?: number;
	/** Stop after this many records. */
	readonly count?: number;
	/** Stop at records that arrived after this time. */
	readonly until?: Date;
	/** Stop once every shard has been read up to its newest record. */
	readonly stopAtLatest?: boolean;
	/** How often to look for new shards. Default 10 s. */
	readonly shardRefreshMs?: number;
	/** Records held between the readers and the consumer before the readers wait. Default 20,000. */
	readonly bufferRecords?: number;
	/**
	 * Read every shard through enhanced fan-out (SubscribeToShard) as this registered consumer, with
	 * this client (HTTP/2: the SDK's default handler), instead of GetRecords. Listing still uses the tail's client.
	 */
	readonly fanOut?: {readonly client: KinesisClient; readonly consumerArn: string};
	/**
	 * When the credentials fail (expired, rejected, none to be had), keep retrying the listing and every
	 * reader every few seconds instead of ending the tail, and resume after the last record delivered once
	 * the SDK's credential provider hands out valid ones. For the console; scripts stop and say why.
	 */
	readonly waitForCredentials?: boolean;
	/**
	 * Give up on an endpoint that has not answered for this long (a 'failed' event whose error is a
	 * GaveUpError) instead of retrying on: before the first listing of the shards worked, and with
	 * `stopAtLatest` at any time. For scripts, which must end; the console waits on.
	 */
	readonly unreachableLimitMs?: number;
	readonly signal?: AbortSignal;
}

/** GetRecords calls per shard per second a tail asks for unless told; never more than the console's share of AWS's 5 (pollScheduler.ts). */
const DEFAULT_CALLS_PER_SECOND = 2;

type ShardState = 'waiting' | 'reading' | 'ended' | 'skipped';

/**
 * Tails a stream: the shards in lineage order (a parent to its end before its children), each in order,
 * new shards picked up as they appear, until the caller stops, a count or time is reached, or (with
 * `stopAtLatest`) every shard is caught up. Events arrive as an async iterable with bounded buffering.
 */
export async function* tailStream(kinesis: KinesisClient, options: TailOptions): AsyncGenerator<TailEvent> {
	const controller = new AbortController();
	// Every call in flight listens to this signal: one per shard and more, which passes Node's warning limit of 10.
	setMaxListeners(0, controller.signal);
	const abort = () => controller.abort();
	options.signal?.addEventListener('abort', abort, {once: true});
	const queue = new EventQueue<TailEvent>(options.bufferRecords ?? 20_000);
	const session = new TailSession(kinesis, options, queue, controller.signal);
	const running = session.run().finally(() => queue.close());
	let delivered = 0;
	try {
		for await (const event of queue.drain()) {
			if (event.type === 'records' && options.count !== undefined) {
				const room = options.count - delivered;
				const records = event.records.slice(0, room);
				delivered += records.length;
				if (records.length > 0) yield records.length === event.records.length ? event : {...event, records};
				if (delivered >= options.count) return;
				continue;
			}
			yield event;
		}
	} finally {
		controller.abort();
		options.signal?.removeEventListener('abort', abort);
		queue.close();
		await running;
	}
}

class TailSession {
	private readonly states = new Map<string, ShardState>();
	private readonly known = new Map<string, Shard>();
	private readonly readers = new Set<Promise<void>>();
	private readonly startedByLineage = new Set<string>();
	private firstListing = true;
	private refreshNeeded = false;
	private wake: (() => void) | undefined;

	constructor(
		private readonly kinesis: KinesisClient,
		private readonly options: TailOptions,
		private readonly queue: EventQueue<TailEvent>,
		private readonly signal: AbortSignal,
	) {}

	async run(): Promise<void> {
		const refreshMs = this.options.shardRefreshMs ?? 10_000;
		const {stopAtLatest} = this.options;
		const retries = readerRetries('ListShards', this.options, Date.now);
		let listed = false;
		while (!this.signal.aborted) {
			try {
				await this.refresh();
				listed = true;
				if (retries.attempt > 0) await this.emit({type: 'recovered', shardId: ''});
				retries.succeeded();
			} catch (error) {
				if (this.signal.aborted) break;
				// A follow that has listed once keeps trying; before that, or reading to the newest record only, it ends.
				const decision = retries.failed(error, {withoutDeadline: listed && stopAtLatest !== true});
				if ('giveUp' in decision) {
					await this.emit({type: 'failed', error: decision.giveUp});
					break;
				}
				const {kind, reason, attempt, delayMs} = decision.retry;
				await this.emit({type: 'retrying', shardId: '', kind, reason, attempt, delayMs, error});
				await sleep(delayMs, this.signal);
				continue;
			}
			this.startReady();
			if (this.finished()) break;
			await this.nap(refreshMs);
		}
		await Promise.allSettled([...this.readers]);
	}

	private async refresh(): Promise<void> {
		this.refreshNeeded = false;
		const shards = await listAllShards(this.kinesis, this.options.stream, this.signal);
		if (this.firstListing) this.checkChosen(shards);
		let changed = this.firstListing;
		for (const shard of shards) {
			const id = shard.ShardId ?? '';
			const previous = this.known.get(id);
			if (!previous || isClosed(shard) !== isClosed(previous)) changed = true;
			this.known.set(id, shard);
			if (!this.states.has(id) && this.included(shard)) this.states.set(id, this.initialState(shard));
		}
		this.firstListing = false;
		if (changed) await this.emit({type: 'shards', shards});
	}

	/** Every shard asked for is one of the stream's: a mistyped one would read nothing, as a quiet shard does. */
	private checkChosen(shards: readonly Shard[]): void {
		const ids = shards.map((shard) => shard.ShardId ?? '');
		const missing = (this.options.shards ?? []).filter((id) => !ids.includes(id));
		if (missing.length === 0) return;
		throw new ConsoleError({
			kind: 'not-found',
			message: `'${this.options.stream}' has no shard ${missing.join(', ')}.`,
			hint: `Its shards: ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? ', ...' : ''}.`,
		});
	}

	/** Whether the tail reads a shard: every shard, or the chosen ones and their descendants. */
	private included(shard: Shard): boolean {
		const chosen = this.options.shards;
		if (!chosen || chosen.length === 0) return true;
		if (chosen.includes(shard.ShardId ?? '')) return true;
		return parentsOf(shard).some((parent) => {
			const state = this.states.get(parent);
			return state !== undefined && state !== 'skipped';
		});
	}

	private initialState(shard: Shard): ShardState {
		// At LATEST, shards that were closed when the tail began hold nothing new.
		const from = this.positionFor(shard.ShardId ?? '');
		return this.firstListing && from.type === 'LATEST' && isClosed(shard) ? 'skipped' : 'waiting';
	}

	private positionFor(shardId: string): StartPosition {
		const explicit = this.options.shardPositions?.get(shardId);
		if (explicit) return explicit;
		const from = this.options.from ?? TRIM_HORIZON;
		if (!this.startedByLineage.has(shardId)) return from;
		// A child is read from its start once its parents are done; a time still bounds where to begin.
		return from.type === 'AT_TIMESTAMP' ? from : TRIM_HORIZON;
	}

	/** A shard can start once each parent it has in this tail has ended. */
	private ready(shardId: string): boolean {
		const shard = this.known.get(shardId);
		if (!shard) return false;
		return parentsOf(shard).every((parent) => {
			const state = this.states.get(parent);
			return state === undefined || state === 'ended' || state === 'skipped';
		});
	}

	private startReady(): void {
		// Stopping: each of thousands of readers ends and pokes; a look over every shard each time was a second of CPU on a quit.
		if (this.signal.aborted) return;
		for (const [shardId, state] of this.states) {
			if (state !== 'waiting' || !this.ready(shardId)) continue;
			this.states.set(shardId, 'reading');
			const position = this.positionFor(shardId);
			const reader = this.read(shardId, position);
			this.readers.add(reader);
			void reader.finally(() => {
				this.readers.delete(reader);
				this.poke();
			});
		}
	}

	private async read(shardId: string, position: StartPosition): Promise<void> {
		await this.emit({type: 'shard-started', shardId, position});
		const common = {
			stream: this.options.stream,
			shardId,
			from: position,
			stopAtLatest: this.options.stopAtLatest ?? false,
			...(this.options.until ? {until: this.options.until} : {}),
			signal: this.signal,
			emit: (event: TailEvent, weight?: number) => this.emit(event, weight),
			...(this.options.waitForCredentials ? {waitForCredentials: true} : {}),
			...(this.options.stopAtLatest && this.options.unreachableLimitMs !== undefined
				? {unreachableLimitMs: this.options.unreachableLimitMs}
				: {}),
		};
		const {fanOut} = this.options;
		const result = fanOut
			? await readShardSubscription({...common, kinesis: fanOut.client, consumerArn: fanOut.consumerArn})
			: await readShard({
					...common,
					kinesis: this.kinesis,
					callsPerSecond: this.options.callsPerSecond ?? DEFAULT_CALLS_PER_SECOND,
					limit: this.options.limit ?? 10_000,
					scheduler: pollSchedulerFor(this.kinesis),
					...(this.options.idlePollMaxMs === undefined ? {} : {idlePollMaxMs: this.options.idlePollMaxMs}),
				});
		if (result.kind === 'ended') {
			this.states.set(shardId, 'ended');
			const children = result.childShardIds ?? this.childrenOf(shardId);
			for (const child of children) this.startedByLineage.add(child);
			// Children named in ChildShards but not listed yet are picked up by the next listing.
			if (children.some((child) => !this.known.has(child)) || result.childShardIds === undefined) this.refreshNeeded = true;
			await this.emit({type: 'shard-ended', shardId, childShardIds: children});
		} else {
			this.states.set(shardId, 'skipped');
			if (result.kind === 'failed') await this.emit({type: 'failed', shardId, error: result.error});
		}
	}

	private childrenOf(shardId: string): string[] {
		return [...this.known.values()].filter((shard) => parentsOf(shard).includes(shardId)).map((shard) => shard.ShardId ?? '');
	}

	/** Nothing is being read and nothing more will be: for bounded tails, or when the stream is gone. */
	private finished(): boolean {
		if (this.readers.size > 0) return false;
		const waiting = [...this.states.entries()].some(([id, state]) => state === 'waiting' && this.ready(id));
		if (waiting || this.refreshNeeded) return false;
		const bounded = (this.options.stopAtLatest ?? false) || this.options.until !== undefined;
		return bounded || this.states.size === 0 || [...this.states.values()].every((state) => state === 'skipped');
	}

	private async nap(ms: number): Promise<void> {
		if (this.refreshNeeded) return;
		await new Promise<void>((resolve) => {
			const timer = setTimeout(done, ms);
			this.wake = done;
			this.signal.addEventListener('abort', done, {once: true});
			function done() {
				clearTimeout(timer);
				resolve();
			}
		});
		this.wake = undefined;
	}

	/** A reader finished: schedule its children now rather than at the next refresh. */
	private poke(): void {
		this.startReady();
		this.wake?.();
	}

	private emit(event: TailEvent, weight = 0): Promise<void> {
		return this.queue.push(event, weight);
	}
}
