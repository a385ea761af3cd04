import {problemError} from '../console/changes.js';
import {
	planCheckpointReset,
	type CheckpointResetPlan,
	type ResetAction,
	type ResetEffect,
	type ResetPlanOptions,
} from '../console/checkpoints/plan.js';
import {coordinationSummary, kbpsText, workerLoadText} from '../console/checkpoints/coordination.js';
import {readCheckpoints, type CheckpointsReport, type ShardCheckpoint} from '../console/checkpoints/reading.js';
import {parseResetTarget} from '../console/checkpoints/targets.js';
import {executeCheckpointReset, movingCheckpointsAdvice, type CheckpointResetResult} from '../console/checkpoints/write.js';
import type {Connection} from '../console/connect.js';
import {ConsoleError, EXIT_CODES} from '../console/failures.js';
import {LeaseHold} from '../console/leaseHold.js';
import {normalizeShardId} from '../console/reshard.js';
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
	refuseEarly,
	sanitize,
	warningLines,
} from './changeCommand.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {table, type Output} from './output.js';
import {formatCount, formatSpan} from '../console/format.js';

const help = `
  Usage
    $ kinesis-console checkpoints STREAM --app APP                          per-shard checkpoints and lag
    $ kinesis-console checkpoints reset STREAM --app APP --to POSITION      reset checkpoints

  Reads a KCL application's lease table (a DynamoDB table named after the application) and shows, per
  shard of the stream: the lease owner, lease counter, checkpoint, and lag (the age of the first
  record after the checkpoint, "caught up" when there is none, "at SHARD_END" for a finished shard).
  The leases are read twice a few seconds apart: a lease whose counter does not move is held by no
  live worker. Shards with no lease (children after a reshard, say) and unheld leases are flagged.

  reset moves the checkpoints of all leases, or of the chosen shards, to a new position. It shows a
  plan first (per shard the current and new checkpoint, and the records that will be re-read or
  skipped), warns while workers still hold live leases and about shards with no lease, and writes each
  lease with a conditional write that expects the checkpoint the plan read: a shard a worker
  checkpointed after the plan is not written, and the plan is shown again (a lease only renewed since
  the plan is written; the reset bumps its counter, so its holder gives it up and resumes from the new
  checkpoint).

  Options
    --app <name>           The KCL application: its lease table's name (required)
    --liveness <s>         Seconds between the two lease reads that tell live workers (default 5; 0:
                           read once). A KCL worker renews its leases every third of its failover time

  Reset options
    --to <position>        trim-horizon | latest | a time ago (15m, 2h, 1d) | an ISO time (AT_TIMESTAMP:
                           each shard's checkpoint becomes the record just before the time; local time
                           without Z or an offset, a day alone its local midnight) | a sequence
                           number (the checkpoint becomes it: the application resumes after it; one shard)
    --shard <id>           Reset only this shard (shardId-000000000001, or 1); repeatable. Default: every lease
    --create-missing       Also make leases, at the new position, for shards with none (children after a
                           reshard, which otherwise start at TRIM_HORIZON whatever the reset says)
    --take-leases          Take the leases of the shards to reset from their workers first, so that their
                           checkpoints stay put until the reset writes them (the workers stop reading those
                           shards; each write gives its lease back, and leases not written are given back).
                           A KCL 3.x leader leaves taken leases alone; 2.x workers may steal them back
    --foreign-checkpoints  Reset checkpoints that do not look like the stream's (its leases are of shards
                           it does not list, or Kinesis refuses a checkpoint as another stream's): for a
                           stream deleted and made again under its name. Refused without it
    --count-limit <n>      Records counted per shard before saying "at least" (default 100000)
    --count-time <s>       Seconds spent counting records; past it, the rest of a range is estimated from
                           the rate counted (default 0.6)
${changeHelp}
${connectionHelp}

  Examples
    $ kinesis-console checkpoints orders --app orders-enricher
    $ kinesis-console checkpoints reset orders --app orders-enricher --to 2h --dry-run
    $ kinesis-console checkpoints reset orders --app orders-enricher --to latest --shard 3 --yes --json
`;

/** A plan's actions as this command's flags: the console names the same actions by their keys. */
const RESET_FLAGS: Readonly<Record<ResetAction, string>> = {
	createMissing: '--create-missing',
	takeLeases: '--take-leases',
	chooseShard: 'one --shard',
	foreignCheckpoints: '--foreign-checkpoints',
};
const flagOf = (action: string): string => RESET_FLAGS[action as ResetAction] ?? action;

/** Rounds of "changed since the plan, here it is again" before giving up. */
const MAX_ROUNDS = 5;

// One function: the flags are parsed once, then it branches to the report or the reset, and confirmAndWrite is nested
// below so that it reads the same flags; the reset's own steps are planCheckpointReset and executeCheckpointReset.
export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {
		...connectionFlags,
		...changeFlags,
		app: {type: 'string'},
		liveness: {type: 'number', default: 5},
		to: {type: 'string'},
		shard: {type: 'string', isMultiple: true},
		createMissing: {type: 'boolean', default: false},
		takeLeases: {type: 'boolean', default: false},
		foreignCheckpoints: {type: 'boolean', default: false},
		countLimit: {type: 'number', default: 100_000},
		countTime: {type: 'number', default: 0.6},
	});
	const {flags} = cli;
	const reset = cli.input[0] === 'reset';
	const [stream, ...extra] = reset ? cli.input.slice(1) : cli.input;
	if (!stream || extra.length > 0)
		throw new UsageError(
			reset ? 'checkpoints reset takes a stream name or ARN.' : 'checkpoints takes a stream name or ARN (or: checkpoints reset STREAM).',
		);
	const application = flags.app?.trim();
	if (!application) throw new UsageError('--app names the KCL application (its lease table): kinesis-console consumers STREAM lists them.');
	const appName: string = application;
	if (!(flags.liveness >= 0)) throw new UsageError('--liveness must be a number of seconds, 0 or more.');
	const livenessMs = Math.round(flags.liveness * 1000);

	if (!reset) {
		for (const flag of ['to', 'shard'] as const)
			if (flags[flag] !== undefined && flags[flag].length > 0) throw new UsageError(`--${flag} is for checkpoints reset.`);
		if (flags.takeLeases) throw new UsageError('--take-leases is for checkpoints reset.');
		if (flags.foreignCheckpoints) throw new UsageError('--foreign-checkpoints is for checkpoints reset.');
		return withConnection(flags, {streamName: stream, tableName: application}, async (connection, output) => {
			if (process.stderr.isTTY) process.stderr.write(`Reading the leases of '${sanitize(application)}'...\r`);
			const report = await readCheckpoints(connection, stream, application, {livenessMs});
			if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
			await printReport(output, report);
		});
	}

	if (flags.to === undefined)
		throw new UsageError('checkpoints reset needs --to: trim-horizon, latest, a time (15m, an ISO time) or a sequence number.');
	let to;
	try {
		to = parseResetTarget(flags.to);
	} catch (error) {
		throw new UsageError(error instanceof ConsoleError ? `--to: ${error.message} ${error.failure.hint ?? ''}`.trim() : String(error));
	}
	if (!Number.isInteger(flags.countLimit) || flags.countLimit < 1) throw new UsageError('--count-limit must be a whole number above 0.');
	if (!(flags.countTime > 0)) throw new UsageError('--count-time must be a number of seconds above 0.');
	const shards = flags.shard?.map(normalizeShardId);
	const request = {
		to,
		...(shards && shards.length > 0 ? {shards} : {}),
		...(flags.createMissing ? {createMissingLeases: true} : {}),
		...(flags.foreignCheckpoints ? {foreignCheckpoints: true} : {}),
	};
	const early = refuseEarly(flags, 'checkpoints reset', `resetting the checkpoints of '${application}'`, "the application's lease table");
	if (early !== undefined) return early;

	return withConnection(flags, {streamName: stream, tableName: application}, async (connection, output) => {
		const options: ResetPlanOptions = {
			livenessMs,
			nameAction: flagOf,
			budget: {recordsPerShard: flags.countLimit, timeMs: flags.countTime * 1000},
		};
		if (process.stderr.isTTY) process.stderr.write(`Reading the leases of '${sanitize(application)}' and counting records...\r`);
		let plan = await planCheckpointReset(connection, stream, application, request, options);
		if (process.stderr.isTTY) process.stderr.write('\r\u001b[K');
		if (!flags.takeLeases || flags.dryRun) return confirmAndWrite(connection, output, plan, options);
		// The leases are taken, the plan made again from checkpoints that stay put, and whatever happens given back.
		const keys = plan.shards.filter((shard) => shard.action === 'reset').map((shard) => shard.leaseKey);
		const {hold, missed} = await LeaseHold.take(connection, application, keys);
		try {
			process.stderr.write(
				`Took ${hold.held.size} lease${hold.held.size === 1 ? '' : 's'} of '${sanitize(application)}' as ${sanitize(hold.owner)}${missed.length > 0 ? `; could not take ${missed.map(sanitize).join(', ')}` : ''}.\n`,
			);
			plan = await planCheckpointReset(connection, stream, application, request, {...options, livenessMs: 0, heldBy: hold.owner});
			return await confirmAndWrite(connection, output, plan, {...options, heldBy: hold.owner});
		} finally {
			await hold.release();
		}
	});

	/** Shows the plan, asks, writes; shows the plan again while shards change under it, a few rounds at most. */
	async function confirmAndWrite(
		connection: Connection,
		output: Output,
		first: CheckpointResetPlan,
		options: ResetPlanOptions,
	): Promise<number> {
		let plan = first;
		for (let round = 1; ; round++) {
			await printPlan(output, plan, round > 1);
			const problem = problemError(plan.problems, flagOf);
			if (problem) throw problem;
			if (flags.dryRun) return 0;
			const writes = plan.shards.filter((shard) => shard.action !== 'unchanged').length;
			if (writes === 0) return 0;
			if (flags.yes) {
				if (plan.liveWorkers.length > 0)
					process.stderr.write(`Going on (--yes) although workers hold live leases: ${plan.liveWorkers.map(sanitize).join(', ')}.\n`);
			} else {
				const question =
					plan.liveWorkers.length > 0
						? `Workers still hold live leases (${plan.liveWorkers.map(sanitize).join(', ')}). Reset ${writes} checkpoint${writes === 1 ? '' : 's'} of '${sanitize(appName)}' anyway?`
						: `Reset ${writes} checkpoint${writes === 1 ? '' : 's'} of '${sanitize(appName)}'?`;
				if (!(await askYesNo(question))) return declined();
			}
			const result = await follow((signal) => executeCheckpointReset(checkpointContext(connection, signal, options.heldBy), plan, options));
			if (result === undefined) return 130;
			await printResult(output, result);
			if (result.replan === undefined) return 0;
			const changed = result.changedSincePlan.length;
			const said = `${changed} shard${changed === 1 ? '' : 's'} changed since the plan (${result.changedSincePlan.map((shard) => shard.shardId).join(', ')}): nothing was written to ${changed === 1 ? 'it' : 'them'}.`;
			if (flags.yes || round >= MAX_ROUNDS) {
				await printPlan(output, result.replan, true);
				process.stderr.write(
					`${sanitize(said)} ${flags.yes ? 'Not written again without asking: a worker is writing to ' + (changed === 1 ? 'that lease' : 'those leases') : `Still changing after ${MAX_ROUNDS} plans`}. Stop the application's workers, or take their leases first (--take-leases), and run the reset again.\n`,
				);
				return EXIT_CODES['in-use'];
			}
			if (!output.json) await output.text(`\n${said} The plan again, from the lease table as it is now:\n\n`);
			plan = result.replan;
		}
	}
}

function checkpointContext(connection: Connection, signal: AbortSignal, releaseOwner?: string) {
	return {
		...changeContext(connection, signal),
		dynamodb: connection.dynamodb,
		documents: connection.documents,
		...(releaseOwner === undefined ? {} : {releaseOwner}),
	};
}

// ---------------------------------------------------------------------------------------------------
// Printing

const HOLDER_TEXT = {live: 'live', stale: 'stale', unowned: 'unowned', unknown: '', none: ''} as const;

function lagText(shard: ShardCheckpoint): string {
	switch (shard.lag.state) {
		case 'behind':
			return `${formatSpan(shard.lag.ageMs)} behind`;
		case 'caught-up':
			return shard.lag.endReached ? 'caught up (end of shard)' : 'caught up';
		case 'shard-end':
			return 'at SHARD_END';
		case 'unknown':
			return '?';
	}
}

const FLAG_TEXT = {
	'no-lease': 'NO LEASE',
	'not-held': 'NOT HELD',
	'waiting-for-parent': 'waits for parent',
	'shard-gone': 'shard gone',
	handoff: 'handing off',
} as const;

async function printReport(output: Output, report: CheckpointsReport): Promise<void> {
	if (output.json) return output.write([{type: 'checkpoints', ...report}], () => '');
	const live = report.workers.filter((worker) => worker.live === true).length;
	const workers = `${report.workers.length} worker${report.workers.length === 1 ? '' : 's'}${report.livenessMs > 0 ? ` (${live} live)` : ''}`;
	const {unknownLag} = report.summary;
	const worst =
		report.summary.maxLagShardId !== undefined
			? `the most behind is ${report.summary.maxLagShardId}, ${formatSpan(report.summary.maxLagMs ?? 0)}`
			: unknownLag > 0
				? `no shard is known to be behind; the lag of ${unknownLag} is unknown`
				: 'every shard is caught up';
	const flagged = report.shards.some((shard) => shard.flags.length > 0);
	// KCL 3.x writes each lease's throughput with its renewals: a column only when some lease has it.
	const throughput = report.shards.some((shard) => shard.throughputKBps !== undefined);
	const rows = report.shards.map((shard) => [
		shard.shardId,
		shard.shard === undefined ? 'gone' : shard.shard.open ? 'open' : 'closed',
		shard.leaseOwner === undefined
			? '-'
			: `${sanitize(shard.leaseOwner)}${HOLDER_TEXT[shard.holder] === '' ? '' : ` (${HOLDER_TEXT[shard.holder]})`}`,
		shard.leaseCounter === undefined ? '-' : String(shard.leaseCounter),
		shard.checkpoint === undefined
			? '-'
			: `${sanitize(shard.checkpoint)}${(shard.checkpointSubSequenceNumber ?? 0) > 0 ? `/${shard.checkpointSubSequenceNumber}` : ''}`,
		lagText(shard),
		...(throughput ? [shard.throughputKBps === undefined ? '-' : kbpsText(shard.throughputKBps)] : []),
		...(flagged ? [shard.flags.map((flag) => FLAG_TEXT[flag]).join(', ')] : []),
	]);
	const notes = report.shards
		.map((shard) =>
			shard.lag.state === 'unknown' && shard.lag.reason !== 'no lease'
				? `${shard.shardId}: lag unknown: ${shard.lag.reason}`
				: shard.note === undefined || shard.flags.length === 0
					? undefined
					: `${shard.shardId}: ${shard.note}`,
		)
		.filter((note): note is string => note !== undefined);
	await output.text(
		`'${sanitize(report.application)}' on '${sanitize(report.stream)}'${report.multiStream ? ' (multi-stream)' : ''}: ${report.summary.leases} lease${report.summary.leases === 1 ? '' : 's'}, ${workers}; ${worst}.\n\n` +
			(report.otherStream === undefined
				? ''
				: `! These checkpoints do not look like those of '${sanitize(report.stream)}': ${sanitize(report.otherStream)}. Is '${sanitize(report.application)}' an application of another stream? (kinesis-console consumers STREAM lists a stream's applications.)\n\n`) +
			kclLines(report) +
			`${indent(table([['SHARD', 'STATE', 'OWNER', 'COUNTER', 'CHECKPOINT', 'LAG', ...(throughput ? ['KB/S'] : []), ...(flagged ? ['FLAGS'] : [])], ...rows]))}\n` +
			(notes.length > 0 ? `\n${notes.map((note) => `  ${sanitize(note)}\n`).join('')}` : '') +
			(report.livenessMs === 0 && report.workers.length > 0
				? '\n  Liveness not checked (--liveness 0): owners are shown as the leases name them.\n'
				: ''),
	);
}

/** The KCL version, leader and migration state, and each worker's load, where the tables record them (3.x). */
function kclLines(report: CheckpointsReport): string {
	const lines: string[] = [];
	if (report.kcl !== undefined && (report.kcl.version !== '2.x' || report.kcl.migration !== undefined))
		lines.push(sanitize(coordinationSummary(report.kcl)));
	if (report.workers.some((worker) => worker.throughputKBps !== undefined || worker.cpuPercent !== undefined))
		lines.push(`Workers: ${report.workers.map((worker) => `${sanitize(worker.owner)} (${workerLoadText(worker)})`).join('; ')}`);
	if (report.kclProblem !== undefined) lines.push(`Its KCL 3.x state could not be read: ${sanitize(report.kclProblem)}`);
	return lines.map((line) => `${line}\n`).join('') + (lines.length > 0 ? '\n' : '');
}

function effectText(effect: ResetEffect): string {
	switch (effect.kind) {
		case 'none':
			return 'nothing';
		case 'unknown':
			return `? (${effect.reason})`;
		default: {
			const records =
				effect.estimate === undefined
					? `${effect.atLeast ? 'at least ' : ''}${formatCount(effect.records)} record${effect.records === 1 ? '' : 's'}`
					: `about ${formatCount(effect.estimate)} records (estimated from the ${formatCount(effect.records)} counted within --count-time)`;
			const span = effect.spanMs !== undefined && effect.records > 1 ? `, ${formatSpan(effect.spanMs)}` : '';
			const since = effect.from === undefined ? '' : ` from ${effect.from}`;
			return `${effect.kind === 're-read' ? 're-reads' : 'skips'} ${records}${span}${since}${effect.andNewer ? ', and what arrives until a worker takes the lease' : ''}`;
		}
	}
}

const short = (checkpoint: string | undefined): string => (checkpoint === undefined ? '(none)' : sanitize(checkpoint));

async function printPlan(output: Output, plan: CheckpointResetPlan, replanned = false): Promise<void> {
	if (output.json) return output.write([{type: 'plan', ...(replanned ? {replanned: true} : {}), ...plan}], () => '');
	const rows = plan.shards.map((shard) => [
		`${shard.action === 'reset' ? '* ' : shard.action === 'create' ? '+ ' : '  '}${shard.shardId}`,
		shard.current.leaseOwner === undefined
			? '-'
			: `${sanitize(shard.current.leaseOwner)}${HOLDER_TEXT[shard.current.holder] === '' ? '' : ` (${HOLDER_TEXT[shard.current.holder]})`}`,
		shard.current.exists ? short(shard.current.checkpoint) : '(no lease)',
		shard.action === 'unchanged' ? (shard.note ?? 'unchanged') : sanitize(shard.next.checkpoint),
		shard.action === 'unchanged' ? '' : effectText(shard.effect),
	]);
	let text = `Reset the checkpoints of '${sanitize(plan.application)}' on '${sanitize(plan.stream)}' to ${sanitize(plan.target)}; * marks a lease written, + a lease made.\n\n`;
	text += `${indent(table([['  SHARD', 'OWNER', 'CHECKPOINT NOW', 'NEW CHECKPOINT', 'WHAT THE APPLICATION DOES'], ...rows]))}\n`;
	const firstRecords = plan.shards.filter((shard) => shard.action !== 'unchanged' && shard.next.firstRecord !== undefined);
	if (firstRecords.length > 0) {
		text += `\n  First records read: ${firstRecords.map((shard) => `${shard.shardId} ${shard.next.firstRecord?.arrivalTime ?? ''}`).join('; ')}.\n`;
	}
	const trapped = plan.leaseless.filter((shard) => !shard.leaseCreated);
	if (trapped.length > 0) {
		text += `\n  Shards without a lease, which this reset does not move:\n\n`;
		const leaseless = trapped.map((shard) => [
			shard.shardId,
			shard.parents.join(',') || '-',
			shard.startsAt,
			`${shard.atLeast ? 'at least ' : ''}${formatCount(shard.records)} record${shard.records === 1 ? '' : 's'}${shard.from === undefined ? '' : ` since ${shard.from}`}`,
		]);
		text += `${indent(table([['SHARD', 'PARENTS', 'STARTS AT', 'ALREADY THERE'], ...leaseless]), '    ')}\n`;
	}
	if (plan.warnings.length > 0) text += `\n${warningLines(plan.warnings)}`;
	await output.text(text);
}

async function printResult(output: Output, result: CheckpointResetResult): Promise<void> {
	const {replan: _replan, ...rest} = result;
	if (output.json) return output.write([{type: 'result', ...rest}], () => '');
	let text = '';
	if (result.written.length > 0) {
		text += `\nWritten:\n\n${indent(table([['SHARD', 'BEFORE', 'AFTER'], ...result.written.map((written) => [`${written.action === 'create' ? '+ ' : ''}${written.shardId}`, short(written.before), sanitize(written.after)])]))}\n`;
	}
	if (result.changedSincePlan.length > 0) {
		const rows = result.changedSincePlan.map((shard) => [
			shard.shardId,
			shard.change === 'checkpoint'
				? `${shard.now?.leaseOwner === undefined ? 'someone' : sanitize(shard.now.leaseOwner)} checkpointed`
				: shard.change === 'deleted'
					? 'the lease was deleted'
					: shard.change === 'handoff'
						? 'a graceful handoff began or ended'
						: 'a lease was made',
			short(shard.planned.checkpoint),
			shard.now === undefined ? '-' : short(shard.now.checkpoint),
		]);
		text += `\nChanged since the plan, not written:\n\n${indent(table([['SHARD', 'WHAT CHANGED', 'PLANNED ON', 'NOW'], ...rows]))}\n`;
		if (result.changedSincePlan.some((shard) => shard.change === 'checkpoint'))
			text += `\n${warningLines([movingCheckpointsAdvice(flagOf)])}`;
	}
	if (result.written.length > 0 && result.changedSincePlan.length === 0)
		text += `\nA worker that takes these leases starts from the new checkpoints.\n`;
	await output.text(text);
}
