import {DescribeStreamSummaryCommand, ListStreamsCommand, type KinesisClient, type Shard} from '@aws-sdk/client-kinesis';
import {isClosed, listAllShards, parentsOf, streamParameters} from './aws/shards.js';
import {sendOptions} from './aws/sendOptions.js';

/**
 * A stream as ListStreams' StreamSummaries give it: one call per 100 streams, however many there are.
 * An emulator that answers StreamNames only gives the name; its status and mode come with the details.
 */
export interface StreamSummary {
	readonly name: string;
	readonly arn?: string;
	readonly status?: string;
	readonly mode?: string;
	readonly createdAt?: Date;
}

/** What one stream's DescribeStreamSummary and ListShards add, read only for the streams a screen shows. */
export interface StreamDetails {
	readonly arn?: string;
	readonly status: string;
	readonly mode: string;
	readonly openShards: number;
	readonly closedShards: number;
	readonly retentionHours?: number;
	readonly consumers?: number;
	readonly encryption: string;
	readonly createdAt?: Date;
}

/** A stream with its details, as `streams --details` prints it. */
export type StreamOverview = StreamSummary & StreamDetails;

/** A shard as the shard map shows it. */
export interface ShardView {
	readonly shardId: string;
	readonly open: boolean;
	readonly parents: readonly string[];
	readonly startingHashKey: string;
	readonly endingHashKey: string;
	readonly startingSequenceNumber: string | undefined;
	readonly endingSequenceNumber: string | undefined;
}

/**
 * Every stream, a page (at most 100, AWS's page size) at a time, following both paging styles (NextToken,
 * and HasMoreStreams with ExclusiveStartStreamName for older emulators).
 */
export async function* streamSummaryPages(kinesis: KinesisClient, signal?: AbortSignal): AsyncGenerator<StreamSummary[]> {
	let nextToken: string | undefined;
	let last: string | undefined;
	for (;;) {
		const page = await kinesis.send(
			new ListStreamsCommand(nextToken ? {NextToken: nextToken} : last === undefined ? {} : {ExclusiveStartStreamName: last}),
			sendOptions(signal),
		);
		const summaries = page.StreamSummaries ?? [];
		const names = page.StreamNames ?? [];
		const streams: StreamSummary[] =
			summaries.length >= names.length
				? summaries.map((summary) => ({
						name: summary.StreamName ?? '',
						...(summary.StreamARN === undefined ? {} : {arn: summary.StreamARN}),
						...(summary.StreamStatus === undefined ? {} : {status: summary.StreamStatus}),
						mode: summary.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
						...(summary.StreamCreationTimestamp === undefined ? {} : {createdAt: summary.StreamCreationTimestamp}),
					}))
				: names.map((name) => ({name}));
		yield streams;
		nextToken = page.NextToken;
		last = streams.at(-1)?.name;
		if (!page.HasMoreStreams || streams.length === 0) return;
	}
}

/** Every stream's summary. */
export async function listStreamSummaries(kinesis: KinesisClient, signal?: AbortSignal): Promise<StreamSummary[]> {
	const streams: StreamSummary[] = [];
	for await (const page of streamSummaryPages(kinesis, signal)) streams.push(...page);
	return streams;
}

/** One stream's details: a DescribeStreamSummary, and its shard list for the closed shards it does not count. */
export async function streamDetails(kinesis: KinesisClient, name: string, signal?: AbortSignal): Promise<StreamDetails> {
	const [{StreamDescriptionSummary: summary}, shards] = await Promise.all([
		kinesis.send(new DescribeStreamSummaryCommand(streamParameters(name)), sendOptions(signal)),
		listAllShards(kinesis, name, signal),
	]);
	const closed = shards.filter(isClosed).length;
	return {
		...(summary?.StreamARN === undefined ? {} : {arn: summary.StreamARN}),
		status: summary?.StreamStatus ?? 'UNKNOWN',
		mode: summary?.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
		openShards: summary?.OpenShardCount ?? shards.length - closed,
		closedShards: closed,
		...(summary?.RetentionPeriodHours === undefined ? {} : {retentionHours: summary.RetentionPeriodHours}),
		...(summary?.ConsumerCount === undefined ? {} : {consumers: summary.ConsumerCount}),
		encryption: summary?.EncryptionType ?? 'NONE',
		...(summary?.StreamCreationTimestamp === undefined ? {} : {createdAt: summary.StreamCreationTimestamp}),
	};
}

/** The shard map of a stream, in shard id order. */
export async function shardViews(kinesis: KinesisClient, stream: string): Promise<ShardView[]> {
	return (await listAllShards(kinesis, stream)).map(shardView);
}

export function shardView(shard: Shard): ShardView {
	return {
		shardId: shard.ShardId ?? '',
		open: !isClosed(shard),
		parents: parentsOf(shard),
		startingHashKey: shard.HashKeyRange?.StartingHashKey ?? '',
		endingHashKey: shard.HashKeyRange?.EndingHashKey ?? '',
		startingSequenceNumber: shard.SequenceNumberRange?.StartingSequenceNumber,
		endingSequenceNumber: shard.SequenceNumberRange?.EndingSequenceNumber,
	};
}
