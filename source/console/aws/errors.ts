/**
 * What kind of failure an error from an AWS SDK call (or from the network under it) is, for the one
 * question every retrying caller asks: try again soon, wait for credentials, or stop. How a failure
 * is worded for the user and which exit code it ends a command with is failures.ts's part; both read
 * errors through {@link errorChain}.
 *
 * Names follow the service models and the SDK's own classification (@smithy/core, retry/
 * service-error-classification/constants.js: THROTTLING_ERROR_CODES, TRANSIENT_ERROR_CODES,
 * TRANSIENT_ERROR_STATUS_CODES, NODEJS_TIMEOUT_ERROR_CODES, CLOCK_SKEW_ERROR_CODES), with two
 * deliberate differences, said where they are made: LimitExceededException and ENOTFOUND.
 */

/**
 * - throttling: the service answered "slow down"; retry after a backoff.
 * - transient: a server fault or a dropped or refused connection; retry after a backoff.
 * - credentials: the credentials are expired, rejected or cannot be had; retrying with the same ones
 *   fails again, but the SDK's provider hands out new ones after `aws sso login` or a rotation, so a
 *   console left open may wait for them. A script stops and says why.
 * - final: anything else (no such stream, validation, access denied, a quota, an unknown host): stop.
 */
export type ErrorKind = 'throttling' | 'transient' | 'credentials' | 'final';

/** Whether a call that failed so is worth trying again after a backoff, with the same credentials. */
export const isRetryable = (kind: ErrorKind): boolean => kind === 'throttling' || kind === 'transient';

/** One error of a chain, as the classifications read it. */
export interface ErrorFacts {
	/** The service's error code (the SDK puts it in `name`), or 'Error'. */
	readonly name: string;
	readonly message: string;
	/** Node's system error code (ECONNREFUSED...). */
	readonly code?: string;
	readonly status?: number;
	readonly raw: Record<string, unknown>;
}

/**
 * Throttling by name. The SDK's THROTTLING_ERROR_CODES, less LimitExceededException (see below), plus
 * KMSThrottlingException: Kinesis answers it when the stream's KMS key is throttled (Kinesis API
 * reference, PutRecord and GetRecords "Errors": "The request was denied due to request throttling").
 */
export const THROTTLING_NAMES: ReadonlySet<string> = new Set([
	'ProvisionedThroughputExceededException',
	'ThrottlingException',
	'Throttling',
	'ThrottledException',
	'TooManyRequestsException',
	'RequestLimitExceeded',
	'RequestThrottled',
	'RequestThrottledException',
	'SlowDown',
	'BandwidthLimitExceeded',
	'PriorRequestNotComplete',
	'TransactionInProgressException',
	'KMSThrottlingException',
]);

/**
 * LimitExceededException means two things in Kinesis (API reference: "The requested resource exceeds
 * the maximum number allowed, or the number of concurrent stream requests exceeds the maximum number
 * allowed"): a rate ("Rate exceeded for stream orders under account 123456789012.", botocore#821 and
 * awslabs/amazon-kinesis-producer#257; "Rate exceeded for account ..." for calls that name no stream),
 * worth retrying, and a quota
 * ("This request would exceed the shard limit for the account ...", "Exceeded the limit of 10
 * UpdateShardCount operations per rolling 24 hours ..."), which no retry within minutes lifts. The SDK
 * retries both; the console retries only the first.
 */
const RATE_WORDS = /rate exceeded|too many requests|throttl|slow down/i;

/** Faults of the service: AWS's InternalFailure (Kinesis), InternalServerError (DynamoDB), ServiceUnavailable, and the SDK's timeouts. */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
	'InternalFailure',
	'InternalFailureException',
	'InternalServerError',
	'InternalServiceError',
	'InternalServiceFault',
	'ServiceUnavailable',
	'ServiceUnavailableException',
	'TimeoutError',
	'RequestTimeout',
	'RequestTimeoutException',
]);

/**
 * Node's errors for a connection that failed or dropped: the SDK's NODEJS_TIMEOUT_ERROR_CODES and
 * NODEJS_NETWORK_ERROR_CODES, and HTTP/2's session and stream errors. Not ENOTFOUND, which the SDK
 * retries: getaddrinfo says ENOTFOUND when the name does not exist (a misspelt endpoint or region), and
 * EAI_AGAIN when the lookup could not be made for now; retrying the first only delays the message.
 */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ECONNABORTED',
	'EPIPE',
	'ETIMEDOUT',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ERR_HTTP2_ERROR',
	'ERR_HTTP2_STREAM_ERROR',
	'ERR_HTTP2_SESSION_ERROR',
	'ERR_HTTP2_GOAWAY_SESSION',
]);

/** A dropped connection said only in the message (undici, HTTP/2 and the SDK's stream errors carry no code). */
const DROPPED_WORDS = /socket hang up|ECONNREFUSED|ECONNRESET|other side closed|stream was destroyed|GOAWAY|NGHTTP2_REFUSED_STREAM/i;

/**
 * The SDK corrects its clock from the answer's Date header after these (and so do a shard reader's direct
 * calls, aws/directReads.ts), and the next try is signed right (CLOCK_SKEW_ERROR_CODES, less
 * AccessDeniedException, which is nearly always a policy).
 */
const CLOCK_SKEW_NAMES: ReadonlySet<string> = new Set(['RequestExpired', 'RequestInTheFuture', 'RequestTimeTooSkewed']);

/** Credentials that are expired, unknown to the endpoint, not matching their signature, or none to be had. */
const CREDENTIAL_NAMES: ReadonlySet<string> = new Set([
	'ExpiredTokenException',
	'ExpiredToken',
	'UnrecognizedClientException',
	'InvalidSignatureException',
	'InvalidClientTokenId',
	'InvalidAccessKeyId',
	'SignatureDoesNotMatch',
	'IncompleteSignature',
	'IncompleteSignatureException',
	'MissingAuthenticationToken',
	'MissingAuthenticationTokenException',
	'AuthFailure',
]);

/** The SDK's credential and token providers' errors (@smithy/property-provider). */
export const PROVIDER_ERROR_NAMES: ReadonlySet<string> = new Set(['CredentialsProviderError', 'TokenProviderError', 'ProviderError']);

const EXPIRED_WORDS = /security token included in the request is expired/i;

/** Sorts a failure into the kind that decides what a caller does next; see {@link ErrorKind}. */
export function errorKind(error: unknown): ErrorKind {
	const chain = errorChain(error);
	if (chain.some((facts) => facts.name === 'AbortError')) return 'final';
	if (chain.some(isClockSkew)) return 'transient';
	if (chain.some(isCredentialFailure)) return 'credentials';
	if (chain.some(isThrottling)) return 'throttling';
	if (chain.some(isTransientFault)) return 'transient';
	return 'final';
}

/**
 * A signature refused for its time, either way: AWS's "Signature expired: ... is now earlier than ..." and
 * "Signature not yet current: ... is still later than ..." (as quoted from AWS in serverless/enterprise#11).
 */
const SKEW_WORDS = /Signature expired|Signature not yet current/i;

const isClockSkew = (facts: ErrorFacts): boolean =>
	CLOCK_SKEW_NAMES.has(facts.name) || (facts.name === 'InvalidSignatureException' && SKEW_WORDS.test(facts.message));

/** The facts of a call refused for its signing time (this machine's clock off by more than AWS allows), if it was. */
export const clockSkewOf = (error: unknown): ErrorFacts | undefined => errorChain(error).find(isClockSkew);

const isCredentialFailure = (facts: ErrorFacts): boolean =>
	CREDENTIAL_NAMES.has(facts.name) || PROVIDER_ERROR_NAMES.has(facts.name) || EXPIRED_WORDS.test(facts.message);

function isThrottling(facts: ErrorFacts): boolean {
	if (THROTTLING_NAMES.has(facts.name) || facts.status === 429) return true;
	if (facts.name === 'LimitExceededException' || facts.name === 'LimitExceeded') return RATE_WORDS.test(facts.message);
	return (facts.raw.$retryable as {throttling?: boolean} | undefined)?.throttling === true;
}

const isTransientFault = (facts: ErrorFacts): boolean =>
	TRANSIENT_NAMES.has(facts.name) ||
	(facts.status !== undefined && facts.status >= 500) ||
	(facts.code !== undefined && RETRYABLE_NETWORK_CODES.has(facts.code)) ||
	DROPPED_WORDS.test(facts.message) ||
	facts.raw.$retryable !== undefined;

/** Whether the failure is a rate limit as LimitExceededException words it (a quota otherwise). */
export const isRateLimit = (facts: Pick<ErrorFacts, 'message'>): boolean => RATE_WORDS.test(facts.message);

/**
 * Whether the endpoint did not answer at all: a connection refused, reset, timed out, or a host name
 * that did not resolve. ENOTFOUND is final for retries (see RETRYABLE_NETWORK_CODES) but is still the
 * endpoint's not answering, as failures.ts words it (exit code 10).
 */
export const isUnreachable = (error: unknown): boolean => errorChain(error).some(saysUnreachable);

/** One error of a chain that says the endpoint did not answer (see {@link isUnreachable}). */
export const saysUnreachable = (facts: ErrorFacts): boolean =>
	facts.name === 'TimeoutError' ||
	(facts.code !== undefined && (RETRYABLE_NETWORK_CODES.has(facts.code) || facts.code === 'ENOTFOUND' || facts.code === 'EPROTO'));

/** An iterator past its 5 minutes, or one the endpoint no longer knows (it restarted): renew it rather than fail. */
export const isIteratorLost = (error: unknown): boolean =>
	errorName(error) === 'ExpiredIteratorException' ||
	(errorName(error) === 'InvalidArgumentException' && /ShardIterator/i.test((error as {message?: string}).message ?? ''));

/** The error's name and message, for a retry's reason: "ProvisionedThroughputExceededException: Rate exceeded for shard ...". */
export function describeError(error: unknown): string {
	const shape = (error ?? {}) as {name?: unknown; code?: unknown; message?: unknown};
	const name =
		typeof shape.name === 'string' && shape.name !== 'Error' ? shape.name : typeof shape.code === 'string' ? shape.code : undefined;
	const message = typeof shape.message === 'string' ? shape.message : undefined;
	return [name, message].filter(Boolean).join(': ') || String(error);
}

/** The service's error code of an error (its `name`), when it has one. */
export const errorName = (error: unknown): string | undefined => {
	const name = (error as {name?: unknown} | undefined)?.name;
	return typeof name === 'string' ? name : undefined;
};

/** The error, its causes and, for an AggregateError (Node's happy eyeballs), what it aggregates. */
export function errorChain(error: unknown): ErrorFacts[] {
	const chain: ErrorFacts[] = [];
	const seen = new Set<unknown>();
	const visit = (value: unknown, depth: number) => {
		if (value === undefined || value === null || seen.has(value) || depth > 5) return;
		seen.add(value);
		chain.push(factsOf(value));
		if (typeof value !== 'object') return;
		const {cause, errors} = value as {cause?: unknown; errors?: unknown};
		visit(cause, depth + 1);
		if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
	};
	visit(error, 0);
	return chain;
}

function factsOf(value: unknown): ErrorFacts {
	if (typeof value !== 'object' || value === null) return {name: 'Error', message: String(value), raw: {}};
	const raw = value as Record<string, unknown>;
	const text = (key: string) => (typeof raw[key] === 'string' ? raw[key] : undefined);
	// Service errors carry their code as the name; some protocols also send __type ("ns#Code") or Code.
	const typed = text('__type')?.split('#').pop()?.split(':')[0];
	const name =
		(text('name') !== undefined && text('name') !== 'Error' ? text('name') : undefined) ?? typed ?? text('Code') ?? text('name') ?? 'Error';
	const message = text('message') ?? text('Message') ?? '';
	const code = text('code');
	const status = (raw.$metadata as {httpStatusCode?: unknown} | undefined)?.httpStatusCode;
	return {name, message, ...(code === undefined ? {} : {code}), ...(typeof status === 'number' ? {status} : {}), raw};
}
