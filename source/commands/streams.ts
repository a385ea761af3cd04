import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {listStreamSummaries, streamDetails, type StreamOverview, type StreamSummary} from '../console/streams.js';
import {errorName} from '../console/aws/errors.js';
import {retry} from '../console/aws/retry.js';
import {mapLimited} from '../console/mapLimited.js';
import {formatCount} from '../console/format.js';
import {sanitizeForTerminal} from '../console/records/terminalText.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {table} from './output.js';

const help = `
  Usage
    $ kinesis-console streams [options]

  Every stream with its status, capacity mode and creation time: one ListStreams call per 100 streams.

  Options
    --details    Also each stream's open and closed shards, retention, consumers and encryption: two calls
                 per stream (DescribeStreamSummary, ListShards), paced within the account's quota, with
                 progress on a terminal
${connectionHelp}
`;

/** Streams described at once; the request budget paces them further. */
const DESCRIBING_AT_ONCE = 4;
/** Retries of a stream's description still throttled or failing for a moment after the SDK's own. */
const DESCRIBE_RETRIES = 6;

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {...connectionFlags, details: {type: 'boolean', default: false}});
	if (cli.input.length > 0)
		throw new UsageError(`streams takes no stream name (describe STREAM describes one), not '${cli.input.join(' ')}'.`);
	return withConnection(cli.flags, {operation: 'ListStreams'}, async (connection, output) => {
		const summaries = await listStreamSummaries(connection.kinesis);
		if (!cli.flags.details) {
			if (output.json) return output.write(summaries.map(summaryJson), () => '');
			if (summaries.length === 0) return output.text(`No streams in ${connection.target.region}.\n`);
			return output.text(`${table([['STREAM', 'STATUS', 'MODE', 'CREATED'], ...summaries.map(summaryCells)])}\n`);
		}
		const progress = new Progress(summaries.length);
		const gone: string[] = [];
		const described = await mapLimited(summaries, DESCRIBING_AT_ONCE, async (summary): Promise<StreamOverview | undefined> => {
			try {
				// Throttled past the SDK's own retries (the account's quota spent elsewhere): waited out, not a failure.
				const details = await retry(`DescribeStreamSummary ${summary.name}`, () => streamDetails(connection.kinesis, summary.name), {
					maxRetries: DESCRIBE_RETRIES,
				});
				return {...summary, ...details};
			} catch (error) {
				// Deleted since it was listed: gone, said below, and the others still described.
				if (errorName(error) === 'ResourceNotFoundException') {
					gone.push(summary.name);
					return undefined;
				}
				throw error;
			} finally {
				progress.step();
			}
		});
		progress.clear();
		const streams = described.filter((stream) => stream !== undefined);
		if (gone.length > 0)
			process.stderr.write(
				`${formatCount(gone.length)} stream${gone.length === 1 ? ' was' : 's were'} deleted while being described, and left out: ${gone.map((name) => sanitizeForTerminal(name)).join(', ')}\n`,
			);
		if (output.json) return output.write(streams.map(summaryJson), () => '');
		if (streams.length === 0) return output.text(`No streams in ${connection.target.region}.\n`);
		await output.text(
			`${table([
				['STREAM', 'STATUS', 'MODE', 'OPEN', 'CLOSED', 'RETENTION', 'CONSUMERS', 'ENCRYPTION'],
				...streams.map((stream) => [
					sanitizeForTerminal(stream.name),
					stream.status,
					stream.mode,
					String(stream.openShards),
					String(stream.closedShards),
					stream.retentionHours === undefined ? '-' : `${stream.retentionHours}h`,
					stream.consumers === undefined ? '-' : String(stream.consumers),
					stream.encryption,
				]),
			])}\n`,
		);
	});
}

const summaryCells = (stream: StreamSummary): string[] => [
	sanitizeForTerminal(stream.name),
	stream.status ?? '-',
	stream.mode ?? '-',
	stream.createdAt?.toISOString() ?? '-',
];

const summaryJson = (stream: StreamSummary) => ({...stream, createdAt: stream.createdAt?.toISOString()});

/** "Described 120 of 1,000 streams" on stderr, rewritten in place, on a terminal only. */
class Progress {
	private readonly tty = Boolean(process.stderr.isTTY);
	private done = 0;
	constructor(private readonly total: number) {}
	step(): void {
		this.done++;
		if (this.tty) process.stderr.write(`\r\u001b[KDescribed ${formatCount(this.done)} of ${formatCount(this.total)} streams`);
	}
	clear(): void {
		if (this.tty && this.done > 0) process.stderr.write('\r\u001b[K');
	}
}
