import {sleep} from '../console/aws/retry.js';
import {BehindHistory, type BehindRow} from '../console/consumers/behind.js';
import {discoverConsumers, kindOf, kindsInOrder, type StreamConsumers} from '../console/consumers/index.js';
import {formatDuration} from '../console/format.js';
import {UsageError} from './command.js';
import {run as runChange} from './consumerChanges.js';
import {parseCommandLine} from './parseArgs.js';
import {indent, sanitize} from './changeCommand.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {table, type Output} from './output.js';

const help = `
  Usage
    $ kinesis-console consumers STREAM [options]
    $ kinesis-console consumers register|deregister STREAM CONSUMER     (see consumers deregister --help)
    $ kinesis-console consumers pause|resume STREAM FUNCTION            (a Lambda event source mapping)

  The consumers of a stream: KCL applications, found by their lease tables in DynamoDB (a table named
  after the application whose hash key is leaseKey; multi-stream tables name their streams in their
  lease keys, single-stream tables are matched by their shards and checkpoints), with what KCL 3.x
  keeps beside the leases (its version, leader, 2.x→3.x migration state, workers' throughput and CPU),
  the stream's enhanced fan-out consumers (lag: CloudWatch's SubscribeToShardEvent.MillisBehindLatest),
  the Lambda event source mappings reading it or its fan-out consumers (state, last result, batching,
  retries, on-failure destination, and lag from AWS/Lambda IteratorAge), the Firehose delivery streams
  reading it (status, destinations, start, and lag, reads and throttling from AWS/Firehose), the
  Managed Service for Apache Flink applications whose description names it (a SQL input, or a runtime
  property equal to its name or ARN: a Flink application's sources are in its code; lag from
  AWS/KinesisAnalytics millisBehindLatest), and the Kinesis channels delivering it to S3 or S3 Tables
  (the built-in engine runs no function and no application, and delivers nothing). A part that cannot be read (no DynamoDB access, say) is reported on
  stderr and the rest is still shown.

  Who is behind: every consumer first in one list, worst first, with its lag (the age of its oldest
  unread record), its status judged over a window, and how long until that record passes the
  stream's retention. The consumers are found twice, --window apart; a kind whose lag CloudWatch
  keeps (Lambda's IteratorAge, fan-out's SubscribeToShardEvent.MillisBehindLatest) is judged on
  its last 5 minutes there instead. Status, first that holds: ERROR it reports failures; STOPPED
  nothing reads; STALLED records wait and its position has not moved for at least a minute;
  WARNING its lag grows; OK otherwise. A window under a minute never says STALLED. JSON lines, worst
  first: kind (kcl, efo, lambda, firehose, flink, channel), name, lagMs, status, statusReason,
  expiresInMs (null when unknown), and the kind's own fields.

  Options
    --app <name>           Include this application (its lease table), found or not; repeatable
    --no-discover          Look at the --app tables only, not every table
    --window <s>           Seconds between the two readings the status is judged over (default 5;
                           0: one reading, judged on failures, readers and CloudWatch's series only)
${connectionHelp}

  Examples
    $ kinesis-console consumers orders
    $ kinesis-console consumers orders --window 70 --json      # long enough to tell a stall
    $ kinesis-console consumers orders --app orders-enricher --no-discover --json
`;

export async function run(argv: string[]): Promise<number> {
	// The changes are words before the stream, as `checkpoints reset` is; a stream named 'register' is listed by its ARN.
	if (argv[0] === 'register' || argv[0] === 'deregister' || argv[0] === 'pause' || argv[0] === 'resume') return runChange(argv);
	const cli = parseCommandLine(help, argv, {
		...connectionFlags,
		app: {type: 'string', isMultiple: true},
		discover: {type: 'boolean', default: true},
		window: {type: 'number', default: 5},
	});
	const [stream, ...extra] = cli.input;
	if (!stream || extra.length > 0) throw new UsageError('consumers takes a stream name or ARN.');
	const {flags} = cli;
	const applications = flags.app ?? [];
	if (!flags.discover && applications.length === 0) throw new UsageError('--no-discover needs at least one --app.');
	if (!(flags.window >= 0)) throw new UsageError('--window must be a number of seconds, 0 or more.');
	const windowMs = Math.round(flags.window * 1000);
	return withConnection(flags, {streamName: stream, operation: 'ListStreamConsumers'}, async (connection, output) => {
		// Both readings are judged, however long the second discovery took: the window is what lies between them.
		const history = new BehindHistory(Number.POSITIVE_INFINITY);
		let found = await discoverConsumers(connection, stream, {applications, discover: flags.discover, target: connection.target});
		if (windowMs > 0) {
			history.add(found);
			await sleep(windowMs);
			found = await discoverConsumers(connection, stream, {applications, discover: flags.discover, target: connection.target});
		}
		history.add(found);
		for (const problem of found.problems) {
			process.stderr.write(
				`kinesis-console consumers: ${kindsInOrder.find((kind) => kind.kind === problem.kind)?.title ?? problem.part} could not be read: ${sanitize(problem.message)}\n`,
			);
		}
		await print(output, found, history.rows(), windowMs);
	});
}

/**
 * Worst first: a JSON line per consumer (its kind's fields, and `kind`, `name`, `lagMs`, `status`, `statusReason`,
 * `expiresInMs`, null when unknown), or the who-is-behind table and then every kind's table in the registry's order.
 */
async function print(output: Output, found: StreamConsumers, rows: readonly BehindRow[], windowMs: number): Promise<void> {
	if (output.json) {
		await output.write(
			rows.map((row) => {
				const {type, ...rest} = kindOf(row.consumer).json(row.consumer);
				return {
					type,
					stream: found.stream,
					kind: row.consumer.kind,
					name: row.consumer.name,
					...rest,
					lagMs: row.lagMs ?? null,
					status: row.status,
					statusReason: row.reason,
					expiresInMs: row.expiresInMs ?? null,
				};
			}),
			() => '',
		);
		return;
	}
	const behind =
		rows.length === 0
			? ''
			: `Who is behind (worst first; status over ${windowMs > 0 ? `${formatDuration(windowMs)} between two readings` : 'one reading'}, or CloudWatch's last 5 minutes):\n\n${indent(
					table([
						['STATUS', 'KIND', 'NAME', 'LAG', 'EXPIRES IN', 'WHY'],
						...rows.map((row) => [
							row.status,
							row.consumer.kind,
							sanitize(row.consumer.name),
							formatDuration(row.lagMs),
							formatDuration(row.expiresInMs),
							sanitize(row.reason),
						]),
					]),
				)}\n${found.retentionHours === undefined ? '' : `\n  EXPIRES IN: until its oldest unread record passes the stream's retention (${found.retentionHours} h).\n`}\n`;
	const tables = kindsInOrder.map((kind) =>
		kind.table(
			found.consumers.filter((consumer) => consumer.kind === kind.kind),
			found.stream,
		),
	);
	const sections = tables.map((part) =>
		part.rows.length === 0
			? `${sanitize(part.empty)}\n`
			: `${sanitize(part.title)}\n\n${indent(table([[...part.header], ...part.rows.map((row) => row.map(sanitize))]))}\n${part.notes.map((note) => `\n  ${sanitize(note)}\n`).join('')}`,
	);
	const next = tables.flatMap((part) => (part.next === undefined ? [] : [`\n${sanitize(part.next)}\n`]));
	await output.text(`${behind}${sections.join('\n')}${next.join('')}`);
}
