import {defineAction} from './action.js';
import {openShardCount} from './shardLimit.js';

const ON_DEMAND_STREAM_LIMIT = 50;

export default defineAction({}, (context) => ({
	ShardLimit: context.limits.shardLimit,
	OpenShardCount: openShardCount(context),
	OnDemandStreamCount: context.streams.list(context.region, context.nowMs).filter((stream) => stream.mode === 'ON_DEMAND').length,
	OnDemandStreamCountLimit: ON_DEMAND_STREAM_LIMIT,
}));
