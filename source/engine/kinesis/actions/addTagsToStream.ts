import {defineAction, perAccount} from '../action.js';
import {StreamRef, TagKey, TagValue} from '../model/fields.js';
import {addTags} from '../model/tagRules.js';

export default defineAction(
	{...StreamRef, Tags: {type: 'Map', required: true, key: TagKey, value: TagValue, min: 1, max: 10}},
	async (context, input) => {
		await addTags(context, context.streams.find(context.region, input, context.nowMs), input.Tags);
		return {};
	},
	// "... has a limit of five transactions per second per account." (API_AddTagsToStream)
	{quota: perAccount(5)},
);
