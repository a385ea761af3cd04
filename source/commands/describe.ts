import {shardViews, type ShardView} from '../console/streams.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {table} from './output.js';

const help = `
  Usage
    $ kinesis-console describe STREAM [options]

  The shards of a stream: open or closed, parents, hash key ranges and sequence number ranges.
  STREAM is a stream name or ARN.
${connectionHelp}
`;

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, connectionFlags);
	const [stream, ...extra] = cli.input;
	if (!stream || extra.length > 0) throw new UsageError('describe takes one stream name or ARN.');
	return withConnection(cli.flags, {streamName: stream, operation: 'ListShards'}, async (connection, output) => {
		const shards = await shardViews(connection.kinesis, stream);
		if (output.json) return output.write(shards, () => '');
		await output.text(`${table([['SHARD', 'STATE', 'PARENTS', 'HASH KEY RANGE', 'SEQUENCE RANGE'], ...shards.map(row)])}\n`);
	});
}

function row(shard: ShardView): string[] {
	return [
		shard.shardId,
		shard.open ? 'open' : 'closed',
		shard.parents.join(',') || '-',
		`${shard.startingHashKey}..${shard.endingHashKey}`,
		`${shard.startingSequenceNumber ?? '?'}..${shard.endingSequenceNumber ?? ''}`,
	];
}
