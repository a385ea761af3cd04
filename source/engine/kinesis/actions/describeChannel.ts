import {defineAction, perAccount} from '../action.js';
import {ChannelARN} from './channelFields.js';
import {describeChannel, findChannel} from '../model/channels.js';

export default defineAction(
	{ChannelARN},
	(context, input) => {
		const {stream, channel} = findChannel(context, input.ChannelARN);
		return {ChannelDescription: describeChannel(context, stream, channel)};
	},
	// "This operation has a call limit of 5 transactions per second (TPS) for each ... account." (API_DescribeChannel)
	{quota: perAccount(5)},
);
