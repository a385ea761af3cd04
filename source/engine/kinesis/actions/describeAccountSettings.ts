import {defineAction, perAccount} from '../action.js';
import {describeCommitment} from '../model/accountSettings.js';

export default defineAction(
	{},
	({accountSettings, region, nowMs}) => ({
		MinimumThroughputBillingCommitment: describeCommitment(accountSettings.current(region, nowMs)),
	}),
	// "This API has a call limit of 5 transactions per second (TPS) for each ... account." (API_DescribeAccountSettings)
	{quota: perAccount(5)},
);
