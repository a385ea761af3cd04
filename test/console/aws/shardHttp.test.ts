import http from 'node:http';
import https from 'node:https';
import net, {type AddressInfo, type Socket} from 'node:net';
import type tls from 'node:tls';
import type {HttpRequest} from '@smithy/types';
import {getEventListeners} from 'node:events';
import {afterEach, describe, expect, it} from 'vitest';
import {ShardHttp, type ShardHttpOptions} from '../../../source/console/aws/shardHttp.js';
import {connectionSignal} from '../../../source/console/httpHandlers.js';
import {hasOpenssl, selfSigned} from '../../helpers/selfSigned.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server on loopback; `sockets` counts the connections it accepted. */
async function listen<S extends net.Server>(server: S): Promise<{port: number; sockets: Socket[]}> {
	const sockets: Socket[] = [];
	server.on('connection', (socket: Socket) => sockets.push(socket));
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	cleanups.push(
		() =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	);
	return {port: (server.address() as AddressInfo).port, sockets};
}

/** An HTTPS server answering `{}`, and whether each TLS connection it accepted resumed a session. */
async function resumingServer(): Promise<{cert: Buffer; port: number; reused: boolean[]}> {
	const {cert, key, remove} = selfSigned('shard-http-tls-');
	cleanups.push(remove);
	const server = https.createServer({cert, key}, (incoming, outgoing) => {
		incoming.resume();
		incoming.on('end', () => outgoing.end('{}'));
	});
	const reused: boolean[] = [];
	server.on('secureConnection', (socket: tls.TLSSocket) => reused.push(socket.isSessionReused()));
	const {port} = await listen(server);
	return {cert, port, reused};
}

function client(options: Partial<ShardHttpOptions> = {}): {http: ShardHttp; close: () => void} {
	const closer = connectionSignal();
	cleanups.push(() => closer.abort());
	return {
		http: new ShardHttp({socketTimeoutMs: 5_000, connectionTimeoutMs: 5_000, maxSockets: 4, closed: closer.signal, ...options}),
		close: () => closer.abort(),
	};
}

const request = (port: number, body = '{"ShardIterator":"AAAA"}', protocol = 'http:'): HttpRequest =>
	({
		protocol,
		hostname: '127.0.0.1',
		port,
		method: 'POST',
		path: '/',
		query: {},
		headers: {host: `127.0.0.1:${port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.GetRecords'},
		body,
	}) as HttpRequest;

const text = (body: Uint8Array) => Buffer.from(body).toString('utf8');
const signal = () => new AbortController().signal;

/** An HTTP server that answers each request with its own method, path, headers and body, as JSON. */
function echoServer(): http.Server {
	return http.createServer((incoming, outgoing) => {
		const chunks: Buffer[] = [];
		incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
		incoming.on('end', () => {
			const echo = JSON.stringify({
				method: incoming.method,
				url: incoming.url,
				headers: incoming.headers,
				body: Buffer.concat(chunks).toString(),
			});
			outgoing.writeHead(200, {'content-type': 'application/json', 'x-amzn-requestid': 'r1'});
			outgoing.end(echo);
		});
	});
}

describe('the shard calls’ HTTP/1.1 transport', () => {
	it('sends the request as signed, reads the answer whole, and keeps one connection alive for the next calls', async () => {
		const {port, sockets} = await listen(echoServer());
		const {http: transport} = client();
		const body = '{"ShardIterator":"AAAA","Limit":10,"é":"ü"}';
		for (let call = 0; call < 3; call++) {
			const answer = await transport.request(request(port, body), signal());
			expect(answer.statusCode).toBe(200);
			expect(answer.headers['x-amzn-requestid']).toBe('r1');
			const echo = JSON.parse(text(answer.body)) as {method: string; url: string; headers: Record<string, string>; body: string};
			expect(echo).toMatchObject({method: 'POST', url: '/', body});
			expect(echo.headers).toMatchObject({
				host: `127.0.0.1:${port}`,
				'content-length': String(Buffer.byteLength(body)),
				'x-amz-target': 'Kinesis_20131202.GetRecords',
			});
		}
		expect(sockets).toHaveLength(1);
	});

	it('reads chunked answers, answers framed by the connection’s end, and an error’s status and body', async () => {
		const {port} = await listen(
			http.createServer((incoming, outgoing) => {
				incoming.resume();
				incoming.on('end', () => {
					if (incoming.url === '/chunked') {
						outgoing.writeHead(200);
						outgoing.write('{"Records":[');
						setTimeout(() => outgoing.end(']}'), 10);
					} else {
						outgoing.writeHead(400, {'x-amzn-errortype': 'ExpiredIteratorException'});
						outgoing.end('{"message":"Iterator expired"}');
					}
				});
			}),
		);
		const {http: transport} = client();
		const chunked = await transport.request({...request(port), path: '/chunked'}, signal());
		expect(text(chunked.body)).toBe('{"Records":[]}');
		const failed = await transport.request({...request(port), path: '/error'}, signal());
		expect(failed).toMatchObject({statusCode: 400, headers: {'x-amzn-errortype': 'ExpiredIteratorException'}});
		expect(text(failed.body)).toBe('{"message":"Iterator expired"}');

		const raw = await listen(
			net.createServer((socket) => {
				socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{"until":"the end"}'));
			}),
		);
		for (let call = 0; call < 2; call++)
			expect(text((await transport.request(request(raw.port), signal())).body)).toBe('{"until":"the end"}');
		// Each answer ended its connection, so each call had one of its own.
		expect(raw.sockets).toHaveLength(2);
	});

	it('opens a new connection when the server closed an idle one, and retries once a request the server dropped unanswered on a kept one', async () => {
		// Each answer kept alive, and the connection closed 30 ms later, as a server's keep-alive timeout does.
		const {port, sockets} = await listen(
			net.createServer((socket) => {
				socket.on('data', () => {
					socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}');
					setTimeout(() => socket.end(), 30);
				});
			}),
		);
		const {http: transport} = client();
		await transport.request(request(port), signal());
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect((await transport.request(request(port), signal())).statusCode).toBe(200);
		expect(sockets).toHaveLength(2);

		// The first request on each connection is answered and kept alive; the second is dropped unanswered.
		const dropping = await listen(
			net.createServer((socket) => {
				let requests = 0;
				socket.on('data', () => {
					if (++requests === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}');
					else socket.destroy();
				});
			}),
		);
		expect(text((await transport.request(request(dropping.port), signal())).body)).toBe('{}');
		expect(text((await transport.request(request(dropping.port), signal())).body)).toBe('{}');
		expect(dropping.sockets).toHaveLength(2);
	});

	it('does not retry an answer cut off once it had begun, and says the socket hung up', async () => {
		const {port} = await listen(
			net.createServer((socket) => {
				socket.once('data', () => {
					socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"Rec');
					setTimeout(() => socket.destroy(), 10);
				});
			}),
		);
		const {http: transport} = client();
		await expect(transport.request(request(port), signal())).rejects.toMatchObject({code: 'ECONNRESET', message: 'socket hang up'});
	});

	it('ends a call with AbortError when its signal aborts, under way or waiting for a connection, and goes on serving', async () => {
		const held: http.ServerResponse[] = [];
		const {port} = await listen(
			http.createServer((incoming, outgoing) => {
				incoming.resume();
				if (incoming.url === '/hold') held.push(outgoing);
				else incoming.on('end', () => outgoing.end('{}'));
			}),
		);
		const {http: transport} = client({maxSockets: 1});
		const underWay = new AbortController();
		const first = transport.request({...request(port), path: '/hold'}, underWay.signal);
		const waiting = new AbortController();
		const second = transport.request(request(port), waiting.signal);
		waiting.abort();
		await expect(second).rejects.toMatchObject({name: 'AbortError'});
		underWay.abort();
		await expect(first).rejects.toMatchObject({name: 'AbortError'});
		expect(text((await transport.request(request(port), signal())).body)).toBe('{}');
	});

	it('ends a call whose answer is silent for the socket timeout with a TimeoutError, and does not send it again', async () => {
		// The first request on a connection is answered; every later one is left unanswered.
		let requests = 0;
		const {port, sockets} = await listen(
			net.createServer((socket) => {
				let onThis = 0;
				socket.on('data', () => {
					requests++;
					if (++onThis === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}');
				});
			}),
		);
		const {http: transport} = client({socketTimeoutMs: 100});
		await transport.request(request(port), signal());
		const started = performance.now();
		await expect(transport.request(request(port), signal())).rejects.toMatchObject({name: 'TimeoutError'});
		expect(performance.now() - started).toBeLessThan(190);
		expect({requests, connections: sockets.length}).toEqual({requests: 2, connections: 1});
	});

	it('ends every call when the connection closes, refuses the next, and keeps no socket open', async () => {
		const {port, sockets} = await listen(
			http.createServer((incoming, outgoing) => {
				incoming.resume();
				if (incoming.url !== '/hold') incoming.on('end', () => outgoing.end('{}'));
			}),
		);
		const {http: transport, close} = client({maxSockets: 1});
		await transport.request(request(port), signal());
		const underWay = transport.request({...request(port), path: '/hold'}, signal());
		const waiting = transport.request(request(port), signal());
		close();
		await expect(underWay).rejects.toMatchObject({name: 'AbortError', message: 'The connection was closed.'});
		await expect(waiting).rejects.toMatchObject({name: 'AbortError', message: 'The connection was closed.'});
		await expect(transport.request(request(port), signal())).rejects.toMatchObject({name: 'AbortError'});
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(sockets.every((socket) => socket.destroyed)).toBe(true);
	});

	it('ends a call made just before the connection closes without opening a connection, and adds no listener to the caller’s signal', async () => {
		const {port, sockets} = await listen(echoServer());
		const {http: transport, close} = client({maxSockets: 50});
		const own = new AbortController();
		const calls = Array.from({length: 20}, () => transport.request(request(port), own.signal));
		// Twenty calls in flight on one signal: Node warns past ten listeners, which would garble a screen.
		expect(getEventListeners(own.signal, 'abort')).toHaveLength(0);
		await Promise.all(calls);
		close();
		// On a transport with no connection yet: the call is asked for, then the connection closes at once.
		const fresh = client();
		const late = fresh.http.request(request(port), signal());
		fresh.close();
		await expect(late).rejects.toMatchObject({name: 'AbortError', message: 'The connection was closed.'});
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(sockets.every((socket) => socket.destroyed)).toBe(true);
	});

	it('refuses a header value with a line break, as Node’s client does', async () => {
		const {port, sockets} = await listen(echoServer());
		const {http: transport} = client();
		const injected = {...request(port), headers: {...request(port).headers, 'x-amz-security-token': 'token\r\nx-injected: 1'}};
		await expect(transport.request(injected, signal())).rejects.toMatchObject({code: 'ERR_INVALID_CHAR'});
		expect(sockets).toHaveLength(0);
	});

	it('refuses an answer that is not HTTP/1.x', async () => {
		const {port} = await listen(net.createServer((socket) => socket.once('data', () => socket.write('SSH-2.0-OpenSSH\r\n\r\n'))));
		const {http: transport} = client();
		await expect(transport.request(request(port), signal())).rejects.toMatchObject({code: 'ERR_INVALID_HTTP_RESPONSE'});
	});

	it('measures round trips on connections already open, not the first exchange of a new one', async () => {
		const {port} = await listen(
			http.createServer((incoming, outgoing) => {
				incoming.resume();
				incoming.on('end', () => setTimeout(() => outgoing.end('{}'), 30));
			}),
		);
		const {http: transport} = client();
		await transport.request(request(port), signal());
		expect(transport.roundTripMs()).toBeUndefined();
		await transport.request(request(port), signal());
		expect(transport.roundTripMs()).toBeGreaterThanOrEqual(25);
		expect(transport.roundTripMs()).toBeLessThan(5_000);
	});

	it.runIf(hasOpenssl)('speaks TLS to an https endpoint, checking its certificate', async () => {
		const {cert, key, remove} = selfSigned('shard-http-tls-');
		cleanups.push(remove);
		const {port} = await listen(
			https.createServer({cert, key}, (incoming, outgoing) => {
				incoming.resume();
				incoming.on('end', () => outgoing.end('{"secure":true}'));
			}),
		);
		const trusted = client({ca: cert}).http;
		expect(text((await trusted.request(request(port, '{}', 'https:'), signal())).body)).toBe('{"secure":true}');
		// Without the certificate among those trusted, the call fails as Node's own client would.
		const untrusted = client().http;
		await expect(untrusted.request(request(port, '{}', 'https:'), signal())).rejects.toMatchObject({code: 'DEPTH_ZERO_SELF_SIGNED_CERT'});
	});

	it.runIf(hasOpenssl)("resumes the origin's TLS session on its next connections", async () => {
		const {cert, port, reused} = await resumingServer();
		const {http: transport} = client({ca: cert});
		await transport.request(request(port, '{}', 'https:'), signal());
		// Two at once: one on the kept connection, one on a new connection, which resumes the first's session.
		await Promise.all([
			transport.request(request(port, '{}', 'https:'), signal()),
			transport.request(request(port, '{}', 'https:'), signal()),
		]);
		expect(reused).toEqual([false, true]);
	});

	it.runIf(hasOpenssl)('offers no session again once a connection to the origin has failed', async () => {
		const {cert, port: upstream, reused} = await resumingServer();
		// In front of it: the third connection is cut before its handshake.
		let connections = 0;
		const {port} = await listen(
			net.createServer((socket) => {
				if (++connections === 3) return socket.destroy();
				const onward = net.connect(upstream, '127.0.0.1');
				socket.pipe(onward).pipe(socket);
				onward.on('error', () => socket.destroy());
				socket.on('error', () => onward.destroy());
			}),
		);
		const {http: transport} = client({ca: cert});
		const call = () => transport.request(request(port, '{}', 'https:'), signal());
		await call();
		// A second connection resumes the first's session.
		await Promise.all([call(), call()]);
		// A third fails on its way: its session is forgotten.
		const third = await Promise.allSettled([call(), call(), call()]);
		expect(third.filter((outcome) => outcome.status === 'rejected')).toHaveLength(1);
		// So a fourth shakes hands in full.
		await Promise.all([call(), call(), call()]);
		expect(reused).toEqual([false, true, false]);
	});
});
