import {problemError} from '../console/changes.js';
import {executeReshard, loadStreamShape, type ScalePlan} from '../console/reshard.js';
import {accountShardLimits, planScale} from '../console/reshardPlans.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {
	askYesNo,
	changeContext,
	changeFlags,
	changeHelp,
	declined,
	follow,
	indent,
	printShardMap,
	rangeRow,
	rangeTable,
	refuseEarly,
	sanitize,
	warningLines,
} from './changeCommand.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {columnsLeft, table, type Output} from './output.js';
import {formatCount} from '../console/format.js';

const help = `
  Usage
    $ kinesis-console scale STREAM N [options]

  Scales a stream to N open shards of equal hash key ranges (UpdateShardCount, UNIFORM_SCALING).
  Shows Kinesis's limits first: at most double and at least half the open shards in one step, the
  account's open shard quota (DescribeLimits), and 10 scalings per stream in a rolling 24 hours (which
  cannot be checked before asking), and the resulting ranges. Asks, then follows the stream until it is
  ACTIVE and prints the new shard map.
${changeHelp}
${connectionHelp}

  Examples
    $ kinesis-console scale orders 8 --dry-run
    $ kinesis-console scale orders 4 --yes --json
`;

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {...connectionFlags, ...changeFlags});
	const [stream, countText, ...extra] = cli.input;
	if (!stream || countText === undefined || extra.length > 0)
		throw new UsageError('scale takes a stream name or ARN and a number of shards.');
	if (!/^\d+$/.test(countText) || Number(countText) < 1)
		throw new UsageError(`N must be a whole number of shards, 1 or more, not '${countText}'.`);
	const target = Number(countText);
	const {flags} = cli;
	const early = refuseEarly(flags, 'scale', `scaling to ${target} shards`);
	if (early !== undefined) return early;

	return withConnection(flags, {streamName: stream, operation: 'UpdateShardCount'}, async (connection, output) => {
		const [shape, account] = await Promise.all([loadStreamShape(connection.kinesis, stream), accountShardLimits(connection.kinesis)]);
		const plan = planScale(shape, target, account);
		// A refused plan is said alone: its preview would describe a change that cannot be made.
		const problem = problemError(plan.problems);
		if (problem) throw problem;
		await printPlan(output, plan);
		if (flags.dryRun || plan.unchanged) return 0;
		if (!flags.yes && !(await askYesNo(`Scale '${sanitize(stream)}' from ${plan.current} to ${plan.target} shards?`))) return declined();
		const result = await follow((signal) => executeReshard(changeContext(connection, signal), plan));
		if (result === undefined) return 130;
		await printShardMap(output, result, undefined);
		return 0;
	});
}

/** Ranges shown in full up to this many; beyond, the first and last few. */
const SHOWN_RANGES = 16;

async function printPlan(output: Output, plan: ScalePlan): Promise<void> {
	if (output.json) return output.write([{type: 'plan', ...plan}], () => '');
	const {limits} = plan;
	const limitRows = [
		[
			'one step',
			limits.inReach
				? `${limits.minTarget} to ${limits.maxTarget} open shards (at least half, at most double the ${limits.openShards} open now, within the stream's and the account's limits)`
				: `no target: past ${formatCount(limits.maxShardsPerStream)} open shards a stream is scaled only to fewer, and to no fewer than half its ${formatCount(limits.openShards)} (merge shards instead)`,
		],
		[
			'account',
			limits.account
				? `${formatCount(limits.account.openShardCount)} of ${formatCount(limits.account.shardLimit)} open shards in this region (room for ${formatCount(limits.account.headroom)} more)`
				: 'the open shard quota could not be read (DescribeLimits)',
		],
		['per day', limits.note],
	];
	const ranges = plan.ranges.map((range, index) => rangeRow(String(index + 1), range));
	const shown =
		ranges.length > SHOWN_RANGES
			? [...ranges.slice(0, SHOWN_RANGES - 2), ['...', `${ranges.length - SHOWN_RANGES + 1} more`, ''], ...ranges.slice(-1)]
			: ranges;
	await output.text(
		`Scale '${sanitize(plan.stream)}' from ${plan.current} to ${plan.target} open shard${plan.target === 1 ? '' : 's'} (UpdateShardCount, UNIFORM_SCALING).\n\n` +
			`  Limits\n${indent(table(limitRows, columnsLeft('    ')), '    ')}\n\n` +
			(shown.length > 0
				? `  Resulting hash key ranges\n${rangeTable([['#', 'HASH KEY RANGE', 'KEY SPACE'], ...shown], 1, '    ')}\n`
				: '') +
			(plan.warnings.length > 0 ? `\n${warningLines(plan.warnings)}` : ''),
	);
}
