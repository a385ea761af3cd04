import {defineAction, perAccount} from '../action.js';
import {onDemandStreamCount, openShardCount, shardLimitIn} from '../model/shardLimit.js';

export default defineAction(
	{},
	(context) => ({
		ShardLimit: shardLimitIn(context.region, context.limits.shardLimit),
		OpenShardCount: openShardCount(context),
		OnDemandStreamCount: onDemandStreamCount(context),
		OnDemandStreamCountLimit: context.limits.onDemandStreamLimit,
	}),
	// "This operation has a limit of one transaction per second per account." (API_DescribeLimits)
	{quota: perAccount(1)},
);
