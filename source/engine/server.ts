import http, {type IncomingMessage, type ServerResponse} from 'node:http';
import http2, {type Http2ServerRequest, type Http2ServerResponse, type Http2Session} from 'node:http2';
import net, {type AddressInfo, type Socket} from 'node:net';
import type {WireRequest, WireResponse} from './protocol/dispatch.js';

/**
 * One TCP port for HTTP/1.1 and prior-knowledge HTTP/2 (h2c): the first bytes of each connection
 * tell which, and the connection is handed to Node's server for that version. The AWS SDK for
 * JavaScript v3 sends every Kinesis call over HTTP/2; the AWS CLI and most other clients use HTTP/1.1.
 */
export interface ServerOptions {
	readonly host: string;
	readonly port: number;
	/** Bodies larger than this are refused with 413 before they are read. */
	readonly maxBodyBytes: number;
	readonly handle: (request: WireRequest) => Promise<WireResponse>;
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
	const track = (work: Promise<void>) => {
		inFlight.add(work);
		void work.finally(() => inFlight.delete(work));
	};
	const onRequest = (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => {
		track(serve(options, request, response));
	};

	const h1 = http.createServer({keepAliveTimeout: 60_000, headersTimeout: 30_000, requestTimeout: 120_000}, onRequest);
	const h2 = http2.createServer({settings: {initialWindowSize: H2_WINDOW_BYTES, maxConcurrentStreams: 1000}}, onRequest);
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
		routeByPreface(socket, h1, h2);
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
			await Promise.allSettled([...inFlight]);
			for (const session of sessions) session.close();
			h1.closeAllConnections();
			for (const socket of sockets) socket.destroy();
			await stopped;
		},
	};
}

/** Reads just enough of a new connection to tell HTTP/2's preface from an HTTP/1.1 request line. */
function routeByPreface(socket: Socket, h1: http.Server, h2: http2.Http2Server): void {
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

async function serve(options: ServerOptions, request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) {
	try {
		const declared = Number(request.headers['content-length'] ?? 0);
		if (declared > options.maxBodyBytes) return refuseTooLarge(response, declared, options.maxBodyBytes);
		const body = await readBody(request, options.maxBodyBytes);
		if (body === undefined) return refuseTooLarge(response, undefined, options.maxBodyBytes);
		const reply = await options.handle({method: request.method ?? 'GET', headers: request.headers, body});
		response.writeHead(reply.status, {...reply.headers, 'content-length': String(Buffer.byteLength(reply.body))});
		response.end(reply.body);
	} catch {
		// The client went away mid-request; there is nobody to answer.
		if (!response.headersSent) response.destroy?.();
	}
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
