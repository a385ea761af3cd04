import {readFile} from 'node:fs/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {connect} from '../../source/console/connect.js';
import {createEngine} from '../../source/engine/index.js';
import {spawnEngine, type EngineProcess} from '../helpers/engineProcess.js';

/**
 * The engine binds 127.0.0.1 unless told otherwise, and warns when it is bound elsewhere without
 * --auth. Where it listens is read from the kernel's table of listening sockets (/proc/net/tcp and
 * tcp6), not from what it prints.
 */

const WARNING = 'reachable from other machines, and the engine checks no credentials';
const started: EngineProcess[] = [];
afterEach(async () => {
	for (const engine of started.splice(0)) {
		engine.child.kill('SIGTERM');
		await engine.exited;
	}
});

async function engine(args: string[]): Promise<EngineProcess> {
	const spawned = await spawnEngine(['--in-memory', '--limits', 'off', ...args]);
	started.push(spawned);
	// The warning follows the URL on stderr: wait for the guidance to end.
	const deadline = Date.now() + 10_000;
	while (!spawned.stderr().includes('Ctrl-C stops it.') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
	return spawned;
}

const portOf = (url: string): number => Number(new URL(url).port);

/** The addresses a port is listened on, as the kernel lists them: '127.0.0.1', '0.0.0.0', '::', '::1'… */
async function listeningAddresses(port: number): Promise<string[]> {
	const addresses: string[] = [];
	for (const [file, parse] of [
		['/proc/net/tcp', ipv4],
		['/proc/net/tcp6', ipv6],
	] as const) {
		const table = await readFile(file, 'utf8').catch(() => '');
		for (const line of table.split('\n').slice(1)) {
			const [, local, , state] = line.trim().split(/\s+/);
			if (!local || state !== '0A') continue;
			const [address = '', hexPort = ''] = local.split(':');
			if (parseInt(hexPort, 16) === port) addresses.push(parse(address));
		}
	}
	return addresses;
}

/** /proc's IPv4: four bytes in host (little-endian) order. */
function ipv4(hex: string): string {
	const bytes = hex.match(/../g)?.map((byte) => parseInt(byte, 16)) ?? [];
	return bytes.reverse().join('.');
}

/** /proc's IPv6: four 32-bit words, each in host order. */
function ipv6(hex: string): string {
	const words = hex.match(/.{8}/g) ?? [];
	const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse());
	const groups = Array.from({length: 8}, (_, index) =>
		parseInt(`${bytes[index * 2] ?? '00'}${bytes[index * 2 + 1] ?? '00'}`, 16).toString(16),
	);
	const text = groups.join(':');
	return text === '0:0:0:0:0:0:0:0' ? '::' : text === '0:0:0:0:0:0:0:1' ? '::1' : text;
}

describe('where the engine listens', () => {
	it('binds 127.0.0.1 by default, and says nothing of other machines', async () => {
		const spawned = await engine([]);
		expect(spawned.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		expect(await listeningAddresses(portOf(spawned.url))).toEqual(['127.0.0.1']);
		expect(spawned.stderr()).not.toContain(WARNING);
		expect(spawned.stderr()).not.toContain('Warning');
	});

	it('bound to every interface without --auth, warns on stderr that anyone can reach it', async () => {
		const spawned = await engine(['--host', '0.0.0.0']);
		expect(await listeningAddresses(portOf(spawned.url))).toEqual(['0.0.0.0']);
		expect(spawned.stderr()).toContain(`Warning: bound to 0.0.0.0, ${WARNING}.`);
	});

	it('bound to every interface with --auth, does not warn, and prints the key but not the secret', async () => {
		const spawned = await engine(['--host', '0.0.0.0', '--auth', 'AKIABINDTEST00000001:bind-test-secret/Xy7+Zw3']);
		expect(await listeningAddresses(portOf(spawned.url))).toEqual(['0.0.0.0']);
		expect(spawned.stderr()).not.toContain(WARNING);
		expect(spawned.stderr()).toContain('AKIABINDTEST00000001');
		expect(spawned.stderr()).not.toContain('bind-test-secret');
	});

	it('bound to localhost or ::1 (loopback) does not warn; bound to :: does', async () => {
		const local = await engine(['--host', 'localhost']);
		expect(local.stderr()).not.toContain(WARNING);
		const loopbackV6 = await engine(['--host', '::1']);
		expect(await listeningAddresses(portOf(loopbackV6.url))).toEqual(['::1']);
		expect(loopbackV6.stderr()).not.toContain(WARNING);
		const anyV6 = await engine(['--host', '::']);
		expect(await listeningAddresses(portOf(anyV6.url))).toContain('::');
		expect(anyV6.stderr()).toContain(`Warning: bound to ::, ${WARNING}.`);
	});

	it("in-process, the engine and the console's --local engine bind 127.0.0.1", async () => {
		const inProcess = await createEngine({port: 0});
		try {
			expect(inProcess.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(await listeningAddresses(inProcess.port)).toEqual(['127.0.0.1']);
		} finally {
			await inProcess.close();
		}
		const local = await connect({local: true});
		try {
			const url = local.target.endpoint ?? '';
			expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(await listeningAddresses(portOf(url))).toEqual(['127.0.0.1']);
		} finally {
			await local.close();
		}
	});
});
