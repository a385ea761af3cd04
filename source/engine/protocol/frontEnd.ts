import {randomFillSync, randomUUID} from 'node:crypto';
import type {WireResponse} from './dispatch.js';

/**
 * The answers of AWS's front end to requests it cannot hand to an operation, in the forms AWS gives
 * them before it knows which protocol the client speaks. Each text and status here is AWS's, as
 * kinesalite's test suite recorded them against AWS (mhart/kinesalite, test/connection.js).
 */

/** What every answer carries: a request id, and x-amz-id-2 (72 random bytes in base64, as AWS's are 64 to 80). */
export function answerHeaders(): Record<string, string> {
	return {'x-amzn-requestid': randomUUID(), 'x-amz-id-2': nextId2()};
}

// Random bytes drawn 128 ids at a time: one draw per answer would cost a system call each (about 6 µs).
const ID2_BYTES = 72;
const id2Pool = Buffer.alloc(ID2_BYTES * 128);
let id2Offset = id2Pool.length;
function nextId2(): string {
	if (id2Offset === id2Pool.length) {
		randomFillSync(id2Pool);
		id2Offset = 0;
	}
	id2Offset += ID2_BYTES;
	return id2Pool.toString('base64', id2Offset - ID2_BYTES, id2Offset);
}

/** A method other than POST, or a body in a content type AWS does not read without a target to name it. */
export const accessDenied = (): WireResponse =>
	xmlRefusal(
		403,
		'<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n',
	);

/** A target with a service and an operation part, but a body in a content type AWS does not read. */
export const unknownOperationXml = (): WireResponse => xmlRefusal(404, '<UnknownOperationException/>\n');

/** XML without a content type, as AWS sends these. */
function xmlRefusal(status: number, body: string): WireResponse {
	return {status, headers: answerHeaders(), body};
}

/** `application/json`, the oldest JSON protocol: the body is read, then refused in its envelope, which names the type in full. */
export function deprecatedJsonRefusal(type: 'SerializationException' | 'UnknownOperationException'): WireResponse {
	return {
		status: type === 'SerializationException' ? 400 : 404,
		headers: {...answerHeaders(), 'content-type': DEPRECATED_JSON},
		body: JSON.stringify({Output: {__type: `com.amazon.coral.service#${type}`}, Version: '1.0'}),
	};
}

export const DEPRECATED_JSON = 'application/json';
