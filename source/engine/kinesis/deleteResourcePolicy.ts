import {defineAction} from './action.js';
import {PolicyResourceARN, policyHolder} from './resourcePolicies.js';

export default defineAction({ResourceARN: PolicyResourceARN}, async (context, input) => {
	const {stream, holder} = policyHolder(context, input.ResourceARN);
	if (holder.resourcePolicy !== undefined) {
		delete holder.resourcePolicy;
		await context.streams.save(stream);
	}
	return {};
});
