import {open} from 'node:fs/promises';
import type {Readable} from 'node:stream';
import {hashKeyProblem} from '../console/hashKeys.js';
import {
	addToTotals,
	emptyTotals,
	produceRecords,
	PUT_LIMITS,
	recordTooLarge,
	type ProducerInput,
	type ProducerResult,
	type ProducerTotals,
} from '../console/producer.js';
import {readLines} from '../console/lines.js';
import {sanitizeForTerminal} from '../console/records/terminalText.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {connectionFlags, connectionHelp, withConnection} from './connection.js';
import {formatCount, plural} from '../console/format.js';

const help = `
  Usage
    $ kinesis-console put STREAM [DATA...] [options]
    $ kinesis-console put STREAM --file records.txt
    $ producer | kinesis-console put STREAM

  Writes records to a stream with PutRecords: one record per DATA argument, or per line of --file,
  or per line of stdin when there are neither. Empty lines are skipped (line numbers still count
  them); a trailing CR is dropped. Input is streamed: any number of lines, in little memory.
  STREAM is a stream name or ARN.

  Options
    --file <path>              One record per line ('-' for stdin)
    --partition-key <key>      The partition key of every record
    --key-field <path>         The partition key from each line's JSON, by dotted path: user.id
                               (default: a random partition key per record, which spreads records
                               over every shard and promises no order between them)
    --explicit-hash-key <n>    Route every record to the shard holding this hash key (0 to 2^128 - 1)
    --base64                   Each line or argument is base64, decoded into the record's bytes
                               (default: the record is the line's UTF-8 text)
    --max-retries <n>          Retries of a record Kinesis refuses as throttled or failed (default 8),
                               with exponential backoff and full jitter
    --concurrency <n>          PutRecords calls in flight (default 4)
    --strict-order             At most one record per partition key in each call (see Order)
${connectionHelp}

  Order
    Records of one partition key are written in input order: a key's records are in one call at a
    time, and while a refused record waits to be retried, no later record of its key is sent.
    Within one call, Kinesis may refuse a record and take a later one of its key; the summary
    reports records that overtook another this way. --strict-order rules it out, at one round trip
    per record for a key that has many.

  Output
    A summary on stderr: records sent and failed, retries, time, rate. On a terminal, each failed
    record on stderr as it happens. With --json (or when stdout is piped), one JSON line per record
    on stdout, in the order they are written (not input order once records are retried):
      {"line":1,"partitionKey":"k","shardId":"shardId-000000000000","sequenceNumber":"4963...","attempts":1}
      {"line":2,"partitionKey":"k","error":"the record is 2,000,000 bytes; ..."}
    "line" is the line number in the file or stdin, or the argument's position. A reader that stops
    early (| head) does not stop the put: every record of the input is still sent.
    Exit status: 0 when every record was written, 1 when any was not, 10 when the endpoint stopped
    answering (a record's retries ran out on it), others as for every command.

  Examples
    $ kinesis-console put clicks '{"user":{"id":42}}' --partition-key user-42
    $ kinesis-console put clicks --file events.jsonl --key-field user.id --json > results.jsonl
    $ kinesis-console put clicks --local --data-dir ./data < events.txt
`;

/** The command line, parsed and checked: every usage mistake is refused before anything is opened. */
function parseArguments(argv: string[]) {
	const cli = parseCommandLine(help, argv, {
		...connectionFlags,
		file: {type: 'string'},
		partitionKey: {type: 'string'},
		keyField: {type: 'string'},
		explicitHashKey: {type: 'string'},
		base64: {type: 'boolean', default: false},
		maxRetries: {type: 'number', default: 8},
		concurrency: {type: 'number', default: 4},
		strictOrder: {type: 'boolean', default: false},
	});
	const [stream, ...data] = cli.input;
	const {flags} = cli;
	if (!stream) throw new UsageError('put takes a stream name or ARN, then the records (or --file, or stdin).');
	if (data.length > 0 && flags.file !== undefined) throw new UsageError('Give records as arguments or with --file, not both.');
	if (data.length === 0 && flags.file === undefined && process.stdin.isTTY) {
		throw new UsageError('No records: give them as arguments, with --file, or on stdin (a pipe or a file, not the terminal).');
	}
	if (flags.partitionKey !== undefined && flags.keyField !== undefined)
		throw new UsageError('--partition-key and --key-field cannot be used together.');
	if (flags.partitionKey !== undefined) {
		const length = [...flags.partitionKey].length;
		if (length < 1 || length > PUT_LIMITS.partitionKeyLength)
			throw new UsageError(`--partition-key must be 1 to 256 characters, not ${length}.`);
	}
	if (flags.keyField !== undefined && flags.keyField.split('.').some((part) => part === '')) {
		throw new UsageError(`--key-field must be a dotted path such as user.id, not '${flags.keyField}'.`);
	}
	if (flags.explicitHashKey !== undefined) {
		const problem = hashKeyProblem(flags.explicitHashKey);
		if (problem !== undefined) throw new UsageError(`--explicit-hash-key: ${problem}`);
	}
	if (!Number.isInteger(flags.maxRetries) || flags.maxRetries < 0) throw new UsageError('--max-retries must be a whole number, 0 or more.');
	if (!Number.isInteger(flags.concurrency) || flags.concurrency < 1 || flags.concurrency > 64)
		throw new UsageError('--concurrency must be a whole number from 1 to 64.');

	return {stream, data, flags};
}

export async function run(argv: string[]): Promise<number> {
	const {stream, data, flags} = parseArguments(argv);

	// Open the file before connecting, so that a wrong path is reported as such.
	let source: Readable | undefined;
	if (flags.file !== undefined && flags.file !== '-') {
		const path = flags.file;
		const handle = await open(path).catch((error: NodeJS.ErrnoException) => {
			// A path that cannot be read is a bad argument, as a bad --from is: exit 2.
			throw new UsageError(`--file: cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
		});
		if ((await handle.stat()).isDirectory()) {
			await handle.close();
			throw new UsageError(`--file: cannot read ${path}: it is a directory`);
		}
		source = handle.createReadStream();
	} else if (data.length === 0) {
		source = process.stdin;
	}

	const shape: RecordShape = {
		base64: flags.base64,
		...(flags.partitionKey === undefined ? {} : {partitionKey: flags.partitionKey}),
		...(flags.keyField === undefined ? {} : {keyField: flags.keyField.split('.')}),
		...(flags.explicitHashKey === undefined ? {} : {explicitHashKey: flags.explicitHashKey}),
	};
	const input = source === undefined ? fromArguments(data, shape) : fromLines(source, shape);

	// 'drop': a reader of the report that goes away (`| head`) leaves every record of the input to be sent all the same.
	return withConnection(
		flags,
		{streamName: stream, operation: 'PutRecords'},
		async (connection, output) => {
			const controller = new AbortController();
			let interrupts = 0;
			const interrupt = () => {
				interrupts++;
				if (interrupts > 1) process.exit(130);
				process.stderr.write('Stopping: finishing the calls in flight (Ctrl-C again to quit at once)...\n');
				controller.abort();
			};
			process.on('SIGINT', interrupt);
			process.on('SIGTERM', interrupt);
			const totals = emptyTotals();
			const started = performance.now();
			let single: ProducerResult | undefined;
			try {
				for await (const result of produceRecords(connection.kinesis, input, {
					stream,
					maxRetries: flags.maxRetries,
					concurrency: flags.concurrency,
					strictOrder: flags.strictOrder,
					signal: controller.signal,
				})) {
					addToTotals(totals, result);
					single = totals.written + totals.failed === 1 ? result : undefined;
					if (output.json) await output.write([resultLine(result)], () => '');
					else if (!result.ok && !result.stopped)
						process.stderr.write(`${where(result)}: ${sanitizeForTerminal(result.error, {keepNewlines: false})}\n`);
				}
			} catch (error) {
				if (error instanceof InputError) {
					process.stderr.write(`kinesis-console put: ${sanitizeForTerminal(error.message)}\n`);
					return 1;
				}
				throw error;
			} finally {
				process.off('SIGINT', interrupt);
				process.off('SIGTERM', interrupt);
				// Input may be left unread (a failure, Ctrl-C): an open stdin would keep the process alive.
				source?.destroy();
				if (totals.written + totals.failed > 0 || controller.signal.aborted) {
					// The stream's name as given, the shard and sequence number as Kinesis returned them: shown, never obeyed.
					process.stderr.write(sanitizeForTerminal(summary(stream, totals, (performance.now() - started) / 1000, single)));
				}
			}
			if (controller.signal.aborted) return 130;
			if (totals.written + totals.failed === 0) process.stderr.write('No records to send: the input has no lines.\n');
			return totals.failed > 0 ? 1 : 0;
		},
		'drop',
	);
}

interface RecordShape {
	readonly base64: boolean;
	readonly partitionKey?: string;
	/** The dotted path, split. */
	readonly keyField?: readonly string[];
	readonly explicitHashKey?: string;
}

/** A failure to read the input (not a Kinesis failure). */
class InputError extends Error {}

function* fromArguments(values: readonly string[], shape: RecordShape): Generator<ProducerInput> {
	for (const [position, value] of values.entries()) yield toInput(position + 1, Buffer.from(value, 'utf8'), shape);
}

/** The base64 text of the largest record, with room for padding and whitespace. */
const MAX_LINE_BYTES = Math.ceil(PUT_LIMITS.recordBytes / 3) * 4 + 64;

async function* fromLines(source: AsyncIterable<Buffer>, shape: RecordShape): AsyncGenerator<ProducerInput> {
	try {
		for await (const line of readLines(source, MAX_LINE_BYTES)) {
			if (line.length === 0) continue;
			if (line.bytes === undefined) {
				yield {
					line: line.number,
					error: shape.base64
						? `the line is ${formatCount(line.length)} bytes of base64, over 1 MiB (1,048,576 bytes) once decoded: the largest record Kinesis takes`
						: recordTooLarge(line.length + fixedKeyBytes(shape)),
				};
				continue;
			}
			yield toInput(line.number, line.bytes, shape);
		}
	} catch (error) {
		throw new InputError(`reading the input failed: ${error instanceof Error ? error.message : String(error)}`);
	}
}

/** The bytes of the --partition-key every record has; 0 when keys differ (they are counted once known). */
const fixedKeyBytes = (shape: RecordShape) => (shape.partitionKey === undefined ? 0 : Buffer.byteLength(shape.partitionKey));

function toInput(line: number, bytes: Buffer, shape: RecordShape): ProducerInput {
	let data: Uint8Array = bytes;
	if (shape.base64) {
		const decoded = decodeBase64(bytes.toString('latin1'));
		if (decoded === undefined) return {line, error: 'not base64'};
		data = decoded;
	}
	// Too large is the first thing to say of a record, and its JSON is not worth parsing.
	if (data.byteLength + fixedKeyBytes(shape) > PUT_LIMITS.recordBytes)
		return {line, error: recordTooLarge(data.byteLength + fixedKeyBytes(shape))};
	let partitionKey = shape.partitionKey;
	if (shape.keyField !== undefined) {
		const key = keyFromJson(data, shape.keyField);
		if (typeof key === 'object') return {line, error: key.error};
		partitionKey = key;
	}
	return {
		line,
		data,
		...(partitionKey === undefined ? {} : {partitionKey}),
		...(shape.explicitHashKey === undefined ? {} : {explicitHashKey: shape.explicitHashKey}),
	};
}

/** Standard or URL-safe base64, padded or not, around whitespace; undefined when it is not base64. */
function decodeBase64(text: string): Buffer | undefined {
	const trimmed = text.trim();
	if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(trimmed) || trimmed.replace(/=+$/, '').length % 4 === 1) return undefined;
	if (/=/.test(trimmed) && trimmed.length % 4 !== 0) return undefined;
	return Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** The partition key at a path in a record's JSON: a string, or a number or boolean as written. */
function keyFromJson(data: Uint8Array, path: readonly string[]): string | {error: string} {
	let value: unknown;
	try {
		value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
	} catch {
		return {error: `not JSON, so it has no ${path.join('.')} field for the partition key`};
	}
	for (const part of path) {
		if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part))
			return {error: `no ${path.join('.')} field for the partition key`};
		value = (value as Record<string, unknown>)[part];
	}
	if (typeof value === 'string')
		return value === '' ? {error: `${path.join('.')} is empty; a partition key has 1 to 256 characters`} : value;
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
	return {
		error: `${path.join('.')} is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object'}, not a string or number for the partition key`,
	};
}

function resultLine(result: ProducerResult): object {
	const common = {
		...(result.line === undefined ? {} : {line: result.line}),
		...(result.partitionKey === undefined ? {} : {partitionKey: result.partitionKey}),
	};
	if (!result.ok) return {...common, error: result.error, attempts: result.attempts, ...(result.stopped ? {stopped: true} : {})};
	return {
		...common,
		shardId: result.shardId,
		sequenceNumber: result.sequenceNumber,
		attempts: result.attempts,
		...(result.overtook ? {overtook: true} : {}),
	};
}

function where(result: ProducerResult): string {
	return result.line === undefined ? `record ${result.index + 1}` : `line ${result.line}`;
}

function summary(stream: string, totals: ProducerTotals, seconds: number, single: ProducerResult | undefined): string {
	const rate = seconds > 0 ? totals.written / seconds : 0;
	const mib = totals.bytes / 1_048_576;
	const shards = totals.shards.size;
	const to =
		single?.ok === true
			? `to ${single.shardId} of '${stream}' (sequence number ${single.sequenceNumber})`
			: `to '${stream}'${shards > 0 ? ` (into ${plural(shards, 'shard')})` : ''}`;
	const parts = [
		`Sent ${plural(totals.written, 'record')} ${to} in ${seconds.toFixed(2)} s`,
		...(totals.written > 1 ? [`${formatCount(Math.round(rate))} records/s, ${(seconds > 0 ? mib / seconds : 0).toFixed(2)} MiB/s`] : []),
		plural(totals.retries, 'retry').replace(/retrys$/, 'retries'),
		`${formatCount(totals.failed - totals.stopped)} failed`,
		...(totals.stopped > 0 ? [`stopped with ${plural(totals.stopped, 'record')} not sent`] : []),
	];
	let text = `${parts.join('; ')}.\n`;
	if (totals.overtook > 0) {
		text += `Note: ${plural(totals.overtook, 'record')} went ahead of an earlier record of the same partition key that Kinesis refused in the same call; --strict-order prevents this.\n`;
	}
	return text;
}
