import type {GetRecordsCommandInput, GetShardIteratorCommandInput} from '@aws-sdk/client-kinesis';
import type {AwsCredentialIdentity, HttpRequest as Request} from '@smithy/types';
import {canonicalRequest, headersToSign, scopeOf, sha256Hex, signatureOf, SIGV4_ALGORITHM} from '../../sigv4.js';

/**
 * The signed HTTP request of a shard reader's call (aws/directReads.ts), made without the SDK's
 * serializer and signer: at the start of a tail of thousands of shards, thousands of these are made a
 * second. Leaving out the SDK's serializer and signer took a process's first start of 2,000 shards from
 * about 2.8 to 2.3 s (bench/tailStart.ts). The body is the two
 * operations' members in Kinesis's JSON protocol (awsJson1_1; GetShardIteratorInput and GetRecordsInput in
 * the Kinesis service model). The signature is AWS's Signature Version 4 by the parts the engine checks
 * signatures with (source/sigv4.ts), for these calls' one shape: aws4, a library made for it, spent most of
 * a cold call's signing in its generic canonicalisation (112 against 59 µs a call in a first start's CPU
 * profile). The SDK's own serializer and signer are the reference the tests hold it to.
 */
export type ShardCall =
	{operation: 'GetShardIterator'; input: GetShardIteratorCommandInput} | {operation: 'GetRecords'; input: GetRecordsCommandInput};

export interface Signing {
	readonly endpoint: URL;
	readonly region: string;
	readonly service: string;
	readonly credentials: AwsCredentialIdentity;
	/** The signing time (the client's clock, corrected by the SDK's estimate of its skew). */
	readonly nowMs: number;
	/** Headers every call carries unsigned or signed as they are (the SDK's user agent). */
	readonly headers: Readonly<Record<string, string>>;
}

export function shardCallRequest(call: ShardCall, signing: Signing): Request {
	const {endpoint, credentials} = signing;
	// As the SDK's JSON protocol: the endpoint's path, ending in a slash (an endpoint's text comes without it).
	const path = endpoint.pathname.endsWith('/') ? endpoint.pathname : `${endpoint.pathname}/`;
	const body = shardCallBody(call);
	const date = amzDate(signing.nowMs);
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(signing.headers)) headers[name.toLowerCase()] = value;
	headers['content-type'] = 'application/x-amz-json-1.1';
	headers['x-amz-target'] = `Kinesis_20131202.${call.operation}`;
	headers['x-amz-date'] = date;
	// As the SDK's signer sends it, the hash of the body the signature covers.
	headers['x-amz-content-sha256'] = sha256Hex(body);
	headers.host = endpoint.host;
	headers['content-length'] = String(Buffer.byteLength(body));
	if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
	headers.authorization = authorization('POST', path, headers, date, signing);
	return {
		protocol: endpoint.protocol,
		hostname: endpoint.hostname.startsWith('[') ? endpoint.hostname.slice(1, -1) : endpoint.hostname,
		...(endpoint.port === '' ? {} : {port: Number(endpoint.port)}),
		method: 'POST',
		path,
		query: {},
		headers,
		body,
	};
}

/**
 * The Authorization header of Signature Version 4 (source/sigv4.ts), for a request with no query. `headers` are
 * in lower case and hold x-amz-content-sha256.
 */
function authorization(method: string, path: string, headers: Readonly<Record<string, string>>, date: string, signing: Signing): string {
	const signedHeaders = headersToSign(Object.keys(headers));
	const canonical = canonicalRequest({
		method,
		path,
		query: '',
		signedHeaders,
		valueOf: (name) => headers[name] ?? '',
		payloadHash: headers['x-amz-content-sha256'] ?? '',
	});
	const scope = {day: date.slice(0, 8), region: signing.region, service: signing.service};
	const signature = signatureOf(signing.credentials.secretAccessKey, scope, date, canonical);
	return `${SIGV4_ALGORITHM} Credential=${signing.credentials.accessKeyId}/${scopeOf(scope)}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
}

/**
 * The call's JSON body: the members of its input in the service model, no others, a timestamp as epoch
 * seconds (awsJson1_1's default format for a timestamp, as the SDK writes it).
 */
export function shardCallBody(call: ShardCall): string {
	if (call.operation === 'GetRecords') {
		const {ShardIterator, Limit, StreamARN, StreamId, DryRun} = call.input;
		return JSON.stringify({ShardIterator, Limit, StreamARN, StreamId, DryRun});
	}
	const {StreamName, ShardId, ShardIteratorType, StartingSequenceNumber, Timestamp, StreamARN, StreamId, DryRun} = call.input;
	return JSON.stringify({
		StreamName,
		ShardId,
		ShardIteratorType,
		StartingSequenceNumber,
		Timestamp: Timestamp === undefined ? undefined : Timestamp.getTime() / 1000,
		StreamARN,
		StreamId,
		DryRun,
	});
}

let stampSecond = Number.NaN;
let stampText = '';

/** The ISO 8601 basic form SigV4 signs (20261206T163000Z), worked out once a second. */
export function amzDate(ms: number): string {
	const second = Math.floor(ms / 1000);
	if (second !== stampSecond) {
		stampSecond = second;
		stampText = new Date(second * 1000).toISOString().replace(/[:-]|\.\d{3}/g, '');
	}
	return stampText;
}
