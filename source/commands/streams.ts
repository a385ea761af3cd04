import {parseCommandLine} from './parseArgs.js';
import {streamOverviews, type StreamOverview} from '../console/streams.js';
import {sanitizeForTerminal} from '../console/records/terminalText.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {table} from './output.js';

const help = `
  Usage
    $ kinesis-console streams [options]

  Every stream with its status, capacity mode, open and closed shards, retention, consumers and encryption.
${connectionHelp}
`;

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, connectionFlags);
	return withConnection(cli.flags, {operation: 'ListStreams'}, async (connection, output) => {
		const streams = await streamOverviews(connection.kinesis);
		if (output.json) return output.write(streams.map(toJson), () => '');
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

const toJson = (stream: StreamOverview) => ({...stream, createdAt: stream.createdAt?.toISOString()});
