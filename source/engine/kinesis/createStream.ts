import {invalidArgument, limitExceeded} from '../protocol/errors.js';
import {defineAction} from './action.js';
import {StreamName, TagKey, TagValue} from './fields.js';
import {evenRanges} from './hashKeys.js';
import {checkTagCharacters} from './tagRules.js';

const ON_DEMAND_SHARDS = 4;
export const ACCOUNT_SHARD_LIMIT = 500;

export default defineAction(
	{
		StreamName: {...StreamName, required: true},
		ShardCount: {type: 'Integer', minValue: 1, maxValue: 100_000},
		StreamModeDetails: {
			type: 'Structure',
			members: {StreamMode: {type: 'String', required: true, enum: ['PROVISIONED', 'ON_DEMAND']}},
		},
		Tags: {type: 'Map', key: TagKey, value: TagValue, min: 1, max: 50},
	},
	async ({streams, region, nowMs}, input) => {
		const mode = input.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED';
		if (mode === 'PROVISIONED' && input.ShardCount === undefined) {
			throw invalidArgument('A PROVISIONED stream requires ShardCount.');
		}
		const shardCount = mode === 'ON_DEMAND' ? ON_DEMAND_SHARDS : (input.ShardCount ?? 1);
		const openShards = streams.all(nowMs).reduce((sum, stream) => sum + stream.shards.filter((shard) => shard.endPosition === undefined).length, 0);
		if (openShards + shardCount > ACCOUNT_SHARD_LIMIT) {
			throw limitExceeded(
				`This request would exceed the shard limit for the account ${streams.account} in ${region}. ` +
					`Current shard count for the account: ${openShards}. Limit: ${ACCOUNT_SHARD_LIMIT}. ` +
					`Number of additional shards that would have resulted from this request: ${shardCount}. ` +
					'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.',
			);
		}
		const tags = input.Tags ?? {};
		checkTagCharacters(tags, `Failed to create stream ${input.StreamName} under account ${streams.account}`);
		await streams.create(
			{
				region,
				name: input.StreamName,
				createdMs: nowMs,
				mode,
				retentionHours: 24,
				tags,
				encryption: {type: 'NONE'},
				enhancedMonitoring: [],
			},
			evenRanges(shardCount),
		);
		return {};
	},
);
