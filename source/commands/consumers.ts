import {discoverConsumers, kindOf, kindsInOrder, type StreamConsumers} from '../console/consumers/index.js';
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
  the stream's enhanced fan-out consumers (their lag is '-': only a subscriber learns it), the Lambda
  event source mappings reading it or its fan-out consumers (state, last result, batching, retries,
  on-failure destination, and lag from AWS/Lambda IteratorAge), the Firehose delivery streams reading
  it (status, destinations, start, and lag, reads and throttling from AWS/Firehose), and the Kinesis
  channels delivering it to S3 or S3 Tables (the built-in engine runs no function and delivers nothing). A part that cannot be read (no DynamoDB access, say) is reported on
  stderr and the rest is still shown.

  Options
    --app <name>           Include this application (its lease table), found or not; repeatable
    --no-discover          Look at the --app tables only, not every table
${connectionHelp}

  Examples
    $ kinesis-console consumers orders
    $ kinesis-console consumers orders --app orders-enricher --no-discover --json
`;

export async function run(argv: string[]): Promise<number> {
	// The changes are words before the stream, as `checkpoints reset` is; a stream named 'register' is listed by its ARN.
	if (argv[0] === 'register' || argv[0] === 'deregister' || argv[0] === 'pause' || argv[0] === 'resume') return runChange(argv);
	const cli = parseCommandLine(help, argv, {
		...connectionFlags,
		app: {type: 'string', isMultiple: true},
		discover: {type: 'boolean', default: true},
	});
	const [stream, ...extra] = cli.input;
	if (!stream || extra.length > 0) throw new UsageError('consumers takes a stream name or ARN.');
	const {flags} = cli;
	const applications = flags.app ?? [];
	if (!flags.discover && applications.length === 0) throw new UsageError('--no-discover needs at least one --app.');
	return withConnection(flags, {streamName: stream, operation: 'ListStreamConsumers'}, async (connection, output) => {
		const found = await discoverConsumers(connection, stream, {applications, discover: flags.discover, target: connection.target});
		for (const problem of found.problems) {
			process.stderr.write(
				`kinesis-console consumers: ${kindsInOrder.find((kind) => kind.kind === problem.kind)?.title ?? problem.part} could not be read: ${sanitize(problem.message)}\n`,
			);
		}
		await print(output, found);
	});
}

/** Every kind's JSON lines, or every kind's table in the registry's order, then what to run next. */
async function print(output: Output, found: StreamConsumers): Promise<void> {
	if (output.json) {
		await output.write(
			found.consumers.map((consumer) => {
				const {type, ...rest} = kindOf(consumer).json(consumer);
				return {type, stream: found.stream, ...rest};
			}),
			() => '',
		);
		return;
	}
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
	await output.text(`${sections.join('\n')}${next.join('')}`);
}
