import type * as Lambda from '@aws-sdk/client-lambda';
import type {EventSourceMappingConfiguration, LambdaClient} from '@aws-sdk/client-lambda';
import {createRequire} from 'node:module';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {formatCount, formatDuration} from '../format.js';
import {listFanOutConsumers} from './fanOut.js';
import {metricData, type MetricQuery} from './metricSeries.js';
import type {ConsumerKind, DiscoveryContext, LagPoint} from './kind.js';

/**
 * Lambda event source mappings reading the stream: ListEventSourceMappings for the stream's ARN and for
 * each enhanced fan-out consumer's, with their state, last processing result and the settings that
 * decide how far behind they fall (batch size and window, parallelization, bisect on error, retries,
 * maximum record age, on-failure destination). Lag is AWS/Lambda's IteratorAge (1-minute Maximum, the
 * newest of the last 5 minutes, by FunctionName, the dimension Lambda publishes it under for every function): a function
 * mapped to several streams reports the oldest of them. '-' when CloudWatch has none (the built-in
 * engine runs no function, so it never has).
 */
export interface LambdaMapping {
	readonly kind: 'lambda';
	/** The function's name. */
	readonly name: string;
	readonly uuid: string;
	readonly functionArn: string;
	/** The stream's ARN, or the fan-out consumer's the mapping reads through. */
	readonly eventSourceArn: string;
	/** The fan-out consumer's name, when it reads through one. */
	readonly consumer?: string;
	readonly state: string;
	readonly stateTransitionReason?: string;
	readonly lastProcessingResult?: string;
	readonly startingPosition?: string;
	readonly batchSize?: number;
	readonly batchingWindowSeconds?: number;
	readonly parallelizationFactor?: number;
	readonly bisectOnError?: boolean;
	/** -1: retried until the record expires. */
	readonly maximumRetryAttempts?: number;
	/** -1: no limit but the stream's retention. */
	readonly maximumRecordAgeSeconds?: number;
	readonly onFailure?: string;
	/** ISO time. */
	readonly lastModified?: string;
	/** Whether the mapping publishes its event counts (MetricsConfig has EventCount), and so the failures below. */
	readonly eventMetrics?: boolean;
	/** Its FailedInvokeEventCount and DroppedEventCount, each the Sum over the last 5 minutes, when it publishes them. */
	readonly failedInvokes?: number;
	readonly droppedRecords?: number;
	/** IteratorAge's Maximum in the newest minute of the last 5 CloudWatch has, by function; absent when it has none. */
	readonly lagMs?: number;
	/** Those minutes, oldest first (not in its JSON line). */
	readonly lagSeries?: readonly LagPoint[];
	/** Read from the console's own engine (--local), which keeps mappings and runs no function. */
	readonly emulated?: boolean;
}

const require = createRequire(import.meta.url);

export const NO_FUNCTION_RUNS = 'the engine runs no function: it keeps the mapping and its state, and nothing reads the stream';

export const lambdaMappings: ConsumerKind<LambdaMapping> = {
	kind: 'lambda',
	label: 'lambda',
	title: 'Lambda event source mappings',
	part: 'lambda',
	discover: async (context) => {
		const lambda = context.clients.lambda;
		if (context.streamArn === undefined || lambda === undefined) return {consumers: [], problems: []};
		try {
			const mappings = await findMappings(context, lambda, context.streamArn);
			const local = context.options.target?.kind === 'local';
			return {consumers: local ? mappings.map((mapping) => ({...mapping, emulated: true})) : mappings, problems: []};
		} catch (error) {
			return {consumers: [], problems: [await context.describe(error, 'lambda')]};
		}
	},
	row: (mapping) => ({
		text: [
			mapping.state,
			// Said early, so a narrow terminal still shows it: on the engine the last result is always "No records processed".
			...(mapping.emulated ? ['engine: no function runs'] : []),
			mapping.lastProcessingResult ?? '-',
			`batch ${mapping.batchSize ?? '-'} in ${mapping.batchingWindowSeconds ?? 0} s ×${mapping.parallelizationFactor ?? 1}`,
			`lag ${lagText(mapping)}`,
			...(mapping.failedInvokes === undefined ? [] : [`failed ${failuresText(mapping)} in 5m`]),
			...(mapping.consumer ? [`via ${mapping.consumer}`] : []),
		].join(' · '),
		warn: mapping.state !== 'Enabled' || mappingFailure(mapping) !== undefined,
	}),
	json: ({kind: _, lagSeries: _series, ...mapping}) => ({type: 'lambda-mapping', ...mapping}),
	table: (mappings, stream) => ({
		empty: `No Lambda event source mapping reads '${stream}'.`,
		title: 'Lambda event source mappings:',
		header: [
			'FUNCTION',
			'STATE',
			'LAST RESULT',
			'BATCH',
			'WINDOW',
			'PARALLEL',
			'BISECT',
			'RETRIES',
			'MAX AGE',
			'ON FAILURE',
			'LAG',
			'FAILED 5M',
			'VIA',
		],
		rows: mappings.map((mapping) => [
			mapping.name,
			mapping.state,
			mapping.lastProcessingResult ?? '-',
			String(mapping.batchSize ?? '-'),
			`${mapping.batchingWindowSeconds ?? 0} s`,
			String(mapping.parallelizationFactor ?? 1),
			mapping.bisectOnError ? 'yes' : 'no',
			mapping.maximumRetryAttempts === -1 ? 'until expiry' : String(mapping.maximumRetryAttempts ?? '-'),
			mapping.maximumRecordAgeSeconds === -1 || mapping.maximumRecordAgeSeconds === undefined
				? 'retention'
				: formatDuration(mapping.maximumRecordAgeSeconds * 1000),
			mapping.onFailure ?? '-',
			lagText(mapping),
			mapping.eventMetrics ? failuresText(mapping) : 'off',
			mapping.consumer ?? 'stream',
		]),
		notes: [
			...(mappings.some((mapping) => mapping.emulated) ? [`On the built-in engine: ${NO_FUNCTION_RUNS}.`] : []),
			"LAG: AWS/Lambda IteratorAge, the 1-minute Maximum, newest of the last 5 minutes, by function (a function mapped to several sources reports the oldest); '-' when CloudWatch has none.",
			"FAILED 5M: the mapping's own FailedInvokeEventCount / DroppedEventCount, each summed over the last 5 minutes; 'off' until its MetricsConfig has EventCount.",
		],
	}),
	capabilities: {
		// Any mapping can be paused or resumed; the plan says when it is already so, or between states.
		pause: (mapping) => ({uuid: mapping.uuid, enabled: mapping.state === 'Enabled' || mapping.state === 'Enabling'}),
	},
	health: (mapping) => ({
		lagMs: mapping.lagMs,
		...(mapping.lagSeries === undefined ? {} : {lagSeries: mapping.lagSeries}),
		// Lambda's states: Creating, Enabling, Enabled, Disabling, Disabled, Updating, Deleting (API_EventSourceMappingConfiguration).
		reading: /^(Disabled|Disabling|Deleting)$/.test(mapping.state)
			? false
			: /^(Enabled|Enabling|Updating)$/.test(mapping.state)
				? true
				: undefined,
		position: undefined,
		failure: mappingFailure(mapping),
	}),
};

/**
 * What a mapping reports of its failures: LastProcessingResult "PROBLEM: …" (Lambda's words for a batch its function
 * failed, or could not be invoked with), or a StateTransitionReason that says a problem disabled it.
 */
function mappingFailure(mapping: LambdaMapping): string | undefined {
	if (/^PROBLEM/i.test(mapping.lastProcessingResult ?? '')) return mapping.lastProcessingResult;
	if (/^PROBLEM/i.test(mapping.stateTransitionReason ?? '')) return mapping.stateTransitionReason;
	if ((mapping.failedInvokes ?? 0) > 0 || (mapping.droppedRecords ?? 0) > 0)
		return `${failuresText(mapping)} records failed to invoke / were dropped in the last 5 minutes (FailedInvokeEventCount / DroppedEventCount)`;
	return undefined;
}

/** Its failed and dropped records over the last 5 minutes, '-' for what CloudWatch had no datapoint of. */
const failuresText = (mapping: LambdaMapping): string =>
	`${mapping.failedInvokes === undefined ? '-' : formatCount(mapping.failedInvokes)} / ${mapping.droppedRecords === undefined ? '-' : formatCount(mapping.droppedRecords)}`;

const lagText = (mapping: LambdaMapping): string => (mapping.lagMs === undefined ? '-' : formatDuration(mapping.lagMs));

/**
 * The mappings of the stream and of each of its fan-out consumers, with their lag when CloudWatch has it,
 * and the failures of those that publish their event counts (Lambda's event source mapping metrics, on
 * with MetricsConfig EventCount, by EventSourceMappingUUID:
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics),
 * all in one GetMetricData call.
 */
async function findMappings(context: DiscoveryContext, lambda: LambdaClient, streamArn: string): Promise<LambdaMapping[]> {
	const found = await streamMappings(context.clients.kinesis, lambda, streamArn, context.signal);
	const functions = [...new Set(found.map((mapping) => mapping.name))].sort();
	const counted = found.filter((mapping) => mapping.eventMetrics);
	const count = (name: string, uuid: string): MetricQuery => ({
		metric: {Namespace: 'AWS/Lambda', MetricName: name, Dimensions: [{Name: 'EventSourceMappingUUID', Value: uuid}]},
		stat: 'Sum',
	});
	const queries: MetricQuery[] = [
		...functions.map((name): MetricQuery => ({
			metric: {Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Dimensions: [{Name: 'FunctionName', Value: name}]},
			stat: 'Maximum',
		})),
		...counted.flatMap((mapping) => [count('FailedInvokeEventCount', mapping.uuid), count('DroppedEventCount', mapping.uuid)]),
	];
	const series = context.clients.cloudwatch ? await metricData(context.clients.cloudwatch, queries, context.signal) : [];
	const sum = (index: number): number => (series[index] ?? []).reduce((total, point) => total + point.value, 0);
	return found
		.map((mapping): LambdaMapping => {
			const points = (series[functions.indexOf(mapping.name)] ?? []).map(({atMs, value}) => ({atMs, lagMs: value}));
			const newest = points.at(-1);
			const at = functions.length + 2 * counted.indexOf(mapping);
			return {
				...mapping,
				...(newest === undefined ? {} : {lagMs: newest.lagMs, lagSeries: points}),
				// No datapoint in 5 minutes is none failed: the counts are published as events pass.
				...(mapping.eventMetrics && context.clients.cloudwatch ? {failedInvokes: sum(at), droppedRecords: sum(at + 1)} : {}),
			};
		})
		.sort((a, b) => a.name.localeCompare(b.name) || a.uuid.localeCompare(b.uuid));
}

/** The mappings of the stream and of each of its fan-out consumers (one ListStreamConsumers, then ListEventSourceMappings per source). */
export async function streamMappings(
	kinesis: KinesisClient,
	lambda: LambdaClient,
	streamArn: string,
	signal?: AbortSignal,
): Promise<LambdaMapping[]> {
	const consumers = await listFanOutConsumers(kinesis, streamArn, signal);
	const sources: Array<{readonly arn: string; readonly consumer?: string}> = [
		{arn: streamArn},
		...consumers.map((consumer) => ({arn: consumer.arn, consumer: consumer.name})),
	];
	const found: LambdaMapping[] = [];
	for (const source of sources) {
		for (const configuration of await listMappings(lambda, source.arn, signal)) found.push(mappingOf(configuration, source.consumer));
	}
	return found;
}

async function listMappings(
	lambda: LambdaClient,
	eventSourceArn: string,
	signal?: AbortSignal,
): Promise<EventSourceMappingConfiguration[]> {
	// The command is loaded with the client (connect.ts loads @aws-sdk/client-lambda on first use), not with this module.
	const {ListEventSourceMappingsCommand} = require('@aws-sdk/client-lambda') as typeof Lambda;
	const mappings: EventSourceMappingConfiguration[] = [];
	let marker: string | undefined;
	do {
		const page = await lambda.send(
			new ListEventSourceMappingsCommand({EventSourceArn: eventSourceArn, ...(marker === undefined ? {} : {Marker: marker})}),
			signal ? {abortSignal: signal} : {},
		);
		mappings.push(...(page.EventSourceMappings ?? []));
		marker = page.NextMarker;
	} while (marker);
	return mappings;
}

export function mappingOf(configuration: EventSourceMappingConfiguration, consumer: string | undefined): LambdaMapping {
	const functionArn = configuration.FunctionArn ?? '';
	const onFailure = configuration.DestinationConfig?.OnFailure?.Destination;
	return {
		kind: 'lambda',
		name: /:function:([^:]+)/.exec(functionArn)?.[1] ?? functionArn,
		uuid: configuration.UUID ?? '',
		functionArn,
		eventSourceArn: configuration.EventSourceArn ?? '',
		...(consumer === undefined ? {} : {consumer}),
		state: configuration.State ?? 'UNKNOWN',
		...(configuration.StateTransitionReason ? {stateTransitionReason: configuration.StateTransitionReason} : {}),
		...(configuration.LastProcessingResult ? {lastProcessingResult: configuration.LastProcessingResult} : {}),
		...(configuration.StartingPosition ? {startingPosition: configuration.StartingPosition} : {}),
		...(configuration.BatchSize === undefined ? {} : {batchSize: configuration.BatchSize}),
		...(configuration.MaximumBatchingWindowInSeconds === undefined
			? {}
			: {batchingWindowSeconds: configuration.MaximumBatchingWindowInSeconds}),
		...(configuration.ParallelizationFactor === undefined ? {} : {parallelizationFactor: configuration.ParallelizationFactor}),
		...(configuration.BisectBatchOnFunctionError === undefined ? {} : {bisectOnError: configuration.BisectBatchOnFunctionError}),
		...(configuration.MaximumRetryAttempts === undefined ? {} : {maximumRetryAttempts: configuration.MaximumRetryAttempts}),
		...(configuration.MaximumRecordAgeInSeconds === undefined ? {} : {maximumRecordAgeSeconds: configuration.MaximumRecordAgeInSeconds}),
		...(onFailure ? {onFailure} : {}),
		...(configuration.LastModified ? {lastModified: configuration.LastModified.toISOString()} : {}),
		...(configuration.MetricsConfig?.Metrics?.includes('EventCount') ? {eventMetrics: true} : {}),
	};
}
