import {DescribeTableCommand, ListTablesCommand, type DynamoDBClient, type TableDescription} from '@aws-sdk/client-dynamodb';
import {DynamoDBDocumentClient, ScanCommand} from '@aws-sdk/lib-dynamodb';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {ConsoleError} from './failures.js';
import {sendOptions} from './aws/sendOptions.js';

/**
 * The KCL's lease table format, as the KCL 1.x, 2.x and 3.x write it (DynamoDBLeaseSerializer,
 * DynamoDBMultiStreamLeaseSerializer and StreamIdentifier in awslabs/amazon-kinesis-client): a DynamoDB
 * table named after the application, hash key `leaseKey` (S), one item per shard with `leaseOwner`,
 * `leaseCounter` (bumped by every renewal and checkpoint), `checkpoint` (a sequence number, or
 * TRIM_HORIZON / LATEST / AT_TIMESTAMP / SHARD_END), `checkpointSubSequenceNumber`,
 * `ownerSwitchesSinceCheckpoint`, `parentShardId` and `childShardIds` (string sets), `pendingCheckpoint`
 * and `pendingCheckpointSubSequenceNumber` (a two-phase checkpoint prepared), and `startingHashKey` /
 * `endingHashKey` (the shard's hash range, decimal strings). KCL 3.x adds `throughputKBps` (N: what the
 * owner reads from the shard), `checkpointOwner` (set during a graceful handoff: the previous owner, which
 * alone may still checkpoint) and `entityType` ('LEASE'; the single-table format keeps other entities,
 * worker metric stats and coordinator state, in the same table: checkpoints/coordination.ts). A single-stream application's
 * lease keys are shard ids; a multi-stream application keys its leases `account:stream:creationEpoch:shardId`
 * (MultiStreamLease.getLeaseKey: the serialized StreamIdentifier, `[0-9]+:[^:]+:[0-9]+`, then the shard
 * id) and adds `streamName` (the identifier, kept under that name "for legacy reasons") and `shardId`.
 */

/** The clients lease tables are read and written with; a Connection has them all. */
export interface LeaseClients {
	readonly kinesis: KinesisClient;
	readonly dynamodb: DynamoDBClient;
	/** The document client over `dynamodb`; made from it when absent. */
	readonly documents?: DynamoDBDocumentClient;
}

export const LEASE_KEY = 'leaseKey';

/** A multi-stream application's name for a stream: `account:stream:creationEpoch`. */
export interface StreamIdentifier {
	readonly account: string;
	readonly stream: string;
	/** The stream's creation time in epoch seconds. */
	readonly creationEpoch: number;
}

export interface Lease {
	readonly leaseKey: string;
	readonly shardId: string;
	/** Multi-stream leases only. */
	readonly streamIdentifier?: StreamIdentifier;
	/** Absent (or empty) when no worker holds the lease. */
	readonly leaseOwner?: string;
	readonly leaseCounter: number;
	/** As stored: a sequence number or a sentinel; absent on a lease never checkpointed. */
	readonly checkpoint?: string;
	readonly checkpointSubSequenceNumber?: number;
	/** A KCL 2.x two-phase checkpoint prepared but not yet committed. */
	readonly pendingCheckpoint?: string;
	readonly pendingCheckpointSubSequenceNumber?: number;
	readonly ownerSwitchesSinceCheckpoint?: number;
	readonly parentShardIds: readonly string[];
	readonly childShardIds: readonly string[];
	/** The shard's hash key range as the lease records it (decimal strings). */
	readonly hashKeyRange?: {readonly startingHashKey: string; readonly endingHashKey: string};
	/** KCL 3.x: what the owner reads from the shard, KB/s, written with each renewal. */
	readonly throughputKBps?: number;
	/**
	 * KCL 3.x graceful handoff: the previous owner, which finishes its batch and writes the last checkpoint
	 * while `leaseOwner` already names the next owner (DynamoDBLeaseRefresher.initiateGracefulLeaseHandoff).
	 */
	readonly checkpointOwner?: string;
}

/** The `entityType` of a lease item (EntityType.LEASE); an item with none is a lease too (KCL 2.x). */
export const LEASE_ENTITY_TYPE = 'LEASE';

/** Where a checkpoint leaves its shard's reader. */
export type CheckpointPosition =
	| {readonly type: 'TRIM_HORIZON'}
	| {readonly type: 'LATEST'}
	| {readonly type: 'SHARD_END'}
	/** The application's initial position AT_TIMESTAMP: the time is in its configuration, not in the lease. */
	| {readonly type: 'AT_TIMESTAMP'}
	| {readonly type: 'SEQUENCE_NUMBER'; readonly sequenceNumber: string; readonly subSequenceNumber: number}
	| {readonly type: 'NONE'}
	| {readonly type: 'UNKNOWN'; readonly text: string};

export const SENTINELS = ['TRIM_HORIZON', 'LATEST', 'SHARD_END', 'AT_TIMESTAMP'] as const;

export function checkpointPosition(lease: Pick<Lease, 'checkpoint' | 'checkpointSubSequenceNumber'> | undefined): CheckpointPosition {
	const text = lease?.checkpoint?.trim();
	if (text === undefined || text === '') return {type: 'NONE'};
	if ((SENTINELS as readonly string[]).includes(text)) return {type: text as (typeof SENTINELS)[number]};
	if (/^\d{1,129}$/.test(text))
		return {type: 'SEQUENCE_NUMBER', sequenceNumber: text, subSequenceNumber: lease?.checkpointSubSequenceNumber ?? 0};
	return {type: 'UNKNOWN', text};
}

/** A lease key's parts: the shard, and the stream for a multi-stream key. */
export function parseLeaseKey(key: string): {readonly shardId: string; readonly stream?: StreamIdentifier} | undefined {
	const parts = key.split(':');
	if (parts.length === 1) return /^shardId-\d+$/.test(key) ? {shardId: key} : undefined;
	if (parts.length !== 4) return undefined;
	const [account = '', stream = '', epoch = '', shardId = ''] = parts;
	if (stream === '' || !/^\d+$/.test(epoch) || !/^shardId-\d+$/.test(shardId)) return undefined;
	return {shardId, stream: {account, stream, creationEpoch: Number(epoch)}};
}

export const streamIdentifierText = (id: StreamIdentifier): string => `${id.account}:${id.stream}:${id.creationEpoch}`;

export function parseStreamIdentifier(text: string): StreamIdentifier | undefined {
	const [account, stream, epoch, ...rest] = text.split(':');
	if (account === undefined || !stream || epoch === undefined || !/^\d+$/.test(epoch) || rest.length > 0) return undefined;
	return {account, stream, creationEpoch: Number(epoch)};
}

/** The lease key of a shard: its id, or `account:stream:epoch:shardId` in a multi-stream table. */
export const leaseKeyOf = (shardId: string, stream?: StreamIdentifier): string =>
	stream === undefined ? shardId : `${streamIdentifierText(stream)}:${shardId}`;

/** A lease from a document client item; undefined for an item that is not a lease. */
export function leaseFromItem(item: Readonly<Record<string, unknown>>): Lease | undefined {
	const leaseKey = item[LEASE_KEY];
	if (typeof leaseKey !== 'string') return undefined;
	const parsed = parseLeaseKey(leaseKey);
	const explicitShard = typeof item.shardId === 'string' ? item.shardId : undefined;
	const shardId = parsed?.shardId ?? explicitShard;
	if (shardId === undefined) return undefined;
	const streamIdentifier = parsed?.stream ?? (typeof item.streamName === 'string' ? parseStreamIdentifier(item.streamName) : undefined);
	const owner = typeof item.leaseOwner === 'string' && item.leaseOwner !== '' ? item.leaseOwner : undefined;
	const checkpoint = typeof item.checkpoint === 'string' ? item.checkpoint : undefined;
	const sub = numberOf(item.checkpointSubSequenceNumber);
	const pending = typeof item.pendingCheckpoint === 'string' ? item.pendingCheckpoint : undefined;
	const switches = numberOf(item.ownerSwitchesSinceCheckpoint);
	const pendingSub = numberOf(item.pendingCheckpointSubSequenceNumber);
	const throughput = numberOf(item.throughputKBps);
	const checkpointOwner = typeof item.checkpointOwner === 'string' && item.checkpointOwner !== '' ? item.checkpointOwner : undefined;
	const startingHashKey = typeof item.startingHashKey === 'string' ? item.startingHashKey : undefined;
	const endingHashKey = typeof item.endingHashKey === 'string' ? item.endingHashKey : undefined;
	return {
		leaseKey,
		shardId,
		...(streamIdentifier === undefined ? {} : {streamIdentifier}),
		...(owner === undefined ? {} : {leaseOwner: owner}),
		leaseCounter: numberOf(item.leaseCounter) ?? 0,
		...(checkpoint === undefined ? {} : {checkpoint}),
		...(sub === undefined ? {} : {checkpointSubSequenceNumber: sub}),
		...(pending === undefined ? {} : {pendingCheckpoint: pending}),
		...(pendingSub === undefined || pending === undefined ? {} : {pendingCheckpointSubSequenceNumber: pendingSub}),
		...(switches === undefined ? {} : {ownerSwitchesSinceCheckpoint: switches}),
		parentShardIds: stringsOf(item.parentShardId),
		childShardIds: stringsOf(item.childShardIds),
		...(startingHashKey && endingHashKey ? {hashKeyRange: {startingHashKey, endingHashKey}} : {}),
		...(throughput === undefined ? {} : {throughputKBps: throughput}),
		...(checkpointOwner === undefined ? {} : {checkpointOwner}),
	};
}

/**
 * Whether an item looks like a KCL lease: a lease key and at least one of the lease's own attributes, and
 * no `entityType` but LEASE (the single-table format's worker metrics and coordinator state are not leases).
 */
export function looksLikeLease(item: Readonly<Record<string, unknown>>): boolean {
	if (item.entityType !== undefined && item.entityType !== LEASE_ENTITY_TYPE) return false;
	return typeof item[LEASE_KEY] === 'string' && ('checkpoint' in item || 'leaseCounter' in item || 'leaseOwner' in item);
}

function numberOf(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'bigint') return Number(value);
	if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
	return undefined;
}

/** A string set (Set), a list, or a single string: KCL writes sets; other libraries lists or strings. */
function stringsOf(value: unknown): string[] {
	if (value instanceof Set) return [...(value as Set<unknown>)].filter((entry): entry is string => typeof entry === 'string').sort();
	if (Array.isArray(value)) return value.filter((entry): entry is string => typeof entry === 'string');
	if (typeof value === 'string' && value !== '') return [value];
	return [];
}

/** Whether a table's schema is a lease table's: hash key `leaseKey` of type S, and no range key. */
export function hasLeaseSchema(table: TableDescription | undefined): boolean {
	const keys = table?.KeySchema ?? [];
	const hash = keys.find((key) => key.KeyType === 'HASH');
	if (hash?.AttributeName !== LEASE_KEY || keys.length !== 1) return false;
	const type = table?.AttributeDefinitions?.find((definition) => definition.AttributeName === LEASE_KEY)?.AttributeType;
	return type === undefined || type === 'S';
}

export const documentsOf = (clients: Pick<LeaseClients, 'dynamodb' | 'documents'>): DynamoDBDocumentClient =>
	clients.documents ?? DynamoDBDocumentClient.from(clients.dynamodb, {marshallOptions: {removeUndefinedValues: true}});

/** Every table name, following ListTables' pages. */
export async function listTableNames(dynamodb: DynamoDBClient, signal?: AbortSignal): Promise<string[]> {
	const names: string[] = [];
	let start: string | undefined;
	do {
		const page = await dynamodb.send(
			new ListTablesCommand(start === undefined ? {Limit: 100} : {Limit: 100, ExclusiveStartTableName: start}),
			sendOptions(signal),
		);
		names.push(...(page.TableNames ?? []));
		start = page.LastEvaluatedTableName;
	} while (start !== undefined);
	return names;
}

/** DescribeTable, or undefined when there is no such table. */
export async function describeTable(dynamodb: DynamoDBClient, table: string, signal?: AbortSignal): Promise<TableDescription | undefined> {
	try {
		return (await dynamodb.send(new DescribeTableCommand({TableName: table}), sendOptions(signal))).Table;
	} catch (error) {
		if ((error as {name?: string}).name === 'ResourceNotFoundException') return undefined;
		throw error;
	}
}

/** The most leases read from one table: thousands of shards are rare, a million items are not a lease table. */
export const MAX_LEASES = 50_000;

/**
 * Every lease of a table (consistent reads, all pages). Items that are not leases are skipped, or handed to
 * `others` (a 3.x single-table format's worker metrics and coordinator state: checkpoints/coordination.ts).
 */
export async function scanLeases(
	documents: DynamoDBDocumentClient,
	table: string,
	options: {
		readonly signal?: AbortSignal;
		readonly limit?: number;
		readonly others?: (item: Readonly<Record<string, unknown>>) => void;
		/**
		 * Strongly consistent (default), as a plan to change the leases needs; a view reads them eventually
		 * consistent, at half the read units of the application's own table, which its workers need.
		 */
		readonly consistent?: boolean;
	} = {},
): Promise<Lease[]> {
	const leases: Lease[] = [];
	const limit = options.limit ?? MAX_LEASES;
	let start: Record<string, unknown> | undefined;
	do {
		const page = await documents.send(
			new ScanCommand({
				TableName: table,
				ConsistentRead: options.consistent ?? true,
				...(start === undefined ? {} : {ExclusiveStartKey: start}),
			}),
			sendOptions(options.signal),
		);
		for (const item of page.Items ?? []) {
			const lease = looksLikeLease(item) ? leaseFromItem(item) : undefined;
			if (lease) leases.push(lease);
			else options.others?.(item);
		}
		start = page.LastEvaluatedKey;
	} while (start !== undefined && leases.length < limit);
	return leases;
}

/** The stream as a multi-stream application names it, from its ARN and creation time. */
export function streamIdentity(
	stream: string,
	arn: string | undefined,
	createdAt: Date | undefined,
): {readonly name: string; readonly account?: string; readonly creationEpoch?: number} {
	const account = arn?.split(':')[4];
	return {
		name: stream.startsWith('arn:') ? stream.slice(stream.indexOf(':stream/') + ':stream/'.length) : stream,
		...(account ? {account} : {}),
		...(createdAt === undefined ? {} : {creationEpoch: Math.floor(createdAt.getTime() / 1000)}),
	};
}

export interface StreamLeases {
	/** The leases of this stream. */
	readonly leases: readonly Lease[];
	/** Whether the table keys its leases by stream (KCL 2.x/3.x multi-stream). */
	readonly multiStream: boolean;
	/** The identifier the table uses for this stream (multi-stream only), to key new leases with. */
	readonly streamIdentifier?: StreamIdentifier;
	/** Multi-stream: leases of an earlier stream of the same name (deleted and created again), left out. */
	readonly otherIncarnations: number;
	/** Multi-stream: the other streams the table holds leases for. */
	readonly otherStreams: readonly string[];
}

/**
 * The leases of one stream in a table. A single-stream table's leases are all its stream's (its keys
 * do not name the stream); a multi-stream table's are those whose stream identifier names this stream
 * (and this account and creation time, when known: a stream deleted and created again has new shards).
 */
export function leasesOfStream(leases: readonly Lease[], identity: ReturnType<typeof streamIdentity>): StreamLeases {
	const multi = leases.filter((lease) => lease.streamIdentifier !== undefined);
	if (multi.length === 0) return {leases, multiStream: false, otherIncarnations: 0, otherStreams: []};
	const mine: Lease[] = [];
	const others = new Set<string>();
	let otherIncarnations = 0;
	let identifier: StreamIdentifier | undefined;
	for (const lease of multi) {
		const id = lease.streamIdentifier;
		if (id === undefined) continue;
		const sameName = id.stream === identity.name && (identity.account === undefined || id.account === identity.account);
		if (!sameName) {
			others.add(id.stream);
			continue;
		}
		// KCL takes the epoch in seconds; allow a second either way for rounding.
		if (identity.creationEpoch !== undefined && Math.abs(id.creationEpoch - identity.creationEpoch) > 1) {
			otherIncarnations++;
			continue;
		}
		identifier ??= id;
		mine.push(lease);
	}
	return {
		leases: mine,
		multiStream: true,
		...(identifier === undefined
			? identity.account !== undefined && identity.creationEpoch !== undefined
				? {streamIdentifier: {account: identity.account, stream: identity.name, creationEpoch: identity.creationEpoch}}
				: {}
			: {streamIdentifier: identifier}),
		otherIncarnations,
		otherStreams: [...others].sort(),
	};
}

/** The lease table of an application, checked: it must exist and have the lease schema. */
export async function requireLeaseTable(dynamodb: DynamoDBClient, application: string, signal?: AbortSignal): Promise<TableDescription> {
	const table = await describeTable(dynamodb, application, signal);
	if (table === undefined) {
		let candidates: string[] = [];
		try {
			candidates = await leaseTableNames(dynamodb, {signal, limit: 12});
		} catch {
			// The hint is a courtesy.
		}
		throw new ConsoleError({
			kind: 'not-found',
			message: `There is no lease table '${application}': a KCL application keeps its leases in a DynamoDB table named after it.`,
			hint:
				candidates.length > 0
					? `Lease tables there: ${candidates.join(', ')}.`
					: 'No table there has the lease schema (hash key leaseKey): check the application name, --region and --profile.',
		});
	}
	if (!hasLeaseSchema(table)) {
		throw new ConsoleError({
			kind: 'not-allowed',
			message: `The table '${application}' is not a KCL lease table: its hash key is ${table.KeySchema?.map((key) => key.AttributeName).join(', ') ?? 'unknown'}, not leaseKey.`,
		});
	}
	return table;
}

/** The names of the tables with the lease schema, a few described at a time. */
export async function leaseTableNames(
	dynamodb: DynamoDBClient,
	options: {readonly signal?: AbortSignal | undefined; readonly limit?: number; readonly concurrency?: number} = {},
): Promise<string[]> {
	const names = await listTableNames(dynamodb, options.signal);
	const found: string[] = [];
	let next = 0;
	const worker = async () => {
		while (next < names.length && found.length < (options.limit ?? Number.POSITIVE_INFINITY)) {
			const name = names[next++] as string;
			try {
				if (hasLeaseSchema(await describeTable(dynamodb, name, options.signal))) found.push(name);
			} catch {
				// A table that cannot be described is not shown.
			}
		}
	};
	await Promise.all(Array.from({length: Math.max(1, Math.min(options.concurrency ?? 8, names.length))}, worker));
	return found.sort();
}
