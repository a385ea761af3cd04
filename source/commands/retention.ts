import {problemError} from '../console/changes.js';
import {
	executeRetention,
	planRetention,
	retentionHoursProblem,
	retentionOverview,
	type RetentionOverview,
	type RetentionPlan,
} from '../console/retention.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {
	askToType,
	askYesNo,
	changeContext,
	changeFlags,
	changeHelp,
	declined,
	follow,
	indent,
	refuseEarly,
	sanitize,
	warningLines,
} from './changeCommand.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {table, type Output} from './output.js';
import {formatCount, formatSpan} from '../console/format.js';

const help = `
  Usage
    $ kinesis-console retention STREAM            show the retention and each shard's oldest record
    $ kinesis-console retention STREAM HOURS      change the retention (24 to 8760 hours)

  Without HOURS, shows how long the stream keeps records and the age of the oldest record of each
  shard. With HOURS, increases or decreases the retention period. A decrease makes every record older
  than the new period unreadable at once: it is previewed first with the records that would go, per
  shard (counted by reading each shard from its oldest record, "at least" when that takes too long),
  and confirmed by typing the stream's name. With --yes the estimate still goes to stderr.

  Options
    --estimate-limit <n>   Records counted per shard before saying "at least" (default 200000)
    --estimate-time <s>    Seconds spent counting before saying "at least" (default 20)
${changeHelp}
${connectionHelp}

  Examples
    $ kinesis-console retention orders
    $ kinesis-console retention orders 168 --yes
    $ kinesis-console retention orders 24 --dry-run
`;

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {
		...connectionFlags,
		...changeFlags,
		estimateLimit: {type: 'number', default: 200_000},
		estimateTime: {type: 'number', default: 20},
	});
	const [stream, hoursText, ...extra] = cli.input;
	if (!stream || extra.length > 0) throw new UsageError('retention takes a stream name or ARN, and optionally the new retention in hours.');
	const {flags} = cli;
	if (!Number.isInteger(flags.estimateLimit) || flags.estimateLimit < 1)
		throw new UsageError('--estimate-limit must be a whole number above 0.');
	if (!(flags.estimateTime > 0)) throw new UsageError('--estimate-time must be a number of seconds above 0.');

	if (hoursText === undefined) {
		return withConnection(flags, {streamName: stream, operation: 'GetRecords'}, async (connection, output) => {
			await printOverview(output, await retentionOverview(connection.kinesis, stream));
		});
	}

	const hours = /^\d+$/.test(hoursText) ? Number(hoursText) : Number.NaN;
	const problem = Number.isNaN(hours) ? `HOURS must be a whole number of hours, not '${hoursText}'.` : retentionHoursProblem(hours);
	if (problem !== undefined) throw new UsageError(problem);
	const early = refuseEarly(flags, 'retention', `changing the retention of '${stream}'`);
	if (early !== undefined) return early;

	return withConnection(flags, {streamName: stream, operation: 'DescribeStreamSummary'}, async (connection, output) => {
		if (process.stderr.isTTY) process.stderr.write(`Reading '${sanitize(stream)}'...\r`);
		const plan = await planRetention(connection.kinesis, stream, hours, {
			budget: {recordsPerShard: flags.estimateLimit, timeMs: flags.estimateTime * 1000},
		});
		if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
		await printPlan(output, plan);
		const refusal = problemError(plan.problems);
		if (refusal) throw refusal;
		if (flags.dryRun || plan.direction === 'unchanged') return 0;
		if (flags.yes) {
			if (plan.estimate) process.stderr.write(`${estimateSummary(plan)}\n`);
		} else if (plan.direction === 'decrease') {
			process.stderr.write(`\n${estimateSummary(plan)} This cannot be undone.\n`);
			if (
				!(await askToType(
					`Type the stream name (${sanitize(plan.confirmationText ?? stream)}) to confirm: `,
					plan.confirmationText ?? stream,
				))
			)
				return declined();
		} else if (!(await askYesNo(`Increase the retention of '${sanitize(stream)}' to ${hours} hours?`))) {
			return declined();
		}
		const result = await follow((signal) => executeRetention(changeContext(connection, signal), plan));
		if (result === undefined) return 130;
		if (output.json) await output.write([{type: 'result', ...result}], () => '');
		else
			await output.text(
				`\n'${sanitize(result.stream)}' now keeps records for ${result.retentionHours} hours (${days(result.retentionHours)}).\n`,
			);
		return 0;
	});
}

function estimateSummary(plan: RetentionPlan): string {
	const estimate = plan.estimate;
	if (!estimate) return '';
	const what =
		estimate.records === 0
			? 'no record'
			: `${estimate.atLeast ? 'at least ' : ''}${formatCount(estimate.records)} record${estimate.records === 1 ? '' : 's'}`;
	const span = estimate.oldest === undefined ? '' : ` (from ${estimate.oldest}, spanning ${formatSpan(estimate.spanMs)})`;
	return `Decreasing the retention of '${sanitize(plan.stream)}' from ${plan.currentHours} to ${plan.newHours} hours makes ${what}${span} unreadable.`;
}

const days = (hours: number): string =>
	hours % 24 === 0 ? `${hours / 24} day${hours === 24 ? '' : 's'}` : `${(hours / 24).toFixed(1)} days`;

async function printOverview(output: Output, overview: RetentionOverview): Promise<void> {
	if (output.json) return output.write([{type: 'retention', ...overview}], () => '');
	const oldest =
		overview.oldestAgeMs === undefined ? 'it holds no records' : `its oldest record is ${formatSpan(overview.oldestAgeMs)} old`;
	const rows = overview.shards.map((shard) => [
		shard.shardId,
		shard.open ? 'open' : 'closed',
		shard.oldest?.arrivalTime ?? '(no records)',
		shard.oldest === undefined ? '' : formatSpan(shard.oldest.ageMs),
	]);
	await output.text(
		`'${sanitize(overview.stream)}' keeps records for ${overview.retentionHours} hours (${days(overview.retentionHours)}); it is ${overview.status}; ${oldest}.\n\n` +
			`${indent(table([['SHARD', 'STATE', 'OLDEST RECORD', 'AGE'], ...rows]))}\n`,
	);
}

async function printPlan(output: Output, plan: RetentionPlan): Promise<void> {
	if (output.json) return output.write([{type: 'plan', ...plan}], () => '');
	const verb = plan.direction === 'increase' ? 'Increase' : plan.direction === 'decrease' ? 'Decrease' : 'Keep';
	let text = `${verb} the retention of '${sanitize(plan.stream)}' from ${plan.currentHours} to ${plan.newHours} hours (${days(plan.newHours)}).\n`;
	const estimate = plan.estimate;
	if (estimate) {
		text += `Records that arrived before ${estimate.horizon} become unreadable at once:\n\n`;
		const rows = estimate.shards.map((shard) => [
			shard.shardId,
			shard.open ? 'open' : 'closed',
			`${shard.atLeast ? 'at least ' : ''}${formatCount(shard.records)}`,
			shard.oldest ?? '-',
			shard.newest ?? '-',
			shard.records === 0 ? '' : formatSpan(shard.spanMs),
		]);
		rows.push([
			'total',
			'',
			`${estimate.atLeast ? 'at least ' : ''}${formatCount(estimate.records)}`,
			estimate.oldest ?? '-',
			'',
			estimate.records === 0 ? '' : formatSpan(estimate.spanMs),
		]);
		text += `${indent(table([['SHARD', 'STATE', 'RECORDS', 'OLDEST', 'NEWEST', 'SPAN'], ...rows]))}\n`;
	}
	if (plan.warnings.length > 0) text += `\n${warningLines(plan.warnings)}`;
	await output.text(text);
}
