import {Timestamp} from '../../protocol/values.js';
import {defineAction, perAccount} from '../action.js';
import {StreamName} from '../model/fields.js';
import {decodePageToken, encodePageToken} from '../model/pageTokens.js';

export default defineAction(
	{
		Limit: {type: 'Integer', minValue: 1, maxValue: 10_000},
		ExclusiveStartStreamName: StreamName,
		NextToken: {type: 'String', min: 1, max: 1_048_576},
	},
	({streams, region, nowMs}, input) => {
		const after = input.NextToken === undefined ? input.ExclusiveStartStreamName : decodePageToken(input.NextToken, nowMs).after;
		// The model allows up to 10,000, but AWS returns at most 100 streams a call.
		const limit = Math.min(input.Limit ?? 100, 100);
		const remaining = streams.list(region, nowMs).filter((stream) => after === undefined || stream.name > after);
		const page = remaining.slice(0, limit);
		const hasMore = remaining.length > limit;
		const last = page.at(-1);
		return {
			StreamNames: page.map((stream) => stream.name),
			HasMoreStreams: hasMore,
			...(hasMore && last
				? {NextToken: encodePageToken({region, streamName: '', streamCreatedMs: 0, after: last.name, issuedMs: nowMs})}
				: {}),
			StreamSummaries: page.map((stream) => ({
				StreamName: stream.name,
				StreamARN: streams.arnOf(stream),
				StreamStatus: stream.status,
				StreamModeDetails: {StreamMode: stream.mode},
				StreamCreationTimestamp: new Timestamp(stream.createdMs),
			})),
		};
	},
	// "... has a limit of five transactions per second per account." (API_ListStreams)
	{quota: perAccount(5)},
);
