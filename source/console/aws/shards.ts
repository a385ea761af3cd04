import {ListShardsCommand, type KinesisClient, type Shard} from '@aws-sdk/client-kinesis';

/**
 * Every shard of a stream, following ListShards' pages (streams can have thousands of shards);
 * `onPage` sees the shards listed so far after each page, for a screen that shows them as they come.
 */
export async function listAllShards(
	kinesis: KinesisClient,
	stream: StreamRef,
	signal?: AbortSignal,
	onPage?: (shardsSoFar: readonly Shard[]) => void,
): Promise<Shard[]> {
	const shards: Shard[] = [];
	let nextToken: string | undefined;
	do {
		const page = await kinesis.send(
			new ListShardsCommand(nextToken ? {NextToken: nextToken} : {...streamParameters(stream), MaxResults: 1000}),
			signal ? {abortSignal: signal} : {},
		);
		shards.push(...(page.Shards ?? []));
		nextToken = page.NextToken;
		if (nextToken) onPage?.(shards);
	} while (nextToken);
	return shards;
}

/** A stream named by name or ARN. */
export type StreamRef = string;

/** StreamName or StreamARN, whichever the reference is. */
export const streamParameters = (stream: StreamRef): {StreamName: string} | {StreamARN: string} =>
	stream.startsWith('arn:') ? {StreamARN: stream} : {StreamName: stream};

export const parentsOf = (shard: Shard): string[] =>
	[shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id));
export const isClosed = (shard: Shard): boolean => Boolean(shard.SequenceNumberRange?.EndingSequenceNumber);
