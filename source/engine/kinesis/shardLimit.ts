import {limitExceeded} from '../protocol/errors.js';
import {isOpen} from '../store/streamState.js';
import type {ActionContext} from './action.js';

/** Open shards of the account in the request's region. */
export function openShardCount(context: ActionContext): number {
	let count = 0;
	for (const stream of context.streams.list(context.region, context.nowMs)) count += stream.shards.filter(isOpen).length;
	return count;
}

/** Refuses a request that would take the account's open shards past its limit, with AWS's message. */
export function checkShardLimit(context: ActionContext, additional: number): void {
	const current = openShardCount(context);
	if (current + additional <= context.limits.shardLimit) return;
	throw limitExceeded(
		`This request would exceed the shard limit for the account ${context.streams.account} in ${context.region}. ` +
			`Current shard count for the account: ${current}. Limit: ${context.limits.shardLimit}. ` +
			`Number of additional shards that would have resulted from this request: ${additional}. ` +
			'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.',
	);
}
