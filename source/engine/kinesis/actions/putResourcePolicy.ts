import {defineAction} from '../action.js';
import {checkPolicy, PolicyResourceARN, policyHolder} from './resourcePolicies.js';

/** Keeps a resource policy on a stream or consumer. It is stored, never enforced (see the README). */
export default defineAction({ResourceARN: PolicyResourceARN, Policy: {type: 'String', required: true}}, async (context, input) => {
	const {stream, holder} = policyHolder(context, input.ResourceARN);
	checkPolicy(input.Policy);
	holder.resourcePolicy = input.Policy;
	await context.streams.save(stream);
	return {};
});
