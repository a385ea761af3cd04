import {defineAction} from '../action.js';
import {StreamARN} from '../model/fields.js';
import {activeStream} from '../model/reshard.js';
import {checkOnDemandStreamLimit} from '../model/shardLimit.js';
import {checkWarmThroughput, setWarmThroughput, WarmThroughputMiBps} from '../model/warmThroughput.js';

export default defineAction(
	{
		StreamARN: {...StreamARN, required: true},
		StreamModeDetails: {
			type: 'Structure',
			required: true,
			members: {StreamMode: {type: 'String', required: true, enum: ['PROVISIONED', 'ON_DEMAND']}},
		},
		WarmThroughputMiBps,
	},
	async (context, input) => {
		const stream = activeStream(context, input);
		const mode = input.StreamModeDetails.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED';
		// "This field is only valid when the stream mode is being updated to on-demand." (UpdateStreamModeInput)
		if (input.WarmThroughputMiBps !== undefined) checkWarmThroughput(context, {name: stream.name, mode}, input.WarmThroughputMiBps);
		if (stream.mode !== mode && mode === 'ON_DEMAND') checkOnDemandStreamLimit(context);
		if (stream.mode !== mode || input.WarmThroughputMiBps !== undefined) {
			stream.mode = mode;
			// Provisioned streams have neither warm throughput nor a record distribution strategy.
			if (mode === 'PROVISIONED') {
				delete stream.warmThroughput;
				delete stream.recordDistribution;
			}
			// Reached when the update ends; startUpdating saves every change together.
			if (input.WarmThroughputMiBps !== undefined) {
				setWarmThroughput(stream, input.WarmThroughputMiBps, context.nowMs, context.nowMs + context.streams.timings.updateMs);
			}
			await context.streams.startUpdating(stream, context.nowMs);
		}
		return {};
	},
);
