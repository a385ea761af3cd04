import {invalidArgument} from '../../protocol/errors.js';
import type {ShardState, StreamState} from '../../store/streamState.js';
import {defineAction, perStream} from '../action.js';
import {describeShard, visibleShards} from './describe.js';
import {ShardId, StreamRef} from '../model/fields.js';
import {shardIndexOf} from '../model/names.js';
import {decodePageToken, encodePageToken} from '../model/pageTokens.js';

const FILTER_TYPES = ['AFTER_SHARD_ID', 'AT_TRIM_HORIZON', 'FROM_TRIM_HORIZON', 'AT_LATEST', 'AT_TIMESTAMP', 'FROM_TIMESTAMP'] as const;
type FilterType = (typeof FILTER_TYPES)[number];
interface Filter {
	readonly type: FilterType;
	readonly shardIndex?: number;
	readonly timestampMs?: number;
}

export default defineAction(
	{
		...StreamRef,
		NextToken: {type: 'String', min: 1, max: 1_048_576},
		ExclusiveStartShardId: ShardId,
		MaxResults: {type: 'Integer', minValue: 1, maxValue: 10_000},
		StreamCreationTimestamp: {type: 'Timestamp'},
		ShardFilter: {
			type: 'Structure',
			members: {
				Type: {type: 'String', required: true, enum: FILTER_TYPES},
				ShardId,
				Timestamp: {type: 'Timestamp'},
			},
		},
	},
	({streams, region, nowMs}, input) => {
		const named = input.StreamName !== undefined || input.StreamARN !== undefined;
		if (input.NextToken !== undefined && named) throw invalidArgument('NextToken and StreamName cannot be provided together.');
		if (input.NextToken === undefined && !named) throw invalidArgument('Either NextToken or StreamName should be provided.');

		let stream: StreamState;
		let afterIndex = -1;
		let filter: Filter | undefined;
		if (input.NextToken !== undefined) {
			if (input.ExclusiveStartShardId !== undefined || input.ShardFilter !== undefined || input.StreamCreationTimestamp !== undefined) {
				throw invalidArgument('NextToken cannot be provided together with ExclusiveStartShardId, ShardFilter or StreamCreationTimestamp.');
			}
			const token = decodePageToken(input.NextToken, nowMs);
			const found = streams.lookup(token.region, token.streamName, nowMs);
			if (!found || found.createdMs !== token.streamCreatedMs) throw invalidArgument('Invalid NextToken.');
			stream = found;
			afterIndex = Number(token.after);
			filter = token.extra ? (JSON.parse(token.extra) as Filter) : undefined;
		} else {
			stream = streams.find(region, input, nowMs);
			if (input.ExclusiveStartShardId !== undefined) afterIndex = shardIndexOf(input.ExclusiveStartShardId) ?? -1;
			filter = input.ShardFilter && toFilter(input.ShardFilter);
		}

		// The model allows up to 10,000, but AWS returns at most 1,000 shards a call.
		const limit = Math.min(input.MaxResults ?? 1000, 1000);
		const matching = visibleShards(stream, nowMs).filter(
			(shard) => shard.index > afterIndex && (!filter || passes(filter, stream, shard, nowMs)),
		);
		const page = matching.slice(0, limit);
		const last = page.at(-1);
		const token =
			matching.length > limit && last
				? encodePageToken({
						region: stream.region,
						streamName: stream.name,
						streamCreatedMs: stream.createdMs,
						after: String(last.index),
						issuedMs: nowMs,
						...(filter ? {extra: JSON.stringify(filter)} : {}),
					})
				: undefined;
		return {Shards: page.map((shard) => describeShard(stream, shard)), ...(token ? {NextToken: token} : {})};
	},
	// "This operation has a limit of 1000 transactions per second per data stream." (API_ListShards)
	{quota: perStream(1000)},
);

function toFilter(filter: {Type: string; ShardId?: string; Timestamp?: Date}): Filter {
	const type = filter.Type as FilterType;
	if (type === 'AFTER_SHARD_ID') {
		const index = filter.ShardId === undefined ? undefined : shardIndexOf(filter.ShardId);
		if (index === undefined) throw invalidArgument('ShardId must be provided for the AFTER_SHARD_ID shard filter type.');
		return {type, shardIndex: index};
	}
	if (type === 'AT_TIMESTAMP' || type === 'FROM_TIMESTAMP') {
		if (filter.Timestamp === undefined) throw invalidArgument(`Timestamp must be provided for the ${type} shard filter type.`);
		return {type, timestampMs: filter.Timestamp.getTime()};
	}
	return {type};
}

/** Whether a shard belongs in a filtered listing; open and close times come from the positions that bound it. */
function passes(filter: Filter, stream: StreamState, shard: ShardState, nowMs: number): boolean {
	const openedMs = shard.startPosition / 1000;
	const closedMs = shard.endPosition === undefined ? Number.POSITIVE_INFINITY : shard.endPosition / 1000;
	const horizonMs = nowMs - stream.retentionHours * 3_600_000;
	switch (filter.type) {
		case 'AFTER_SHARD_ID':
			return shard.index > (filter.shardIndex ?? -1);
		case 'AT_LATEST':
			return shard.endPosition === undefined;
		case 'FROM_TRIM_HORIZON':
			return closedMs >= horizonMs;
		case 'AT_TRIM_HORIZON':
			return openedMs <= Math.max(horizonMs, stream.createdMs) && closedMs >= horizonMs;
		case 'AT_TIMESTAMP':
			return openedMs <= (filter.timestampMs ?? 0) && closedMs >= (filter.timestampMs ?? 0);
		case 'FROM_TIMESTAMP':
			return closedMs >= (filter.timestampMs ?? 0);
	}
}
