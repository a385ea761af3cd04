import {DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import type {Connection} from '../connect.js';
import {describeError, errorName} from '../aws/errors.js';
import {sleep} from '../aws/retry.js';

/** What the demo's Lambda-style, Firehose-style and fan-out readers have in common. */
export interface DemoReader {
	/** The function, delivery stream or consumer it stands for. */
	readonly name: string;
	/** Resolves once it exists (mapping, delivery stream, registered consumer); rejects when it cannot be made. */
	readonly ready: Promise<void>;
	stats(): DemoReaderStats;
	/** Stops reading; calls in flight end first. Safe to call twice. */
	stop(): Promise<void>;
}

export interface DemoReaderStats {
	readonly name: string;
	/** The shards read so far. */
	readonly shards: readonly DemoReaderShard[];
}

export interface DemoReaderShard {
	readonly shardId: string;
	/** Records processed (or received) from this shard. */
	readonly processed: number;
	/** As the last answer said. */
	readonly millisBehindLatest: number | undefined;
}

/** A stand-in's DemoReader: its stats from the shards it keeps, and a stop that aborts it and waits (once) for its reading to end. */
export function demoReaderOf(parts: {
	readonly name: string;
	readonly ready: Promise<unknown>;
	readonly running: Promise<unknown>;
	readonly shards: ReadonlyMap<string, DemoReaderShard>;
	readonly controller: AbortController;
}): DemoReader {
	const {name, shards} = parts;
	let stopping: Promise<void> | undefined;
	return {
		name,
		ready: parts.ready.then(() => undefined),
		stats: () => ({name, shards: [...shards.values()].sort((a, b) => a.shardId.localeCompare(b.shardId))}),
		stop() {
			stopping ??= (async () => {
				parts.controller.abort();
				await parts.running;
			})();
			return stopping;
		},
	};
}

/** A datum of a metric an AWS service publishes itself, recorded into the console's own engine (connect.ts). */
export type ServiceMetric = Parameters<NonNullable<Connection['recordServiceMetric']>>[0];

/** The stream's ARN, once it takes reads (ACTIVE or UPDATING): the demo's producer creates it. */
export async function streamArnOf(kinesis: KinesisClient, stream: string, signal: AbortSignal): Promise<string> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		try {
			const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: stream}), {
				abortSignal: signal,
			});
			if (summary?.StreamARN && (summary.StreamStatus === 'ACTIVE' || summary.StreamStatus === 'UPDATING')) return summary.StreamARN;
		} catch (error) {
			if (signal.aborted || errorName(error) !== 'ResourceNotFoundException') throw error;
		}
		if (Date.now() > deadline) throw new Error(`The stream ${stream} did not become ACTIVE within 60 s.`);
		await sleep(250, signal);
		if (signal.aborted) throw new Error('stopped');
	}
}

/** Reports a failure once until a different one happens (a reader retrying says so once, not every second). */
export function reporter(who: string, onError: ((message: string) => void) | undefined): (what: string, error?: unknown) => void {
	let last: string | undefined;
	return (what, error) => {
		const message = `${who}: ${what}${error === undefined ? '' : ` failed: ${describeError(error)}; retrying`}`;
		if (message !== last) onError?.(message);
		last = message;
	};
}
