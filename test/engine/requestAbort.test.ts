import http from 'node:http';
import {describe, expect, it} from 'vitest';
import {startServer} from '../../source/engine/server.js';
import type {WireRequest} from '../../source/engine/protocol/dispatch.js';

/** A server whose handler waits until let go, and then says whether its request's signal was aborted. */
async function gatedServer() {
	let letGo = () => {};
	const gate = new Promise<void>((resolve) => (letGo = resolve));
	let arrived = () => {};
	const inHandler = new Promise<void>((resolve) => (arrived = resolve));
	let seen: boolean | undefined;
	const server = await startServer({
		host: '127.0.0.1',
		port: 0,
		maxBodyBytes: 1024,
		handle: async (request: WireRequest) => {
			arrived();
			await gate;
			seen = request.signal?.aborted;
			return {status: 200, headers: {}, body: 'ok'};
		},
	});
	return {server, letGo, inHandler, seen: () => seen};
}

const post = (port: number) => {
	const request = http.request({host: '127.0.0.1', port, method: 'POST', path: '/'});
	request.on('error', () => {});
	request.end('{}');
	return request;
};

describe("a request's signal, asked for only once its handler wants it", () => {
	it('is aborted when the server closed while the handler waited', async () => {
		const {server, letGo, inHandler, seen} = await gatedServer();
		const request = post(server.port);
		await inHandler;
		const closing = server.close();
		letGo();
		await closing;
		request.destroy();
		expect(seen()).toBe(true);
	});

	it('is aborted when the client went away while the handler waited, and not otherwise', async () => {
		const gone = await gatedServer();
		const request = post(gone.server.port);
		await gone.inHandler;
		request.destroy();
		// The server hears of it through the socket's close, in a later turn of the loop.
		await new Promise((resolve) => setTimeout(resolve, 300));
		gone.letGo();
		await gone.server.close();
		expect(gone.seen()).toBe(true);

		const stays = await gatedServer();
		const answered = new Promise<number | undefined>((resolve) =>
			post(stays.server.port).on('response', (response) => resolve(response.statusCode)),
		);
		await stays.inHandler;
		stays.letGo();
		expect(await answered).toBe(200);
		await stays.server.close();
		expect(stays.seen()).toBe(false);
	});
});
