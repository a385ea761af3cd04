import {randomUUID} from 'node:crypto';
import type {DynamoDBClient} from '@aws-sdk/client-dynamodb';
import {DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb';
import {COORDINATOR_STATE_SUFFIX, LEADER_KEY, MIGRATION_KEY, WORKER_METRIC_STATS_SUFFIX} from '../../checkpoints/coordination.js';
import {sleep} from '../../aws/retry.js';
import {ensureTable, hashKeyTableInput} from './tables.js';

/**
 * What a KCL 3.0 application keeps beside its lease table, written as awslabs/amazon-kinesis-client
 * v3.0.3 writes it (the console reads it back in checkpoints/coordination.ts):
 *
 * - `<app>-WorkerMetricStats` (DdbTableConfig: applicationName + "-WorkerMetricStats", hash key `wid`):
 *   each worker's item (WorkerMetricStats.java), updated every `metricsEveryMs` (the KCL's
 *   workerMetricsReporterFreqInMillis, 30 s): `lut` (epoch seconds), `sts` (WorkerMetricType short name to
 *   its recent averages, newest last, at most noOfPersistedMetricsPerWorkerMetrics = 10) and `opr` (its
 *   operating range: C at most 100). The CPU figures are the demo's own: a base plus what the worker
 *   processes, with noise (a real worker reads /proc/stat).
 * - `<app>-CoordinatorState` (hash key `key`): the leader lock `Leader`, an item of the DynamoDB lock
 *   client (`ownerName`, `leaseDuration` in ms as a string, `recordVersionNumber` a UUID changed by each
 *   heartbeat; DynamoDBLockBasedLeaderDecider: a 2-minute lease, a heartbeat every 30 s; deleted on
 *   release), and the migration state `Migration3.0` (MigrationState.serialize: `cv`, `mb`, `mts` in epoch
 *   ms, `h` the history, newest first), created if absent (CoordinatorStateDAO.createCoordinatorStateIfNotExists)
 *   as an application migrated from 2.x has it: CLIENT_VERSION_3X, after CLIENT_VERSION_3X_WITH_ROLLBACK
 *   (the leader's flip once the fleet was 3.x-ready), CLIENT_VERSION_UPGRADE_FROM_2X and CLIENT_VERSION_INIT.
 */

export interface Kcl3Worker {
	readonly id: string;
	/** Records processed so far. */
	readonly processed: number;
}

export interface Kcl3Options {
	/** How often each worker reports its metric stats. KCL: 30 s. */
	readonly metricsEveryMs: number;
	/** The leader lock's heartbeat. KCL: 30 s, for a 2-minute lease. */
	readonly leaderHeartbeatMs: number;
	readonly random: () => number;
}

/** DynamoDBLockBasedLeaderDecider.DEFAULT_LEASE_DURATION_MILLIS. */
const LEADER_LEASE_MS = 120_000;
/** LeaseManagementConfig.noOfPersistedMetricsPerWorkerMetrics. */
const PERSISTED_METRICS = 10;

export class Kcl3Coordination {
	private readonly metricTable: string;
	private readonly stateTable: string;
	/** The lock's record version as this application last wrote it, while one of its workers leads. */
	private leaderVersion: string | undefined;
	/** Another owner's lock: its version and since when it has not moved (the lock client takes it over after leaseDuration). */
	private seenLock: {version: string; sinceMs: number} | undefined;
	private readonly cpu = new Map<string, {values: number[]; processed: number; atMs: number}>();

	constructor(
		private readonly clients: {readonly dynamodb: DynamoDBClient; readonly documents: DynamoDBDocumentClient},
		application: string,
		private readonly workers: readonly Kcl3Worker[],
		private readonly signal: AbortSignal,
		private readonly options: Kcl3Options,
	) {
		this.metricTable = `${application}${WORKER_METRIC_STATS_SUFFIX}`;
		this.stateTable = `${application}${COORDINATOR_STATE_SUFFIX}`;
	}

	/** The leader, when one of this application's workers holds the lock. */
	get leader(): string | undefined {
		return this.leaderVersion === undefined ? undefined : this.workers[0]?.id;
	}

	/** Creates both tables, and the migration state if there is none. */
	async prepare(): Promise<void> {
		const {dynamodb, documents} = this.clients;
		await Promise.all([
			ensureTable(dynamodb, hashKeyTableInput(this.metricTable, 'wid'), this.signal),
			ensureTable(dynamodb, hashKeyTableInput(this.stateTable, 'key'), this.signal),
		]);
		const nowMs = Date.now();
		const [first, second] = [this.workers[0]?.id ?? 'worker', this.workers[1]?.id ?? this.workers[0]?.id ?? 'worker'];
		const entry = (cv: string, mb: string, mts: number) => ({cv, mb, mts});
		try {
			await documents.send(
				new PutCommand({
					TableName: this.stateTable,
					Item: {
						key: MIGRATION_KEY,
						cv: 'CLIENT_VERSION_3X',
						mb: first,
						mts: nowMs,
						h: [
							entry('CLIENT_VERSION_3X_WITH_ROLLBACK', second, nowMs - 3_600_000),
							entry('CLIENT_VERSION_UPGRADE_FROM_2X', first, nowMs - 2 * 3_600_000),
							entry('CLIENT_VERSION_INIT', first, nowMs - 2 * 3_600_000),
						],
					},
					ConditionExpression: 'attribute_not_exists(#key)',
					ExpressionAttributeNames: {'#key': 'key'},
				}),
				{abortSignal: this.signal},
			);
		} catch (error) {
			if ((error as {name?: string}).name !== 'ConditionalCheckFailedException') throw error;
		}
	}

	/** Holds the leader lock and reports every worker's metrics until stopped. */
	async run(report: (what: string, error: unknown) => void): Promise<void> {
		let nextMetricsMs = 0;
		let nextHeartbeatMs = 0;
		while (!this.signal.aborted) {
			const nowMs = Date.now();
			try {
				if (nowMs >= nextHeartbeatMs) {
					nextHeartbeatMs = nowMs + this.options.leaderHeartbeatMs;
					await this.holdLeadership();
				}
			} catch (error) {
				report('the leader lock', error);
			}
			try {
				if (nowMs >= nextMetricsMs) {
					nextMetricsMs = nowMs + this.options.metricsEveryMs;
					for (const worker of this.workers) await this.reportMetrics(worker);
				}
			} catch (error) {
				report('the worker metrics', error);
			}
			await sleep(Math.max(100, Math.min(nextHeartbeatMs, nextMetricsMs) - Date.now()), this.signal);
		}
	}

	/** Releases the leader lock as the lock client does on close (the item is deleted). */
	async shutdown(): Promise<void> {
		const version = this.leaderVersion;
		if (version === undefined) return;
		this.leaderVersion = undefined;
		try {
			await this.clients.documents.send(
				new DeleteCommand({
					TableName: this.stateTable,
					Key: {key: LEADER_KEY},
					ConditionExpression: 'recordVersionNumber = :version',
					ExpressionAttributeValues: {':version': version},
				}),
			);
		} catch (error) {
			if ((error as {name?: string}).name !== 'ConditionalCheckFailedException') throw error;
		}
	}

	/** The first worker leads: a heartbeat while it holds the lock, else it acquires it (free, released, or stale for leaseDuration). */
	private async holdLeadership(): Promise<void> {
		const owner = this.workers[0]?.id;
		if (owner === undefined) return;
		const {documents} = this.clients;
		const next = randomUUID();
		const lock = {key: LEADER_KEY, ownerName: owner, leaseDuration: String(LEADER_LEASE_MS), recordVersionNumber: next};
		try {
			if (this.leaderVersion !== undefined) {
				await documents.send(
					new PutCommand({
						TableName: this.stateTable,
						Item: lock,
						ConditionExpression: 'recordVersionNumber = :version AND ownerName = :owner',
						ExpressionAttributeValues: {':version': this.leaderVersion, ':owner': owner},
					}),
					{abortSignal: this.signal},
				);
				this.leaderVersion = next;
				return;
			}
			const current = (
				await documents.send(new GetCommand({TableName: this.stateTable, Key: {key: LEADER_KEY}, ConsistentRead: true}), {
					abortSignal: this.signal,
				})
			).Item;
			if (current === undefined) {
				await documents.send(
					new PutCommand({
						TableName: this.stateTable,
						Item: lock,
						ConditionExpression: 'attribute_not_exists(#key)',
						ExpressionAttributeNames: {'#key': 'key'},
					}),
					{abortSignal: this.signal},
				);
				this.leaderVersion = next;
				return;
			}
			const version = String(current.recordVersionNumber ?? '');
			const nowMs = Date.now();
			if (this.seenLock?.version !== version) this.seenLock = {version, sinceMs: nowMs};
			const free =
				current.isReleased !== undefined ||
				this.workers.some((worker) => worker.id === current.ownerName) ||
				nowMs - this.seenLock.sinceMs >= Number(current.leaseDuration ?? LEADER_LEASE_MS);
			if (!free) return;
			await documents.send(
				new PutCommand({
					TableName: this.stateTable,
					Item: lock,
					ConditionExpression: 'recordVersionNumber = :version',
					ExpressionAttributeValues: {':version': version},
				}),
				{abortSignal: this.signal},
			);
			this.leaderVersion = next;
		} catch (error) {
			// Someone else moved the lock first: this worker does not lead (for now).
			if ((error as {name?: string}).name !== 'ConditionalCheckFailedException') throw error;
			this.leaderVersion = undefined;
		}
	}

	/** WorkerMetricStatsDAO.updateMetrics: one UpdateItem of the worker's item. */
	private async reportMetrics(worker: Kcl3Worker): Promise<void> {
		const nowMs = Date.now();
		const previous = this.cpu.get(worker.id);
		const perSecond = previous === undefined ? 0 : ((worker.processed - previous.processed) * 1000) / Math.max(1, nowMs - previous.atMs);
		// A worker's CPU as the demo makes it up: a base, a share per record a second, and noise.
		const cpu = Math.round(Math.min(95, Math.max(1, 6 + perSecond * 0.12 + (this.options.random() - 0.5) * 4)) * 100) / 100;
		const values = [...(previous?.values ?? []), cpu].slice(-PERSISTED_METRICS);
		this.cpu.set(worker.id, {values, processed: worker.processed, atMs: nowMs});
		await this.clients.documents.send(
			new UpdateCommand({
				TableName: this.metricTable,
				Key: {wid: worker.id},
				UpdateExpression: 'SET lut = :lut, sts = :sts, opr = :opr',
				ExpressionAttributeValues: {':lut': Math.floor(nowMs / 1000), ':sts': {C: values}, ':opr': {C: [100]}},
			}),
			{abortSignal: this.signal},
		);
	}
}
