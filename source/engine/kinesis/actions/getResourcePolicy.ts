import {defineAction} from '../action.js';
import {PolicyResourceARN, policyHolder} from './resourcePolicies.js';

/** A resource without a policy answers an empty document, "{}" (localstack's test_resource_policy_crud, recorded against AWS). */
export default defineAction({ResourceARN: PolicyResourceARN}, (context, input) => ({
	Policy: policyHolder(context, input.ResourceARN).holder.resourcePolicy ?? '{}',
}));
