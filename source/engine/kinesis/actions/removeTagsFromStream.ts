import {defineAction, perAccount} from '../action.js';
import {StreamRef, TagKey} from '../model/fields.js';
import {removeTags} from '../model/tagRules.js';

export default defineAction(
	{...StreamRef, TagKeys: {type: 'List', required: true, member: TagKey, min: 1, max: 10}},
	async (context, input) => {
		await removeTags(context, context.streams.find(context.region, input, context.nowMs), input.TagKeys);
		return {};
	},
	// "... has a limit of five transactions per second per account." (API_RemoveTagsFromStream)
	{quota: perAccount(5)},
);
