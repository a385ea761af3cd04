import net, {type Socket} from 'node:net';
import tls from 'node:tls';
import type {HttpRequest as Request} from '@smithy/types';
import {CallSlots, abortError, closedError, connectTimeoutError, linkedSignal} from '../httpHandlers.js';
import {WindowedMinimum} from '../windowedMinimum.js';

/**
 * HTTP/1.1 with keep-alive for a shard reader's two calls (aws/directReads.ts): each request one socket
 * write, each answer read whole (by its Content-Length, its chunks, or to the connection's end) into one
 * buffer. A tail's start is thousands of these calls, and its CPU is the console's: Node's HTTP client
 * with the SDK's handler took 540–570 µs a call while cold, this 350 (`BENCH_START_ROUNDS=1 node --import
 * tsx bench/tailStart.ts`: every shard of 2,000 read after 1.7 s against 2.3); undici's pool was no faster.
 * Every other call keeps the SDK's handler (httpHandlers.ts), whose behaviour this keeps: at most
 * `maxSockets` calls out, the others waiting where an abort drops them; a connection that has not
 * connected within `connectionTimeoutMs` ends with ETIMEDOUT; an answer silent for `socketTimeoutMs` ends
 * with a TimeoutError; an abort with an AbortError; the connection's close (`closed`) ends every call and
 * refuses the next ones. Errors carry the names and codes the SDK's handler gives (aws/errors.ts reads them).
 */
export interface ShardHttpOptions {
	readonly socketTimeoutMs: number;
	readonly connectionTimeoutMs: number;
	readonly maxSockets: number;
	readonly closed: AbortSignal;
	/** Certificates to trust instead of Node's own (tests); Node's otherwise. */
	readonly ca?: string | Buffer;
}

/** An answer as the SDK's protocol reads it, its body in one piece. */
export interface ShardHttpResponse {
	readonly statusCode: number;
	readonly headers: Record<string, string>;
	readonly body: Uint8Array;
}

interface Exchange {
	readonly resolve: (response: ShardHttpResponse) => void;
	readonly reject: (error: Error) => void;
	/** Whether any of the answer has arrived: a reused connection that ends before that may be retried. */
	answered: boolean;
}

/** How long the shortest round trip seen counts: as TCP's BBR keeps its min_rtt (Linux's net/ipv4/tcp_bbr.c: "min_rtt = windowed_min(rtt, 10 seconds)"). */
export const ROUND_TRIP_WINDOW_MS = 10_000;

export class ShardHttp {
	private readonly pools = new Map<string, Pool>();
	/** Connections to an origin at most, each carrying one call at a time. */
	readonly maxSockets: number;
	private readonly roundTrips = new WindowedMinimum(ROUND_TRIP_WINDOW_MS);

	constructor(private readonly options: ShardHttpOptions) {
		this.maxSockets = options.maxSockets;
		options.closed.addEventListener('abort', () => {
			for (const pool of this.pools.values()) pool.close();
		});
	}

	private secureContext: tls.SecureContext | undefined;

	/** One TLS context for every connection: made for each, it was a quarter of a handshake's CPU (1.5 ms here). */
	private tlsContext(): tls.SecureContext {
		return (this.secureContext ??= tls.createSecureContext(this.options.ca === undefined ? {} : {ca: this.options.ca}));
	}

	/**
	 * The shortest round trip of the last ROUND_TRIP_WINDOW_MS, in ms: from a request's write to its whole
	 * answer, on a connection already open (a new one's would count its TCP and TLS setup too). Undefined
	 * before one is seen.
	 */
	roundTripMs(): number | undefined {
		return this.roundTrips.value(performance.now());
	}

	/** Sends the request; resolves with the whole answer, whatever its status. */
	async request(request: Request, signal: AbortSignal): Promise<ShardHttpResponse> {
		if (this.options.closed.aborted) throw closedError();
		const port = request.port ?? (request.protocol === 'https:' ? 443 : 80);
		const key = `${request.protocol}//${request.hostname}:${port}`;
		let pool = this.pools.get(key);
		if (!pool) {
			const secureContext = request.protocol === 'https:' ? this.tlsContext() : undefined;
			const roundTrip = (ms: number) => this.roundTrips.add(ms, performance.now());
			this.pools.set(key, (pool = new Pool(secureContext, request.hostname, port, this.options, roundTrip)));
		}
		return pool.request(wireRequest(request, port), signal);
	}
}

/** The request as it goes on the wire: the head and the body in one string. */
function wireRequest(request: Request, port: number): string {
	const body = typeof request.body === 'string' ? request.body : '';
	const defaultPort = request.protocol === 'https:' ? 443 : 80;
	const host = request.hostname.includes(':') ? `[${request.hostname}]` : request.hostname;
	// The host as signed (aws/shardCallRequest.ts), else as the URL names it.
	const hostHeader = request.headers.host ?? (port === defaultPort ? host : `${host}:${port}`);
	let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${hostHeader}\r\n`;
	for (const [name, value] of Object.entries(request.headers)) {
		const lower = name.toLowerCase();
		if (lower === 'host' || lower === 'content-length') continue;
		// As Node's client refuses them: a line break in a value would start another header.
		if (/[\r\n]/.test(value))
			throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), {code: 'ERR_INVALID_CHAR'});
		head += `${name}: ${value}\r\n`;
	}
	return `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The connections to one origin. */
class Pool {
	private readonly idle: Connection[] = [];
	private readonly connections = new Set<Connection>();
	/** Calls out, each on a connection of its own: no more connections are ever open than `maxSockets`. */
	private readonly slots: CallSlots;

	/**
	 * The origin's last TLS session, offered on the next connection to resume it (as Node's HTTPS agent
	 * keeps its sessions): a far region's start opens a few hundred connections at once.
	 */
	private session: Buffer | undefined;

	constructor(
		/** The TLS context of an https origin; undefined for plain HTTP. */
		private readonly secureContext: tls.SecureContext | undefined,
		private readonly host: string,
		private readonly port: number,
		private readonly options: ShardHttpOptions,
		private readonly roundTrip: (ms: number) => void,
	) {
		this.slots = new CallSlots(options.maxSockets);
	}

	async request(wire: string, own: AbortSignal): Promise<ShardHttpResponse> {
		// Aborted by the caller or by the connection's close; one link per caller's signal, kept (httpHandlers.ts).
		const signal = linkedSignal(own, this.options.closed);
		const ended = () => endedBy(signal, this.options.closed);
		if (signal.aborted) throw ended();
		await this.slots.take(signal, ended);
		let connection: Connection | undefined;
		try {
			if (signal.aborted) throw ended();
			const reused = this.idle.pop();
			try {
				connection = reused ?? this.connect();
				return await connection.exchange(wire, signal);
			} catch (error) {
				if (this.options.closed.aborted) throw closedError();
				// A kept-alive connection the server closed as this request went out: once more, on a new one
				// that takes its place (the two calls only read).
				if (!reused || !connection?.endedUnanswered || signal.aborted) throw error;
				this.connections.delete(connection);
				connection = this.connect();
				return await connection.exchange(wire, signal);
			}
		} finally {
			this.giveBack(connection);
		}
	}

	close(): void {
		for (const connection of this.connections) connection.destroy(closedError());
	}

	private connect(): Connection {
		const connection = new Connection(this.socket(), this.options, () => this.ended(connection), this.roundTrip);
		this.connections.add(connection);
		return connection;
	}

	/** An idle connection ended (the server closed it, or the connection's close): it leaves the pool. */
	private ended(connection: Connection): void {
		const at = this.idle.indexOf(connection);
		if (at < 0) return;
		this.idle.splice(at, 1);
		this.connections.delete(connection);
	}

	private socket(): Socket {
		const {host, port, secureContext} = this;
		if (!secureContext) return net.connect({host, port});
		const socket = tls.connect({
			host,
			port,
			...(net.isIP(host) === 0 ? {servername: host} : {}),
			ALPNProtocols: ['http/1.1'],
			secureContext,
			...(this.session === undefined ? {} : {session: this.session}),
		});
		socket.on('session', (session: Buffer) => {
			this.session = session;
		});
		// A session that failed a connection is not offered again (nor is it, by Node's agent).
		socket.once('error', () => {
			this.session = undefined;
		});
		return socket;
	}

	/** A call is over: its connection, if it had one, is kept for the next if it can be, and its slot goes to the next waiting call. */
	private giveBack(connection: Connection | undefined): void {
		if (connection?.reusable && !this.options.closed.aborted) {
			connection.park();
			this.idle.push(connection);
		} else if (connection) {
			this.connections.delete(connection);
			connection.destroy();
		}
		this.slots.release();
	}
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** An answer's head larger than this is no answer of AWS's. */
const MAX_HEAD_BYTES = 64 * 1024;

/** One connection: one exchange at a time, its answer parsed as it arrives. */
class Connection {
	private exchangeUnderWay: Exchange | undefined;
	private received: Buffer[] = [];
	private receivedBytes = 0;
	private head: Head | undefined;
	private keepAlive = true;
	private failed = false;
	/** Whether the connection ended before any of an exchange's answer arrived. */
	endedUnanswered = false;
	/** Exchanges answered whole on this connection. */
	private answered = 0;
	/** When the exchange under way was written. */
	private sentAt = 0;

	constructor(
		private readonly socket: Socket,
		private readonly options: ShardHttpOptions,
		/** Called when the connection ends while no exchange is under way. */
		private readonly endedIdle: () => void,
		/** Told each round trip of an exchange after the connection's first. */
		private readonly roundTrip: (ms: number) => void,
	) {
		socket.setNoDelay(true);
		// As Node's agent keeps its sockets: TCP keep-alive probes, so that a connection a network dropped is found out.
		socket.setKeepAlive(true, 1000);
		const connectTimer = setTimeout(() => {
			this.destroy(connectTimeoutError(options.connectionTimeoutMs));
		}, options.connectionTimeoutMs);
		socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
		socket.on('data', (chunk: Buffer) => this.onData(chunk));
		socket.on('timeout', () => {
			if (this.exchangeUnderWay)
				this.destroy(Object.assign(new Error(`Connection timed out after ${options.socketTimeoutMs} ms`), {name: 'TimeoutError'}));
		});
		socket.on('error', (error) => this.fail(error, true));
		socket.on('close', () => {
			clearTimeout(connectTimer);
			const exchange = this.exchangeUnderWay;
			// An answer that runs to the end of the connection is whole once the connection ends.
			if (exchange && this.head?.framing === 'to the end') return this.finish(exchange, this.joined().subarray(this.head.bodyStart));
			this.fail(hangUpError(), true);
		});
	}

	get reusable(): boolean {
		return this.keepAlive && !this.failed && this.exchangeUnderWay === undefined;
	}

	exchange(wire: string, signal: AbortSignal): Promise<ShardHttpResponse> {
		if (this.failed) {
			this.endedUnanswered = true;
			return Promise.reject(hangUpError());
		}
		if (signal.aborted) return Promise.reject(endedBy(signal, this.options.closed));
		return new Promise((resolve, reject) => {
			const abort = () => this.destroy(endedBy(signal, this.options.closed));
			signal.addEventListener('abort', abort, {once: true});
			this.exchangeUnderWay = {
				resolve: (response) => {
					signal.removeEventListener('abort', abort);
					resolve(response);
				},
				reject: (error) => {
					signal.removeEventListener('abort', abort);
					reject(error);
				},
				answered: false,
			};
			this.endedUnanswered = false;
			this.socket.ref();
			this.socket.setTimeout(this.options.socketTimeoutMs);
			this.sentAt = performance.now();
			this.socket.write(wire);
		});
	}

	/** Between calls: no timer, and nothing that keeps the process alive. */
	park(): void {
		this.socket.setTimeout(0);
		this.socket.unref();
	}

	/** Ends the connection; a call under way fails with `error`, and is not one to send again. */
	destroy(error?: Error): void {
		if (error) this.fail(error, false);
		this.socket.destroy();
	}

	/**
	 * The connection is over; a call under way fails with `error`. `hungUp`: the other side ended it
	 * (not a timeout, an abort or the close), so a call it had not begun to answer may go again.
	 */
	private fail(error: Error, hungUp: boolean): void {
		if (this.failed) return;
		this.failed = true;
		this.socket.destroy();
		const exchange = this.exchangeUnderWay;
		this.exchangeUnderWay = undefined;
		if (!exchange) return this.endedIdle();
		this.endedUnanswered = hungUp && !exchange.answered;
		exchange.reject(error);
	}

	private onData(chunk: Buffer): void {
		const exchange = this.exchangeUnderWay;
		if (!exchange) {
			// Bytes nobody asked for: the connection can no longer be trusted to frame the next answer.
			this.destroy();
			return;
		}
		exchange.answered = true;
		this.received.push(chunk);
		this.receivedBytes += chunk.length;
		try {
			this.parse(exchange, chunk);
		} catch (error) {
			this.destroy(error as Error);
		}
	}

	/** The bytes received so far in one buffer. */
	private joined(): Buffer {
		if (this.received.length !== 1) this.received = [Buffer.concat(this.received, this.receivedBytes)];
		return this.received[0] as Buffer;
	}

	private parse(exchange: Exchange, latest: Buffer): void {
		if (!this.head) {
			const data = this.joined();
			const end = data.indexOf(HEAD_END);
			if (end < 0) {
				if (data.length > MAX_HEAD_BYTES) throw protocolError('an answer head longer than 64 KiB');
				return;
			}
			const head = parseHead(data.toString('latin1', 0, end), end + HEAD_END.length);
			if (head.statusCode < 200) {
				// An interim answer (100 Continue, never asked for): the real one follows.
				const rest = data.subarray(head.bodyStart);
				this.received = rest.length > 0 ? [rest] : [];
				this.receivedBytes = rest.length;
				if (rest.length > 0) this.parse(exchange, rest);
				return;
			}
			this.head = head;
			this.keepAlive = head.keepAlive && head.framing !== 'to the end';
		}
		const head = this.head;
		if (head.framing === 'to the end') return;
		if (typeof head.framing === 'number') {
			// Joined once, when the whole body is in: a body of megabytes arrives in many pieces.
			const end = head.bodyStart + head.framing;
			if (this.receivedBytes < end) return;
			if (this.receivedBytes > end) this.keepAlive = false;
			this.finish(exchange, this.joined().subarray(head.bodyStart, end));
			return;
		}
		// Chunked: whole only once the data ends with the empty line after the last chunk (nothing follows an answer).
		if (this.receivedBytes - head.bodyStart < 5 || !endsWith(latest, this.received, HEAD_END)) return;
		const body = chunkedBody(this.joined(), head.bodyStart);
		if (body) this.finish(exchange, body);
	}

	private finish(exchange: Exchange, body: Uint8Array): void {
		const {statusCode, headers} = this.head as Head;
		this.head = undefined;
		this.received = [];
		this.receivedBytes = 0;
		this.exchangeUnderWay = undefined;
		if (this.answered++ > 0) this.roundTrip(performance.now() - this.sentAt);
		exchange.resolve({statusCode, headers, body});
	}
}

interface Head {
	readonly statusCode: number;
	readonly headers: Record<string, string>;
	readonly keepAlive: boolean;
	/** Where the body starts in the bytes received. */
	readonly bodyStart: number;
	/** How the body's end is known: its length, its chunks, or the connection's end. */
	readonly framing: number | 'chunked' | 'to the end';
}

/** Whether the bytes received (the latest piece last) end with `suffix`. */
function endsWith(latest: Buffer, received: readonly Buffer[], suffix: Buffer): boolean {
	if (latest.length >= suffix.length) return latest.subarray(latest.length - suffix.length).equals(suffix);
	const all = Buffer.concat(received);
	return all.length >= suffix.length && all.subarray(all.length - suffix.length).equals(suffix);
}

/** An answer's status line and headers (names in lower case, repeated ones joined by commas), and how its body ends. */
function parseHead(text: string, bodyStart: number): Head {
	const lines = text.split('\r\n');
	const status = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
	if (!status) throw protocolError(`an answer that is not HTTP/1.x (${JSON.stringify((lines[0] ?? '').slice(0, 40))})`);
	const headers: Record<string, string> = {};
	for (let index = 1; index < lines.length; index++) {
		const line = lines[index] as string;
		const colon = line.indexOf(':');
		if (colon <= 0) throw protocolError('a header line without a name');
		const name = line.slice(0, colon).trim().toLowerCase();
		// Not a name a plain object can take as a key.
		if (name === '__proto__') continue;
		const value = line.slice(colon + 1).trim();
		headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
	}
	const connection = (headers.connection ?? '').toLowerCase();
	const keepAlive = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
	return {statusCode: Number(status[2]), headers, keepAlive, bodyStart, framing: framingOf(Number(status[2]), headers)};
}

function framingOf(statusCode: number, headers: Record<string, string>): Head['framing'] {
	// No body, whatever the headers say (RFC 9112, 6.3).
	if (statusCode === 204 || statusCode === 304) return 0;
	if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) return 'chunked';
	const declared = headers['content-length'];
	if (declared === undefined) return 'to the end';
	const length = Number(declared);
	if (!/^\d+$/.test(declared) || !Number.isSafeInteger(length)) throw protocolError(`a Content-Length of ${JSON.stringify(declared)}`);
	return length;
}

/** A chunked body from `start` (chunk extensions and trailers ignored), or undefined if it is not all there. */
function chunkedBody(data: Buffer, start: number): Uint8Array | undefined {
	const pieces: Buffer[] = [];
	let at = start;
	for (;;) {
		const lineEnd = data.indexOf(CRLF, at);
		if (lineEnd < 0) return undefined;
		const sizeText = (data.toString('latin1', at, lineEnd).split(';')[0] ?? '').trim();
		const size = Number.parseInt(sizeText, 16);
		if (!/^[0-9a-fA-F]+$/.test(sizeText) || !Number.isSafeInteger(size)) throw protocolError('a chunk without a size');
		if (size === 0) return Buffer.concat(pieces);
		const chunkStart = lineEnd + CRLF.length;
		if (data.length < chunkStart + size + CRLF.length) return undefined;
		pieces.push(data.subarray(chunkStart, chunkStart + size));
		at = chunkStart + size + CRLF.length;
	}
}

/** The other side ended the connection before the answer was whole: Node's client's error for it. */
function hangUpError(): Error {
	return Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'});
}

function protocolError(what: string): Error {
	return Object.assign(new Error(`The endpoint sent ${what}.`), {code: 'ERR_INVALID_HTTP_RESPONSE'});
}

/** The error of a call its signal (linked to the connection's close) ended: the close's, or the caller's abort's. */
function endedBy(signal: AbortSignal, closed: AbortSignal): Error {
	return closed.aborted ? closedError() : abortError(signal);
}
