import {defineAction} from './action.js';
import {ResourceARN, TagKey} from './fields.js';
import {removeTags, streamOfResource} from './tagRules.js';

export default defineAction(
	{ResourceARN, TagKeys: {type: 'List', required: true, member: TagKey, min: 1, max: 50}},
	async (context, input) => {
		await removeTags(context, streamOfResource(context, input.ResourceARN), input.TagKeys);
		return {};
	},
);
