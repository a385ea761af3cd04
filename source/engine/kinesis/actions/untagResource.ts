import {defineAction} from '../action.js';
import {ResourceARN, TagKey} from '../model/fields.js';
import {removeTags, streamOfResource} from '../model/tagRules.js';

export default defineAction(
	{ResourceARN, TagKeys: {type: 'List', required: true, member: TagKey, min: 1, max: 50}},
	async (context, input) => {
		const owner = context.consumers.ofResource(context, input.ResourceARN);
		if (owner) await context.consumers.removeTags(owner, input.TagKeys);
		else await removeTags(context, streamOfResource(context, input.ResourceARN), input.TagKeys);
		return {};
	},
);
