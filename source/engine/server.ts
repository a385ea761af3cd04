import http, {type IncomingMessage, type ServerResponse} from 'node:http';
import http2, {type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session} from 'node:http2';
import net, {type AddressInfo, type Socket} from 'node:net';
import type {WireRequest, WireResponse} from './protocol/dispatch.js';
import {serializationError, wireError} from './protocol/errors.js';
import {releasePiece, takePieceBuffer} from './protocol/pieceBuffers.js';

/**
 * One TCP port for HTTP/1.1 and prior-knowledge HTTP/2 (h2c): the first bytes of each connection
 * tell which, and the connection is handed to Node's server for that version. The AWS SDK for
 * JavaScript v3 sends every Kinesis call over HTTP/2; the AWS CLI and most other clients use HTTP/1.1.
 * With a certificate the port speaks TLS instead, and ALPN picks h2 or http/1.1.
 */
export interface ServerOptions {
	readonly host: string;
	readonly port: number;
	/** Bodies larger than this are refused with 413 before they are read. */
	readonly maxBodyBytes: number;
	readonly handle: (request: WireRequest) => Promise<WireResponse>;
	/** PEM certificate chain and private key: serve HTTPS (h2 and http/1.1 by ALPN) instead of cleartext. */
	readonly tls?: {readonly cert: string | Buffer; readonly key: string | Buffer};
	/** How long slow and idle clients are waited for; see ServerTimeouts. */
	readonly timeouts?: ServerTimeouts;
}

/**
 * Slow clients must not hold a connection for ever: one that sends half a request and stops is cut
 * off, and others are served meanwhile.
 */
export interface ServerTimeouts {
	/** A new connection's first bytes (the HTTP/2 preface too) and each HTTP/1.1 request's headers must arrive within this. Default 30 s. */
	readonly headersMs?: number;
	/** A whole request, headers and body, must arrive within this (HTTP/1.1 answers 408 and closes; HTTP/2 answers 408 and resets the stream). Default 120 s. */
	readonly requestMs?: number;
	/**
	 * A connection with no request under way is closed after this long without traffic (HTTP/2 with
	 * GOAWAY); an HTTP/2 session with requests under way but no traffic at all for twice this long is
	 * ended too. Default 60 s.
	 */
	readonly idleMs?: number;
}

export interface RunningServer {
	readonly port: number;
	readonly host: string;
	/** Stops accepting, finishes the requests under way, and closes every connection. */
	close(): Promise<void>;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
// Large PutRecords bodies stream faster with windows well above HTTP/2's 64 KiB default.
const H2_WINDOW_BYTES = 8 * 1024 * 1024;

// Longer than 80 lines on purpose: the listeners of one server (HTTP/1.1, HTTP/2, TLS) share its
// connection set and closing state; split, each part would need the whole of it passed in. (An HTTP/2
// session's own timers need none of it: manageSession.)
export async function startServer(options: ServerOptions): Promise<RunningServer> {
	const requestMs = options.timeouts?.requestMs ?? 120_000;
	// Node refuses a headers timeout longer than the request timeout.
	const headersMs = Math.min(options.timeouts?.headersMs ?? 30_000, requestMs);
	const idleMs = options.timeouts?.idleMs ?? 60_000;
	const inFlight = new Set<Promise<void>>();
	// One per request under way: aborted when its client goes away or the server closes, which ends streamed answers.
	const aborts = new Set<RequestAbort>();
	const track = (work: Promise<void>) => {
		inFlight.add(work);
		void work.finally(() => inFlight.delete(work));
	};
	const onRequest = (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => {
		const abort = new RequestAbort();
		aborts.add(abort);
		let served = false;
		// Only for a request still being served: an abort makes a DOMException, stack and all.
		response.once('close', () => served || abort.abort());
		track(
			serve(options, request, response, abort, requestMs).finally(() => {
				served = true;
				aborts.delete(abort);
			}),
		);
	};

	const h1 = http.createServer(
		{
			keepAliveTimeout: idleMs,
			headersTimeout: headersMs,
			requestTimeout: requestMs,
			// Node checks both timeouts this often (30 s by default, which would let a short timeout run long).
			connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(headersMs / 4))),
		},
		onRequest,
	);
	// Node starts tracking connections, and so enforcing headersTimeout and requestTimeout, when an
	// HTTP server starts listening; this one never listens (the TCP server hands it its connections),
	// so it is told, or no slow client would ever be cut off. close() below stops the tracking again.
	h1.emit('listening');
	const h2Settings = {settings: {initialWindowSize: H2_WINDOW_BYTES, maxConcurrentStreams: 1000}};
	const h2: http2.Http2Server | Http2SecureServer = options.tls
		? http2.createSecureServer({...h2Settings, cert: options.tls.cert, key: options.tls.key, allowHTTP1: true}, onRequest)
		: http2.createServer(h2Settings, onRequest);
	const sessions = new Set<Http2Session>();
	h2.on('session', (session: Http2Session) => {
		sessions.add(session);
		session.on('close', () => sessions.delete(session));
		manageSession(session, idleMs);
	});
	const sockets = new Set<Socket>();
	const tcp = net.createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		// Over TLS the secure server reads the handshake, and ALPN (with allowHTTP1) picks the protocol.
		if (options.tls) h2.emit('connection', socket);
		else routeByPreface(socket, h1, h2, headersMs);
	});

	await new Promise<void>((resolve, reject) => {
		tcp.once('error', reject);
		tcp.listen(options.port, options.host, () => {
			tcp.off('error', reject);
			resolve();
		});
	});
	const address = tcp.address() as AddressInfo;

	return {
		port: address.port,
		host: options.host,
		async close() {
			const stopped = new Promise<void>((resolve) => tcp.close(() => resolve()));
			h1.closeIdleConnections();
			// Streamed answers (event streams) would otherwise run until their own end.
			for (const abort of aborts) abort.abort();
			await Promise.allSettled([...inFlight]);
			for (const session of sessions) session.close();
			h1.closeAllConnections();
			h1.close();
			for (const socket of sockets) socket.destroy();
			await stopped;
		},
	};
}

/** An HTTP/2 session's timers and window: closed once idle for idleMs, destroyed when it stays silent with streams under way. */
function manageSession(session: Http2Session, idleMs: number): void {
	// Node's destroy marks a session destroyed before it clears the session's timer, and a destroyed
	// session ignores setTimeout: the idle timer below would keep every closed session (about 3 KB)
	// alive for idleMs. The AWS SDK opens a connection per Kinesis call over HTTP/2, so under load
	// that held tens of MB. The timer is cleared first.
	const destroy = session.destroy.bind(session);
	session.destroy = (error?: Error, code?: number) => {
		if (!session.destroyed) session.setTimeout(0);
		destroy(error, code);
	};
	// A session with no stream under way that has been quiet for idleMs is closed with GOAWAY, as
	// HTTP/1.1's keep-alive timeout closes an idle connection.
	let open = 0;
	session.on('stream', (stream: http2.ServerHttp2Stream) => {
		open++;
		stream.once('close', () => {
			// The quiet time counts from the last stream's end (the timer may have fired while it ran).
			if (--open === 0 && !session.closed) session.setTimeout(idleMs);
		});
	});
	// Bytes moved when the session was last found silent with streams under way.
	let silentAt: number | undefined;
	session.on('timeout', () => {
		if (open === 0) {
			session.close();
			// A session whose close does not complete (a header block left open, say) is not waited for.
			setTimeout(() => session.destroy(), idleMs).unref();
			return;
		}
		// Streams under way, yet nothing sent or received for idleMs, and again for idleMs more: a client
		// that stopped reading, or a session the protocol has ended (after a GOAWAY for a protocol error,
		// Node waits on its streams for ever). Twice, so that a busy moment of the engine's own is not taken for it.
		const moved = session.socket.bytesRead + session.socket.bytesWritten;
		if (moved === silentAt) return session.destroy();
		silentAt = moved;
		session.setTimeout(idleMs);
	});
	session.setTimeout(idleMs);
	// The connection's receive window, raised in the first flight with the SETTINGS: a PutRecords body of
	// 500 records (about 90 KB) no longer waits a round trip of both event loops past the default 64 KB.
	// Last, once every listener is on: the call may act on input already buffered, and emit 'stream'.
	session.setLocalWindowSize(H2_WINDOW_BYTES);
}

/**
 * Reads just enough of a new connection to tell HTTP/2's preface from an HTTP/1.1 request line; a
 * connection that has not said which within `timeoutMs` (nothing sent, or half a preface) is closed.
 */
function routeByPreface(socket: Socket, h1: http.Server, h2: http2.Http2Server | Http2SecureServer, timeoutMs: number): void {
	let seen: Buffer = Buffer.alloc(0);
	const onTimeout = () => socket.destroy();
	socket.setTimeout(timeoutMs);
	socket.once('timeout', onTimeout);
	const onData = (chunk: Buffer) => {
		seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
		const compared = Math.min(seen.length, H2_PREFACE.length);
		const looksLikeH2 = seen.subarray(0, compared).equals(H2_PREFACE.subarray(0, compared));
		if (looksLikeH2 && seen.length < H2_PREFACE.length) return;
		// From here the server of that protocol keeps its own timeouts.
		socket.setTimeout(0);
		socket.off('timeout', onTimeout);
		socket.off('data', onData);
		socket.pause();
		socket.unshift(seen);
		if (looksLikeH2) {
			// Node's HTTP/2 session takes over the socket and reads what was put back itself.
			h2.emit('connection', socket);
		} else {
			// The HTTP/1.1 parser waits for data events, so the paused socket has to flow again.
			h1.emit('connection', socket);
			socket.resume();
		}
	};
	socket.on('data', onData);
}

/**
 * A request's abort, its AbortController made only when its signal is asked for: only answers sent as
 * they are produced (event streams, big answers in pieces) use it, and one made for every request cost
 * 3.7 µs (warm), beside the 250–450 µs of CPU a shard's GetRecords takes in the engine at the start of a
 * tail (bench/tailStart.ts).
 */
class RequestAbort {
	private controller: AbortController | undefined;
	private aborted = false;

	get signal(): AbortSignal {
		if (!this.controller) {
			this.controller = new AbortController();
			if (this.aborted) this.controller.abort();
		}
		return this.controller.signal;
	}

	abort(): void {
		this.aborted = true;
		this.controller?.abort();
	}
}

async function serve(
	options: ServerOptions,
	request: IncomingMessage | Http2ServerRequest,
	response: ServerResponse | Http2ServerResponse,
	abort: RequestAbort,
	requestMs: number,
) {
	try {
		const declared = Number(request.headers['content-length'] ?? 0);
		if (declared > options.maxBodyBytes) return refuseTooLarge(request, response, declared, options.maxBodyBytes);
		// Node's HTTP/1.1 server times out a slow body itself (requestTimeout); an HTTP/2 stream is timed here.
		const body = await readBody(request, options.maxBodyBytes, 'stream' in request ? requestMs : undefined);
		if (body === 'too large') return refuseTooLarge(request, response, undefined, options.maxBodyBytes);
		if (body === 'too slow') return refuseTooSlow(response as Http2ServerResponse);
		let reply: WireResponse;
		try {
			reply = await options.handle({
				method: request.method ?? 'GET',
				url: request.url ?? '/',
				headers: request.headers,
				body,
				get signal() {
					return abort.signal;
				},
			});
		} finally {
			// The request is answered: nothing keeps its body (a CBOR blob is a view of it, but the write path copies records).
			releasePiece(body);
		}
		if (reply.stream) return await sendStream(response, reply.status, reply.headers, reply.stream, abort.signal);
		response.writeHead(reply.status, {...reply.headers, 'content-length': String(Buffer.byteLength(reply.body))});
		response.end(reply.body, () => releasePiece(reply.body));
	} catch {
		// The client went away mid-request; there is nobody to answer.
		if (!response.headersSent) response.destroy?.();
	}
}

/** Writes each part as it is produced (HTTP/1.1 chunks or HTTP/2 DATA frames), waiting for the client to take them in. */
async function sendStream(
	response: ServerResponse | Http2ServerResponse,
	status: number,
	headers: Record<string, string>,
	parts: AsyncIterable<Uint8Array>,
	signal: AbortSignal,
): Promise<void> {
	// Without a length, Node's HTTP/1.1 response is chunked.
	response.writeHead(status, headers);
	for await (const part of parts) {
		if (signal.aborted) break;
		if (!(response.write as (chunk: Uint8Array, written: () => void) => boolean)(part, () => releasePiece(part)))
			await drained(response, signal);
	}
	// Also when the engine stops: the client then sees the stream end rather than break off.
	response.end();
}

function drained(response: ServerResponse | Http2ServerResponse, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			response.off('drain', done);
			signal.removeEventListener('abort', done);
			resolve();
		};
		response.once('drain', done);
		signal.addEventListener('abort', done, {once: true});
	});
}

/**
 * A body's chunks in one buffer, pooled (given back once the request is answered): a PutRecords body of
 * 500 records is about 90 KB, and fresh memory outside the JS heap for each made V8 run a full
 * collection every few dozen requests under load.
 */
function joined(chunks: readonly Buffer[], length: number): Buffer {
	const whole = takePieceBuffer(length);
	let at = 0;
	for (const chunk of chunks) {
		whole.set(chunk, at);
		at += chunk.length;
	}
	return whole.subarray(0, length);
}

/** The whole body; or, with the rest left unread, 'too large' once it passes the limit and 'too slow' when it has not ended within timeoutMs. */
function readBody(
	request: IncomingMessage | Http2ServerRequest,
	limit: number,
	timeoutMs: number | undefined,
): Promise<Buffer | 'too large' | 'too slow'> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let length = 0;
		let stopped = false;
		const stop = (outcome: 'too large' | 'too slow') => {
			stopped = true;
			clearTimeout(timer);
			request.off('data', onData);
			request.pause();
			resolve(outcome);
		};
		const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop('too slow'), timeoutMs);
		const onData = (chunk: Buffer) => {
			length += chunk.length;
			if (length > limit) return stop('too large');
			chunks.push(chunk);
		};
		request.on('data', onData);
		request.once('end', () => {
			clearTimeout(timer);
			// After a refusal nothing takes the body: no pooled buffer is joined for it.
			if (stopped) return;
			resolve(chunks.length === 1 ? (chunks[0] as Buffer) : joined(chunks, length));
		});
		request.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		request.once('aborted', () => {
			clearTimeout(timer);
			reject(new Error('aborted'));
		});
	});
}

/** As Node's HTTP/1.1 server answers a request that took too long: 408, then the stream reset so that the client stops. */
function refuseTooSlow(response: Http2ServerResponse): void {
	// END_STREAM on the HEADERS frame itself, so that the answer is whole before the reset follows it.
	response.stream.respond({':status': 408, 'content-length': '0'}, {endStream: true});
	response.stream.close(http2.constants.NGHTTP2_NO_ERROR);
}

function refuseTooLarge(
	request: IncomingMessage | Http2ServerRequest,
	response: ServerResponse | Http2ServerResponse,
	declared: number | undefined,
	limit: number,
): void {
	const body = JSON.stringify(
		wireError(serializationError(`Request body of ${declared ?? 'more than ' + limit} bytes is larger than the ${limit} bytes accepted.`)),
	);
	const headers = {'content-type': 'application/x-amz-json-1.1', 'content-length': String(Buffer.byteLength(body))};
	if ('stream' in response) {
		response.writeHead(413, headers);
		response.end(body);
		// What the client still sends is read and dropped, not left to pile up; once the whole answer is
		// out (END_STREAM sent: a reset any earlier could overtake it), RST_STREAM with NO_ERROR tells it
		// to stop sending, as RFC 9113 (8.1) has a server do when it answers before the request has ended.
		const {stream} = response;
		request.on('data', () => {
			if (stream.state.localClose && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
		});
		request.resume();
	} else {
		// Closing is the only way to stop an HTTP/1.1 client from sending the rest.
		response.writeHead(413, {...headers, connection: 'close'});
		response.end(body, () => response.socket?.destroy());
	}
}
