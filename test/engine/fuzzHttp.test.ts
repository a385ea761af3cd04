import {once} from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import {performance} from 'node:perf_hooks';
import fc from 'fast-check';
import {DescribeStreamCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {FUZZ_RUNS, FUZZ_SEED, Http1Client, Http2Client, SIGNED, Tally, createGuardedStream, inParallel, snapshot} from './fuzzSupport.js';
import {Flag, FrameType, RawHttp2, errorName, frame, headerBlock, requestFrames, requestHeaders, settings} from './rawHttp2.js';
import {createStream} from './support.js';
import {MAX_BODY_BYTES} from '../../source/engine/index.js';

/**
 * The engine's transport fuzz test: HTTP/1.1 requests broken at the byte level and sent over raw
 * sockets (request lines, header names and values, lengths and chunked bodies, oversized headers and
 * bodies), slow clients that stop halfway (connection, preface, headers, body), and HTTP/2 abuse over
 * raw frames (garbage after the preface, frames the protocol forbids, floods of pings, settings, resets
 * and streams). Each gets an AWS error, an HTTP error from the parser, or a closed connection; none a
 * 5xx or a hang; slow clients are cut off while others are served; and afterwards the engine answers
 * as before and the guarded stream's records are unchanged.
 */

const TIMEOUTS = {headersMs: 300, requestMs: 600, idleMs: 400};
/** Past every timeout, with room for a loaded CI machine. */
const CUT_OFF_MS = TIMEOUTS.requestMs + TIMEOUTS.idleMs + 3_000;
const GUARDED = 'fuzz-http-guarded';
const TARGET = 'fuzz-http-target';
const RAW_HTTP1_RUNS = Math.ceil(FUZZ_RUNS * 0.15);
const RAW_HTTP2_RUNS = Math.ceil(FUZZ_RUNS * 0.08);

const tally = new Tally();
const problems: string[] = [];
const problem = (text: string) => {
	if (problems.length < 20) problems.push(text);
};

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 over a raw socket.

interface Http1Response {
	readonly status: number;
	readonly headers: Readonly<Record<string, string>>;
	readonly body: Buffer;
}

/** Splits what a server sent into responses (by Content-Length or chunked); stops at anything it cannot read. */
function parseResponses(bytes: Buffer): Http1Response[] {
	const responses: Http1Response[] = [];
	let at = 0;
	while (at < bytes.length) {
		const end = bytes.indexOf('\r\n\r\n', at);
		if (end < 0) break;
		const [statusLine = '', ...lines] = bytes.toString('latin1', at, end).split('\r\n');
		const status = /^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1];
		if (!status) break;
		const headers: Record<string, string> = {};
		for (const line of lines) {
			const colon = line.indexOf(':');
			if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
		}
		at = end + 4;
		let body: Buffer;
		if (headers['transfer-encoding'] === 'chunked') {
			const parts: Buffer[] = [];
			while (at < bytes.length) {
				const lineEnd = bytes.indexOf('\r\n', at);
				if (lineEnd < 0) break;
				const size = Number.parseInt(bytes.toString('latin1', at, lineEnd), 16);
				at = lineEnd + 2;
				if (!Number.isFinite(size) || size === 0) {
					at += 2;
					break;
				}
				parts.push(bytes.subarray(at, at + size));
				at += size + 2;
			}
			body = Buffer.concat(parts);
		} else {
			const length = Number(headers['content-length'] ?? 0);
			body = bytes.subarray(at, at + length);
			at += length;
		}
		responses.push({status: Number(status), headers, body});
	}
	return responses;
}

interface Exchange {
	readonly received: Buffer;
	/** The server closed the connection (rather than the client timing out). */
	readonly closedByServer: boolean;
	readonly ms: number;
}

/** Sends bytes on a new connection and, unless `keepOpen`, half-closes it; collects what comes back until the server closes or the time runs out. */
function exchange(port: number, payload: Buffer | readonly Buffer[], timeoutMs: number, keepOpen = false): Promise<Exchange> {
	return new Promise((resolve) => {
		const started = performance.now();
		const chunks: Buffer[] = [];
		const socket = net.connect(port, '127.0.0.1');
		let done = false;
		const finish = (closedByServer: boolean) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			socket.destroy();
			resolve({received: Buffer.concat(chunks), closedByServer, ms: performance.now() - started});
		};
		const timer = setTimeout(() => finish(false), timeoutMs);
		socket.on('data', (chunk: Buffer) => chunks.push(chunk));
		socket.on('error', () => finish(true));
		socket.on('close', () => finish(true));
		socket.on('connect', () => {
			for (const part of Array.isArray(payload) ? payload : [payload]) socket.write(part);
			if (!keepOpen) socket.end();
		});
	});
}

type Expectation = 'any' | 'too-large' | 'header-too-large' | 'refused';

interface RawHttp1Case {
	readonly bytes: Buffer;
	readonly expect: Expectation;
	readonly note: string;
}

/** Names what came back: the first response's status and AWS error type, or `closed`. */
function judgeHttp1(testCase: RawHttp1Case, result: Exchange): string {
	// A 100 Continue (for Expect: 100-continue) comes before the answer.
	const responses = parseResponses(result.received).filter((response) => response.status >= 200);
	const first = responses[0];
	const label = testCase.note.slice(0, 120);
	if (!result.closedByServer)
		problem(`HTTP/1.1 ${label}: neither answered and closed within ${CUT_OFF_MS} ms (${result.received.length} bytes back)`);
	if (!first) {
		if (result.received.length > 0)
			problem(`HTTP/1.1 ${label}: unreadable answer ${JSON.stringify(result.received.toString('latin1', 0, 200))}`);
		if (testCase.expect === 'too-large') problem(`HTTP/1.1 ${label}: closed without the 413`);
		return 'closed';
	}
	for (const response of responses) {
		if (response.status >= 500) problem(`HTTP/1.1 ${label}: status ${response.status} ${response.body.toString('utf8', 0, 300)}`);
		if (response.status === 400 && response.body.length > 0) {
			const type = awsType(response.body);
			if (type === undefined) problem(`HTTP/1.1 ${label}: a 400 whose body is no AWS error: ${response.body.toString('utf8', 0, 200)}`);
		}
	}
	const type = first.body.length > 0 ? awsType(first.body) : undefined;
	const key = `HTTP/1.1 ${first.status}${type ? ` ${type}` : first.status === 400 ? ' (parser)' : ''}`;
	const expected: Record<Expectation, (status: number) => boolean> = {
		any: () => true,
		// Over 16 MiB is refused with 413 before the body is read, unless the parser refused the request first.
		'too-large': (status) => (status === 413 && type === 'SerializationException') || (status === 400 && type === undefined),
		'header-too-large': (status) => status === 431 || status === 400,
		refused: (status) => status >= 400,
	};
	if (!expected[testCase.expect](first.status)) problem(`HTTP/1.1 ${label}: ${key} where ${testCase.expect} was expected`);
	return key;
}

function awsType(body: Buffer): string | undefined {
	try {
		// AWS's shapes: `message`, or `Message` for SerializationException, or no text at all (UnknownOperationException, an unparsable body).
		const parsed = JSON.parse(body.toString('utf8')) as {__type?: unknown; message?: unknown; Message?: unknown};
		const text = parsed.message ?? parsed.Message;
		return typeof parsed.__type === 'string' && (text === undefined || typeof text === 'string') ? parsed.__type : undefined;
	} catch {
		return undefined;
	}
}

const CRLF = '\r\n';

function rawHttp1Arb(port: number): fc.Arbitrary<RawHttp1Case> {
	const body = fc.constantFrom(
		{target: 'ListStreams', body: '{}'},
		{target: 'DescribeLimits', body: '{}'},
		{target: 'DescribeStream', body: JSON.stringify({StreamName: GUARDED})},
		{target: 'PutRecord', body: JSON.stringify({StreamName: TARGET, PartitionKey: 'k', Data: 'aGVsbG8='})},
		{target: 'NoSuchThing', body: '{}'},
	);
	const method = fc.oneof(
		{weight: 10, arbitrary: fc.constant('POST')},
		{weight: 1, arbitrary: fc.constantFrom('GET', 'post', 'P OST', 'CONNECT', 'TRACE', 'PRI', 'X'.repeat(10_000), '', '\u00e9')},
		{weight: 1, arbitrary: fc.string({unit: fc.constantFrom(...'ABCabc!#$%&*+-.^_`|~ /:\t'), maxLength: 12})},
	);
	const path = fc.oneof(
		{weight: 10, arbitrary: fc.constant('/')},
		{
			weight: 1,
			arbitrary: fc.constantFrom('*', 'http://evil.example/', '/'.repeat(9_000), '/%00', `/?a=${'x'.repeat(20_000)}`, '', '/ /', '/\u00e9'),
		},
	);
	const version = fc.oneof(
		{weight: 10, arbitrary: fc.constant('HTTP/1.1')},
		{weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'HTTP/9.9', 'http/1.1', 'HTTP/1.1 extra', '', 'HTTP/')},
	);
	type HeaderEdit = {
		readonly note: string;
		readonly expect?: Expectation;
		readonly apply: (headers: Array<[string, string]>, bodyLength: number) => Array<[string, string]>;
	};
	const edit = (note: string, apply: HeaderEdit['apply'], expect?: Expectation): HeaderEdit => ({note, apply, ...(expect ? {expect} : {})});
	const headerEdit = fc.oneof(
		{weight: 8, arbitrary: fc.constant(edit('', (headers) => headers))},
		{
			weight: 6,
			arbitrary: fc.constantFrom(
				edit('header of 20 KB', (headers) => [...headers, ['X-Big', 'a'.repeat(20_000)]], 'header-too-large'),
				edit(
					'headers of 70 KB in all',
					(headers) => [...headers, ...Array.from({length: 70}, (_, index): [string, string] => [`X-H${index}`, 'b'.repeat(1_000)])],
					'header-too-large',
				),
				edit('3,000 headers', (headers) => [...headers, ...Array.from({length: 3_000}, (_, index): [string, string] => [`x${index}`, ''])]),
				edit('no Host', (headers) => headers.filter(([name]) => name !== 'Host')),
				edit('two Hosts', (headers) => [...headers, ['Host', 'elsewhere.example']]),
				edit('name with a space', (headers) => [...headers, ['Bad Name', 'x']]),
				edit('name with a colon', (headers) => [...headers, ['X:Y', 'x']]),
				edit('empty name', (headers) => [...headers, ['', 'x']]),
				edit('non-ASCII name', (headers) => [...headers, ['X-\u00e9', 'x']]),
				edit('NUL in a value', (headers) => [...headers, ['X-Nul', 'a\u0000b']]),
				edit('DEL in a value', (headers) => [...headers, ['X-Del', 'a\u007fb']]),
				edit('bare CR in a value', (headers) => [...headers, ['X-Cr', 'a\rb']]),
				edit('obsolete line folding', (headers) => [...headers, ['X-Fold', `a${CRLF} b`]]),
				edit('Content-Length -1', (headers) => withLength(headers, '-1')),
				edit('Content-Length abc', (headers) => withLength(headers, 'abc')),
				edit('Content-Length 1e3', (headers) => withLength(headers, '1e3')),
				edit('Content-Length of 30 digits', (headers) => withLength(headers, '9'.repeat(30)), 'refused'),
				edit('Content-Length over 16 MiB', (headers) => withLength(headers, String(MAX_BODY_BYTES + 1)), 'too-large'),
				edit('Content-Length 2^53', (headers) => withLength(headers, String(2 ** 53)), 'refused'),
				edit('two different Content-Lengths', (headers, length) => [...headers, ['Content-Length', String(length + 1)]]),
				edit('Content-Length and chunked', (headers) => [...headers, ['Transfer-Encoding', 'chunked']]),
				edit('Transfer-Encoding gzip', (headers) => [
					...headers.filter(([name]) => name !== 'Content-Length'),
					['Transfer-Encoding', 'gzip'],
				]),
				edit('Transfer-Encoding xchunked', (headers) => [
					...headers.filter(([name]) => name !== 'Content-Length'),
					['Transfer-Encoding', 'xchunked'],
				]),
				edit('Expect: 100-continue', (headers) => [...headers, ['Expect', '100-continue']]),
				edit('Expect: something', (headers) => [...headers, ['Expect', 'something-else']]),
				edit('Upgrade: h2c', (headers) => [
					...headers,
					['Connection', 'Upgrade, HTTP2-Settings'],
					['Upgrade', 'h2c'],
					['HTTP2-Settings', 'AAMAAABkAARAAAAAAAIAAAAA'],
				]),
				edit('Upgrade: websocket', (headers) => [...headers, ['Connection', 'Upgrade'], ['Upgrade', 'websocket']]),
				edit('Connection: close', (headers) => [...headers, ['Connection', 'close']]),
				edit('no X-Amz-Target', (headers) => headers.filter(([name]) => name !== 'X-Amz-Target')),
				edit('no Authorization', (headers) => headers.filter(([name]) => name !== 'Authorization')),
				edit('X-Amz-Target of 15 KB', (headers) => [
					...headers.filter(([name]) => name !== 'X-Amz-Target'),
					['X-Amz-Target', `Kinesis_20131202.${'A'.repeat(15_000)}`],
				]),
			),
		},
	);
	const framing = fc.oneof(
		{weight: 10, arbitrary: fc.constant('length' as const)},
		{
			weight: 3,
			arbitrary: fc.constantFrom(
				'chunked',
				'chunked-bad-size',
				'chunked-huge-size',
				'chunked-extension',
				'chunked-trailer',
				'chunked-no-crlf',
				'short',
				'long',
				'bare-lf',
				'pipelined',
				'garbage-after',
			),
		},
	);
	const wholeGarbage = fc.oneof(
		fc.uint8Array({maxLength: 300}).map((bytes) => Buffer.concat([Buffer.from(bytes), Buffer.from(CRLF + CRLF)])),
		fc.string({unit: 'grapheme-ascii', maxLength: 200}).map((text) => Buffer.from(text + CRLF + CRLF, 'latin1')),
		fc.constantFrom(Buffer.from(`PRI * HTTP/2.0${CRLF}${CRLF}XX${CRLF}${CRLF}`), Buffer.from(CRLF.repeat(100)), Buffer.alloc(70_000, 'A')),
	);
	const built = fc
		.record({body, method, path, version, headerEdit, framing})
		.map(({body: call, method: verb, path: target, version: protocol, headerEdit: change, framing: frames}): RawHttp1Case => {
			const payload = Buffer.from(call.body);
			const base: Array<[string, string]> = [
				['Host', `127.0.0.1:${port}`],
				['Content-Type', 'application/x-amz-json-1.1'],
				['X-Amz-Target', `Kinesis_20131202.${call.target}`],
				['X-Amz-Date', SIGNED['x-amz-date']],
				['Authorization', SIGNED.authorization],
				['Content-Length', String(payload.length)],
			];
			let headers = change.apply(base, payload.length);
			let bodyBytes = Buffer.from(payload);
			const chunked = frames.startsWith('chunked');
			if (chunked) {
				headers = [...headers.filter(([name]) => name !== 'Content-Length'), ['Transfer-Encoding', 'chunked']];
				const size = payload.length.toString(16);
				const ending = {
					chunked: `${size}${CRLF}${call.body}${CRLF}0${CRLF}${CRLF}`,
					'chunked-bad-size': `zz${CRLF}${call.body}${CRLF}0${CRLF}${CRLF}`,
					'chunked-huge-size': `ffffffffffffffffff${CRLF}${call.body}${CRLF}0${CRLF}${CRLF}`,
					'chunked-extension': `${size};name=value${CRLF}${call.body}${CRLF}0${CRLF}${CRLF}`,
					'chunked-trailer': `${size}${CRLF}${call.body}${CRLF}0${CRLF}X-Trailer: t${CRLF}${CRLF}`,
					'chunked-no-crlf': `${size}${CRLF}${call.body}0${CRLF}${CRLF}`,
				}[frames as 'chunked'];
				bodyBytes = Buffer.from(ending);
			}
			if (frames === 'short') bodyBytes = payload.subarray(0, Math.max(0, payload.length - 1));
			if (frames === 'long') bodyBytes = Buffer.concat([payload, Buffer.from('EXTRA')]);
			const eol = frames === 'bare-lf' ? '\n' : CRLF;
			const head = `${verb} ${target} ${protocol}${eol}${headers.map(([name, value]) => `${name}: ${value}${eol}`).join('')}${eol}`;
			let bytes = Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]);
			if (frames === 'pipelined') bytes = Buffer.concat([bytes, bytes]);
			if (frames === 'garbage-after') bytes = Buffer.concat([bytes, Buffer.from(`\u0000\u0001 garbage ${CRLF}${CRLF}`, 'latin1')]);
			const notes = [
				verb === 'POST' ? '' : `method ${JSON.stringify(verb.slice(0, 20))}`,
				target === '/' ? '' : `path ${JSON.stringify(target.slice(0, 20))}`,
				protocol === 'HTTP/1.1' ? '' : `version ${protocol}`,
				change.note,
				frames === 'length' ? '' : frames,
			];
			// A chunked body drops the Content-Length an edit may have broken; and a request broken elsewhere
			// too may be refused for that first (a CONNECT, a 20 KB path), before its length is looked at.
			const otherwiseWellFormed = verb === 'POST' && target === '/' && protocol === 'HTTP/1.1' && !chunked && frames !== 'bare-lf';
			const expect =
				(chunked && change.note.startsWith('Content-Length')) || (change.expect === 'too-large' && !otherwiseWellFormed)
					? 'any'
					: (change.expect ?? 'any');
			return {bytes, expect, note: `${call.target}: ${notes.filter(Boolean).join(', ') || 'well-formed'}`};
		});
	return fc.oneof(
		{weight: 12, arbitrary: built},
		{
			weight: 1,
			arbitrary: wholeGarbage.map((bytes): RawHttp1Case => ({
				bytes,
				expect: 'refused',
				note: `garbage ${JSON.stringify(bytes.toString('latin1', 0, 40))}`,
			})),
		},
	);
}

function withLength(headers: Array<[string, string]>, value: string): Array<[string, string]> {
	return [...headers.filter(([name]) => name !== 'Content-Length'), ['Content-Length', value]];
}

// ---------------------------------------------------------------------------------------------
// HTTP/2 over raw frames.

interface RawHttp2Case {
	readonly frames: Buffer;
	readonly note: string;
	/** Send the preface first (without it the bytes go to the HTTP/1.1 side, or nowhere). */
	readonly handshake: boolean;
}

const u32 = (value: number) => {
	const bytes = Buffer.alloc(4);
	bytes.writeUInt32BE(value >>> 0);
	return bytes;
};

function rawHttp2Arb(port: number): fc.Arbitrary<RawHttp2Case> {
	const streamId = fc.constantFrom(0, 1, 2, 3, 5, 7, 0x7fffffff, 0xffffffff);
	const randomFrame = fc
		.record({type: fc.integer({min: 0, max: 15}), flags: fc.integer({min: 0, max: 255}), streamId, payload: fc.uint8Array({maxLength: 48})})
		.map(({type, flags, streamId: id, payload}) => ({
			bytes: frame(type, flags, id, payload),
			note: `frame type ${type} flags ${flags} stream ${id} (${payload.length} bytes)`,
		}));
	const block = headerBlock(requestHeaders(port, 'Kinesis_20131202.ListStreams', 2));
	const named = fc.constantFrom(
		{bytes: frame(FrameType.DATA, Flag.END_STREAM, 0, Buffer.from('{}')), note: 'DATA on stream 0'},
		{bytes: frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('{}')), note: 'DATA on an idle stream'},
		{
			bytes: frame(FrameType.HEADERS, Flag.END_HEADERS, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])),
			note: 'HEADERS with a broken HPACK integer',
		},
		{
			bytes: frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.from([0xbe])),
			note: 'HEADERS naming a dynamic-table entry that does not exist',
		},
		{bytes: frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 2, block), note: 'HEADERS on an even (server) stream id'},
		{
			bytes: frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, headerBlock([[':method', 'POST']])),
			note: 'HEADERS without :path and :scheme',
		},
		{
			bytes: frame(
				FrameType.HEADERS,
				Flag.END_HEADERS | Flag.END_STREAM,
				1,
				headerBlock([...requestHeaders(port, 'Kinesis_20131202.ListStreams', 0), ['Connection', 'keep-alive']]),
			),
			note: 'HEADERS with a connection-specific header',
		},
		{
			bytes: frame(
				FrameType.HEADERS,
				Flag.END_HEADERS | Flag.END_STREAM,
				1,
				headerBlock([...requestHeaders(port, 'Kinesis_20131202.ListStreams', 0), ['X-Upper', 'x']]),
			),
			note: 'HEADERS with an upper-case name',
		},
		{
			bytes: frame(
				FrameType.HEADERS,
				Flag.END_HEADERS | Flag.END_STREAM,
				1,
				headerBlock([...requestHeaders(port, 'Kinesis_20131202.ListStreams', 0), ['x-bad', 'a\r\nb']]),
			),
			note: 'HEADERS with CRLF in a value',
		},
		{bytes: frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.PADDED, 1, Buffer.from([200, ...block])), note: 'HEADERS padded past its end'},
		{
			bytes: frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.PRIORITY, 1, Buffer.concat([u32(1), Buffer.from([16]), block])),
			note: 'HEADERS depending on itself',
		},
		{
			bytes: Buffer.concat([
				frame(FrameType.HEADERS, Flag.END_HEADERS, 1, headerBlock(requestHeaders(port, 'Kinesis_20131202.ListStreams', 2))),
				frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('{}{}')),
			]),
			note: 'DATA longer than content-length',
		},
		{
			bytes: Buffer.concat([
				frame(FrameType.HEADERS, Flag.END_HEADERS, 1, headerBlock(requestHeaders(port, 'Kinesis_20131202.ListStreams', 9))),
				frame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('{}')),
			]),
			note: 'DATA shorter than content-length',
		},
		{bytes: frame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, block), note: 'CONTINUATION without HEADERS'},
		{
			bytes: Buffer.concat([frame(FrameType.HEADERS, 0, 1, block), frame(FrameType.PING, 0, 0, Buffer.alloc(8))]),
			note: 'PING inside a header block',
		},
		{bytes: frame(FrameType.PRIORITY, 0, 1, Buffer.concat([u32(1), Buffer.from([1])])), note: 'PRIORITY depending on itself'},
		{bytes: frame(FrameType.PRIORITY, 0, 0, Buffer.alloc(5)), note: 'PRIORITY on stream 0'},
		{bytes: frame(FrameType.RST_STREAM, 0, 1, u32(0)), note: 'RST_STREAM on an idle stream'},
		{bytes: frame(FrameType.RST_STREAM, 0, 0, u32(8)), note: 'RST_STREAM on stream 0'},
		{bytes: frame(FrameType.RST_STREAM, 0, 1, Buffer.alloc(3)), note: 'RST_STREAM of 3 bytes'},
		{bytes: settings([[2, 2]]), note: 'SETTINGS_ENABLE_PUSH 2'},
		{bytes: settings([[4, 2 ** 31]]), note: 'SETTINGS_INITIAL_WINDOW_SIZE 2^31'},
		{bytes: settings([[5, 100]]), note: 'SETTINGS_MAX_FRAME_SIZE below 16384'},
		{bytes: settings([[5, 2 ** 24]]), note: 'SETTINGS_MAX_FRAME_SIZE above 2^24-1'},
		{bytes: settings([[0x99, 1]]), note: 'an unknown setting (must be ignored)'},
		{bytes: frame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5)), note: 'SETTINGS of 5 bytes'},
		{bytes: frame(FrameType.SETTINGS, 0, 1, Buffer.alloc(0)), note: 'SETTINGS on a stream'},
		{bytes: frame(FrameType.SETTINGS, Flag.ACK, 0, Buffer.alloc(6)), note: 'SETTINGS ACK with a payload'},
		{bytes: frame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, Buffer.concat([u32(2), block])), note: 'PUSH_PROMISE from a client'},
		{bytes: frame(FrameType.PING, 0, 0, Buffer.alloc(7)), note: 'PING of 7 bytes'},
		{bytes: frame(FrameType.PING, 0, 1, Buffer.alloc(8)), note: 'PING on a stream'},
		{bytes: frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0)), note: 'WINDOW_UPDATE of 0'},
		{
			bytes: Buffer.concat([frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0x7fffffff)), frame(FrameType.WINDOW_UPDATE, 0, 0, u32(0x7fffffff))]),
			note: 'WINDOW_UPDATE past 2^31-1',
		},
		{bytes: frame(FrameType.WINDOW_UPDATE, 0, 0, Buffer.alloc(3)), note: 'WINDOW_UPDATE of 3 bytes'},
		{bytes: frame(FrameType.GOAWAY, 0, 0, Buffer.concat([u32(0), u32(2)])), note: 'GOAWAY from the client'},
		{bytes: frame(FrameType.GOAWAY, 0, 1, Buffer.alloc(8)), note: 'GOAWAY on a stream'},
		{bytes: frame(FrameType.DATA, 0, 1, Buffer.alloc(20_000)), note: 'a frame over the 16 KiB maximum'},
		{bytes: frame(FrameType.DATA, 0, 1, Buffer.alloc(10), 0xffffff), note: 'a frame declaring 16 MiB and sending 10 bytes'},
		{bytes: Buffer.alloc(64, 0xff), note: 'garbage after the preface'},
		{bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), note: 'HTTP/1.1 after the preface'},
	);
	const garbage = fc
		.uint8Array({minLength: 1, maxLength: 120})
		.map((bytes) => ({bytes: Buffer.from(bytes), note: `${bytes.length} random bytes`}));
	const part = fc.oneof({weight: 4, arbitrary: named}, {weight: 3, arbitrary: randomFrame}, {weight: 1, arbitrary: garbage});
	return fc
		.record({
			parts: fc.array(part, {minLength: 1, maxLength: 4}),
			handshake: fc.oneof({weight: 12, arbitrary: fc.constant(true)}, {weight: 1, arbitrary: fc.constant(false)}),
		})
		.map(({parts, handshake}) => ({
			frames: Buffer.concat(parts.map((each) => each.bytes)),
			note: `${handshake ? '' : 'no preface: '}${parts.map((each) => each.note).join(' + ')}`,
			handshake,
		}));
}

/**
 * Sends the abuse, then a well-formed request on a fresh stream, and names what happened: a GOAWAY
 * (with its error), the connection closed, the request's stream reset, or the request answered.
 */
async function judgeHttp2(port: number, testCase: RawHttp2Case): Promise<string> {
	const connection = testCase.handshake ? await RawHttp2.connect(port) : await RawHttp2.connect(port, false);
	try {
		connection.send(testCase.frames);
		const probe = 101;
		connection.send(requestFrames(port, probe, 'Kinesis_20131202.ListStreams', '{}'));
		const outcome = await connection.until(
			(frames) =>
				frames.some(
					(each) =>
						each.type === FrameType.GOAWAY ||
						(each.streamId === probe &&
							(each.type === FrameType.RST_STREAM ||
								(each.type === FrameType.DATA && (each.flags & Flag.END_STREAM) !== 0) ||
								(each.type === FrameType.HEADERS && (each.flags & Flag.END_STREAM) !== 0))),
				),
			CUT_OFF_MS,
		);
		const away = connection.goaway();
		if (away) {
			// A connection error: the engine must then close the connection.
			const closed = await connection.until(() => false, CUT_OFF_MS);
			if (closed !== 'closed') problem(`HTTP/2 ${testCase.note}: GOAWAY ${errorName(away.code)} but the connection stayed open`);
			return `HTTP/2 GOAWAY ${errorName(away.code)}`;
		}
		if (outcome === 'closed') return 'HTTP/2 closed';
		if (outcome === 'timeout') {
			problem(`HTTP/2 ${testCase.note}: no answer and no GOAWAY within ${CUT_OFF_MS} ms`);
			return 'HTTP/2 hang';
		}
		const reset = connection.resets(probe);
		if (reset !== undefined) return `HTTP/2 RST_STREAM ${errorName(reset)}`;
		// The abuse was tolerated (or ignored, as unknown frames must be): the probe has its answer.
		return 'HTTP/2 tolerated, next request answered';
	} finally {
		connection.destroy();
	}
}

// ---------------------------------------------------------------------------------------------

describe('the engine under transport abuse', () => {
	let engine: Engine;
	let client: KinesisClient;
	let before: Awaited<ReturnType<typeof snapshot>>;
	const started = performance.now();

	beforeAll(async () => {
		engine = await startEngine({timeouts: TIMEOUTS});
		client = kinesisClient(engine.url, 'http1');
		await createGuardedStream(client, GUARDED);
		await createStream(client, TARGET);
		before = await snapshot(client, GUARDED);
	});

	afterAll(async () => {
		client?.destroy();
		await engine?.close();
	});

	beforeEach(() => {
		problems.length = 0;
	});

	it(`answers or closes ${RAW_HTTP1_RUNS} malformed HTTP/1.1 requests sent over raw sockets`, async () => {
		const cases = fc.sample(rawHttp1Arb(engine.port), {seed: FUZZ_SEED, numRuns: RAW_HTTP1_RUNS});
		await inParallel(cases, 16, async (testCase) =>
			tally.add(judgeHttp1(testCase, await exchange(engine.port, testCase.bytes, CUT_OFF_MS))),
		);
		expect(problems, `seed ${FUZZ_SEED}`).toEqual([]);
	}, 120_000);

	it('refuses chunked bodies that run past 16 MiB, and bodies declared larger', async () => {
		const head = (headers: string) =>
			Buffer.from(
				`POST / HTTP/1.1${CRLF}Host: x${CRLF}X-Amz-Target: Kinesis_20131202.PutRecord${CRLF}Content-Type: application/x-amz-json-1.1${CRLF}X-Amz-Date: ${SIGNED['x-amz-date']}${CRLF}Authorization: ${SIGNED.authorization}${CRLF}${headers}${CRLF}`,
			);
		const chunk = Buffer.concat([Buffer.from(`100000${CRLF}`), Buffer.alloc(0x100000, 'a'), Buffer.from(CRLF)]);
		const cases: RawHttp1Case[] = [
			{
				bytes: Buffer.concat([head(`Transfer-Encoding: chunked${CRLF}`), ...Array.from({length: 18}, () => chunk)]),
				expect: 'too-large',
				note: 'chunked body of 18 MiB',
			},
			{bytes: head(`Content-Length: ${MAX_BODY_BYTES + 1}${CRLF}`), expect: 'too-large', note: 'declared 16 MiB + 1'},
			{bytes: head(`Content-Length: ${2 ** 40}${CRLF}`), expect: 'too-large', note: 'declared 1 TiB'},
		];
		for (const testCase of cases) tally.add(judgeHttp1(testCase, await exchange(engine.port, testCase.bytes, CUT_OFF_MS)));
		expect(problems).toEqual([]);
	}, 60_000);

	it('cuts off clients that stop halfway, and serves others meanwhile', async () => {
		const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
		const headers = `POST / HTTP/1.1${CRLF}Host: x${CRLF}X-Amz-Target: Kinesis_20131202.ListStreams${CRLF}Content-Type: application/x-amz-json-1.1${CRLF}X-Amz-Date: ${SIGNED['x-amz-date']}${CRLF}Authorization: ${SIGNED.authorization}${CRLF}`;
		const h2Request = (endHeaders: boolean, contentLength: number, body: string) =>
			Buffer.concat([
				preface,
				settings(),
				frame(
					FrameType.HEADERS,
					endHeaders ? Flag.END_HEADERS : 0,
					1,
					headerBlock(requestHeaders(engine.port, 'Kinesis_20131202.ListStreams', contentLength)),
				),
				...(body ? [frame(FrameType.DATA, 0, 1, Buffer.from(body))] : []),
			]);
		const slow: Array<{note: string; bytes: Buffer; drip?: boolean}> = [
			{note: 'connects and sends nothing', bytes: Buffer.alloc(0)},
			{note: 'half an HTTP/2 preface', bytes: preface.subarray(0, 16)},
			{note: 'half a request line', bytes: Buffer.from('POST / HTT')},
			{note: 'headers without their end', bytes: Buffer.from(headers)},
			{note: 'a body shorter than its Content-Length', bytes: Buffer.from(`${headers}Content-Length: 100${CRLF}${CRLF}{"Limit":`)},
			{
				note: 'a chunked body without its last chunk',
				bytes: Buffer.from(`${headers}Transfer-Encoding: chunked${CRLF}${CRLF}2${CRLF}{}${CRLF}`),
			},
			{note: 'headers a byte at a time, for ever', bytes: Buffer.from(headers), drip: true},
			{note: 'the HTTP/2 preface and nothing more', bytes: preface},
			{note: 'HTTP/2 HEADERS without END_HEADERS', bytes: h2Request(false, 2, '')},
			{note: 'HTTP/2 HEADERS and no body', bytes: h2Request(true, 2, '')},
			{note: 'HTTP/2 body shorter than its content-length', bytes: h2Request(true, 100, '{"Limit":')},
		];
		const copies = 8;
		const hanging = slow.flatMap((each) =>
			Array.from({length: copies}, async () => {
				const payload = each.drip ? Array.from(each.bytes, (byte) => Buffer.from([byte])) : [each.bytes];
				const result = await (each.drip ? drip(engine.port, payload) : exchange(engine.port, payload, CUT_OFF_MS, true));
				if (!result.closedByServer) problem(`slow client (${each.note}): still connected after ${CUT_OFF_MS} ms`);
				const status = parseResponses(result.received)[0]?.status;
				tally.add(
					status
						? `slow client cut off: HTTP/1.1 ${status}`
						: result.received.length > 0
							? 'slow client cut off (HTTP/2)'
							: 'slow client cut off: closed',
				);
			}),
		);
		// While they hang, others are served at once, over both protocols.
		const h1 = new Http1Client(engine.url);
		const h2 = new Http2Client(engine.url);
		try {
			const call = {
				method: 'POST',
				headers: {...SIGNED, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams'},
				body: Buffer.from('{}'),
			};
			for (let round = 0; round < 10; round++) {
				const startedAt = performance.now();
				const answers = await Promise.all([h1.send(call), h2.send(call), h1.send(call), h2.send(call)]);
				expect(answers.map((answer) => (answer.kind === 'response' ? answer.status : answer.reason))).toEqual([200, 200, 200, 200]);
				expect(performance.now() - startedAt).toBeLessThan(2_000);
				tally.add('200 OK while slow clients hang', answers.length);
				await new Promise((resolve) => setTimeout(resolve, 50));
			}
		} finally {
			h1.close();
			h2.close();
		}
		await Promise.all(hanging);
		expect(problems).toEqual([]);
	}, 60_000);

	it(`survives ${RAW_HTTP2_RUNS} connections of HTTP/2 protocol abuse over raw frames`, async () => {
		const cases = fc.sample(rawHttp2Arb(engine.port), {seed: FUZZ_SEED, numRuns: RAW_HTTP2_RUNS});
		await inParallel(cases, 64, async (testCase) => tally.add(await judgeHttp2(engine.port, testCase)));
		expect(problems, `seed ${FUZZ_SEED}`).toEqual([]);
	}, 120_000);

	it('survives floods: pings, settings, resets, empty frames, continuations, and more streams than allowed', async () => {
		const port = engine.port;
		const block = headerBlock(requestHeaders(port, 'Kinesis_20131202.ListStreams', 0));
		const floods: Array<{note: string; bytes: () => Buffer}> = [
			{note: '20,000 PINGs', bytes: () => Buffer.concat(Array.from({length: 20_000}, () => frame(FrameType.PING, 0, 0, Buffer.alloc(8))))},
			{note: '20,000 SETTINGS', bytes: () => Buffer.concat(Array.from({length: 20_000}, () => settings([[3, 100]])))},
			{
				note: '5,000 streams opened and reset at once (rapid reset)',
				bytes: () =>
					Buffer.concat(
						Array.from({length: 5_000}, (_, index) => [
							frame(FrameType.HEADERS, Flag.END_HEADERS, 2 * index + 1, block),
							frame(FrameType.RST_STREAM, 0, 2 * index + 1, u32(8)),
						]).flat(),
					),
			},
			{
				note: '20,000 empty DATA frames on one stream',
				bytes: () =>
					Buffer.concat([
						frame(FrameType.HEADERS, Flag.END_HEADERS, 1, headerBlock(requestHeaders(port, 'Kinesis_20131202.ListStreams', 2))),
						...Array.from({length: 20_000}, () => frame(FrameType.DATA, 0, 1)),
					]),
			},
			{
				note: '10,000 CONTINUATIONs that never end the header block',
				bytes: () =>
					Buffer.concat([
						frame(FrameType.HEADERS, 0, 1, block),
						...Array.from({length: 10_000}, (_, index) =>
							frame(FrameType.CONTINUATION, 0, 1, headerBlock([[`x-junk-${index}`, 'j'.repeat(50)]])),
						),
					]),
			},
			{
				note: '1,500 requests at once (1,000 allowed)',
				bytes: () =>
					Buffer.concat(
						Array.from({length: 1_500}, (_, index) => frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 2 * index + 1, block)),
					),
			},
		];
		for (const flood of floods) {
			const connection = await RawHttp2.connect(port);
			try {
				connection.send(flood.bytes());
				const outcome = await connection.until((frames) => frames.some((each) => each.type === FrameType.GOAWAY), 1_500);
				const away = connection.goaway();
				const key = away
					? `flood answered with GOAWAY ${errorName(away.code)}`
					: outcome === 'closed'
						? 'flood: connection closed'
						: 'flood absorbed';
				tally.add(key);
				// Whatever became of that connection, a new one is served at once.
				const probe = await RawHttp2.connect(port);
				try {
					probe.send(requestFrames(port, 1, 'Kinesis_20131202.ListStreams', '{}'));
					const answered = await probe.until(() => probe.answered(1), 10_000);
					if (answered !== 'met') problem(`after ${flood.note}: a new connection was not answered (${answered})`);
				} finally {
					probe.destroy();
				}
			} finally {
				connection.destroy();
			}
		}

		// Through node:http2 as a client: 1,500 requests on one session, and 2,000 reset as soon as sent.
		const connect = async () => {
			const opened = http2.connect(engine.url, {maxSessionMemory: 64});
			opened.on('error', () => undefined);
			// As the SDK does, once the engine's settings are known: streams past its 1,000 wait in the client.
			// (Before them, the burst would be refused past 1,000 and the session ended: the raw flood above covers that.)
			await once(opened, 'remoteSettings');
			return opened;
		};
		let session = await connect();
		try {
			const headers = {
				':method': 'POST',
				':path': '/',
				...SIGNED,
				'content-type': 'application/x-amz-json-1.1',
				'x-amz-target': 'Kinesis_20131202.ListStreams',
			};
			const many = await Promise.all(
				Array.from(
					{length: 1_500},
					() =>
						new Promise<string>((resolve) => {
							const stream = session.request(headers);
							stream.on('response', (received) => resolve(`HTTP/2 ${String(received[':status'])}`));
							stream.on('error', () => undefined);
							stream.on('close', () => resolve(`HTTP/2 reset ${errorName(stream.rstCode ?? 0)}`));
							stream.resume();
							stream.end('{}');
						}),
				),
			);
			for (const outcome of many) tally.add(`1,500 concurrent streams: ${outcome}`);
			expect(many.filter((outcome) => outcome !== 'HTTP/2 200' && outcome !== 'HTTP/2 reset REFUSED_STREAM')).toEqual([]);
			// A session of its own: on a slow machine the engine may have found the first one idle (400 ms
			// without a stream) between the client's batches, and closed it with GOAWAY, as it should.
			session.destroy();
			session = await connect();
			for (let index = 0; index < 2_000; index++) {
				const stream = session.request(headers, {endStream: false});
				stream.on('error', () => undefined);
				stream.close(http2.constants.NGHTTP2_CANCEL);
			}
			tally.add('request reset as soon as sent (node:http2)', 2_000);
		} finally {
			session.destroy();
		}
		expect(problems).toEqual([]);
	}, 60_000);

	it('still answers, and the guarded records are as they were', async () => {
		const fresh = kinesisClient(engine.url, 'http2');
		try {
			expect((await fresh.send(new DescribeStreamCommand({StreamName: GUARDED}))).StreamDescription?.StreamStatus).toBe('ACTIVE');
		} finally {
			fresh.destroy();
		}
		expect(await snapshot(client, GUARDED)).toEqual(before);
		tally.report(
			`Engine transport fuzz: ${tally.total} requests and connections in ${((performance.now() - started) / 1000).toFixed(1)} s`,
		);
	});
});

/** Sends one byte at a time, 50 ms apart, until the server closes the connection or CUT_OFF_MS passes. */
function drip(port: number, bytes: readonly Buffer[]): Promise<Exchange> {
	return new Promise((resolve) => {
		const started = performance.now();
		const chunks: Buffer[] = [];
		const socket = net.connect(port, '127.0.0.1');
		let index = 0;
		let done = false;
		const finish = (closedByServer: boolean) => {
			if (done) return;
			done = true;
			clearInterval(interval);
			clearTimeout(timer);
			socket.destroy();
			resolve({received: Buffer.concat(chunks), closedByServer, ms: performance.now() - started});
		};
		// Past the given bytes, one more header line a byte at a time, again and again: the request never completes.
		const more = Buffer.from(`X-Drip: 1${CRLF}`);
		const interval = setInterval(() => {
			const next =
				index < bytes.length
					? bytes[index]
					: more.subarray((index - bytes.length) % more.length, ((index - bytes.length) % more.length) + 1);
			index++;
			if (!socket.destroyed && next) socket.write(next);
		}, 50);
		const timer = setTimeout(() => finish(false), CUT_OFF_MS);
		socket.on('data', (chunk: Buffer) => chunks.push(chunk));
		socket.on('error', () => finish(true));
		socket.on('close', () => finish(true));
	});
}
