import {defineAction, perAccount} from '../action.js';
import {StreamRef} from '../model/fields.js';
import {activeStream} from '../model/reshard.js';
import {checkWarmThroughput, describeWarmThroughput, setWarmThroughput, WarmThroughputMiBps} from '../model/warmThroughput.js';

/** "Upon receiving the request, Kinesis Data Streams returns immediately and sets the status of the stream to UPDATING." */
export default defineAction(
	{...StreamRef, WarmThroughputMiBps: {...WarmThroughputMiBps, required: true}},
	async (context, input) => {
		const stream = activeStream(context, input);
		checkWarmThroughput(context, stream, input.WarmThroughputMiBps);
		// Reached when the update ends; startUpdating saves both changes together.
		setWarmThroughput(stream, input.WarmThroughputMiBps, context.nowMs, context.nowMs + context.streams.timings.updateMs);
		await context.streams.startUpdating(stream, context.nowMs);
		return {StreamARN: context.streams.arnOf(stream), StreamName: stream.name, WarmThroughput: describeWarmThroughput(context, stream)};
	},
	// "This API has a call limit of 5 transactions per second (TPS) for each ... account." (API_UpdateStreamWarmThroughput)
	{quota: perAccount(5)},
);
