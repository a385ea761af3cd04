import {defineAction} from '../action.js';
import {channelOfResource, sortedChannelTags} from '../model/channels.js';
import {ResourceARN} from '../model/fields.js';
import {sortedTags, streamOfResource} from '../model/tagRules.js';

/** The tags of a stream, an enhanced fan-out consumer or a channel, by its ARN, in key order. */
export default defineAction({ResourceARN}, (context, input) => {
	const channel = channelOfResource(context, input.ResourceARN);
	if (channel) return {Tags: sortedChannelTags(channel.channel)};
	const owner = context.consumers.ofResource(context, input.ResourceARN);
	return {Tags: sortedTags(owner ? {tags: owner.consumer.tags ?? {}} : streamOfResource(context, input.ResourceARN))};
});
