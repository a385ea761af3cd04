import {defineAction} from './action.js';
import {StreamARN} from './fields.js';
import {activeStream} from './reshard.js';
import {checkOnDemandStreamLimit} from './shardLimit.js';

export default defineAction(
	{
		StreamARN: {...StreamARN, required: true},
		StreamModeDetails: {
			type: 'Structure',
			required: true,
			members: {StreamMode: {type: 'String', required: true, enum: ['PROVISIONED', 'ON_DEMAND']}},
		},
	},
	async (context, input) => {
		const stream = activeStream(context, input);
		const mode = input.StreamModeDetails.StreamMode === 'ON_DEMAND' ? 'ON_DEMAND' : 'PROVISIONED';
		if (stream.mode !== mode) {
			if (mode === 'ON_DEMAND') checkOnDemandStreamLimit(context);
			stream.mode = mode;
			await context.streams.startUpdating(stream, context.nowMs);
		}
		return {};
	},
);
