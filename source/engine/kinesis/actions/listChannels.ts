import {invalidArgument} from '../../protocol/errors.js';
import {defineAction, perAccount} from '../action.js';
import {listChannelsSchema} from './channelFields.js';
import {channelsOf, summarizeChannel} from '../model/channels.js';
import {decodePageToken, encodePageToken} from '../model/pageTokens.js';

/** "If you specify a value greater than 100, at most 100 results are returned." (ListChannelsInput) */
const PAGE_LIMIT = 100;

export default defineAction(
	listChannelsSchema,
	(context, input) => {
		const {region, nowMs} = context;
		let after: string | undefined;
		if (input.NextToken !== undefined) {
			const token = decodePageToken(input.NextToken, nowMs);
			if (token.region !== region || token.extra !== 'channels') throw invalidArgument('Invalid NextToken.');
			after = token.after;
		}
		// A filter names streams by ARN, and by creation time when given (so an earlier stream of the name matches nothing).
		const filters = input.StreamFilter;
		const matches = (streamArn: string, createdMs: number) =>
			!filters ||
			filters.some(
				(filter) =>
					filter.StreamARN === streamArn &&
					(filter.StreamCreationTimestamp === undefined ||
						Math.floor(filter.StreamCreationTimestamp.getTime() / 1000) === Math.floor(createdMs / 1000)),
			);
		const remaining = channelsOf(context).filter(
			({stream, channel}) => (after === undefined || channel.name > after) && matches(context.streams.arnOf(stream), stream.createdMs),
		);
		const limit = Math.min(input.MaxResults ?? PAGE_LIMIT, PAGE_LIMIT);
		const page = remaining.slice(0, limit);
		const last = page.at(-1);
		return {
			ChannelSummaries: page.map(({stream, channel}) => summarizeChannel(context, stream, channel)),
			...(remaining.length > limit && last
				? {
						NextToken: encodePageToken({
							region,
							streamName: '',
							streamCreatedMs: 0,
							after: last.channel.name,
							issuedMs: nowMs,
							extra: 'channels',
						}),
					}
				: {}),
		};
	},
	// "This operation has a call limit of 5 transactions per second (TPS) for each ... account." (API_ListChannels)
	{quota: perAccount(5)},
);
