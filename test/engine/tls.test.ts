import http2 from 'node:http2';
import https from 'node:https';
import type {TLSSocket} from 'node:tls';
import {
	GetRecordsCommand,
	KinesisClient,
	ListStreamsCommand,
	PutRecordCommand,
	RegisterStreamConsumerCommand,
	SubscribeToShardCommand,
	type _Record,
} from '@aws-sdk/client-kinesis';
import {NodeHttp2Handler, NodeHttpHandler} from '@smithy/node-http-handler';
import {afterAll, describe, expect, it} from 'vitest';
import {credentials} from '../helpers/engine.js';
import {hasOpenssl, selfSigned} from '../helpers/selfSigned.js';
import {spawnEngine} from '../helpers/engineProcess.js';
import {arnOf, createStream, iterator, signedHeaders, text, uniqueName, useEngine} from './support.js';

/**
 * HTTPS on the engine's port: a self-signed certificate made at test time with the openssl binary
 * (node:crypto cannot issue X.509 certificates), then the SDK over h2 and over http/1.1, each chosen
 * by ALPN on the same port.
 */
const {cert, key, certFile, keyFile, remove} = selfSigned('engine-tls-');
afterAll(remove);

const h2Client = (url: string, auth = credentials) =>
	new KinesisClient({
		endpoint: url,
		region: 'us-east-1',
		credentials: auth,
		maxAttempts: 1,
		requestHandler: new NodeHttp2Handler({nodeHttp2ConnectOptions: {ca: cert}}),
	});
const h1Client = (url: string) =>
	new KinesisClient({
		endpoint: url,
		region: 'us-east-1',
		credentials,
		maxAttempts: 1,
		requestHandler: new NodeHttpHandler({httpsAgent: new https.Agent({ca: cert, keepAlive: true})}),
	});

/** Which protocol ALPN settled on, and the answer to a raw ListStreams over it. */
async function negotiated(url: string, protocols: string[]): Promise<{protocol: string | false | null; status: number}> {
	const body = '{}';
	const headers = {...signedHeaders(), 'x-amz-target': 'Kinesis_20131202.ListStreams', 'content-length': String(body.length)};
	if (protocols.includes('h2')) {
		const session = http2.connect(url, {ca: cert});
		try {
			return await new Promise((resolve, reject) => {
				session.on('error', reject);
				const stream = session.request({':method': 'POST', ':path': '/', ...headers});
				stream.on('response', (response) => resolve({protocol: session.alpnProtocol ?? null, status: Number(response[':status'])}));
				stream.on('error', reject);
				stream.end(body);
			});
		} finally {
			session.close();
		}
	}
	const agent = new https.Agent({ca: cert, ALPNProtocols: protocols});
	try {
		return await new Promise((resolve, reject) => {
			const request = https.request(url, {method: 'POST', headers, agent}, (response) => {
				response.resume();
				resolve({protocol: (response.socket as TLSSocket).alpnProtocol, status: response.statusCode ?? 0});
			});
			request.on('error', reject);
			request.end(body);
		});
	} finally {
		agent.destroy();
	}
}

describe.skipIf(!hasOpenssl)('TLS (--tls-cert, --tls-key)', () => {
	const harness = useEngine('http2', {tls: {cert, key}, registerConsumerMs: 0, subscriptionMs: 500});

	it('serves https, with h2 or http/1.1 as ALPN picks', async () => {
		expect(harness.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
		expect(await negotiated(harness.url, ['h2', 'http/1.1'])).toEqual({protocol: 'h2', status: 200});
		expect(await negotiated(harness.url, ['http/1.1'])).toEqual({protocol: 'http/1.1', status: 200});
	});

	it('works with the SDK over h2 (its default) and over http/1.1', async () => {
		const name = uniqueName('tls');
		const h2 = h2Client(harness.url);
		const h1 = h1Client(harness.url);
		try {
			await createStream(h2, name);
			await h1.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('over h1')}));
			await h2.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('over h2')}));
			const {Records} = await h1.send(
				new GetRecordsCommand({ShardIterator: await iterator(h2, name, 'shardId-000000000000', 'TRIM_HORIZON')}),
			);
			expect((Records ?? []).map(text)).toEqual(['over h1', 'over h2']);
		} finally {
			h2.destroy();
			h1.destroy();
		}
	});

	it('streams SubscribeToShard over h2 inside TLS', async () => {
		const name = uniqueName('tls-efo');
		const client = h2Client(harness.url);
		try {
			await createStream(client, name);
			await client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('secret sauce')}));
			const {Consumer} = await client.send(new RegisterStreamConsumerCommand({StreamARN: arnOf(name), ConsumerName: 'tls'}));
			const output = await client.send(
				new SubscribeToShardCommand({
					ConsumerARN: Consumer?.ConsumerARN,
					ShardId: 'shardId-000000000000',
					StartingPosition: {Type: 'TRIM_HORIZON'},
				}),
			);
			const records: _Record[] = [];
			for await (const event of output.EventStream ?? []) records.push(...(event.SubscribeToShardEvent?.Records ?? []));
			expect(records.map(text)).toEqual(['secret sauce']);
		} finally {
			client.destroy();
		}
	});
});

describe.skipIf(!hasOpenssl)('kinesis-console engine --tls-cert --tls-key --auth', () => {
	it('serves HTTPS to clients with the key, refuses others, and never prints the secret', async () => {
		const secret = 'process-secret-not-to-print';
		const engine = await spawnEngine(['--in-memory', '--tls-cert', certFile, '--tls-key', keyFile, '--auth', `AKIDPROCESS:${secret}`]);
		try {
			expect(engine.url).toMatch(/^https:\/\//);
			const good = h2Client(engine.url, {accessKeyId: 'AKIDPROCESS', secretAccessKey: secret});
			const bad = h2Client(engine.url, {accessKeyId: 'AKIDPROCESS', secretAccessKey: 'wrong'});
			try {
				expect((await good.send(new ListStreamsCommand({}))).StreamNames).toEqual([]);
				await expect(bad.send(new ListStreamsCommand({}))).rejects.toMatchObject({name: 'InvalidSignatureException'});
			} finally {
				good.destroy();
				bad.destroy();
			}
			expect(engine.stderr()).toContain('AKIDPROCESS');
			expect(engine.stderr()).not.toContain(secret);
		} finally {
			engine.child.kill('SIGTERM');
			await engine.exited;
		}
	});
});
