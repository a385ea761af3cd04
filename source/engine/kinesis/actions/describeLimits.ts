import {defineAction, perAccount} from '../action.js';
import {channelCount} from '../model/channels.js';
import {onDemandStreamCount, openShardCount, shardLimitIn} from '../model/shardLimit.js';

export default defineAction(
	{},
	(context) => ({
		ShardLimit: shardLimitIn(context.region, context.limits.shardLimit),
		OpenShardCount: openShardCount(context),
		OnDemandStreamCount: onDemandStreamCount(context),
		OnDemandStreamCountLimit: context.limits.onDemandStreamLimit,
		// ChannelCount and ChannelCountLimit are in the service model (@aws-sdk/client-kinesis 3.1143.0's
		// DescribeLimitsOutput, both optional); no AWS page we could find states the channel quota's default,
		// so the engine reports the count and leaves the limit out rather than invent a number.
		ChannelCount: channelCount(context),
	}),
	// "This operation has a limit of one transaction per second per account." (API_DescribeLimits)
	{quota: perAccount(1)},
);
