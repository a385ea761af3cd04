import {timingSafeEqual} from 'node:crypto';
import type {IncomingHttpHeaders} from 'node:http';
import {canonicalRequest, sha256Hex, signatureOf, SIGV4_ALGORITHM as ALGORITHM, uriEncode} from '../../sigv4.js';
import {ServiceError} from './errors.js';

/**
 * AWS Signature Version 4, checked the way AWS's front end checks it for JSON services: the access
 * key is known, the request is within five minutes of the engine's clock, and the signature equals
 * the one computed here from the secret. The secret never leaves this module and is never logged.
 */
export interface Credentials {
	readonly accessKeyId: string;
	readonly secretAccessKey: string;
}

export interface SignedRequest {
	readonly method: string;
	/** The request target as sent: path and query string, still percent-encoded. */
	readonly url: string;
	readonly headers: IncomingHttpHeaders;
	readonly body: Buffer;
}

/**
 * What a signature covers of a request, its members copied one by one: a spread would also read the
 * request's signal, which the server makes only when asked for (server.ts).
 */
export const signedPart = (request: Omit<SignedRequest, 'url'> & {readonly url?: string}): SignedRequest => ({
	method: request.method,
	url: request.url ?? '/',
	headers: request.headers,
	body: request.body,
});

const SKEW_MS = 5 * 60_000;

const invalidSignature = (message: string) => new ServiceError('InvalidSignatureException', message);
const MISMATCH =
	'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const SCOPE_REGION = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//;

/**
 * The longest region a credential scope may name: a host label's 63 characters, past which the SDKs refuse
 * to make an endpoint (@smithy/util-endpoints' isValidHostLabel). A region names the engine's account
 * partition, and its shard iterators hold it.
 */
const MAX_REGION_LENGTH = 63;

/** The region a request's SigV4 credential scope names (Credential=AKID/20240101/us-east-1/kinesis/aws4_request), unless checkScopeRegion refuses it. */
export function scopeRegion(headers: IncomingHttpHeaders): string | undefined {
	const region = SCOPE_REGION.exec(headers.authorization ?? '')?.[1];
	return region !== undefined && region.length <= MAX_REGION_LENGTH ? region : undefined;
}

/**
 * Refuses a credential scope whose region could name no region, with AWS's text, where no signature is
 * checked; verifySignature refuses it in its own order, with an empty one.
 */
export function checkScopeRegion(headers: IncomingHttpHeaders): void {
	const region = SCOPE_REGION.exec(headers.authorization ?? '')?.[1];
	if (region !== undefined && region.length > MAX_REGION_LENGTH) throw invalidRegion(region);
}

const invalidRegion = (region: string) =>
	new ServiceError('IncompleteSignatureException', `Credential should be scoped to a valid region, not '${region}'.`);

/** Throws AWS's error when the request is not signed with these credentials. Call once the Authorization header is known to be complete. */
export function verifySignature(request: SignedRequest, credentials: Credentials, nowMs: number): void {
	const authorization = String(request.headers.authorization ?? '');
	const algorithm = authorization.split(' ', 1)[0];
	if (algorithm !== ALGORITHM) throw new ServiceError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${algorithm}'`);
	const parts = parseAuthorization(authorization);
	const [accessKeyId, scopeDate, region, service, terminator, ...rest] = parts.credential.split('/');
	if (terminator !== 'aws4_request' || rest.length > 0) {
		throw new ServiceError(
			'IncompleteSignatureException',
			`Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator ?? ''}'.`,
		);
	}
	if (!accessKeyId || !scopeDate || !region || !service || region.length > MAX_REGION_LENGTH) {
		throw invalidRegion(region ?? '');
	}
	if (accessKeyId !== credentials.accessKeyId || request.headers['x-amz-security-token'] !== undefined) {
		throw new ServiceError('UnrecognizedClientException', 'The security token included in the request is invalid.');
	}

	const amzDate = requestDate(request.headers);
	if (amzDate === undefined) throw new ServiceError('IncompleteSignatureException', "Date must be in ISO-8601 'basic format'.");
	if (amzDate.slice(0, 8) !== scopeDate) {
		throw invalidSignature(
			`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
		);
	}
	const signedMs = parseBasicDate(amzDate);
	if (signedMs < nowMs - SKEW_MS) {
		throw invalidSignature(
			`Signature expired: ${amzDate} is now earlier than ${basicDate(nowMs - SKEW_MS)} (${basicDate(nowMs)} - 5 min.)`,
		);
	}
	if (signedMs > nowMs + SKEW_MS) {
		throw invalidSignature(
			`Signature not yet current: ${amzDate} is still later than ${basicDate(nowMs + SKEW_MS)} (${basicDate(nowMs)} + 5 min.)`,
		);
	}

	const signature = signatureOf(
		credentials.secretAccessKey,
		{day: scopeDate, region, service},
		amzDate,
		canonicalRequestOf(request, parts.signedHeaders),
	);
	const expected = Buffer.from(signature, 'utf8');
	const given = Buffer.from(parts.signature, 'utf8');
	if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalidSignature(MISMATCH);
}

function parseAuthorization(authorization: string): {credential: string; signedHeaders: string[]; signature: string} {
	const fields: Record<string, string> = {};
	for (const part of authorization.slice(ALGORITHM.length).split(',')) {
		const [name, ...value] = part.trim().split('=');
		if (name) fields[name] = value.join('=');
	}
	return {
		credential: fields.Credential ?? '',
		signedHeaders: (fields.SignedHeaders ?? '').split(';').filter(Boolean),
		signature: fields.Signature ?? '',
	};
}

/** The canonical request of SigV4 (source/sigv4.ts) of a request received. */
function canonicalRequestOf(request: SignedRequest, signedHeaders: readonly string[]): string {
	const queryStart = request.url.indexOf('?');
	return canonicalRequest({
		method: request.method,
		path: queryStart === -1 ? request.url : request.url.slice(0, queryStart),
		query: queryStart === -1 ? '' : canonicalQuery(request.url.slice(queryStart + 1)),
		signedHeaders,
		valueOf: (name) => headerValue(request.headers, name),
		// Always the hash of the body received: a client that signs X-Amz-Content-SHA256 signs this same value,
		// and a body changed after signing (or UNSIGNED-PAYLOAD) no longer matches.
		payloadHash: sha256Hex(request.body),
	});
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
	// HTTP/2 carries the host in the :authority pseudo-header; clients sign it as `host`.
	const value = headers[name] ?? (name === 'host' ? headers[':authority'] : undefined);
	return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function canonicalQuery(query: string): string {
	if (!query) return '';
	const pairs = query
		.split('&')
		.filter(Boolean)
		.map((pair) => {
			const [name = '', value = ''] = pair.split(/=(.*)/s);
			return [uriEncode(decodeQueryPart(name)), uriEncode(decodeQueryPart(value))] as const;
		})
		.filter(([name]) => name !== 'X-Amz-Signature');
	pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
	return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function decodeQueryPart(text: string): string {
	try {
		return decodeURIComponent(text.replace(/\+/g, ' '));
	} catch {
		return text;
	}
}

/** The signing time as ISO 8601 basic (20240115T120000Z), from X-Amz-Date or else the Date header. */
function requestDate(headers: IncomingHttpHeaders): string | undefined {
	const amzDate = headers['x-amz-date'];
	if (typeof amzDate === 'string') return /^\d{8}T\d{6}Z$/.test(amzDate) ? amzDate : undefined;
	const date = Date.parse(String(headers.date ?? ''));
	return Number.isNaN(date) ? undefined : basicDate(date);
}

const basicDate = (ms: number) =>
	new Date(ms)
		.toISOString()
		.replace(/[-:]/g, '')
		.replace(/\.\d{3}/, '');
const parseBasicDate = (text: string) =>
	Date.UTC(
		Number(text.slice(0, 4)),
		Number(text.slice(4, 6)) - 1,
		Number(text.slice(6, 8)),
		Number(text.slice(9, 11)),
		Number(text.slice(11, 13)),
		Number(text.slice(13, 15)),
	);
