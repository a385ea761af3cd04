import {
	DescribeStreamSummaryCommand,
	GetShardIteratorCommand,
	ListStreamConsumersCommand,
	type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type {ServiceName} from './connect.js';
import {formatFailure, toFailure} from './failures.js';
import {
	checkpointPosition,
	describeTable,
	documentsOf,
	hasLeaseSchema,
	leasesOfStream,
	listTableNames,
	requireLeaseTable,
	scanLeases,
	streamIdentity,
	type Lease,
	type LeaseClients,
	type StreamLeases,
} from './leases.js';
import {listAllShards, streamParameters, type StreamRef} from './tail/shardListing.js';
import {mapLimited} from './mapLimited.js';

/**
 * The consumers of a stream: KCL applications, found by their lease tables in DynamoDB (a table whose
 * hash key is `leaseKey` and whose items are leases, or one named by the caller), and the stream's
 * enhanced fan-out consumers (ListStreamConsumers).
 *
 * A multi-stream lease table names its streams in its lease keys, so it matches exactly. A single-stream
 * table does not name its stream: it matches when its leases' shards are the stream's, and is confirmed
 * when one of its sequence-number checkpoints is accepted by the stream's shard (GetShardIterator
 * AFTER_SEQUENCE_NUMBER refuses a sequence number from another stream).
 */

/** How a lease table was tied to the stream. */
export type ApplicationMatch = 'named' | 'stream-identifier' | 'checkpoint' | 'shard-ids';

export interface ApplicationWorker {
	readonly owner: string;
	readonly leases: number;
}

export interface KclApplication {
	/** The application name: its lease table's name. */
	readonly application: string;
	readonly tableStatus: string;
	readonly multiStream: boolean;
	readonly matchedBy: ApplicationMatch;
	/** Leases of this stream. */
	readonly leases: number;
	/** Leases checkpointed at SHARD_END: closed shards the application has finished. */
	readonly finished: number;
	/** Unfinished leases with no owner. */
	readonly unowned: number;
	/** Lease owners (worker ids), busiest first. */
	readonly workers: readonly ApplicationWorker[];
	/** Multi-stream: other streams in the same table. */
	readonly otherStreams: readonly string[];
	/** Multi-stream: leases of an earlier stream of this name. */
	readonly otherIncarnations: number;
}

export interface FanOutConsumer {
	readonly name: string;
	readonly arn: string;
	readonly status: string;
	/** ISO time. */
	readonly createdAt?: string;
}

export interface ConsumerProblem {
	readonly part: 'applications' | 'fan-out';
	readonly message: string;
}

export interface StreamConsumers {
	readonly stream: string;
	readonly streamArn?: string;
	readonly applications: readonly KclApplication[];
	readonly fanOut: readonly FanOutConsumer[];
	/** Parts that could not be read (no DynamoDB access, say); the rest is still shown. */
	readonly problems: readonly ConsumerProblem[];
}

export interface DiscoverOptions {
	/** Applications to include by name (their lease tables), matched or not; discovery still looks for others unless `discover` is false. */
	readonly applications?: readonly string[];
	/** Look through every table for lease tables. Default true. */
	readonly discover?: boolean;
	readonly signal?: AbortSignal;
	/** Tables described at once. Default 8. */
	readonly concurrency?: number;
	/** Turns an error into what the user reads. Default: the console's failure text. */
	readonly describeError?: (error: unknown, service: ServiceName) => Promise<string> | string;
}

const defaultDescribe = async (error: unknown, service: ServiceName) =>
	formatFailure(await toFailure(error, {service})).replaceAll('\n', ' ');

/** The stream's KCL applications and enhanced fan-out consumers. Throws only when the stream itself cannot be read. */
export async function discoverConsumers(clients: LeaseClients, stream: StreamRef, options: DiscoverOptions = {}): Promise<StreamConsumers> {
	const send = options.signal ? {abortSignal: options.signal} : {};
	const describe = options.describeError ?? defaultDescribe;
	const [{StreamDescriptionSummary: summary}, shards] = await Promise.all([
		clients.kinesis.send(new DescribeStreamSummaryCommand(streamParameters(stream)), send),
		listAllShards(clients.kinesis, stream, options.signal),
	]);
	const identity = streamIdentity(stream, summary?.StreamARN, summary?.StreamCreationTimestamp);
	const shardIds = new Set(shards.map((shard) => shard.ShardId ?? ''));
	const problems: ConsumerProblem[] = [];

	const named = [...new Set(options.applications ?? [])];
	// Named applications must exist: a typo is an error, not an empty list.
	for (const application of named) await requireLeaseTable(clients.dynamodb, application, options.signal);

	let candidates = [...named];
	if (options.discover !== false) {
		try {
			const tables = await listTableNames(clients.dynamodb, options.signal);
			const schemas = await mapLimited(
				tables.filter((name) => !named.includes(name)),
				options.concurrency ?? 8,
				async (name) => {
					try {
						return hasLeaseSchema(await describeTable(clients.dynamodb, name, options.signal)) ? name : undefined;
					} catch {
						// A table that cannot be described is not one this console can read either.
						return undefined;
					}
				},
			);
			candidates = [...candidates, ...schemas.filter((name): name is string => name !== undefined)];
		} catch (error) {
			problems.push({part: 'applications', message: await describe(error, 'dynamodb')});
		}
	}

	const documents = documentsOf(clients);
	const applications: KclApplication[] = [];
	await mapLimited(candidates, options.concurrency ?? 8, async (application) => {
		try {
			const table = await describeTable(clients.dynamodb, application, options.signal);
			const leases = await scanLeases(documents, application, options.signal ? {signal: options.signal} : {});
			const ofStream = leasesOfStream(leases, identity);
			const isNamed = named.includes(application);
			const match = isNamed ? 'named' : await matchApplication(clients.kinesis, stream, ofStream, shardIds, options.signal);
			if (match === undefined) return;
			applications.push(summarize(application, table?.TableStatus ?? 'UNKNOWN', match, ofStream));
		} catch (error) {
			problems.push({part: 'applications', message: `${application}: ${await describe(error, 'dynamodb')}`});
		}
	});
	applications.sort((a, b) => a.application.localeCompare(b.application));

	let fanOut: FanOutConsumer[] = [];
	if (summary?.StreamARN) {
		try {
			fanOut = await listFanOutConsumers(clients.kinesis, summary.StreamARN, options.signal);
		} catch (error) {
			problems.push({part: 'fan-out', message: await describe(error, 'kinesis')});
		}
	}
	return {stream, ...(summary?.StreamARN ? {streamArn: summary.StreamARN} : {}), applications, fanOut, problems};
}

/** Whether a lease table's leases are this stream's, and how that is known; undefined when they are not. */
async function matchApplication(
	kinesis: KinesisClient,
	stream: StreamRef,
	ofStream: StreamLeases,
	shardIds: ReadonlySet<string>,
	signal?: AbortSignal,
): Promise<ApplicationMatch | undefined> {
	if (ofStream.multiStream) return ofStream.leases.length > 0 ? 'stream-identifier' : undefined;
	const leases = ofStream.leases;
	if (!leases.some((lease) => shardIds.has(lease.shardId))) return undefined;
	// Unfinished leases of shards the stream does not have belong to another stream.
	if (leases.some((lease) => !shardIds.has(lease.shardId) && checkpointPosition(lease).type !== 'SHARD_END')) return undefined;
	const witness = leases.find((lease) => shardIds.has(lease.shardId) && checkpointPosition(lease).type === 'SEQUENCE_NUMBER');
	if (witness?.checkpoint === undefined) return 'shard-ids';
	try {
		await kinesis.send(
			new GetShardIteratorCommand({
				...streamParameters(stream),
				ShardId: witness.shardId,
				ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
				StartingSequenceNumber: witness.checkpoint,
			}),
			signal ? {abortSignal: signal} : {},
		);
		return 'checkpoint';
	} catch (error) {
		if ((error as {name?: string}).name === 'InvalidArgumentException') return undefined;
		// Throttled or denied: the shard ids are all there is to go by.
		return 'shard-ids';
	}
}

function summarize(application: string, tableStatus: string, match: ApplicationMatch, ofStream: StreamLeases): KclApplication {
	const leases: readonly Lease[] = ofStream.leases;
	const owners = new Map<string, number>();
	let finished = 0;
	let unowned = 0;
	for (const lease of leases) {
		if (checkpointPosition(lease).type === 'SHARD_END') finished++;
		else if (lease.leaseOwner === undefined) unowned++;
		if (lease.leaseOwner !== undefined) owners.set(lease.leaseOwner, (owners.get(lease.leaseOwner) ?? 0) + 1);
	}
	return {
		application,
		tableStatus,
		multiStream: ofStream.multiStream,
		matchedBy: match,
		leases: leases.length,
		finished,
		unowned,
		workers: [...owners]
			.map(([owner, count]) => ({owner, leases: count}))
			.sort((a, b) => b.leases - a.leases || a.owner.localeCompare(b.owner)),
		otherStreams: ofStream.otherStreams,
		otherIncarnations: ofStream.otherIncarnations,
	};
}

/** The stream's enhanced fan-out consumers, every page. */
export async function listFanOutConsumers(kinesis: KinesisClient, streamArn: string, signal?: AbortSignal): Promise<FanOutConsumer[]> {
	const consumers: FanOutConsumer[] = [];
	let nextToken: string | undefined;
	do {
		const page = await kinesis.send(
			new ListStreamConsumersCommand({StreamARN: streamArn, ...(nextToken === undefined ? {} : {NextToken: nextToken})}),
			signal ? {abortSignal: signal} : {},
		);
		for (const consumer of page.Consumers ?? []) {
			consumers.push({
				name: consumer.ConsumerName ?? '',
				arn: consumer.ConsumerARN ?? '',
				status: consumer.ConsumerStatus ?? 'UNKNOWN',
				...(consumer.ConsumerCreationTimestamp ? {createdAt: consumer.ConsumerCreationTimestamp.toISOString()} : {}),
			});
		}
		nextToken = page.NextToken;
	} while (nextToken);
	return consumers.sort((a, b) => a.name.localeCompare(b.name));
}
