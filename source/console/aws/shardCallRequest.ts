import type {GetRecordsCommandInput, GetShardIteratorCommandInput} from '@aws-sdk/client-kinesis';
import type {AwsCredentialIdentity, HttpRequest as Request} from '@smithy/types';
import {createHash} from 'node:crypto';
import aws4 from 'aws4';

/**
 * The signed HTTP request of a shard reader's call (aws/directReads.ts), made without the SDK's
 * serializer and signer: at the start of a tail of thousands of shards, thousands of these are made a
 * second. The SDK's signer alone took 55–60 µs a call warm against aws4's 14, and leaving out both took a
 * process's first start of 2,000 shards from about 2.8 to 2.3 s (bench/tailStart.ts). The body is the two
 * operations' members in Kinesis's JSON protocol (awsJson1_1; GetShardIteratorInput and GetRecordsInput in
 * the Kinesis service model), the signature AWS's Signature Version 4 by aws4, a library made for it; the
 * SDK's own serializer and signer are the reference the tests hold it to.
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
	const {endpoint} = signing;
	// As the SDK's JSON protocol: the endpoint's path, ending in a slash (an endpoint's text comes without it).
	const path = endpoint.pathname.endsWith('/') ? endpoint.pathname : `${endpoint.pathname}/`;
	const body = shardCallBody(call);
	const signed = aws4.sign(
		{
			host: endpoint.host,
			method: 'POST',
			path,
			service: signing.service,
			region: signing.region,
			headers: {
				...signing.headers,
				'content-type': 'application/x-amz-json-1.1',
				'x-amz-target': `Kinesis_20131202.${call.operation}`,
				'x-amz-date': amzDate(signing.nowMs),
				// As the SDK's signer sends it; aws4 signs this hash rather than hashing the body again.
				'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
			},
			body,
		},
		signing.credentials,
	);
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(signed.headers ?? {})) headers[name.toLowerCase()] = String(value);
	return {
		protocol: endpoint.protocol,
		hostname: endpoint.hostname.startsWith('[') ? endpoint.hostname.slice(1, -1) : endpoint.hostname,
		...(endpoint.port === '' ? {} : {port: Number(endpoint.port)}),
		method: 'POST',
		path,
		query: {},
		headers,
		body: signed.body,
	};
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
