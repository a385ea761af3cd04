import {resourceInUse} from '../../protocol/errors.js';
import {defineAction} from '../action.js';
import {DeliveryStreamName} from '../fields.js';
import {FIREHOSE_QUOTA} from '../quota.js';
import {existing} from './describeDeliveryStream.js';

/**
 * DeleteDeliveryStream: "You can delete a Firehose stream only if it is in one of the following states:
 * ACTIVE, DELETING, CREATING_FAILED, or DELETING_FAILED. You can't delete a Firehose stream that is in
 * the CREATING state." It is DELETING, then gone. AllowForceDelete is taken: the engine holds no KMS
 * grant that could keep a deletion from finishing.
 */
export default defineAction(
	{
		DeliveryStreamName: {...DeliveryStreamName, required: true},
		AllowForceDelete: {type: 'Boolean'},
	},
	async (context, input) => {
		const stream = existing(context, input.DeliveryStreamName);
		const status = context.deliveryStreams.statusOf(stream, context.nowMs);
		// The engine's wording: AWS's text for this refusal is not recorded anywhere we found.
		if (status === 'CREATING')
			throw resourceInUse(
				`Firehose ${stream.name} under account ${context.account} is in CREATING state and cannot be deleted until it is ACTIVE.`,
			);
		if (status === 'ACTIVE') await context.deliveryStreams.markDeleting(stream, context.nowMs);
		return {};
	},
	{quota: FIREHOSE_QUOTA},
);
