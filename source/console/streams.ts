import {DescribeStreamSummaryCommand, ListStreamsCommand, type KinesisClient, type Shard} from '@aws-sdk/client-kinesis';
import {isClosed, listAllShards, parentsOf, streamParameters} from './tail/shardListing.js';
import {mapLimited} from './mapLimited.js';

/** A stream as the streams list shows it. */
export interface StreamOverview {
	readonly name: string;
	readonly arn: string | undefined;
	readonly status: string;
	readonly mode: string;
	readonly openShards: number;
	readonly closedShards: number;
	readonly retentionHours: number | undefined;
	readonly consumers: number | undefined;
	readonly encryption: string;
	readonly createdAt: Date | undefined;
}

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

/** Every stream name, following both paging styles (NextToken, and HasMoreStreams for older emulators). */
export async function listStreamNames(kinesis: KinesisClient): Promise<string[]> {
	const names: string[] = [];
	let nextToken: string | undefined;
	for (;;) {
		const page = await kinesis.send(
			new ListStreamsCommand(nextToken ? {NextToken: nextToken} : names.length > 0 ? {ExclusiveStartStreamName: names.at(-1)} : {}),
		);
		names.push(...(page.StreamNames ?? []));
		nextToken = page.NextToken;
		if (!page.HasMoreStreams || (page.StreamNames ?? []).length === 0) return names;
	}
}

/** An overview of every stream, described a few at a time. */
export async function streamOverviews(kinesis: KinesisClient, concurrency = 8): Promise<StreamOverview[]> {
	const names = await listStreamNames(kinesis);
	return mapLimited(names, concurrency, (name) => streamOverview(kinesis, name));
}

export async function streamOverview(kinesis: KinesisClient, name: string): Promise<StreamOverview> {
	const [{StreamDescriptionSummary: summary}, shards] = await Promise.all([
		kinesis.send(new DescribeStreamSummaryCommand(streamParameters(name))),
		listAllShards(kinesis, name),
	]);
	const closed = shards.filter(isClosed).length;
	return {
		name: summary?.StreamName ?? name,
		arn: summary?.StreamARN,
		status: summary?.StreamStatus ?? 'UNKNOWN',
		mode: summary?.StreamModeDetails?.StreamMode ?? 'PROVISIONED',
		openShards: summary?.OpenShardCount ?? shards.length - closed,
		closedShards: closed,
		retentionHours: summary?.RetentionPeriodHours,
		consumers: summary?.ConsumerCount,
		encryption: summary?.EncryptionType ?? 'NONE',
		createdAt: summary?.StreamCreationTimestamp,
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
