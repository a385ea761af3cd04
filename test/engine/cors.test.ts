import http2 from 'node:http2';
import {describe, expect, it} from 'vitest';
import {credentials} from '../helpers/engine.js';
import {signedHeaders, useEngine} from './support.js';

const ORIGIN = 'http://localhost:5173';
// What a browser asks before the SDK's first signed POST.
const REQUESTED_HEADERS = 'amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent';
const EXPOSED = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';

describe('CORS, as AWS answers browsers', () => {
	// With --auth: a preflight carries no signature and must still pass.
	const harness = useEngine('http1', {auth: credentials});

	it('answers a preflight at once, echoing the method and headers asked for', async () => {
		const response = await fetch(harness.url, {
			method: 'OPTIONS',
			headers: {origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': REQUESTED_HEADERS},
		});
		expect(response.status).toBe(200);
		expect(await response.text()).toBe('');
		expect(response.headers.get('access-control-allow-origin')).toBe('*');
		expect(response.headers.get('access-control-allow-methods')).toBe('POST');
		expect(response.headers.get('access-control-allow-headers')).toBe(REQUESTED_HEADERS);
		expect(response.headers.get('access-control-max-age')).toBe('172800');
		expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
		expect(response.headers.get('x-amz-id-2')).toBeNull();
	});

	it('lets the page read answers and errors, and the headers the SDK needs', async () => {
		// A signature the engine refuses (the secret is wrong): the browser must still be let read why.
		const refused = await fetch(harness.url, {
			method: 'POST',
			headers: {...signedHeaders(), origin: ORIGIN, 'x-amz-target': 'Kinesis_20131202.ListStreams'},
			body: '{}',
		});
		expect(refused.status).toBe(400);
		expect(refused.headers.get('access-control-allow-origin')).toBe('*');
		expect(refused.headers.get('access-control-expose-headers')).toBe(EXPOSED);
		expect(refused.headers.get('x-amzn-errortype')).toBeTruthy();
		expect(Buffer.from(refused.headers.get('x-amz-id-2') ?? '', 'base64')).toHaveLength(72);

		const unknown = await fetch(harness.url, {
			method: 'POST',
			headers: {...signedHeaders(), origin: ORIGIN, 'x-amz-target': 'Kinesis_20131202.Nothing'},
			body: '{}',
		});
		expect(unknown.headers.get('access-control-allow-origin')).toBe('*');
		expect(((await unknown.json()) as {__type: string}).__type).toBe('UnknownOperationException');
	});

	it('sends no CORS headers without an Origin, and takes OPTIONS without one for no preflight', async () => {
		const plain = await fetch(harness.url, {
			method: 'POST',
			headers: {...signedHeaders(), 'x-amz-target': 'Kinesis_20131202.ListStreams'},
			body: '{}',
		});
		expect(plain.headers.get('access-control-allow-origin')).toBeNull();
		expect(plain.headers.get('access-control-expose-headers')).toBeNull();
		expect(plain.headers.get('x-amz-id-2')).toBeTruthy();

		const options = await fetch(harness.url, {method: 'OPTIONS', headers: {'access-control-request-method': 'POST'}});
		expect(options.status).not.toBe(200);
		expect(options.headers.get('access-control-allow-origin')).toBeNull();
		expect(options.headers.get('access-control-allow-methods')).toBeNull();
	});

	it('answers preflights over HTTP/2 too', async () => {
		const session = http2.connect(harness.url);
		try {
			const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
				const stream = session.request({':method': 'OPTIONS', ':path': '/', origin: ORIGIN, 'access-control-request-method': 'POST'});
				stream.on('response', resolve);
				stream.on('error', reject);
				stream.resume();
				stream.end();
			});
			expect(headers[':status']).toBe(200);
			expect(headers['access-control-allow-origin']).toBe('*');
			expect(headers['access-control-allow-methods']).toBe('POST');
			expect(headers['access-control-allow-headers']).toBeUndefined();
		} finally {
			session.close();
		}
	});
});
