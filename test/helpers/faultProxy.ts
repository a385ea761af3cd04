import net from 'node:net';

/**
 * A TCP proxy between a client and a server on loopback, which a test can cut and restore to play a
 * network fault. `cut('reset')` is a dropped link that says so: open connections are reset and new
 * ones refused. `cut('blackhole')` is one that goes silent: open connections stop passing bytes and
 * new ones are accepted and never answered, as when a cable is pulled or a NAT forgets the flow.
 * `restore()` lets new connections through again (the silenced ones stay dead, as they would).
 */
export interface FaultProxy {
	/** http://127.0.0.1:PORT: point the client here. */
	readonly url: string;
	readonly port: number;
	cut(mode?: 'reset' | 'blackhole'): Promise<void>;
	restore(): Promise<void>;
	/** Connections accepted so far, and connections the cuts broke. */
	readonly stats: () => {readonly accepted: number; readonly broken: number};
	close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
	let mode: 'open' | 'reset' | 'blackhole' = 'open';
	let accepted = 0;
	let broken = 0;
	const pairs = new Set<{client: net.Socket; upstream: net.Socket | undefined}>();
	const silenced = new Set<net.Socket>();

	const server = net.createServer({pauseOnConnect: true}, (client) => {
		accepted++;
		if (mode === 'blackhole') {
			// Accepted, never answered: the client's request waits for bytes that never come.
			silenced.add(client);
			client.on('error', () => undefined);
			client.on('close', () => silenced.delete(client));
			return;
		}
		const pair: {client: net.Socket; upstream: net.Socket | undefined} = {client, upstream: undefined};
		pairs.add(pair);
		const upstream = net.connect(targetPort, targetHost);
		pair.upstream = upstream;
		const drop = () => {
			pairs.delete(pair);
			client.destroy();
			upstream.destroy();
		};
		client.on('error', drop);
		upstream.on('error', drop);
		client.on('close', drop);
		upstream.on('close', drop);
		upstream.once('connect', () => {
			client.pipe(upstream);
			upstream.pipe(client);
			client.resume();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;

	const breakOpen = (how: 'reset' | 'blackhole') => {
		for (const pair of [...pairs]) {
			broken++;
			pairs.delete(pair);
			if (how === 'reset') {
				pair.client.resetAndDestroy();
				pair.upstream?.destroy();
			} else {
				// Stop passing bytes both ways; the client's socket stays open, silent.
				pair.client.unpipe();
				pair.upstream?.unpipe();
				pair.client.pause();
				pair.upstream?.destroy();
				silenced.add(pair.client);
				pair.client.on('close', () => silenced.delete(pair.client));
			}
		}
	};

	// While reset, the listening socket is closed, so connections are refused (ECONNREFUSED) by the kernel.
	const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
	const listen = () =>
		new Promise<void>((resolve, reject) => {
			if (server.listening) return resolve();
			server.once('error', reject);
			server.listen(port, '127.0.0.1', () => {
				server.off('error', reject);
				resolve();
			});
		});

	return {
		url: `http://127.0.0.1:${port}`,
		port,
		async cut(how = 'reset') {
			mode = how;
			breakOpen(how);
			if (how === 'reset') {
				const closing = stopListening();
				// server.close waits for open connections: the silenced ones of an earlier blackhole go now.
				for (const socket of silenced) socket.resetAndDestroy();
				await closing;
			}
		},
		async restore() {
			mode = 'open';
			await listen();
		},
		stats: () => ({accepted, broken}),
		async close() {
			mode = 'reset';
			breakOpen('reset');
			for (const socket of silenced) socket.destroy();
			await stopListening();
		},
	};
}
