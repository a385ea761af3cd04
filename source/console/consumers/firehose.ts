import {createRequire} from 'node:module';
import {GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery} from '@aws-sdk/client-cloudwatch';
import type * as Firehose from '@aws-sdk/client-firehose';
import type {DeliveryStreamDescription, FirehoseClient} from '@aws-sdk/client-firehose';
import {formatBytes, formatCount, formatDuration} from '../format.js';
import type {ConsumerKind} from './kind.js';

/**
 * Firehose delivery streams reading the stream: ListDeliveryStreams (DeliveryStreamType
 * KinesisStreamAsSource, paged), then DescribeDeliveryStream for each, keeping those whose
 * Source.KinesisStreamSourceDescription.KinesisStreamARN is the stream's. Per delivery stream: its
 * status, destinations and delivery start time; its lag and reads from CloudWatch's AWS/Firehose
 * metrics, by DeliveryStreamName, in one GetMetricData call: "KinesisMillisBehindLatest: When the data
 * source is a Kinesis data stream, this metric indicates the number of milliseconds that the last read
 * record is behind the newest record in the Kinesis data stream" (Milliseconds), DataReadFromKinesisStream.Records
 * and .Bytes, ThrottledGetRecords, ThrottledGetShardIterator and ThrottledDescribeStream
 * (https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html).
 *
 * Every Firehose call goes through the console's request budget (connect.ts): AWS allows each of
 * these operations 5 calls a second per account (apiQuotas.ts), so a share of a quarter describes
 * a little over one delivery stream a second. The source of a delivery stream never changes, so one
 * read from another stream is remembered for the session and not described again.
 */
export interface FirehoseDeliveryStream {
	readonly kind: 'firehose';
	readonly name: string;
	readonly arn: string;
	/** CREATING, ACTIVE, DELETING, CREATING_FAILED, DELETING_FAILED. */
	readonly status: string;
	/** Each destination as a kind and where: "S3 arn:aws:s3:::bucket/prefix". */
	readonly destinations: readonly string[];
	/** Where Firehose started reading the stream (ISO time). */
	readonly deliveryStartedAt?: string;
	readonly createdAt?: string;
	readonly roleArn?: string;
	/** What went wrong, when the status is a failure: FailureDescription's type and details. */
	readonly failure?: string;
	/** KinesisMillisBehindLatest's maximum over the window; absent when CloudWatch has none. */
	readonly lagMs?: number;
	/** DataReadFromKinesisStream.Records and .Bytes over the window. */
	readonly recordsRead?: number;
	readonly bytesRead?: number;
	/** ThrottledGetRecords, ThrottledGetShardIterator and ThrottledDescribeStream over the window. */
	readonly throttled?: number;
	/** Read from the console's own engine (--local), which keeps delivery streams and delivers nothing. */
	readonly emulated?: boolean;
}

const require = createRequire(import.meta.url);

export const NOTHING_DELIVERED =
	'the engine delivers nothing: it keeps the delivery stream and its state, nothing reads the stream and nothing reaches a destination';

/** How far back the metrics are read: Firehose publishes them every minute or so, some every five. */
const METRICS_WINDOW_MS = 10 * 60_000;

export const firehoseDeliveryStreams: ConsumerKind<FirehoseDeliveryStream> = {
	kind: 'firehose',
	label: 'firehose',
	title: 'Firehose delivery streams',
	part: 'firehose',
	discover: async (context) => {
		const firehose = context.clients.firehose;
		if (context.streamArn === undefined || firehose === undefined) return {consumers: [], problems: []};
		try {
			const found = await readingStream(firehose, context.streamArn, context.signal);
			const figures = context.clients.cloudwatch
				? await firehoseFigures(
						context.clients.cloudwatch,
						found.map((stream) => stream.name),
						context.signal,
					)
				: new Map<string, Figures>();
			const local = context.options.target?.kind === 'local';
			return {
				consumers: found.map((stream) => ({...stream, ...figures.get(stream.name), ...(local ? {emulated: true} : {})})),
				problems: [],
			};
		} catch (error) {
			return {consumers: [], problems: [await context.describe(error, 'firehose')]};
		}
	},
	row: (stream) => ({
		text: [
			stream.status,
			...(stream.emulated ? ['engine: delivers nothing'] : []),
			...(stream.failure ? [stream.failure] : []),
			stream.destinations.join(', ') || 'no destination',
			`lag ${lagText(stream)}`,
			`read ${readText(stream)}`,
			...(stream.throttled ? [`${formatCount(stream.throttled)} throttled`] : []),
		].join(' · '),
		warn: stream.status !== 'ACTIVE' || (stream.throttled ?? 0) > 0,
	}),
	// `status` is the line's who-is-behind status (the command adds it): the delivery stream's own is `deliveryStreamStatus`, as Firehose names it.
	json: ({kind: _, status, ...stream}) => ({type: 'firehose-delivery-stream', ...stream, deliveryStreamStatus: status}),
	table: (streams, name) => ({
		empty: `No Firehose delivery stream reads '${name}'.`,
		title: 'Firehose delivery streams:',
		header: ['DELIVERY STREAM', 'STATUS', 'DESTINATION', 'READING SINCE', 'LAG', 'READ (10 MIN)', 'THROTTLED'],
		rows: streams.map((stream) => [
			stream.name,
			stream.failure ? `${stream.status} (${stream.failure})` : stream.status,
			stream.destinations.join(', ') || '-',
			stream.deliveryStartedAt ?? '-',
			lagText(stream),
			readText(stream),
			stream.throttled === undefined ? '-' : formatCount(stream.throttled),
		]),
		notes: [
			...(streams.some((stream) => stream.emulated) ? [`On the built-in engine: ${NOTHING_DELIVERED}.`] : []),
			"LAG: AWS/Firehose KinesisMillisBehindLatest, the most over the last 10 minutes; READ: DataReadFromKinesisStream.Records and .Bytes; THROTTLED: Firehose's GetRecords, GetShardIterator and DescribeStream calls throttled; '-' when CloudWatch has none.",
		],
	}),
	capabilities: {},
	health: (stream) => ({
		lagMs: stream.lagMs,
		// Nothing reads unless ACTIVE. KinesisMillisBehindLatest is published only while a reader runs, so a lag says one does
		// (on the engine, the demo's stand-in). Without one: the engine's delivery streams read nothing; AWS's may just be idle.
		reading: stream.status !== 'ACTIVE' ? false : stream.lagMs !== undefined ? true : stream.emulated ? false : undefined,
		position: undefined,
		failure: stream.failure,
	}),
};

const lagText = (stream: FirehoseDeliveryStream): string => (stream.lagMs === undefined ? '-' : formatDuration(stream.lagMs));
const readText = (stream: FirehoseDeliveryStream): string =>
	stream.recordsRead === undefined ? '-' : `${formatCount(stream.recordsRead)} rec, ${formatBytes(stream.bytesRead ?? 0)}`;

/** Each Firehose client's delivery streams already found to read another stream, by name, with the source they read. */
const otherSources = new WeakMap<FirehoseClient, Map<string, string>>();

/** The delivery streams whose Kinesis source is the stream, by name. */
async function readingStream(firehose: FirehoseClient, streamArn: string, signal?: AbortSignal): Promise<FirehoseDeliveryStream[]> {
	// The commands are loaded with the client (connect.ts loads @aws-sdk/client-firehose on first use), not with this module.
	const {DescribeDeliveryStreamCommand} = require('@aws-sdk/client-firehose') as typeof Firehose;
	const names = await listFromKinesis(firehose, signal);
	const known = otherSources.get(firehose) ?? new Map<string, string>();
	otherSources.set(firehose, known);
	const listed = new Set(names);
	for (const name of known.keys()) if (!listed.has(name)) known.delete(name);
	const found: FirehoseDeliveryStream[] = [];
	// One at a time: the budget paces them anyway, and a screen's discovery should not queue a burst.
	for (const name of names) {
		const source = known.get(name);
		if (source !== undefined && source !== streamArn) continue;
		let description: DeliveryStreamDescription | undefined;
		try {
			description = (
				await firehose.send(new DescribeDeliveryStreamCommand({DeliveryStreamName: name}), signal ? {abortSignal: signal} : {})
			).DeliveryStreamDescription;
		} catch (error) {
			// Deleted between the list and the description: it no longer reads anything.
			if ((error as Error).name === 'ResourceNotFoundException') continue;
			throw error;
		}
		const sourceArn = description?.Source?.KinesisStreamSourceDescription?.KinesisStreamARN;
		if (sourceArn === undefined || description === undefined) continue;
		known.set(name, sourceArn);
		if (sourceArn === streamArn) found.push(deliveryStreamOf(description));
	}
	return found;
}

/** Every delivery stream with a Kinesis source, by name: ListDeliveryStreams a page of 10,000 (the most it gives) at a time. */
async function listFromKinesis(firehose: FirehoseClient, signal?: AbortSignal): Promise<string[]> {
	const {ListDeliveryStreamsCommand} = require('@aws-sdk/client-firehose') as typeof Firehose;
	const names: string[] = [];
	let more = true;
	while (more) {
		const last = names.at(-1);
		const page = await firehose.send(
			new ListDeliveryStreamsCommand({
				DeliveryStreamType: 'KinesisStreamAsSource',
				Limit: 10_000,
				...(last === undefined ? {} : {ExclusiveStartDeliveryStreamName: last}),
			}),
			signal ? {abortSignal: signal} : {},
		);
		const pageNames = page.DeliveryStreamNames ?? [];
		names.push(...pageNames);
		more = page.HasMoreDeliveryStreams === true && pageNames.length > 0;
	}
	return names;
}

function deliveryStreamOf(description: DeliveryStreamDescription): FirehoseDeliveryStream {
	const source = description.Source?.KinesisStreamSourceDescription;
	const failure = description.FailureDescription;
	return {
		kind: 'firehose',
		name: description.DeliveryStreamName ?? '',
		arn: description.DeliveryStreamARN ?? '',
		status: description.DeliveryStreamStatus ?? 'UNKNOWN',
		destinations: (description.Destinations ?? []).flatMap((destination) => destinationsOf({...destination})),
		...(source?.DeliveryStartTimestamp ? {deliveryStartedAt: source.DeliveryStartTimestamp.toISOString()} : {}),
		...(description.CreateTimestamp ? {createdAt: description.CreateTimestamp.toISOString()} : {}),
		...(source?.RoleARN ? {roleArn: source.RoleARN} : {}),
		...(failure ? {failure: `${failure.Type ?? ''}: ${failure.Details ?? ''}`} : {}),
	};
}

/** A destination's kind (its description's name without DestinationDescription) and where it goes, when it says. */
function destinationsOf(destination: Record<string, unknown>): string[] {
	return Object.entries(destination).flatMap(([member, value]) => {
		if (!member.endsWith('DestinationDescription') || typeof value !== 'object' || value === null) return [];
		const kind = member.slice(0, -'DestinationDescription'.length);
		const described = value as {BucketARN?: string; Prefix?: string; EndpointConfiguration?: {Url?: string}; ClusterEndpoint?: string};
		const where = described.BucketARN
			? `${described.BucketARN}${described.Prefix ? `/${described.Prefix}` : ''}`
			: (described.EndpointConfiguration?.Url ?? described.ClusterEndpoint);
		return [where ? `${kind} ${where}` : kind];
	});
}

interface Figures {
	readonly lagMs?: number;
	readonly recordsRead?: number;
	readonly bytesRead?: number;
	readonly throttled?: number;
}

/** The metrics read per delivery stream, and how each is summed over the window. */
const METRICS = [
	{field: 'lagMs', name: 'KinesisMillisBehindLatest', stat: 'Maximum'},
	{field: 'recordsRead', name: 'DataReadFromKinesisStream.Records', stat: 'Sum'},
	{field: 'bytesRead', name: 'DataReadFromKinesisStream.Bytes', stat: 'Sum'},
	{field: 'throttled', name: 'ThrottledGetRecords', stat: 'Sum'},
	{field: 'throttled', name: 'ThrottledGetShardIterator', stat: 'Sum'},
	{field: 'throttled', name: 'ThrottledDescribeStream', stat: 'Sum'},
] as const;

/** GetMetricData takes at most 500 queries a call. */
const MAX_QUERIES = 500;

/**
 * Each delivery stream's figures over the last 10 minutes, in one GetMetricData call per 500 queries (83
 * delivery streams). `namespace` is AWS/Firehose; a test names another, since the engine refuses
 * PutMetricData into AWS/ namespaces as AWS does.
 */
export async function firehoseFigures(
	cloudwatch: CloudWatchClient,
	names: readonly string[],
	signal?: AbortSignal,
	namespace = 'AWS/Firehose',
): Promise<Map<string, Figures>> {
	const figures = new Map<string, Record<string, number>>();
	const queries: MetricDataQuery[] = names.flatMap((name, stream) =>
		METRICS.map((metric, index) => ({
			Id: `s${stream}m${index}`,
			MetricStat: {
				Metric: {Namespace: namespace, MetricName: metric.name, Dimensions: [{Name: 'DeliveryStreamName', Value: name}]},
				Period: 60,
				Stat: metric.stat,
			},
		})),
	);
	const nowMs = Date.now();
	for (let start = 0; start < queries.length; start += MAX_QUERIES) {
		const page = await cloudwatch.send(
			new GetMetricDataCommand({
				MetricDataQueries: queries.slice(start, start + MAX_QUERIES),
				StartTime: new Date(nowMs - METRICS_WINDOW_MS),
				EndTime: new Date(nowMs),
			}),
			signal ? {abortSignal: signal} : {},
		);
		for (const result of page.MetricDataResults ?? []) {
			const [, stream, index] = /^s(\d+)m(\d+)$/.exec(result.Id ?? '') ?? [];
			const name = names[Number(stream)];
			const metric = METRICS[Number(index)];
			const values = result.Values ?? [];
			if (name === undefined || metric === undefined || values.length === 0) continue;
			const own = figures.get(name) ?? {};
			figures.set(name, own);
			const value = metric.stat === 'Maximum' ? Math.max(...values) : values.reduce((sum, each) => sum + each, 0);
			own[metric.field] = metric.stat === 'Maximum' ? Math.max(own[metric.field] ?? 0, value) : (own[metric.field] ?? 0) + value;
		}
	}
	return figures as Map<string, Figures>;
}
