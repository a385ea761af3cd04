import type {DeserializeHandler, DeserializeHandlerArguments, MetadataBearer, MiddlewareStack} from '@smithy/types';

/**
 * Each call's abort signal, carried without the SDK's per-call options. The SDK resolves a client's
 * whole middleware stack again for every call made with options (`send(command, {abortSignal})`, as
 * every reader of the console calls); only a call without them, on a client made with
 * `cacheMiddleware: true`, reuses the handler it resolved for that command class (@smithy/core's
 * Client.send: `useHandlerCache = options === undefined && this.config.cacheMiddleware === true`). That
 * resolution was a sixth of a tail's CPU per call. So `send` takes the signal out of the options and
 * keeps it here, by the command's input: the request budget (budgetMiddleware.ts) reads it there, and
 * the connection's HTTP handlers (httpHandlers.ts) read it by the request of each attempt.
 *
 * A cached handler shares one context among the calls of its command class: what the SDK writes there
 * per call (the endpoint and auth scheme) is the same for all of a connection's calls of a class.
 */
const byInput = new WeakMap<object, AbortSignal>();
const byRequest = new WeakMap<object, AbortSignal>();

/** The signal a call was sent with, by its command's input. */
export const inputSignal = (input: unknown): AbortSignal | undefined =>
	typeof input === 'object' && input !== null ? byInput.get(input) : undefined;

/** The signal of the call an HTTP request (one attempt of it) belongs to. */
export const requestSignal = (request: unknown): AbortSignal | undefined =>
	typeof request === 'object' && request !== null ? byRequest.get(request) : undefined;

interface SendingClient {
	readonly middlewareStack: MiddlewareStack<object, MetadataBearer>;
	send(command: {readonly input: object}, options?: unknown, callback?: unknown): Promise<unknown> | void;
}

/** The SDK's error for an aborted call (@smithy/core's retry middleware and node-http-handler make the same). */
const abortError = (signal: AbortSignal) =>
	Object.assign(new Error('Request aborted'), {name: 'AbortError', ...(signal.reason instanceof Error ? {cause: signal.reason} : {})});

/**
 * Makes the client's `send(command, {abortSignal})` a call without options, its signal kept here; any
 * other options, a callback, or an input already in flight with a signal of its own go to the SDK as given.
 */
export function sendWithCachedHandlers<Client extends SendingClient>(client: Client): Client {
	// Innermost, after signing: the request it sees is the one the HTTP handler is given.
	client.middlewareStack.add(
		(next: DeserializeHandler<object, MetadataBearer>) => (args: DeserializeHandlerArguments<object>) => {
			const signal = inputSignal(args.input);
			if (signal && typeof args.request === 'object' && args.request !== null) byRequest.set(args.request, signal);
			return next(args);
		},
		{step: 'deserialize', priority: 'low', name: 'callSignal', override: true},
	);
	const send = client.send.bind(client);
	const cachedSend = (command: {readonly input: object}, options?: unknown, callback?: unknown): Promise<unknown> | void => {
		if (options === undefined && callback === undefined) return send(command);
		const signal = onlySignal(options);
		if (signal === undefined || callback !== undefined) return send(command, options, callback);
		if (signal === null) return send(command);
		const input = command.input;
		if (signal.aborted || byInput.has(input)) return send(command, options);
		byInput.set(input, signal);
		const call = send(command) as Promise<unknown>;
		// As the SDK's retry middleware does with the signal: the call ends when it aborts, even between attempts.
		return new Promise((resolve, reject) => {
			const abort = () => reject(abortError(signal));
			signal.addEventListener('abort', abort, {once: true});
			call.then(resolve, reject).finally(() => {
				signal.removeEventListener('abort', abort);
				byInput.delete(input);
			});
		});
	};
	// send's overloads (with and without a callback) are not expressible on an assignment.
	(client as unknown as {send: typeof cachedSend}).send = cachedSend;
	return client;
}

/** The options' signal; null for options with nothing in them; undefined for any other options. */
function onlySignal(options: unknown): AbortSignal | null | undefined {
	if (typeof options !== 'object' || options === null) return undefined;
	const keys = Object.keys(options);
	if (keys.length === 0) return null;
	const signal = (options as {abortSignal?: unknown}).abortSignal;
	return keys.length === 1 && signal instanceof AbortSignal ? signal : undefined;
}
