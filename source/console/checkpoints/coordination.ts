import {ScanCommand, type DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb';
import type {TableDescription} from '@aws-sdk/client-dynamodb';
import type {Lease} from '../leases.js';

/**
 * What a KCL 3.x application keeps beside its leases, read as the KCL writes it (awslabs/amazon-kinesis-client):
 *
 * - Worker metric stats (WorkerMetricStats.java): one item per worker, `wid` (its id; `leaseKey` in the lease
 *   table), `lut` (last update, epoch seconds), `sts` (metric short name to its recent averages, newest last,
 *   -1 when it could not be read: WorkerMetricStatsManager.computeMetrics), `opr` (operating range).
 *   Short names are WorkerMetricType's: C (CPU, percent), M (memory), NI / NO (network in / out), T (throughput).
 * - Coordinator state (CoordinatorState.java, CoordinatorStateDAO.java): the leader lock `Leader`
 *   (LeaderLock.LEADER_HASH_KEY), an item of the DynamoDB lock client (`ownerName`, `leaseDuration`,
 *   `recordVersionNumber`, `isReleased`), and the 2.x→3.x migration state `Migration3.0`
 *   (MigrationState.MIGRATION_HASH_KEY: `cv` the ClientVersion, `mb` modified by, `mts` modified at in epoch
 *   milliseconds, `h` history), and `TableMigration3.5` (TableMigrationState: `tm` its status).
 *
 * KCL 3.0 keeps them in tables of their own, `<app>-WorkerMetricStats` (hash key `wid`) and
 * `<app>-CoordinatorState` (hash key `key`) (DdbTableConfig: applicationName + "-" + suffix); the
 * single-table format of later 3.x releases keeps them in the lease table, told apart by `entityType`
 * (EntityType.java: WORKER_METRIC_STATS, LEADER, CLIENT_VERSION_MIGRATION, TABLE_MIGRATION) and keyed by
 * `leaseKey`. Both are read: during a table migration the CoordinatorStateDAO reads the legacy table first.
 */

export const WORKER_METRIC_STATS_SUFFIX = '-WorkerMetricStats';
export const COORDINATOR_STATE_SUFFIX = '-CoordinatorState';
/** DynamoDBLeaseRefresher.LEASE_OWNER_TO_LEASE_KEY_INDEX_NAME: the GSI a 3.x worker finds its leases with. */
export const LEASE_OWNER_INDEX = 'LeaseOwnerToLeaseKeyIndex';
export const LEADER_KEY = 'Leader';
export const MIGRATION_KEY = 'Migration3.0';
export const TABLE_MIGRATION_KEY = 'TableMigration3.5';

/** WorkerMetricType's short names, as `sts` keys them. */
const METRIC_NAMES: Readonly<Record<string, string>> = {C: 'cpu', M: 'memory', NI: 'networkIn', NO: 'networkOut', T: 'throughput'};

/** What each ClientVersion means for the application (ClientVersion.java). */
const CLIENT_VERSIONS: Readonly<Record<string, string>> = {
	CLIENT_VERSION_INIT: 'initializing',
	CLIENT_VERSION_UPGRADE_FROM_2X:
		'upgrading from 2.x: 3.x workers run the 2.x leader election and lease assignment until every worker is 3.x',
	CLIENT_VERSION_2X: 'rolled back to 2.x: 3.x workers run the 2.x algorithms',
	CLIENT_VERSION_3X_WITH_ROLLBACK: '3.x, rollback still possible',
	CLIENT_VERSION_3X: '3.x',
};

/** Which KCL the tables say runs the application. */
export type KclVersion = '2.x' | 'upgrading-to-3.x' | '3.x';

export interface WorkerMetrics {
	readonly workerId: string;
	/** When the worker last reported (ISO). */
	readonly updatedAt?: string;
	/** CPU utilization, percent: the newest of its recent averages. */
	readonly cpuPercent?: number;
	/** Every metric's newest value by name (cpu, memory, networkIn, networkOut, throughput; others by short name). */
	readonly metrics: Readonly<Record<string, number>>;
}

export interface LeaderLock {
	readonly owner: string;
	readonly leaseDurationMs?: number;
	/** The lock client marks a released lock `isReleased`: no worker leads until one acquires it. */
	readonly released: boolean;
}

export interface MigrationState {
	/** ClientVersion as stored: CLIENT_VERSION_3X, CLIENT_VERSION_UPGRADE_FROM_2X, ... */
	readonly clientVersion: string;
	readonly meaning: string;
	readonly modifiedBy?: string;
	/** ISO. */
	readonly modifiedAt?: string;
}

export interface KclCoordination {
	readonly version: KclVersion;
	readonly leader?: LeaderLock;
	readonly migration?: MigrationState;
	/** TableMigrationState's status (the move to the single-table format), when there is one. */
	readonly tableMigration?: string;
	readonly workerMetrics: readonly WorkerMetrics[];
	/** Whether the lease table has the LeaseOwnerToLeaseKeyIndex GSI (a 3.x lease table). */
	readonly leaseOwnerIndex: boolean;
	/** Where this was read: the lease table (single-table format) and the legacy tables found. */
	readonly sources: readonly string[];
}

/** An item of the lease table that is not a lease, or of a legacy table, as the document client gives it. */
type Item = Readonly<Record<string, unknown>>;

/** The coordination state of an application, from its lease table's other items and its legacy tables. */
export async function readCoordination(
	documents: DynamoDBDocumentClient,
	application: string,
	leaseTable: TableDescription | undefined,
	leaseTableItems: readonly Item[],
	leases: readonly Lease[],
	signal?: AbortSignal,
): Promise<KclCoordination> {
	const [metricTable, stateTable] = await Promise.all([
		scanIfExists(documents, `${application}${WORKER_METRIC_STATS_SUFFIX}`, signal),
		scanIfExists(documents, `${application}${COORDINATOR_STATE_SUFFIX}`, signal),
	]);
	const sources = [
		...(leaseTableItems.length > 0 ? [application] : []),
		...(metricTable === undefined ? [] : [`${application}${WORKER_METRIC_STATS_SUFFIX}`]),
		...(stateTable === undefined ? [] : [`${application}${COORDINATOR_STATE_SUFFIX}`]),
	];
	// Items keyed `leaseKey` in the lease table, `wid` or `key` in the legacy ones.
	const fromLeaseTable = leaseTableItems.map((item) => ({item, key: item.leaseKey}));
	const states = [...(stateTable ?? []).map((item) => ({item, key: item.key})), ...fromLeaseTable];
	const stateOf = (key: string, entityType: string) =>
		states.find(({item, key: itemKey}) => itemKey === key && (item.entityType === undefined || item.entityType === entityType))?.item;
	const metricItems = [
		...(metricTable ?? []).map((item) => ({item, key: item.wid})),
		...fromLeaseTable.filter(({item}) => item.entityType === 'WORKER_METRIC_STATS'),
	];
	const workerMetrics = new Map<string, WorkerMetrics>();
	for (const {item, key} of metricItems)
		if (typeof key === 'string' && !workerMetrics.has(key)) workerMetrics.set(key, metricsOf(key, item));

	const leader = leaderOf(stateOf(LEADER_KEY, 'LEADER'));
	const migration = migrationOf(stateOf(MIGRATION_KEY, 'CLIENT_VERSION_MIGRATION'));
	const tableMigration = stringOf(stateOf(TABLE_MIGRATION_KEY, 'TABLE_MIGRATION')?.tm);
	const leaseOwnerIndex = (leaseTable?.GlobalSecondaryIndexes ?? []).some((index) => index.IndexName === LEASE_OWNER_INDEX);
	return {
		version: versionOf(migration, {
			threeX:
				leader !== undefined ||
				workerMetrics.size > 0 ||
				leaseOwnerIndex ||
				leases.some((lease) => lease.throughputKBps !== undefined || lease.checkpointOwner !== undefined),
		}),
		...(leader === undefined ? {} : {leader}),
		...(migration === undefined ? {} : {migration}),
		...(tableMigration === undefined ? {} : {tableMigration}),
		workerMetrics: [...workerMetrics.values()].sort((a, b) => a.workerId.localeCompare(b.workerId)),
		leaseOwnerIndex,
		sources,
	};
}

/** The migration state decides; without one, any 3.x trace (a leader lock, worker metrics, the GSI, 3.x lease attributes) says 3.x. */
function versionOf(migration: MigrationState | undefined, traces: {readonly threeX: boolean}): KclVersion {
	switch (migration?.clientVersion) {
		case 'CLIENT_VERSION_3X':
		case 'CLIENT_VERSION_3X_WITH_ROLLBACK':
			return '3.x';
		case 'CLIENT_VERSION_UPGRADE_FROM_2X':
		case 'CLIENT_VERSION_INIT':
			return 'upgrading-to-3.x';
		case 'CLIENT_VERSION_2X':
			return '2.x';
		default:
			return traces.threeX ? '3.x' : '2.x';
	}
}

function metricsOf(workerId: string, item: Item): WorkerMetrics {
	const metrics: Record<string, number> = {};
	const stats = item.sts;
	if (stats !== null && typeof stats === 'object' && !Array.isArray(stats)) {
		for (const [short, values] of Object.entries(stats as Record<string, unknown>)) {
			// The newest average is last; -1 marks a reading that failed.
			const newest = Array.isArray(values) ? numberOf(values[values.length - 1]) : undefined;
			if (newest !== undefined && newest >= 0) metrics[METRIC_NAMES[short] ?? short] = newest;
		}
	}
	const updated = numberOf(item.lut);
	return {
		workerId,
		...(updated === undefined ? {} : {updatedAt: new Date(updated * 1000).toISOString()}),
		...(metrics.cpu === undefined ? {} : {cpuPercent: metrics.cpu}),
		metrics,
	};
}

function leaderOf(item: Item | undefined): LeaderLock | undefined {
	const owner = stringOf(item?.ownerName);
	if (item === undefined || owner === undefined) return undefined;
	const duration = numberOf(item.leaseDuration);
	return {owner, ...(duration === undefined ? {} : {leaseDurationMs: duration}), released: item.isReleased !== undefined};
}

function migrationOf(item: Item | undefined): MigrationState | undefined {
	const clientVersion = stringOf(item?.cv);
	if (item === undefined || clientVersion === undefined) return undefined;
	const modifiedBy = stringOf(item.mb);
	const modifiedMs = numberOf(item.mts);
	return {
		clientVersion,
		meaning: CLIENT_VERSIONS[clientVersion] ?? 'unknown to this console',
		...(modifiedBy === undefined ? {} : {modifiedBy}),
		...(modifiedMs === undefined ? {} : {modifiedAt: new Date(modifiedMs).toISOString()}),
	};
}

/**
 * Tables found missing, per client, and until when that is believed: a 2.x application has neither
 * 3.0 table, and asking again at every refresh would be two refused Scans every 5 s in a shared account.
 */
const absentTables = new WeakMap<DynamoDBDocumentClient, Map<string, number>>();
const ABSENT_FOR_MS = 60_000;

/** Every item of a small table, or undefined when there is no such table. */
async function scanIfExists(documents: DynamoDBDocumentClient, table: string, signal?: AbortSignal): Promise<Item[] | undefined> {
	let absent = absentTables.get(documents);
	if (!absent) absentTables.set(documents, (absent = new Map()));
	if ((absent.get(table) ?? 0) > Date.now()) return undefined;
	const items: Item[] = [];
	let start: Record<string, unknown> | undefined;
	try {
		do {
			const page = await documents.send(
				// Eventually consistent: shown, never acted on, and at half the read units the workers' own table needs.
				new ScanCommand({TableName: table, ConsistentRead: false, ...(start === undefined ? {} : {ExclusiveStartKey: start})}),
				signal ? {abortSignal: signal} : {},
			);
			items.push(...(page.Items ?? []));
			start = page.LastEvaluatedKey;
			// A worker per item: thousands at most; stop well before a table that is not the KCL's.
		} while (start !== undefined && items.length < 10_000);
	} catch (error) {
		if ((error as {name?: string}).name !== 'ResourceNotFoundException') throw error;
		absent.set(table, Date.now() + ABSENT_FOR_MS);
		return undefined;
	}
	return items;
}

const stringOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function numberOf(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
	return undefined;
}

/** The application's KCL in words: "KCL 3.x", "KCL 2.x→3.x upgrade". */
export const versionText = (version: KclVersion): string => (version === 'upgrading-to-3.x' ? 'KCL 2.x→3.x upgrade' : `KCL ${version}`);

/** Per worker: its throughput (the sum of its leases' throughputKBps) and its CPU, where 3.x records them. */
export function workerLoad(
	owner: string,
	leases: readonly Lease[],
	coordination: KclCoordination | undefined,
): {readonly throughputKBps?: number; readonly cpuPercent?: number; readonly metricsUpdatedAt?: string} {
	const own = leases.filter((lease) => lease.leaseOwner === owner && lease.throughputKBps !== undefined);
	const metrics = coordination?.workerMetrics.find((worker) => worker.workerId === owner);
	return {
		...(own.length === 0 ? {} : {throughputKBps: own.reduce((sum, lease) => sum + (lease.throughputKBps ?? 0), 0)}),
		...(metrics?.cpuPercent === undefined ? {} : {cpuPercent: metrics.cpuPercent}),
		...(metrics?.updatedAt === undefined ? {} : {metricsUpdatedAt: metrics.updatedAt}),
	};
}

/** One line on an application's KCL: "KCL 3.x · leader worker-a · migration CLIENT_VERSION_3X_WITH_ROLLBACK (3.x, rollback still possible)". */
export function coordinationSummary(kcl: KclCoordination): string {
	return [
		versionText(kcl.version),
		...(kcl.leader === undefined ? [] : [`leader ${kcl.leader.owner}${kcl.leader.released ? ' (released)' : ''}`]),
		...(kcl.migration === undefined ? [] : [`migration ${kcl.migration.clientVersion} (${kcl.migration.meaning})`]),
		...(kcl.tableMigration === undefined ? [] : [`table migration ${kcl.tableMigration}`]),
		...(kcl.workerMetrics.length === 0
			? []
			: [`${kcl.workerMetrics.length} worker${kcl.workerMetrics.length === 1 ? '' : 's'} reporting metrics`]),
	].join(' · ');
}

/** A worker's load in words: "2 leases, 120 KB/s, CPU 35%". */
export function workerLoadText(worker: {readonly leases: number; readonly throughputKBps?: number; readonly cpuPercent?: number}): string {
	return [
		`${worker.leases} lease${worker.leases === 1 ? '' : 's'}`,
		...(worker.throughputKBps === undefined ? [] : [`${kbpsText(worker.throughputKBps)} KB/s`]),
		...(worker.cpuPercent === undefined ? [] : [`CPU ${Math.round(worker.cpuPercent)}%`]),
	].join(', ');
}

export const kbpsText = (value: number): string => (value >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10));
