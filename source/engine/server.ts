import http, {type IncomingMessage, type ServerResponse} from 'node:http';
import http2, {type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type Http2Session} from 'node:http2';
import net, {type AddressInfo, type Socket} from 'node:net';
import type {WireRequest, WireResponse} from './protocol/dispatch.js';

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

export async function startServer(options: ServerOptions): Promise<RunningServer> {
	const inFlight = new Set<Promise<void>>();
	// One per request under way: aborted when its client goes away or the server closes, which ends streamed answers.
	const aborts = new Set<AbortController>();
	const track = (work: Promise<void>) => {
		inFlight.add(work);
		void work.finally(() => inFlight.delete(work));
	};
	const onRequest = (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => {
		const abort = new AbortController();
		aborts.add(abort);
		response.once('close', () => {
			abort.abort();
			aborts.delete(abort);
		});
		track(serve(options, request, response, abort.signal));
	};

	const h1 = http.createServer({keepAliveTimeout: 60_000, headersTimeout: 30_000, requestTimeout: 120_000}, onRequest);
	const h2Settings = {settings: {initialWindowSize: H2_WINDOW_BYTES, maxConcurrentStreams: 1000}};
	const h2: http2.Http2Server | Http2SecureServer = options.tls
		? http2.createSecureServer({...h2Settings, cert: options.tls.cert, key: options.tls.key, allowHTTP1: true}, onRequest)
		: http2.createServer(h2Settings, onRequest);
	const sessions = new Set<Http2Session>();
	h2.on('session', (session: Http2Session) => {
		sessions.add(session);
		session.on('close', () => sessions.delete(session));
		session.on('localSettings', () => session.setLocalWindowSize(H2_WINDOW_BYTES));
	});
	const sockets = new Set<Socket>();
	const tcp = net.createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		// Over TLS the secure server reads the handshake, and ALPN (with allowHTTP1) picks the protocol.
		if (options.tls) h2.emit('connection', socket);
		else routeByPreface(socket, h1, h2);
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
			for (const socket of sockets) socket.destroy();
			await stopped;
		},
	};
}

/** Reads just enough of a new connection to tell HTTP/2's preface from an HTTP/1.1 request line. */
function routeByPreface(socket: Socket, h1: http.Server, h2: http2.Http2Server | Http2SecureServer): void {
	let seen: Buffer = Buffer.alloc(0);
	const onData = (chunk: Buffer) => {
		seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
		const compared = Math.min(seen.length, H2_PREFACE.length);
		const looksLikeH2 = seen.subarray(0, compared).equals(H2_PREFACE.subarray(0, compared));
		if (looksLikeH2 && seen.length < H2_PREFACE.length) return;
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

async function serve(
	options: ServerOptions,
	request: IncomingMessage | Http2ServerRequest,
	response: ServerResponse | Http2ServerResponse,
	signal: AbortSignal,
) {
	try {
		const declared = Number(request.headers['content-length'] ?? 0);
		if (declared > options.maxBodyBytes) return refuseTooLarge(response, declared, options.maxBodyBytes);
		const body = await readBody(request, options.maxBodyBytes);
		if (body === undefined) return refuseTooLarge(response, undefined, options.maxBodyBytes);
		const reply = await options.handle({method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body, signal});
		if (reply.stream) return await sendStream(response, reply.status, reply.headers, reply.stream, signal);
		response.writeHead(reply.status, {...reply.headers, 'content-length': String(Buffer.byteLength(reply.body))});
		response.end(reply.body);
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
		if (!(response.write as (chunk: Uint8Array) => boolean)(part)) await drained(response, signal);
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

/** The whole body, or undefined once it passes the limit (the rest is not read). */
function readBody(request: IncomingMessage | Http2ServerRequest, limit: number): Promise<Buffer | undefined> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let length = 0;
		const onData = (chunk: Buffer) => {
			length += chunk.length;
			if (length > limit) {
				request.off('data', onData);
				request.pause();
				resolve(undefined);
				return;
			}
			chunks.push(chunk);
		};
		request.on('data', onData);
		request.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length)));
		request.once('error', reject);
		request.once('aborted', () => reject(new Error('aborted')));
	});
}

function refuseTooLarge(response: ServerResponse | Http2ServerResponse, declared: number | undefined, limit: number): void {
	const body = JSON.stringify({
		__type: 'SerializationException',
		message: `Request body of ${declared ?? 'more than ' + limit} bytes is larger than the ${limit} bytes accepted.`,
	});
	const headers = {'content-type': 'application/x-amz-json-1.1', 'content-length': String(Buffer.byteLength(body))};
	if ('stream' in response) {
		response.writeHead(413, headers);
		response.end(body);
	} else {
		// Closing is the only way to stop an HTTP/1.1 client from sending the rest.
		response.writeHead(413, {...headers, connection: 'close'});
		response.end(body, () => response.socket?.destroy());
	}
}
