import {invalidArgument, resourceInUse, resourceNotFound} from '../../protocol/errors.js';
import {Timestamp} from '../../protocol/values.js';
import type {ChannelState, StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import {MAX_TAGS_PER_STREAM, checkTagCharacters} from './tagRules.js';

/**
 * Channels (CreateChannel and the rest): their configuration is validated and kept with the stream they
 * read, and their lifecycle runs on the engine's stream timers, CREATING → ACTIVE → UPDATING → ACTIVE, and
 * DELETING → gone. The engine delivers nothing to S3, S3 Tables or anywhere: every description says so
 * in ChannelStatusReason, the only free-text member ChannelDescription has.
 */
export type ChannelStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';

export const NOT_DELIVERED =
	'Emulated by the kinesis-console engine: the configuration and lifecycle are kept, but no record is ever delivered to the destination.';

export function channelStatus(channel: ChannelState, nowMs: number): ChannelStatus | 'GONE' {
	if (channel.goneAtMs !== undefined) return nowMs < channel.goneAtMs ? 'DELETING' : 'GONE';
	if (nowMs < channel.activeAtMs) return 'CREATING';
	if (channel.updatedAtMs !== undefined && nowMs < channel.updatedAtMs) return 'UPDATING';
	return 'ACTIVE';
}

export const channelArnOf = (context: ActionContext, channel: ChannelState): string =>
	`arn:aws:kinesis:${context.region}:${context.streams.account}:channel/${channel.id}`;

/** Every channel of the region that is not gone, with the stream it reads, in name order. */
export function channelsOf(context: ActionContext): Array<{stream: StreamState; channel: ChannelState}> {
	const found: Array<{stream: StreamState; channel: ChannelState}> = [];
	for (const stream of context.streams.list(context.region, context.nowMs)) {
		for (const channel of stream.channels ?? []) {
			if (channelStatus(channel, context.nowMs) !== 'GONE') found.push({stream, channel});
		}
	}
	return found.sort((a, b) => (a.channel.name < b.channel.name ? -1 : a.channel.name > b.channel.name ? 1 : 0));
}

/** The channel a ChannelARN names, or ResourceNotFoundException (wording the engine's own). */
export function findChannel(context: ActionContext, channelArn: string): {stream: StreamState; channel: ChannelState} {
	const found = channelsOf(context).find(({channel}) => channelArnOf(context, channel) === channelArn);
	if (!found) throw resourceNotFound(`Channel ${channelArn} under account ${context.streams.account} not found.`);
	return found;
}

/** A channel that may change: AWS changes only ACTIVE ones (UpdateChannel lists ResourceInUseException). */
export function activeChannel(context: ActionContext, channelArn: string): {stream: StreamState; channel: ChannelState} {
	const found = findChannel(context, channelArn);
	const status = channelStatus(found.channel, context.nowMs);
	if (status !== 'ACTIVE') {
		throw resourceInUse(`Channel ${found.channel.name} under account ${context.streams.account} not ACTIVE, instead in state ${status}`);
	}
	return found;
}

/** Channels of a stream that are not gone: a stream with any cannot be deleted. */
export const liveChannels = (stream: StreamState, nowMs: number): ChannelState[] =>
	(stream.channels ?? []).filter((channel) => channelStatus(channel, nowMs) !== 'GONE');

/** The channels of the account in the request's region, DELETING ones too until they are gone (DescribeLimits' ChannelCount). */
export const channelCount = (context: ActionContext): number =>
	context.streams.list(context.region, context.nowMs).reduce((count, stream) => count + liveChannels(stream, context.nowMs).length, 0);

/** ChannelDescription, as CreateChannel, DescribeChannel and UpdateChannel answer it. */
export function describeChannel(context: ActionContext, stream: StreamState, channel: ChannelState) {
	return {
		ChannelName: channel.name,
		ChannelARN: channelArnOf(context, channel),
		ChannelId: channel.id,
		ChannelStatus: channelStatus(channel, context.nowMs),
		ChannelStatusReason: NOT_DELIVERED,
		ChannelCreationTimestamp: new Timestamp(channel.createdMs),
		...channel.configuration,
		StreamConfigurationList: streamConfigurations(channel).map((configuration) => ({
			...configuration,
			StreamCreationTimestamp: new Timestamp(stream.createdMs),
		})),
	};
}

/** ChannelSummary, as ListChannels answers it. */
export function summarizeChannel(context: ActionContext, stream: StreamState, channel: ChannelState) {
	return {
		ChannelName: channel.name,
		ChannelARN: channelArnOf(context, channel),
		ChannelId: channel.id,
		ChannelStatus: channelStatus(channel, context.nowMs),
		ChannelStatusReason: NOT_DELIVERED,
		ChannelCreationTimestamp: new Timestamp(channel.createdMs),
		ChannelDestinationType: 'S3TablesDestinationConfiguration' in channel.configuration ? 'S3_TABLES' : 'S3',
		Streams: streamConfigurations(channel).map(({StreamARN}) => ({StreamARN, StreamCreationTimestamp: new Timestamp(stream.createdMs)})),
	};
}

const streamConfigurations = (channel: ChannelState) =>
	(channel.configuration['StreamConfigurationList'] ?? []) as Array<{StreamARN: string; RecordConfiguration: object}>;

const CHANNEL_ARN = /^arn:aws[^:]*:kinesis:[^:]*:\d{12}:channel\/\S+$/;

/**
 * The channel a ResourceARN names (TagResource, UntagResource, ListTagsForResource), or undefined when it
 * names no channel. The service model's ResourceARN pattern (`arn:aws.*:kinesis:.*:\d{12}:.+`) takes any
 * Kinesis resource, and the SDK's endpoint rules accept `stream` and `channel` ARN types for it
 * (@aws-sdk/client-kinesis 3.1143.0, endpoint/ruleset). Not found is worded as for a stream resource.
 */
export function channelOfResource(context: ActionContext, resourceArn: string): {stream: StreamState; channel: ChannelState} | undefined {
	if (!CHANNEL_ARN.test(resourceArn)) return undefined;
	const found = channelsOf(context).find(({channel}) => channelArnOf(context, channel) === resourceArn);
	if (!found) throw resourceNotFound(`Resource ${resourceArn} under account ${context.streams.account} not found.`);
	return found;
}

/**
 * Adds or replaces a channel's tags: "You can add up to 50 tags per resource" (TagResource's Tags member,
 * @aws-sdk/client-kinesis 3.1143.0). No refusal text for a channel is recorded anywhere we could find; it
 * is worded after the stream's (tagRules.ts), with the number AWS states.
 */
export async function addChannelTags(
	context: ActionContext,
	found: {stream: StreamState; channel: ChannelState},
	tags: Record<string, string>,
) {
	const failure = `Failed to add tags to channel ${found.channel.name} under account ${context.streams.account}`;
	checkTagCharacters([...Object.keys(tags), ...Object.values(tags)], failure);
	// A Map, not an object: a `__proto__` key is a tag like any other.
	const merged = new Map(found.channel.tags);
	for (const [key, value] of Object.entries(tags)) merged.set(key, value);
	if (merged.size > MAX_TAGS_PER_STREAM) {
		throw invalidArgument(`${failure} because a given channel cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`);
	}
	found.channel.tags = [...merged];
	await context.streams.save(found.stream);
}

export async function removeChannelTags(
	context: ActionContext,
	found: {stream: StreamState; channel: ChannelState},
	keys: readonly string[],
) {
	checkTagCharacters(keys, `Failed to remove tags from channel ${found.channel.name} under account ${context.streams.account}`);
	const removed = new Set(keys);
	found.channel.tags = found.channel.tags.filter(([key]) => !removed.has(key));
	await context.streams.save(found.stream);
}

/** A channel's tags in key order, as ListTagsForResource lists a stream's. */
export const sortedChannelTags = (channel: ChannelState) =>
	[...channel.tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([Key, Value]) => ({Key, Value}));
