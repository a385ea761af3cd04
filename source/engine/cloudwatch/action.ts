import type {Infer, Schema} from '../protocol/schema.js';
import {invalidParameterValue} from './errors.js';
import type {Aggregate, MetricStore} from './metricStore.js';

/** What a CloudWatch action sees: the metric data, and the region the request was signed for. */
export interface CloudWatchContext {
	readonly metrics: MetricStore;
	readonly region: string;
	readonly nowMs: number;
}

export interface CloudWatchAction<S extends Schema = Schema> {
	readonly schema: S;
	readonly run: (context: CloudWatchContext, input: Infer<S>) => object;
}

export const defineAction = <S extends Schema>(schema: S, run: CloudWatchAction<S>['run']): CloudWatchAction<S> => ({schema, run});

export const UNITS = [
	'Seconds',
	'Microseconds',
	'Milliseconds',
	'Bytes',
	'Kilobytes',
	'Megabytes',
	'Gigabytes',
	'Terabytes',
	'Bits',
	'Kilobits',
	'Megabits',
	'Gigabits',
	'Terabits',
	'Percent',
	'Count',
	'Bytes/Second',
	'Kilobytes/Second',
	'Megabytes/Second',
	'Gigabytes/Second',
	'Terabytes/Second',
	'Bits/Second',
	'Kilobits/Second',
	'Megabits/Second',
	'Gigabits/Second',
	'Terabits/Second',
	'Count/Second',
	'None',
] as const;

export const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type Statistic = (typeof STATISTICS)[number];

export const Namespace = {type: 'String', min: 1, max: 255, pattern: '[^:].*'} as const;
export const MetricName = {type: 'String', min: 1, max: 255} as const;
export const Unit = {type: 'String', enum: UNITS} as const;
export const Dimensions = {
	type: 'List',
	max: 30,
	memberText: 'com.amazonaws.cloudwatch.Dimension',
	member: {
		type: 'Structure',
		members: {
			Name: {type: 'String', required: true, min: 1, max: 255},
			Value: {type: 'String', required: true, min: 1, max: 1024},
		},
	},
} as const;
export const Metric = {type: 'Structure', members: {Namespace, MetricName, Dimensions}} as const;

/** Periods CloudWatch serves: 1, 5, 10 and 30 seconds from high-resolution data, or whole minutes. */
export function checkPeriod(period: number, parameter: string): void {
	if (period === 1 || period === 5 || period === 10 || period === 30 || (period >= 60 && period % 60 === 0)) return;
	throw invalidParameterValue(`The parameter ${parameter} must be 1, 5, 10, 30, or a multiple of 60.`);
}

export const isStatistic = (name: string): name is Statistic => (STATISTICS as readonly string[]).includes(name);

/** One statistic of the i-th period of an aggregate. */
export function statisticAt(aggregate: Aggregate, index: number, statistic: Statistic): number {
	const sampleCount = aggregate.sampleCount[index] ?? 0;
	switch (statistic) {
		case 'SampleCount':
			return sampleCount;
		case 'Sum':
			return aggregate.sum[index] ?? 0;
		case 'Average':
			return sampleCount === 0 ? 0 : (aggregate.sum[index] ?? 0) / sampleCount;
		case 'Minimum':
			return aggregate.minimum[index] ?? 0;
		case 'Maximum':
			return aggregate.maximum[index] ?? 0;
	}
}

/** The message for a statistic the engine does not keep (percentiles and trimmed statistics need every sample). */
export const unsupportedStatistic = (statistic: string, parameter: string) =>
	invalidParameterValue(
		`The value ${statistic} for parameter ${parameter} is not supported by the built-in engine, which keeps SampleCount, Average, Sum, Minimum and Maximum only.`,
	);
