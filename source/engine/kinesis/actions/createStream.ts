import {invalidArgument, limitExceeded} from '../../protocol/errors.js';
import {checkOnDemandStreamLimit, checkShardLimit} from '../model/shardLimit.js';
import {defineAction, perAccount} from '../action.js';
import {StreamName, TagKey, TagValue} from '../model/fields.js';
import {evenRanges} from '../model/hashKeys.js';
import {MaxRecordSizeInKiB} from '../model/recordSizes.js';
import {checkTagCharacters, tagTexts} from '../model/tagRules.js';
import {checkWarmThroughput, WarmThroughputMiBps} from '../model/warmThroughput.js';
import {RecordDistributionStrategy} from '../model/writeRecords.js';

const ON_DEMAND_SHARDS = 4;

export default defineAction(
	{
		StreamName: {...StreamName, required: true},
		ShardCount: {type: 'Integer', minValue: 1, maxValue: 100_000},
		StreamModeDetails: {
			type: 'Structure',
			members: {StreamMode: {type: 'String', required: true, enum: ['PROVISIONED', 'ON_DEMAND']}},
		},
		Tags: {type: 'Map', key: TagKey, value: TagValue, min: 1, max: 50},
		WarmThroughputMiBps,
		MaxRecordSizeInKiB,
		RecordDistributionStrategy,
	},
	async (context, input) => {
		const {streams, region, nowMs} = context;
		const mode = input.StreamModeDetails?.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED';
		if (mode === 'PROVISIONED' && input.ShardCount === undefined) {
			throw invalidArgument('A PROVISIONED stream requires ShardCount.');
		}
		if (input.WarmThroughputMiBps !== undefined) checkWarmThroughput(context, {name: input.StreamName, mode}, input.WarmThroughputMiBps);
		// "The record distribution strategy is only supported for streams that use the on-demand capacity mode." (CreateStreamInput)
		if (input.RecordDistributionStrategy === 'AUTO' && mode !== 'ON_DEMAND') {
			throw invalidArgument(
				`Record distribution strategy AUTO is supported only for ON_DEMAND streams; stream ${input.StreamName} under account ${streams.account} is ${mode}.`,
			);
		}
		const shardCount = mode === 'ON_DEMAND' ? ON_DEMAND_SHARDS : (input.ShardCount ?? 1);
		checkShardLimit(context, shardCount);
		if (mode === 'ON_DEMAND') checkOnDemandStreamLimit(context);
		const creating = streams.list(region, nowMs).filter((stream) => stream.status === 'CREATING').length;
		if (creating >= context.limits.maxCreatingStreams) {
			throw limitExceeded(
				`This request would exceed the limit of ${context.limits.maxCreatingStreams} streams in the CREATING state for the account ${streams.account} in ${region}. Retry when one of them is ACTIVE.`,
			);
		}
		const tags = input.Tags ?? {};
		checkTagCharacters(tagTexts(tags), `Failed to create stream ${input.StreamName} under account ${streams.account}`);
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
				...(input.MaxRecordSizeInKiB === undefined ? {} : {maxRecordSizeKiB: input.MaxRecordSizeInKiB}),
				...(input.WarmThroughputMiBps === undefined
					? {}
					: {warmThroughput: {targetMiBps: input.WarmThroughputMiBps, previousMiBps: 0, reachedAtMs: nowMs}}),
				...(input.RecordDistributionStrategy === 'AUTO' ? {recordDistribution: 'AUTO' as const} : {}),
			},
			evenRanges(shardCount),
		);
		return {};
	},
	// "... has a limit of five transactions per second per account." (API_CreateStream)
	{quota: perAccount(5)},
);
