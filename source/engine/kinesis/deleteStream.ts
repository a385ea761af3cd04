import {resourceInUse} from '../protocol/errors.js';
import {defineAction} from './action.js';
import {StreamRef} from './fields.js';

export default defineAction(
	{...StreamRef, EnforceConsumerDeletion: {type: 'Boolean'}},
	async ({streams, region, nowMs}, input) => {
		const stream = streams.find(region, input, nowMs);
		if (stream.status === 'DELETING') {
			throw resourceInUse(`Stream ${stream.name} under account ${streams.account} is already being deleted.`);
		}
		await streams.markDeleting(stream, nowMs);
		return {};
	},
);
