import {join} from 'node:path';
import {KinesisMetrics, MetricStore, cloudWatchService} from './cloudwatch/index.js';
import type {MetricStoreOptions} from './cloudwatch/metricStore.js';
import {startDynamo} from './dynamodb.js';
import {AccountSettingsBook} from './kinesis/model/accountSettings.js';
import type {ActionContext, EngineLimits} from './kinesis/action.js';
import {Consumers} from './kinesis/model/consumers.js';
import {kinesisActions} from './kinesis/index.js';
import {ControlPlaneQuotas} from './kinesis/quotas.js';
import {resumeScaling} from './kinesis/model/scalingJob.js';
import {ON_DEMAND_STREAM_LIMIT} from './kinesis/model/shardLimit.js';
import {Streams} from './kinesis/model/streams.js';
import {ThroughputLimits} from './kinesis/model/throughput.js';
import {withCors} from './protocol/cors.js';
import {dispatch, type Service, type WireRequest} from './protocol/dispatch.js';
import type {Credentials} from './protocol/signature.js';
import {DELIVERY_STREAM_LIMIT, firehoseService} from './firehose/index.js';
import {lambdaService} from './lambda/index.js';
import {flinkService} from './flink/index.js';
import {startServer, type ServerTimeouts} from './server.js';
import {RequestCounts, type OperationCount} from './requestCounts.js';
import {Slices} from './store/slices.js';
import {Store, type Durability} from './store/store.js';

export interface EngineOptions {
	/** 0 picks a free port. Default 4567. */
	readonly port?: number;
	/** Default 127.0.0.1: without `auth` the engine checks no credentials. */
	readonly host?: string;
	/** Verify SigV4 signatures against these credentials, for every service on the port; by default any well-formed signature passes. */
	readonly auth?: Credentials;
	/** PEM certificate (chain) and private key: serve HTTPS, h2 and http/1.1 by ALPN, instead of cleartext. */
	readonly tls?: {readonly cert: string | Buffer; readonly key: string | Buffer};
	/** Where streams and records are kept; a throw-away directory when absent. */
	readonly dataDir?: string;
	readonly durability?: Durability;
	/** The region for requests whose signature names none. */
	readonly region?: string;
	readonly account?: string;
	/** How long CreateStream leaves a stream CREATING, and DeleteStream leaves it DELETING. */
	readonly createStreamMs?: number;
	readonly deleteStreamMs?: number;
	/** How long a reshard, retention, mode or encryption change leaves a stream UPDATING. */
	readonly updateStreamMs?: number;
	/** How long RegisterStreamConsumer leaves a consumer CREATING, and DeregisterStreamConsumer leaves it DELETING. */
	readonly registerConsumerMs?: number;
	readonly deregisterConsumerMs?: number;
	/** How long a Lambda event source mapping stays Creating, Enabling, Disabling, Updating or Deleting (engine/lambda/). Default 500 ms. */
	readonly eventSourceMappingMs?: number;
	/** How long CreateDeliveryStream leaves a Firehose delivery stream CREATING, and DeleteDeliveryStream leaves it DELETING (engine/firehose/). Default 500 ms. */
	readonly createDeliveryStreamMs?: number;
	readonly deleteDeliveryStreamMs?: number;
	/** Firehose delivery streams allowed per account and region, to rehearse the quota; by default AWS's, 5,000. */
	readonly deliveryStreamLimit?: number;
	/** How long a Managed Flink application stays STARTING, STOPPING, FORCE_STOPPING or DELETING (engine/flink/). Default 500 ms. */
	readonly flinkApplicationMs?: number;
	/** How long a SubscribeToShard subscription lasts (AWS: 5 minutes). */
	readonly subscriptionMs?: number;
	/** Within this time of a subscription's start a second one for the same consumer and shard is refused; later it takes over (AWS: 5 s). */
	readonly subscriptionTakeoverMs?: number;
	/**
	 * AWS's rate limits (on by default, as on AWS): each shard's throughput, and the control-plane API
	 * quotas per account, stream or consumer (kinesis/quotas.ts). Off for bulk loads and benchmarks.
	 */
	readonly throughputLimits?: boolean;
	/**
	 * Open shards allowed per account in every region, to rehearse a raised quota; by default AWS's:
	 * 20,000 in us-east-1, us-west-2 and eu-west-1, 1,000 elsewhere (kinesis/shardLimit.ts).
	 */
	readonly shardLimit?: number;
	readonly iteratorTtlMs?: number;
	/** How often records past retention are removed from disk (they are hidden from reads at once). */
	readonly retentionSweepMs?: number;
	/** The clock, for tests that move time. */
	readonly now?: () => number;
	/** How long the embedded DynamoDB leaves a table CREATING, DELETING or UPDATING. Default 0: at once. */
	readonly createTableMs?: number;
	readonly deleteTableMs?: number;
	readonly updateTableMs?: number;
	/** Bounds on the memory CloudWatch metrics may take (see cloudwatch/metricStore.ts). */
	readonly metricLimits?: Omit<MetricStoreOptions, 'now'>;
	/** How long slow and idle clients are waited for (defaults: 30 s for headers, 120 s for a whole request, 60 s idle). */
	readonly timeouts?: ServerTimeouts;
}

export interface Engine {
	readonly url: string;
	readonly port: number;
	/**
	 * Requests served since the engine started, per region, service and operation, with how many a quota
	 * refused. The same counts are in the engine's CloudWatch, namespace KinesisConsole/Engine.
	 */
	requestCounts(): OperationCount[];
	/**
	 * Records a datum of a metric an AWS service publishes itself (AWS/Lambda's IteratorAge, AWS/Firehose's
	 * DataReadFromKinesisStream.*), into the engine's CloudWatch. In-process only, for the console's own
	 * demo (its stand-ins for Lambda and Firehose readers): over the wire PutMetricData refuses `AWS/`
	 * namespaces, as AWS does, and nothing else writes metrics.
	 */
	recordServiceMetric(datum: ServiceMetricDatum): void;
	/** Stops serving; everything acknowledged is on disk when it resolves. */
	close(): Promise<void>;
}

export interface ServiceMetricDatum {
	readonly region: string;
	/** An AWS service's namespace: `AWS/...`. */
	readonly namespace: string;
	readonly name: string;
	readonly dimensions: ReadonlyArray<{readonly Name: string; readonly Value: string}>;
	readonly unit: string;
	readonly value: number;
	/** Default now. */
	readonly atMs?: number;
}

/**
 * The largest request body taken. A PutRecords of 10 MiB (the most AWS takes with large records, see
 * kinesis/recordSizes.ts) is about 14 MiB of JSON once its data is base64; 16 MiB leaves room for 500 keys.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

// Longer than 80 lines on purpose: it builds the engine's parts in order and closes, on a failure, what
// the earlier steps opened; spread over functions, that order and its cleanup would be harder to follow.
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
	const now = options.now ?? Date.now;
	const store = new Store({
		...(options.dataDir === undefined ? {} : {dataDir: options.dataDir}),
		durability: options.durability ?? 'process',
	});
	const streams = new Streams(store, options.account ?? '000000000000', {
		createMs: options.createStreamMs ?? 500,
		deleteMs: options.deleteStreamMs ?? 500,
		updateMs: options.updateStreamMs ?? 500,
	});
	const limits: EngineLimits = {
		iteratorTtlMs: options.iteratorTtlMs ?? 300_000,
		shardLimit: options.shardLimit,
		onDemandStreamLimit: ON_DEMAND_STREAM_LIMIT,
		maxCreatingStreams: 5,
		scalingsPerDay: 10,
	};
	const throughput = new ThroughputLimits(options.throughputLimits ?? true);
	const quotas = new ControlPlaneQuotas(throughput.enabled, streams.account, now);
	const accountSettings = new AccountSettingsBook(store);
	const consumers = new Consumers(
		streams,
		{
			registerMs: options.registerConsumerMs ?? 500,
			deregisterMs: options.deregisterConsumerMs ?? 500,
			subscriptionMs: options.subscriptionMs ?? 300_000,
			takeoverMs: options.subscriptionTakeoverMs ?? 5_000,
		},
		now,
	);
	const metricStore = new MetricStore({...options.metricLimits, now});
	const metrics = new KinesisMetrics(metricStore);
	const counts = new RequestCounts(metricStore);
	const contextFor = ({region}: {region: string}): ActionContext => ({
		streams,
		store,
		limits,
		throughput,
		consumers,
		metrics,
		accountSettings,
		region,
		nowMs: now(),
	});
	const kinesis: Service = {
		name: 'Kinesis',
		targetPrefix: 'Kinesis_20131202',
		actions: kinesisActions,
		contextFor,
		admit: (action, input, region) => quotas.admit(action, input, region),
	};
	// An UpdateShardCount the engine was doing when it stopped goes on.
	for (const stream of streams.all(now())) resumeScaling(contextFor(stream), stream);
	let dynamo;
	try {
		// Lease tables live beside the streams: DATA_DIR/dynamodb (LevelDB), or in memory without a data directory.
		dynamo = await startDynamo({
			...(options.dataDir === undefined ? {} : {path: join(options.dataDir, 'dynamodb')}),
			createTableMs: options.createTableMs ?? 0,
			deleteTableMs: options.deleteTableMs ?? 0,
			updateTableMs: options.updateTableMs ?? 0,
		});
	} catch (error) {
		await store.close();
		throw error;
	}
	const dynamodb: Service = {
		name: 'DynamoDB',
		targetPrefix: 'DynamoDB_20120810',
		actions: {},
		contextFor: () => undefined,
		forward: dynamo.handle,
	};
	const cloudWatch = cloudWatchService(metricStore, now);
	// Every CloudWatch request sees the request counts up to itself.
	const countedCloudWatch: Service = {
		...cloudWatch,
		contextFor: (request) => {
			counts.publish(now());
			return cloudWatch.contextFor(request);
		},
	};
	// Firehose's control plane: delivery streams kept in the store beside the streams they read; nothing is delivered.
	const firehose = firehoseService({
		store,
		streams,
		account: streams.account,
		createMs: options.createDeliveryStreamMs ?? 500,
		deleteMs: options.deleteDeliveryStreamMs ?? 500,
		deliveryStreamLimit: options.deliveryStreamLimit ?? DELIVERY_STREAM_LIMIT,
		rateLimits: throughput.enabled,
		now,
	});
	const flink = flinkService({
		store,
		now,
		account: streams.account,
		transitionMs: options.flinkApplicationMs ?? 500,
		limits: throughput.enabled,
	});
	const services = [kinesis, countedCloudWatch, dynamodb, firehose, flink];
	const defaultRegion = options.region ?? 'us-east-1';
	// Lambda speaks REST-JSON (routed by path, not X-Amz-Target): its requests are told apart before the dispatcher.
	const lambda = lambdaService({
		now,
		defaultRegion,
		transitionMs: options.eventSourceMappingMs ?? 500,
		store,
		...(options.auth ? {auth: options.auth} : {}),
	});

	const handle = (request: WireRequest) =>
		withCors(request, (served) =>
			lambda.serves(served)
				? lambda.handle(served)
				: dispatch(services, defaultRegion, served, {...(options.auth ? {auth: options.auth} : {}), now, counts}),
		);
	let server;
	try {
		server = await startServer({
			host: options.host ?? '127.0.0.1',
			port: options.port ?? 4567,
			maxBodyBytes: MAX_BODY_BYTES,
			// A clock moved for a test is the one the answers' Date gives, as AWS's Date is its own clock, by which
			// clients correct their skew; Node's Date otherwise (and no extra step for every request).
			handle:
				options.now === undefined
					? handle
					: async (request) => {
							const reply = await handle(request);
							return {...reply, headers: {...reply.headers, date: new Date(now()).toUTCString()}};
						},
			...(options.tls ? {tls: options.tls} : {}),
			...(options.timeouts ? {timeouts: options.timeouts} : {}),
		});
	} catch (error) {
		await dynamo.close();
		await store.close();
		throw error;
	}

	// A sweep that cannot write (a full disk; the store reports it) is tried again at the next tick; one
	// that outlasts the interval is not started twice.
	let sweeping = false;
	const sweeper = setInterval(() => {
		if (sweeping) return;
		sweeping = true;
		sweepRetention(streams, store, now())
			.catch(() => undefined)
			.finally(() => (sweeping = false));
	}, options.retentionSweepMs ?? 60_000);
	sweeper.unref();
	const publisher = setInterval(() => counts.publish(now()), 1_000);
	publisher.unref();

	const hostInUrl = server.host.includes(':') ? `[${server.host}]` : server.host;
	return {
		url: `${options.tls ? 'https' : 'http'}://${hostInUrl}:${server.port}`,
		port: server.port,
		requestCounts: () => counts.snapshot(),
		recordServiceMetric(datum) {
			if (!datum.namespace.startsWith('AWS/')) throw new Error(`Not an AWS service's namespace: ${datum.namespace}`);
			metricStore
				.engineSeries(datum.region, datum.namespace, datum.name, datum.dimensions, datum.unit)
				?.observe(datum.value, datum.atMs ?? now());
		},
		async close() {
			clearInterval(sweeper);
			clearInterval(publisher);
			await server.close();
			await dynamo.close();
			await store.close();
		},
	};
}

/** Reclaims the space of records past their stream's retention, a few milliseconds at a time (see Slices). */
async function sweepRetention(streams: Streams, store: Store, nowMs: number): Promise<void> {
	const slices = new Slices();
	for (const stream of streams.all(nowMs)) {
		const horizonMs = nowMs - stream.retentionHours * 3_600_000;
		await store.trim(
			stream.uid,
			stream.shards.map((shard) => shard.index),
			horizonMs,
			slices,
		);
	}
}
