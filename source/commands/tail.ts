import {
	DescribeStreamConsumerCommand,
	DescribeStreamSummaryCommand,
	RegisterStreamConsumerCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {listFanOutConsumers} from '../console/consumers/fanOut.js';
import {ConsoleError} from '../console/failures.js';
import {formatCount} from '../console/format.js';
import {recordJsonLines, recordLines, type RecordLine} from '../console/recordLine.js';
import {isDecoderName, parseFilters, sanitizeForTerminal} from '../console/records/index.js';
import {streamParameters} from '../console/aws/shards.js';
import {MAX_SHARD_CALLS_IN_FLIGHT} from '../console/aws/directReads.js';
import {normalizeShardId} from '../console/reshard.js';
import {
	DEFAULT_BURST,
	DEFAULT_CALL_RATE,
	DEFAULT_CONCURRENCY,
	HOT_RECORDS,
	IDLE_POLL_MAX_MS,
	parseStartPosition,
	startPositionProblem,
	tailStream,
	type TailRecord,
} from '../console/tail/index.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';

const help = `
  Usage
    $ kinesis-console tail STREAM [options]

  Prints a stream's records as they arrive, decoded, in order within each shard. Parents are read to
  their end before their children after a split or merge. STREAM is a stream name or ARN.

  Options
    --from <position>      latest (default), trim-horizon, a time ago (15m, 2h, 1d), an ISO time,
                           at:SEQUENCE or after:SEQUENCE (with --shard). An ISO time without Z or
                           an offset is local time, a day alone (2026-12-06) its local midnight
    --shard <id>           Only this shard (its id, or its number: 2) and its children (repeatable)
    --filter <expr>        Only matching records (repeatable, all must match):
                           text:foo  re:^err  key:user-*  json:level=ERROR
    --decode <name>        auto (default), utf8, json, base64, hex, gzip
    --count <n>            Stop after n records
    --until <time>         Stop at records that arrived after this time (ISO, or a time ago: 5m)
    --no-follow            Stop once every shard is read up to its newest record. An endpoint that
                           does not answer for 10 s ends the tail with exit 10 (before the first
                           answer, also when following)
    --calls-per-second <n> GetRecords calls on a shard in any second. Default and most: the console's
                           share of AWS's 5 per shard, which every consumer of the stream shares
                           (--quota-share × 5, at least 1: 1 at the default share; --quota-share 1 for 5,
                           to read a backlog fastest when nothing else reads the stream)
    --efo <consumer>       Read through enhanced fan-out (SubscribeToShard) as this registered consumer
                           instead of GetRecords: records pushed, throughput not shared with others
    --register             With --efo: register the consumer if the stream has none of that name, and
                           wait until it is ACTIVE (a registered consumer is billed until deregistered:
                           kinesis-console consumers deregister STREAM CONSUMER removes it)
${connectionHelp}

  Polling
    Every shard is read from one pool: ${DEFAULT_CONCURRENCY} calls in flight, up to ${MAX_SHARD_CALLS_IN_FLIGHT} as the round trip to
    the endpoint needs, shards taking turns by when each is due. Each shard's iterator and first
    read go as fast as that allows; later polls, ${DEFAULT_CALL_RATE} a second in all (after a burst of ${formatCount(DEFAULT_BURST)}).
    A shard behind or returning records is polled again soon, within --calls-per-second (a hot one,
    behind or returning ${HOT_RECORDS} records or more, before the others: it keeps its pace); one
    that returns nothing is polled less and less often, at least every ${IDLE_POLL_MAX_MS / 1000} s while the pool has
    room (up to ${(DEFAULT_CALL_RATE * IDLE_POLL_MAX_MS) / 1000} idle shards): a record on a quiet shard shows up to ${IDLE_POLL_MAX_MS / 1000} s later than on
    a busy one. Past that, quiet shards are polled in turn, each every shards ÷ ${DEFAULT_CALL_RATE} seconds.

  Examples
    $ kinesis-console tail clickstream --from 15m --filter json:page=/checkout
    $ kinesis-console tail logs --from trim-horizon --no-follow --json > logs.jsonl
    $ kinesis-console tail clickstream --efo console-tail --register
`;

/**
 * How long tail keeps trying an endpoint that does not answer before it exits 10: before its first
 * listing of the shards, and with --no-follow at any time. A follow that has started retries on.
 */
const UNREACHABLE_LIMIT_MS = 10_000;

export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {
		...connectionFlags,
		from: {type: 'string', default: 'latest'},
		shard: {type: 'string', isMultiple: true},
		filter: {type: 'string', isMultiple: true},
		decode: {type: 'string', default: 'auto'},
		count: {type: 'number'},
		until: {type: 'string'},
		follow: {type: 'boolean', default: true},
		callsPerSecond: {type: 'number'},
		efo: {type: 'string'},
		register: {type: 'boolean', default: false},
	});
	const [stream, ...extra] = cli.input;
	if (!stream || extra.length > 0) throw new UsageError('tail takes one stream name or ARN.');
	const {flags} = cli;
	const decoder = flags.decode;
	if (!isDecoderName(decoder)) throw new UsageError(`--decode must be one of auto, utf8, json, base64, hex, gzip, not '${decoder}'.`);
	if (flags.count !== undefined && (!Number.isInteger(flags.count) || flags.count < 1))
		throw new UsageError('--count must be a whole number above 0.');
	if (flags.callsPerSecond !== undefined && !(flags.callsPerSecond > 0 && flags.callsPerSecond <= 5))
		throw new UsageError('--calls-per-second must be above 0 and at most 5.');
	const filters = usage(() => parseFilters(flags.filter ?? []));
	const from = usage(() => parseStartPosition(flags.from));
	const future = startPositionProblem(from);
	if (future) throw new UsageError(`--from ${future}`);
	const until = flags.until === undefined ? undefined : usage(() => parseUntil(flags.until ?? ''));
	// As split, merge and checkpoints take them: 2 for shardId-000000000002.
	const shards = (flags.shard ?? []).map(normalizeShardId);
	if ((from.type === 'AT_SEQUENCE_NUMBER' || from.type === 'AFTER_SEQUENCE_NUMBER') && shards.length !== 1) {
		throw new UsageError('A sequence number belongs to one shard: give exactly one --shard with --from at:/after:.');
	}

	const consumerName = flags.efo;
	if (consumerName !== undefined && !/^[a-zA-Z0-9_.-]{1,128}$/.test(consumerName)) {
		throw new UsageError('--efo takes a consumer name: 1 to 128 letters, digits, _ . or -.');
	}
	if (flags.register && consumerName === undefined) throw new UsageError('--register goes with --efo <consumer>.');

	return withConnection(
		flags,
		{streamName: stream, operation: consumerName === undefined ? 'GetRecords' : 'SubscribeToShard'},
		async (connection, output) => {
			// The console's share of each shard's reads (--quota-share × AWS's 5, at least 1): the default, and the most.
			const share = connection.budget.readsPerShard;
			if (consumerName === undefined && flags.callsPerSecond !== undefined && flags.callsPerSecond > share)
				throw new ConsoleError({
					kind: 'configuration',
					message: `--calls-per-second ${flags.callsPerSecond} is more than the console's share of a shard's reads: ${share} of its 5 GetRecords a second.`,
					hint: `Each shard's 5 reads a second are shared by every consumer of the stream. To take more, raise --quota-share (1 allows all 5).`,
				});
			const consumerArn =
				consumerName === undefined ? undefined : await fanOutConsumer(connection.kinesis, stream, consumerName, flags.register);
			const controller = new AbortController();
			const stop = () => controller.abort();
			process.once('SIGINT', stop);
			process.once('SIGTERM', stop);
			const notices = new NoticeThrottle();
			const printed = {lines: 0};
			let failure: unknown;
			try {
				for await (const event of tailStream(connection.kinesis, {
					stream,
					from,
					...(shards.length > 0 ? {shards} : {}),
					...(until ? {until} : {}),
					stopAtLatest: !flags.follow,
					// A script must end: an endpoint that does not answer ends the tail (exit 10) rather than hold it forever.
					unreachableLimitMs: UNREACHABLE_LIMIT_MS,
					callsPerSecond: flags.callsPerSecond ?? share,
					...(consumerArn === undefined ? {} : {fanOut: {client: connection.kinesisHttp2, consumerArn}}),
					signal: controller.signal,
				})) {
					// Ctrl-C: what the readers had queued is not printed (up to thousands of records), the tail ends now.
					if (controller.signal.aborted) break;
					if (event.type === 'records') {
						const room = flags.count === undefined ? Number.POSITIVE_INFINITY : flags.count - printed.lines;
						if (output.json) {
							await output.jsonLines(batchLines(event.records, room, printed, (record) => recordJsonLines(record, decoder, filters)));
						} else {
							await output.write(
								[...batchLines(event.records, room, printed, (record) => recordLines(record, decoder, filters))],
								plainLine,
							);
						}
						if (flags.count !== undefined && printed.lines >= flags.count) break;
					} else if (event.type === 'retrying') {
						notices.say(event.shardId, `${event.shardId || stream}: ${event.reason}; retrying in ${event.delayMs} ms`);
					} else if (event.type === 'recovered') {
						notices.recovered(event.shardId, `${event.shardId || stream}: reading again`);
					} else if (event.type === 'failed') {
						failure = event.error;
					}
				}
			} finally {
				process.off('SIGINT', stop);
				process.off('SIGTERM', stop);
			}
			if (failure !== undefined) throw failure;
			return controller.signal.aborted ? 130 : 0;
		},
	);
}

/** The ARN of the stream's enhanced fan-out consumer of this name, registered (with `register`) and waited for until ACTIVE. */
async function fanOutConsumer(kinesis: KinesisClient, stream: string, name: string, register: boolean): Promise<string> {
	const summary = await kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)));
	const streamArn = summary.StreamDescriptionSummary?.StreamARN ?? '';
	const existing = (await listFanOutConsumers(kinesis, streamArn)).find((consumer) => consumer.name === name);
	let arn = existing?.arn;
	let status = existing?.status;
	if (existing?.status === 'DELETING') {
		throw new ConsoleError({
			kind: 'in-use',
			message: `The consumer '${name}' of stream ${stream} is being deregistered.`,
			hint: 'Try again once it is gone, or use another name.',
		});
	}
	if (!arn) {
		if (!register) {
			throw new ConsoleError({
				kind: 'not-found',
				message: `Stream ${stream} has no enhanced fan-out consumer named '${name}'.`,
				hint: 'Add --register to register it (registered consumers are billed until deregistered), or pick one from the Consumers view.',
			});
		}
		process.stderr.write(`${sanitizeForTerminal(`Registering the enhanced fan-out consumer '${name}' on stream ${stream}…`)}\n`);
		const registered = await kinesis.send(new RegisterStreamConsumerCommand({StreamARN: streamArn, ConsumerName: name}));
		arn = registered.Consumer?.ConsumerARN ?? '';
		status = registered.Consumer?.ConsumerStatus;
	}
	if (status !== 'ACTIVE') {
		process.stderr.write(`${sanitizeForTerminal(`Waiting for the consumer '${name}' to become ACTIVE…`)}\n`);
		const deadline = Date.now() + 120_000;
		while (status !== 'ACTIVE') {
			if (Date.now() > deadline)
				throw new ConsoleError({
					kind: 'unreachable',
					message: `The consumer '${name}' of stream ${stream} is still ${status ?? 'not ready'} after 2 minutes.`,
				});
			await new Promise((resolve) => setTimeout(resolve, 500));
			status = (await kinesis.send(new DescribeStreamConsumerCommand({ConsumerARN: arn}))).ConsumerDescription?.ConsumerStatus;
		}
		process.stderr.write(`${sanitizeForTerminal(`The consumer '${name}' is ACTIVE.`)}\n`);
	}
	return arn;
}

/**
 * The lines of a batch of records, at most `room` of them, counted in `printed`: made one at a time as
 * they are written, so that each is garbage at once rather than thousands held until the batch is written.
 */
function* batchLines<Line>(
	records: readonly TailRecord[],
	room: number,
	printed: {lines: number},
	linesOf: (record: TailRecord) => Line[],
): Generator<Line, void> {
	let lines = 0;
	for (const record of records) {
		for (const line of linesOf(record)) {
			if (lines >= room) return;
			lines++;
			printed.lines++;
			yield line;
		}
	}
}

function plainLine(line: RecordLine): string {
	const data = line.format === 'json' ? JSON.stringify(line.data) : String(line.data);
	const sequence = line.subSequenceNumber === undefined ? line.sequenceNumber : `${line.sequenceNumber}/${line.subSequenceNumber}`;
	return sanitizeForTerminal(`${line.approximateArrivalTimestamp}  ${line.shardId}  ${sequence}  ${line.partitionKey}  ${data}`, {
		keepNewlines: false,
	});
}

/** Until: an ISO time, or a time ago ("5m"); "now" is when the command started. */
function parseUntil(text: string): Date {
	if (text.trim().toLowerCase() === 'now') return new Date();
	const notATime = new Error(`--until takes a time (an ISO time, or a time ago such as 5m), not '${text}'.`);
	let position: ReturnType<typeof parseStartPosition>;
	try {
		position = parseStartPosition(text);
	} catch {
		throw notATime;
	}
	if (position.type !== 'AT_TIMESTAMP') throw notATime;
	return position.timestamp;
}

function usage<T>(parse: () => T): T {
	try {
		return parse();
	} catch (error) {
		throw new UsageError(error instanceof Error ? error.message : String(error));
	}
}

/**
 * Says a repeated notice (a throttled shard) at most every few seconds per shard, on stderr; and, once
 * a shard that was said to retry has a call that works, that it is reading again, so that the last word
 * on stderr is not a retry that is over.
 */
export class NoticeThrottle {
	private readonly lastMs = new Map<string, number>();
	/** Shards whose last word on stderr is a retry. */
	private readonly retrying = new Set<string>();
	say(key: string, text: string): void {
		const now = Date.now();
		if (now - (this.lastMs.get(key) ?? 0) < 5_000) return;
		this.lastMs.set(key, now);
		this.retrying.add(key);
		process.stderr.write(`${sanitizeForTerminal(text)}\n`);
	}
	recovered(key: string, text: string): void {
		if (!this.retrying.delete(key)) return;
		process.stderr.write(`${sanitizeForTerminal(text)}\n`);
	}
}
