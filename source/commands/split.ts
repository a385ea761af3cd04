import {problemError} from '../console/changes.js';
import {hashKeyProblem} from '../console/hashKeys.js';
import {executeReshard, loadStreamShape, normalizeShardId, type SplitPlan, type SplitRequest} from '../console/reshard.js';
import {planSplit} from '../console/reshardPlans.js';
import {sampleShard} from '../console/traffic.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {
	changeContext,
	changeFlags,
	changeHelp,
	declined,
	follow,
	askYesNo,
	parseWindow,
	printShardMap,
	rangeRow,
	rangeTable,
	refuseEarly,
	sanitize,
	warningLines,
} from './changeCommand.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {formatCount, formatPercent} from '../console/format.js';

const help = `
  Usage
    $ kinesis-console split STREAM SHARD [options]

  Splits an open shard in two (SplitShard): at the middle of its hash key range (the default), at a
  hash key you give, or at the median hash key of its recent traffic, which divides a hot shard's
  records evenly between the two children. Shows the children's ranges and the share of the traffic
  each would take, asks, then follows the stream until it is ACTIVE and prints the new shard map.
  SHARD is a shard id (shardId-000000000001, or just 1).

  Options
    --at <hashkey>         Split here: the upper child starts at this hash key (decimal)
    --median               Split at the median hash key of the records read back with --sample
    --sample <window>      Read the shard's records of this window (15m, 2h, or an ISO time since):
                           the traffic the median and the shares are taken from (default 15m with --median)
    --sample-limit <n>     Read at most n records (default 100000)
${changeHelp}
${connectionHelp}

  Examples
    $ kinesis-console split orders shardId-000000000003 --median --sample 30m
    $ kinesis-console split orders 3 --at 255211775190703847597530955573826158592 --yes --json
`;

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {
		...connectionFlags,
		...changeFlags,
		at: {type: 'string'},
		median: {type: 'boolean', default: false},
		sample: {type: 'string'},
		sampleLimit: {type: 'number', default: 100_000},
	});
	const [stream, shardArgument, ...extra] = cli.input;
	if (!stream || !shardArgument || extra.length > 0) throw new UsageError('split takes a stream name or ARN and a shard id.');
	const {flags} = cli;
	if (flags.at !== undefined && flags.median) throw new UsageError('--at and --median cannot be used together.');
	if (flags.at !== undefined) {
		const problem = hashKeyProblem(flags.at);
		if (problem !== undefined) throw new UsageError(`--at: ${problem}`);
	}
	if (!Number.isInteger(flags.sampleLimit) || flags.sampleLimit < 1) throw new UsageError('--sample-limit must be a whole number above 0.');
	const sampleText = flags.sample ?? (flags.median ? '15m' : undefined);
	const windowMs = sampleText === undefined ? undefined : parseWindow(sampleText, '--sample');
	const shardId = normalizeShardId(shardArgument);
	const early = refuseEarly(flags, 'split', `splitting ${shardId}`);
	if (early !== undefined) return early;

	return withConnection(flags, {streamName: stream, operation: 'SplitShard'}, async (connection, output) => {
		const shape = await loadStreamShape(connection.kinesis, stream);
		const request: {-readonly [K in keyof SplitRequest]: SplitRequest[K]} = {
			shardId,
			at: flags.median ? 'median' : flags.at === undefined ? 'midpoint' : {hashKey: flags.at},
		};
		if (windowMs !== undefined && shape.openShards.some((shard) => shard.shardId === shardId)) {
			if (process.stderr.isTTY)
				process.stderr.write(`Reading the records of ${sanitize(shardId)} from the last ${sanitize(sampleText ?? '')}...\r`);
			const sample = await sampleShard(connection.kinesis, stream, shardId, {
				sinceMs: Date.now() - windowMs,
				maxRecords: flags.sampleLimit,
				deadlineMs: Date.now() + 120_000,
			});
			if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
			request.observations = sample.observations;
			request.observedFrom = `the records since ${new Date(sample.fromMs).toISOString()}, read back${sample.complete ? '' : `, the first ${formatCount(sample.records)} only`}`;
		}
		const plan = planSplit(shape, request);
		// A refused plan is said alone: its preview would describe a change that cannot be made.
		const problem = problemError(plan.problems);
		if (problem) throw problem;
		await printPlan(output, plan);
		if (flags.dryRun) return 0;
		if (!flags.yes && !(await askYesNo(`Split ${plan.shardId} of '${sanitize(stream)}'?`))) return declined();
		const result = await follow((signal) => executeReshard(changeContext(connection, signal), plan));
		if (result === undefined) return 130;
		await printShardMap(output, result, undefined);
		return 0;
	});
}

const METHOD_TEXT = {
	midpoint: 'at the middle of its hash key range',
	'hash-key': 'at the given hash key',
	median: 'at the median hash key of its observed traffic',
} as const;

async function printPlan(output: Parameters<typeof printShardMap>[0], plan: SplitPlan): Promise<void> {
	if (output.json) return output.write([{type: 'plan', ...plan}], () => '');
	const traffic = (range: SplitPlan['parent'], parent = false) =>
		range.traffic === undefined
			? []
			: [
					parent
						? `${formatCount(range.traffic.records)} records`
						: `${formatPercent(range.traffic.share)} (${formatCount(range.traffic.records)})`,
				];
	const observed = plan.observed;
	const header = ['SHARD', 'HASH KEY RANGE', 'KEY SPACE', ...(observed ? ['OBSERVED TRAFFIC'] : [])];
	const rows = [
		header,
		rangeRow(plan.shardId, plan.parent, traffic(plan.parent, true)),
		...plan.children.map((child, index) => rangeRow(index === 0 ? '  new, lower' : '  new, upper', child, traffic(child))),
	];
	const source = observed
		? `\nTraffic: ${formatCount(observed.records)} records observed (${sanitize(observed.from ?? 'given')}), ${formatCount(observed.distinctHashKeys)} distinct hash keys in the shard's range.\n`
		: '';
	await output.text(
		`Split ${plan.shardId} of '${sanitize(plan.stream)}' ${METHOD_TEXT[plan.method]}.\n${source}\n${rangeTable(rows, 1)}\n\n` +
			(plan.newStartingHashKey === ''
				? ''
				: `  NewStartingHashKey ${plan.newStartingHashKey} · open shards ${plan.openShards.before} → ${plan.openShards.after}\n`) +
			(plan.warnings.length > 0 ? `\n${warningLines(plan.warnings)}` : ''),
	);
}
