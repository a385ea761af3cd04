import {defineAction, perAccount} from '../action.js';
import {StreamRef, TagKey} from '../model/fields.js';
import {sortedTags} from '../model/tagRules.js';

export default defineAction(
	{...StreamRef, ExclusiveStartTagKey: TagKey, Limit: {type: 'Integer', minValue: 1, maxValue: 50}},
	(context, input) => {
		const stream = context.streams.find(context.region, input, context.nowMs);
		const after = input.ExclusiveStartTagKey;
		const remaining = sortedTags(stream).filter((tag) => after === undefined || tag.Key > after);
		const limit = input.Limit ?? 50;
		return {Tags: remaining.slice(0, limit), HasMoreTags: remaining.length > limit};
	},
	// "... has a limit of five transactions per second per account." (API_ListTagsForStream)
	{quota: perAccount(5)},
);
