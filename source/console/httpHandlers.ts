import {setMaxListeners} from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type {Socket} from 'node:net';
import {StandardRetryStrategy} from '@smithy/core/retry';
import {NodeHttp2Handler, NodeHttpHandler} from '@smithy/node-http-handler';
import {requestSignal} from './aws/callSignals.js';

/**
 * The SDK clients' transport, made to end with the connection: once `closed` aborts, every call in
 * flight is aborted, every call still to come is refused at once, and no timer of theirs is left
 * holding the process. Without it, quitting waited for calls made without a signal of their own (the
 * agent opens new sockets for queued requests after its sockets are destroyed), for the SDK's waits
 * between retries, and for the node handler's connection timers.
 */

type HandleOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;
type Http2HandleOptions = NonNullable<Parameters<NodeHttp2Handler['handle']>[1]>;
type RetryToken = Awaited<ReturnType<StandardRetryStrategy['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1];

/** The error a call ends with once the connection is closed; like an aborted call's, so no retry policy retries it. */
export const closedError = () => Object.assign(new Error('The connection was closed.'), {name: 'AbortError'});

/** The error a call ends with when its own signal aborts, as the SDK's handler words it. */
export const abortError = (signal: AbortSignal) => Object.assign(new Error('Request aborted'), {name: 'AbortError', cause: signal.reason});

/** The error of a connection not made within `ms` (described as "the connection timed out"). */
export const connectTimeoutError = (ms: number) =>
	Object.assign(new Error(`connect ETIMEDOUT: no connection within ${ms} ms`), {code: 'ETIMEDOUT'});

/** A signal that every call of the connection listens to: one listener per call in flight, thousands in a big tail. */
export function connectionSignal(): AbortController {
	const controller = new AbortController();
	setMaxListeners(0, controller.signal);
	return controller;
}

/**
 * Runs a call with a signal that aborts when the caller's does or when the connection closes. The
 * caller's signal is linked to the connection's once (AbortSignal.any, which holds neither alive) and
 * the link kept while the caller's signal lives: a tail's thousands of readers share one signal, and
 * each of its hundreds of calls a second would otherwise add and remove two listeners, one of them on
 * a signal that lives as long as the process.
 */
async function untilClosed<O extends {abortSignal?: unknown}, R>(
	closed: AbortSignal,
	request: unknown,
	options: O,
	handle: (options: O & {abortSignal: AbortSignal}) => Promise<R>,
): Promise<R> {
	if (closed.aborted) throw closedError();
	// The SDK hands on the signal the caller gave send(), or the call's signal was kept (aws/callSignals.ts):
	// the console gives only the platform's AbortSignal.
	const own = options.abortSignal instanceof AbortSignal ? options.abortSignal : requestSignal(request);
	return handle({...options, abortSignal: own ? linkedSignal(own, closed) : closed});
}

const links = new WeakMap<AbortSignal, AbortSignal>();

/** A signal that aborts when either does, with the reason of the first (the caller's when both are). */
export function linkedSignal(own: AbortSignal, closed: AbortSignal): AbortSignal {
	let linked = links.get(own);
	if (!linked) {
		linked = AbortSignal.any([own, closed]);
		// Every call in flight on it listens: thousands in a big tail, past Node's warning at 10.
		setMaxListeners(0, linked);
		links.set(own, linked);
	}
	return linked;
}

/** Sockets per endpoint, as the AWS CLI's default (and as many again for the shard calls: aws/shardHttp.ts). */
export const MAX_SOCKETS = 50;

/**
 * At most `limit` calls out at once; the others wait in order, where an abort just drops them. Both
 * HTTP/1.1 transports (the handler below and aws/shardHttp.ts) keep their calls to their sockets so.
 */
export class CallSlots {
	private out = 0;
	/** Calls waiting for a slot, in order; each entry starts its call. */
	private readonly waiting = new Set<() => void>();

	constructor(private readonly limit: number) {}

	/** Resolves once the call has a slot; rejects with `aborted()` if `signal` aborts first. */
	take(signal: AbortSignal, aborted: () => Error): Promise<void> {
		if (this.out < this.limit) {
			this.out++;
			return Promise.resolve();
		}
		return new Promise((resolve, reject) => {
			const start = () => {
				this.waiting.delete(start);
				signal.removeEventListener('abort', abort);
				this.out++;
				resolve();
			};
			const abort = () => {
				this.waiting.delete(start);
				reject(aborted());
			};
			this.waiting.add(start);
			signal.addEventListener('abort', abort, {once: true});
		});
	}

	/** A call with a slot is over: the next waiting call starts. */
	release(): void {
		this.out--;
		const next = this.waiting.values().next();
		if (!next.done) next.value();
	}
}

/**
 * HTTP/1.1 with keep-alive, as the AWS CLI talks; its calls end when `closed` aborts. At most one call
 * per socket is handed to the agent: the others wait here, where an abort just drops them. Queued in
 * the agent instead (a tail of thousands of shards queued thousands), each aborted call was handed a
 * socket in turn to be let go, and carried the SDK's timers and warnings while it waited.
 */
export class ClosingHttpHandler extends NodeHttpHandler {
	private readonly slots = new CallSlots(MAX_SOCKETS);

	constructor(
		options: {readonly socketTimeoutMs: number; readonly connectionTimeoutMs: number},
		private readonly closed: AbortSignal,
	) {
		super({
			httpAgent: withConnectTimeout(new http.Agent({keepAlive: true, maxSockets: MAX_SOCKETS}), options.connectionTimeoutMs),
			httpsAgent: withConnectTimeout(new https.Agent({keepAlive: true, maxSockets: MAX_SOCKETS}), options.connectionTimeoutMs),
			// No connectionTimeout here: the handler's own timer runs from the moment a call is made (so a call
			// waiting for a busy socket "times out" connecting), and is left running when the call is aborted
			// before it has a socket, which held the process for seconds after a quit. The agents time each
			// connection instead (withConnectTimeout).
			socketTimeout: options.socketTimeoutMs,
		});
	}

	override handle(request: Parameters<NodeHttpHandler['handle']>[0], options: HandleOptions = {}): ReturnType<NodeHttpHandler['handle']> {
		return untilClosed(this.closed, request, options, async (linked) => {
			const signal = linked.abortSignal;
			await this.slots.take(signal, () => abortError(signal));
			try {
				return await super.handle(request, linked);
			} finally {
				this.slots.release();
			}
		});
	}
}

/** The SDK's HTTP/2 handler as the Kinesis client configures it (for SubscribeToShard); its calls end when `closed` aborts. */
export class ClosingHttp2Handler extends NodeHttp2Handler {
	constructor(private readonly closed: AbortSignal) {
		super({disableConcurrentStreams: true});
	}

	override handle(
		request: Parameters<NodeHttp2Handler['handle']>[0],
		options: Http2HandleOptions = {},
	): ReturnType<NodeHttp2Handler['handle']> {
		return untilClosed(this.closed, request, options, (linked) => super.handle(request, linked));
	}
}

/**
 * Ends a connection attempt that has not connected within `ms`, with ETIMEDOUT (described as "the
 * connection timed out"). Timed per socket, from its creation until it connects or closes: never a
 * timer left behind.
 */
function withConnectTimeout<A extends http.Agent>(agent: A, ms: number): A {
	// createConnection is the agent's documented hook for making its sockets; typed loosely by @types/node.
	const create = (agent as unknown as {createConnection: (...args: unknown[]) => Socket}).createConnection.bind(agent);
	(agent as unknown as {createConnection: (...args: unknown[]) => Socket}).createConnection = (...args: unknown[]) => {
		const socket = create(...args);
		if (!socket.connecting) return socket;
		const timer = setTimeout(() => socket.destroy(connectTimeoutError(ms)), ms);
		const clear = () => clearTimeout(timer);
		socket.once('connect', clear);
		socket.once('close', clear);
		return socket;
	};
	return agent;
}

/**
 * The SDK's standard retries (its decisions: which errors, how many attempts, its retry quota) with
 * the wait between attempts done here, where it ends when the connection closes. The SDK's own wait
 * is a timer it does not clear when the call is aborted, which kept the process alive for up to the
 * backoff (1 s then 2 s for throttling, up to 20 s) after a quit.
 */
export class ClosingRetryStrategy extends StandardRetryStrategy {
	constructor(
		maxAttempts: () => Promise<number>,
		private readonly closed: AbortSignal,
	) {
		super(maxAttempts);
		// The backoff the SDK would wait is worked out in refreshRetryTokenForRetry instead; its own wait is none.
		this.retryBackoffStrategy.computeNextBackoffDelay = () => 0;
	}

	override async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
		// An aborted call is never retried: said at once, without the SDK's verdict and the error it makes for it.
		if ((errorInfo.error as {name?: unknown} | undefined)?.name === 'AbortError') throw errorInfo.error;
		const {retryAfterHint, ...rest} = errorInfo;
		const next = await super.refreshRetryTokenForRetry(token, rest);
		await waitOrClose(retryDelay(token.getRetryCount(), errorInfo.errorType, retryAfterHint), this.closed);
		return next;
	}
}

/** The SDK's standard backoff (@smithy/core's Retry: a base of 50 ms, 1 s when throttled, full jitter, 20 s at most), and a Retry-After within 5 s more. */
function retryDelay(retries: number, errorType: RetryErrorInfo['errorType'], retryAfter: Date | undefined): number {
	const backoff = Math.floor(Math.random() * Math.min((errorType === 'THROTTLING' ? 1_000 : 50) * 2 ** retries, 20_000));
	return retryAfter === undefined ? backoff : Math.max(backoff, Math.min(retryAfter.getTime() - Date.now(), backoff + 5_000));
}

function waitOrClose(ms: number, closed: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (closed.aborted) return reject(closedError());
		const done = () => {
			clearTimeout(timer);
			closed.removeEventListener('abort', abort);
		};
		const abort = () => {
			done();
			reject(closedError());
		};
		const timer = setTimeout(() => {
			done();
			resolve();
		}, ms);
		closed.addEventListener('abort', abort, {once: true});
	});
}
