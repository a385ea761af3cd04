import {defineAction} from '../action.js';
import {describeCommitment} from '../model/accountSettings.js';

export default defineAction({}, ({accountSettings, region, nowMs}) => ({
	MinimumThroughputBillingCommitment: describeCommitment(accountSettings.current(region, nowMs)),
}));
