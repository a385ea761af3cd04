import {Store} from './store.js';
import {readsPerShard} from './apiQuotas.js';

/** An API quota as AWS states it: calls per second, counted per account and region, per stream or per shard. */
export interface ApiQuota {
	readonly perSecond: number;
	readonly scope: 'account' | 'stream' | 'shard' | 'consumerShard';
}

/** An operation the budget has slowed below its share because AWS throttled it, for the status line. */
export interface Slowdown {
	readonly operation: string;
	/** Calls per second allowed now, and the share it returns to. */
	readonly perSecond: number;
	readonly sharePerSecond: number;
	readonly throttles: number;
}

export interface RequestBudgetOptions {
	/** Every limited operation's quota; operations absent are not limited. */
	readonly quotas: Readonly<Record<string, ApiQuota>>;
	/** The fraction of each quota the console allows itself. Default a quarter: the rest is production's. */
	readonly share?: number;
	readonly now?: () => number;
}

/** Raised to callers waiting for a budget that was closed (the console is quitting). */
export class BudgetClosedError extends Error {
	override readonly name = 'AbortError';
	constructor() {
		super('The request budget was closed.');
	}
}

export const DEFAULT_SHARE = 0.25;

const perSecondText = (value: number) => `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10}/s`;

/** The status line's words for what AWS is throttling now, or undefined when nothing is slowed. */
export function describeSlowdowns(slowdowns: readonly Slowdown[]): string | undefined {
	if (slowdowns.length === 0) return undefined;
	const each = slowdowns.map(
		(slowdown) => `${slowdown.operation} ${perSecondText(slowdown.perSecond)} of ${perSecondText(slowdown.sharePerSecond)}`,
	);
	return `AWS is throttling: the console slowed ${each.join(', ')}, and speeds up again as the throttling stops`;
}
/** After a throttle the rate halves, down to this fraction of its share; it climbs back by a tenth of the share each second. */
const FLOOR = 1 / 32;
const RECOVERY_PER_SECOND = 0.1;

/**
 * The console's one request budget for an account and region, shared by every screen, store and
 * command of the process: a token bucket per operation (and per stream or shard where AWS counts so)
 * holding a share of AWS's quota. A call waits for its token instead of being sent to be refused; a
 * throttling answer halves that bucket's rate, which climbs back while no more come (additive
 * increase, multiplicative decrease, as TCP shares a link). The snapshot lists what is slowed now.
 */
export class RequestBudget extends Store<readonly Slowdown[]> {
	private readonly buckets = new Map<string, Bucket>();
	private readonly share: number;
	private readonly now: () => number;
	private recoveryTimer: NodeJS.Timeout | undefined;
	private closed = false;

	constructor(private readonly options: RequestBudgetOptions) {
		super([]);
		this.share = options.share ?? DEFAULT_SHARE;
		if (!(this.share > 0 && this.share <= 1))
			throw new RangeError(`The share of each quota must be above 0 and at most 1, not ${this.share}.`);
		this.now = options.now ?? Date.now;
	}

	/** GetRecords calls a second the console allows itself on one shard (apiQuotas.ts readsPerShard). */
	get readsPerShard(): number {
		return readsPerShard(this.share);
	}

	/** Calls per second the console allows itself for an operation, or undefined when AWS states no quota for it. */
	sharePerSecond(operation: string): number | undefined {
		const quota = this.quotaOf(operation);
		return quota ? quota.perSecond * this.share : undefined;
	}

	/**
	 * Waits until the operation may be called on `scope` (a stream name, a shard), then counts the call.
	 * Resolves at once while the bucket has a token and nobody is queued before this call.
	 */
	take(operation: string, scope = '', signal?: AbortSignal): Promise<void> {
		if (this.closed) return Promise.reject(new BudgetClosedError());
		const bucket = this.bucketOf(operation, scope);
		return bucket ? bucket.take(signal) : Promise.resolve();
	}

	/** AWS throttled a call: slow that bucket down. */
	throttled(operation: string, scope = ''): void {
		const bucket = this.bucketOf(operation, scope);
		if (!bucket) return;
		bucket.slowDown();
		this.publish();
		this.recoveryTimer ??= setInterval(() => this.publish(), 1_000);
		this.recoveryTimer.unref?.();
	}

	/** Rejects every call still waiting and every later one: the console is quitting. */
	close(): void {
		this.closed = true;
		clearInterval(this.recoveryTimer);
		for (const bucket of this.buckets.values()) bucket.close();
	}

	private quotaOf(operation: string): ApiQuota | undefined {
		return Object.hasOwn(this.options.quotas, operation) ? this.options.quotas[operation] : undefined;
	}

	private bucketOf(operation: string, scope: string): Bucket | undefined {
		const quota = this.quotaOf(operation);
		if (!quota) return undefined;
		const key = quota.scope === 'account' ? operation : `${operation}|${scope}`;
		let bucket = this.buckets.get(key);
		if (!bucket) {
			bucket = new Bucket(operation, quota.perSecond * this.share, this.now);
			this.buckets.set(key, bucket);
		}
		return bucket;
	}

	/** Lists the slowed buckets (one line per operation: the slowest of its streams or shards). */
	private publish(): void {
		const slowest = new Map<string, Slowdown>();
		for (const bucket of this.buckets.values()) {
			const slowdown = bucket.slowdown();
			if (!slowdown) continue;
			const known = slowest.get(slowdown.operation);
			if (!known || slowdown.perSecond < known.perSecond) slowest.set(slowdown.operation, slowdown);
		}
		if (slowest.size === 0 && this.recoveryTimer) {
			clearInterval(this.recoveryTimer);
			this.recoveryTimer = undefined;
		}
		const next = [...slowest.values()].sort((a, b) => a.operation.localeCompare(b.operation));
		const previous = this.getSnapshot();
		if (next.length === 0 && previous.length === 0) return;
		this.set(next);
	}
}

interface Waiter {
	readonly resolve: () => void;
	readonly reject: (error: unknown) => void;
	readonly signal: AbortSignal | undefined;
	readonly onAbort: () => void;
}

/** One token bucket: holds one second of its rate (at least one call), refilled continuously; waiters served in order. */
class Bucket {
	private rate: number;
	private tokens: number;
	private lastMs: number;
	private throttles = 0;
	private readonly queue: Waiter[] = [];
	private timer: NodeJS.Timeout | undefined;

	constructor(
		private readonly operation: string,
		private readonly shareRate: number,
		private readonly now: () => number,
	) {
		this.rate = shareRate;
		this.tokens = Math.max(1, shareRate);
		this.lastMs = now();
	}

	take(signal: AbortSignal | undefined): Promise<void> {
		if (signal?.aborted) return Promise.reject(signal.reason);
		this.refill();
		if (this.queue.length === 0 && this.tokens >= 1) {
			this.tokens -= 1;
			return Promise.resolve();
		}
		return new Promise<void>((resolve, reject) => {
			const waiter: Waiter = {
				resolve,
				reject,
				signal,
				onAbort: () => {
					const index = this.queue.indexOf(waiter);
					if (index >= 0) this.queue.splice(index, 1);
					reject(signal?.reason);
				},
			};
			signal?.addEventListener('abort', waiter.onAbort, {once: true});
			this.queue.push(waiter);
			this.schedule();
		});
	}

	slowDown(): void {
		this.refill();
		this.throttles++;
		this.rate = Math.max(this.shareRate * FLOOR, this.rate / 2);
		// What was saved up at the old rate is what got throttled: spend none of it.
		this.tokens = Math.min(this.tokens, 0);
	}

	slowdown(): Slowdown | undefined {
		this.refill();
		if (this.rate >= this.shareRate) {
			this.throttles = 0;
			return undefined;
		}
		return {operation: this.operation, perSecond: this.rate, sharePerSecond: this.shareRate, throttles: this.throttles};
	}

	close(): void {
		clearTimeout(this.timer);
		for (const waiter of this.queue.splice(0)) {
			waiter.signal?.removeEventListener('abort', waiter.onAbort);
			waiter.reject(new BudgetClosedError());
		}
	}

	private refill(): void {
		const nowMs = this.now();
		const seconds = Math.max(0, nowMs - this.lastMs) / 1000;
		this.lastMs = nowMs;
		if (this.rate < this.shareRate) this.rate = Math.min(this.shareRate, this.rate + this.shareRate * RECOVERY_PER_SECOND * seconds);
		this.tokens = Math.min(Math.max(1, this.rate), this.tokens + this.rate * seconds);
	}

	private schedule(): void {
		if (this.timer) return;
		const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000));
		this.timer = setTimeout(() => {
			this.timer = undefined;
			this.serve();
		}, waitMs);
	}

	private serve(): void {
		this.refill();
		while (this.queue.length > 0 && this.tokens >= 1) {
			const waiter = this.queue.shift();
			if (!waiter) break;
			this.tokens -= 1;
			waiter.signal?.removeEventListener('abort', waiter.onAbort);
			waiter.resolve();
		}
		if (this.queue.length > 0) this.schedule();
	}
}
