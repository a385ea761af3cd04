import {defineAction} from '../action.js';
import {ResourceARN} from '../model/fields.js';
import {sortedTags, streamOfResource} from '../model/tagRules.js';

export default defineAction({ResourceARN}, (context, input) => {
	const owner = context.consumers.ofResource(context, input.ResourceARN);
	return {Tags: sortedTags(owner ? {tags: owner.consumer.tags ?? {}} : streamOfResource(context, input.ResourceARN))};
});
