import {randomUUID} from 'node:crypto';
import {gzipSync} from 'node:zlib';
import type {ProducerRecord} from '../producer.js';
import {gaussian} from './random.js';

// Log batches, as CloudWatch Logs sends them to a subscription's Kinesis stream

const DEMO_ACCOUNT = '123456789012';
const FILTER_NAME = 'to-kinesis-app-logs';

/** What CloudWatch Logs writes into the stream: one gzip'd JSON document per record. */
export interface LogsSubscriptionPayload {
	readonly messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
	readonly owner: string;
	readonly logGroup: string;
	readonly logStream: string;
	readonly subscriptionFilters: readonly string[];
	readonly logEvents: ReadonlyArray<{readonly id: string; readonly timestamp: number; readonly message: string}>;
}

interface LogSource {
	readonly group: string;
	readonly streams: readonly string[];
	readonly kind: 'lambda' | 'ecs';
	readonly service: string;
}

type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export class AppLogs {
	controlMessagePending = true;
	private readonly sources: readonly LogSource[];
	private eventCounter = 0;

	constructor(private readonly random: () => number) {
		const hex = (length: number) => Array.from({length}, () => Math.floor(this.random() * 16).toString(16)).join('');
		const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
		this.sources = [
			{
				group: '/aws/lambda/checkout-service',
				kind: 'lambda',
				service: 'checkout',
				streams: [0, 1, 2].map(() => `${day}/[$LATEST]${hex(32)}`),
			},
			{
				group: '/aws/lambda/image-resizer',
				kind: 'lambda',
				service: 'image-resizer',
				streams: [0, 1].map(() => `${day}/[$LATEST]${hex(32)}`),
			},
			{group: '/ecs/payments-api', kind: 'ecs', service: 'payments-api', streams: [0, 1, 2].map(() => `ecs/payments-api/${hex(32)}`)},
			{group: '/ecs/search-api', kind: 'ecs', service: 'search-api', streams: [0, 1].map(() => `ecs/search-api/${hex(32)}`)},
		];
	}

	/** The message CloudWatch Logs sends first, when a subscription is created. */
	controlMessage(): ProducerRecord {
		this.controlMessagePending = false;
		const payload: LogsSubscriptionPayload = {
			messageType: 'CONTROL_MESSAGE',
			owner: 'CloudwatchLogs',
			logGroup: '',
			logStream: '',
			subscriptionFilters: [],
			logEvents: [{id: '', timestamp: Date.now(), message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.'}],
		};
		return {partitionKey: randomUUID(), data: gzipSync(JSON.stringify(payload))};
	}

	/** `count` batches; during a burst, more warnings and errors. */
	*batches(count: number, troubled = false): Generator<ProducerRecord> {
		for (let index = 0; index < count; index++) {
			const source = this.sources[Math.floor(this.random() * this.sources.length)]!;
			const logStream = source.streams[Math.floor(this.random() * source.streams.length)]!;
			const size = 5 + Math.floor(this.random() * 36);
			const now = Date.now();
			const logEvents = Array.from({length: size}, (_, position) => {
				const timestamp = now - (size - position) * Math.floor(5 + this.random() * 40);
				return {id: this.eventId(timestamp), timestamp, message: this.line(source, timestamp, troubled)};
			});
			const payload: LogsSubscriptionPayload = {
				messageType: 'DATA_MESSAGE',
				owner: DEMO_ACCOUNT,
				logGroup: source.group,
				logStream,
				subscriptionFilters: [FILTER_NAME],
				logEvents,
			};
			yield {partitionKey: logStream, data: gzipSync(JSON.stringify(payload))};
		}
	}

	/** A 56-digit id, as CloudWatch Logs gives its events: the time first, then a counter. */
	private eventId(timestamp: number): string {
		this.eventCounter++;
		return `${String(timestamp).padStart(20, '0')}${String(this.eventCounter).padStart(18, '0')}${String(Math.floor(this.random() * 1e18)).padStart(18, '0')}`.slice(
			0,
			56,
		);
	}

	private level(troubled: boolean): Level {
		const roll = this.random();
		if (troubled) return roll < 0.12 ? 'ERROR' : roll < 0.35 ? 'WARN' : roll < 0.45 ? 'DEBUG' : 'INFO';
		return roll < 0.03 ? 'ERROR' : roll < 0.1 ? 'WARN' : roll < 0.25 ? 'DEBUG' : 'INFO';
	}

	private line(source: LogSource, timestamp: number, troubled: boolean): string {
		const level = this.level(troubled);
		const requestId = randomUUID();
		const time = new Date(timestamp).toISOString();
		const ms = Math.round(Math.exp(Math.log(40) + 0.8 * gaussian(this.random)));
		if (source.kind === 'lambda') {
			const roll = this.random();
			if (roll < 0.08) return `START RequestId: ${requestId} Version: $LATEST`;
			if (roll < 0.16) {
				return `REPORT RequestId: ${requestId}\tDuration: ${(ms + this.random()).toFixed(2)} ms\tBilled Duration: ${ms + 1} ms\tMemory Size: 512 MB\tMax Memory Used: ${60 + Math.floor(this.random() * 90)} MB`;
			}
			return `${time}\t${requestId}\t${level}\t${this.text(source, level, ms)}`;
		}
		// ECS services log structured JSON lines.
		return JSON.stringify({
			time,
			level: level.toLowerCase(),
			service: source.service,
			requestId,
			durationMs: ms,
			msg: this.text(source, level, ms),
		});
	}

	private text(source: LogSource, level: Level, ms: number): string {
		const order = `ord_${Math.floor(100_000 + this.random() * 900_000)}`;
		const pick = (options: readonly string[]) => options[Math.floor(this.random() * options.length)]!;
		switch (level) {
			case 'ERROR':
				return pick([
					`Payment declined for ${order}: card_expired`,
					`Timeout after ${ms + 3000} ms calling inventory-service /reserve`,
					'ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000001 in stream clickstream',
					`Unhandled exception: TypeError: Cannot read properties of undefined (reading 'sku')`,
					`Connection pool exhausted (max 20) for db-primary`,
				]);
			case 'WARN':
				return pick([
					`Slow query on orders table: ${ms * 12} ms`,
					`Retrying PutRecords, 37 records throttled (attempt 2)`,
					`Cache miss ratio 0.${Math.floor(40 + this.random() * 50)} above threshold`,
					`Deprecated API version used by client ios-app/5.2.1`,
				]);
			case 'DEBUG':
				return pick([
					`Cache hit for key product:${Math.floor(this.random() * 9999)}`,
					`Feature flag new-checkout=${this.random() < 0.5} for ${order}`,
					`Parsed request in ${Math.max(1, ms >> 4)} ms`,
				]);
			default:
				return source.service === 'checkout'
					? pick([`Order ${order} created, total ${(this.random() * 400 + 5).toFixed(2)} USD`, `Cart validated for ${order} in ${ms} ms`])
					: source.service === 'image-resizer'
						? `Resized images/${Math.floor(this.random() * 1e6)}.jpg to 3 sizes in ${ms} ms`
						: source.service === 'payments-api'
							? pick([`Charge captured for ${order}`, `POST /v1/charges 201 ${ms}ms`, `GET /v1/charges/${order} 200 ${ms}ms`])
							: pick([
									`GET /search?q=shoes 200 ${ms}ms`,
									`Index refreshed: ${Math.floor(this.random() * 500)} documents`,
									`GET /suggest?q=esp 200 ${ms}ms`,
								]);
		}
	}
}
