import {defineAction} from '../action.js';
import {ConsumerARN, ConsumerName, StreamARN} from '../model/fields.js';

export default defineAction({StreamARN, ConsumerName, ConsumerARN}, async ({consumers, region, nowMs}, input) => {
	const {stream, consumer} = consumers.find(region, input, nowMs);
	await consumers.deregister(stream, consumer, nowMs);
	return {};
});
