import {defineAction, perAccount} from '../action.js';
import {HashKey, ShardId, StreamRef} from '../model/fields.js';
import {activeStream, checkSplitPoint, openShard, shardIndexIn, split} from '../model/reshard.js';
import {checkShardLimit} from '../model/shardLimit.js';

export default defineAction(
	{...StreamRef, ShardToSplit: {...ShardId, required: true}, NewStartingHashKey: {...HashKey, required: true}},
	async (context, input) => {
		const index = shardIndexIn(context, input, input.ShardToSplit);
		const stream = activeStream(context, input);
		const shard = openShard(context, stream, index);
		const startHex = checkSplitPoint(context, stream, shard, input.NewStartingHashKey);
		checkShardLimit(context, 1);
		split(context, stream, shard, startHex);
		await context.streams.startUpdating(stream, context.nowMs);
		return {};
	},
	// "... has a limit of five transactions per second per account." (API_SplitShard)
	{quota: perAccount(5)},
);
