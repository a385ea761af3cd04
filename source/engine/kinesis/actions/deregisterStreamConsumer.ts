import {defineAction, perStream} from '../action.js';
import {ConsumerARN, ConsumerName, StreamARN} from '../model/fields.js';

export default defineAction(
	{StreamARN, ConsumerName, ConsumerARN},
	async ({consumers, region, nowMs}, input) => {
		const {stream, consumer} = consumers.find(region, input, nowMs);
		await consumers.deregister(stream, consumer, nowMs);
		return {};
	},
	// "This operation has a limit of five transactions per second per stream." (API_DeregisterStreamConsumer)
	{quota: perStream(5)},
);
