import {problemError} from '../console/changes.js';
import {executeReshard, loadStreamShape, normalizeShardId, type MergePlan, type RangePreview} from '../console/reshard.js';
import {planMerge, proposeMerge} from '../console/reshardPlans.js';
import {measureTraffic, type TrafficReport} from '../console/traffic.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {
	askYesNo,
	changeContext,
	changeFlags,
	changeHelp,
	declined,
	follow,
	parseWindow,
	printShardMap,
	rangeRow,
	rangeTable,
	refuseEarly,
	sanitize,
	warningLines,
} from './changeCommand.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import type {Output} from './output.js';
import {formatCount, formatPercent, formatSpan} from '../console/format.js';

const help = `
  Usage
    $ kinesis-console merge STREAM [SHARD ADJACENT_SHARD] [options]

  Merges two open shards whose hash key ranges meet (MergeShards) into one. Without shards, proposes
  the coldest adjacent pair: the fewest records over --sample, from CloudWatch's shard-level
  IncomingRecords when enhanced monitoring records it, otherwise by reading the shards' recent records.
  Shows the pair, the merged range and their traffic, asks, then follows the stream until it is ACTIVE
  and prints the new shard map. Shards are ids (shardId-000000000001, or just 1), in either order.

  Options
    --sample <window>      The traffic window (15m, 2h, or an ISO time since); default 15m when
                           proposing the pair. With two shards, shows their traffic over it.
    --sample-limit <n>     Read at most n records per shard (default 100000)
${changeHelp}
${connectionHelp}

  Examples
    $ kinesis-console merge orders --dry-run
    $ kinesis-console merge orders shardId-000000000004 shardId-000000000005 --yes
`;

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {
		...connectionFlags,
		...changeFlags,
		sample: {type: 'string'},
		sampleLimit: {type: 'number', default: 100_000},
	});
	const [stream, first, second, ...extra] = cli.input;
	if (!stream || (first !== undefined && second === undefined) || extra.length > 0) {
		throw new UsageError('merge takes a stream name or ARN, then either two shard ids or none (to merge the coldest adjacent pair).');
	}
	const {flags} = cli;
	if (!Number.isInteger(flags.sampleLimit) || flags.sampleLimit < 1) throw new UsageError('--sample-limit must be a whole number above 0.');
	const sampleText = flags.sample ?? (first === undefined ? '15m' : undefined);
	const windowMs = sampleText === undefined ? undefined : parseWindow(sampleText, '--sample');
	const pair = first !== undefined && second !== undefined ? ([normalizeShardId(first), normalizeShardId(second)] as const) : undefined;
	const early = refuseEarly(flags, 'merge', pair ? `merging ${pair[0]} and ${pair[1]}` : 'merging two shards');
	if (early !== undefined) return early;

	return withConnection(flags, {streamName: stream, operation: 'MergeShards'}, async (connection, output) => {
		const shape = await loadStreamShape(connection.kinesis, stream);
		let traffic: TrafficReport | undefined;
		if (windowMs !== undefined) {
			const shardIds = pair
				? pair.filter((id) => shape.openShards.some((shard) => shard.shardId === id))
				: shape.openShards.map((shard) => shard.shardId);
			if (process.stderr.isTTY)
				process.stderr.write(
					`Measuring the traffic of ${shardIds.length} shard${shardIds.length === 1 ? '' : 's'} over the last ${sanitize(sampleText ?? '')}...\r`,
				);
			traffic = await measureTraffic(connection.kinesis, stream, shardIds, {
				windowMs,
				...(shape.createdMs === undefined ? {} : {notBeforeMs: shape.createdMs}),
				enhancedMetrics: shape.enhancedMetrics,
				cloudwatch: connection.cloudwatch,
				maxRecordsPerShard: flags.sampleLimit,
				budgetMs: 120_000,
			});
			if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
		}
		const plan = pair ? planMerge(shape, pair[0], pair[1], traffic) : proposeMerge(shape, traffic);
		// A refused plan is said alone: its preview would describe a change that cannot be made.
		const problem = problemError(plan.problems);
		if (problem) throw problem;
		await printPlan(output, plan);
		if (flags.dryRun) return 0;
		if (!flags.yes && !(await askYesNo(`Merge ${plan.shardToMerge} and ${plan.adjacentShardToMerge} of '${sanitize(stream)}'?`)))
			return declined();
		const result = await follow((signal) => executeReshard(changeContext(connection, signal), plan));
		if (result === undefined) return 130;
		await printShardMap(output, result, undefined);
		return 0;
	});
}

const SOURCE_TEXT = {
	cloudwatch: "CloudWatch's shard-level IncomingRecords",
	sample: "the shards' records, read back",
	observed: 'what the console observed',
} as const;

async function printPlan(output: Output, plan: MergePlan): Promise<void> {
	if (output.json) return output.write([{type: 'plan', ...plan}], () => '');
	const withTraffic = plan.shards.some((shard) => shard.traffic !== undefined);
	const columns = (range: RangePreview, merged = false) =>
		!withTraffic
			? []
			: range.traffic === undefined
				? ['?', '']
				: [
						`${(range.traffic.recordsPerSecond ?? 0).toFixed(2)}`,
						merged
							? `${formatCount(range.traffic.records)} records`
							: `${formatPercent(range.traffic.share)} (${formatCount(range.traffic.records)})`,
					];
	const rows = [
		['SHARD', 'HASH KEY RANGE', 'KEY SPACE', ...(withTraffic ? ['RECORDS/S', 'SHARE OF THE PAIR'] : [])],
		rangeRow(plan.shardToMerge, plan.shards[0], columns(plan.shards[0])),
		rangeRow(plan.adjacentShardToMerge, plan.shards[1], columns(plan.shards[1])),
		rangeRow('  new, merged', plan.merged, columns(plan.merged, true)),
	];
	const why = {
		coldest: ': the coldest adjacent pair',
		smallest: ': the adjacent pair with the least key space (traffic unknown)',
		given: '',
	}[plan.reason];
	const source = plan.traffic
		? `\nTraffic: ${SOURCE_TEXT[plan.traffic.source]} over the last ${formatSpan(plan.traffic.windowMs)}${plan.traffic.note ? ` (${sanitize(plan.traffic.note)})` : ''}.\n`
		: '';
	await output.text(
		`Merge ${plan.shardToMerge} and ${plan.adjacentShardToMerge} of '${sanitize(plan.stream)}'${why}.\n${source}\n${rangeTable(rows, 1)}\n\n` +
			`  open shards ${plan.openShards.before} → ${plan.openShards.after}\n` +
			(plan.warnings.length > 0 ? `\n${warningLines(plan.warnings)}` : ''),
	);
}
