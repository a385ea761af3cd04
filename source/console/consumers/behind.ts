import {kindOf, type Consumer, type StreamConsumers} from './index.js';
import type {LagPoint} from './kind.js';
import {METRIC_WINDOW_MS} from './metricSeries.js';
import {expiresInMs, judge, STATUS_ORDER, type ConsumerStatus, type Reading} from './status.js';

/** A consumer as the "who is behind" list shows it: its lag, its status over the window, and its time left before retention. */
export interface BehindRow {
	readonly key: string;
	readonly consumer: Consumer;
	readonly lagMs: number | undefined;
	readonly status: ConsumerStatus;
	readonly reason: string;
	/** Until its oldest unread record passes the stream's retention, ms; undefined when its lag is unknown. */
	readonly expiresInMs: number | undefined;
	/** The lag readings its status was judged on, oldest first: CloudWatch's minutes where its kind has them, else the samples taken. */
	readonly series: readonly LagPoint[];
	/** How far back `series` goes, ms. */
	readonly windowMs: number;
}

/** A consumer's key among the stream's: its kind and name, and a mapping's UUID (a function may have several). */
export const consumerKey = (consumer: Consumer): string =>
	`${consumer.kind}\u0000${consumer.name}\u0000${'uuid' in consumer ? consumer.uuid : ''}`;

/**
 * Readings of a stream's consumers, taken one discovery at a time, and the list worst first. Readings
 * older than the window are forgotten; a consumer no longer found is dropped.
 */
export class BehindHistory {
	private readonly readings = new Map<string, Reading[]>();
	private found: StreamConsumers | undefined;

	constructor(readonly windowMs: number) {}

	add(found: StreamConsumers, atMs = found.atMs ?? Date.now()): void {
		this.found = found;
		const keys = new Set<string>();
		for (const consumer of found.consumers) {
			const key = consumerKey(consumer);
			keys.add(key);
			const health = kindOf(consumer).health(consumer);
			const kept = (this.readings.get(key) ?? []).filter((reading) => reading.atMs >= atMs - this.windowMs);
			this.readings.set(key, [...kept, {atMs, lagMs: health.lagMs, position: health.position}]);
		}
		for (const key of [...this.readings.keys()]) if (!keys.has(key)) this.readings.delete(key);
	}

	/** Every consumer last found, worst first: by status, then least time left, then most lag, then kind and name. */
	rows(): BehindRow[] {
		const found = this.found;
		if (found === undefined) return [];
		const retentionMs = found.retentionHours === undefined ? undefined : found.retentionHours * 3_600_000;
		const rows = found.consumers.map((consumer): BehindRow => {
			const key = consumerKey(consumer);
			const health = kindOf(consumer).health(consumer);
			// A kind with a CloudWatch series is judged on it (minutes, further back); the others on the readings taken here.
			const cloud = health.lagSeries !== undefined && health.lagSeries.length > 0;
			const series = cloud ? (health.lagSeries ?? []) : (this.readings.get(key) ?? []);
			const windowMs = cloud ? METRIC_WINDOW_MS : this.windowMs;
			const {status, reason} = judge(series, health, windowMs);
			return {key, consumer, lagMs: health.lagMs, status, reason, expiresInMs: expiresInMs(health.lagMs, retentionMs), series, windowMs};
		});
		return rows.sort(
			(a, b) =>
				STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
				(a.expiresInMs ?? Infinity) - (b.expiresInMs ?? Infinity) ||
				(b.lagMs ?? -1) - (a.lagMs ?? -1) ||
				a.consumer.kind.localeCompare(b.consumer.kind) ||
				a.consumer.name.localeCompare(b.consumer.name),
		);
	}

	get problems(): StreamConsumers['problems'] {
		return this.found?.problems ?? [];
	}
}
