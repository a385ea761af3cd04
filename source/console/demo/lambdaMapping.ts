import {
	CreateEventSourceMappingCommand,
	GetEventSourceMappingCommand,
	ListEventSourceMappingsCommand,
	type LambdaClient,
} from '@aws-sdk/client-lambda';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {errorName} from '../aws/errors.js';
import {sleep} from '../aws/retry.js';
import {pollEveryShard} from './everyShard.js';
import {demoReaderOf, reporter, streamArnOf, type DemoReader, type DemoReaderShard, type ServiceMetric} from './reader.js';

/**
 * The demo's Lambda event source mapping, and the demo's stand-in for Lambda's poller: the engine keeps
 * mappings (engine/lambda/) and runs no function, so this module reads the stream the way Lambda's
 * poller does for the mapping and publishes what Lambda publishes, with no function behind it.
 *
 * - CreateEventSourceMapping on the engine: function `clickstream-to-warehouse` (the engine takes any
 *   well-formed function name; there is no function), the clickstream's ARN, StartingPosition LATEST,
 *   BatchSize 100; a mapping already there (ResourceConflictException) is used as it is.
 * - Per shard, a GetRecords a second (Limit: the batch size), each batch then "processed" for the time
 *   an invocation takes: 50 ms, and on the hot shard (shardId-000000000001) 2.5 s (40 records a second), so that shard falls
 *   further behind with every batch while the others keep up.
 * - After each batch, IteratorAge (AWS/Lambda, Milliseconds: the time Lambda received the batch minus
 *   the arrival of its last record) under FunctionName, and under FunctionName and Resource, as Lambda
 *   publishes a function's metrics; the console reads its Maximum by FunctionName (consumers/lambda.ts).
 * - It follows the mapping: while it is Disabled (the console's pause) nothing is read; once it is
 *   deleted the reader stops.
 */

export interface DemoLambdaOptions {
	readonly stream?: string;
	readonly functionName?: string;
	readonly batchSize?: number;
	/** Shards whose invocations are slow. Default the demo's hot shard. */
	readonly slowShards?: readonly string[];
	/** How long an invocation takes. Default 50 ms, and 2.5 s on the slow shards. */
	readonly invocationMs?: number;
	readonly slowInvocationMs?: number;
	/** How often the mapping's state is read. Default 10 s. */
	readonly stateEveryMs?: number;
	readonly recordMetric: (metric: ServiceMetric) => void;
	readonly onError?: (message: string) => void;
}

export const DEMO_FUNCTION = 'clickstream-to-warehouse';

export function startDemoLambda(
	clients: {readonly kinesis: KinesisClient; readonly lambda: LambdaClient},
	options: DemoLambdaOptions,
): DemoReader {
	const stream = options.stream ?? 'clickstream';
	const functionName = options.functionName ?? DEMO_FUNCTION;
	const batchSize = options.batchSize ?? 100;
	const slow = new Set(options.slowShards ?? ['shardId-000000000001']);
	const controller = new AbortController();
	const signal = controller.signal;
	const report = reporter(`demo Lambda mapping ${functionName}`, options.onError);
	const shards = new Map<string, DemoReaderShard>();
	let enabled = true;

	const ready = (async () => {
		const streamArn = await streamArnOf(clients.kinesis, stream, signal);
		return ensureMapping(clients.lambda, functionName, streamArn, batchSize, signal);
	})();
	ready.catch(() => undefined);

	const followState = async (uuid: string) => {
		while (!signal.aborted) {
			await sleep(options.stateEveryMs ?? 10_000, signal);
			try {
				const mapping = await clients.lambda.send(new GetEventSourceMappingCommand({UUID: uuid}), {abortSignal: signal});
				enabled = mapping.State !== 'Disabled' && mapping.State !== 'Disabling';
			} catch (error) {
				if (signal.aborted) return;
				// Deleted (from the console, say): Lambda stops reading.
				if (errorName(error) === 'ResourceNotFoundException') return controller.abort();
				report('reading the mapping', error);
			}
		}
	};

	const running = ready.then(
		async (uuid) => {
			await Promise.all([
				followState(uuid),
				pollEveryShard({
					kinesis: clients.kinesis,
					stream,
					signal,
					limit: batchSize,
					report,
					onPage: async (shardId, page) => {
						const shard = {shardId, processed: shards.get(shardId)?.processed ?? 0, millisBehindLatest: page.millisBehindLatest};
						shards.set(shardId, shard);
						if (page.type !== 'records') return;
						const last = page.records.at(-1);
						const iteratorAge = Math.max(0, page.atMs - (last?.arrivalTime.getTime() ?? page.atMs));
						for (const dimensions of [
							[{Name: 'FunctionName', Value: functionName}],
							[
								{Name: 'FunctionName', Value: functionName},
								{Name: 'Resource', Value: functionName},
							],
						])
							options.recordMetric({namespace: 'AWS/Lambda', name: 'IteratorAge', dimensions, unit: 'Milliseconds', value: iteratorAge});
						// The invocation: the poller reads this shard's next batch once it returns.
						await sleep(slow.has(shardId) ? (options.slowInvocationMs ?? 2_500) : (options.invocationMs ?? 50), signal);
						shards.set(shardId, {...shard, processed: shard.processed + page.records.length});
						// Paused (Enabled false): no more batches until resumed.
						while (!enabled && !signal.aborted) await sleep(1_000, signal);
					},
				}),
			]);
		},
		(error: unknown) => {
			if (!signal.aborted) report('creating the mapping', error);
		},
	);

	return demoReaderOf({name: functionName, ready, running, shards, controller});
}

/** The mapping's UUID: created, or the one already there for this function and stream. */
async function ensureMapping(
	lambda: LambdaClient,
	functionName: string,
	streamArn: string,
	batchSize: number,
	signal: AbortSignal,
): Promise<string> {
	try {
		const created = await lambda.send(
			new CreateEventSourceMappingCommand({
				FunctionName: functionName,
				EventSourceArn: streamArn,
				StartingPosition: 'LATEST',
				BatchSize: batchSize,
			}),
			{abortSignal: signal},
		);
		return created.UUID ?? '';
	} catch (error) {
		if (errorName(error) !== 'ResourceConflictException') throw error;
		const listed = await lambda.send(new ListEventSourceMappingsCommand({EventSourceArn: streamArn, FunctionName: functionName}), {
			abortSignal: signal,
		});
		const uuid = listed.EventSourceMappings?.[0]?.UUID;
		if (uuid === undefined) throw error;
		return uuid;
	}
}
