import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {
	checkpointPosition,
	describeTable,
	documentsOf,
	hasLeaseSchema,
	leasesOfStream,
	listTableNames,
	requireLeaseTable,
	scanLeases,
	type Lease,
	type StreamLeases,
} from '../leases.js';
import {
	kbpsText,
	readCoordination,
	workerLoad,
	type KclCoordination,
	type KclVersion,
	type LeaderLock,
	type MigrationState,
} from '../checkpoints/coordination.js';
import {leaseOwnership} from '../checkpoints/ownership.js';
import {measureLag} from '../checkpoints/reading.js';
import {mapLimited} from '../mapLimited.js';
import type {StreamRef} from '../aws/shards.js';
import type {ConsumerKind, DiscoveryContext, KindDiscovery} from './kind.js';

/**
 * KCL applications, found by their lease tables in DynamoDB (a table whose hash key is `leaseKey` and
 * whose items are leases, or one named by the caller). Their per-shard checkpoints and lag, and resets
 * of them, are console/checkpoints/.
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
	/** KCL 3.x: the sum of its leases' throughputKBps. */
	readonly throughputKBps?: number;
	/** KCL 3.x: CPU utilization its worker metric stats last reported, percent. */
	readonly cpuPercent?: number;
}

export interface KclApplication {
	readonly kind: 'kcl';
	/** The application name: its lease table's name. */
	readonly name: string;
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
	/** Which KCL the tables say runs it (checkpoints/coordination.ts); absent when its 3.x state could not be read. */
	readonly version?: KclVersion;
	/** KCL 3.x: the worker holding the leader lock. */
	readonly leader?: LeaderLock;
	/** KCL 3.x: the 2.x→3.x migration state. */
	readonly migration?: MigrationState;
	/** KCL 3.x: workers reporting metrics, leases or not. */
	readonly reportingWorkers?: number;
	/** The worst shard's lag: the age of the first record after its checkpoint, ms; absent when no shard's could be read. */
	readonly lagMs?: number;
	/** The shard with that lag, when it is behind. */
	readonly lagShardId?: string;
	/** Its checkpoints, shard by shard: the same text in two readings means it did not move (not in its JSON line). */
	readonly position: string;
}

const MATCH_TEXT: Readonly<Record<ApplicationMatch, string>> = {
	named: 'named (--app)',
	'stream-identifier': 'its lease keys',
	checkpoint: 'its checkpoints',
	'shard-ids': 'its shard ids only',
};

export const kclApplications: ConsumerKind<KclApplication> = {
	kind: 'kcl',
	label: 'KCL',
	title: 'KCL applications',
	part: 'applications',
	discover: discoverApplications,
	row: (app) => ({
		text: `${versionTag(app)}${app.leases} leases · ${app.workers.length} worker${app.workers.length === 1 ? '' : 's'}${app.unowned > 0 ? ` · ${app.unowned} unowned` : ''}${app.finished > 0 ? ` · ${app.finished} finished` : ''} · ${app.multiStream ? 'multi-stream table' : `matched by ${app.matchedBy}`}${coordinationText(app)}`,
		warn: app.unowned > 0,
	}),
	// `application` is what this line has always called the name.
	json: ({kind: _, name, position: _position, ...rest}) => ({type: 'application', application: name, ...rest}),
	table: (applications, stream) => {
		const shardIdsOnly = applications.filter((application) => application.matchedBy === 'shard-ids');
		const first = applications[0];
		return {
			empty: `No KCL application of '${stream}' was found (lease tables in DynamoDB).`,
			title: `KCL applications of '${stream}' (lease tables in DynamoDB):`,
			header: ['APPLICATION', 'LEASES', 'AT SHARD_END', 'WORKERS (LEASES)', 'UNOWNED', 'MATCHED BY', 'KCL', 'LEADER'],
			rows: applications.map((application) => [
				application.name,
				String(application.leases),
				String(application.finished),
				application.workers.length === 0 ? '-' : application.workers.map((worker) => `${worker.owner} (${workerText(worker)})`).join(', '),
				String(application.unowned),
				`${application.multiStream ? 'multi-stream, ' : ''}${MATCH_TEXT[application.matchedBy]}`,
				application.version === undefined
					? '?'
					: `${application.version}${application.migration && application.migration.clientVersion !== 'CLIENT_VERSION_3X' ? ` (${application.migration.clientVersion})` : ''}`,
				application.leader === undefined ? '-' : `${application.leader.owner}${application.leader.released ? ' (released)' : ''}`,
			]),
			notes:
				shardIdsOnly.length > 0
					? [`Matched by shard ids only (no checkpoint to confirm it): ${shardIdsOnly.map((application) => application.name).join(', ')}.`]
					: [],
			...(first === undefined ? {} : {next: `Per-shard checkpoints and lag: kinesis-console checkpoints ${stream} --app ${first.name}`}),
		};
	},
	capabilities: {
		positions: (application) => ({leaseTable: application.name}),
		reset: (application) => ({leaseTable: application.name}),
	},
	health: (application) => ({
		lagMs: application.lagMs,
		// Nothing reads when no worker owns a lease of a shard not yet finished (`unowned` counts the unfinished leases with no owner).
		reading: application.leases - application.finished === 0 ? undefined : application.leases - application.finished > application.unowned,
		position: application.position,
		failure: undefined,
	}),
};

async function discoverApplications(context: DiscoveryContext): Promise<KindDiscovery<KclApplication>> {
	const {clients, options, signal} = context;
	const problems: string[] = [];
	const named = [...new Set(options.applications ?? [])];
	// Named applications must exist: a typo is an error, not an empty list.
	for (const application of named) await requireLeaseTable(clients.dynamodb, application, signal);

	let candidates = [...named];
	if (options.discover !== false) {
		try {
			const tables = await listTableNames(clients.dynamodb, signal);
			const schemas = await mapLimited(
				tables.filter((name) => !named.includes(name)),
				options.concurrency ?? 8,
				async (name) => {
					try {
						return hasLeaseSchema(await describeTable(clients.dynamodb, name, signal)) ? name : undefined;
					} catch {
						// A table that cannot be described is not one this console can read either.
						return undefined;
					}
				},
			);
			candidates = [...candidates, ...schemas.filter((name): name is string => name !== undefined)];
		} catch (error) {
			problems.push(await context.describe(error, 'dynamodb'));
		}
	}

	const documents = documentsOf(clients);
	const applications: KclApplication[] = [];
	await mapLimited(candidates, options.concurrency ?? 8, async (application) => {
		try {
			const table = await describeTable(clients.dynamodb, application, signal);
			const others: Array<Readonly<Record<string, unknown>>> = [];
			const leases = await scanLeases(documents, application, {
				...(signal ? {signal} : {}),
				others: (item) => others.push(item),
				// A view: eventually consistent, at half the read units of the application's own table (leases.ts).
				consistent: false,
			});
			const ofStream = leasesOfStream(leases, context.identity);
			const match = named.includes(application)
				? 'named'
				: await matchApplication(clients.kinesis, context.stream, ofStream, context.shardIds, signal);
			if (match === undefined) return;
			let coordination: KclCoordination | undefined;
			try {
				coordination = await readCoordination(documents, application, table, others, ofStream.leases, signal);
			} catch (error) {
				// The application is still shown; what its 3.x tables hold is the problem.
				problems.push(`${application}: its KCL 3.x state could not be read: ${await context.describe(error, 'dynamodb')}`);
			}
			const lags = await leaseLags(context, ofStream.leases);
			applications.push({...summarize(application, table?.TableStatus ?? 'UNKNOWN', match, ofStream, coordination), ...lags});
		} catch (error) {
			problems.push(`${application}: ${await context.describe(error, 'dynamodb')}`);
		}
	});
	applications.sort((a, b) => a.name.localeCompare(b.name));
	return {consumers: applications, problems};
}

/** The worst lag of the leases (checkpoints/reading.ts measures each), and their checkpoints as a token. */
async function leaseLags(
	context: DiscoveryContext,
	leases: readonly Lease[],
): Promise<Pick<KclApplication, 'lagMs' | 'lagShardId' | 'position'>> {
	const measured = await mapLimited(leases, context.options.concurrency ?? 4, async (lease) => ({
		shardId: lease.shardId,
		lag: await measureLag(context.clients.kinesis, context.stream, lease, context.shardIds.has(lease.shardId), Date.now, context.signal),
	}));
	let worst: {shardId: string; lagMs: number} | undefined;
	for (const {shardId, lag} of measured) {
		const lagMs = lag.state === 'behind' ? lag.ageMs : lag.state === 'caught-up' || lag.state === 'shard-end' ? 0 : undefined;
		if (lagMs !== undefined && (worst === undefined || lagMs > worst.lagMs)) worst = {shardId, lagMs};
	}
	const position = [...leases]
		.sort((a, b) => a.shardId.localeCompare(b.shardId))
		.map((lease) => `${lease.shardId}=${lease.checkpoint ?? ''}/${lease.checkpointSubSequenceNumber ?? 0}`)
		.join(' ');
	return {
		...(worst === undefined ? {} : {lagMs: worst.lagMs}),
		...(worst !== undefined && worst.lagMs > 0 ? {lagShardId: worst.shardId} : {}),
		position,
	};
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
	const owned = await leaseOwnership(kinesis, stream, ofStream.leases, shardIds, signal);
	// Not confirmed (Kinesis throttled or denied the question): the shard ids are all there is to go by.
	return owned.kind === 'other-stream' ? undefined : owned.kind === 'unconfirmed' ? 'shard-ids' : owned.kind;
}

function summarize(
	application: string,
	tableStatus: string,
	match: ApplicationMatch,
	ofStream: StreamLeases,
	coordination: KclCoordination | undefined,
): Omit<KclApplication, 'position'> {
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
		kind: 'kcl',
		name: application,
		tableStatus,
		multiStream: ofStream.multiStream,
		matchedBy: match,
		leases: leases.length,
		finished,
		unowned,
		workers: [...owners]
			.map(([owner, count]) => {
				const {metricsUpdatedAt: _, ...load} = workerLoad(owner, leases, coordination);
				return {owner, leases: count, ...load};
			})
			.sort((a, b) => b.leases - a.leases || a.owner.localeCompare(b.owner)),
		otherStreams: ofStream.otherStreams,
		otherIncarnations: ofStream.otherIncarnations,
		...(coordination === undefined
			? {}
			: {
					version: coordination.version,
					...(coordination.leader === undefined ? {} : {leader: coordination.leader}),
					...(coordination.migration === undefined ? {} : {migration: coordination.migration}),
					...(coordination.workerMetrics.length === 0 ? {} : {reportingWorkers: coordination.workerMetrics.length}),
				}),
	};
}

/** A worker's leases, and its throughput and CPU where 3.x records them: "4, 120 KB/s, CPU 35%". */
function workerText(worker: ApplicationWorker): string {
	return [
		String(worker.leases),
		...(worker.throughputKBps === undefined ? [] : [`${kbpsText(worker.throughputKBps)} KB/s`]),
		...(worker.cpuPercent === undefined ? [] : [`CPU ${Math.round(worker.cpuPercent)}%`]),
	].join(', ');
}

/** Where the tables say more than 2.x: the version first in the consumers screen's row (its end may be cut), nothing for a plain 2.x table. */
const versionTag = (app: KclApplication): string =>
	app.version === undefined || (app.version === '2.x' && app.migration === undefined)
		? ''
		: `${app.version === 'upgrading-to-3.x' ? '2.x→3.x' : app.version === '2.x' ? '2.x (rolled back)' : '3.x'} · `;

/** Its leader and migration state where 3.x records them, at the end of the consumers screen's row. */
function coordinationText(app: KclApplication): string {
	return [
		'',
		...(app.migration !== undefined && app.migration.clientVersion !== 'CLIENT_VERSION_3X' ? [app.migration.clientVersion] : []),
		...(app.leader === undefined ? [] : [`leader ${app.leader.owner}${app.leader.released ? ' (released)' : ''}`]),
	].join(' · ');
}
