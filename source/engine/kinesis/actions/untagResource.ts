import {defineAction} from '../action.js';
import {channelOfResource, removeChannelTags} from '../model/channels.js';
import {ResourceARN, TagKey} from '../model/fields.js';
import {removeTags, streamOfResource} from '../model/tagRules.js';

/** Removes tags from a stream, an enhanced fan-out consumer or a channel, by its ARN. */
export default defineAction(
	{ResourceARN, TagKeys: {type: 'List', required: true, member: TagKey, min: 1, max: 50}},
	async (context, input) => {
		const channel = channelOfResource(context, input.ResourceARN);
		if (channel) {
			await removeChannelTags(context, channel, input.TagKeys);
			return {};
		}
		const owner = context.consumers.ofResource(context, input.ResourceARN);
		if (owner) await context.consumers.removeTags(owner, input.TagKeys);
		else await removeTags(context, streamOfResource(context, input.ResourceARN), input.TagKeys);
		return {};
	},
);
