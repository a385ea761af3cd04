import {defineAction} from './action.js';
import {ResourceARN} from './fields.js';
import {sortedTags, streamOfResource} from './tagRules.js';

export default defineAction({ResourceARN}, (context, input) => {
	const owner = context.consumers.ofResource(context, input.ResourceARN);
	return {Tags: sortedTags(owner ? {tags: owner.consumer.tags ?? {}} : streamOfResource(context, input.ResourceARN))};
});
