import {discoverConsumers, type ApplicationMatch, type StreamConsumers} from '../console/consumers.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {indent, sanitize} from './changeCommand.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {table, type Output} from './output.js';

const help = `
  Usage
    $ kinesis-console consumers STREAM [options]

  The consumers of a stream: KCL applications, found by their lease tables in DynamoDB (a table named
  after the application whose hash key is leaseKey; multi-stream tables name their streams in their
  lease keys, single-stream tables are matched by their shards and checkpoints), and the stream's
  enhanced fan-out consumers. A part that cannot be read (no DynamoDB access, say) is reported on
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
		const found = await discoverConsumers(connection, stream, {applications, discover: flags.discover});
		for (const problem of found.problems) {
			process.stderr.write(
				`kinesis-console consumers: ${problem.part === 'applications' ? 'KCL applications' : 'enhanced fan-out consumers'} could not be read: ${sanitize(problem.message)}\n`,
			);
		}
		await print(output, found);
	});
}

const MATCH_TEXT: Readonly<Record<ApplicationMatch, string>> = {
	named: 'named (--app)',
	'stream-identifier': 'its lease keys',
	checkpoint: 'its checkpoints',
	'shard-ids': 'its shard ids only',
};

async function print(output: Output, found: StreamConsumers): Promise<void> {
	if (output.json) {
		await output.write(
			[
				...found.applications.map((application) => ({type: 'application', stream: found.stream, ...application})),
				...found.fanOut.map((consumer) => ({type: 'fan-out-consumer', stream: found.stream, ...consumer})),
			],
			() => '',
		);
		return;
	}
	const name = sanitize(found.stream);
	let text = '';
	if (found.applications.length === 0) text += `No KCL application of '${name}' was found (lease tables in DynamoDB).\n`;
	else {
		const rows = found.applications.map((application) => [
			sanitize(application.application),
			String(application.leases),
			String(application.finished),
			application.workers.length === 0
				? '-'
				: application.workers.map((worker) => `${sanitize(worker.owner)} (${worker.leases})`).join(', '),
			String(application.unowned),
			`${application.multiStream ? 'multi-stream, ' : ''}${MATCH_TEXT[application.matchedBy]}`,
		]);
		text += `KCL applications of '${name}' (lease tables in DynamoDB):\n\n${indent(table([['APPLICATION', 'LEASES', 'AT SHARD_END', 'WORKERS (LEASES)', 'UNOWNED', 'MATCHED BY'], ...rows]))}\n`;
		const shardIdsOnly = found.applications.filter((application) => application.matchedBy === 'shard-ids');
		if (shardIdsOnly.length > 0)
			text += `\n  Matched by shard ids only (no checkpoint to confirm it): ${shardIdsOnly.map((application) => sanitize(application.application)).join(', ')}.\n`;
	}
	text += '\n';
	if (found.fanOut.length === 0) text += `No enhanced fan-out consumer is registered on '${name}'.\n`;
	else {
		const rows = found.fanOut.map((consumer) => [sanitize(consumer.name), consumer.status, consumer.createdAt ?? '-']);
		text += `Enhanced fan-out consumers:\n\n${indent(table([['NAME', 'STATUS', 'CREATED'], ...rows]))}\n`;
	}
	if (found.applications.length > 0)
		text += `\nPer-shard checkpoints and lag: kinesis-console checkpoints ${name} --app ${sanitize(found.applications[0]?.application ?? 'APP')}\n`;
	await output.text(text);
}
