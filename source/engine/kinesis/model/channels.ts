import {resourceInUse, resourceNotFound} from '../../protocol/errors.js';
import {Timestamp} from '../../protocol/values.js';
import type {ChannelState, StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';

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
