import {Timestamp} from '../protocol/values.js';
import {invalidNextToken, invalidParameterCombination, invalidParameterValue, missingParameter} from './errors.js';
import type {MetricStore, Series} from './metricStore.js';
import {Metric, Unit, checkPeriod, defineAction, isStatistic, statisticAt, unsupportedStatistic, type Statistic} from './action.js';

const DEFAULT_MAX_DATAPOINTS = 100_800;

/** Where the next page starts: the query, and the last timestamp already returned for it. */
interface PageToken {
	readonly query: number;
	readonly afterMs: number;
}

export default defineAction(
	{
		MetricDataQueries: {
			type: 'List',
			required: true,
			max: 500,
			memberText: 'com.amazonaws.cloudwatch.MetricDataQuery',
			member: {
				type: 'Structure',
				members: {
					Id: {type: 'String', required: true, min: 1, max: 255},
					MetricStat: {
						type: 'Structure',
						members: {
							Metric: {...Metric, required: true},
							Period: {type: 'Integer', required: true, minValue: 1},
							Stat: {type: 'String', required: true},
							Unit,
						},
					},
					Expression: {type: 'String', min: 1, max: 2048},
					Label: {type: 'String'},
					ReturnData: {type: 'Boolean'},
					Period: {type: 'Integer', minValue: 1},
					AccountId: {type: 'String', min: 1, max: 255},
				},
			},
		},
		StartTime: {type: 'Timestamp', required: true},
		EndTime: {type: 'Timestamp', required: true},
		NextToken: {type: 'String'},
		ScanBy: {type: 'String', enum: ['TimestampDescending', 'TimestampAscending']},
		MaxDatapoints: {type: 'Integer'},
		LabelOptions: {type: 'Structure', members: {Timezone: {type: 'String'}}},
	},
	({metrics, region}, input) => {
		const startMs = input.StartTime.getTime();
		const endMs = input.EndTime.getTime();
		if (startMs >= endMs) throw invalidParameterCombination('The parameter StartTime must be less than the parameter EndTime.');
		if (input.MetricDataQueries.length === 0) throw missingParameter('MetricDataQueries');
		const ids = new Set<string>();
		const queries = input.MetricDataQueries.map((query, index) => {
			const member = `MetricDataQueries.member.${index + 1}`;
			if (ids.has(query.Id)) throw invalidParameterValue(`The value ${query.Id} for parameter ${member}.Id is not unique.`);
			ids.add(query.Id);
			if (!/^[a-z][a-zA-Z0-9_]*$/.test(query.Id)) {
				throw invalidParameterValue(
					`The value ${query.Id} for parameter ${member}.Id is invalid: it must start with a lowercase letter and hold only letters, numbers and underscores.`,
				);
			}
			if (query.Expression !== undefined && query.MetricStat !== undefined) {
				throw invalidParameterCombination(
					`The parameters ${member}.MetricStat and ${member}.Expression are mutually exclusive and you have specified both.`,
				);
			}
			if (query.Expression !== undefined) {
				throw invalidParameterValue(
					`The parameter ${member}.Expression is not supported by the built-in engine, which does not evaluate metric math: query with MetricStat.`,
				);
			}
			const stat = query.MetricStat;
			if (!stat) throw missingParameter(`${member}.MetricStat`);
			checkPeriod(stat.Period, `${member}.MetricStat.Period`);
			if (!isStatistic(stat.Stat)) throw unsupportedStatistic(stat.Stat, `${member}.MetricStat.Stat`);
			if (stat.Metric.Namespace === undefined) throw missingParameter(`${member}.MetricStat.Metric.Namespace`);
			if (stat.Metric.MetricName === undefined) throw missingParameter(`${member}.MetricStat.Metric.MetricName`);
			return {
				id: query.Id,
				label: query.Label ?? stat.Metric.MetricName,
				returnData: query.ReturnData ?? true,
				statistic: stat.Stat,
				periodMs: stat.Period * 1000,
				unit: stat.Unit,
				series: metrics.find(region, stat.Metric.Namespace, stat.Metric.MetricName, stat.Metric.Dimensions ?? []),
			};
		});

		const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
		const token = input.NextToken === undefined ? undefined : decodeToken(input.NextToken, queries.length);
		let room = Math.max(1, input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS);
		const results = [];
		let next: PageToken | undefined;
		for (let index = token?.query ?? 0; index < queries.length; index++) {
			const query = queries[index];
			if (!query?.returnData) continue;
			if (room === 0) {
				next = {query: index, afterMs: Number.NaN};
				break;
			}
			let points = pointsOf(metrics, query.series, query.unit, query.statistic, query.periodMs, startMs, endMs);
			if (descending) points = points.reverse();
			if (token && index === token.query && !Number.isNaN(token.afterMs)) {
				points = points.filter(([timestampMs]) => (descending ? timestampMs < token.afterMs : timestampMs > token.afterMs));
			}
			const page = points.slice(0, room);
			room -= page.length;
			const complete = page.length === points.length;
			if (!complete) next = {query: index, afterMs: (page.at(-1) as [number, number])[0]};
			results.push({
				Id: query.id,
				Label: query.label,
				Timestamps: page.map(([timestampMs]) => new Timestamp(timestampMs)),
				Values: page.map(([, value]) => value),
				StatusCode: complete ? 'Complete' : 'PartialData',
				Messages: [],
			});
			if (!complete) break;
		}
		return {MetricDataResults: results, Messages: [], ...(next ? {NextToken: encodeToken(next)} : {})};
	},
);

function pointsOf(
	metrics: MetricStore,
	series: Series | undefined,
	unit: string | undefined,
	statistic: Statistic,
	periodMs: number,
	startMs: number,
	endMs: number,
): Array<[number, number]> {
	if (!series || (unit !== undefined && unit !== series.unit)) return [];
	const data = metrics.aggregate(series, periodMs, startMs, endMs);
	return data.timestamps.map((timestampMs, index) => [timestampMs, statisticAt(data, index, statistic)]);
}

function encodeToken(token: PageToken): string {
	return Buffer.from(JSON.stringify([token.query, Number.isNaN(token.afterMs) ? null : token.afterMs])).toString('base64url');
}

function decodeToken(text: string, queryCount: number): PageToken {
	try {
		const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
		if (
			Array.isArray(parsed) &&
			Number.isInteger(parsed[0]) &&
			parsed[0] >= 0 &&
			parsed[0] < queryCount &&
			(parsed[1] === null || typeof parsed[1] === 'number')
		) {
			return {query: parsed[0] as number, afterMs: parsed[1] === null ? Number.NaN : (parsed[1] as number)};
		}
	} catch {
		// Falls through to the error below.
	}
	throw invalidNextToken();
}
