import type {WireRequest, WireResponse} from '../protocol/dispatch.js';
import {ServiceError} from '../protocol/errors.js';
import {answerHeaders} from '../protocol/frontEnd.js';
import {checkScopeRegion, scopeRegion, signedPart, verifySignature, type Credentials} from '../protocol/signature.js';
import type {Store} from '../store/store.js';
import {Mappings, type Mapping, type MappingSettings} from './mappings.js';

/**
 * Lambda's event source mapping operations (CreateEventSourceMapping, GetEventSourceMapping,
 * ListEventSourceMappings, UpdateEventSourceMapping, DeleteEventSourceMapping) on the engine's port,
 * in Lambda's REST-JSON protocol: routed by method and path under /2015-03-31/event-source-mappings/,
 * errors named by the x-amzn-errortype header. Mappings are kept with AWS's validation and state
 * transitions, in the engine's store (mappings.ts); no function exists or runs, so nothing is ever read
 * from a stream or processed.
 */

const PREFIX = '/2015-03-31/event-source-mappings/';
/** The engine's one account, as in every ARN it makes. */
const ACCOUNT = '000000000000';

export interface LambdaService {
	/** Whether the request is one of Lambda's (its path), to be handled here rather than by the X-Amz-Target dispatcher. */
	readonly serves: (request: WireRequest) => boolean;
	readonly handle: (request: WireRequest) => Promise<WireResponse>;
}

export function lambdaService(options: {
	readonly now: () => number;
	readonly defaultRegion: string;
	readonly transitionMs: number;
	readonly store: Store;
	readonly auth?: Credentials;
}): LambdaService {
	const mappings = new Mappings(options.now, options.transitionMs, options.store);
	return {
		serves: (request) => (request.url ?? '').startsWith(PREFIX.slice(0, -1)),
		handle: async (request) => {
			try {
				if (!/Credential=/.test(String(request.headers.authorization ?? '')))
					throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
				if (options.auth) verifySignature(signedPart(request), options.auth, options.now());
				else checkScopeRegion(request.headers);
				const region = scopeRegion(request.headers) ?? options.defaultRegion;
				const url = new URL(request.url ?? '/', 'http://engine');
				const id = decodeURIComponent(url.pathname.slice(PREFIX.length));
				const body = request.body.length === 0 ? {} : (JSON.parse(request.body.toString('utf8')) as Record<string, unknown>);
				return await route(mappings, region, request.method, id, url.searchParams, body);
			} catch (error) {
				if (error instanceof SyntaxError)
					return failure(new ServiceError('InvalidRequestContentException', 'Could not parse request body into json', 400));
				if (error instanceof ServiceError) return failure(error);
				console.error('kinesis-console engine: internal failure:', error instanceof Error ? error.stack : error);
				return failure(new ServiceError('ServiceException', 'An internal error occurred.', 500));
			}
		},
	};
}

async function route(
	mappings: Mappings,
	region: string,
	method: string,
	id: string,
	query: URLSearchParams,
	body: Record<string, unknown>,
): Promise<WireResponse> {
	if (id === '') {
		if (method === 'POST') return answer(202, mappings.describe(await create(mappings, region, body)));
		if (method === 'GET') return answer(200, list(mappings, region, query));
	} else {
		const mapping = mappings.get(region, id);
		if (!mapping)
			throw new ServiceError(
				'ResourceNotFoundException',
				`The resource you requested does not exist. (Service: Lambda, Status Code: 404)`,
				404,
			);
		if (method === 'GET') return answer(200, mappings.describe(mapping));
		const state = mappings.stateOf(mapping);
		if (method === 'PUT' || method === 'DELETE') {
			if (state !== 'Enabled' && state !== 'Disabled')
				throw new ServiceError(
					'ResourceInUseException',
					`Cannot ${method === 'PUT' ? 'update' : 'delete'} the event source mapping because it is in use.`,
					400,
				);
			if (method === 'DELETE') return answer(202, mappings.describe(await mappings.delete(mapping)));
			const enabled = optional(body, 'Enabled', 'boolean') as boolean | undefined;
			return answer(202, mappings.describe(await mappings.update(mapping, settingsOf(body), enabled)));
		}
	}
	throw new ServiceError('UnknownOperationException', '', 404);
}

function create(mappings: Mappings, region: string, body: Record<string, unknown>): Promise<Mapping> {
	const eventSourceArn = required(body, 'EventSourceArn');
	const functionName = required(body, 'FunctionName');
	const functionArn = functionArnOf(functionName, region);
	if (!/^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[a-zA-Z0-9_.-]+(\/consumer\/[a-zA-Z0-9_.-]+:\d+)?$/.test(eventSourceArn))
		throw invalidParameter(
			`Unsupported event source type for this engine: ${eventSourceArn} (it serves Kinesis streams and their consumers).`,
		);
	const startingPosition = optional(body, 'StartingPosition', 'string') as string | undefined;
	// AWS: a Kinesis source needs a StartingPosition (TRIM_HORIZON, LATEST or AT_TIMESTAMP).
	if (startingPosition === undefined) throw invalidParameter('StartingPosition must be provided for an Amazon Kinesis event source.');
	if (!['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'].includes(startingPosition))
		throw validation(
			`Value '${startingPosition}' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_TIMESTAMP]`,
		);
	const timestamp = optional(body, 'StartingPositionTimestamp', 'number') as number | undefined;
	if (startingPosition === 'AT_TIMESTAMP' && timestamp === undefined)
		throw invalidParameter('StartingPositionTimestamp must be provided with the AT_TIMESTAMP StartingPosition.');
	const existing = mappings
		.list(region)
		.find((mapping) => mapping.eventSourceArn === eventSourceArn && mapping.functionArn === functionArn);
	if (existing)
		throw new ServiceError(
			'ResourceConflictException',
			`An event source mapping with Kinesis arn " ${eventSourceArn} " and function " ${functionName} " already exists. Please update or delete the existing mapping with UUID ${existing.uuid}`,
			409,
		);
	return mappings.create({
		region,
		eventSourceArn,
		functionArn,
		startingPosition,
		...(timestamp === undefined ? {} : {startingPositionTimestamp: timestamp}),
		settings: {...DEFAULTS, ...settingsOf(body)},
		enabled: (optional(body, 'Enabled', 'boolean') as boolean | undefined) ?? true,
	});
}

/** AWS's defaults for a Kinesis source (CreateEventSourceMapping). */
const DEFAULTS: MappingSettings = {
	BatchSize: 100,
	MaximumBatchingWindowInSeconds: 0,
	ParallelizationFactor: 1,
	BisectBatchOnFunctionError: false,
	MaximumRetryAttempts: -1,
	MaximumRecordAgeInSeconds: -1,
	TumblingWindowInSeconds: 0,
	FunctionResponseTypes: [],
	DestinationConfig: {},
};

/** The settings a request gives, each checked against the API reference's range. */
function settingsOf(body: Record<string, unknown>): Partial<MappingSettings> {
	const settings: Record<string, unknown> = {};
	const ranges: ReadonlyArray<readonly [keyof MappingSettings, number, number]> = [
		['BatchSize', 1, 10_000],
		['MaximumBatchingWindowInSeconds', 0, 300],
		['ParallelizationFactor', 1, 10],
		['MaximumRetryAttempts', -1, 10_000],
		['MaximumRecordAgeInSeconds', -1, 604_800],
		['TumblingWindowInSeconds', 0, 900],
	];
	for (const [name, min, max] of ranges) {
		const value = optional(body, name, 'number') as number | undefined;
		if (value === undefined) continue;
		const member = name[0]?.toLowerCase() + name.slice(1);
		if (!Number.isInteger(value) || value < min)
			throw validation(
				`Value '${value}' at '${member}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
			);
		if (value > max)
			throw validation(`Value '${value}' at '${member}' failed to satisfy constraint: Member must have value less than or equal to ${max}`);
		settings[name] = value;
	}
	const age = settings.MaximumRecordAgeInSeconds as number | undefined;
	// AWS: -1 (infinite), or 60 to 604,800 seconds.
	if (age !== undefined && age !== -1 && age < 60)
		throw invalidParameter('MaximumRecordAgeInSeconds must be -1 (infinite) or between 60 and 604800.');
	const bisect = optional(body, 'BisectBatchOnFunctionError', 'boolean');
	if (bisect !== undefined) settings.BisectBatchOnFunctionError = bisect;
	const types = body.FunctionResponseTypes;
	if (types !== undefined) {
		if (!Array.isArray(types) || types.some((type) => type !== 'ReportBatchItemFailures'))
			throw validation(
				"Value at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy enum value set: [ReportBatchItemFailures]",
			);
		settings.FunctionResponseTypes = types as string[];
	}
	const destination = body.DestinationConfig as {OnFailure?: {Destination?: unknown}} | undefined;
	if (destination !== undefined) {
		const target = destination.OnFailure?.Destination;
		if (target !== undefined && (typeof target !== 'string' || !/^arn:aws[a-z-]*:(sqs|sns|s3|kafka):/.test(target)))
			throw invalidParameter(
				'The provided destination config DestinationConfig(OnFailure=...) is invalid: an on-failure destination is an SQS queue, SNS topic, S3 bucket or Kafka ARN.',
			);
		settings.DestinationConfig = target === undefined ? {} : {OnFailure: {Destination: target}};
	}
	if (body.MetricsConfig !== undefined) settings.MetricsConfig = body.MetricsConfig;
	return settings as Partial<MappingSettings>;
}

function list(mappings: Mappings, region: string, query: URLSearchParams): Record<string, unknown> {
	const source = query.get('EventSourceArn');
	const functionName = query.get('FunctionName');
	const functionArn = functionName === null ? undefined : functionArnOf(functionName, region);
	const maxItems = Number(query.get('MaxItems') ?? 100);
	if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10_000)
		throw validation(
			`Value '${query.get('MaxItems')}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
		);
	const matching = mappings
		.list(region)
		.filter(
			(mapping) =>
				(source === null || mapping.eventSourceArn === source) && (functionArn === undefined || mapping.functionArn === functionArn),
		)
		.sort((a, b) => a.uuid.localeCompare(b.uuid));
	const marker = query.get('Marker');
	const start = marker === null ? 0 : matching.findIndex((mapping) => mapping.uuid > marker);
	const page = start < 0 ? [] : matching.slice(start, start + maxItems);
	const last = page.at(-1);
	const more = start >= 0 && start + maxItems < matching.length && last !== undefined;
	return {EventSourceMappings: page.map((mapping) => mappings.describe(mapping)), ...(more ? {NextMarker: last.uuid} : {})};
}

/** A function's ARN from its name, partial ARN or ARN (the engine has no functions: any well-formed name is taken). */
function functionArnOf(name: string, region: string): string {
	const match =
		/^(arn:aws[a-zA-Z-]*:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d:)?(\d{12}:)?(function:)?([a-zA-Z0-9_-]+)(:(\$LATEST|[a-zA-Z0-9_-]+))?$/.exec(
			name,
		);
	if (!match || name.length > 140)
		throw validation(
			`Value '${name}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
		);
	const functionRegion = match[2]?.slice(0, -1) ?? region;
	const account = match[4]?.slice(0, -1) ?? ACCOUNT;
	return `arn:aws:lambda:${functionRegion}:${account}:function:${match[6] ?? ''}${match[7] ?? ''}`;
}

function required(body: Record<string, unknown>, name: string): string {
	const value = optional(body, name, 'string') as string | undefined;
	if (value === undefined || value === '')
		throw validation(`Value null at '${name[0]?.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
	return value;
}

function optional(body: Record<string, unknown>, name: string, type: 'string' | 'number' | 'boolean'): unknown {
	const value = body[name];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== type)
		throw new ServiceError('InvalidRequestContentException', `Could not parse request body into json: ${name} is not a ${type}`, 400);
	return value;
}

const validation = (message: string) => new ServiceError('ValidationException', `1 validation error detected: ${message}`, 400);
const invalidParameter = (message: string) => new ServiceError('InvalidParameterValueException', message, 400);

function answer(status: number, value: unknown): WireResponse {
	return {status, headers: {'content-type': 'application/json', ...answerHeaders()}, body: JSON.stringify(value)};
}

/** Lambda's errors: the type in x-amzn-errortype, and {Type, message} in the body. */
function failure(error: ServiceError): WireResponse {
	return {
		status: error.statusCode,
		headers: {'content-type': 'application/json', 'x-amzn-errortype': error.type, ...answerHeaders()},
		body: JSON.stringify({Type: error.statusCode >= 500 ? 'Service' : 'User', message: error.message}),
	};
}
