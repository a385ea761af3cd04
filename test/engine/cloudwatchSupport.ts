import {CloudWatchClient, CloudWatchServiceException, type Dimension} from '@aws-sdk/client-cloudwatch';
import {afterAll, beforeAll, expect} from 'vitest';
import type {EngineOptions} from '../../source/engine/index.js';
import {credentials} from '../helpers/engine.js';
import {FakeClock, useEngine} from './support.js';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const SHARD_0 = 'shardId-000000000000';
export const SHARD_1 = 'shardId-000000000001';
// Hash keys inside the first and the second half of the key space: shard 0 and shard 1 of a two-shard stream.
export const LOW_HASH = '1';
export const HIGH_HASH = (2n ** 127n + 1n).toString();

/** An engine on a fake clock, with Kinesis and CloudWatch clients for the enclosing describe block. */
export function useMetricsEngine(options: EngineOptions = {}) {
	const clock = new FakeClock();
	const harness = useEngine('http2', {now: clock.now, ...options});
	let cloudWatch: CloudWatchClient | undefined;
	beforeAll(() => {
		// The SDK's default handler: HTTP/1.1 for CloudWatch.
		cloudWatch = new CloudWatchClient({endpoint: harness.url, region: 'us-east-1', credentials, maxAttempts: 1});
	});
	afterAll(() => cloudWatch?.destroy());
	return {
		clock,
		harness,
		get cloudWatch(): CloudWatchClient {
			if (!cloudWatch) throw new Error('not started');
			return cloudWatch;
		},
	};
}

export const streamDimension = (stream: string): Dimension[] => [{Name: 'StreamName', Value: stream}];
export const shardDimensions = (stream: string, shardId: string): Dimension[] => [
	{Name: 'StreamName', Value: stream},
	{Name: 'ShardId', Value: shardId},
];

export const bytesOf = (data: string, key: string) => Buffer.byteLength(data) + Buffer.byteLength(key);

/** The error a CloudWatch call failed with. */
export async function cloudWatchError(call: Promise<unknown>): Promise<{name: string; message: string; status: number | undefined}> {
	try {
		await call;
	} catch (error) {
		if (error instanceof CloudWatchServiceException)
			return {name: error.name, message: error.message, status: error.$metadata.httpStatusCode};
		throw error;
	}
	return expect.fail('expected the call to fail, but it succeeded');
}
