import {resourceNotFound} from '../../protocol/errors.js';
import {defineAction, type FirehoseContext} from '../action.js';
import type {DeliveryStreamState} from '../deliveryStreams.js';
import {DeliveryStreamName} from '../fields.js';
import {FIREHOSE_QUOTA} from '../quota.js';

/** DescribeDeliveryStream: the description, with its one destination (none after ExclusiveStartDestinationId names it). */
export default defineAction(
	{
		DeliveryStreamName: {...DeliveryStreamName, required: true},
		Limit: {type: 'Integer', minValue: 1, maxValue: 10_000},
		ExclusiveStartDestinationId: {type: 'String', min: 1, max: 100, pattern: '[a-zA-Z0-9-]+'},
	},
	(context, input) => {
		const stream = existing(context, input.DeliveryStreamName);
		const startAfter = input.ExclusiveStartDestinationId;
		return {DeliveryStreamDescription: context.deliveryStreams.describe(stream, context.nowMs, startAfter === undefined)};
	},
	{quota: FIREHOSE_QUOTA},
);

/** The delivery stream, or AWS's answer when there is none: "Firehose turbottest64101 under account 632902152528 not found." (turbot/steampipe-plugin-aws#759). */
export function existing(context: FirehoseContext, name: string): DeliveryStreamState {
	const stream = context.deliveryStreams.get(context.region, name, context.nowMs);
	if (!stream) throw resourceNotFound(`Firehose ${name} under account ${context.account} not found.`);
	return stream;
}
