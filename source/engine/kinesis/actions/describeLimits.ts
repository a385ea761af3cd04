import {defineAction} from '../action.js';
import {onDemandStreamCount, openShardCount, shardLimitIn} from '../model/shardLimit.js';

export default defineAction({}, (context) => ({
	ShardLimit: shardLimitIn(context.region, context.limits.shardLimit),
	OpenShardCount: openShardCount(context),
	OnDemandStreamCount: onDemandStreamCount(context),
	OnDemandStreamCountLimit: context.limits.onDemandStreamLimit,
}));
