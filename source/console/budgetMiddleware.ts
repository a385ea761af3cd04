import type {FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext, MetadataBearer, MiddlewareStack} from '@smithy/types';
import {inputSignal} from './aws/callSignals.js';
import type {RequestBudget} from './requestBudget.js';

/** The request members a quota's scope is read from. */
interface Scoped {
	readonly StreamName?: unknown;
	readonly StreamARN?: unknown;
	readonly ConsumerARN?: unknown;
	readonly ShardId?: unknown;
}

const STREAM_IN_ARN = /:stream\/([^/:\s]+)/;

/** What AWS counts a call against beyond its account and region: the stream, and the shard or consumer where it applies. */
export function scopeOf(input: unknown): string {
	const named = (input ?? {}) as Scoped;
	let stream = typeof named.StreamName === 'string' ? named.StreamName : undefined;
	for (const arn of [named.StreamARN, named.ConsumerARN]) {
		if (stream === undefined && typeof arn === 'string') stream = STREAM_IN_ARN.exec(arn)?.[1];
	}
	const parts = [stream ?? ''];
	if (typeof named.ConsumerARN === 'string') parts.push(named.ConsumerARN);
	if (typeof named.ShardId === 'string') parts.push(named.ShardId);
	return parts.join('|');
}

/** Makes a call once the budget lets it, and tells the budget if AWS throttled it. */
export async function withinBudget<T>(
	budget: RequestBudget,
	isThrottle: (error: unknown) => boolean,
	operation: string,
	scope: string,
	signal: AbortSignal | undefined,
	call: () => Promise<T>,
): Promise<T> {
	await budget.take(operation, scope, signal);
	try {
		return await call();
	} catch (error) {
		if (isThrottle(error)) budget.throttled(operation, scope);
		throw error;
	}
}

/**
 * Makes every HTTP attempt of a client's calls (the SDK's own retries too, hence inside its retry
 * middleware) wait for the budget, and tells the budget of each throttling answer. It sits before
 * signing, so that a long wait never sends an expired signature.
 */
export function attachBudget(
	client: {readonly middlewareStack: MiddlewareStack<object, MetadataBearer>},
	budget: RequestBudget,
	isThrottle: (error: unknown) => boolean,
): void {
	client.middlewareStack.addRelativeTo(
		(next: FinalizeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => async (args: FinalizeHandlerArguments<object>) => {
			const operation = context.commandName?.replace(/Command$/, '') ?? '';
			const scope = scopeOf(args.input);
			const signal = inputSignal(args.input) ?? (context.__smithy_context?.abortSignal as AbortSignal | undefined);
			return withinBudget(budget, isThrottle, operation, scope, signal, () => next(args));
		},
		{name: 'requestBudget', relation: 'before', toMiddleware: 'httpSigningMiddleware', override: true},
	);
}
