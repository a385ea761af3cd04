const RETRY_NOTICE_MS = 5_000;
/** The rates are measured over this long: a few of a shard's polls at one a second. */
const RATE_WINDOW_MS = 5_000;

/**
 * What a tail's shard readers have done in one run: the shards being read and how far behind each
 * is, records received and their rate, the calls being retried and the readers that stopped on a
 * failure. Pure bookkeeping: the store turns it into its snapshot and notices.
 */
export class ReaderProgress {
	received = 0;
	/** Records per second received, over the last RATE_WINDOW_MS. */
	rate = 0;
	/** GetRecords calls answered per second, over the last RATE_WINDOW_MS: what the readers did, not what they may do. */
	callRate = 0;
	/** Shards whose reader started in this run. */
	startedShards = 0;
	/** Shards (or '' for the listing) whose calls are failing and being retried. */
	readonly retrying = new Set<string>();
	retryReason: string | undefined;
	/** Shards whose reader stopped on a failure, with the failure. */
	readonly failures = new Map<string, unknown>();
	private readonly reading = new Set<string>();
	/** Shards whose reader started and has had no read answered yet: the start of a big tail, or a shard retrying before its first read. */
	private readonly starting = new Set<string>();
	private readonly behind = new Map<string, number>();
	private readonly lastRetryNotice = new Map<string, number>();
	private calls = 0;
	/** What had been received and called at each rate sample of the last RATE_WINDOW_MS, oldest first. */
	private rateSamples: Array<{atMs: number; received: number; calls: number}> = [{atMs: 0, received: 0, calls: 0}];

	/** A new run: nothing read yet (retry notices keep their pace across runs). */
	reset(nowMs: number): void {
		this.received = 0;
		this.rate = 0;
		this.calls = 0;
		this.callRate = 0;
		this.rateSamples = [{atMs: nowMs, received: 0, calls: 0}];
		this.behind.clear();
		this.reading.clear();
		this.starting.clear();
		this.clearRetries();
		this.failures.clear();
		this.startedShards = 0;
	}

	/** Shards being read now. */
	get shards(): number {
		return this.reading.size;
	}

	/** Shards whose reader started and has had no read answered yet. */
	get startingShards(): number {
		return this.starting.size;
	}

	/** The largest MillisBehindLatest the shard readers last saw. */
	get behindMs(): number | undefined {
		let behindMs: number | undefined;
		for (const value of this.behind.values()) behindMs = Math.max(behindMs ?? 0, value);
		return behindMs;
	}

	started(shardId: string): void {
		this.startedShards++;
		this.starting.add(shardId);
	}

	/**
	 * A shard's read answered: only now is it being read (at LATEST, from the moment its iterator was
	 * taken, which can wait its turn in the request budget), and counted among the shards reading.
	 */
	answered(shardId: string): boolean {
		this.calls++;
		// Every answer comes here: only a shard's first touches the sets.
		if (this.reading.has(shardId) || this.failures.has(shardId)) return false;
		this.starting.delete(shardId);
		this.reading.add(shardId);
		return true;
	}

	ended(shardId: string): void {
		this.reading.delete(shardId);
		this.starting.delete(shardId);
		this.behind.delete(shardId);
	}

	failed(shardId: string, error: unknown): void {
		this.reading.delete(shardId);
		this.starting.delete(shardId);
		this.failures.set(shardId, error);
	}

	noteBehind(shardId: string, millisBehindLatest: number | undefined): void {
		if (millisBehindLatest === undefined) this.behind.delete(shardId);
		else this.behind.set(shardId, millisBehindLatest);
	}

	/** Samples the record and call rates; returns whether either's rounded value changed. */
	sampleRate(nowMs: number): boolean {
		// Over the last few seconds, not the last one: at a call a shard a second (the default share of its reads),
		// a second without an answer read as 0 records/s on a stream that never paused.
		while (this.rateSamples.length > 1 && (this.rateSamples[1]?.atMs ?? nowMs) <= nowMs - RATE_WINDOW_MS) this.rateSamples.shift();
		const base = this.rateSamples[0] ?? {atMs: nowMs, received: 0, calls: 0};
		const elapsed = nowMs - base.atMs;
		if (elapsed <= 0) return false;
		const rate = ((this.received - base.received) * 1000) / elapsed;
		const callRate = ((this.calls - base.calls) * 1000) / elapsed;
		this.rateSamples.push({atMs: nowMs, received: this.received, calls: this.calls});
		const changed = Math.round(rate) !== Math.round(this.rate) || Math.round(callRate * 10) !== Math.round(this.callRate * 10);
		this.rate = rate;
		this.callRate = callRate;
		return changed;
	}

	/** A call is being retried; returns whether to say so in a notice (every few seconds per shard). */
	retry(key: string, reason: string, nowMs: number): boolean {
		this.retrying.add(key);
		this.retryReason ??= reason;
		const last = this.lastRetryNotice.get(key) ?? Number.NEGATIVE_INFINITY;
		if (nowMs - last < RETRY_NOTICE_MS) return false;
		this.lastRetryNotice.set(key, nowMs);
		return true;
	}

	/**
	 * A shard that was retrying reads again (or is gone): 'idle' if it was not retrying, 'others' while
	 * others still are, 'recovered' when none is left retrying.
	 */
	readingAgain(shardId: string): 'idle' | 'others' | 'recovered' {
		if (!this.retrying.delete(shardId)) return 'idle';
		if (this.retrying.size > 0) return 'others';
		this.retryReason = undefined;
		return 'recovered';
	}

	clearRetries(): void {
		this.retrying.clear();
		this.retryReason = undefined;
	}

	/** "shardId-…1 stopped: " when only some of the shards read stopped on a failure; '' when they all did. */
	stoppedShardsPrefix(): string {
		const stopped = [...this.failures.keys()];
		if (stopped.length >= this.startedShards) return '';
		return `${stopped.length === 1 ? stopped[0] : `${stopped.length} of ${this.startedShards} shards`} stopped: `;
	}
}
