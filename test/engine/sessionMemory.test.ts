import http2 from 'node:http2';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import {afterAll, beforeAll, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {startEngine} from '../helpers/engine.js';
import {signedHeaders} from './support.js';

// The AWS SDK opens an HTTP/2 connection for every Kinesis call, so an engine serving it sees thousands
// of short sessions a minute; a closed one must not stay in memory (its idle timer used to hold it for a minute).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let engine: Engine;
beforeAll(async () => {
	engine = await startEngine();
});
afterAll(() => engine.close());

/** One session with one ListStreams call, closed once answered. */
async function oneCall(): Promise<void> {
	const session = http2.connect(engine.url);
	session.on('error', () => undefined);
	const stream = session.request({':method': 'POST', ':path': '/', ...signedHeaders(), 'x-amz-target': 'Kinesis_20131202.ListStreams'});
	let status: unknown;
	stream.once('response', (headers) => (status = headers[':status']));
	stream.end('{}');
	stream.resume();
	await new Promise((resolve) => stream.once('close', resolve));
	session.close();
	await new Promise((resolve) => session.once('close', resolve));
	if (status !== 200) throw new Error(`ListStreams answered ${String(status)}`);
}

const heapAfterGc = () => {
	gc();
	gc();
	return process.memoryUsage().heapUsed;
};

it('keeps nothing of an HTTP/2 session once it has closed', async () => {
	for (let i = 0; i < 200; i++) await oneCall();
	const before = heapAfterGc();
	for (let i = 0; i < 2000; i++) await oneCall();
	const grown = heapAfterGc() - before;
	// About 3 KB a session while each was kept: 6 MB for these.
	expect(grown).toBeLessThan(2.5 * 1024 * 1024);
}, 60_000);
