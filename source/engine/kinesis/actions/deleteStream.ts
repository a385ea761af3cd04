import {resourceInUse} from '../../protocol/errors.js';
import {defineAction, perAccount} from '../action.js';
import {liveChannels} from '../model/channels.js';
import {StreamRef} from '../model/fields.js';

export default defineAction(
	{...StreamRef, EnforceConsumerDeletion: {type: 'Boolean'}},
	async ({streams, consumers, region, nowMs}, input) => {
		const stream = streams.find(region, input, nowMs);
		if (stream.status === 'DELETING') {
			throw resourceInUse(`Stream ${stream.name} under account ${streams.account} is already being deleted.`);
		}
		// "A stream cannot be deleted while it has active channels." (DeleteChannel, @aws-sdk/client-kinesis 3.1143; wording the engine's own)
		if (liveChannels(stream, nowMs).length > 0) {
			throw resourceInUse(
				`DeleteStream can't delete ${stream.name} because channels read from it. Delete the channels first (ListChannels with a StreamFilter finds them).`,
			);
		}
		if (consumers.of(stream, nowMs).length > 0) {
			if (!input.EnforceConsumerDeletion) {
				throw resourceInUse(
					`DeleteStream can't delete ${stream.name} because there are consumers associated with this data stream. To delete ${stream.name} anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.`,
				);
			}
			consumers.removeAll(stream);
		}
		await streams.markDeleting(stream, nowMs);
		return {};
	},
	// "... has a limit of five transactions per second per account." (API_DeleteStream)
	{quota: perAccount(5)},
);
