import http from 'node:http';
import type {AddressInfo} from 'node:net';

/**
 * Terminal control sequences a hostile endpoint (or a record's producer) could slip into what the
 * console shows, each as it would act on a terminal. None may reach the terminal raw.
 */
export const ESCAPES = {
	'clear screen': '\u001b[2J',
	'cursor home': '\u001b[H',
	'cursor to 5,7': '\u001b[5;7H',
	'window title (OSC 0, BEL)': '\u001b]0;PWNED-TITLE\u0007',
	'window title (OSC 2, ST)': '\u001b]2;PWNED-TITLE2\u001b\\',
	'clipboard write (OSC 52)': '\u001b]52;c;UFdORUQ=\u0007',
	hyperlink: '\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007',
	'C1 CSI clear screen': '\u009b2J',
	'C1 OSC title': '\u009d0;PWNED-C1\u009c',
	'alternate screen': '\u001b[?1049h',
	'device status report (answers on stdin)': '\u001b[6n',
	'DCS string': '\u001bPqPWNED\u001b\\',
	'red text': '\u001b[31mRED',
	bell: '\u0007',
	'carriage return overwrite': 'visible\rHIDDEN',
	backspaces: 'abc\b\b\b',
	'right-to-left override': '\u202egnp.exe',
} as const;

export type EscapeName = keyof typeof ESCAPES;

/** Each sequence between markers naming it: `«clear screen»ESC[2J«/»`. */
export const marked = (name: EscapeName): string => `«${name}»${ESCAPES[name]}«/»`;
/** Every sequence in one string. */
export const everyEscape = (): string => (Object.keys(ESCAPES) as EscapeName[]).map(marked).join(' ');

/**
 * Which of the sequences reached the output raw: a sequence followed by its closing marker, as it was
 * sent. (The console's own escapes never sit next to a marker; a neutralised one shows as ␛[2J«/».)
 */
export function rawEscapesIn(output: string): EscapeName[] {
	return (Object.keys(ESCAPES) as EscapeName[]).filter((name) => output.includes(`${ESCAPES[name]}«/»`));
}

/**
 * A Kinesis endpoint that answers the JSON 1.1 protocol well enough for the console, with control
 * sequences in everything it returns: stream names, statuses, shard ids, consumer names, partition keys,
 * record data and error messages. Streams whose name contains `broken` fail with a hostile message;
 * CloudWatch and DynamoDB calls fail with one too.
 */
export interface HostileEndpoint {
	readonly url: string;
	/** The stream names it lists: one per sequence, and one with all of them (`all…`). */
	readonly streams: readonly string[];
	/** A stream whose DescribeStreamSummary fails with a hostile message. */
	readonly broken: string;
	/** Requests answered, by X-Amz-Target. */
	readonly calls: () => ReadonlyMap<string, number>;
	close(): Promise<void>;
}

const START = '49650000000000000000000000000000000000000000000000000000';

export async function startHostileEndpoint(): Promise<HostileEndpoint> {
	const names = (Object.keys(ESCAPES) as EscapeName[]).map((name, index) => `evil-${index}${marked(name)}`);
	const broken = `broken${marked('clear screen')}${marked('window title (OSC 0, BEL)')}`;
	// The broken one is not listed (a listing that fails for one stream fails as a whole): it is opened by name.
	const streams = [...names, `all${everyEscape()}`];
	const calls = new Map<string, number>();
	const hostile = everyEscape();

	const records = (shardId: string) =>
		(Object.keys(ESCAPES) as EscapeName[]).map((name, index) => ({
			SequenceNumber: `${START}${String(index).padStart(4, '0')}`,
			ApproximateArrivalTimestamp: Date.now() / 1000,
			PartitionKey: `key${marked(name)}`,
			Data: Buffer.from(
				index % 2 === 0 ? `record of ${shardId} ${marked(name)}` : JSON.stringify({text: marked(name), all: hostile}),
			).toString('base64'),
		}));

	const kinesis = (operation: string, input: Record<string, unknown>): {status: number; body: unknown} => {
		const stream = String(input.StreamName ?? input.StreamARN ?? '');
		if (stream.includes('broken')) return fail('InvalidArgumentException', `Stream ${stream} is broken: ${hostile}`);
		switch (operation) {
			case 'ListStreams':
				return ok({
					StreamNames: streams,
					HasMoreStreams: false,
					StreamSummaries: streams.map((name) => ({
						StreamName: name,
						StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`,
						StreamStatus: `ACTIVE${marked('clear screen')}`,
						StreamModeDetails: {StreamMode: `PROVISIONED${marked('window title (OSC 0, BEL)')}`},
						StreamCreationTimestamp: Date.now() / 1000 - 3600,
					})),
				});
			case 'DescribeStreamSummary':
				return ok({
					StreamDescriptionSummary: {
						StreamName: stream,
						StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`,
						StreamStatus: `ACTIVE${marked('clear screen')}`,
						StreamModeDetails: {StreamMode: `PROVISIONED${marked('window title (OSC 0, BEL)')}`},
						RetentionPeriodHours: 24,
						StreamCreationTimestamp: Date.now() / 1000 - 3600,
						EnhancedMonitoring: [{ShardLevelMetrics: []}],
						EncryptionType: `NONE${marked('C1 CSI clear screen')}`,
						OpenShardCount: 2,
						ConsumerCount: 1,
					},
				});
			case 'ListShards':
				return ok({
					Shards: [
						{
							ShardId: 'shardId-000000000000',
							HashKeyRange: {StartingHashKey: '0', EndingHashKey: (2n ** 127n - 1n).toString()},
							SequenceNumberRange: {StartingSequenceNumber: START},
						},
						{
							ShardId: `shardId-000000000001${marked('cursor home')}`,
							ParentShardId: `shardId-000000000009${marked('alternate screen')}`,
							HashKeyRange: {StartingHashKey: (2n ** 127n).toString(), EndingHashKey: (2n ** 128n - 1n).toString()},
							SequenceNumberRange: {StartingSequenceNumber: START},
						},
					],
				});
			case 'GetShardIterator':
				return ok({ShardIterator: Buffer.from(JSON.stringify({shard: input.ShardId, at: 0})).toString('base64')});
			case 'GetRecords': {
				const iterator = JSON.parse(Buffer.from(String(input.ShardIterator), 'base64').toString()) as {shard: string; at: number};
				const next = Buffer.from(JSON.stringify({shard: iterator.shard, at: 1})).toString('base64');
				return ok({Records: iterator.at === 0 ? records(iterator.shard) : [], NextShardIterator: next, MillisBehindLatest: 0});
			}
			case 'ListStreamConsumers':
				return ok({
					Consumers: [
						{
							ConsumerName: `consumer${marked('window title (OSC 2, ST)')}`,
							ConsumerARN: `arn:aws:kinesis:us-east-1:000000000000:stream/x/consumer/c:1`,
							ConsumerStatus: `ACTIVE${marked('red text')}`,
							ConsumerCreationTimestamp: Date.now() / 1000,
						},
					],
				});
			case 'PutRecords': {
				const entries = Array.isArray(input.Records) ? input.Records : [];
				return ok({
					FailedRecordCount: entries.length,
					Records: entries.map(() => ({ErrorCode: 'InvalidArgumentException', ErrorMessage: `refused: ${hostile}`})),
				});
			}
			case 'DescribeLimits':
				return ok({ShardLimit: 500, OpenShardCount: 2, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50});
			default:
				return fail('UnknownOperationException', `${operation} is not here: ${hostile}`);
		}
	};

	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const target = String(request.headers['x-amz-target'] ?? '');
			calls.set(target, (calls.get(target) ?? 0) + 1);
			let input: Record<string, unknown> = {};
			try {
				input = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
			} catch {
				// Not JSON (another protocol): answered with a failure below.
			}
			const [service = '', operation = ''] = target.split('.');
			const answer = service.startsWith('Kinesis_')
				? kinesis(operation, input)
				: // CloudWatch and DynamoDB: refused, with a hostile message the console may show.
					fail('AccessDeniedException', `User is not authorized to perform: ${operation} ${hostile}`);
			const body = JSON.stringify(answer.body);
			response.writeHead(answer.status, {
				'content-type':
					service.startsWith('DynamoDB') || service.startsWith('Granite') ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
				'x-amzn-requestid': `hostile-${calls.get(target)}`,
				'content-length': Buffer.byteLength(body),
			});
			response.end(body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		streams,
		broken,
		calls: () => calls,
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

const ok = (body: unknown) => ({status: 200, body});
const fail = (type: string, message: string) => ({status: 400, body: {__type: type, message}});
