import {defineAction, perAccount} from '../action.js';
import {describeShard, describeSummary, visibleShards} from './describe.js';
import {ShardId, StreamRef} from '../model/fields.js';
import {shardIndexOf} from '../model/names.js';

export default defineAction(
	{...StreamRef, Limit: {type: 'Integer', minValue: 1, maxValue: 10_000}, ExclusiveStartShardId: ShardId},
	({streams, region, nowMs}, input) => {
		const stream = streams.find(region, input, nowMs);
		const after = input.ExclusiveStartShardId === undefined ? -1 : (shardIndexOf(input.ExclusiveStartShardId) ?? -1);
		// The model allows up to 10,000, but AWS returns at most 100 shards a call.
		const limit = Math.min(input.Limit ?? 100, 100);
		const remaining = visibleShards(stream, nowMs).filter((shard) => shard.index > after);
		const {OpenShardCount: _open, ConsumerCount: _consumers, ...summary} = describeSummary(streams, stream, nowMs);
		return {
			StreamDescription: {
				...summary,
				Shards: remaining.slice(0, limit).map((shard) => describeShard(stream, shard)),
				HasMoreShards: remaining.length > limit,
			},
		};
	},
	// "This operation has a limit of 10 transactions per second per account." (API_DescribeStream)
	{quota: perAccount(10)},
);
