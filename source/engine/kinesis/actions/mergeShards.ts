import {invalidArgument} from '../../protocol/errors.js';
import {defineAction, perAccount} from '../action.js';
import {ShardId, StreamRef} from '../model/fields.js';
import {shardIdOf} from '../model/names.js';
import {activeStream, adjacent, merge, openShard, shardIndexIn} from '../model/reshard.js';

export default defineAction(
	{...StreamRef, ShardToMerge: {...ShardId, required: true}, AdjacentShardToMerge: {...ShardId, required: true}},
	async (context, input) => {
		const lowerIndex = shardIndexIn(context, input, input.ShardToMerge);
		const upperIndex = shardIndexIn(context, input, input.AdjacentShardToMerge);
		const stream = activeStream(context, input);
		const lower = openShard(context, stream, lowerIndex);
		const upper = openShard(context, stream, upperIndex);
		// AWS merges only when ShardToMerge's range ends right below AdjacentShardToMerge's; the inverted pair is refused alike.
		if (lower === upper || !adjacent(lower, upper)) {
			throw invalidArgument(
				`Shards ${shardIdOf(lowerIndex)} and ${shardIdOf(upperIndex)} in stream ${stream.name} under account ${context.streams.account} are not an adjacent pair of shards eligible for merging`,
			);
		}
		merge(context, stream, lower, upper);
		await context.streams.startUpdating(stream, context.nowMs);
		return {};
	},
	// "... has a limit of five transactions per second per account." (API_MergeShards)
	{quota: perAccount(5)},
);
