import crypto, {createHash, createHmac} from 'node:crypto';

/**
 * The parts of AWS Signature Version 4 ("Create a signed AWS API request", AWS IAM User Guide) that the
 * console and the engine share: the console signs a shard reader's two calls with them
 * (console/aws/shardCallRequest.ts), and the engine checks every request's signature
 * (engine/protocol/signature.ts). Both do so thousands of times a second at a tail's start, so what is
 * the same from one request to the next (a path, a day's signing key) is worked out once.
 */

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** SHA-256 in hex: node:crypto's one-shot `hash` where this Node has it (20.12 on), which makes no Hash object. */
export const sha256Hex: (data: string | Buffer) => string =
	// Node 20 before 20.12 has no crypto.hash, whatever its types say.
	typeof crypto.hash === 'function'
		? (data) => crypto.hash('sha256', data, 'hex')
		: (data) => createHash('sha256').update(data).digest('hex');

/** A request's path as every service but S3 signs it: dot segments removed, each segment URI-encoded once more. */
function canonicalPath(path: string): string {
	let canonical = canonicalPaths.get(path);
	if (canonical === undefined) {
		const segments: string[] = [];
		for (const segment of path.split('/')) {
			if (segment === '' || segment === '.') continue;
			if (segment === '..') segments.pop();
			else segments.push(segment);
		}
		const joined = `/${segments.map(uriEncode).join('/')}`;
		canonical = segments.length > 0 && path.endsWith('/') ? `${joined}/` : joined;
		remember(canonicalPaths, path, canonical);
	}
	return canonical;
}
const canonicalPaths = new Map<string, string>();

/**
 * The canonical request: the method, the path (canonicalPath), the query (already canonical), each signed
 * header as `name:value` in name order with its value trimmed and its inner spaces made one, the signed
 * names as listed, and the payload's hash.
 */
export function canonicalRequest(request: {
	readonly method: string;
	readonly path: string;
	readonly query: string;
	readonly signedHeaders: readonly string[];
	readonly valueOf: (name: string) => string;
	readonly payloadHash: string;
}): string {
	let headerLines = '';
	for (const name of [...request.signedHeaders].sort()) headerLines += `${name}:${request.valueOf(name).trim().replace(/\s+/g, ' ')}\n`;
	return `${request.method}\n${canonicalPath(request.path)}\n${request.query}\n${headerLines}\n${request.signedHeaders.join(';')}\n${request.payloadHash}`;
}

/** Headers the SDK's signer leaves unsigned (@smithy/signature-v4's ALWAYS_UNSIGNABLE_HEADERS, and any proxy-* or sec-*): a proxy may change them. */
const UNSIGNED: ReadonlySet<string> = new Set([
	'authorization',
	'cache-control',
	'connection',
	'expect',
	'from',
	'keep-alive',
	'max-forwards',
	'pragma',
	'referer',
	'te',
	'trailer',
	'transfer-encoding',
	'upgrade',
	'user-agent',
	'x-amzn-trace-id',
]);

/** The names of the headers a signer signs (lower case), sorted; worked out once for each set of names (a client's calls all have the same). */
export function headersToSign(names: readonly string[]): readonly string[] {
	const set = names.join('\n');
	let signed = namesBySet.get(set);
	if (signed === undefined) {
		signed = names.filter((name) => !UNSIGNED.has(name) && !/^(proxy|sec)-/.test(name)).sort();
		remember(namesBySet, set, signed);
	}
	return signed;
}
const namesBySet = new Map<string, readonly string[]>();

/** RFC 3986 encoding: everything but unreserved characters. */
export const uriEncode = (text: string): string =>
	encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The signature of a canonical request: the HMAC, by the day's signing key, of the string to sign (the
 * algorithm, the time, the credential scope and the canonical request's hash), in hex.
 */
export function signatureOf(
	secretAccessKey: string,
	scope: {readonly day: string; readonly region: string; readonly service: string},
	amzDate: string,
	canonicalRequest: string,
): string {
	const stringToSign = `${SIGV4_ALGORITHM}\n${amzDate}\n${scopeOf(scope)}\n${sha256Hex(canonicalRequest)}`;
	return createHmac('sha256', signingKey(secretAccessKey, scope)).update(stringToSign, 'utf8').digest('hex');
}

/** The credential scope: 20261207/us-east-1/kinesis/aws4_request. */
export const scopeOf = (scope: {readonly day: string; readonly region: string; readonly service: string}): string =>
	`${scope.day}/${scope.region}/${scope.service}/aws4_request`;

/** The day's signing key, the secret HMAC'd with the day, region, service and terminator; kept for the last few. */
function signingKey(secret: string, scope: {readonly day: string; readonly region: string; readonly service: string}): Buffer {
	const id = `${scopeOf(scope)}/${secret}`;
	let key = signingKeys.get(id);
	if (key === undefined) {
		key = createHmac('sha256', `AWS4${secret}`).update(scope.day).digest();
		for (const part of [scope.region, scope.service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
		remember(signingKeys, id, key);
	}
	return key;
}
const signingKeys = new Map<string, Buffer>();

/** Keeps a value in a small cache: emptied past 16 entries (what a process signs or checks has a handful). */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
	if (cache.size >= 16) cache.clear();
	cache.set(key, value);
}
