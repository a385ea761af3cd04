import {defineAction} from '../action.js';
import {DeliveryStreamName, DeliveryStreamType} from '../fields.js';
import {FIREHOSE_QUOTA} from '../quota.js';

/**
 * ListDeliveryStreams: "Lists your Firehose streams in alphabetical order of their names", of one type
 * when DeliveryStreamType is given ("If this parameter is omitted, Firehose streams of all types are
 * returned"), after ExclusiveStartDeliveryStreamName, at most Limit ("The default value is 10") a page.
 */
export default defineAction(
	{
		Limit: {type: 'Integer', minValue: 1, maxValue: 10_000},
		DeliveryStreamType,
		ExclusiveStartDeliveryStreamName: DeliveryStreamName,
	},
	(context, input) => {
		const after = input.ExclusiveStartDeliveryStreamName;
		const matching = context.deliveryStreams
			.list(context.region, context.nowMs)
			.filter(
				(stream) =>
					(input.DeliveryStreamType === undefined || stream.type === input.DeliveryStreamType) &&
					(after === undefined || stream.name > after),
			);
		const limit = input.Limit ?? 10;
		return {DeliveryStreamNames: matching.slice(0, limit).map((stream) => stream.name), HasMoreDeliveryStreams: matching.length > limit};
	},
	{quota: FIREHOSE_QUOTA},
);
