import {defineAction} from '../action.js';
import {ResourceARN, TagKey, TagValue} from '../model/fields.js';
import {addTags, streamOfResource} from '../model/tagRules.js';

export default defineAction(
	{ResourceARN, Tags: {type: 'Map', required: true, key: TagKey, value: TagValue, min: 1, max: 50}},
	async (context, input) => {
		const owner = context.consumers.ofResource(context, input.ResourceARN);
		if (owner) await context.consumers.addTags(owner, input.Tags);
		else await addTags(context, streamOfResource(context, input.ResourceARN), input.Tags);
		return {};
	},
);
