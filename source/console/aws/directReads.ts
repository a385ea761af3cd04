import {Readable} from 'node:stream';
import {
	GetRecords$,
	GetRecordsCommand,
	GetShardIterator$,
	GetShardIteratorCommand,
	type GetRecordsCommandInput,
	type GetRecordsCommandOutput,
	type GetShardIteratorCommandInput,
	type GetShardIteratorCommandOutput,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import {userAgentMiddleware} from '@aws-sdk/core/client';
import {AwsSdkSigV4Signer} from '@aws-sdk/core/httpAuthSchemes';
import type {AwsCredentialIdentity, HttpRequest as Request, HttpResponse, OperationSchema, StaticOperationSchema} from '@smithy/types';
import {SHARD_READS_PER_SECOND} from '../apiQuotas.js';
import {scopeOf, withinBudget} from '../budgetMiddleware.js';
import {MAX_SOCKETS} from '../httpHandlers.js';
import type {RequestBudget} from '../requestBudget.js';
import {shardCallRequest, type ShardCall} from './shardCallRequest.js';
import type {ShardHttp} from './shardHttp.js';

/**
 * A shard reader's two calls, GetShardIterator and GetRecords, made without the SDK's middleware stack:
 * the request written and signed by aws/shardCallRequest.ts, sent by aws/shardHttp.ts, the
 * answer read by the client's protocol (its GetRecords and GetShardIterator readers, its error reader:
 * aws/kinesisProtocol.ts). A tail of thousands of shards is thousands of calls a second, mostly empty; the
 * stack (its endpoint rules, user agent, retry and checksum steps, each an async turn) was over half of
 * each call's CPU (715 µs a call through the SDK, against 280 through its signer and handler alone in
 * bench/callCost.ts, before the SDK's serializer and signer were left out too). The reader retries on its
 * own schedule (shardReader.ts), so the SDK's retries are not missed; the request budget is taken here as
 * its middleware would (budgetMiddleware.ts). They carry the user agent the SDK's middleware would write,
 * worked out once, so that AWS's records of the account (CloudTrail's userAgent) name the client. A client
 * the connection did not make (connect.ts) is sent to as usual.
 */
export interface ShardCalls {
	/** Calls in flight at most that their transport carries without one waiting for a connection. */
	readonly maxInFlight: number;
	/** Their transport's shortest recent round trip in ms, if it measures one (aws/shardHttp.ts). */
	readonly roundTripMs: () => number | undefined;
	/** GetRecords a second on one shard at most, every reader together: the connection's share (apiQuotas.ts), else AWS's 5. */
	readonly readsPerShard: number;
	getShardIterator(input: GetShardIteratorCommandInput, signal: AbortSignal): Promise<GetShardIteratorCommandOutput>;
	getRecords(input: GetRecordsCommandInput, signal: AbortSignal): Promise<GetRecordsCommandOutput>;
}

interface Direct {
	/** Their transport (aws/shardHttp.ts). */
	readonly http: ShardHttp;
	readonly budget: RequestBudget;
	readonly isThrottle: (error: unknown) => boolean;
	/** The endpoint the connection was given (--endpoint-url, a profile's endpoint_url), if any; else AWS's, by the client's own rules. */
	readonly endpoint: string | undefined;
}

const directs = new WeakMap<KinesisClient, Direct>();
const clockSkew = new AwsSdkSigV4Signer();
const callers = new WeakMap<KinesisClient, ShardCalls>();

/** Lets the shard readers on `client` send their calls directly (connect.ts, for the connection's Kinesis client). */
export function sendShardCallsDirectly(client: KinesisClient, direct: Direct): void {
	directs.set(client, direct);
	callers.delete(client);
}

/** The client's shard calls: direct for a connection's client, through `send` for any other. */
export function shardCallsOf(client: KinesisClient): ShardCalls {
	let calls = callers.get(client);
	if (!calls) {
		const direct = directs.get(client);
		calls = direct ? directCalls(client, direct) : sdkCalls(client);
		callers.set(client, calls);
	}
	return calls;
}

/**
 * The shard calls in flight at most on the console's own transport: as many as a far region's round trip
 * needs (tail/pollScheduler.ts). The KCL puts no bound on its Kinesis client's
 * (KinesisClientUtil.adjustKinesisClientBuilder: maxConcurrency(Integer.MAX_VALUE)).
 */
export const MAX_SHARD_CALLS_IN_FLIGHT = 256;

/**
 * Connections a tail's calls leave to shard readers outside its scheduler (the dashboard's traffic sample,
 * retention's look), so that its calls never wait for one.
 */
const SPARE_SOCKETS = 2;

/** The transport's connections (connect.ts gives it these). */
export const SHARD_CALL_SOCKETS = MAX_SHARD_CALLS_IN_FLIGHT + SPARE_SOCKETS;

function sdkCalls(client: KinesisClient): ShardCalls {
	return {
		// The HTTP agent's sockets, less a couple for the client's other calls.
		maxInFlight: MAX_SOCKETS - SPARE_SOCKETS,
		roundTripMs: () => undefined,
		// A client made elsewhere has no budget of the console's to say its share.
		readsPerShard: SHARD_READS_PER_SECOND,
		getShardIterator: (input, signal) => client.send(new GetShardIteratorCommand(input), {abortSignal: signal}),
		getRecords: (input, signal) => client.send(new GetRecordsCommand(input), {abortSignal: signal}),
	};
}

/** What a direct call reads of the client's resolved config (present on every client the SDK makes). */
interface ResolvedConfig {
	readonly protocol: {
		deserializeResponse<Output>(schema: OperationSchema, context: object, response: HttpResponse): Promise<Output>;
	};
	readonly credentials: () => Promise<AwsCredentialIdentity>;
	readonly region: () => Promise<string>;
	readonly useFipsEndpoint: () => Promise<boolean>;
	readonly useDualstackEndpoint: () => Promise<boolean>;
	readonly endpointProvider: (parameters: {Region: string; UseFIPS: boolean; UseDualStack: boolean}) => {url: URL};
	readonly systemClockOffset: number;
	/** Whether the clock's skew is left uncorrected (AWS_DISABLE_CLOCK_SKEW_CORRECTION, a profile's disable_clock_skew_correction). */
	readonly disableClockSkewCorrection?: () => Promise<boolean>;
	readonly signingName?: string;
	readonly streamCollector: (body: unknown) => Promise<Uint8Array>;
}

function directCalls(client: KinesisClient, direct: Direct): ShardCalls {
	const config = client.config as unknown as ResolvedConfig;
	// What the protocol reads of its context: the config's serde functions. Made once; the SDK spreads the
	// whole config into a new context for every call.
	const context = {...client.config, streamCollector: collectorFor(config.streamCollector)};
	// The connection's endpoint, or the one the client's endpoint rules pick for its region and its FIPS and
	// dual-stack settings (AWS_USE_FIPS_ENDPOINT, a profile's use_fips_endpoint...), as its own calls go to.
	const endpointUrl = async (): Promise<URL> => {
		if (direct.endpoint !== undefined) return new URL(direct.endpoint);
		const [Region, UseFIPS, UseDualStack] = await Promise.all([config.region(), config.useFipsEndpoint(), config.useDualstackEndpoint()]);
		return new URL(config.endpointProvider({Region, UseFIPS, UseDualStack}).url.href);
	};
	// As the SDK's signer: unless told not to, calls are signed at the clock corrected by its skew, and each
	// answer's Date corrects that skew.
	const correctsSkew = (): Promise<boolean> =>
		Promise.resolve(config.disableClockSkewCorrection?.()).then(
			(disabled) => disabled !== true,
			() => true,
		);
	// What is the same for every call, worked out once (again after a failure) and awaited as one: a tail's
	// start is thousands of calls, each await a turn.
	let fixed: Promise<{url: URL; correcting: boolean; region: string; headers: Readonly<Record<string, string>>}> | undefined;
	const forget = () => {
		fixed = undefined;
	};
	const fixedParts = () =>
		(fixed ??= Promise.all([endpointUrl(), correctsSkew(), config.region(), userAgentHeaders(client.config, forget)]).then(
			([url, correcting, region, headers]) => ({url, correcting, region, headers}),
			(error: unknown) => {
				forget();
				throw error;
			},
		));
	const send = <Output>(call: ShardCall, schema: StaticOperationSchema, signal: AbortSignal): Promise<Output> =>
		withinBudget(direct.budget, direct.isThrottle, call.operation, scopeOf(call.input), signal, async () => {
			const {url, correcting, region, headers} = await fixedParts();
			const signing = {
				endpoint: url,
				region,
				service: config.signingName ?? 'kinesis',
				credentials: await config.credentials(),
				nowMs: Date.now() + (correcting ? config.systemClockOffset : 0),
				headers,
			};
			const sentAt = Date.now();
			const response = await direct.http.request(shardCallRequest(call, signing), signal);
			// The SDK's signer's own step after every answer: the service's Date corrects the client's clock's offset,
			// so that a clock that jumped (a laptop woken from sleep) is followed, and a call refused as signed too
			// early or too late is signed in time when it is tried again.
			if (correcting) clockSkew.successHandler(response, {config, _requestSentAt: sentAt});
			return config.protocol.deserializeResponse<Output>(operationSchema(schema), context, response as unknown as HttpResponse);
		});
	return {
		maxInFlight: direct.http.maxSockets - SPARE_SOCKETS,
		readsPerShard: direct.budget.readsPerShard,
		roundTripMs: () => direct.http.roundTripMs(),
		getShardIterator: (input, signal) => send({operation: 'GetShardIterator', input}, GetShardIterator$, signal),
		getRecords: (input, signal) => send({operation: 'GetRecords', input}, GetRecords$, signal),
	};
}

/**
 * The headers the SDK's user agent middleware writes on a call of this client (the same on every call).
 * Should that fail, the call goes without them and the next one tries again (`forget`): a missing user
 * agent is no reason to fail a read.
 */
async function userAgentHeaders(config: object, forget: () => void): Promise<Readonly<Record<string, string>>> {
	let written: Record<string, string> = {};
	const capture = (args: {request: unknown}) => {
		written = (args.request as Request).headers;
		return Promise.resolve({output: {}, response: {}});
	};
	// What the middleware takes for an HTTP request (HttpRequest.isInstance); it writes the headers into it.
	const probe = {protocol: 'https:', hostname: 'kinesis', method: 'POST', path: '/', query: {}, headers: {}};
	try {
		await userAgentMiddleware(config as Parameters<typeof userAgentMiddleware>[0])(capture, {})({input: {}, request: probe});
	} catch {
		forget();
		return {};
	}
	return written;
}

/**
 * An answer's body in one piece, handed on in a turn of the event loop of its own (`parseTurn`): as
 * shardHttp.ts read it, or a Node stream read as it comes (not piped into a Writable as the SDK's
 * collector does for every call); any other body by the SDK's own.
 */
function collectorFor(sdkCollector: (body: unknown) => Promise<Uint8Array>): (body: unknown) => Promise<Uint8Array> {
	return async (body) => {
		const bytes = body instanceof Uint8Array ? body : body instanceof Readable ? await collect(body) : await sdkCollector(body);
		await parseTurn();
		return bytes;
	};
}

function collect(body: Readable): Promise<Uint8Array> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		body.on('data', (chunk: Buffer) => chunks.push(chunk));
		body.once('error', reject);
		body.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
	});
}

const parseQueue: Array<() => void> = [];

/**
 * Resolves in a turn of the event loop of its own, one waiter a turn: answers that arrive together (a
 * dozen shards' in one poll of the sockets) are otherwise parsed back to back, a millisecond or more
 * each at thousands of records, ahead of a key pressed meanwhile, which is read only in the next poll
 * (issue 18: a key answered within 50 ms under a 50,000 records/s tail).
 */
function parseTurn(): Promise<void> {
	return new Promise((resolve) => {
		parseQueue.push(resolve);
		if (parseQueue.length === 1) setImmediate(releaseParseTurn);
	});
}

function releaseParseTurn(): void {
	parseQueue.shift()?.();
	if (parseQueue.length > 0) setImmediate(releaseParseTurn);
}

/** An operation's schema as the protocol takes it (@smithy/core's schema middleware makes the same from the static one). */
const shapes = new WeakMap<StaticOperationSchema, OperationSchema>();
function operationSchema(schema: StaticOperationSchema): OperationSchema {
	let shape = shapes.get(schema);
	if (!shape) {
		const [, namespace, name, traits, input, output] = schema;
		shape = {name, namespace, traits, input, output} as OperationSchema;
		shapes.set(schema, shape);
	}
	return shape;
}
