import {defineAction} from './action.js';
import {ResourceARN} from './fields.js';
import {sortedTags, streamOfResource} from './tagRules.js';

export default defineAction({ResourceARN}, (context, input) => ({Tags: sortedTags(streamOfResource(context, input.ResourceARN))}));
