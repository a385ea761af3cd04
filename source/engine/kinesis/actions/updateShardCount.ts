import {ServiceError, limitExceeded} from '../../protocol/errors.js';
import {isOpen} from '../../store/streamState.js';
import {defineAction, perAccount} from '../action.js';
import {StreamRef} from '../model/fields.js';
import {activeStream} from '../model/reshard.js';
import {startScaling} from '../model/scalingJob.js';
import {checkShardLimit} from '../model/shardLimit.js';

const DAY_MS = 86_400_000;
/**
 * From UpdateShardCount's page: by default you cannot "Scale up to more than 10000 shards in a stream"
 * nor "Scale a stream with more than 10000 shards down unless the result is less than 10000 shards".
 */
const MAX_SHARDS_PER_STREAM = 10_000;

export default defineAction(
	{
		...StreamRef,
		TargetShardCount: {type: 'Integer', required: true, minValue: 1, maxValue: 100_000},
		ScalingType: {type: 'String', required: true, enum: ['UNIFORM_SCALING']},
	},
	async (context, input) => {
		const {streams, nowMs} = context;
		const stream = activeStream(context, input);
		if (stream.mode === 'ON_DEMAND') {
			throw new ServiceError(
				'ValidationException',
				`UpdateShardCount is not supported for stream ${stream.name} under account ${streams.account}: its capacity mode is ON_DEMAND.`,
			);
		}
		const current = stream.shards.filter(isOpen).length;
		const target = input.TargetShardCount;
		const counts = `Current open shard count: ${current} Target shard count: ${target}`;
		if (target > current * 2) throw limitExceeded(`UpdateShardCount cannot scale up over double your current open shard count. ${counts}`);
		if (target * 2 < current) throw limitExceeded(`UpdateShardCount cannot scale down below half your current open shard count. ${counts}`);
		// AWS's text for these two refusals is not recorded anywhere we found; worded like the two above.
		if (target > current && target > MAX_SHARDS_PER_STREAM) {
			throw limitExceeded(`UpdateShardCount cannot scale up to more than ${MAX_SHARDS_PER_STREAM} shards in a stream. ${counts}`);
		}
		if (target < current && current > MAX_SHARDS_PER_STREAM && target >= MAX_SHARDS_PER_STREAM) {
			throw limitExceeded(
				`UpdateShardCount cannot scale down a stream of more than ${MAX_SHARDS_PER_STREAM} shards unless the result is less than ${MAX_SHARDS_PER_STREAM} shards. ${counts}`,
			);
		}
		const recent = (stream.scalingsMs ?? []).filter((ms) => nowMs - ms < DAY_MS);
		if (recent.length >= context.limits.scalingsPerDay) {
			throw limitExceeded(
				`Exceeded the limit of ${context.limits.scalingsPerDay} UpdateShardCount operations per rolling 24 hours for stream ${stream.name} under account ${streams.account}.`,
			);
		}
		checkShardLimit(context, Math.max(0, target - current));

		if (target !== current) {
			stream.scalingsMs = [...recent, nowMs];
			await startScaling(context, stream, target);
		}
		return {StreamName: stream.name, StreamARN: streams.arnOf(stream), CurrentShardCount: current, TargetShardCount: target};
	},
	// "Make over 10 TPS. TPS over 10 will trigger the LimitExceededException" (API_UpdateShardCount)
	{quota: perAccount(10)},
);
