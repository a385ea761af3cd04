import {defineAction} from './action.js';
import {PolicyResourceARN, policyHolder} from './resourcePolicies.js';

/** Policy is required in the answer (GetResourcePolicyOutput); a resource without one answers an empty document. */
export default defineAction({ResourceARN: PolicyResourceARN}, (context, input) => ({
	Policy: policyHolder(context, input.ResourceARN).holder.resourcePolicy ?? '{}',
}));
