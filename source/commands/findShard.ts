import {findShards, hashKeyProblem, type ShardLookup} from '../console/hashKeys.js';
import {sanitizeForTerminal} from '../console/records/terminalText.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {table} from './output.js';

const help = `
  Usage
    $ kinesis-console find-shard STREAM KEY... [options]
    $ kinesis-console find-shard STREAM --explicit-hash-key <n>

  Which shard takes a partition key's records: the key's hash key (the MD5 of its UTF-8 bytes as an
  unsigned 128-bit integer, in decimal) and the open shard whose hash key range holds it. Also names
  the closed shards that held it, where its older records may still be. STREAM is a stream name or ARN.

  Options
    --explicit-hash-key <n>  Look up a hash key (0 to 2^128 - 1) instead: as a record with this
                             ExplicitHashKey is routed, whatever its partition key
${connectionHelp}

  Output
    One line per key; with --json (or when stdout is piped) one JSON line per key:
      {"partitionKey":"user-42","hashKey":"1234...","hashKeySource":"partition-key",
       "shardId":"shardId-000000000001","startingHashKey":"...","endingHashKey":"...","closedShardIds":[]}
    Exit status 1 when no open shard holds a key (a stream being deleted).

  Examples
    $ kinesis-console find-shard orders customer-1234
    $ kinesis-console find-shard orders a b c --json
    $ kinesis-console find-shard orders --explicit-hash-key 170141183460469231731687303715884105728
`;

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {...connectionFlags, explicitHashKey: {type: 'string'}});
	const [stream, ...keys] = cli.input;
	const explicitHashKey = cli.flags.explicitHashKey;
	if (!stream) throw new UsageError('find-shard takes a stream name or ARN, then partition keys (or --explicit-hash-key).');
	if (explicitHashKey === undefined && keys.length === 0)
		throw new UsageError('Give a partition key, or a hash key with --explicit-hash-key.');
	if (explicitHashKey !== undefined) {
		const problem = hashKeyProblem(explicitHashKey);
		if (problem !== undefined) throw new UsageError(`--explicit-hash-key: ${problem}`);
		if (keys.length > 1)
			throw new UsageError('With --explicit-hash-key, give at most one partition key: the hash key routes the record, not the key.');
	}
	for (const key of keys) {
		const length = [...key].length;
		if (length < 1 || length > 256) throw new UsageError(`A partition key has 1 to 256 characters; '${key.slice(0, 40)}' has ${length}.`);
	}

	const asked =
		explicitHashKey === undefined
			? keys.map((partitionKey) => ({partitionKey}))
			: [{explicitHashKey, ...(keys[0] === undefined ? {} : {partitionKey: keys[0]})}];
	return withConnection(cli.flags, {streamName: stream, operation: 'ListShards'}, async (connection, output) => {
		const found = await findShards(connection.kinesis, stream, asked);
		const lines = found.map(lookupLine);
		if (output.json) await output.write(lines, () => '');
		else await output.text(`${plainTable(lines)}\n`);
		const lost = found.filter((lookup) => lookup.shard === undefined);
		for (const lookup of lost)
			process.stderr.write(
				`No open shard of '${sanitizeForTerminal(stream, {keepNewlines: false})}' holds hash key ${lookup.hashKey}: is the stream being deleted?\n`,
			);
		return lost.length > 0 ? 1 : 0;
	});
}

interface LookupLine {
	readonly partitionKey?: string;
	readonly hashKey: string;
	readonly hashKeySource: ShardLookup['hashKeySource'];
	readonly shardId: string | null;
	readonly startingHashKey: string | null;
	readonly endingHashKey: string | null;
	readonly closedShardIds: readonly string[];
}

function lookupLine(lookup: ShardLookup): LookupLine {
	return {
		...(lookup.partitionKey === undefined ? {} : {partitionKey: lookup.partitionKey}),
		hashKey: lookup.hashKey,
		hashKeySource: lookup.hashKeySource,
		shardId: lookup.shard?.ShardId ?? null,
		startingHashKey: lookup.shard?.HashKeyRange?.StartingHashKey ?? null,
		endingHashKey: lookup.shard?.HashKeyRange?.EndingHashKey ?? null,
		closedShardIds: lookup.closedShardIds,
	};
}

function plainTable(lines: readonly LookupLine[]): string {
	const rows = lines.map((line) => [
		line.partitionKey === undefined ? '-' : sanitizeForTerminal(line.partitionKey, {keepNewlines: false, keepTabs: false}),
		line.hashKeySource === 'explicit-hash-key' ? `${line.hashKey} (explicit)` : line.hashKey,
		line.shardId ?? 'none open',
		line.startingHashKey === null ? '-' : `${line.startingHashKey}..${line.endingHashKey ?? ''}`,
		line.closedShardIds.join(',') || '-',
	]);
	return table([['PARTITION KEY', 'HASH KEY', 'SHARD', 'SHARD HASH KEY RANGE', 'CLOSED SHARDS'], ...rows]);
}
