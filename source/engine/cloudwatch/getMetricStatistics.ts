import {Timestamp} from '../protocol/values.js';
import {invalidParameterCombination} from './errors.js';
import {
	Dimensions,
	MetricName,
	Namespace,
	STATISTICS,
	Unit,
	checkPeriod,
	defineAction,
	statisticAt,
	unsupportedStatistic,
	type Statistic,
} from './action.js';

const MAX_DATAPOINTS = 1440;

export default defineAction(
	{
		Namespace: {...Namespace, required: true},
		MetricName: {...MetricName, required: true},
		Dimensions,
		StartTime: {type: 'Timestamp', required: true},
		EndTime: {type: 'Timestamp', required: true},
		Period: {type: 'Integer', required: true, minValue: 1},
		Statistics: {type: 'List', min: 1, max: 5, member: {type: 'String', enum: STATISTICS}},
		ExtendedStatistics: {type: 'List', min: 1, max: 10, member: {type: 'String'}},
		Unit,
	},
	({metrics, region}, input) => {
		const statistics = input.Statistics ?? [];
		const extended = input.ExtendedStatistics ?? [];
		if ((statistics.length === 0) === (extended.length === 0)) {
			throw invalidParameterCombination('Must specify either Statistics or ExtendedStatistics, but not both.');
		}
		const [percentile] = extended;
		if (percentile !== undefined) throw unsupportedStatistic(percentile, 'ExtendedStatistics');
		checkPeriod(input.Period, 'Period');
		const startMs = input.StartTime.getTime();
		const endMs = input.EndTime.getTime();
		if (startMs >= endMs) throw invalidParameterCombination('The parameter StartTime must be less than the parameter EndTime.');
		const periodMs = input.Period * 1000;
		const requested = Math.ceil((endMs - Math.floor(startMs / periodMs) * periodMs) / periodMs);
		if (requested > MAX_DATAPOINTS) {
			throw invalidParameterCombination(
				`You have requested up to ${requested.toLocaleString('en-US')} datapoints, which exceeds the limit of 1,440. ` +
					'You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
			);
		}

		const series = metrics.find(region, input.Namespace, input.MetricName, input.Dimensions ?? []);
		if (!series || (input.Unit !== undefined && input.Unit !== series.unit)) return {Label: input.MetricName, Datapoints: []};
		const aggregate = metrics.aggregate(series, periodMs, startMs, endMs);
		return {
			Label: input.MetricName,
			Datapoints: aggregate.timestamps.map((timestampMs, index) => {
				const point: Record<string, unknown> = {Timestamp: new Timestamp(timestampMs)};
				for (const statistic of statistics) point[statistic] = statisticAt(aggregate, index, statistic as Statistic);
				point.Unit = series.unit;
				return point;
			}),
		};
	},
);
