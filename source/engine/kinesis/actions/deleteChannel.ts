import {defineAction, perAccount} from '../action.js';
import {ChannelARN} from './channelFields.js';
import {channelStatus, findChannel} from '../model/channels.js';

/** DELETING for the engine's delete time, then gone. Deleting a channel already DELETING changes nothing. */
export default defineAction(
	{ChannelARN},
	async (context, input) => {
		const {stream, channel} = findChannel(context, input.ChannelARN);
		if (channelStatus(channel, context.nowMs) !== 'DELETING') {
			channel.goneAtMs = context.nowMs + context.streams.timings.deleteMs;
			await context.streams.save(stream);
		}
		return {};
	},
	// "This operation has a call limit of 5 transactions per second (TPS) for each ... account." (API_DeleteChannel)
	{quota: perAccount(5)},
);
