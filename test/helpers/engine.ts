import {KinesisClient} from '@aws-sdk/client-kinesis';
import {NodeHttpHandler} from '@smithy/node-http-handler';
import {createEngine, type Engine, type EngineOptions} from '../../source/engine/index.js';

/** Fake credentials: the engine needs a signature to be present, never a real one. */
export const credentials = {accessKeyId: 'AKIDENGINETEST', secretAccessKey: 'engine-test-secret'};

export type Transport = 'http2' | 'http1';

/** The SDK client as users build it: the default (HTTP/2) or with the HTTP/1.1 handler. */
export function kinesisClient(url: string, transport: Transport = 'http2', region = 'us-east-1'): KinesisClient {
	return new KinesisClient({
		endpoint: url,
		region,
		credentials,
		maxAttempts: 1,
		...(transport === 'http1' ? {requestHandler: new NodeHttpHandler({})} : {}),
	});
}

/**
 * An engine on a free port with no waiting for status changes. Throughput limits are off unless a
 * test turns them on: most tests write faster than one shard's 1,000 records/s.
 */
export async function startEngine(options: EngineOptions = {}): Promise<Engine> {
	return createEngine({port: 0, createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, throughputLimits: false, ...options});
}
