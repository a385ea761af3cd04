import {defineAction} from '../action.js';
import {ChannelARN} from './channelFields.js';
import {describeChannel, findChannel} from '../model/channels.js';

export default defineAction({ChannelARN}, (context, input) => {
	const {stream, channel} = findChannel(context, input.ChannelARN);
	return {ChannelDescription: describeChannel(context, stream, channel)};
});
