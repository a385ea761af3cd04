import {homedir} from 'node:os';
import {ListStreamsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {loadSharedConfigFiles} from '@smithy/core/config';
import type {ConnectionTarget} from './connect.js';
import {clockSkewOf, errorChain, PROVIDER_ERROR_NAMES, saysUnreachable, THROTTLING_NAMES, type ErrorFacts} from './aws/errors.js';
import {sanitizeForTerminal} from './records/terminalText.js';
import {endpointVariable, sharedFilePaths, type ServiceName} from './settings.js';

/** What went wrong, in the terms a person can act on. */
export type FailureKind =
	| 'configuration'
	| 'no-credentials'
	| 'sso-expired'
	| 'expired-token'
	| 'invalid-credentials'
	| 'access-denied'
	| 'not-found'
	| 'unreachable'
	| 'throttled'
	| 'unexpected'
	/** The stream is not ACTIVE: another change (reshard, retention, encryption) is in progress. */
	| 'in-use'
	/** Kinesis refused a change it was sent (a limit, a stream in another state). */
	| 'refused'
	/** `--read-only` forbids the change. */
	| 'read-only'
	/**
	 * The console's own check refused a change before anything was sent: it breaks a rule of Kinesis or
	 * of the lease table (a closed shard, a scale past one step, shards not adjacent).
	 */
	| 'not-allowed'
	/**
	 * A change was accepted, then the console lost track of it (following it failed or timed out): it may
	 * have finished or not, so it must be checked before it is submitted again.
	 */
	| 'unconfirmed';

/** Distinct exit codes, one per kind; 2 is left to usage errors from the flag parser. */
export const EXIT_CODES: Readonly<Record<FailureKind, number>> = {
	unexpected: 1,
	configuration: 3,
	'no-credentials': 4,
	'sso-expired': 5,
	'expired-token': 6,
	'invalid-credentials': 7,
	'access-denied': 8,
	'not-found': 9,
	unreachable: 10,
	throttled: 11,
	'in-use': 12,
	refused: 13,
	'read-only': 14,
	'not-allowed': 15,
	unconfirmed: 17,
};

/** The exit code of a change declined at its question (or a confirmation typed wrong): nothing changed, and nothing failed. */
export const EXIT_DECLINED = 16;

/** A failure as the console shows it: plain words, what to do next, and the process's exit code. Never holds a secret. */
export interface ConsoleFailure {
	readonly kind: FailureKind;
	readonly message: string;
	readonly hint?: string;
	readonly exitCode: number;
}

/** An error the console raises itself (bad flags, no region), carrying its failure. */
export class ConsoleError extends Error {
	readonly failure: ConsoleFailure;
	constructor(
		failure: {readonly kind: FailureKind; readonly message: string; readonly hint?: string},
		options?: {readonly cause?: unknown},
	) {
		super(failure.message, options);
		this.name = 'ConsoleError';
		this.failure = {...failure, exitCode: EXIT_CODES[failure.kind]};
	}
}

/**
 * A call that kept failing and was given up on: its last error, how many times it was tried and over how
 * long. Described as that error is, with the attempts said ("… refused after 7 attempts over 10.4 s.").
 */
export class GaveUpError extends Error {
	override readonly name = 'GaveUpError';
	constructor(
		override readonly cause: unknown,
		readonly attempts: number,
		readonly elapsedMs: number,
	) {
		super(`${cause instanceof Error ? cause.message : String(cause)} (${retriesText(attempts, elapsedMs)})`, {cause});
	}
}

const retriesText = (attempts: number, elapsedMs: number): string =>
	`after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'} over ${(elapsedMs / 1000).toFixed(1)} s`;

export interface FailureContext {
	/** Where the connection points (`connection.target`): names the region, profile and endpoint in messages. */
	readonly target?: ConnectionTarget;
	/** Which client failed; Kinesis when absent. */
	readonly service?: ServiceName;
	/** The stream or table the call was about, when the caller knows it. */
	readonly streamName?: string;
	readonly tableName?: string;
	/** The API call, e.g. 'ListShards', for access denied messages that do not name the action. */
	readonly operation?: string;
	/** Lists the streams that exist, for "stream not found"; see {@link streamLister}. */
	readonly listStreams?: () => Promise<readonly string[]>;
	/** More strings to keep out of messages, besides the credentials in the environment and the shared files. */
	readonly secrets?: readonly string[];
}

/**
 * Turns any error from the connection's clients (or connect itself) into a ConsoleFailure. What the
 * endpoint said (its messages, the names it returned) is quoted in some messages: control characters
 * in it are made visible, so that a failure printed on a terminal cannot drive it.
 */
export async function toFailure(error: unknown, context: FailureContext = {}): Promise<ConsoleFailure> {
	const failure = withAttempts(await classify(error, context), error);
	const secrets = [...(context.secrets ?? []), ...(await knownSecrets())];
	const clean = (text: string) => sanitizeForTerminal(redact(text, secrets), {keepNewlines: false});
	return {
		kind: failure.kind,
		message: clean(failure.message),
		...(failure.hint === undefined ? {} : {hint: clean(failure.hint)}),
		exitCode: EXIT_CODES[failure.kind],
	};
}

/** A failure given up on after retries says how long it was tried, at the end of its first sentence. */
function withAttempts(failure: Draft, error: unknown): Draft {
	const gaveUp = errorChain(error).find((facts) => facts.raw instanceof GaveUpError)?.raw as GaveUpError | undefined;
	if (gaveUp === undefined) return failure;
	const said = retriesText(gaveUp.attempts, gaveUp.elapsedMs);
	return {...failure, message: /\.$/.test(failure.message) ? `${failure.message.slice(0, -1)} ${said}.` : `${failure.message} (${said})`};
}

/** The failure as stderr shows it: the message, then the hint. */
export function formatFailure(failure: ConsoleFailure): string {
	return failure.hint === undefined ? failure.message : `${failure.message}\n${failure.hint}`;
}

/** A `listStreams` callback for {@link FailureContext}: up to `limit` stream names through the given client. */
export function streamLister(client: KinesisClient, limit = 1_000): () => Promise<readonly string[]> {
	return async () => {
		const names: string[] = [];
		let next: string | undefined;
		do {
			const page = await client.send(new ListStreamsCommand(next === undefined ? {} : {NextToken: next}));
			names.push(...(page.StreamNames ?? []));
			next = page.HasMoreStreams ? page.NextToken : undefined;
		} while (next !== undefined && names.length < limit);
		return names.slice(0, limit);
	};
}

type Draft = {readonly kind: FailureKind; readonly message: string; readonly hint?: string};

const SERVICE_LABELS: Readonly<Record<ServiceName, string>> = {
	kinesis: 'Kinesis',
	cloudwatch: 'CloudWatch',
	dynamodb: 'DynamoDB',
	lambda: 'Lambda',
	firehose: 'Firehose',
	flink: 'Managed Service for Apache Flink',
};
const ACTION_PREFIXES: Readonly<Record<ServiceName, string>> = {
	kinesis: 'kinesis',
	cloudwatch: 'cloudwatch',
	dynamodb: 'dynamodb',
	lambda: 'lambda',
	firehose: 'firehose',
	flink: 'kinesisanalytics',
};

const SSO_EXPIRED = /SSO session|SSO token|sso login|Session token not found or invalid|Token is expired|aws login|re-authenticate/i;
const EXPIRED_TOKEN = new Set(['ExpiredTokenException', 'ExpiredToken']);
const INVALID_CREDENTIALS = new Set([
	'UnrecognizedClientException',
	'InvalidSignatureException',
	'InvalidClientTokenId',
	'SignatureDoesNotMatch',
	'InvalidAccessKeyId',
	'IncompleteSignature',
	'IncompleteSignatureException',
	'MissingAuthenticationToken',
	'MissingAuthenticationTokenException',
]);
const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'KMSAccessDeniedException', 'UnauthorizedOperation']);
const NOT_FOUND = new Set(['ResourceNotFoundException', 'ResourceNotFound']);
/** Throttled as aws/errors.ts sorts it, and LimitExceededException even when it names a quota: worded apart in throttledFailure. */
const isThrottled = (facts: ErrorFacts): boolean =>
	THROTTLING_NAMES.has(facts.name) || facts.status === 429 || facts.name === 'LimitExceededException';
const NETWORK_WORDS: Readonly<Record<string, string>> = {
	ECONNREFUSED: 'the connection was refused',
	ENOTFOUND: 'the host name was not found',
	EAI_AGAIN: 'the host name could not be looked up',
	ETIMEDOUT: 'the connection timed out',
	ECONNRESET: 'the connection was reset',
	ECONNABORTED: 'the connection was aborted',
	EPIPE: 'the connection was closed mid-request',
	EHOSTUNREACH: 'the host is unreachable',
	ENETUNREACH: 'the network is unreachable',
	EPROTO: 'the TLS handshake failed',
	ERR_HTTP2_ERROR: 'the HTTP/2 session failed (the endpoint may speak only HTTP/1.1)',
	ERR_HTTP2_SESSION_ERROR: 'the HTTP/2 session failed (the endpoint may speak only HTTP/1.1)',
	ERR_HTTP2_STREAM_ERROR: 'the HTTP/2 stream failed',
	ERR_HTTP2_GOAWAY_SESSION: 'the endpoint closed the HTTP/2 session',
};

async function classify(error: unknown, context: FailureContext): Promise<Draft> {
	const chain = errorChain(error);
	const own = chain.find((facts) => facts.raw instanceof ConsoleError);
	if (own) return (own.raw as unknown as ConsoleError).failure;

	const first = <T>(test: (facts: ErrorFacts) => T | undefined): T | undefined => {
		for (const facts of chain) {
			const found = test(facts);
			if (found !== undefined) return found;
		}
		return undefined;
	};

	const ssoExpired = first((facts) =>
		(PROVIDER_ERROR_NAMES.has(facts.name) || facts.name === 'UnauthorizedException') && SSO_EXPIRED.test(facts.message) ? facts : undefined,
	);
	if (ssoExpired) return ssoExpiredFailure(ssoExpired, context);
	const noCredentials = first((facts) =>
		PROVIDER_ERROR_NAMES.has(facts.name) || /Could not load credentials from any providers/.test(facts.message) ? facts : undefined,
	);
	if (noCredentials) return noCredentialsFailure(noCredentials, context);
	const expired = first((facts) =>
		EXPIRED_TOKEN.has(facts.name) || /security token included in the request is expired/i.test(facts.message) ? facts : undefined,
	);
	if (expired) return expiredTokenFailure(context);
	const skewed = clockSkewOf(error);
	if (skewed) return clockSkewFailure(skewed, context);
	const invalid = first((facts) => (INVALID_CREDENTIALS.has(facts.name) ? facts : undefined));
	if (invalid) return invalidCredentialsFailure(invalid, context);
	const denied = first((facts) =>
		ACCESS_DENIED.has(facts.name) || /is not authorized to perform/.test(facts.message) ? facts : undefined,
	);
	if (denied) return accessDeniedFailure(denied, context);
	const notFound = first((facts) => (NOT_FOUND.has(facts.name) ? facts : undefined));
	if (notFound) return notFoundFailure(notFound, context);
	const throttled = first((facts) => (isThrottled(facts) ? facts : undefined));
	if (throttled) return throttledFailure(throttled, context);
	const network = first((facts) => (saysUnreachable(facts) ? facts : undefined));
	if (network) return unreachableFailure(network, context);
	const config = first((facts) =>
		/Region is missing|Invalid region/i.test(facts.message) || facts.code === 'ERR_INVALID_URL' ? facts : undefined,
	);
	if (config) {
		return {
			kind: 'configuration',
			message: `The AWS configuration is incomplete: ${config.message}`,
			hint: 'Check --region, --endpoint-url and the profile in the AWS config file.',
		};
	}
	return unexpectedFailure(chain[0], context);
}

function ssoExpiredFailure(facts: ErrorFacts, context: FailureContext): Draft {
	const profile = profileOf(context);
	const flag = profile === undefined ? '' : ` --profile ${profile}`;
	if (/aws login|re-authenticate/i.test(facts.message) && !/sso/i.test(facts.message)) {
		return {
			kind: 'sso-expired',
			message: `The AWS login session${profile === undefined ? '' : ` for the profile '${profile}'`} has expired.`,
			hint: `Run \`aws login${flag}\` to renew it, then try again.`,
		};
	}
	return {
		kind: 'sso-expired',
		message: `The AWS SSO session${profile === undefined ? '' : ` for the profile '${profile}'`} has expired or is no longer valid.`,
		hint: `Run \`aws sso login${flag}\` to renew it, then try again.`,
	};
}

function noCredentialsFailure(facts: ErrorFacts, context: FailureContext): Draft {
	const profile = profileOf(context);
	const profileName = profile ?? 'default';
	const paths = sharedFilePaths();
	const env = process.env;
	const tried = [
		profile === undefined ? 'the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)' : 'the environment (skipped: a profile is chosen)',
		`the profile '${profileName}' in ${tilde(paths.credentials)} and ${tilde(paths.config)} (keys, SSO, role, credential_process)`,
		env.AWS_WEB_IDENTITY_TOKEN_FILE ? 'a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)' : undefined,
		env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI
			? 'the container credentials endpoint'
			: env.AWS_EC2_METADATA_DISABLED && env.AWS_EC2_METADATA_DISABLED !== 'false'
				? 'the EC2 instance metadata service (disabled by AWS_EC2_METADATA_DISABLED)'
				: 'the EC2 instance metadata service',
	].filter((source): source is string => source !== undefined);
	const generic = /Could not load credentials from any providers/.test(facts.message);
	const said = generic || facts.message === '' ? '' : ` The SDK said: ${facts.message}`;
	return {
		kind: 'no-credentials',
		message: `No AWS credentials found${profile === undefined ? '' : ` for the profile '${profile}'`}. Tried ${tried.join('; ')}.${said}`,
		hint:
			`Run \`aws configure${profile === undefined ? '' : ` --profile ${profile}`}\` (or \`aws configure sso\`), or pass --profile with a profile that has credentials.` +
			(context.target?.kind === 'endpoint'
				? ' An emulator takes any keys: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to any value, such as test.'
				: ''),
	};
}

function expiredTokenFailure(context: FailureContext): Draft {
	const profile = profileOf(context);
	const fromEnv = Boolean(process.env.AWS_SESSION_TOKEN) && profile === undefined;
	return {
		kind: 'expired-token',
		message: `The AWS session token has expired${fromEnv ? ' (it comes from AWS_SESSION_TOKEN)' : profile === undefined ? '' : ` (profile '${profile}')`}.`,
		hint: fromEnv
			? 'Get fresh temporary credentials and export them again, or unset AWS_SESSION_TOKEN and use a profile.'
			: `Get fresh credentials: \`aws sso login${profile === undefined ? '' : ` --profile ${profile}`}\` for SSO, or renew the role session, then try again.`,
	};
}

function clockSkewFailure(facts: ErrorFacts, context: FailureContext): Draft {
	return {
		kind: 'configuration',
		message: `${serviceLabel(context)} refused the request's time, again and again: ${facts.message}`,
		hint: "This machine's clock is off by more than AWS allows (5 minutes): set it right (NTP: timedatectl set-ntp true). If clock correction is turned off (AWS_DISABLE_CLOCK_SKEW_CORRECTION, a profile's disable_clock_skew_correction), turn it back on.",
	};
}

function invalidCredentialsFailure(facts: ErrorFacts, context: FailureContext): Draft {
	const profile = profileOf(context);
	const signature = /Signature/i.test(facts.name);
	return {
		kind: 'invalid-credentials',
		message: signature
			? `${serviceLabel(context)} rejected the request's signature: the secret access key does not match the access key.`
			: `${serviceLabel(context)} does not recognise the access key${profile === undefined ? '' : ` of the profile '${profile}'`}.`,
		hint: `Check the credentials with \`aws sts get-caller-identity${profile === undefined ? '' : ` --profile ${profile}`}\`, and that the region (${context.target?.region ?? 'unknown'}) is one the account uses.`,
	};
}

function accessDeniedFailure(facts: ErrorFacts, context: FailureContext): Draft {
	const service = context.service ?? 'kinesis';
	const action =
		/not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(facts.message)?.[1] ??
		/allows the ([a-z0-9-]+:[A-Za-z0-9*]+) action/.exec(facts.message)?.[1] ??
		(context.operation === undefined ? undefined : `${ACTION_PREFIXES[service]}:${context.operation}`);
	const resource = /on resource:?\s*(arn:[^\s]+?)(?=\s|$)/.exec(facts.message)?.[1];
	const explicitDeny = /explicit deny/i.test(facts.message);
	const kms = facts.name === 'KMSAccessDeniedException' || /\bKMS\b/.test(facts.message);
	const profile = profileOf(context);
	const who = profile === undefined ? 'these credentials' : `the profile '${profile}'`;
	if (kms) {
		return {
			kind: 'access-denied',
			message: `Access denied by KMS: ${who} may not use the stream's encryption key.`,
			hint: "Ask for kms:Decrypt (to read) or kms:GenerateDataKey (to write) on the stream's key.",
		};
	}
	const what = action ?? `this ${serviceLabel(context)} call`;
	return {
		kind: 'access-denied',
		message: `Access denied: ${who} may not call ${what}${resource === undefined ? '' : ` on ${resource}`}${explicitDeny ? ' (an explicit deny in a policy forbids it)' : ''}.`,
		hint:
			action === undefined
				? 'Ask for an IAM policy that allows the call, or use a profile that has it (--profile).'
				: `Ask for an IAM policy that allows ${action}, or use a profile that has it (--profile).`,
	};
}

async function notFoundFailure(facts: ErrorFacts, context: FailureContext): Promise<Draft> {
	const service = context.service ?? 'kinesis';
	const where = whereText(context);
	if (service === 'dynamodb') {
		const table = context.tableName;
		return {
			kind: 'not-found',
			message: `${table === undefined ? 'The DynamoDB table' : `The DynamoDB table '${table}'`} was not found${where}.`,
			hint: "A KCL application's lease table is named after the application: check the name, the region and the profile.",
		};
	}
	if (service === 'cloudwatch') {
		return {
			kind: 'not-found',
			message: `CloudWatch found no such resource${where}: ${facts.message}`,
			hint: 'Check the region and the profile.',
		};
	}
	const stream = context.streamName ?? /[Ss]tream (\S+) under account/.exec(facts.message)?.[1];
	const message = `${stream === undefined ? 'The stream' : `The stream '${stream}'`} was not found${where}.`;
	if (context.listStreams === undefined) return {kind: 'not-found', message, hint: 'Check the stream name, --region and --profile.'};
	let names: readonly string[];
	try {
		names = await context.listStreams();
	} catch {
		return {
			kind: 'not-found',
			message,
			hint: 'Check the stream name, --region and --profile (the streams that exist could not be listed).',
		};
	}
	if (names.length === 0) {
		const check = context.target?.kind === 'local' ? 'create the stream first' : 'check --region and --profile, or create the stream';
		return {kind: 'not-found', message, hint: `There are no streams there: ${check}.`};
	}
	const shown = names.slice(0, 20);
	const more = names.length > shown.length ? `, and ${names.length - shown.length} more` : '';
	return {kind: 'not-found', message, hint: `Streams there: ${shown.join(', ')}${more}.`};
}

function throttledFailure(facts: ErrorFacts, context: FailureContext): Draft {
	const quota = /limit for the account|shard limit|stream limit|account limit|exceed the .* limit/i.test(facts.message);
	if (quota) {
		return {
			kind: 'throttled',
			message: `${serviceLabel(context)} refused: an account limit would be exceeded (${facts.message})`,
			hint: 'Ask for a higher limit in Service Quotas, or free capacity first.',
		};
	}
	const shard = /(shardId-\d+)/.exec(facts.message)?.[1];
	const read = facts.name === 'ProvisionedThroughputExceededException';
	return {
		kind: 'throttled',
		message: `${serviceLabel(context)} is throttling these calls${shard === undefined ? '' : ` (${shard})`}, even after the SDK's retries.`,
		hint: read
			? 'A shard takes 1 MiB/s or 1,000 records/s in, and 2 MiB/s or 5 GetRecords calls/s out: slow down, use fewer readers, or split the hot shard.'
			: 'Wait a few seconds and try again, or make fewer control-plane calls (ListShards, DescribeStream) at once.',
	};
}

function unreachableFailure(facts: ErrorFacts, context: FailureContext): Draft {
	const service = context.service ?? 'kinesis';
	const endpoint = context.target?.endpoints[service] ?? endpointFromError(facts);
	const reason = (facts.code === undefined ? undefined : NETWORK_WORDS[facts.code]) ?? 'the request timed out';
	const kind = context.target?.kind;
	const hint =
		kind === 'local'
			? 'The built-in engine is not answering: restart the console.'
			: kind === 'endpoint'
				? `Check that the emulator or proxy is running there, and the endpoint (--endpoint-url, ${endpointVariable(service)}, AWS_ENDPOINT_URL, or the profile's endpoint_url).`
				: 'Check the network, any proxy or VPN, and the region (--region).';
	return {
		kind: 'unreachable',
		message: `Cannot reach the ${SERVICE_LABELS[service]} endpoint${endpoint === undefined ? '' : ` ${endpoint}`}: ${reason}.`,
		hint,
	};
}

function unexpectedFailure(facts: ErrorFacts | undefined, context: FailureContext): Draft {
	if (facts === undefined) return {kind: 'unexpected', message: 'Something failed without saying what.'};
	const status = facts.raw.$metadata as {httpStatusCode?: number; requestId?: string} | undefined;
	const detail = [
		status?.httpStatusCode === undefined ? undefined : `HTTP ${status.httpStatusCode}`,
		status?.requestId === undefined ? undefined : `request id ${status.requestId}`,
	]
		.filter((part): part is string => part !== undefined)
		.join(', ');
	const text =
		facts.message === ''
			? facts.name
			: facts.name === 'Error' || facts.message.startsWith(facts.name)
				? facts.message
				: `${facts.name}: ${facts.message}`;
	return {
		kind: 'unexpected',
		message: `${serviceLabel(context)} call failed${whereText(context)}: ${text}`,
		...(detail === '' ? {} : {hint: `(${detail})`}),
	};
}

function serviceLabel(context: FailureContext): string {
	return SERVICE_LABELS[context.service ?? 'kinesis'];
}

function whereText(context: FailureContext): string {
	const target = context.target;
	if (target === undefined) return '';
	const endpoint = target.endpoints[context.service ?? 'kinesis'];
	const profile = target.profile === undefined ? '' : `, profile '${target.profile}'`;
	return ` in ${target.region} at ${endpoint}${profile}`;
}

function profileOf(context: FailureContext): string | undefined {
	if (context.target?.kind === 'local') return undefined;
	return context.target?.profile ?? (process.env.AWS_PROFILE || undefined);
}

function endpointFromError(facts: ErrorFacts): string | undefined {
	const {address, port, hostname, host} = facts.raw as {address?: unknown; port?: unknown; hostname?: unknown; host?: unknown};
	const name =
		typeof address === 'string' ? address : typeof hostname === 'string' ? hostname : typeof host === 'string' ? host : undefined;
	if (name === undefined) return undefined;
	return typeof port === 'number' || typeof port === 'string' ? `${name.includes(':') ? `[${name}]` : name}:${port}` : name;
}

function tilde(path: string): string {
	const home = homedir();
	return home && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

const SECRET_KEYS = ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token'];
const SECRET_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_BEARER_TOKEN_KINESIS'];

/** The credentials this process can see: the environment's and the shared files'. */
async function knownSecrets(): Promise<string[]> {
	const secrets = SECRET_ENV.map((name) => process.env[name]).filter((value): value is string => Boolean(value));
	try {
		const {configFile, credentialsFile} = await loadSharedConfigFiles();
		for (const section of [...Object.values(configFile), ...Object.values(credentialsFile)]) {
			for (const key of SECRET_KEYS) {
				const value = section[key];
				if (value) secrets.push(value);
			}
		}
	} catch {
		// Unreadable files hold nothing to hide.
	}
	return secrets;
}

const MIN_SECRET_LENGTH = 8;

/** Removes credentials from text: the given secrets, access key ids, keyed secrets, signatures and URL user info. */
export function redact(text: string, secrets: readonly string[] = []): string {
	let out = text;
	const distinct = [...new Set(secrets.map((secret) => secret.trim()))].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
	// Longest first, so that a secret containing another is removed whole.
	for (const secret of distinct.sort((a, b) => b.length - a.length)) out = out.split(secret).join('****');
	return out
		.replace(/\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g, '****')
		.replace(
			/((?:aws_)?(?:secret_?access_?key|session_?token|security_?token|access_?key_?id)["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
			'$1****',
		)
		.replace(/((?:X-Amz-Security-Token|X-Amz-Signature|Signature|Credential)=)[^\s"',;&]+/g, '$1****')
		.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s@]*@/gi, '$1');
}
