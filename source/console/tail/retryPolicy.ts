import {GaveUpError, isUnreachable} from '../failures.js';
import {backoffDelay} from './backoff.js';

/** What a shard reader does after a failed call. */
export type FailureAction = 'renew-iterator' | 'retry' | 'stop';

const RETRYABLE_NAMES = new Set([
	'ProvisionedThroughputExceededException',
	'ThrottlingException',
	'LimitExceededException',
	'KMSThrottlingException',
	'InternalFailure',
	'InternalFailureException',
	'ServiceUnavailable',
	'ServiceUnavailableException',
	'TimeoutError',
	'RequestTimeout',
	'RequestTimeoutException',
]);
const NETWORK_CODES = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'EPIPE',
	'ETIMEDOUT',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'ECONNABORTED',
	'ERR_HTTP2_STREAM_ERROR',
	'ERR_HTTP2_GOAWAY_SESSION',
	'ERR_HTTP2_SESSION_ERROR',
]);

/**
 * The credentials failed: expired, unknown to the endpoint, not matching their signature, or none to be
 * had (an SSO session that ended). Retrying with the same credentials changes nothing, but the SDK's
 * credential provider hands out new ones when they come back (`aws sso login`, a refreshed
 * credential_process, a rotated profile), so a reader may wait for them rather than stop.
 */
const CREDENTIAL_NAMES = new Set([
	'ExpiredTokenException',
	'ExpiredToken',
	'UnrecognizedClientException',
	'InvalidSignatureException',
	'InvalidClientTokenId',
	'SignatureDoesNotMatch',
	'IncompleteSignatureException',
	'MissingAuthenticationTokenException',
	'CredentialsProviderError',
	'TokenProviderError',
	'ProviderError',
]);

interface ErrorShape {
	name?: string;
	code?: string;
	message?: string;
	$metadata?: {httpStatusCode?: number};
	cause?: unknown;
}

/**
 * Sorts a failure: an expired or unknown iterator is renewed from the last record delivered; throttling,
 * server faults and dropped connections are retried after a backoff; anything else stops the reader.
 */
export function failureAction(error: unknown): FailureAction {
	const shape = (error ?? {}) as ErrorShape;
	if (shape.name === 'ExpiredIteratorException') return 'renew-iterator';
	if (shape.name === 'InvalidArgumentException' && /ShardIterator/i.test(shape.message ?? '')) return 'renew-iterator';
	if (shape.name && RETRYABLE_NAMES.has(shape.name)) return 'retry';
	if ((shape.$metadata?.httpStatusCode ?? 0) >= 500) return 'retry';
	if (isNetworkError(shape)) return 'retry';
	return 'stop';
}

/** Whether the failure is the credentials' (see CREDENTIAL_NAMES): worth waiting out where the provider can renew them. */
export function isCredentialFailure(error: unknown): boolean {
	const shape = (error ?? {}) as ErrorShape;
	return (
		(shape.name !== undefined && CREDENTIAL_NAMES.has(shape.name)) ||
		/security token included in the request is expired/i.test(shape.message ?? '')
	);
}

/** How long a reader waits before trying credentials that failed again: long enough not to hammer, short enough to resume soon after a login. */
export const CREDENTIAL_RETRY = {baseMs: 2_000, capMs: 10_000} as const;

/** The wait before trying failed credentials again: one to ten seconds. */
export const credentialDelay = (attempt: number): number =>
	Math.max(CREDENTIAL_RETRY.baseMs / 2, backoffDelay(attempt, CREDENTIAL_RETRY.baseMs, CREDENTIAL_RETRY.capMs));

function isNetworkError(shape: ErrorShape, depth = 0): boolean {
	if (shape.code && NETWORK_CODES.has(shape.code)) return true;
	if (/socket hang up|ECONNREFUSED|ECONNRESET|other side closed|stream was destroyed|GOAWAY/i.test(shape.message ?? '')) return true;
	return depth < 3 && typeof shape.cause === 'object' && shape.cause !== null && isNetworkError(shape.cause as ErrorShape, depth + 1);
}

export function describeFailure(error: unknown): string {
	const shape = (error ?? {}) as ErrorShape;
	const name = shape.name && shape.name !== 'Error' ? shape.name : shape.code;
	return [name, shape.message].filter(Boolean).join(': ') || String(error);
}

/**
 * How long a caller keeps retrying an endpoint that does not answer before giving up: a streak of
 * unreachable failures (as failures.ts sorts them) that lasts `limitMs` ends with a GaveUpError saying
 * how many attempts over how long. The last wait is cut so that the streak ends near `limitMs`, not a
 * whole backoff later. Any call that works, or any other failure, ends the streak.
 */
export class UnreachableLimit {
	private since: number | undefined;
	private attempts = 0;

	constructor(
		private readonly limitMs: number,
		private readonly now: () => number = Date.now,
	) {}

	/** A call worked (or failed otherwise): the endpoint answers. */
	answered(): void {
		this.since = undefined;
		this.attempts = 0;
	}

	/** A call failed: the error to stop with once the endpoint has not answered for the limit, else the wait to use before the next try. */
	failed(error: unknown, delayMs: number): {readonly giveUp: GaveUpError} | {readonly delayMs: number} {
		if (!isUnreachable(error)) {
			this.answered();
			return {delayMs};
		}
		const now = this.now();
		this.since ??= now;
		this.attempts++;
		const elapsed = now - this.since;
		if (elapsed >= this.limitMs) return {giveUp: new GaveUpError(error, this.attempts, elapsed)};
		return {delayMs: Math.min(delayMs, this.limitMs - elapsed)};
	}
}
