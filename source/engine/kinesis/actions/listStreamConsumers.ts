import {invalidArgument, resourceNotFound} from '../../protocol/errors.js';
import {defineAction, perStream} from '../action.js';
import {StreamARN} from '../model/fields.js';
import {decodePageToken, encodePageToken} from '../model/pageTokens.js';

/** At most this many consumers a call, whatever MaxResults asks (the model allows up to 10,000). */
const PAGE_LIMIT = 100;

export default defineAction(
	{
		StreamARN: {...StreamARN, required: true},
		NextToken: {type: 'String', min: 1, max: 1_048_576},
		MaxResults: {type: 'Integer', minValue: 1, maxValue: 10_000},
		StreamCreationTimestamp: {type: 'Timestamp'},
	},
	({streams, consumers, region, nowMs}, input) => {
		const stream = streams.find(region, {StreamARN: input.StreamARN}, nowMs);
		// Tells streams of one name apart: a timestamp of an earlier stream of the name finds nothing.
		if (
			input.StreamCreationTimestamp !== undefined &&
			Math.floor(input.StreamCreationTimestamp.getTime() / 1000) !== Math.floor(stream.createdMs / 1000)
		) {
			throw resourceNotFound(`Stream ${stream.name} under account ${streams.account} not found.`);
		}
		let after: string | undefined;
		if (input.NextToken !== undefined) {
			const token = decodePageToken(input.NextToken, nowMs);
			if (token.region !== region || token.streamName !== stream.name || token.streamCreatedMs !== stream.createdMs) {
				throw invalidArgument('Invalid NextToken.');
			}
			after = token.after;
		}
		const limit = Math.min(input.MaxResults ?? PAGE_LIMIT, PAGE_LIMIT);
		const remaining = consumers
			.of(stream, nowMs)
			.filter((consumer) => after === undefined || consumer.name > after)
			.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		const page = remaining.slice(0, limit);
		const last = page.at(-1);
		return {
			Consumers: page.map((consumer) => consumers.summary(stream, consumer, nowMs)),
			...(remaining.length > limit && last
				? {
						NextToken: encodePageToken({
							region,
							streamName: stream.name,
							streamCreatedMs: stream.createdMs,
							after: last.name,
							issuedMs: nowMs,
						}),
					}
				: {}),
		};
	},
	// "This operation has a limit of 5 transactions per second per stream." (API_ListStreamConsumers)
	{quota: perStream(5)},
);
