import {limitExceeded, invalidParameterCombination, invalidParameterValue, missingParameter} from './errors.js';
import {seriesKey, type Dimension} from './metricStore.js';
import {Dimensions, MetricName, Namespace, Unit, defineAction} from './action.js';

const TWO_WEEKS_MS = 14 * 86_400_000;
const TWO_HOURS_MS = 2 * 3_600_000;

/** One datum, checked and reduced to what is added: a summary of its samples at a time. */
interface Put {
	readonly name: string;
	readonly dimensions: readonly Dimension[];
	readonly unit: string;
	readonly atMs: number;
	readonly sum: number;
	readonly minimum: number;
	readonly maximum: number;
	readonly sampleCount: number;
}

/**
 * Custom metrics, as KCL publishes MillisBehindLatest and the rest under its application's namespace.
 * The whole request is checked before anything is kept. Standard (60 s) and high (1 s) resolution data
 * are kept alike: both can be read at 1-second periods for 3 hours and at 1-minute periods for 15 days.
 */
export default defineAction(
	{
		Namespace: {...Namespace, required: true},
		MetricData: {
			type: 'List',
			max: 1000,
			memberText: 'com.amazonaws.cloudwatch.MetricDatum',
			member: {
				type: 'Structure',
				members: {
					MetricName: {...MetricName, required: true},
					Dimensions,
					Timestamp: {type: 'Timestamp'},
					Value: {type: 'Double'},
					StatisticValues: {
						type: 'Structure',
						members: {
							SampleCount: {type: 'Double', required: true},
							Sum: {type: 'Double', required: true},
							Minimum: {type: 'Double', required: true},
							Maximum: {type: 'Double', required: true},
						},
					},
					Values: {type: 'List', max: 150, member: {type: 'Double'}},
					Counts: {type: 'List', max: 150, member: {type: 'Double'}},
					Unit,
					StorageResolution: {type: 'Integer', minValue: 1},
				},
			},
		},
		StrictEntityValidation: {type: 'Boolean'},
	},
	({metrics, region, nowMs}, input) => {
		if (input.Namespace.startsWith('AWS/')) throw invalidParameterValue(`The value ${input.Namespace} for parameter Namespace is invalid.`);
		const data = input.MetricData ?? [];
		if (data.length === 0) throw missingParameter('MetricData');
		const puts: Put[] = data.map((datum, index) => {
			const member = `MetricData.member.${index + 1}`;
			const atMs = datum.Timestamp?.getTime() ?? nowMs;
			if (atMs < nowMs - TWO_WEEKS_MS)
				throw invalidParameterValue(`The parameter ${member}.Timestamp must specify a time no more than two weeks in the past.`);
			if (atMs > nowMs + TWO_HOURS_MS)
				throw invalidParameterValue(`The parameter ${member}.Timestamp must specify a time no more than two hours in the future.`);
			if (datum.StorageResolution !== undefined && datum.StorageResolution !== 1 && datum.StorageResolution !== 60) {
				throw invalidParameterValue(`The value ${datum.StorageResolution} for parameter ${member}.StorageResolution is invalid.`);
			}
			const dimensions = datum.Dimensions ?? [];
			const names = new Set(dimensions.map((dimension) => dimension.Name));
			if (names.size !== dimensions.length)
				throw invalidParameterValue(`No metric may have duplicate dimension names: ${member}.Dimensions.`);
			return {name: datum.MetricName, dimensions, unit: datum.Unit ?? 'None', atMs, ...summaryOf(datum, member)};
		});

		const newSeries = metrics.missing(puts.map((put) => seriesKey(region, input.Namespace, put.name, put.dimensions)));
		if (newSeries > metrics.clientSeriesRoom) {
			throw limitExceeded(
				`The built-in engine keeps at most ${metrics.clientSeriesRoom + metrics.stats().clientSeries} custom metrics and this request would create ${newSeries} more ` +
					`than the ${Math.max(0, metrics.clientSeriesRoom)} left. Metrics without data for 15 days are forgotten.`,
			);
		}
		for (const put of puts) {
			metrics
				.clientSeriesFor(region, input.Namespace, put.name, put.dimensions, put.unit)
				.observeStatistics(put.sum, put.minimum, put.maximum, put.sampleCount, put.atMs);
		}
		return {};
	},
);

function summaryOf(
	datum: {
		Value?: number;
		StatisticValues?: {SampleCount: number; Sum: number; Minimum: number; Maximum: number};
		Values?: number[];
		Counts?: number[];
	},
	member: string,
): Pick<Put, 'sum' | 'minimum' | 'maximum' | 'sampleCount'> {
	const given = [
		datum.Value !== undefined && 'Value',
		datum.StatisticValues !== undefined && 'StatisticValues',
		datum.Values !== undefined && 'Values',
	].filter((name): name is string => name !== false);
	if (given.length > 1) {
		throw invalidParameterCombination(
			`The parameters ${member}.${given[0]} and ${member}.${given[1]} are mutually exclusive and you have specified both.`,
		);
	}
	if (datum.Counts !== undefined && datum.Values === undefined) throw missingParameter(`${member}.Values`);
	if (datum.Value !== undefined) return {sum: datum.Value, minimum: datum.Value, maximum: datum.Value, sampleCount: 1};
	const statistics = datum.StatisticValues;
	if (statistics) {
		if (statistics.SampleCount <= 0)
			throw invalidParameterValue(`The parameter ${member}.StatisticValues.SampleCount must be greater than 0.`);
		if (statistics.Minimum > statistics.Maximum) {
			throw invalidParameterValue(
				`The parameter ${member}.StatisticValues.Maximum must be greater than or equal to ${member}.StatisticValues.Minimum.`,
			);
		}
		return {sum: statistics.Sum, minimum: statistics.Minimum, maximum: statistics.Maximum, sampleCount: statistics.SampleCount};
	}
	const values = datum.Values ?? [];
	if (values.length === 0) throw missingParameter(`${member}.Value`);
	const counts = datum.Counts;
	if (counts !== undefined && counts.length !== values.length) {
		throw invalidParameterCombination(`The parameters ${member}.Values and ${member}.Counts must be of the same size.`);
	}
	let sum = 0;
	let sampleCount = 0;
	let minimum = Number.POSITIVE_INFINITY;
	let maximum = Number.NEGATIVE_INFINITY;
	values.forEach((value, index) => {
		const count = counts?.[index] ?? 1;
		if (count <= 0) return;
		sum += value * count;
		sampleCount += count;
		minimum = Math.min(minimum, value);
		maximum = Math.max(maximum, value);
	});
	if (sampleCount === 0) throw invalidParameterValue(`The parameter ${member}.Counts must hold at least one count greater than 0.`);
	return {sum, minimum, maximum, sampleCount};
}
