import {createRequire} from 'node:module';
import type * as CloudWatch from '@aws-sdk/client-cloudwatch';
import type {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import type * as DynamoDB from '@aws-sdk/client-dynamodb';
import type * as Lambda from '@aws-sdk/client-lambda';
import type {LambdaClient} from '@aws-sdk/client-lambda';
import type * as Firehose from '@aws-sdk/client-firehose';
import type {FirehoseClient} from '@aws-sdk/client-firehose';
import type * as KinesisAnalyticsV2 from '@aws-sdk/client-kinesis-analytics-v2';
import type {KinesisAnalyticsV2Client} from '@aws-sdk/client-kinesis-analytics-v2';
import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {KinesisClient, type KinesisClientConfig} from '@aws-sdk/client-kinesis';
import {defaultProvider} from '@aws-sdk/credential-provider-node';
import type * as DynamoDBDocuments from '@aws-sdk/lib-dynamodb';
import type {DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb';
import type {AuthScheme, RequestSigner, UserAgent} from '@smithy/types';
import type {Engine, ServiceMetricDatum} from '../engine/index.js';
import {API_QUOTAS} from './apiQuotas.js';
import {sendWithCachedHandlers} from './aws/callSignals.js';
import {errorKind} from './aws/errors.js';
import {KinesisProtocol} from './aws/kinesisProtocol.js';
import {attachBudget} from './budgetMiddleware.js';
import {SHARD_CALL_SOCKETS, sendShardCallsDirectly} from './aws/directReads.js';
import {ShardHttp} from './aws/shardHttp.js';
import {ConsoleError} from './failures.js';
import {DEFAULT_SHARE, RequestBudget} from './requestBudget.js';
import {ClosingHttp2Handler, ClosingHttpHandler, ClosingRetryStrategy, closedError, connectionSignal} from './httpHandlers.js';
import {
	describeEndpoint,
	loadProfileSettings,
	profileExists,
	resolveEndpoint,
	SettingsError,
	type ProfileSettings,
	type ServiceName,
} from './settings.js';

export type {ServiceName} from './settings.js';

/**
 * The CloudWatch and DynamoDB clients load on first use: a scripted `streams` or `tail` never needs
 * them, and loading them costs a tenth of a second of startup. The packages are CommonJS (no ESM entry),
 * so require gives the very module instances that `import` elsewhere gives.
 */
const require = createRequire(import.meta.url);
const cloudWatchModule = () => require('@aws-sdk/client-cloudwatch') as typeof CloudWatch;
const dynamoDbModule = () => require('@aws-sdk/client-dynamodb') as typeof DynamoDB;
const documentModule = () => require('@aws-sdk/lib-dynamodb') as typeof DynamoDBDocuments;
const lambdaModule = () => require('@aws-sdk/client-lambda') as typeof Lambda;
const firehoseModule = () => require('@aws-sdk/client-firehose') as typeof Firehose;
const flinkModule = () => require('@aws-sdk/client-kinesis-analytics-v2') as typeof KinesisAnalyticsV2;

export interface ConnectOptions {
	/** `--profile`; otherwise AWS_PROFILE, otherwise the default profile. */
	readonly profile?: string | undefined;
	/** `--region`; otherwise AWS_REGION, AWS_DEFAULT_REGION, then the profile's `region`. */
	readonly region?: string | undefined;
	/** `--endpoint-url`, for all three services; otherwise AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, then the profile's. */
	readonly endpointUrl?: string | undefined;
	/** Start the built-in engine in-process and point every client at it. */
	readonly local?: boolean | {readonly dataDir?: string; readonly shardLimit?: number};
	/**
	 * How long a plain call may wait for the endpoint to send anything before it is abandoned as a
	 * TimeoutError (and retried): a link that went silent, with no reset to say so. Default 30 s.
	 */
	readonly socketTimeoutMs?: number;
	/**
	 * The share of each of AWS's API quotas the console allows itself (`--quota-share`; otherwise
	 * KINESIS_CONSOLE_QUOTA_SHARE; default a quarter): the rest is production's.
	 */
	readonly quotaShare?: number | undefined;
}

/** Where a connection points, for the status line. Never holds credentials. */
export interface ConnectionTarget {
	readonly kind: 'aws' | 'endpoint' | 'local';
	readonly region: string;
	/** The profile chosen by `--profile` or AWS_PROFILE; absent for the default profile and for local. */
	readonly profile?: string | undefined;
	/** Kinesis's endpoint (with no user info), also for AWS: the regional one. */
	readonly endpoint?: string;
	/** Each service's endpoint, to name the one that failed (Lambda's, Firehose's and Flink's once their clients are made: they are read for their consumers only). */
	readonly endpoints: Readonly<Record<Exclude<ServiceName, 'lambda' | 'firehose' | 'flink'>, string>> & {
		readonly lambda?: string;
		readonly firehose?: string;
		readonly flink?: string;
	};
}

export interface Connection {
	readonly target: ConnectionTarget;
	/** Plain calls, over HTTP/1.1 keep-alive: works with HTTP/1.1-only emulators, like the AWS CLI. */
	readonly kinesis: KinesisClient;
	/** The SDK's default HTTP/2 handler, for SubscribeToShard only. */
	readonly kinesisHttp2: KinesisClient;
	readonly cloudwatch: CloudWatchClient;
	/** For Lambda event source mappings (consumers/lambda.ts), loaded on first use like CloudWatch's. */
	readonly lambda: LambdaClient;
	/** For Firehose delivery streams (consumers/firehose.ts), loaded on first use, its calls paced by the budget. */
	readonly firehose: FirehoseClient;
	/** For Managed Service for Apache Flink applications (consumers/flink.ts), loaded on first use like Lambda's. */
	readonly flink: KinesisAnalyticsV2Client;
	readonly dynamodb: DynamoDBClient;
	/** The document client over `dynamodb`, for lease tables. */
	readonly documents: DynamoDBDocumentClient;
	/** Every Kinesis and CloudWatch call waits for its turn in it: the console's share of the account's quotas. */
	readonly budget: RequestBudget;
	/**
	 * Only with --local: records a metric an AWS service publishes itself (AWS/Lambda, AWS/Firehose) into
	 * the console's own engine, in-process (PutMetricData refuses AWS/ namespaces, as AWS does). The
	 * demo's Lambda-style and Firehose-style readers publish their metrics with it.
	 */
	readonly recordServiceMetric?: (datum: Omit<ServiceMetricDatum, 'region'>) => void;
	/**
	 * Ends every call still in flight (aborted) and refuses any later one, closes every client's sockets
	 * and, for local, stops the engine. Safe to call twice.
	 */
	close(): Promise<void>;
}

/** The engine checks that a request is signed, never by whom. */
const LOCAL_CREDENTIALS = {accessKeyId: 'local', secretAccessKey: 'local'};
const LOCAL_DEFAULT_REGION = 'us-east-1';
/** Emulators accept any region; us-east-1 is what they assume when told none. */
const ENDPOINT_DEFAULT_REGION = 'us-east-1';
/** How long to wait for a TCP connection before calling the endpoint unreachable. */
const CONNECTION_TIMEOUT_MS = 5_000;
/**
 * How long a call may go without a byte from the endpoint. Without it a call on a keep-alive socket whose
 * peer vanished (a dropped Wi-Fi, a NAT that forgot the flow) waits forever, and a tail with it.
 */
const SOCKET_TIMEOUT_MS = 30_000;

export async function connect(options: ConnectOptions = {}): Promise<Connection> {
	const budget = new RequestBudget({quotas: API_QUOTAS, share: quotaShare(options)});
	if (options.local) {
		if (options.endpointUrl !== undefined) {
			throw new ConsoleError({
				kind: 'configuration',
				message: '--local and --endpoint-url cannot be used together.',
				hint: 'Use --local for the built-in engine, or --endpoint-url for another one.',
			});
		}
		const {dataDir, shardLimit} = typeof options.local === 'object' ? options.local : {};
		const region = nonEmpty(options.region) ?? envRegion() ?? LOCAL_DEFAULT_REGION;
		checkRegion(region);
		// Loaded only for --local: the engine (LMDB, the lease-table store) costs startup time elsewhere.
		const {createEngine} = await import('../engine/index.js');
		const engine = await createEngine({
			port: 0,
			host: '127.0.0.1',
			region,
			...(dataDir === undefined ? {} : {dataDir}),
			...(shardLimit === undefined ? {} : {shardLimit}),
		});
		const endpoints = {
			kinesis: engine.url,
			cloudwatch: engine.url,
			dynamodb: engine.url,
			lambda: engine.url,
			firehose: engine.url,
			flink: engine.url,
		};
		return assemble(
			budget,
			{kind: 'local', region, endpoint: engine.url, endpoints},
			endpoints,
			LOCAL_CREDENTIALS,
			undefined,
			socketTimeout(options),
			engine,
		);
	}

	const chosenProfile = nonEmpty(options.profile) ?? nonEmpty(process.env.AWS_PROFILE);
	if (chosenProfile !== undefined && !(await profileExists(chosenProfile))) {
		throw new ConsoleError({
			kind: 'configuration',
			message: `The profile '${chosenProfile}' is not in the AWS config or credentials file.`,
			hint: `Create it with \`aws configure --profile ${chosenProfile}\` (or \`aws configure sso\`), or pick one listed by \`aws configure list-profiles\`.`,
		});
	}
	const settings = await loadProfileSettings(chosenProfile);
	const flagEndpoint = nonEmpty(options.endpointUrl);
	const configured = {
		kinesis: flagEndpoint ?? configuredEndpoint('kinesis', settings),
		cloudwatch: flagEndpoint ?? configuredEndpoint('cloudwatch', settings),
		dynamodb: flagEndpoint ?? configuredEndpoint('dynamodb', settings),
		lambda: flagEndpoint ?? configuredEndpoint('lambda', settings),
		firehose: flagEndpoint ?? configuredEndpoint('firehose', settings),
		flink: flagEndpoint ?? configuredEndpoint('flink', settings),
	};
	for (const url of Object.values(configured)) if (url !== undefined) checkEndpoint(url);

	const custom = configured.kinesis !== undefined;
	const region = nonEmpty(options.region) ?? envRegion() ?? settings.region ?? (custom ? ENDPOINT_DEFAULT_REGION : undefined);
	if (region === undefined) {
		throw new ConsoleError({
			kind: 'configuration',
			message: `No AWS region is set${chosenProfile === undefined ? '' : ` for the profile '${chosenProfile}'`}.`,
			hint: `Pass --region (for example --region us-east-1), set AWS_REGION, or run \`aws configure${chosenProfile === undefined ? '' : ` --profile ${chosenProfile}`}\`.`,
		});
	}
	checkRegion(region);

	const credentials = defaultProvider(chosenProfile === undefined ? {} : {profile: chosenProfile});
	const variant =
		flagEndpoint === undefined ? await endpointVariant(region, chosenProfile) : {Region: region, UseFIPS: false, UseDualStack: false};
	// Worked out when first read: AWS's regional endpoints come from each client's rules, which means loading it.
	const endpoints = lazyValues<ServiceName, string>({
		kinesis: () => describeEndpoint(configured.kinesis ?? awsEndpoint(KinesisClient, variant)),
		cloudwatch: () => describeEndpoint(configured.cloudwatch ?? awsEndpoint(cloudWatchModule().CloudWatchClient, variant)),
		dynamodb: () => describeEndpoint(configured.dynamodb ?? awsEndpoint(dynamoDbModule().DynamoDBClient, variant)),
		lambda: () => describeEndpoint(configured.lambda ?? awsEndpoint(lambdaModule().LambdaClient, variant)),
		firehose: () => describeEndpoint(configured.firehose ?? awsEndpoint(firehoseModule().FirehoseClient, variant)),
		flink: () => describeEndpoint(configured.flink ?? awsEndpoint(flinkModule().KinesisAnalyticsV2Client, variant)),
	});
	const target: ConnectionTarget = {
		kind: custom ? 'endpoint' : 'aws',
		region,
		...(chosenProfile === undefined ? {} : {profile: chosenProfile}),
		endpoint: endpoints.kinesis,
		endpoints,
	};
	return assemble(budget, target, configured, credentials, chosenProfile, socketTimeout(options));
}

/** `--quota-share`, else KINESIS_CONSOLE_QUOTA_SHARE, else a quarter; anything but a fraction above 0 and at most 1 is refused. */
function quotaShare(options: ConnectOptions): number {
	const given = options.quotaShare ?? nonEmpty(process.env.KINESIS_CONSOLE_QUOTA_SHARE);
	if (given === undefined) return DEFAULT_SHARE;
	const share = Number(given);
	if (Number.isFinite(share) && share > 0 && share <= 1) return share;
	throw new ConsoleError({
		kind: 'configuration',
		message: `The share of AWS's API quotas the console may use must be above 0 and at most 1, not '${String(given)}'.`,
		hint: 'Give --quota-share (or KINESIS_CONSOLE_QUOTA_SHARE) a fraction: 0.25, the default, leaves three quarters to production.',
	});
}

const isThrottling = (error: unknown): boolean => errorKind(error) === 'throttling';

const socketTimeout = (options: ConnectOptions): number => options.socketTimeoutMs ?? SOCKET_TIMEOUT_MS;

function assemble(
	budget: RequestBudget,
	target: ConnectionTarget,
	endpoints: Readonly<Partial<Record<ServiceName, string | undefined>>>,
	credentials: NonNullable<KinesisClientConfig['credentials']>,
	profile: string | undefined,
	socketTimeoutMs: number,
	engine?: Engine,
): Connection {
	// Aborted by close: every client's calls, and the waits between their retries, end with it.
	const closer = connectionSignal();
	const closed = closer.signal;
	const common = (service: ServiceName) => ({
		region: target.region,
		credentials,
		...(profile === undefined ? {} : {profile}),
		...(endpoints[service] === undefined ? {} : {endpoint: endpoints[service]}),
		// Endpoints are resolved above, for the chosen profile; the clients would read only the default profile's.
		ignoreConfiguredEndpointUrls: true,
		// Each command class's middleware resolved once (aws/callSignals.ts). Not DynamoDB's: its document
		// client shares the config, and a cached document command would send its first call's input again.
		cacheMiddleware: service !== 'dynamodb',
	});
	/**
	 * A client whose retries wait only while the connection is open, as many times as its own max
	 * attempts say (AWS_MAX_ATTEMPTS, the profile's max_attempts).
	 */
	const closingClient = <Client extends SdkClient>(make: (retryStrategy: ClosingRetryStrategy) => Client): Client => {
		let client: Client | undefined = undefined;
		client = lighter(make(new ClosingRetryStrategy(() => client?.config.maxAttempts() ?? Promise.resolve(3), closed)));
		return client;
	};
	const keepAliveHandler = () => new ClosingHttpHandler({socketTimeoutMs, connectionTimeoutMs: CONNECTION_TIMEOUT_MS}, closed);
	const budgeted = <Client extends BudgetedClient>(client: Client): Client => {
		attachBudget(client, budget, isThrottling);
		return client;
	};
	const kinesis = budgeted(
		closingClient(
			(retryStrategy) =>
				new KinesisClient({...common('kinesis'), protocol: KinesisProtocol, retryStrategy, requestHandler: keepAliveHandler()}),
		),
	);
	sendShardCallsDirectly(kinesis, {
		http: new ShardHttp({socketTimeoutMs, connectionTimeoutMs: CONNECTION_TIMEOUT_MS, maxSockets: SHARD_CALL_SOCKETS, closed}),
		budget,
		isThrottle: isThrottling,
		endpoint: endpoints.kinesis,
	});
	const kinesisHttp2 = budgeted(
		closingClient(
			(retryStrategy) =>
				new KinesisClient({
					...common('kinesis'),
					protocol: KinesisProtocol,
					retryStrategy,
					requestHandler: new ClosingHttp2Handler(closed),
				}),
		),
	);
	let cloudwatch: CloudWatchClient | undefined;
	let lambda: LambdaClient | undefined;
	let firehose: FirehoseClient | undefined;
	let flink: KinesisAnalyticsV2Client | undefined;
	let dynamodb: DynamoDBClient | undefined;
	let documents: DynamoDBDocumentClient | undefined;
	const dynamoDbClient = () =>
		(dynamodb ??= closingClient(
			(retryStrategy) => new (dynamoDbModule().DynamoDBClient)({...common('dynamodb'), retryStrategy, requestHandler: keepAliveHandler()}),
		));

	let closing: Promise<void> | undefined;
	return {
		target,
		kinesis,
		kinesisHttp2,
		get cloudwatch() {
			return (cloudwatch ??= budgeted(
				closingClient(
					(retryStrategy) =>
						new (cloudWatchModule().CloudWatchClient)({...common('cloudwatch'), retryStrategy, requestHandler: keepAliveHandler()}),
				),
			));
		},
		get lambda() {
			return (lambda ??= lighter(new (lambdaModule().LambdaClient)({...common('lambda'), requestHandler: keepAliveHandler()})));
		},
		get firehose() {
			return (firehose ??= budgeted(
				closingClient(
					(retryStrategy) =>
						new (firehoseModule().FirehoseClient)({...common('firehose'), retryStrategy, requestHandler: keepAliveHandler()}),
				),
			));
		},
		get flink() {
			return (flink ??= lighter(new (flinkModule().KinesisAnalyticsV2Client)({...common('flink'), requestHandler: keepAliveHandler()})));
		},
		get dynamodb() {
			return dynamoDbClient();
		},
		get documents() {
			return (documents ??= documentModule().DynamoDBDocumentClient.from(dynamoDbClient(), {
				marshallOptions: {removeUndefinedValues: true},
			}));
		},
		budget,
		...(engine
			? {recordServiceMetric: (datum: Omit<ServiceMetricDatum, 'region'>) => engine.recordServiceMetric({...datum, region: target.region})}
			: {}),
		close() {
			closing ??= (async () => {
				closer.abort(closedError());
				budget.close();
				documents?.destroy();
				for (const client of [kinesis, kinesisHttp2, cloudwatch, lambda, firehose, flink, dynamodb]) client?.destroy();
				await engine?.close();
			})();
			return closing;
		},
	};
}

type BudgetedClient = Parameters<typeof attachBudget>[0];

/** What the connection needs of an SDK client: its resolved max attempts, and what `lighter` takes out. */
type SdkClient = LightenedClient & {
	readonly config: {readonly maxAttempts: () => Promise<number>};
};

/** What the connection lightens of an SDK client's every call. */
type LightenedClient = Parameters<typeof sendWithCachedHandlers>[0] & {
	readonly config: {defaultUserAgentProvider?: () => Promise<UserAgent>; signer?: (authScheme?: AuthScheme) => Promise<RequestSigner>};
};

/**
 * Takes out work the SDK does on every call for nothing: its logger middleware copies every answer with
 * its sensitive fields masked, for a logger that drops it (for a tail, a copy of every record); and its
 * user-agent middleware works the user agent out again (the platform, its release, the runtime, the app
 * id setting), though it cannot change while the process runs, so it is worked out once; its signer,
 * made anew for every call (@aws-sdk/core's resolveAwsSdkSigV4Config: a SignatureV4 from a copy of the
 * whole config), though made from what the first call fixes (the config's signingRegion and
 * signingName, set then and kept), so it is made once; and its middleware stack, resolved again for
 * every call made with a signal, is resolved once per command class (aws/callSignals.ts). A tail of
 * thousands of shards makes hundreds of calls a second.
 */
function lighter<Client extends LightenedClient>(client: Client): Client {
	client.middlewareStack.remove('loggerMiddleware');
	sendWithCachedHandlers(client);
	const provide = client.config.defaultUserAgentProvider;
	if (provide) client.config.defaultUserAgentProvider = once(provide);
	const sign = client.config.signer;
	if (sign) client.config.signer = once(sign);
	return client;
}

/** The first answer of `provide`, kept; asked again after a failure. */
function once<A extends unknown[], T>(provide: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
	let kept: Promise<T> | undefined;
	return (...args) =>
		(kept ??= provide(...args).catch((error: unknown) => {
			kept = undefined;
			throw error;
		}));
}

function configuredEndpoint(service: ServiceName, settings: ProfileSettings): string | undefined {
	try {
		return resolveEndpoint(service, settings);
	} catch (error) {
		if (error instanceof SettingsError) throw new ConsoleError({kind: 'configuration', message: error.message, hint: error.hint});
		throw error;
	}
}

/** A record whose values are worked out when first read, and kept. */
function lazyValues<K extends string, V>(compute: Readonly<Record<K, () => V>>): Readonly<Record<K, V>> {
	const values = {} as Record<K, V>;
	for (const name of Object.keys(compute) as K[]) {
		let value: {readonly is: V} | undefined;
		Object.defineProperty(values, name, {enumerable: true, get: () => (value ??= {is: compute[name]()}).is});
	}
	return values;
}

/** Which endpoint AWS's clients pick: the region as they read it, and FIPS, dual-stack (IPv6), both or neither. */
interface EndpointVariant {
	readonly Region: string;
	readonly UseFIPS: boolean;
	readonly UseDualStack: boolean;
}

/**
 * The variant the clients will use, as they resolve it (AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT,
 * else the profile's use_fips_endpoint and use_dualstack_endpoint; a value other than true or false is
 * passed over; a region named us-east-1-fips or fips-us-east-1 is us-east-1 with FIPS on), so that the
 * endpoints shown are those called.
 */
async function endpointVariant(region: string, profile: string | undefined): Promise<EndpointVariant> {
	const client = new KinesisClient({region, credentials: LOCAL_CREDENTIALS, ...(profile === undefined ? {} : {profile})});
	try {
		const [Region, UseFIPS, UseDualStack] = await Promise.all([
			client.config.region(),
			client.config.useFipsEndpoint(),
			client.config.useDualstackEndpoint(),
		]);
		return {Region, UseFIPS, UseDualStack};
	} finally {
		client.destroy();
	}
}

/** The regional AWS endpoint the client would pick, from the client's own endpoint rules. */
function awsEndpoint(
	Client:
		| typeof KinesisClient
		| typeof CloudWatchClient
		| typeof DynamoDBClient
		| typeof LambdaClient
		| typeof FirehoseClient
		| typeof KinesisAnalyticsV2Client,
	variant: EndpointVariant,
): string {
	const client = new Client({region: variant.Region, credentials: LOCAL_CREDENTIALS});
	try {
		return client.config.endpointProvider({...variant}).url.href.replace(/\/$/, '');
	} finally {
		client.destroy();
	}
}

function envRegion(): string | undefined {
	return nonEmpty(process.env.AWS_REGION) ?? nonEmpty(process.env.AWS_DEFAULT_REGION);
}

function nonEmpty(value: string | undefined): string | undefined {
	const trimmed = value?.trim();
	return trimmed ? trimmed : undefined;
}

function checkRegion(region: string): void {
	if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(region)) {
		throw new ConsoleError({
			kind: 'configuration',
			message: `'${region}' is not a region name.`,
			hint: 'Region names look like us-east-1 or eu-west-2: check --region, AWS_REGION and the profile.',
		});
	}
}

function checkEndpoint(url: string): void {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new ConsoleError({
			kind: 'configuration',
			message: `'${describeEndpoint(url)}' is not an endpoint URL.`,
			hint: 'Endpoints look like http://localhost:4566 or https://kinesis.eu-west-1.amazonaws.com.',
		});
	}
	if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
		throw new ConsoleError({
			kind: 'configuration',
			message: `The endpoint ${describeEndpoint(url)} is neither http:// nor https://.`,
			hint: 'Endpoints look like http://localhost:4566.',
		});
	}
}
