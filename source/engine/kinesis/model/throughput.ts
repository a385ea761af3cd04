import {ServiceError} from '../../protocol/errors.js';
import type {StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {shardIdOf} from './names.js';

/**
 * Per-shard throughput limits as AWS applies them: writes of 1 MiB/s and 1,000 records/s, reads of
 * 5 GetRecords calls/s and 2 MiB/s, and 5 GetShardIterator calls/s. Each limit is a token bucket
 * holding one second of budget. A read may overdraw the byte budget (one GetRecords can return 10 MiB),
 * and later reads wait for it to refill, which is how AWS throttles the calls that follow a large read.
 */
export const SHARD_LIMITS = {
	writeBytesPerSecond: 1024 * 1024,
	writeRecordsPerSecond: 1000,
	readCallsPerSecond: 5,
	readBytesPerSecond: 2 * 1024 * 1024,
	iteratorCallsPerSecond: 5,
	/** Enhanced fan-out: what a subscription pushes, per consumer and shard. */
	fanOutBytesPerSecond: 2 * 1024 * 1024,
} as const;

/** A budget of `perSecond` units that refills continuously and holds at most one second of it. */
export class TokenBucket {
	private tokens: number;
	private updatedMs: number;

	constructor(
		private readonly perSecond: number,
		nowMs: number,
	) {
		this.tokens = perSecond;
		this.updatedMs = nowMs;
	}

	available(nowMs: number): number {
		const elapsed = Math.max(0, nowMs - this.updatedMs);
		this.tokens = Math.min(this.perSecond, this.tokens + (elapsed * this.perSecond) / 1000);
		this.updatedMs = nowMs;
		return this.tokens;
	}

	take(amount: number): void {
		this.tokens -= amount;
	}

	/** Whether the bucket has refilled completely: then it is no different from a new one. */
	full(nowMs: number): boolean {
		return this.available(nowMs) >= this.perSecond;
	}
}

interface ShardBuckets {
	readonly writeBytes: TokenBucket;
	readonly writeRecords: TokenBucket;
	readonly readCalls: TokenBucket;
	readonly readBytes: TokenBucket;
	readonly iteratorCalls: TokenBucket;
}

export class ThroughputLimits {
	private readonly shards = new Map<string, ShardBuckets>();

	constructor(readonly enabled: boolean) {}

	/** Admits one record of a size to a shard's write budget, or refuses it. */
	admitWrite(uid: number, shardIndex: number, bytes: number, nowMs: number): boolean {
		if (!this.enabled) return true;
		const buckets = this.bucketsOf(uid, shardIndex, nowMs);
		// A record as large as a whole second's budget (1 MiB with its key) passes once the budget is full.
		if (
			buckets.writeRecords.available(nowMs) < 1 ||
			buckets.writeBytes.available(nowMs) < Math.min(bytes, SHARD_LIMITS.writeBytesPerSecond)
		)
			return false;
		buckets.writeRecords.take(1);
		buckets.writeBytes.take(bytes);
		return true;
	}

	/** Admits one GetRecords call, or refuses it while the shard's call or byte budget is spent. */
	admitRead(uid: number, shardIndex: number, nowMs: number): boolean {
		if (!this.enabled) return true;
		const buckets = this.bucketsOf(uid, shardIndex, nowMs);
		if (buckets.readCalls.available(nowMs) < 1 || buckets.readBytes.available(nowMs) <= 0) return false;
		buckets.readCalls.take(1);
		return true;
	}

	/** Admits one GetShardIterator call, or refuses it once the shard has had five in the last second. */
	admitIterator(uid: number, shardIndex: number, nowMs: number): boolean {
		if (!this.enabled) return true;
		const calls = this.bucketsOf(uid, shardIndex, nowMs).iteratorCalls;
		if (calls.available(nowMs) < 1) return false;
		calls.take(1);
		return true;
	}

	/**
	 * Charges the bytes a GetRecords call returned. A call that returns more than the budget left pays for
	 * all of it, whatever had built up before: after a 10 MiB read the shard refuses reads for the next
	 * 5 seconds, as AWS documents.
	 */
	chargeRead(uid: number, shardIndex: number, bytes: number, nowMs: number): void {
		if (!this.enabled) return;
		const buckets = this.bucketsOf(uid, shardIndex, nowMs);
		const available = buckets.readBytes.available(nowMs);
		if (bytes > available) buckets.readBytes.take(Math.max(0, available));
		buckets.readBytes.take(bytes);
	}

	/** The pace of one enhanced fan-out subscription, or undefined when limits are off. */
	fanOutPace(): FanOutPace | undefined {
		return this.enabled ? new FanOutPace() : undefined;
	}

	forgetStream(uid: number): void {
		for (const key of this.shards.keys()) if (key.startsWith(`${uid}/`)) this.shards.delete(key);
	}

	private bucketsOf(uid: number, shardIndex: number, nowMs: number): ShardBuckets {
		const key = `${uid}/${shardIndex}`;
		let buckets = this.shards.get(key);
		if (!buckets) {
			buckets = {
				writeBytes: new TokenBucket(SHARD_LIMITS.writeBytesPerSecond, nowMs),
				writeRecords: new TokenBucket(SHARD_LIMITS.writeRecordsPerSecond, nowMs),
				readCalls: new TokenBucket(SHARD_LIMITS.readCallsPerSecond, nowMs),
				readBytes: new TokenBucket(SHARD_LIMITS.readBytesPerSecond, nowMs),
				iteratorCalls: new TokenBucket(SHARD_LIMITS.iteratorCallsPerSecond, nowMs),
			};
			this.shards.set(key, buckets);
		}
		return buckets;
	}
}

/**
 * A subscription pushes a shard's records at up to 2 MiB/s: after an event of so many bytes, the next one
 * with records waits as long as they take at that rate. A consumer far behind catches up at that rate,
 * as on AWS, rather than as fast as the disk reads. Real time, not the engine's clock, as the heartbeat.
 */
export class FanOutPace {
	/** When the events sent so far are paid for (Date.now() ms). */
	private paidUntilMs = 0;

	/** Charges an event's bytes once it is sent. */
	spent(bytes: number): void {
		this.paidUntilMs = Math.max(this.paidUntilMs, Date.now()) + (bytes / SHARD_LIMITS.fanOutBytesPerSecond) * 1000;
	}

	/** How long to wait before the next event with records may go. */
	waitMs(): number {
		return Math.max(0, this.paidUntilMs - Date.now());
	}
}

/** AWS's error for a write or a GetShardIterator call over a shard's budget (GetRecords words it differently). */
export function shardRateExceeded(context: ActionContext, stream: StreamState, shardIndex: number): ServiceError {
	return new ServiceError(
		'ProvisionedThroughputExceededException',
		`Rate exceeded for shard ${shardIdOf(shardIndex)} in stream ${stream.name} under account ${context.streams.account}.`,
	);
}
