import type {MetricStore} from './cloudwatch/metricStore.js';
import type {CountedAction, RequestCounter} from './protocol/dispatch.js';

/** The engine's own CloudWatch namespace: what it was asked, per service and operation. */
export const ENGINE_NAMESPACE = 'KinesisConsole/Engine';

/**
 * Requests to one action in one region since the engine started, and how many a quota refused. Its
 * `operation` is named after the dimension the counts are published under (Operation),
 * which dashboards and bench/scale.ts read: a published name stays.
 */
export interface OperationCount {
	readonly region: string;
	readonly service: string;
	readonly operation: string;
	readonly requests: number;
	/** Answered LimitExceededException or ProvisionedThroughputExceededException. */
	readonly refused: number;
}

interface Counter extends CountedAction, Omit<OperationCount, 'requests' | 'refused'> {
	requests: number;
	refused: number;
	/** What the metric store has been given so far. */
	publishedRequests: number;
	publishedRefused: number;
}

/** Distinct (region, service, operation) counted; past it, requests count under operation `(other)`. */
const MAX_COUNTERS = 2_000;

/**
 * Counts every request the engine serves, per region, service and operation: one map lookup and an
 * increment on the request's path. The counts are published into the metric store (namespace
 * KinesisConsole/Engine, metrics Requests and Refused, dimensions Service and Operation) by `publish`,
 * which the engine calls once a second and before every CloudWatch request, not per request.
 */
export class RequestCounts implements RequestCounter {
	/** By region, then service, then operation: no key is built on a request's path. */
	private readonly counters = new Map<string, Map<string, Map<string, Counter>>>();
	private size = 0;

	constructor(private readonly metrics: MetricStore) {}

	count(region: string, service: string, operation: string): CountedAction {
		let services = this.counters.get(region);
		if (!services) this.counters.set(region, (services = new Map()));
		let operations = services.get(service);
		if (!operations) services.set(service, (operations = new Map()));
		let counter = operations.get(operation);
		if (!counter) {
			if (this.size >= MAX_COUNTERS && operation !== '(other)') return this.count(region, service, '(other)');
			counter = {region, service, operation, requests: 0, refused: 0, publishedRequests: 0, publishedRefused: 0};
			operations.set(operation, counter);
			this.size++;
		}
		counter.requests++;
		return counter;
	}

	/** Every operation counted so far, by region, service and operation name. */
	snapshot(): OperationCount[] {
		return [...this.all()]
			.map(({region, service, operation, requests, refused}) => ({region, service, operation, requests, refused}))
			.sort((a, b) => compare(a.region, b.region) || compare(a.service, b.service) || compare(a.operation, b.operation));
	}

	/** Adds what was counted since the last call to the metric store, at `nowMs`. */
	publish(nowMs: number): void {
		for (const counter of this.all()) {
			const requests = counter.requests - counter.publishedRequests;
			const refused = counter.refused - counter.publishedRefused;
			if (requests > 0) this.observe(counter, 'Requests', requests, nowMs);
			if (refused > 0) this.observe(counter, 'Refused', refused, nowMs);
			counter.publishedRequests = counter.requests;
			counter.publishedRefused = counter.refused;
		}
	}

	private *all(): Iterable<Counter> {
		for (const services of this.counters.values()) for (const operations of services.values()) yield* operations.values();
	}

	private observe(counter: Counter, name: string, value: number, nowMs: number): void {
		const dimensions = [
			{Name: 'Service', Value: counter.service},
			{Name: 'Operation', Value: counter.operation},
		];
		this.metrics.engineSeries(counter.region, ENGINE_NAMESPACE, name, dimensions, 'Count')?.observe(value, nowMs);
	}
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
