/** Exponential backoff with full jitter (AWS's recommendation): a random wait up to base * 2^attempt, capped. */
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
