import type * as KinesisAnalyticsV2 from '@aws-sdk/client-kinesis-analytics-v2';
import type {ApplicationDetail, ApplicationSummary, KinesisAnalyticsV2Client} from '@aws-sdk/client-kinesis-analytics-v2';
import {createRequire} from 'node:module';
import {formatDuration} from '../format.js';
import {mapLimited} from '../mapLimited.js';
import type {ConsumerKind, DiscoveryContext, LagPoint} from './kind.js';
import {metricSeries} from './metricSeries.js';

/**
 * Managed Service for Apache Flink (Kinesis Data Analytics v2) applications reading the stream:
 * ListApplications, a page at a time, then DescribeApplication for each new application or new version
 * of one (the summary's status is its status). An application reads the
 * stream when its description names it: a SQL application's input (KinesisStreamsInputDescription
 * .ResourceARN), or a Flink application's runtime property (a value of one of its
 * EnvironmentProperties' property groups equal to the stream's name or ARN). That is the only way:
 * a Flink application's sources are in its code (a FlinkKinesisConsumer or KinesisStreamsSource built
 * in main()), which the API never shows; the convention AWS's examples follow is to pass the stream in
 * a property group, so an application that hard-codes its stream is not found.
 *
 * Lag is AWS/KinesisAnalytics millisBehindLatest (MillisBehindLatest for SQL applications) by the
 * Application dimension, the 1-minute Maximum, newest of the last 5 minutes (the five its series): "The number of milliseconds the consumer is
 * behind the head of the stream" at the Application level (Managed Service for Apache Flink Developer
 * Guide, "Metrics and dimensions": Kinesis Data Streams connector metrics), so an application reading
 * several streams reports the one furthest behind; -1 ("not yet reported") counts as none.
 *
 * No pause: the `pause` capability (kind.ts) is a Lambda mapping's switch, named by UUID and planned,
 * written and followed by lambdaChanges.ts. Stop/StartApplication is another change: StopApplication
 * takes a snapshot (or, forced, none) and StartApplication restores from one by its own configuration,
 * so resuming is not "carry on where it stopped" unless the snapshot settings say so; a capability for
 * it needs its own plan and screen.
 */
export interface FlinkApplication {
	readonly kind: 'flink';
	readonly name: string;
	readonly arn: string;
	/** FLINK-1_20, SQL-1_0, ... */
	readonly runtime: string;
	/** READY, STARTING, RUNNING, STOPPING, UPDATING, AUTOSCALING, ... */
	readonly status: string;
	/** Where the description names the stream: `input 1.1` (SQL), or `group/key` of a runtime property (Flink). */
	readonly namedBy: readonly string[];
	/** millisBehindLatest's 1-minute Maximum in the newest minute of the last 5 CloudWatch has; absent when it has none. */
	readonly lagMs?: number;
	/** Those minutes, oldest first (not in its JSON line). */
	readonly lagSeries?: readonly LagPoint[];
	/** Read from the console's own engine (--local), which keeps applications and runs none. */
	readonly emulated?: boolean;
}

const require = createRequire(import.meta.url);

export const NO_APPLICATION_RUNS = 'the engine runs no application: it keeps the application and its status, and nothing reads the stream';

/** Descriptions asked for at once. */
const DESCRIBE_CONCURRENCY = 4;

export const flinkApplications: ConsumerKind<FlinkApplication> = {
	kind: 'flink',
	label: 'flink',
	title: 'Managed Flink applications',
	part: 'flink',
	discover: async (context) => {
		const flink = context.clients.flink;
		if (context.streamArn === undefined || flink === undefined) return {consumers: [], problems: []};
		try {
			const found = await findApplications(context, flink, context.streamArn);
			const local = context.options.target?.kind === 'local';
			return {consumers: local ? found.map((application) => ({...application, emulated: true})) : found, problems: []};
		} catch (error) {
			return {consumers: [], problems: [await context.describe(error, 'flink')]};
		}
	},
	row: (application) => ({
		text: [
			application.status,
			...(application.emulated ? ['engine: no application runs'] : []),
			// Lag before what the narrow terminals cut off.
			`lag ${lagText(application)}`,
			application.runtime,
			`names it in ${application.namedBy.join(', ')}`,
		].join(' · '),
		warn: application.status !== 'RUNNING',
	}),
	// Its own status as applicationStatus: `status` is the line's judgement (who is behind).
	json: ({kind: _, lagSeries: _series, status, ...application}) => ({type: 'flink-application', ...application, applicationStatus: status}),
	table: (applications, stream) => ({
		empty: `No Managed Flink application names '${stream}' in its description.`,
		title: 'Managed Flink applications:',
		header: ['NAME', 'RUNTIME', 'STATUS', 'NAMED BY', 'LAG'],
		rows: applications.map((application) => [
			application.name,
			application.runtime,
			application.status,
			application.namedBy.join(', '),
			lagText(application),
		]),
		notes: [
			...(applications.some((application) => application.emulated) ? [`On the built-in engine: ${NO_APPLICATION_RUNS}.`] : []),
			"Found where the description names the stream (a SQL input, or a runtime property equal to its name or ARN): a Flink application's sources are in its code.",
			"LAG: AWS/KinesisAnalytics millisBehindLatest, the 1-minute Maximum, newest of the last 5 minutes, by application (one reading several streams reports the furthest behind); '-' when CloudWatch has none.",
		],
	}),
	capabilities: {},
	health: (application) => ({
		lagMs: application.lagMs,
		...(application.lagSeries === undefined ? {} : {lagSeries: application.lagSeries}),
		// Nothing reads unless the job runs, and on the engine nothing ever does; while it updates, rolls back or is maintained: unknown.
		reading: application.emulated || NOT_READING.has(application.status) ? false : READING.has(application.status) ? true : undefined,
		position: undefined,
		// The API reports no failure of a running job (its restarts are CloudWatch's numRestarts, not read here).
		failure: undefined,
	}),
};

/** ApplicationStatus values (the service model) in which the application's job runs, and those in which it does not. */
const READING = new Set(['RUNNING', 'AUTOSCALING']);
const NOT_READING = new Set(['READY', 'STARTING', 'STOPPING', 'FORCE_STOPPING', 'DELETING']);

const lagText = (application: FlinkApplication): string => (application.lagMs === undefined ? '-' : formatDuration(application.lagMs));

async function findApplications(
	context: DiscoveryContext,
	flink: KinesisAnalyticsV2Client,
	streamArn: string,
): Promise<FlinkApplication[]> {
	const streamName = /:stream\/([^/]+)$/.exec(streamArn)?.[1];
	const names = new Set([streamArn, ...(streamName === undefined ? [] : [streamName])]);
	const summaries = await listApplications(flink, context.signal);
	const references = await referencesOf(flink, summaries, context.signal);
	const found = summaries.flatMap((summary) => {
		const namedBy = (references.get(summary.ApplicationARN ?? '') ?? [])
			.filter((reference) => names.has(reference.value))
			.map((reference) => reference.where);
		return namedBy.length === 0 ? [] : [applicationOf(summary, namedBy)];
	});
	const series = context.clients.cloudwatch
		? await metricSeries(
				context.clients.cloudwatch,
				found.map((application) => ({
					Namespace: 'AWS/KinesisAnalytics',
					// SQL applications publish MillisBehindLatest; Flink's Kinesis connector, millisBehindLatest.
					MetricName: application.runtime === 'SQL-1_0' ? 'MillisBehindLatest' : 'millisBehindLatest',
					Dimensions: [{Name: 'Application', Value: application.name}],
				})),
				context.signal,
			)
		: [];
	return found
		.map((application, index) => {
			// -1: "the service has not yet reported a value for the metric".
			const points = (series[index] ?? []).filter((point) => point.lagMs !== undefined && point.lagMs >= 0);
			const newest = points.at(-1);
			return newest?.lagMs === undefined ? application : {...application, lagMs: newest.lagMs, lagSeries: points};
		})
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every application's summary, a page (of at most 50, the API's largest) at a time. */
async function listApplications(flink: KinesisAnalyticsV2Client, signal?: AbortSignal): Promise<ApplicationSummary[]> {
	// The command is loaded with the client (connect.ts loads @aws-sdk/client-kinesis-analytics-v2 on first use), not with this module.
	const {ListApplicationsCommand} = require('@aws-sdk/client-kinesis-analytics-v2') as typeof KinesisAnalyticsV2;
	const summaries: ApplicationSummary[] = [];
	let token: string | undefined;
	do {
		const page = await flink.send(
			new ListApplicationsCommand({Limit: 50, ...(token === undefined ? {} : {NextToken: token})}),
			signal ? {abortSignal: signal} : {},
		);
		summaries.push(...(page.ApplicationSummaries ?? []));
		token = page.NextToken;
	} while (token);
	return summaries;
}

/** A value an application's description holds that may name a stream, and where: `input 1.1`, or `group/key`. */
interface Reference {
	readonly where: string;
	readonly value: string;
}

/**
 * Each client's applications' references, by ARN, with the version they were read at: a description
 * changes only with a new ApplicationVersionId (UpdateApplication, a rollback), which the summary
 * carries, so an application is described again only then. Its status comes from the summary.
 */
const described = new WeakMap<KinesisAnalyticsV2Client, Map<string, {readonly version: number; readonly references: Reference[]}>>();

async function referencesOf(
	flink: KinesisAnalyticsV2Client,
	summaries: readonly ApplicationSummary[],
	signal?: AbortSignal,
): Promise<Map<string, Reference[]>> {
	const {DescribeApplicationCommand} = require('@aws-sdk/client-kinesis-analytics-v2') as typeof KinesisAnalyticsV2;
	const known = described.get(flink) ?? new Map<string, {readonly version: number; readonly references: Reference[]}>();
	described.set(flink, known);
	const listed = new Set(summaries.map((summary) => summary.ApplicationARN ?? ''));
	for (const arn of known.keys()) if (!listed.has(arn)) known.delete(arn);
	const stale = summaries.filter((summary) => known.get(summary.ApplicationARN ?? '')?.version !== summary.ApplicationVersionId);
	await mapLimited(stale, DESCRIBE_CONCURRENCY, async (summary) => {
		try {
			const {ApplicationDetail: detail} = await flink.send(
				new DescribeApplicationCommand({ApplicationName: summary.ApplicationName}),
				signal ? {abortSignal: signal} : {},
			);
			if (detail) known.set(summary.ApplicationARN ?? '', {version: summary.ApplicationVersionId ?? 0, references: references(detail)});
		} catch (error) {
			// Deleted between the list and the description: it reads nothing any more.
			if ((error as Error).name !== 'ResourceNotFoundException') throw error;
		}
	});
	return new Map(summaries.map((summary) => [summary.ApplicationARN ?? '', known.get(summary.ApplicationARN ?? '')?.references ?? []]));
}

/** What a description could name a stream by: SQL inputs' Kinesis stream ARNs, and every runtime property's value. */
function references(detail: ApplicationDetail): Reference[] {
	const configuration = detail.ApplicationConfigurationDescription;
	const inputs = (configuration?.SqlApplicationConfigurationDescription?.InputDescriptions ?? []).flatMap((input) => {
		const arn = input.KinesisStreamsInputDescription?.ResourceARN;
		return arn === undefined ? [] : [{where: `input ${input.InputId ?? input.NamePrefix ?? '?'}`, value: arn}];
	});
	const properties = (configuration?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions ?? []).flatMap((group) =>
		Object.entries(group.PropertyMap ?? {}).map(([key, value]) => ({where: `${group.PropertyGroupId ?? '?'}/${key}`, value})),
	);
	return [...inputs, ...properties];
}

function applicationOf(summary: ApplicationSummary, namedBy: readonly string[]): FlinkApplication {
	return {
		kind: 'flink',
		name: summary.ApplicationName ?? '',
		arn: summary.ApplicationARN ?? '',
		runtime: summary.RuntimeEnvironment ?? 'UNKNOWN',
		status: summary.ApplicationStatus ?? 'UNKNOWN',
		namedBy,
	};
}
