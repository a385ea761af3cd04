import {
	DescribeChannelCommand,
	ListChannelsCommand,
	type ChannelDescription,
	type ChannelSummary,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type {ConsumerKind} from './kind.js';

/**
 * Kinesis channels: managed delivery of a stream's records to S3 or S3 Tables (ListChannels filtered to
 * the stream, then DescribeChannel for each one's destination). The built-in engine keeps a channel's
 * configuration and lifecycle and delivers nothing: on the engine every row says so, so that a
 * rehearsal never looks like delivery.
 */
export interface KinesisChannel {
	readonly kind: 'channel';
	readonly name: string;
	readonly arn: string;
	/** CREATING, ACTIVE, UPDATING, DELETING or FAILED. */
	readonly status: string;
	readonly statusReason?: string;
	/** S3 or S3_TABLES. */
	readonly destinationType: string;
	/** Where records go, in a line: `s3://bucket/prefix`, `table bucket/namespace.table`. */
	readonly destination: string;
	/** ISO time. */
	readonly createdAt?: string;
	/** Read from the built-in engine, which delivers nothing. */
	readonly emulated: boolean;
}

/** What the engine's channels say of themselves (engine/kinesis/model/channels.ts NOT_DELIVERED), and what marks an endpoint as the engine. */
const ENGINE_REASON = 'Emulated by the kinesis-console engine';
export const NOT_DELIVERED_NOTE =
	'the engine delivers nothing: it keeps the channel and its lifecycle, and no record reaches the destination';

export const kinesisChannels: ConsumerKind<KinesisChannel> = {
	kind: 'channel',
	label: 'channel',
	title: 'Kinesis channels',
	part: 'channels',
	discover: async (context) => {
		if (context.streamArn === undefined) return {consumers: [], problems: []};
		try {
			const local = context.options.target?.kind === 'local';
			return {consumers: await listChannels(context.clients.kinesis, context.streamArn, local, context.signal), problems: []};
		} catch (error) {
			return {consumers: [], problems: [await context.describe(error, 'kinesis')]};
		}
	},
	row: (channel) => ({
		text: `${channel.status} · ${channel.destinationType} ${channel.destination}${channel.emulated ? ` · ${NOT_DELIVERED_NOTE}` : channel.statusReason ? ` · ${channel.statusReason}` : ''}`,
		warn: channel.status === 'FAILED' || channel.emulated,
	}),
	// `status` is the line's who-is-behind status (the command adds it): the channel's own is `channelStatus`, as Kinesis names it.
	json: ({kind: _, status, ...channel}) => ({type: 'channel', ...channel, channelStatus: status}),
	table: (channels, stream) => ({
		empty: `No Kinesis channel delivers '${stream}'.`,
		title: 'Kinesis channels:',
		header: ['NAME', 'STATUS', 'DESTINATION', 'CREATED'],
		rows: channels.map((channel) => [
			channel.name,
			channel.status,
			`${channel.destinationType} ${channel.destination}`,
			channel.createdAt ?? '-',
		]),
		notes: [
			...channels.flatMap((channel) =>
				channel.status === 'FAILED' && channel.statusReason ? [`${channel.name} FAILED: ${channel.statusReason}`] : [],
			),
			...(channels.some((channel) => channel.emulated) ? [`On the built-in engine: ${NOT_DELIVERED_NOTE}.`] : []),
		],
	}),
	// Neither positions nor changes yet: a channel's progress is Kinesis's own, and it is changed where it was made.
	capabilities: {},
	health: (channel) => ({
		// Kinesis says nothing of a channel's lag or position; its status is all there is.
		lagMs: undefined,
		// Only an ACTIVE (or UPDATING) channel delivers; on the engine nothing ever does.
		reading: channel.emulated
			? false
			: channel.status === 'ACTIVE' || channel.status === 'UPDATING'
				? true
				: channel.status === 'FAILED'
					? undefined
					: false,
		position: undefined,
		failure: channel.status === 'FAILED' ? (channel.statusReason ?? 'FAILED') : undefined,
	}),
};

/** The channels reading the stream, every page, each described for its destination. `local`: the console's own engine serves them. */
export async function listChannels(
	kinesis: KinesisClient,
	streamArn: string,
	local: boolean,
	signal?: AbortSignal,
): Promise<KinesisChannel[]> {
	const send = signal ? {abortSignal: signal} : {};
	const summaries: ChannelSummary[] = [];
	let nextToken: string | undefined;
	do {
		const page = await kinesis.send(
			new ListChannelsCommand({StreamFilter: [{StreamARN: streamArn}], ...(nextToken === undefined ? {} : {NextToken: nextToken})}),
			send,
		);
		summaries.push(...(page.ChannelSummaries ?? []));
		nextToken = page.NextToken;
	} while (nextToken);
	const channels: KinesisChannel[] = [];
	// One at a time: DescribeChannel allows 5 calls a second for the whole account, and a stream has few channels.
	for (const summary of summaries) {
		const {ChannelDescription: description} = await kinesis.send(new DescribeChannelCommand({ChannelARN: summary.ChannelARN}), send);
		channels.push(channelOf(summary, description, local));
	}
	return channels.sort((a, b) => a.name.localeCompare(b.name));
}

function channelOf(summary: ChannelSummary, description: ChannelDescription | undefined, local: boolean): KinesisChannel {
	const reason = description?.ChannelStatusReason ?? summary.ChannelStatusReason;
	const created = description?.ChannelCreationTimestamp ?? summary.ChannelCreationTimestamp;
	return {
		kind: 'channel',
		name: summary.ChannelName ?? '',
		arn: summary.ChannelARN ?? '',
		status: description?.ChannelStatus ?? summary.ChannelStatus ?? 'UNKNOWN',
		...(reason ? {statusReason: reason} : {}),
		destinationType: summary.ChannelDestinationType ?? (description?.S3TablesDestinationConfiguration ? 'S3_TABLES' : 'S3'),
		destination: destinationOf(description),
		...(created ? {createdAt: created.toISOString()} : {}),
		emulated: local || (reason ?? '').startsWith(ENGINE_REASON),
	};
}

/** A channel's destination in a line; '-' when DescribeChannel did not say. */
function destinationOf(description: ChannelDescription | undefined): string {
	const s3 = description?.S3DestinationConfiguration?.StorageConfiguration;
	if (s3?.BucketARN) return `s3://${s3.BucketARN.replace(/^arn:[^:]+:s3:::/, '')}/${s3.OutputKeyTemplate ?? ''}`;
	const tables = description?.S3TablesDestinationConfiguration?.S3TablesConfigurationList ?? [];
	if (tables.length > 0)
		return tables
			.map((table) => `${(table.TableBucketARN ?? '').replace(/^arn:.*:bucket\//, '')}/${table.Namespace ?? '?'}.${table.TableName ?? '?'}`)
			.join(', ');
	return '-';
}
