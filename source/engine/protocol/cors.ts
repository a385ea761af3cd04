import {randomUUID} from 'node:crypto';
import type {WireRequest, WireResponse} from './dispatch.js';

/**
 * Cross-origin requests, answered as AWS's endpoints answer them, so that the SDKs work from a browser
 * page. What AWS sends was recorded by kinesalite against Kinesis (mhart/kinesalite, index.js):
 * - a request with an Origin gets `Access-Control-Allow-Origin: *`;
 * - a preflight (OPTIONS with an Origin) is answered 200 at once, echoing the requested method and
 *   headers, with a Max-Age of two days, and is neither authenticated nor dispatched;
 * - other answers to an Origin expose the headers the SDKs read (x-amzn-RequestId, x-amzn-ErrorType,
 *   x-amz-id-2, which dispatch gives every answer but a preflight, ...).
 * An OPTIONS request without an Origin is no preflight: it is dispatched, and refused as any other method.
 */
const EXPOSED_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';
const PREFLIGHT_MAX_AGE_SECONDS = '172800';

export async function withCors(request: WireRequest, serve: (request: WireRequest) => Promise<WireResponse>): Promise<WireResponse> {
	const origin = request.headers.origin !== undefined;
	if (origin && request.method === 'OPTIONS') return preflight(request);
	const reply = await serve(request);
	if (!origin) return reply;
	return {
		...reply,
		headers: {...reply.headers, 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS},
	};
}

function preflight(request: WireRequest): WireResponse {
	const headers: Record<string, string> = {
		'x-amzn-requestid': randomUUID(),
		'access-control-allow-origin': '*',
		'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
	};
	const requestedHeaders = request.headers['access-control-request-headers'];
	if (requestedHeaders) headers['access-control-allow-headers'] = String(requestedHeaders);
	const requestedMethod = request.headers['access-control-request-method'];
	if (requestedMethod) headers['access-control-allow-methods'] = String(requestedMethod);
	return {status: 200, headers, body: ''};
}
