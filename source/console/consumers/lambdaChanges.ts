import type * as Lambda from '@aws-sdk/client-lambda';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import type {LambdaClient} from '@aws-sdk/client-lambda';
import {DescribeStreamSummaryCommand} from '@aws-sdk/client-kinesis';
import {createRequire} from 'node:module';
import {
	abortError,
	problemError,
	refusedChange,
	retrying,
	runChange,
	type ChangeContext,
	type ChangeProgress,
	type PlanProblem,
} from '../changes.js';
import {ConsoleError} from '../failures.js';
import {sleep} from '../aws/retry.js';
import {streamParameters, type StreamRef} from '../aws/shards.js';
import {streamNameOf} from '../traffic.js';
import {mappingOf, streamMappings, type LambdaMapping} from './lambda.js';

/**
 * Pausing and resuming a Lambda event source mapping (UpdateEventSourceMapping with Enabled false or
 * true), as a change: the mapping found among the stream's, the call, the mapping followed until
 * Disabled or Enabled, and the audit log (operations `lambda-pause`, `lambda-resume`).
 */

const require = createRequire(import.meta.url);
// Loaded with the client (connect.ts loads @aws-sdk/client-lambda on first use), not with this module.
const lambdaModule = () => require('@aws-sdk/client-lambda') as typeof Lambda;

export interface MappingSwitchPlan {
	readonly action: 'pause' | 'resume';
	readonly stream: string;
	/** What the user named: a function's name or a mapping's UUID. */
	readonly named: string;
	readonly mapping?: LambdaMapping;
	readonly problems: readonly PlanProblem[];
	readonly warnings: readonly string[];
}

export interface MappingSwitchResult {
	readonly action: 'pause' | 'resume';
	readonly stream: string;
	readonly uuid: string;
	readonly functionName: string;
	readonly state: string;
}

/** Finds the mapping of the stream (or of its fan-out consumers) named by function or UUID, and what pausing or resuming it would do. */
export async function planMappingSwitch(
	clients: {readonly kinesis: KinesisClient; readonly lambda: LambdaClient},
	stream: StreamRef,
	named: string,
	action: 'pause' | 'resume',
	signal?: AbortSignal,
): Promise<MappingSwitchPlan> {
	const {StreamDescriptionSummary: summary} = await clients.kinesis.send(
		new DescribeStreamSummaryCommand(streamParameters(stream)),
		signal ? {abortSignal: signal} : {},
	);
	const all = await streamMappings(clients.kinesis, clients.lambda, summary?.StreamARN ?? '', signal);
	const matching = all.filter((mapping) => mapping.uuid === named || mapping.name === named);
	const name = streamNameOf(stream);
	const base = {action, stream: name, named};
	if (matching.length === 0)
		return {
			...base,
			problems: [
				{
					kind: 'not-found',
					message: `No Lambda event source mapping of '${named}' reads '${name}'.`,
					hint: 'List them with kinesis-console consumers.',
				},
			],
			warnings: [],
		};
	const [mapping] = matching;
	if (matching.length > 1 || !mapping)
		return {
			...base,
			problems: [
				{
					kind: 'refused',
					message: `'${named}' has ${matching.length} mappings reading '${name}' (${matching.map((each) => each.uuid).join(', ')}): name one by its UUID.`,
				},
			],
			warnings: [],
		};
	const wanted = action === 'pause' ? 'Disabled' : 'Enabled';
	const problems: PlanProblem[] = [];
	if (mapping.state === wanted) problems.push({kind: 'refused', message: `The mapping of '${mapping.name}' is already ${wanted}.`});
	else if (mapping.state !== 'Enabled' && mapping.state !== 'Disabled')
		problems.push({
			kind: 'in-use',
			message: `The mapping of '${mapping.name}' is ${mapping.state}: Lambda takes a change once it is Enabled or Disabled.`,
		});
	const warnings =
		action === 'pause'
			? [
					`'${mapping.name}' stops reading '${name}': its records wait in the stream, and those older than the retention period are lost before it resumes.`,
				]
			: [`'${mapping.name}' resumes from where it stopped, with everything that arrived meanwhile.`];
	return {...base, mapping, problems, warnings};
}

/** Pauses or resumes as planned and follows the mapping until Disabled or Enabled, writing the audit log. */
export function executeMappingSwitch(
	context: ChangeContext & {readonly lambda: LambdaClient},
	plan: MappingSwitchPlan,
): AsyncGenerator<ChangeProgress<MappingSwitchResult>, MappingSwitchResult> {
	const problem = problemError(plan.problems);
	const mapping = plan.mapping;
	if (problem ?? !mapping) return refusedChange(problem ?? new ConsoleError({kind: 'not-found', message: 'No mapping to change.'}));
	const {UpdateEventSourceMappingCommand} = lambdaModule();
	const enabled = plan.action === 'resume';
	const wanted = enabled ? 'Enabled' : 'Disabled';
	const subject = `mapping of '${mapping.name}'`;
	return runChange<MappingSwitchResult, LambdaMapping>(context, {
		operation: plan.action === 'pause' ? 'lambda-pause' : 'lambda-resume',
		stream: plan.stream,
		what: `${plan.action} of the Lambda event source mapping of '${mapping.name}'`,
		parameters: {uuid: mapping.uuid, functionArn: mapping.functionArn, eventSourceArn: mapping.eventSourceArn, enabled},
		before: {state: mapping.state},
		submitCall: 'UpdateEventSourceMapping',
		checkWith: `kinesis-console consumers ${plan.stream}`,
		service: 'lambda',
		submit: () => context.lambda.send(new UpdateEventSourceMappingCommand({UUID: mapping.uuid, Enabled: enabled})),
		follow: {
			waitingFor: `the ${subject} to be ${wanted}`,
			call: 'GetEventSourceMapping',
			until: (startedMs) => followMapping(context, mapping, wanted, subject, startedMs),
		},
		finish: async (settled) => ({
			result: {action: plan.action, stream: plan.stream, uuid: settled.uuid, functionName: settled.name, state: settled.state},
			after: {state: settled.state},
		}),
	});
}

/** Polls GetEventSourceMapping, with growing waits, until the mapping is in the wanted state. */
async function* followMapping(
	context: ChangeContext & {readonly lambda: LambdaClient},
	mapping: LambdaMapping,
	wanted: string,
	subject: string,
	startedMs: number,
): AsyncGenerator<ChangeProgress<never>, LambdaMapping> {
	const {GetEventSourceMappingCommand} = lambdaModule();
	const now = context.now ?? Date.now;
	let waitMs = context.timing?.pollMs ?? 500;
	for (;;) {
		if (context.signal?.aborted) throw abortError();
		const configuration = yield* retrying(
			'GetEventSourceMapping',
			() =>
				context.lambda.send(new GetEventSourceMappingCommand({UUID: mapping.uuid}), context.signal ? {abortSignal: context.signal} : {}),
			context,
		);
		const current = mappingOf(configuration, mapping.consumer);
		const elapsedMs = now() - startedMs;
		yield {type: 'status', status: current.state, elapsedMs, openShards: undefined, subject};
		if (current.state === wanted) return current;
		const timeout = context.timing?.followTimeoutMs;
		if (timeout !== undefined && elapsedMs >= timeout)
			throw new ConsoleError({
				kind: 'unconfirmed',
				message: `The ${subject} is still ${current.state} after ${Math.round(elapsedMs / 1000)} s; the console stopped following it, and the change goes on at Lambda.`,
			});
		await sleep(waitMs, context.signal);
		waitMs = Math.min(context.timing?.maxPollMs ?? 10_000, Math.round(waitMs * 1.5));
	}
}
