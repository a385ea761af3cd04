import {CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import type {Connection} from './connect.js';
import {DEMO_KCL3_APPLICATION, startDemoConsumer} from './demo/kcl/consumer.js';
import {AppLogs} from './demo/appLogs.js';
import {Clickstream} from './demo/clickstream.js';
import {produceRecords, type ProducerRecord} from './producer.js';
import {RetrySchedule, sleep} from './aws/retry.js';
import {formatCount} from './format.js';

/**
 * The offline demo: two streams with realistic, living traffic, so that every view of the console has
 * something to show on a machine with no AWS account.
 *
 * - `clickstream` (4 shards): JSON page views and clicks keyed by user id. User activity follows a Zipf
 *   law, and the heaviest users all hash into the second shard, so that shard runs hot. Now and then
 *   a burst (a campaign, a scraping session) pushes the hot shard past 1,000 records/s: with the
 *   engine's throughput limits on it is throttled, and the producer retries the refused records with
 *   backoff, in their place, so no record is dropped and each user's events stay in order.
 * - `app-logs` (2 shards): gzip'd JSON batches shaped like CloudWatch Logs subscription payloads.
 *
 * Rates follow a slow wave (a day in ten minutes) with a faster ripple and some noise, so charts move.
 */

export interface DemoOptions {
	/** Click events per second at the middle of the wave, before bursts. Default 250. */
	readonly clicksPerSecond?: number;
	/** Log batches (records) per second at the middle of the wave; each carries 5 to 40 log events. Default 8. */
	readonly logBatchesPerSecond?: number;
	/** The period of the slow wave, in seconds. Default 600 (a day in ten minutes). */
	readonly waveSeconds?: number;
	/** Bursts that push the hot shard past its write limit. Default on. */
	readonly bursts?: boolean | DemoBurstOptions;
	/** Stream names and shard counts, for tests. Defaults: clickstream (4), app-logs (2). */
	readonly clickstream?: {readonly name?: string; readonly shards?: number};
	readonly appLogs?: {readonly name?: string; readonly shards?: number};
	/** Told once when a stream cannot be created or written (the demo retries it), and after a record failed for good. */
	readonly onError?: (message: string) => void;
	readonly random?: () => number;
}

export interface DemoBurstOptions {
	/** Seconds from the start to the first burst. Default 20. */
	readonly firstAfterSeconds?: number;
	/** Seconds between the end of a burst and the start of the next: a random wait in this range. Default 45 to 90. */
	readonly everySeconds?: readonly [number, number];
	/** How long a burst lasts. Default 4. */
	readonly lastsSeconds?: number;
	/** Extra events per second from the heaviest users during a burst. Default 1,400. */
	readonly extraPerSecond?: number;
}

export interface DemoStreamStats {
	readonly stream: string;
	/** Records acknowledged. */
	readonly written: number;
	/** Records written per second over the last few seconds. */
	readonly recordsPerSecond: number;
	/** Refusals (throttling, mostly) that the producer retried, in all and over the last 10 seconds. */
	readonly retries: number;
	readonly recentRetries: number;
	/** Records given up on after every retry; each is reported through onError. */
	readonly failed: number;
	/** Records written ahead of an earlier record of their key (the producer reports it; zero on the engine). */
	readonly overtook: number;
}

export interface DemoStats {
	readonly recordsPerSecond: number;
	readonly recentRetries: number;
	/** Whether a burst is on now. */
	readonly bursting: boolean;
	readonly streams: readonly DemoStreamStats[];
}

export interface Demo {
	/** Resolves once both streams exist and are writable; rejects when they cannot be created. */
	readonly ready: Promise<void>;
	stats(): DemoStats;
	/** Stops writing; calls in flight end first. Safe to call twice. */
	stop(): Promise<void>;
}

const DEMO_STREAMS = {clickstream: 'clickstream', appLogs: 'app-logs'} as const;

/** Creates the demo streams if missing and writes traffic into them until stopped. */
export function startDemo(kinesis: KinesisClient, options: DemoOptions = {}): Demo {
	const random = options.random ?? Math.random;
	const controller = new AbortController();
	const signal = controller.signal;
	const startedAt = Date.now();
	const elapsed = () => (Date.now() - startedAt) / 1000;
	const waveSeconds = options.waveSeconds ?? 600;
	const wave = waveOf(waveSeconds, random);
	const bursts = new BurstSchedule(options.bursts ?? true, random);

	const clickName = options.clickstream?.name ?? DEMO_STREAMS.clickstream;
	const clickShards = options.clickstream?.shards ?? 4;
	const logsName = options.appLogs?.name ?? DEMO_STREAMS.appLogs;
	const logShards = options.appLogs?.shards ?? 2;
	const clicks = new Clickstream(random, clickShards);
	const logs = new AppLogs(random);

	const clickMeter = new StreamMeter(clickName);
	const logMeter = new StreamMeter(logsName);
	const reportError = (message: string) => options.onError?.(message);

	const clickRate = options.clicksPerSecond ?? 250;
	const logRate = options.logBatchesPerSecond ?? 8;

	const ready = Promise.all([
		ensureStream(kinesis, clickName, clickShards, signal),
		ensureStream(kinesis, logsName, logShards, signal),
	]).then(() => undefined);
	// A rejection is for whoever awaits `ready`; the writers report their own failures.
	ready.catch(() => undefined);

	const writers = [
		write(kinesis, clickName, clickShards, clickMeter, signal, reportError, () =>
			paced(
				signal,
				(t) => clickRate * wave(t) + bursts.extraAt(t),
				// During a burst, the extra events come from the heaviest users.
				(count, t) => {
					const extra = bursts.extraAt(t);
					return clicks.events(count, extra > 0 ? extra / (extra + clickRate * wave(t)) : 0);
				},
				elapsed,
			),
		),
		write(kinesis, logsName, logShards, logMeter, signal, reportError, async function* () {
			if (logs.controlMessagePending) yield logs.controlMessage();
			yield* paced(
				signal,
				(t) => logRate * wave(t),
				(count, t) => logs.batches(count, bursts.activeAt(t)),
				elapsed,
			);
		}),
	];
	const done = Promise.all([ready.catch(() => undefined), ...writers]).then(() => undefined);

	let stopping: Promise<void> | undefined;
	return {
		ready,
		stats() {
			const streams = [clickMeter.stats(), logMeter.stats()];
			return {
				recordsPerSecond: streams.reduce((sum, stream) => sum + stream.recordsPerSecond, 0),
				recentRetries: streams.reduce((sum, stream) => sum + stream.recentRetries, 0),
				bursting: bursts.activeAt(elapsed()),
				streams,
			};
		},
		stop() {
			stopping ??= (async () => {
				controller.abort();
				await done;
			})();
			return stopping;
		},
	};
}

/** One line for the status bar: the rate, and the throttled writes (retried) of the last 10 seconds. */
export function describeDemo(stats: DemoStats): string {
	const rate = `demo traffic: ${formatCount(stats.recordsPerSecond)} records/s`;
	// Short: the status line also holds the connection and where the user is.
	if (stats.recentRetries > 0) return `${rate}, ${formatCount(stats.recentRetries)} throttled/10 s`;
	return stats.bursting ? `${rate}, a burst on the hot shard` : rate;
}

/** The demo's consumers of the clickstream, each stopped by `stop` (calls in flight end first). */
export interface DemoConsumers {
	stop(): Promise<void>;
}

/**
 * Starts the demo's consumers of the clickstream: the KCL 2.x-style application `clickstream-analytics`
 * (behind on the hot shard) on any endpoint; and, only when the console owns the engine (--local: the
 * Lambda-style and Firehose-style readers publish AWS/ metrics through it, connect.ts's
 * recordServiceMetric), the KCL 3.x-format application `clickstream-enrichment`, the Lambda event source
 * mapping `clickstream-to-warehouse` with the demo's stand-in for Lambda's poller (behind on the hot
 * shard), the Firehose delivery stream `clickstream-archive` with the demo's stand-in reader, the
 * enhanced fan-out consumer `clickstream-live`, and the Managed Flink application `clickstream-sessions`
 * (kept and started by the engine, which runs none: it shows STOPPED). Their modules load only then (the Lambda and Firehose clients with them).
 */
export function startDemoConsumers(connection: Connection, options: {readonly onError: (message: string) => void}): DemoConsumers {
	const {onError} = options;
	const running: Array<{readonly ready: Promise<void>; stop(): Promise<void>}> = [];
	const add = (consumer: {readonly ready: Promise<void>; stop(): Promise<void>}, what: string) => {
		running.push(consumer);
		consumer.ready.catch((error: unknown) => onError(`${what}: ${error instanceof Error ? error.message : String(error)}`));
	};
	let stopped = false;
	add(startDemoConsumer(connection, {onError}), 'demo consumer');
	const recordMetric = connection.recordServiceMetric;
	const more =
		recordMetric === undefined
			? Promise.resolve()
			: Promise.all([
					import('./demo/lambdaMapping.js'),
					import('./demo/firehoseReader.js'),
					import('./demo/fanOutConsumer.js'),
					import('./demo/flinkApplication.js'),
				]).then(([lambda, firehose, fanOut, flink]) => {
					if (stopped) return;
					add(
						startDemoConsumer(connection, {
							format: '3.x',
							application: DEMO_KCL3_APPLICATION,
							slowShards: [],
							recordsPerSecond: 1_000,
							pollMs: 2_000,
							renewEveryMs: 3_000,
							onError,
						}),
						'demo KCL 3.x application',
					);
					add(lambda.startDemoLambda(connection, {recordMetric, onError}), 'demo Lambda mapping');
					add(firehose.startDemoFirehose(connection, {recordMetric, onError}), 'demo Firehose reader');
					add(fanOut.startDemoFanOut(connection, {onError}), 'demo fan-out consumer');
					add(flink.startDemoFlink(connection, {onError}), 'demo Flink application');
				});
	return {
		async stop() {
			stopped = true;
			await more.catch(() => undefined);
			await Promise.all(running.map((consumer) => consumer.stop()));
		},
	};
}

// ---------------------------------------------------------------------------------------------------
// Streams and writing

const POLL_MS = 200;
const READY_TIMEOUT_MS = 60_000;

/** Creates the stream unless it exists, and waits until it takes writes (ACTIVE or UPDATING). */
export async function ensureStream(kinesis: KinesisClient, name: string, shards: number, signal?: AbortSignal): Promise<void> {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	let created = false;
	while (!signal?.aborted) {
		let status: string | undefined;
		try {
			const summary = await kinesis.send(new DescribeStreamSummaryCommand({StreamName: name}), signal ? {abortSignal: signal} : {});
			status = summary.StreamDescriptionSummary?.StreamStatus;
		} catch (error) {
			if (signal?.aborted) return;
			if (nameOf(error) !== 'ResourceNotFoundException') throw error;
			if (!created) {
				created = true;
				try {
					await kinesis.send(new CreateStreamCommand({StreamName: name, ShardCount: shards}), signal ? {abortSignal: signal} : {});
				} catch (createError) {
					// Another process created it (or is deleting it) meanwhile: wait and look again.
					if (nameOf(createError) !== 'ResourceInUseException') throw createError;
				}
				continue;
			}
		}
		if (status === 'ACTIVE' || status === 'UPDATING') return;
		// DELETING: someone deleted it; create it again once it is gone.
		if (status === 'DELETING') created = false;
		if (Date.now() > deadline)
			throw new Error(`The demo stream ${name} did not become ACTIVE within ${READY_TIMEOUT_MS / 1000} s (it is ${status ?? 'missing'}).`);
		await sleep(POLL_MS, signal);
	}
}

const nameOf = (error: unknown): string | undefined => (error as {name?: string} | undefined)?.name;

/**
 * Writes a stream's records with the console's producer until stopped. A refused record is retried in
 * its place (the producer keeps per-key order); one that fails for good is counted and reported. When
 * the stream goes away (deleted from the console, say), it is created again and writing goes on.
 */
async function write(
	kinesis: KinesisClient,
	stream: string,
	shards: number,
	meter: StreamMeter,
	signal: AbortSignal,
	reportError: (message: string) => void,
	source: () => AsyncIterable<ProducerRecord>,
): Promise<void> {
	let lastError: string | undefined;
	// Demo traffic goes on whatever failed (a deleted stream is made again): every failure is retried, from 1 s up to 5 s apart.
	const retries = new RetrySchedule(`writing to ${stream}`, {classify: () => 'transient', baseMs: 1_000, capMs: 5_000, minDelayMs: 1_000});
	while (!signal.aborted) {
		try {
			await ensureStream(kinesis, stream, shards, signal);
			for await (const result of produceRecords(kinesis, source(), {
				stream,
				signal,
				maxRetries: 30,
				retryBaseMs: 50,
				retryCapMs: 2_000,
				concurrency: 4,
			})) {
				if (result.ok) {
					retries.succeeded();
					meter.written(result.attempts - 1, result.overtook === true);
				} else if (result.error !== 'not sent: stopped') {
					meter.failed(result.attempts - 1);
					reportError(`demo: a record for ${stream} failed: ${result.error}`);
				}
			}
			lastError = undefined;
		} catch (error) {
			if (signal.aborted) return;
			const decision = retries.failed(error);
			if ('giveUp' in decision) throw decision.giveUp;
			const message = `demo: ${decision.retry.operation} failed: ${decision.retry.reason}; retrying`;
			if (message !== lastError) reportError(message);
			lastError = message;
			await sleep(decision.retry.delayMs, signal);
		}
	}
}

/**
 * Calls `make` every tick with the number of records due at `rate(t)` records per second since the
 * last tick. When the producer is behind (throttled), it pulls less often, and at most a second's
 * worth is made at once: the source slows down rather than piling up.
 */
async function* paced(
	signal: AbortSignal,
	rate: (t: number) => number,
	make: (count: number, t: number) => Iterable<ProducerRecord>,
	elapsed: () => number,
	tickMs = 100,
): AsyncGenerator<ProducerRecord> {
	let last = elapsed();
	let carry = 0;
	while (!signal.aborted) {
		await sleep(tickMs, signal);
		if (signal.aborted) return;
		const t = elapsed();
		const dt = Math.min(1, Math.max(0, t - last));
		last = t;
		carry += Math.max(0, rate(t)) * dt;
		const count = Math.floor(carry);
		carry -= count;
		if (count > 0) yield* make(count, t);
	}
}

/** A day-like wave: a slow swell, a faster ripple, and noise, around 1. */
function waveOf(periodSeconds: number, random: () => number): (t: number) => number {
	let noise = 0;
	let noiseAt = -1;
	return (t) => {
		if (t !== noiseAt) {
			noiseAt = t;
			noise = noise * 0.9 + (random() - 0.5) * 0.04;
		}
		const day = 0.35 * Math.sin((2 * Math.PI * t) / periodSeconds);
		const ripple = 0.1 * Math.sin((2 * Math.PI * t) / Math.max(5, periodSeconds / 16));
		return Math.max(0.2, 1 + day + ripple + noise);
	};
}

/** When bursts happen: a first one early, so the throttling shows soon, then every minute or so. */
class BurstSchedule {
	private readonly enabled: boolean;
	private readonly lasts: number;
	private readonly extra: number;
	private readonly every: readonly [number, number];
	private start: number;

	constructor(
		options: boolean | DemoBurstOptions,
		private readonly random: () => number,
	) {
		const settings = typeof options === 'object' ? options : {};
		this.enabled = options !== false;
		this.lasts = settings.lastsSeconds ?? 4;
		this.extra = settings.extraPerSecond ?? 1_400;
		this.every = settings.everySeconds ?? [45, 90];
		this.start = settings.firstAfterSeconds ?? 20;
	}

	activeAt(t: number): boolean {
		if (!this.enabled) return false;
		while (t >= this.start + this.lasts) {
			const [low, high] = this.every;
			this.start += this.lasts + low + this.random() * (high - low);
		}
		return t >= this.start;
	}

	/** Extra events per second at `t`. */
	extraAt(t: number): number {
		return this.activeAt(t) ? this.extra : 0;
	}
}

/** Written records per second over a sliding window, with retries and failures. */
class StreamMeter {
	private total = 0;
	private retries = 0;
	private failures = 0;
	private overtakes = 0;
	/** The second of the first result. */
	private first: number | undefined;
	/** [second, records written, retries] for the last seconds. */
	private readonly recent: Array<[number, number, number]> = [];

	constructor(private readonly stream: string) {}

	written(retries: number, overtook: boolean): void {
		this.total++;
		this.retries += retries;
		if (overtook) this.overtakes++;
		this.bucket(1, retries);
	}

	failed(retries: number): void {
		this.failures++;
		this.retries += retries;
		this.bucket(0, retries);
	}

	stats(): DemoStreamStats {
		const now = Math.floor(Date.now() / 1000);
		this.trim(now);
		// The current second is still filling: the rate is over the (up to five) whole seconds before it.
		const seconds = this.first === undefined ? 1 : Math.max(1, Math.min(5, now - this.first));
		const whole = this.recent.filter(([second]) => second < now && second >= now - seconds);
		const recordsPerSecond = whole.reduce((sum, [, count]) => sum + count, 0) / seconds;
		const recentRetries = this.recent.reduce((sum, [, , retries]) => sum + retries, 0);
		return {
			stream: this.stream,
			written: this.total,
			recordsPerSecond,
			retries: this.retries,
			recentRetries,
			failed: this.failures,
			overtook: this.overtakes,
		};
	}

	private bucket(records: number, retries: number): void {
		const second = Math.floor(Date.now() / 1000);
		this.first ??= second;
		const last = this.recent.at(-1);
		if (last && last[0] === second) {
			last[1] += records;
			last[2] += retries;
		} else {
			this.recent.push([second, records, retries]);
			this.trim(second);
		}
	}

	private trim(now: number): void {
		while (this.recent.length > 0 && this.recent[0]![0] <= now - 10) this.recent.shift();
	}
}
