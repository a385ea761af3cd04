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
export function canonicalPath(path: string): string {
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
