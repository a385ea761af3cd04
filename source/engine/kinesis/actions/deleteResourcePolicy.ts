import {resourceNotFound} from '../../protocol/errors.js';
import {defineAction} from '../action.js';
import {PolicyResourceARN, policyHolder} from './resourcePolicies.js';

/**
 * AWS refuses to delete a policy that is not there (localstack's test_resource_policy_crud, validated against
 * AWS: "deleting non existent policy for a valid arn" raises); the type and wording are localstack's.
 */
export default defineAction({ResourceARN: PolicyResourceARN}, async (context, input) => {
	const {stream, holder} = policyHolder(context, input.ResourceARN);
	if (holder.resourcePolicy === undefined) throw resourceNotFound(`No resource policy found for resource ARN ${input.ResourceARN}`);
	delete holder.resourcePolicy;
	await context.streams.save(stream);
	return {};
});
