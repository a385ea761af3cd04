import {invalidNextToken} from './errors.js';
import {RESOLUTIONS, MINUTE, SECOND, type Series} from './metricStore.js';
import {MetricName, Namespace, defineAction} from './action.js';

const PAGE_SIZE = 500;

/**
 * The metrics of the request's region with data in the last 15 days (the last 3 hours with
 * RecentlyActive PT3H), in a stable order. A dimension filter matches metrics that have the dimension
 * (with that value, when one is given), whatever other dimensions they have.
 */
export default defineAction(
	{
		Namespace,
		MetricName,
		Dimensions: {
			type: 'List',
			max: 10,
			memberText: 'com.amazonaws.cloudwatch.DimensionFilter',
			member: {
				type: 'Structure',
				members: {
					Name: {type: 'String', required: true, min: 1, max: 255},
					Value: {type: 'String', min: 1, max: 1024},
				},
			},
		},
		NextToken: {type: 'String'},
		RecentlyActive: {type: 'String', enum: ['PT3H']},
		IncludeLinkedAccounts: {type: 'Boolean'},
		OwningAccount: {type: 'String', min: 1, max: 255},
	},
	({metrics, region, nowMs}, input) => {
		const windowMs = RESOLUTIONS[input.RecentlyActive === 'PT3H' ? SECOND : MINUTE].windowMs;
		const after = input.NextToken === undefined ? undefined : decodeToken(input.NextToken);
		const filters = input.Dimensions ?? [];
		const matches = (series: Series) =>
			(input.Namespace === undefined || series.namespace === input.Namespace) &&
			(input.MetricName === undefined || series.name === input.MetricName) &&
			filters.every((filter) =>
				series.dimensions.some(
					(dimension) => dimension.Name === filter.Name && (filter.Value === undefined || dimension.Value === filter.Value),
				),
			) &&
			(after === undefined || series.key > after);
		const found = metrics.list(region, nowMs - windowMs).filter(matches);
		const page = found.slice(0, PAGE_SIZE);
		const last = page.at(-1);
		return {
			Metrics: page.map((series) => ({
				Namespace: series.namespace,
				MetricName: series.name,
				Dimensions: series.dimensions.map(({Name, Value}) => ({Name, Value})),
			})),
			...(found.length > PAGE_SIZE && last ? {NextToken: Buffer.from(last.key, 'utf8').toString('base64url')} : {}),
		};
	},
);

function decodeToken(text: string): string {
	const key = Buffer.from(text, 'base64url').toString('utf8');
	if (key.length === 0 || !key.includes('\u0000')) throw invalidNextToken();
	return key;
}
