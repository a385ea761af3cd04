import {GaveUpError} from '../failures.js';
import {clockSkewOf, describeError, errorKind, type ErrorKind} from './errors.js';

/**
 * The console's one way to retry a call: capped exponential backoff with full jitter (AWS Architecture
 * Blog, "Exponential Backoff And Jitter": sleep = random_between(0, min(cap, base * 2 ** attempt))),
 * deciding by {@link errorKind}, abortable, bounded by a number of retries and/or a deadline, and
 * reporting each retry in one shape ({@link RetryReport}) that callers pass on to where the user looks:
 * the status line's NoticeStore for screens (through their stores' events), stderr for commands.
 *
 * `retry()` wraps one call. Loops that cannot hand their call over (a generator that yields its
 * progress, a reader that renews its iterator between tries) keep a {@link RetrySchedule} and ask it
 * after each failure.
 */

/** A retry about to happen: what failed, how, which retry this is (from 1), and the wait before it. */
export interface RetryReport {
	readonly operation: string;
	readonly kind: Exclude<ErrorKind, 'final'>;
	readonly attempt: number;
	readonly delayMs: number;
	readonly error: unknown;
	/** The error in words, for notices: "ThrottlingException: Rate exceeded". */
	readonly reason: string;
}

export type OnRetry = (report: RetryReport) => void | Promise<void>;

export interface RetryPolicy {
	/** The first retry waits up to this long; each later one up to twice the one before. Default 200 ms. */
	readonly baseMs?: number;
	/** The longest wait. Default 10 s. */
	readonly capMs?: number;
	/** The shortest wait: full jitter may draw 0, which some callers want to avoid. Default 0. */
	readonly minDelayMs?: number;
	/** Retries after a failure before giving up with the last error. Default: no limit. */
	readonly maxRetries?: number;
	/**
	 * Give up (with a GaveUpError saying how many attempts over how long) once failures have gone on for
	 * `ms`; with `counts`, only a streak of the failures it counts (e.g. isUnreachable: an endpoint that
	 * does not answer), any other failure ending the streak. The last wait is cut so that the streak ends
	 * near `ms`, not a whole backoff later.
	 */
	readonly deadline?: {readonly ms: number; readonly counts?: (error: unknown) => boolean};
	/** Retry credential failures too, every one to ten seconds (see CREDENTIAL_RETRY): for a console left open. */
	readonly waitForCredentials?: boolean;
	/** How failures are sorted; default errorKind. A caller may call a failure of its own retryable (e.g. a shard held by another subscription). */
	readonly classify?: (error: unknown) => ErrorKind;
	readonly random?: () => number;
	readonly now?: () => number;
}

/** Refusals for the signing time retried in a row before giving up: the SDK corrects its clock after the first. */
export const MAX_SKEW_RETRIES = 3;

/** How long a caller waits before trying credentials that failed again: long enough not to hammer, short enough to resume soon after a login. */
export const CREDENTIAL_RETRY = {baseMs: 2_000, capMs: 10_000} as const;

/** Full jitter: a random wait up to min(cap, base * 2^attempt), `attempt` counting from 0. */
export function backoffDelay(attempt: number, baseMs = 200, capMs = 10_000, random: () => number = Math.random): number {
	return Math.round(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/** Resolves after a delay, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal?.aborted || ms <= 0) return resolve();
		const timer = setTimeout(done, ms);
		signal?.addEventListener('abort', done, {once: true});
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
	});
}

/** What a schedule says after a failure: retry after the report's delay, or give up with this error. */
export type RetryDecision = {readonly retry: RetryReport} | {readonly giveUp: unknown};

/** The state of one retrying loop: its retries since the last success and its streak against the deadline. */
export class RetrySchedule {
	private retries = 0;
	private streakSince: number | undefined;
	private streakAttempts = 0;
	/** Refusals for the signing time in a row: the first corrects the clock from the answer's Date; more say it cannot be. */
	private skewed = 0;

	constructor(
		readonly operation: string,
		private readonly policy: RetryPolicy = {},
	) {}

	/** Retries made since the last success. */
	get attempt(): number {
		return this.retries;
	}

	/** A call worked: the next failure starts from the first backoff, and the deadline's streak ends. */
	succeeded(): void {
		this.retries = 0;
		this.skewed = 0;
		this.endStreak();
	}

	/**
	 * A call failed: retry (the report says after how long) or give up. `baseMs` overrides the policy's
	 * for this wait; `withoutDeadline` leaves the deadline out of it (a tail that has listed its shards once follows on).
	 */
	failed(error: unknown, options: {readonly baseMs?: number; readonly withoutDeadline?: boolean} = {}): RetryDecision {
		const {policy} = this;
		const kind = (policy.classify ?? errorKind)(error);
		if (kind === 'final' || (kind === 'credentials' && policy.waitForCredentials !== true)) return {giveUp: error};
		if (policy.maxRetries !== undefined && this.retries >= policy.maxRetries) return {giveUp: error};
		// The clock is corrected from the refusal's Date; refused again and again, it cannot be (no Date, an Age
		// header, correction turned off), and every try would be refused the same way.
		this.skewed = clockSkewOf(error) === undefined ? 0 : this.skewed + 1;
		if (this.skewed > MAX_SKEW_RETRIES) return {giveUp: error};
		const random = policy.random ?? Math.random;
		let delayMs =
			kind === 'credentials'
				? Math.max(CREDENTIAL_RETRY.baseMs / 2, backoffDelay(this.retries, CREDENTIAL_RETRY.baseMs, CREDENTIAL_RETRY.capMs, random))
				: Math.max(
						policy.minDelayMs ?? 0,
						backoffDelay(this.retries, options.baseMs ?? policy.baseMs ?? 200, policy.capMs ?? 10_000, random),
					);
		const {deadline} = policy;
		if (deadline !== undefined && options.withoutDeadline !== true) {
			if (deadline.counts !== undefined && !deadline.counts(error)) {
				this.endStreak();
			} else {
				const now = (policy.now ?? Date.now)();
				this.streakSince ??= now;
				this.streakAttempts++;
				const elapsed = now - this.streakSince;
				if (elapsed >= deadline.ms) return {giveUp: new GaveUpError(error, this.streakAttempts, elapsed)};
				delayMs = Math.min(delayMs, deadline.ms - elapsed);
			}
		}
		this.retries++;
		return {retry: {operation: this.operation, kind, attempt: this.retries, delayMs, error, reason: describeError(error)}};
	}

	private endStreak(): void {
		this.streakSince = undefined;
		this.streakAttempts = 0;
	}
}

export interface RetryOptions extends RetryPolicy {
	readonly signal?: AbortSignal;
	/** Told of each retry before its wait; awaited, so a caller may hold the retry back (a full queue). */
	readonly onRetry?: OnRetry;
}

/**
 * Makes a call, retrying it as the policy says: each retry is reported through `onRetry`, then waited
 * for. Throws the error given up on, or the signal's reason once it aborts.
 */
export async function retry<T>(operation: string, call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
	const schedule = new RetrySchedule(operation, options);
	for (;;) {
		try {
			return await call();
		} catch (error) {
			if (options.signal?.aborted) throw error;
			const decision = schedule.failed(error);
			if ('giveUp' in decision) throw decision.giveUp;
			await options.onRetry?.(decision.retry);
			await sleep(decision.retry.delayMs, options.signal);
			if (options.signal?.aborted) throw abortReason(options.signal);
		}
	}
}

/** The error an aborted wait ends with: the signal's reason when it is an error, else an AbortError. */
export function abortReason(signal: AbortSignal): Error {
	if (signal.reason instanceof Error) return signal.reason;
	const error = new Error('Stopped.');
	error.name = 'AbortError';
	return error;
}
