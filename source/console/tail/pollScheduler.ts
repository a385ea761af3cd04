import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {SHARD_READS_PER_SECOND} from '../apiQuotas.js';
import {shardCallsOf} from '../aws/directReads.js';

/**
 * When each shard reader of a process may make its next call. One scheduler serves every reader on a
 * client (`pollSchedulerFor`), so that a tail of thousands of shards from one process:
 *   - keeps at most `inFlightLimit` calls in flight, no more than the connections they may use (the
 *     shard calls' transport's, aws/shardHttp.ts, or the HTTP agent's for a client made elsewhere), so a
 *     call never waits for one, where its socket timeout would run out before it is sent. The limit
 *     follows the round trip (`roundTripMs`: the transport's shortest of the last 10 s on connections
 *     already open): by Little's law, enough calls in flight for twice TARGET_CALL_RATE calls a second
 *     over it, between `concurrency` and `maxConcurrency`. On loopback the console's and the engine's CPU
 *     bound a start, not the round trip; with every answer held 80 ms (bench/tailStart.ts,
 *     BENCH_START_DELAY_MS=80: a far region, but for its connections' setup), 48 calls in flight made a
 *     2,000-shard start last 9.3 s, 256 made it 1.8 s;
 *   - serves the shards by deadline (earliest due first, then first asked): none starves, and when more
 *     calls are due than the pool can make, every shard is late by the same little; readers' iterators,
 *     their first reads and the polls of readers already reading take turns while more than one has
 *     calls due, so that the start of a big tail (thousands of iterators, all due at once) holds back
 *     neither the first reads of the shards already started nor their next looks, which is where the
 *     first records are found; but a poll waits while any iterator or first read is due, up to
 *     BUSY_WAIT_FOR_STARTS_MS past its time, or IDLE_WAIT_FOR_STARTS_MS for a shard whose last answer
 *     had nothing new (at a trickle, polls were a quarter of a 2,000-shard start's calls, the idle ones
 *     finding little; held so, a sixth fewer were made, and the first record came no later);
 *   - makes at most `ratePerSecond` polls a second in all once a burst of `burst` is spent, so that reading
 *     costs a bounded share of a core however many shards: past ratePerSecond × the idle bound shards,
 *     each idle shard is polled in turn, while a hot shard keeps its pace (its polls go before the
 *     others', three turns in four while both are due: OTHER_TURN_EVERY). A reader's iterator and
 *     first read are outside that rate: the start of a tail reads every shard once as fast as the pool
 *     and the machine allow, a cost paid once per shard, and it is the start that says whether every
 *     shard is being read;
 *   - makes at most `perSecond` GetRecords on a shard in any window of `WINDOW_MS`, whichever reader of
 *     this process asks (a tail, the dashboard's live figures, a checkpoint's scan share a shard's
 *     budget), and never more than `readsPerShard`, the console's share of the shard's 5 a second (AWS's,
 *     shared by every consumer of the stream; apiQuotas.ts); the window is a little over a second so
 *     that the calls still fit a second as the service counts them on arrival.
 */
export class PollScheduler {
	/** Readers' iterators, their first reads, and the polls of readers already reading, busy, hot and idle (the only ones paced by the rate). */
	private readonly queues: Record<Phase, Waiter[]> = {start: [], 'first read': [], poll: [], 'hot poll': [], 'idle poll': []};
	/** The queue the last turn went to. */
	private last = 0;
	/** Turns the other polls, due, have let a hot shard's take since their last (see nextQueue). */
	private othersPassedOver = 0;
	/** Whether another poll was due when nextQueue last chose among the polls. */
	private othersDue = false;
	/**
	 * The last GetRecords calls on each shard (`stream/shardId`), oldest first: when each was sent, and
	 * once answered, when its answer came. The window counts from the answer, which came after the
	 * service counted the call however long the call took to leave (a busy event loop, a socket's turn):
	 * counted from the send, two calls sent 1.1 s apart reached the engine within a second on a busy machine.
	 */
	private readonly sent = new Map<string, Array<{at: number}>>();
	private readonly watched = new WeakMap<AbortSignal, Set<Waiter>>();
	private inFlight = 0;
	/** Calls in flight at most now (see the class's comment). */
	private limit: number;
	private readonly roundTrip: () => number | undefined;
	private sequence = 0;
	private grants = 0;
	private timer: NodeJS.Timeout | undefined;
	private timerDueMs = Number.POSITIVE_INFINITY;
	private readonly now: () => number;
	readonly concurrency: number;
	readonly maxConcurrency: number;

	readonly ratePerSecond: number;
	/** GetRecords a second on one shard at most, whatever a reader asks (see the class's comment). */
	readonly readsPerShard: number;
	private readonly burst: number;
	private tokens: number;
	private refilledMs: number;

	constructor(options: PollSchedulerOptions = {}) {
		// Never more than the transport carries.
		this.concurrency = Math.max(
			1,
			Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, options.maxConcurrency ?? Number.POSITIVE_INFINITY),
		);
		this.maxConcurrency = Math.max(this.concurrency, options.maxConcurrency ?? this.concurrency);
		this.limit = this.concurrency;
		this.roundTrip = options.roundTripMs ?? (() => undefined);
		this.now = options.now ?? Date.now;
		this.ratePerSecond = Math.max(1, options.ratePerSecond ?? DEFAULT_CALL_RATE);
		this.readsPerShard = Math.max(1, Math.min(SHARD_READS_PER_SECOND, Math.floor(options.readsPerShard ?? SHARD_READS_PER_SECOND)));
		this.burst = Math.max(1, options.burst ?? DEFAULT_BURST);
		this.tokens = this.burst;
		this.refilledMs = this.now();
	}

	/**
	 * Waits for a turn to call for the shard `key` (no sooner than `notBeforeMs`, and for a GetRecords
	 * turn, `perSecond` > 0, within the shard's budget) and a place in the pool. Resolves with the
	 * function that gives the place back, to be called once the call is answered; or undefined if the
	 * signal aborted first.
	 */
	turn(request: TurnRequest): Promise<(() => void) | undefined> {
		const {signal} = request;
		if (signal?.aborted) return Promise.resolve(undefined);
		return new Promise((resolve) => {
			// One shape for every waiter (no spread of the request's optional fields): thousands are compared in the heaps.
			const waiter: Waiter = {
				key: request.key,
				notBeforeMs: request.notBeforeMs,
				perSecond: request.perSecond,
				phase: request.phase ?? 'poll',
				dueMs: 0,
				sequence: this.sequence++,
				resolve,
				cancelled: false,
				done: undefined,
			};
			waiter.dueMs = this.dueOf(waiter);
			if (signal) this.watch(signal, waiter);
			push(this.queues[waiter.phase], waiter);
			this.pump();
		});
	}

	/**
	 * One abort listener per signal, not one per waiter: thousands of readers share a tail's signal, and
	 * adding or removing a listener walks the signal's whole list.
	 */
	private watch(signal: AbortSignal, waiter: Waiter): void {
		let waiters = this.watched.get(signal);
		if (!waiters) {
			const set = new Set<Waiter>();
			waiters = set;
			this.watched.set(signal, set);
			signal.addEventListener(
				'abort',
				() => {
					for (const each of set) {
						each.cancelled = true;
						each.resolve(undefined);
					}
					set.clear();
					this.pump();
				},
				{once: true},
			);
		}
		waiters.add(waiter);
		waiter.done = () => waiters.delete(waiter);
	}

	/** Calls in flight now. */
	get active(): number {
		return this.inFlight;
	}

	/** Calls in flight at most now. */
	get inFlightLimit(): number {
		return this.limit;
	}

	/** The calls' transport's shortest recent round trip (undefined before one is known). */
	get roundTripMs(): number | undefined {
		return this.roundTrip();
	}

	/** When the shard's window lets the waiter call, or its own time if later. */
	private dueOf(waiter: Waiter): number {
		if (waiter.perSecond <= 0) return waiter.notBeforeMs;
		const times = this.sent.get(waiter.key);
		const budget = Math.max(1, Math.min(this.readsPerShard, Math.floor(waiter.perSecond)));
		if (!times || times.length < budget) return waiter.notBeforeMs;
		// The call `budget` calls back must have left the window before another is sent.
		const opens = (times[times.length - budget]?.at ?? 0) + WINDOW_MS;
		return Math.max(waiter.notBeforeMs, opens);
	}

	private pump(): void {
		const now = this.now();
		this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledMs) * this.ratePerSecond) / 1000);
		this.refilledMs = now;
		while (this.inFlight < this.limit) {
			const heap = this.nextQueue(now);
			if (!heap) break;
			const next = pop(heap) as Waiter;
			// Another reader of the same shard may have called since this one asked: look at the window again.
			const due = this.dueOf(next);
			if (due > now) {
				next.dueMs = due;
				push(heap, next);
				continue;
			}
			this.last = TURNS.indexOf(isPoll(next.phase) ? 'poll' : next.phase);
			if (next.phase === 'hot poll') this.othersPassedOver += this.othersDue ? 1 : 0;
			else if (isPoll(next.phase)) this.othersPassedOver = 0;
			this.grant(next, now);
		}
		this.arm();
	}

	/**
	 * The next queue after the last one served whose head is due now (the polls' only while the rate allows).
	 * Polls take one turn between them: a hot shard's first (but for one turn in OTHER_TURN_EVERY), then
	 * the earlier due of a busy and an idle shard's, each only while no reader's iterator or first read is
	 * due or once it has waited for them as long as it may (heldHead).
	 */
	private nextQueue(now: number): Waiter[] | undefined {
		for (let step = 1; step <= TURNS.length; step++) {
			const turn = TURNS[(this.last + step) % TURNS.length] as Phase;
			if (turn !== 'poll') {
				if ((head(this.queues[turn])?.dueMs ?? Number.POSITIVE_INFINITY) <= now) return this.queues[turn];
				continue;
			}
			if (this.tokens < 1) continue;
			const hot = this.heldHead(this.queues['hot poll'], BUSY_WAIT_FOR_STARTS_MS, now);
			const busy = this.heldHead(this.queues.poll, BUSY_WAIT_FOR_STARTS_MS, now);
			const idle = this.heldHead(this.queues['idle poll'], IDLE_WAIT_FOR_STARTS_MS, now);
			const other = busy !== undefined && (idle === undefined || before(busy, idle)) ? busy : idle;
			const hotDue = hot !== undefined && hot.dueMs <= now;
			const otherDue = other !== undefined && other.dueMs <= now;
			// A hot shard goes before the others, but for one turn in OTHER_TURN_EVERY while both are due (counted
			// as the turns are granted, in pump: a waiter its shard's window holds back takes none).
			this.othersDue = otherDue;
			if (hotDue && !(otherDue && this.othersPassedOver >= OTHER_TURN_EVERY - 1)) return this.queues['hot poll'];
			if (otherDue) return other === busy ? this.queues.poll : this.queues['idle poll'];
		}
		return undefined;
	}

	/**
	 * A poll queue's head, unless a reader's iterator or first read is due and the head has waited for
	 * them less than `waitMs` past its time.
	 */
	private heldHead(queue: Waiter[], waitMs: number, now: number): Waiter | undefined {
		const first = head(queue);
		if (first === undefined || first.dueMs + waitMs <= now) return first;
		const starting = (head(this.queues.start)?.dueMs ?? now + 1) <= now || (head(this.queues['first read'])?.dueMs ?? now + 1) <= now;
		return starting ? undefined : first;
	}

	private grant(waiter: Waiter, now: number): void {
		const call = {at: now};
		if (waiter.perSecond > 0) {
			const times = this.sent.get(waiter.key) ?? [];
			times.push(call);
			// Only the last few matter: no budget is above AWS's 5 a second.
			if (times.length > SHARD_READS_PER_SECOND) times.shift();
			this.sent.set(waiter.key, times);
			if (++this.grants % SWEEP_EVERY === 0) this.sweep(now);
		}
		this.inFlight++;
		if (isPoll(waiter.phase)) this.tokens--;
		waiter.done?.();
		let released = false;
		waiter.resolve(() => {
			if (released) return;
			released = true;
			call.at = Math.max(call.at, this.now());
			this.inFlight--;
			this.resize();
			this.pump();
		});
	}

	/** The limit for the round trip now (see the class's comment). */
	private resize(): void {
		const roundTripMs = this.roundTrip();
		if (roundTripMs === undefined) return;
		// Twice what the rate takes over the round trip, as BBR's cwnd_gain of 2: the round trip is a least,
		// and calls answered while the console's loop is busy would otherwise leave the pool short.
		const needed = Math.ceil((2 * TARGET_CALL_RATE * roundTripMs) / 1000);
		this.limit = Math.min(this.maxConcurrency, Math.max(this.concurrency, needed));
	}

	/** One timer, for the earliest waiter due later (a poll no sooner than the rate allows), while there is room in the pool. */
	private arm(): void {
		const tokenMs = this.tokens >= 1 ? 0 : this.refilledMs + ((1 - this.tokens) * 1000) / this.ratePerSecond;
		const nextMs = Math.min(
			head(this.queues.start)?.dueMs ?? Number.POSITIVE_INFINITY,
			head(this.queues['first read'])?.dueMs ?? Number.POSITIVE_INFINITY,
			Math.max(
				Math.min(
					head(this.queues.poll)?.dueMs ?? Number.POSITIVE_INFINITY,
					head(this.queues['hot poll'])?.dueMs ?? Number.POSITIVE_INFINITY,
					head(this.queues['idle poll'])?.dueMs ?? Number.POSITIVE_INFINITY,
				),
				tokenMs,
			),
		);
		const due = this.inFlight < this.limit ? nextMs : Number.POSITIVE_INFINITY;
		if (due === this.timerDueMs) return;
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		this.timerDueMs = due;
		if (due === Number.POSITIVE_INFINITY) return;
		this.timer = setTimeout(
			() => {
				this.timer = undefined;
				this.timerDueMs = Number.POSITIVE_INFINITY;
				this.pump();
			},
			Math.max(0, due - this.now()),
		);
	}

	/** Drops the windows of shards not called for a window's time (ended, or no longer read), so memory follows the shards read. */
	private sweep(now: number): void {
		for (const [key, times] of this.sent) if ((times.at(-1)?.at ?? 0) + WINDOW_MS < now) this.sent.delete(key);
	}
}

export interface PollSchedulerOptions {
	/** Calls in flight at most while the round trip is short. Default DEFAULT_CONCURRENCY. */
	readonly concurrency?: number;
	/** Calls in flight at most however long the round trip: what the calls' transport can carry. Default `concurrency`. */
	readonly maxConcurrency?: number;
	/** The transport's shortest recent round trip in ms (aws/shardHttp.ts), undefined while unknown. Default: never known. */
	readonly roundTripMs?: () => number | undefined;
	/** Polls a second at most once the burst is spent (iterators and first reads aside). Default DEFAULT_CALL_RATE. */
	readonly ratePerSecond?: number;
	/** GetRecords a second on one shard at most, every reader together. Default 5, AWS's. */
	readonly readsPerShard?: number;
	/** Calls that may go faster than the rate. Default DEFAULT_BURST. */
	readonly burst?: number;
	readonly now?: () => number;
}

export interface TurnRequest {
	/** The shard, as `stream/shardId`. */
	readonly key: string;
	readonly notBeforeMs: number;
	/** GetRecords calls on the shard in any window of WINDOW_MS at most; 0 for a call outside that budget (GetShardIterator). */
	readonly perSecond: number;
	/**
	 * A reader's first turn (its iterator) or its first read, outside the call rate; a poll when absent;
	 * a hot poll when the shard's last answer was behind or brought HOT_RECORDS or more, served before the
	 * others; an idle poll when it had nothing new, which waits longer than a poll while any reader's
	 * iterator or first read is due.
	 */
	readonly phase?: Exclude<Phase, 'poll'>;
	readonly signal?: AbortSignal;
}

/**
 * Calls in flight at most across every reader on a client while the round trip is short: just below the
 * 50 connections of the console's HTTP agent (connect.ts; a client made elsewhere sends them through it,
 * beside the listing and the screens' own calls). On a busy machine a call waits mostly for the engine's
 * and the console's turns on a core, so the pool is kept that wide.
 */
export const DEFAULT_CONCURRENCY = 48;

/**
 * The calls a second the limit in flight is sized for: about what the console's CPU makes of a big
 * tail's start (4,360 calls in 1.23–1.29 s against a server that does next to nothing, bench/tailStart.ts
 * with BENCH_START_SERVER=idle).
 */
export const TARGET_CALL_RATE = 3_000;

/**
 * While a hot shard's poll (its last answer behind, or of HOT_RECORDS or more) and others are due, the
 * others take one turn in this many. Served by deadline alone, a shard written at 950 records a second in
 * a 2,000-shard tail waited behind every other shard's poll (past the poll rate, each is polled every
 * shards ÷ rate seconds: about 7 s) and fell ever further behind; a busy shard at a trickle is not hot, so
 * that thousands of them still share the rate evenly.
 */
export const OTHER_TURN_EVERY = 4;

/** Records in an answer that make a shard hot (about 100 a second at one poll a second): see OTHER_TURN_EVERY. */
export const HOT_RECORDS = 100;

/** The queues: a reader's iterator, its first read, and its polls after records, after many (hot) or after nothing new. */
type Phase = 'start' | 'first read' | 'poll' | 'hot poll' | 'idle poll';
/** The turns the queues take: the polls, idle or not, share one. */
const TURNS: readonly Phase[] = ['start', 'first read', 'poll'];
const isPoll = (phase: Phase) => phase === 'poll' || phase === 'hot poll' || phase === 'idle poll';

/**
 * Polls a second across every reader on a client once the burst is spent (iterators and first reads aside): each
 * costs the console about half a millisecond of CPU with the engine's (bench/scale.ts), so this keeps the
 * polling of a tail of any size under a third of a core.
 */
export const DEFAULT_CALL_RATE = 300;

/** A second's polls at the rate. */
export const DEFAULT_BURST = 300;

/**
 * The longest an idle shard's poll waits past its time while other readers' iterators and first reads
 * are due: at 2,000 shards the whole start (about 2–3 s here), at 10,000 a bounded part of it.
 */
export const IDLE_WAIT_FOR_STARTS_MS = 2_000;

/**
 * The longest a poll of a shard that had records waits past its time while other readers' iterators and
 * first reads are due: a record on a busy shard shows at most this much later during a big start.
 */
export const BUSY_WAIT_FOR_STARTS_MS = 500;

/** A second, and a margin (the window counts from answers, which follow the service's count of a call). */
export const WINDOW_MS = 1_100;

const SWEEP_EVERY = 50_000;

const schedulers = new WeakMap<KinesisClient, PollScheduler>();

/** The scheduler every reader on this client shares, with as many calls in flight as its shard calls' transport can carry. */
export function pollSchedulerFor(client: KinesisClient): PollScheduler {
	let scheduler = schedulers.get(client);
	if (!scheduler) {
		const calls = shardCallsOf(client);
		scheduler = new PollScheduler({maxConcurrency: calls.maxInFlight, roundTripMs: calls.roundTripMs, readsPerShard: calls.readsPerShard});
		schedulers.set(client, scheduler);
	}
	return scheduler;
}

interface Waiter {
	readonly key: string;
	readonly notBeforeMs: number;
	readonly perSecond: number;
	readonly phase: Phase;
	dueMs: number;
	readonly sequence: number;
	readonly resolve: (release: (() => void) | undefined) => void;
	cancelled: boolean;
	done: (() => void) | undefined;
}

/** The heap's head, once the cancelled waiters on top are dropped. */
function head(heap: Waiter[]): Waiter | undefined {
	while (heap[0]?.cancelled === true) pop(heap);
	return heap[0];
}

const before = (a: Waiter, b: Waiter) => a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.sequence < b.sequence);

function push(heap: Waiter[], waiter: Waiter): void {
	heap.push(waiter);
	let index = heap.length - 1;
	while (index > 0) {
		const parent = (index - 1) >> 1;
		if (!before(heap[index] as Waiter, heap[parent] as Waiter)) break;
		[heap[index], heap[parent]] = [heap[parent] as Waiter, heap[index] as Waiter];
		index = parent;
	}
}

function pop(heap: Waiter[]): Waiter | undefined {
	const top = heap[0];
	const last = heap.pop();
	if (heap.length === 0 || !last) return top;
	heap[0] = last;
	let index = 0;
	for (;;) {
		const left = index * 2 + 1;
		const right = left + 1;
		let smallest = index;
		if (left < heap.length && before(heap[left] as Waiter, heap[smallest] as Waiter)) smallest = left;
		if (right < heap.length && before(heap[right] as Waiter, heap[smallest] as Waiter)) smallest = right;
		if (smallest === index) break;
		[heap[index], heap[smallest]] = [heap[smallest] as Waiter, heap[index] as Waiter];
		index = smallest;
	}
	return top;
}
