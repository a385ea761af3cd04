import {limitExceeded} from '../../protocol/errors.js';
import {isOpen} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';

/**
 * AWS's default shard quota per account and region, from "Quotas and limits"
 * (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html): "The default shard
 * quota is 20,000 shards per AWS account for the following AWS Regions: US East (N. Virginia), US West
 * (Oregon), Europe (Ireland). For all other Regions, the default shard quota is 1,000 or 6,000 shards per
 * AWS account." The page does not say which regions have 6,000, so elsewhere the engine holds the lower.
 */
const LARGE_QUOTA_REGIONS: ReadonlySet<string> = new Set(['us-east-1', 'us-west-2', 'eu-west-1']);
export const LARGE_REGION_SHARD_LIMIT = 20_000;
export const OTHER_REGION_SHARD_LIMIT = 1_000;

/** The open shards an account may hold in a region: `--shard-limit` when given, otherwise AWS's default there. */
export function shardLimitIn(region: string, override: number | undefined): number {
	if (override !== undefined) return override;
	return LARGE_QUOTA_REGIONS.has(region) ? LARGE_REGION_SHARD_LIMIT : OTHER_REGION_SHARD_LIMIT;
}

/** Open shards of the account in the request's region. */
export function openShardCount(context: ActionContext): number {
	let count = 0;
	for (const stream of context.streams.list(context.region, context.nowMs)) count += stream.shards.filter(isOpen).length;
	return count;
}

/** Refuses a request that would take the account's open shards past its limit, with AWS's message. */
export function checkShardLimit(context: ActionContext, additional: number): void {
	const current = openShardCount(context);
	const limit = shardLimitIn(context.region, context.limits.shardLimit);
	if (current + additional <= limit) return;
	throw limitExceeded(
		`This request would exceed the shard limit for the account ${context.streams.account} in ${context.region}. ` +
			`Current shard count for the account: ${current}. Limit: ${limit}. ` +
			`Number of additional shards that would have resulted from this request: ${additional}. ` +
			'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.',
	);
}

/**
 * "By default, you can create up to 50 data streams with the on-demand capacity mode" (the same page).
 * DescribeLimits reports it as OnDemandStreamCountLimit.
 */
export const ON_DEMAND_STREAM_LIMIT = 50;

/** Streams in ON_DEMAND mode of the account in the request's region. */
export function onDemandStreamCount(context: ActionContext): number {
	return context.streams.list(context.region, context.nowMs).filter((stream) => stream.mode === 'ON_DEMAND').length;
}

/**
 * Refuses a request that would make one more ON_DEMAND stream past the account's limit. AWS's text for
 * this refusal is not recorded anywhere we could find (kinesalite predates on-demand mode); it is worded
 * after the shard-limit message above.
 */
export function checkOnDemandStreamLimit(context: ActionContext): void {
	const current = onDemandStreamCount(context);
	const limit = context.limits.onDemandStreamLimit;
	if (current < limit) return;
	throw limitExceeded(
		`This request would exceed the on-demand stream limit for the account ${context.streams.account} in ${context.region}. ` +
			`Current on-demand stream count for the account: ${current}. Limit: ${limit}.`,
	);
}
