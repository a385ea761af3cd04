import {defineAction, perStream} from '../action.js';
import {ConsumerARN, ConsumerName, StreamARN} from '../model/fields.js';

export default defineAction(
	{StreamARN, ConsumerName, ConsumerARN},
	({streams, consumers, region, nowMs}, input) => {
		const {stream, consumer} = consumers.find(region, input, nowMs);
		return {ConsumerDescription: {...consumers.summary(stream, consumer, nowMs), StreamARN: streams.arnOf(stream)}};
	},
	// "This operation has a limit of 20 transactions per second per stream." (API_DescribeStreamConsumer)
	{quota: perStream(20)},
);
