import type {IncomingHttpHeaders} from 'node:http';
import {gunzipSync} from 'node:zlib';
import {CBOR_CONTENT_TYPE, decodeCbor, encodeCbor} from './cbor.js';
import {SelfEncoding} from './values.js';
import {ServiceError, internalFailure, serializationError, unknownOperation, wireError} from './errors.js';
import {DEPRECATED_JSON, accessDenied, answerHeaders, deprecatedJsonRefusal, unknownOperationXml} from './frontEnd.js';
import {EVENT_STREAM_CONTENT_TYPE, EventStreamReply, frameEvents} from './eventStream.js';
import {
	FORM_CONTENT_TYPE,
	XML_CONTENT_TYPE,
	invalidAction,
	missingAction,
	queryInput,
	readForm,
	xmlAnswer,
	xmlError,
	type QueryProtocol,
} from './query.js';
import {parseInput, type Schema} from './schema.js';
import {checkScopeRegion, scopeRegion, signedPart, verifySignature, type Credentials} from './signature.js';

/** One decoded request, whichever HTTP version carried it. */
export interface WireRequest {
	readonly method: string;
	readonly headers: IncomingHttpHeaders;
	readonly body: Buffer;
	/** The request target (path and query), for signature checks; `/` when absent. */
	readonly url?: string;
	/** Aborts when the client goes away or the engine stops: ends answers that stream. */
	readonly signal?: AbortSignal;
}

export interface WireResponse {
	readonly status: number;
	readonly headers: Record<string, string>;
	readonly body: Buffer | string;
	/** Set instead of a body for answers sent as they are produced (event streams). */
	readonly stream?: AsyncIterable<Uint8Array>;
}

export interface DispatchOptions {
	/** When set, requests must be signed with these credentials (SigV4); otherwise any well-formed signature passes. */
	readonly auth?: Credentials;
	/** The clock signatures are checked against. */
	readonly now?: () => number;
	/** Counts every request to a known action, and the ones a quota refused. */
	readonly counts?: RequestCounter;
}

/** What counting one request gives back: its action's count of refusals, to add to. */
export interface CountedAction {
	refused: number;
}

export interface RequestCounter {
	count(region: string, service: string, action: string): CountedAction;
}

/** The errors a quota refuses a request with: control-plane rates and account limits, and a shard's throughput. */
const QUOTA_ERRORS = new Set(['LimitExceededException', 'ProvisionedThroughputExceededException']);

/**
 * An action: one API operation a service serves (AWS's API references list them under "Actions"), by its
 * input schema and what runs on the checked input (the service fixes the context type).
 */
export interface Action {
	readonly schema: Schema;
	readonly run: (context: never, input: never) => Promise<object> | object;
	/**
	 * A faster reader of the action's JSON body, for a hot path: the checked input, as parseInput gives it
	 * or in a form the action takes as well, or undefined to leave the body to the general path (and any
	 * error to it). An input read into lent memory says how to give it back (LentInput): once its action
	 * has settled.
	 */
	readonly readJson?: (body: Buffer) => object | undefined;
}

/** Gives back the memory a fast reader's input was read into. */
export const releaseInput = Symbol('releaseInput');
export interface LentInput {
	readonly [releaseInput]?: () => void;
}

/** A service the engine serves on its port, known by the prefix of X-Amz-Target. */
export interface Service {
	/** How request counts name it: Kinesis, CloudWatch, DynamoDB. */
	readonly name: string;
	readonly targetPrefix: string;
	readonly actions: Readonly<Record<string, Action>>;
	/** Builds the context one request runs in; it is passed to the service's own actions only. */
	readonly contextFor: (request: {region: string}) => unknown;
	/**
	 * Takes a request from its action's quota, once its input has passed validation and before the
	 * action runs: the refusal to answer with when the quota is spent, otherwise undefined.
	 */
	readonly admit?: (action: string, input: object, region: string) => ServiceError | undefined;
	/** How the service names an error on the wire, when not as `{__type: type}` alone (CloudWatch adds its query error code). */
	readonly describeError?: (error: ServiceError) => {readonly type: string; readonly headers: Readonly<Record<string, string>>};
	/** For a service with an embedded implementation (DynamoDB): takes the request as it came, once its signature has passed. */
	readonly forward?: (request: WireRequest) => Promise<WireResponse>;
	/** For a service its older clients call with AWS's query protocol (CloudWatch): form-encoded requests, XML answers. */
	readonly query?: QueryProtocol;
}

interface Codec {
	readonly contentType: string;
	readonly decode: (body: Buffer) => unknown;
	readonly encode: (value: unknown) => Buffer | string;
}

const json: Codec = {
	contentType: 'application/x-amz-json-1.1',
	decode: (body) => JSON.parse(body.toString('utf8')),
	encode: (value) => (value instanceof SelfEncoding ? Buffer.concat(Array.from(value.json(), bytesOf)) : JSON.stringify(value)),
};
// CloudWatch and DynamoDB speak JSON 1.0: the same JSON under another name.
const json10: Codec = {...json, contentType: 'application/x-amz-json-1.0'};
const cbor: Codec = {contentType: CBOR_CONTENT_TYPE, decode: decodeCbor, encode: encodeCbor};
const codecs: Readonly<Record<string, Codec>> = {[json.contentType]: json, [json10.contentType]: json10, [cbor.contentType]: cbor};

/**
 * Turns a request into a response the way AWS's front end does, in AWS's order (as kinesalite's test
 * suite recorded it against AWS, mhart/kinesalite test/connection.js): the method; then, for a body
 * with no known action or in no content type AWS reads, a bare refusal; then the body's syntax;
 * the action; the signature's presence (and, with `auth`, its validity); the input's types and
 * constraints; then the action itself. JSON requests get JSON answers, the rest CBOR.
 * One function: that order is the behaviour, and it reads as one sequence of checks that each answer or go on.
 */
export async function dispatch(
	services: readonly Service[],
	defaultRegion: string,
	request: WireRequest,
	options: DispatchOptions = {},
): Promise<WireResponse> {
	const contentType =
		String(request.headers['content-type'] ?? '')
			.split(';')[0]
			?.trim() ?? '';
	// Everything after the first dot names the action: `Kinesis_20131202.ListStreams.Extra` is no action.
	const target = String(request.headers['x-amz-target'] ?? '');
	const dot = target.indexOf('.');
	const prefix = dot < 0 ? target : target.slice(0, dot);
	const actionName = dot < 0 ? '' : target.slice(dot + 1);
	const service = services.find((candidate) => candidate.targetPrefix === prefix);
	const served = service && Object.hasOwn(service.actions, actionName) ? service.actions[actionName] : undefined;
	// AWS answers in JSON what was asked in JSON (1.0 only of a service that speaks it), and all else in CBOR.
	const codec = contentType === json.contentType ? json : contentType === json10.contentType && service ? json10 : cbor;
	const reply = (status: number, value: object): WireResponse => {
		const headers = {'content-type': codec.contentType, ...answerHeaders()};
		if (!(value instanceof SelfEncoding) || codec === cbor) return {status, headers, body: codec.encode(value)};
		const pieces = value.json()[Symbol.iterator]();
		const first = pieces.next();
		const second = pieces.next();
		if (second.done) return {status, headers, body: first.done ? '' : first.value};
		return {status, headers, body: '', stream: paced([first.value, second.value], pieces)};
	};
	let counted: CountedAction | undefined;
	const fail = (error: ServiceError) => {
		if (counted && QUOTA_ERRORS.has(error.type)) counted.refused++;
		const described = service?.describeError?.(error) ?? {type: error.type, headers: {}};
		const response = reply(error.statusCode, wireError(error, described.type));
		return {...response, headers: {...response.headers, ...described.headers, 'x-amzn-errortype': error.type}};
	};

	try {
		if (request.method !== 'POST') return accessDenied();
		// A form without X-Amz-Target is a query-protocol call (`Action=...&Version=...`), as CloudWatch's own endpoint takes them.
		if (contentType === FORM_CONTENT_TYPE && request.headers['x-amz-target'] === undefined) {
			return await dispatchQuery(services, defaultRegion, request, options);
		}
		const region = scopeRegion(request.headers) ?? defaultRegion;
		if (service?.forward) {
			counted = options.counts?.count(region, service.name, dot < 0 ? '(none)' : actionName);
			// An embedded implementation (DynamoDB) takes the request as it came, once its signature passes.
			checkSignature(request, options);
			return await service.forward(request);
		}
		// Every request to a known action is counted, whatever refuses it.
		if (service && served) counted = options.counts?.count(region, service.name, actionName);
		if (request.body.length === 0) throw served ? serializationError() : unknownOperation();
		if (!(contentType in codecs) && contentType !== DEPRECATED_JSON) {
			return dot > 0 && actionName ? unknownOperationXml() : accessDenied();
		}
		// A fast reader's input is a well-formed structure already; otherwise the body is decoded (and its syntax
		// checked) here, as its content type says (application/json is JSON too).
		const body = decompressed(request);
		const fast = served && codec === json ? served.readJson?.(body) : undefined;
		let output: object;
		try {
			const decoded = fast === undefined ? decodeBody(codecs[contentType] ?? json, body, contentType) : undefined;
			// The oldest JSON protocol goes no further than the body's syntax.
			if (contentType === DEPRECATED_JSON)
				return deprecatedJsonRefusal(decoded === NOT_A_STRUCTURE ? 'SerializationException' : 'UnknownOperationException');
			if (!service || !served) throw unknownOperation();
			checkSignature(request, options);
			const input = fast ?? checkedInput(served.schema, decoded);
			const refusal = service.admit?.(actionName, input as object, region);
			if (refusal) throw refusal;
			const context = service.contextFor({region});
			output = await served.run(context as never, input as never);
		} finally {
			(fast as LentInput | undefined)?.[releaseInput]?.();
		}
		if (output instanceof EventStreamReply) {
			const signal = request.signal ?? new AbortController().signal;
			return {
				status: 200,
				headers: {'content-type': EVENT_STREAM_CONTENT_TYPE, ...answerHeaders()},
				body: '',
				stream: frameEvents(output.open(signal), codec.contentType, codec.encode),
			};
		}
		// An action with nothing to say (CreateStream, AddTagsToStream, ...) answers with an empty body, as AWS does.
		if (output.constructor === Object && Object.keys(output).length === 0)
			return {status: 200, headers: {'content-type': codec.contentType, ...answerHeaders()}, body: ''};
		return reply(200, output);
	} catch (error) {
		if (error instanceof ServiceError) return fail(error);
		// Unexpected: answer as AWS does and keep serving. The request itself is not logged: it may hold secrets.
		console.error('kinesis-console engine: internal failure:', error instanceof Error ? error.stack : error);
		return fail(internalFailure());
	}
}

function checkSignature(request: WireRequest, options: DispatchOptions): void {
	checkSignaturePresent(request.headers, request.url ?? '/');
	if (options.auth) verifySignature(signedPart(request), options.auth, (options.now ?? Date.now)());
	else checkScopeRegion(request.headers);
}

/**
 * A query-protocol call, in the same order as a JSON one: the action (Action and Version), the
 * signature, the parameters' types and constraints, then the action itself; answers and errors in XML.
 */
async function dispatchQuery(
	services: readonly Service[],
	defaultRegion: string,
	request: WireRequest,
	options: DispatchOptions,
): Promise<WireResponse> {
	const headers: Record<string, string> = {'content-type': XML_CONTENT_TYPE, ...answerHeaders()};
	const requestId = headers['x-amzn-requestid'] ?? '';
	const queryServices = services.filter((candidate) => candidate.query !== undefined);
	const region = scopeRegion(request.headers) ?? defaultRegion;
	let service: Service | undefined;
	let counted: CountedAction | undefined;
	try {
		const params = readForm(decompressed(request));
		const action = params.get('Action');
		const version = params.get('Version');
		if (action === undefined || action === '') throw missingAction();
		service = queryServices.find((candidate) => candidate.query?.version === version);
		const served = service && Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
		if (!service?.query || !served) throw invalidAction(action, version);
		counted = options.counts?.count(region, service.name, action);
		checkSignature(request, options);
		const input = checkedInput(served.schema, queryInput(served.schema, params));
		const refusal = service.admit?.(action, input as object, region);
		if (refusal) throw refusal;
		const output = await served.run(service.contextFor({region}) as never, input as never);
		return {status: 200, headers, body: xmlAnswer(action, service.query, output, requestId)};
	} catch (caught) {
		const error = caught instanceof ServiceError ? caught : unexpected(caught);
		if (counted && QUOTA_ERRORS.has(error.type)) counted.refused++;
		const described = service?.describeError?.(error);
		// Codes from the JSON error's query-compatible header (`InvalidParameterValue;Sender`), else the front end's own.
		const code = described?.headers['x-amzn-query-error']?.split(';')[0] ?? QUERY_FRONT_END_CODES[error.type]?.[0] ?? error.type;
		const status = QUERY_FRONT_END_CODES[error.type]?.[1] ?? error.statusCode;
		// Before the Version is known to name a service, errors come in the first query service's XML namespace.
		const protocol = (service ?? queryServices[0])?.query ?? {version: '', xmlNamespace: ''};
		return {status, headers, body: xmlError(protocol, code, error.message, status, requestId)};
	}
}

/**
 * The codes and statuses query APIs give the front end's errors, which JSON APIs name otherwise
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html); a bad or expired
 * signature is SignatureDoesNotMatch, as STS answers it.
 */
const QUERY_FRONT_END_CODES: Readonly<Record<string, readonly [string, number]>> = {
	MissingAuthenticationTokenException: ['MissingAuthenticationToken', 403],
	IncompleteSignatureException: ['IncompleteSignature', 400],
	InvalidSignatureException: ['SignatureDoesNotMatch', 403],
	UnrecognizedClientException: ['InvalidClientTokenId', 403],
	SerializationException: ['MalformedQueryString', 400],
};

function unexpected(error: unknown): ServiceError {
	// Answered as AWS does; the request itself is not logged: it may hold secrets.
	console.error('kinesis-console engine: internal failure:', error instanceof Error ? error.stack : error);
	return internalFailure();
}

// Bodies inflate to at most what the port accepts uncompressed.
const MAX_INFLATED_BYTES = 10 * 1024 * 1024;

/**
 * The body, inflated when the client compressed it: the SDKs gzip CloudWatch's PutMetricData bodies
 * of 10 KiB and more (its service model's `requestcompression`). The signature covers the compressed bytes.
 */
function decompressed(request: WireRequest): Buffer {
	if (request.headers['content-encoding'] !== 'gzip') return request.body;
	try {
		return gunzipSync(request.body, {maxOutputLength: MAX_INFLATED_BYTES});
	} catch {
		throw serializationError('The request body could not be decompressed (Content-Encoding: gzip).');
	}
}

// As unknown: the dispatcher only passes the input on, and TypeScript gives up inferring parseInput's type for any schema inside the `??` above.
const checkedInput = (schema: Schema, body: unknown): unknown => parseInput(schema, body);

/** Marks a body of the oldest JSON protocol that is no structure, which that protocol refuses in its own envelope. */
const NOT_A_STRUCTURE = Symbol('not a structure');

/** The decoded body; a body that does not parse, or is a bare value (null, true, 42, "text"), is refused without a message, as AWS does. */
function decodeBody(codec: Codec, body: Buffer, contentType: string): unknown {
	let decoded: unknown;
	try {
		decoded = codec.decode(body);
	} catch {
		decoded = undefined;
	}
	if (typeof decoded === 'object' && decoded !== null) return decoded;
	if (contentType === DEPRECATED_JSON) return NOT_A_STRUCTURE;
	throw serializationError();
}

/**
 * The pieces of a large answer, with the event loop let in between them: building a 10,000-record
 * GetRecords answer in one go would hold up every other request, and the HTTP/2 window updates that
 * let answers already built flow on to their clients.
 */
async function* paced(firstPieces: ReadonlyArray<string | Buffer>, rest: Iterator<string | Buffer>): AsyncGenerator<Uint8Array> {
	for (const piece of firstPieces) yield bytesOf(piece);
	for (let next = rest.next(); !next.done; next = rest.next()) {
		await new Promise((resolve) => setImmediate(resolve));
		yield bytesOf(next.value);
	}
}

const bytesOf = (piece: string | Buffer): Buffer => (typeof piece === 'string' ? Buffer.from(piece) : piece);

/** The parts an Authorization header must have, each with its pattern made once (every request is checked). */
const AUTHORIZATION_PARTS = ['Credential', 'Signature', 'SignedHeaders'].map((part) => ({part, pattern: new RegExp(`[ ,]${part}=[^, ]`)}));

/**
 * A signature in the Authorization header or in the query string (a presigned request), and not both,
 * with every part present. AWS's texts, as kinesalite's suite recorded them (test/connection.js).
 */
function checkSignaturePresent(headers: IncomingHttpHeaders, url: string): void {
	const authorization = headers.authorization;
	const queryStart = url.indexOf('?');
	// Most requests have no query string: none is parsed for them.
	const query = queryStart < 0 ? undefined : new URLSearchParams(url.slice(queryStart + 1));
	const presigned = query?.has('X-Amz-Algorithm') ?? false;
	if (authorization && presigned) {
		throw new ServiceError(
			'InvalidSignatureException',
			"Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
		);
	}
	if (!authorization && !presigned) throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
	if (!authorization) {
		const missing = QUERY_SIGNATURE_PARAMETERS.filter((name) => !query?.get(name));
		const messages = missing.map((name) => `AWS query-string parameters must include '${name}'.`);
		if (messages.length > 0)
			throw new ServiceError('IncompleteSignatureException', `${messages.join(' ')} Re-examine the query-string parameters.`);
		return;
	}
	const missing = AUTHORIZATION_PARTS.filter(({pattern}) => !pattern.test(authorization)).map(({part}) => part);
	const messages = missing.map((part) => `Authorization header requires '${part}' parameter.`);
	if (!headers['x-amz-date'] && !headers.date) {
		messages.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
	}
	// AWS echoes the header back (a signature is no secret: it is good for this one request only).
	if (messages.length > 0) throw new ServiceError('IncompleteSignatureException', `${messages.join(' ')} Authorization=${authorization}`);
}

const QUERY_SIGNATURE_PARAMETERS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'];
