import {
	DeregisterStreamConsumerCommand,
	DescribeStreamConsumerCommand,
	DescribeStreamSummaryCommand,
	RegisterStreamConsumerCommand,
	type ConsumerDescription,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
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

/**
 * Registering and deregistering enhanced fan-out consumers, as changes: a plan read first (the
 * consumer as Kinesis describes it), then the call, the consumer followed until ACTIVE (register) or
 * gone (deregister), and each step in the audit log (operations `consumer-register`, `consumer-deregister`).
 */

/** A consumer as a change reads it. */
export interface FanOutConsumerState {
	readonly name: string;
	readonly arn: string;
	readonly status: string;
	/** ISO time. */
	readonly createdAt?: string;
}

export interface FanOutChangePlan {
	readonly action: 'register' | 'deregister';
	readonly stream: string;
	readonly streamArn: string;
	readonly consumerName: string;
	/** The consumer now; absent when none of that name is registered. */
	readonly current?: FanOutConsumerState;
	readonly problems: readonly PlanProblem[];
	/** What to read before confirming. */
	readonly warnings: readonly string[];
}

export interface FanOutChangeResult {
	readonly action: 'register' | 'deregister';
	readonly stream: string;
	readonly consumerName: string;
	/** The consumer at the end: ACTIVE after a register, absent after a deregister. */
	readonly consumer?: FanOutConsumerState;
}

/** AWS's rule for a consumer's name (RegisterStreamConsumer: 1 to 128 characters, `[a-zA-Z0-9_.-]+`). */
export function consumerNameProblem(name: string): string | undefined {
	if (name.length < 1 || name.length > 128 || !/^[a-zA-Z0-9_.-]+$/.test(name))
		return `A consumer name is 1 to 128 letters, digits, '_', '.' and '-', not '${name}'.`;
	return undefined;
}

/** Reads what a register or deregister would change: the stream's ARN and the consumer of that name, if any. */
export async function planFanOutChange(
	kinesis: KinesisClient,
	stream: StreamRef,
	consumerName: string,
	action: 'register' | 'deregister',
	signal?: AbortSignal,
): Promise<FanOutChangePlan> {
	const send = signal ? {abortSignal: signal} : {};
	const {StreamDescriptionSummary: summary} = await kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), send);
	const streamArn = summary?.StreamARN ?? '';
	const name = streamNameOf(stream);
	const nameProblem = consumerNameProblem(consumerName);
	// Kinesis would refuse to describe a consumer by a name it cannot have: the plan says why instead.
	if (nameProblem)
		return {action, stream: name, streamArn, consumerName, problems: [{kind: 'refused', message: nameProblem}], warnings: []};
	const current = await describeConsumer(kinesis, streamArn, consumerName, signal);
	const problems: PlanProblem[] = [];
	const warnings: string[] = [];
	if (action === 'register') {
		if (current) problems.push({kind: 'refused', message: `'${consumerName}' is already registered on '${name}' (${current.status}).`});
		warnings.push(
			'An enhanced fan-out consumer is billed per consumer-shard hour while it is registered, whether or not anything subscribes; deregister it when it is no longer read.',
		);
	} else if (!current) {
		problems.push({
			kind: 'not-found',
			message: `No enhanced fan-out consumer named '${consumerName}' is registered on '${name}'.`,
			hint: 'List them with kinesis-console consumers.',
		});
	} else if (current.status === 'DELETING') {
		problems.push({kind: 'refused', message: `'${consumerName}' is already being deregistered (DELETING).`});
	} else {
		warnings.push(
			`Every subscription of '${consumerName}' ends, and its application's SubscribeToShard calls fail until it registers a consumer again: its position is its own, and it restarts from wherever it starts.`,
		);
	}
	return {action, stream: name, streamArn, consumerName, ...(current ? {current} : {}), problems, warnings};
}

/** Registers or deregisters as planned, follows the consumer until ACTIVE or gone, and writes the audit log. */
export function executeFanOutChange(
	context: ChangeContext,
	plan: FanOutChangePlan,
): AsyncGenerator<ChangeProgress<FanOutChangeResult>, FanOutChangeResult> {
	const problem = problemError(plan.problems);
	if (problem) return refusedChange(problem);
	const {kinesis} = context;
	const register = plan.action === 'register';
	const subject = `consumer '${plan.consumerName}'`;
	const consumerArn = plan.current?.arn ?? '';
	return runChange<FanOutChangeResult, FanOutConsumerState | undefined>(context, {
		operation: register ? 'consumer-register' : 'consumer-deregister',
		stream: plan.stream,
		what: `${plan.action} of the enhanced fan-out consumer '${plan.consumerName}'`,
		parameters: {consumerName: plan.consumerName, streamArn: plan.streamArn, ...(register ? {} : {consumerArn})},
		before: plan.current ?? {consumer: 'none'},
		submitCall: register ? 'RegisterStreamConsumer' : 'DeregisterStreamConsumer',
		checkWith: `kinesis-console consumers ${plan.stream}`,
		submit: () =>
			register
				? kinesis.send(new RegisterStreamConsumerCommand({StreamARN: plan.streamArn, ConsumerName: plan.consumerName}))
				: kinesis.send(new DeregisterStreamConsumerCommand({ConsumerARN: consumerArn})),
		follow: {
			waitingFor: register ? `${subject} to be ACTIVE` : `${subject} to be gone`,
			call: 'DescribeStreamConsumer',
			until: (startedMs) => followConsumer(context, plan, subject, startedMs),
		},
		finish: async (consumer) => ({
			result: {action: plan.action, stream: plan.stream, consumerName: plan.consumerName, ...(consumer ? {consumer} : {})},
			after: consumer ?? {consumer: 'none'},
		}),
	});
}

/** Polls DescribeStreamConsumer, with growing waits, until the consumer is ACTIVE (register) or gone (deregister). */
async function* followConsumer(
	context: ChangeContext,
	plan: FanOutChangePlan,
	subject: string,
	startedMs: number,
): AsyncGenerator<ChangeProgress<never>, FanOutConsumerState | undefined> {
	const now = context.now ?? Date.now;
	const maxPollMs = context.timing?.maxPollMs ?? 10_000;
	let waitMs = context.timing?.pollMs ?? 500;
	for (;;) {
		if (context.signal?.aborted) throw abortError();
		const consumer = yield* retrying(
			'DescribeStreamConsumer',
			() => describeConsumer(context.kinesis, plan.streamArn, plan.consumerName, context.signal),
			context,
		);
		const elapsedMs = now() - startedMs;
		yield {type: 'status', status: consumer?.status ?? 'gone', elapsedMs, openShards: undefined, subject};
		if (plan.action === 'deregister' ? consumer === undefined : consumer?.status === 'ACTIVE') return consumer;
		if (plan.action === 'register' && consumer === undefined)
			throw new ConsoleError({kind: 'not-found', message: `${subject} was registered, then was gone before it was ACTIVE.`});
		const timeout = context.timing?.followTimeoutMs;
		if (timeout !== undefined && elapsedMs >= timeout) {
			throw new ConsoleError({
				kind: 'unconfirmed',
				message: `${subject} is still ${consumer?.status ?? 'gone'} after ${Math.round(elapsedMs / 1000)} s; the console stopped following it, and the change goes on at Kinesis.`,
				hint: 'Check it later with kinesis-console consumers.',
			});
		}
		await sleep(waitMs, context.signal);
		waitMs = Math.min(maxPollMs, Math.round(waitMs * 1.5));
	}
}

/** The consumer of that name on the stream, or undefined when none is registered. */
async function describeConsumer(
	kinesis: KinesisClient,
	streamArn: string,
	consumerName: string,
	signal?: AbortSignal,
): Promise<FanOutConsumerState | undefined> {
	try {
		const {ConsumerDescription: description} = await kinesis.send(
			new DescribeStreamConsumerCommand({StreamARN: streamArn, ConsumerName: consumerName}),
			signal ? {abortSignal: signal} : {},
		);
		return description ? consumerState(description) : undefined;
	} catch (error) {
		if ((error as {name?: string} | undefined)?.name === 'ResourceNotFoundException') return undefined;
		throw error;
	}
}

const consumerState = (description: ConsumerDescription): FanOutConsumerState => ({
	name: description.ConsumerName ?? '',
	arn: description.ConsumerARN ?? '',
	status: description.ConsumerStatus ?? 'UNKNOWN',
	...(description.ConsumerCreationTimestamp ? {createdAt: description.ConsumerCreationTimestamp.toISOString()} : {}),
});
