import {defineAction} from '../action.js';
import {addChannelTags, channelOfResource} from '../model/channels.js';
import {ResourceARN, TagKey, TagValue} from '../model/fields.js';
import {addTags, streamOfResource} from '../model/tagRules.js';

/** Tags a stream, an enhanced fan-out consumer or a channel, by its ARN. */
export default defineAction(
	{ResourceARN, Tags: {type: 'Map', required: true, key: TagKey, value: TagValue, min: 1, max: 50}},
	async (context, input) => {
		const channel = channelOfResource(context, input.ResourceARN);
		if (channel) {
			await addChannelTags(context, channel, input.Tags);
			return {};
		}
		const owner = context.consumers.ofResource(context, input.ResourceARN);
		if (owner) await context.consumers.addTags(owner, input.Tags);
		else await addTags(context, streamOfResource(context, input.ResourceARN), input.Tags);
		return {};
	},
);
