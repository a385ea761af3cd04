import {DescribeStreamSummaryCommand, type KinesisClient, type StreamDescriptionSummary} from '@aws-sdk/client-kinesis';
import {AuditLog, auditTarget, type AuditEntry} from './auditLog.js';
import type {ConnectionTarget} from './connect.js';
import {ConsoleError, formatFailure, toFailure, type ConsoleFailure} from './failures.js';
import type {ServiceName} from './settings.js';
import {errorName, isRateLimit} from './aws/errors.js';
import {RetrySchedule, sleep, type RetryReport} from './aws/retry.js';
import {streamParameters, type StreamRef} from './aws/shards.js';

/**
 * What every change to a stream shares (reshards, retention): control-plane calls retried while
 * throttled, Kinesis's refusals said plainly, the stream followed through UPDATING to ACTIVE by polling
 * DescribeStreamSummary with backoff, and each step written to the audit log. Changes run as async
 * iterables of {@link ChangeProgress} events, ending with `done` and the change's result.
 */

/** Where and how a change runs. A {@link Connection} has `kinesis` and `target`. */
export interface ChangeContext {
	readonly kinesis: KinesisClient;
	readonly target: ConnectionTarget;
	/** The audit log; default: the one at auditLogPath(). `false` records nothing (tests of the core only). */
	readonly audit?: AuditLog | false;
	/** Stops following (and retrying); a change already submitted goes on at Kinesis. */
	readonly signal?: AbortSignal;
	readonly timing?: ChangeTiming;
	readonly now?: () => number;
}

export interface ChangeTiming {
	/** First wait between DescribeStreamSummary polls; it grows by half each time. Default 500 ms. */
	readonly pollMs?: number;
	/** Longest wait between polls. Default 10 s. */
	readonly maxPollMs?: number;
	/** Retries of a throttled control-plane call (on top of the SDK's own). Default 8. */
	readonly retries?: number;
	/** Backoff base for those retries: full jitter up to base * 2^attempt, at most 20 s. Default 500 ms. */
	readonly retryBaseMs?: number;
	/** Give up following after this long (the change goes on). Default: follow until ACTIVE. */
	readonly followTimeoutMs?: number;
}

/** A change as it happens. */
export type ChangeProgress<R> =
	| {readonly type: 'submitting'; readonly operation: string}
	/** A control-plane call throttled (or failing for a moment: `kind`), retried after a delay: the retry helper's report. */
	| {
			readonly type: 'retrying';
			readonly call: string;
			readonly kind: RetryReport['kind'];
			readonly reason: string;
			readonly attempt: number;
			readonly delayMs: number;
	  }
	/** `waitingFor` says what is followed when it is not the stream's return to ACTIVE ("the consumer to be gone"). */
	| {readonly type: 'submitted'; readonly operation: string; readonly atMs: number; readonly waitingFor?: string}
	/** A poll of the stream (or of `subject`, a consumer say): its status, and its open shards when Kinesis says. */
	| {
			readonly type: 'status';
			readonly status: string;
			readonly elapsedMs: number;
			readonly openShards: number | undefined;
			readonly subject?: string;
	  }
	| {readonly type: 'done'; readonly elapsedMs: number; readonly result: R};

/** A reason a plan cannot be submitted, with the failure kind it ends a command with. */
export interface PlanProblem {
	/** refused: the console's check of the rules refuses the plan, before anything is sent (exit code: not-allowed). */
	readonly kind: 'refused' | 'in-use' | 'not-found';
	readonly message: string;
	/** What to do about it, in words that name no key and no flag: `action` says which. */
	readonly hint?: string;
	/** A neutral id of the action that fixes it: a screen names its key, a command its flag (`problemHint`). */
	readonly action?: string;
}

/** How the caller names an action: a key on a screen, a flag on the command line. */
export type NameAction = (action: string) => string;

/** A problem's hint with its action named the caller's way ("... (--create-missing)", "... (press c)"). */
export function problemHint(problem: PlanProblem, nameAction?: NameAction): string | undefined {
	const named = problem.action === undefined || nameAction === undefined ? undefined : nameAction(problem.action);
	if (named === undefined) return problem.hint;
	return problem.hint === undefined ? `${named[0]?.toUpperCase() ?? ''}${named.slice(1)}.` : `${problem.hint} (${named}).`;
}

/** The first problem of a plan as an error to throw, or undefined when there is none. */
export function problemError(problems: readonly PlanProblem[], nameAction?: NameAction): ConsoleError | undefined {
	const [first] = problems;
	if (first === undefined) return undefined;
	const more =
		problems.length > 1
			? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}: ${problems
					.slice(1)
					.map((problem) => problem.message)
					.join(' ')})`
			: '';
	// A plan is refused before any call: not by Kinesis (refused), by the console's own check (not-allowed).
	const kind = first.kind === 'refused' ? 'not-allowed' : first.kind;
	const hint = problemHint(first, nameAction);
	return new ConsoleError({kind, message: `${first.message}${more}`, ...(hint === undefined ? {} : {hint})});
}

/**
 * Makes a control-plane call, retrying it while it is throttled or fails for a moment (aws/retry.ts's
 * schedule); each retry is reported as a `retrying` event. Use with `yield*`.
 */
export async function* retrying<T>(
	call: string,
	attemptCall: () => Promise<T>,
	options: {readonly signal?: AbortSignal; readonly timing?: ChangeTiming},
): AsyncGenerator<ChangeProgress<never>, T> {
	const schedule = new RetrySchedule(call, {
		maxRetries: options.timing?.retries ?? 8,
		baseMs: options.timing?.retryBaseMs ?? 500,
		capMs: 20_000,
		minDelayMs: 50,
	});
	for (;;) {
		try {
			return await attemptCall();
		} catch (error) {
			if (options.signal?.aborted) throw error;
			const decision = schedule.failed(error);
			if ('giveUp' in decision) throw decision.giveUp;
			const {kind, reason, attempt, delayMs} = decision.retry;
			yield {type: 'retrying', call, kind, reason, attempt, delayMs};
			await sleep(delayMs, options.signal);
			if (options.signal?.aborted) throw abortError();
		}
	}
}

/**
 * Kinesis's refusals of a change, said plainly: the stream busy with another change, a limit, a shard
 * that cannot be split or merged. Other errors come back as they are, for {@link toFailure}.
 */
export function refusal(error: unknown, what: string): unknown {
	const message = (error as {message?: string} | undefined)?.message ?? '';
	switch (errorName(error)) {
		case 'ResourceInUseException': {
			const state = /instead in state (\w+)/.exec(message)?.[1];
			return new ConsoleError({
				kind: 'in-use',
				message: `Kinesis refused the ${what}: the stream is ${state ?? 'not ACTIVE'}, so another change (a reshard, a retention or encryption change) is still in progress.`,
				hint: 'Wait until the stream is ACTIVE again (kinesis-console streams shows its status), then try again.',
			});
		}
		case 'LimitExceededException': {
			if (isRateLimit({message})) return error;
			return new ConsoleError({kind: 'refused', message: `Kinesis refused the ${what}: ${message}`, hint: limitHint(message)});
		}
		case 'InvalidArgumentException':
		case 'ValidationException':
			return new ConsoleError({kind: 'refused', message: `Kinesis refused the ${what}: ${message}`});
		default:
			return error;
	}
}

function limitHint(message: string): string {
	if (/shard limit/i.test(message))
		return 'Ask for a higher shard quota in Service Quotas, or close shards elsewhere first (merge, scale down, delete unused streams).';
	if (/rolling 24 hours/i.test(message))
		return "Wait until the oldest of the last 24 hours' scalings is a day old, or split and merge shards one at a time instead.";
	if (/double|half/i.test(message)) return 'Scale in steps: at most double, and at least half, the open shards each time.';
	return 'Kinesis documents its limits at https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html.';
}

/**
 * Follows a stream until it is ACTIVE: polls DescribeStreamSummary, at once and then with growing
 * waits, reporting each status. Returns the ACTIVE summary. Throws when the stream goes away or starts
 * being deleted, when the signal aborts, or after `followTimeoutMs`.
 */
export async function* followToActive(
	kinesis: KinesisClient,
	stream: StreamRef,
	options: {readonly startedMs: number; readonly signal?: AbortSignal; readonly timing?: ChangeTiming; readonly now?: () => number},
): AsyncGenerator<ChangeProgress<never>, StreamDescriptionSummary> {
	const now = options.now ?? Date.now;
	const maxPollMs = options.timing?.maxPollMs ?? 10_000;
	let waitMs = options.timing?.pollMs ?? 500;
	for (;;) {
		if (options.signal?.aborted) throw abortError();
		const response = yield* retrying(
			'DescribeStreamSummary',
			() => kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), options.signal ? {abortSignal: options.signal} : {}),
			options,
		);
		const summary = response.StreamDescriptionSummary;
		const status = summary?.StreamStatus ?? 'UNKNOWN';
		const elapsedMs = now() - options.startedMs;
		yield {type: 'status', status, elapsedMs, openShards: summary?.OpenShardCount};
		if (status === 'ACTIVE' && summary) return summary;
		if (status === 'DELETING')
			throw new ConsoleError({kind: 'not-found', message: `The stream '${stream}' is being deleted: the change will not complete.`});
		const timeout = options.timing?.followTimeoutMs;
		if (timeout !== undefined && elapsedMs >= timeout) {
			throw new ConsoleError({
				kind: 'unconfirmed',
				message: `The stream '${stream}' is still ${status} after ${Math.round(elapsedMs / 1000)} s; the console stopped following it, and the change goes on at Kinesis.`,
				hint: 'Check its status later with kinesis-console streams.',
			});
		}
		await sleep(waitMs, options.signal);
		waitMs = Math.min(maxPollMs, Math.round(waitMs * 1.5));
	}
}

/** The error a change ends with when its signal aborts. */
export function abortError(): Error {
	const error = new Error('Stopped following the change; it goes on at Kinesis.');
	error.name = 'AbortError';
	return error;
}

export const isAbort = (error: unknown): boolean => (error as {name?: string} | undefined)?.name === 'AbortError';

/** What a change tells the audit log about itself; `S` is what its following ends with (by default the ACTIVE stream's summary). */
export interface AuditedChange<R, S = StreamDescriptionSummary> {
	readonly operation: string;
	readonly stream: string;
	readonly parameters: Readonly<Record<string, unknown>>;
	readonly before: unknown;
	/** The words for failures: "split of shardId-000000000001". */
	readonly what: string;
	/** The API call that makes the change; refusals are said plainly. */
	readonly submit: () => Promise<unknown>;
	readonly submitCall: string;
	/** Once the change has settled (the stream ACTIVE again, or what `follow` waits for): the result, and what the audit log records as `after`. */
	readonly finish: (settled: S) => Promise<{readonly result: R; readonly after: unknown}>;
	/** The command that shows whether the change took effect; default `kinesis-console describe STREAM`. */
	readonly checkWith?: string;
	/** The service its calls go to, for their failures' words; default Kinesis. */
	readonly service?: ServiceName;
	/** Follows something other than the stream (a consumer until it is gone, say); `submitted` then says `waitingFor`. */
	readonly follow?: {
		readonly waitingFor: string;
		/** The call it polls with (DescribeStreamSummary when the stream is followed), for its failures' words. */
		readonly call: string;
		readonly until: (startedMs: number) => AsyncGenerator<ChangeProgress<never>, S>;
	};
}

/**
 * Runs a change: checks the audit log can be written, submits (retrying while throttled), records the
 * submission, follows the stream to ACTIVE, and records the outcome. Kinesis's refusals are thrown as
 * ConsoleErrors; other failures as they are.
 */
export async function* runChange<R, S = StreamDescriptionSummary>(
	context: ChangeContext,
	change: AuditedChange<R, S>,
): AsyncGenerator<ChangeProgress<R>, R> {
	const now = context.now ?? Date.now;
	const audit = context.audit === false ? undefined : (context.audit ?? new AuditLog());
	const id = AuditLog.newId();
	const base = {id, operation: change.operation, stream: change.stream, target: auditTarget(context.target), parameters: change.parameters};
	const record = async (entry: Pick<AuditEntry, 'outcome'> & Partial<AuditEntry>) => audit?.append({...base, ...entry});
	// A failure in the user's words, named by the call that failed and its service (a Lambda mapping's are Lambda's).
	const failureOf = (error: unknown, operation: string) =>
		toFailure(error, {target: context.target, streamName: change.stream, operation, ...(change.service ? {service: change.service} : {})});
	const stoppedText = `The console stopped following the change before ${change.follow?.waitingFor ?? 'the stream was ACTIVE again'}.`;

	await audit?.check();
	yield {type: 'submitting', operation: change.operation};
	const startedMs = now();
	try {
		yield* retrying(change.submitCall, change.submit, context);
	} catch (error) {
		const plain = isAbort(error) ? error : refusal(error, change.what);
		const text = isAbort(plain) ? stoppedText : oneLine(await failureOf(plain, change.submitCall));
		await record({outcome: 'failed', before: change.before, error: text});
		throw plain;
	}
	await record({outcome: 'submitted', before: change.before});
	yield {type: 'submitted', operation: change.operation, atMs: startedMs, ...(change.follow ? {waitingFor: change.follow.waitingFor} : {})};
	try {
		// Without `follow`, S is the stream's summary (the type's default): the cast says so for the generic case.
		const settled = change.follow
			? yield* change.follow.until(startedMs)
			: ((yield* followToActive(context.kinesis, change.stream, {startedMs, ...context})) as S);
		const {result, after} = await change.finish(settled);
		const elapsedMs = now() - startedMs;
		await record({outcome: 'completed', before: change.before, after, elapsedMs});
		yield {type: 'done', elapsedMs, result};
		return result;
	} catch (error) {
		const failure = isAbort(error) ? undefined : await failureOf(error, change.follow?.call ?? 'DescribeStreamSummary');
		const text = failure ? oneLine(failure) : stoppedText;
		await record({outcome: 'unconfirmed', before: change.before, error: text, elapsedMs: now() - startedMs});
		throw failure ? unconfirmed(change, failure, error) : error;
	}
}

/**
 * A change accepted and then lost track of. It is never "failed": a script that took it so and submitted
 * it again would split a shard twice; so it says how to check first. What it changed being gone (a stream
 * deleted) is the one sure end, said as it is.
 */
function unconfirmed(
	change: {readonly what: string; readonly stream: string; readonly checkWith?: string},
	failure: ConsoleFailure,
	cause: unknown,
): ConsoleError {
	if (failure.kind === 'not-found') return new ConsoleError(failure, {cause});
	const hint = `Check before submitting it again: ${change.checkWith ?? `kinesis-console describe ${change.stream}`}.`;
	// A follow that ran out of time says so itself.
	if (failure.kind === 'unconfirmed') return new ConsoleError({kind: 'unconfirmed', message: failure.message, hint}, {cause});
	const text = oneLine(failure);
	return new ConsoleError(
		{
			kind: 'unconfirmed',
			message: `The ${change.what} was accepted, but following it failed, so whether it has finished is not known: ${text}`,
			hint,
		},
		{cause},
	);
}

/** A failure on one line, as the audit log and a wrapping message hold it. */
const oneLine = (failure: ConsoleFailure): string => formatFailure(failure).replaceAll('\n', ' ');

/** A change refused before it starts: its progress fails at the first step, as a change that Kinesis refuses does. */
// eslint-disable-next-line require-yield -- it yields no progress at all, by design
export async function* refusedChange(error: Error): AsyncGenerator<never, never> {
	throw error;
}
