import {defineAction, perAccount} from '../action.js';
import {ConsumerName, StreamARN, TagKey, TagValue} from '../model/fields.js';
import {checkTagCharacters, tagTexts} from '../model/tagRules.js';

export default defineAction(
	{
		StreamARN: {...StreamARN, required: true},
		ConsumerName: {...ConsumerName, required: true},
		Tags: {type: 'Map', key: TagKey, value: TagValue, min: 1, max: 50},
	},
	async ({streams, consumers, region, nowMs}, input) => {
		const stream = streams.find(region, {StreamARN: input.StreamARN}, nowMs);
		const tags = input.Tags ?? {};
		checkTagCharacters(tagTexts(tags), `Failed to register consumer ${input.ConsumerName} under account ${streams.account}`);
		const consumer = await consumers.register(stream, input.ConsumerName, tags, nowMs);
		return {Consumer: consumers.summary(stream, consumer, nowMs)};
	},
	// "... has a limit of five transactions per second per account." (API_RegisterStreamConsumer)
	{quota: perAccount(5)},
);
