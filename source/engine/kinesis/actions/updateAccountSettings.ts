import {defineAction, perAccount} from '../action.js';
import {describeCommitment} from '../model/accountSettings.js';

export default defineAction(
	{
		MinimumThroughputBillingCommitment: {
			type: 'Structure',
			required: true,
			members: {Status: {type: 'String', required: true, enum: ['ENABLED', 'DISABLED']}},
		},
	},
	async ({accountSettings, region, nowMs}, input) => {
		const wanted = input.MinimumThroughputBillingCommitment.Status === 'ENABLED' ? 'ENABLED' : 'DISABLED';
		const settings = await accountSettings.update(region, wanted, nowMs);
		return {MinimumThroughputBillingCommitment: describeCommitment(settings)};
	},
	// "This API has a call limit of 5 transactions per second (TPS) for each ... account." (API_UpdateAccountSettings)
	{quota: perAccount(5)},
);
