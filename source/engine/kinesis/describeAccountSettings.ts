import {defineAction} from './action.js';
import {describeCommitment} from './accountSettings.js';

export default defineAction({}, ({accountSettings, region, nowMs}) => ({
	MinimumThroughputBillingCommitment: describeCommitment(accountSettings.current(region, nowMs)),
}));
