import {GetShardIteratorCommand} from '@aws-sdk/client-kinesis';
import type {PlanProblem} from '../changes.js';
import {
	checkpointPosition,
	documentsOf,
	leaseKeyOf,
	streamIdentifierText,
	type CheckpointPosition,
	type Lease,
	type LeaseClients,
} from '../leases.js';
import {plural} from '../format.js';
import {mapLimited} from '../mapLimited.js';
import {normalizeShardId, shardNumber} from '../reshard.js';
import {sleep} from '../aws/retry.js';
import {streamParameters, type StreamRef} from '../aws/shards.js';
import {streamNameOf} from '../traffic.js';
import {countBetween, recordsAround, type Budget} from './counting.js';
import {handoffProblem} from './handoff.js';
import {finishedShards, loadState, LeaseWatch, readLeases, type Holder} from './reading.js';
import {withRetries} from './scan.js';
import {compareCursors, cursorOf, describeTarget, type Cursor, type ResetTarget} from './targets.js';
import {LEASE_STEALING_NOTE} from '../leaseHold.js';
import {leaseOwnership} from './ownership.js';

/**
 * Checkpoint resets as plans: what each shard's checkpoint becomes, what will be re-read or skipped, and
 * what to read first (live workers, the child-shard trap). write.ts writes a plan.
 */

export interface ResetRequest {
	readonly to: ResetTarget;
	/** Shard ids (or numbers); default every shard the application has a lease for. */
	readonly shards?: readonly string[];
	/**
	 * Also make leases, at the new position, for the shards that have none (children after a reshard,
	 * say), instead of leaving them to start where the KCL starts them. Default false.
	 */
	readonly createMissingLeases?: boolean;
	/**
	 * Reset checkpoints that do not look like the stream's (leaseOwnership): the stream was deleted and
	 * made again under its name, and its application's checkpoints are of the stream before. Default false:
	 * a stream name typed wrong would otherwise move an application that reads another stream.
	 */
	readonly foreignCheckpoints?: boolean;
}

/** What a reset makes the application read again, or skip, in one shard. */
export type ResetEffect =
	| {readonly kind: 'none'}
	| {
			readonly kind: 're-read' | 'skip';
			readonly records: number;
			/** The count stopped at its budget: there are at least `records`. */
			readonly atLeast: boolean;
			/** When the time budget stopped the count: the records of the whole range, from the rate counted over its span. */
			readonly estimate?: number;
			/** Arrival of the first and last record counted, or of the range's last record when estimated (ISO). */
			readonly from?: string;
			readonly to?: string;
			readonly spanMs?: number;
			/** Skipping to LATEST also skips what arrives until a worker takes the lease. */
			readonly andNewer?: boolean;
	  }
	| {readonly kind: 'unknown'; readonly reason: string};

export interface ShardResetPlan {
	readonly shardId: string;
	readonly leaseKey: string;
	/** reset: a conditional write of the lease; create: a lease made where there is none; unchanged: nothing written. */
	readonly action: 'reset' | 'create' | 'unchanged';
	/** The lease as read for the plan: the conditional write expects exactly this. */
	readonly current: {
		readonly exists: boolean;
		readonly checkpoint?: string;
		readonly subSequenceNumber?: number;
		readonly leaseCounter?: number;
		readonly leaseOwner?: string;
		/** KCL 3.x: set during a graceful handoff; the write expects it as read (handoff.ts). */
		readonly checkpointOwner?: string;
		readonly holder: Holder;
	};
	readonly next: {
		readonly checkpoint: string;
		readonly subSequenceNumber: number;
		/** AT_TIMESTAMP: the first record at or after the time, which the application will read first. */
		readonly firstRecord?: {readonly sequenceNumber: string; readonly arrivalTime: string};
	};
	readonly effect: ResetEffect;
	readonly parentShardIds: readonly string[];
	readonly note?: string;
}

/** A shard with no lease, which the reset does not move unless asked to make its lease: the child-shard trap. */
export interface LeaselessShard {
	readonly shardId: string;
	readonly open: boolean;
	readonly parents: readonly string[];
	/** child: its parents have leases, and the KCL gives it a lease at TRIM_HORIZON once they finish; new: its lease comes from the shard sync, at the initial position. */
	readonly reason: 'child' | 'new';
	readonly startsAt: string;
	/** What it would read from TRIM_HORIZON. */
	readonly records: number;
	readonly atLeast: boolean;
	readonly from?: string;
	/** Whether this plan makes its lease (createMissingLeases). */
	readonly leaseCreated: boolean;
}

export interface CheckpointResetPlan {
	readonly operation: 'checkpoint-reset';
	readonly stream: string;
	readonly application: string;
	readonly multiStream: boolean;
	/** Multi-stream: the stream identifier new leases are keyed with. */
	readonly streamIdentifier?: string;
	readonly request: ResetRequest;
	/** The target in words: "TRIM_HORIZON", "AT_TIMESTAMP 2024-05-01T10:00:00.000Z". */
	readonly target: string;
	readonly plannedAt: string;
	readonly shards: readonly ShardResetPlan[];
	readonly leaseless: readonly LeaselessShard[];
	/** Workers seen renewing leases of the shards to reset. */
	readonly liveWorkers: readonly string[];
	readonly problems: readonly PlanProblem[];
	readonly warnings: readonly string[];
}

/**
 * What the user can do about a plan's problem or warning, named by whoever shows it: the console by
 * its key (ui/resetActions.ts), the command by its flag (commands/checkpoints.ts).
 */
export type ResetAction = 'createMissing' | 'takeLeases' | 'chooseShard' | 'foreignCheckpoints';

/** Actions as the request's own fields name them, when the caller names them no other way. */
const REQUEST_WORDS: Readonly<Record<ResetAction, string>> = {
	createMissing: 'createMissingLeases',
	takeLeases: 'a LeaseHold',
	chooseShard: 'request.shards',
	foreignCheckpoints: 'foreignCheckpoints',
};

export interface ResetPlanOptions {
	/** How actions are named in warnings: a key in the console, a flag on the command line. */
	readonly nameAction?: (action: ResetAction) => string;
	/** As for {@link readCheckpoints}: two lease reads this far apart tell live workers. Default 5 s; ignored with `watch`. */
	readonly livenessMs?: number;
	/** Holders already judged (an open CheckpointsStore's `watch`). */
	readonly watch?: LeaseWatch;
	/** The owner the console holds leases as (a LeaseHold's): those leases are not a worker's. */
	readonly heldBy?: string;
	/** Counting what is re-read or skipped. */
	readonly budget?: {
		/** Records counted per shard before saying "at least". Default 100,000. */
		readonly recordsPerShard?: number;
		/**
		 * Time for all the counting before saying "at least" and estimating the rest from the rate counted.
		 * Default 0.6 s: a plan is read while the user waits, and reading a busy shard through takes minutes
		 * at its 2 MB/s.
		 */
		readonly timeMs?: number;
		/** GetRecords calls per second per shard; the application's workers share the shard's 5. Default 2. */
		readonly callsPerSecond?: number;
	};
	readonly concurrency?: number;
	readonly signal?: AbortSignal;
	readonly now?: () => number;
}

/**
 * Plans a checkpoint reset: per shard the current and new checkpoint and what will be re-read or skipped, with the warnings worth reading first.
 * Long, in steps marked by comments: each shard's plan (planShard) and the whole plan's warnings share the state read once.
 */
export async function planCheckpointReset(
	clients: LeaseClients,
	stream: StreamRef,
	application: string,
	request: ResetRequest,
	options: ResetPlanOptions = {},
): Promise<CheckpointResetPlan> {
	const now = options.now ?? Date.now;
	const nameAction = options.nameAction ?? ((action: ResetAction) => REQUEST_WORDS[action]);
	const documents = documentsOf(clients);
	const state = await loadState(clients, documents, stream, application, options.signal);
	const livenessMs = options.watch === undefined ? Math.max(0, options.livenessMs ?? 5_000) : 0;
	const watch = options.watch ?? new LeaseWatch(livenessMs);
	watch.observe(state.leases, now());
	const budget: Budget = {
		recordsPerShard: options.budget?.recordsPerShard ?? 100_000,
		deadline: Date.now() + (options.budget?.timeMs ?? 600),
		callsPerSecond: options.budget?.callsPerSecond ?? 2,
		...(options.signal ? {signal: options.signal} : {}),
	};
	const problems: PlanProblem[] = [];
	const target = request.to;
	const byShard = new Map(state.leases.map((lease) => [lease.shardId, lease]));
	const finishedWithoutLease = finishedShards(state.shards, byShard);

	// Which shards: the ones asked for, or every lease.
	const asked = request.shards?.map(normalizeShardId);
	const chosen = asked === undefined ? [...byShard.keys()] : [...new Set(asked)];
	for (const shardId of asked ?? []) {
		if (byShard.has(shardId)) continue;
		if (!state.shards.has(shardId))
			problems.push({
				kind: 'not-found',
				message: `'${streamNameOf(stream)}' has no shard ${shardId}, and '${application}' has no lease for it.`,
			});
		else if (!request.createMissingLeases) {
			problems.push({
				kind: 'refused',
				message: `'${application}' has no lease for ${shardId}: there is no checkpoint to reset.`,
				hint: 'Make one at the new position',
				action: 'createMissing' satisfies ResetAction,
			});
		}
	}
	if (asked === undefined && state.leases.length === 0 && !request.createMissingLeases) {
		problems.push({
			kind: 'not-found',
			message: `'${application}' has no leases for '${streamNameOf(stream)}'${state.multiStream ? '' : ' (its lease table is empty)'}: there are no checkpoints to reset.`,
		});
	}
	// Whose leases: a single-stream table does not say (ownership.ts). A doubt refuses the reset, unless
	// told the checkpoints are the stream's before it was made again; then it is a warning.
	const streamName = streamNameOf(stream);
	let ownershipDoubt: string | undefined;
	const doubt = (text: string) => {
		if (ownershipDoubt !== undefined) return;
		ownershipDoubt = `The checkpoints of '${application}' ${text}`;
		if (request.foreignCheckpoints === true) return;
		problems.push({
			kind: 'refused',
			message: `${ownershipDoubt}. Reset, they would move an application that reads another stream.`,
			hint: `Name the stream it reads (kinesis-console consumers STREAM lists a stream's applications); or, if '${streamName}' was deleted and made again under its name, reset them all the same`,
			action: 'foreignCheckpoints' satisfies ResetAction,
		});
	};
	if (!state.multiStream && state.leases.length > 0) {
		const owned = await leaseOwnership(clients.kinesis, stream, state.leases, new Set(state.shards.keys()), options.signal);
		if (owned.kind === 'other-stream') doubt(`do not look like those of '${streamName}': ${owned.reason}`);
		if (owned.kind === 'unconfirmed') doubt(`could not be confirmed as those of '${streamName}' (${owned.reason})`);
	}
	if (target.type === 'SEQUENCE_NUMBER' && chosen.length !== 1) {
		problems.push({
			kind: 'refused',
			message: 'A sequence number belongs to one shard: reset that shard alone to reset to it.',
			hint: 'Name that shard alone',
			action: 'chooseShard' satisfies ResetAction,
		});
	}

	// Shards with no lease: the child-shard trap.
	const leaselessIds = [...state.shards.values()]
		.filter((shard) => !byShard.has(shard.shardId) && !finishedWithoutLease.has(shard.shardId))
		.map((shard) => shard.shardId)
		.sort((a, b) => shardNumber(a) - shardNumber(b));
	const createIds = request.createMissingLeases ? leaselessIds.filter((shardId) => asked === undefined || asked.includes(shardId)) : [];

	// The second lease read for liveness goes on while records are counted.
	const livenessRead =
		livenessMs > 0 && state.leases.some((lease) => lease.leaseOwner !== undefined)
			? sleep(livenessMs, options.signal).then(async () => {
					const {leases} = await readLeases(documents, application, state.identity, options.signal);
					watch.observe(leases, now());
					return leases;
				})
			: Promise.resolve(undefined);
	// Awaited once the shards are planned; should planning fail first, its failure (the connection closed under it) is not another.
	livenessRead.catch(() => undefined);

	const planShard = async (shardId: string, lease: Lease | undefined): Promise<ShardResetPlan> => {
		const shard = state.shards.get(shardId);
		const position = checkpointPosition(lease);
		const parentShardIds = lease && lease.parentShardIds.length > 0 ? lease.parentShardIds : (shard?.parents ?? []);
		const current = {
			exists: lease !== undefined,
			...(lease?.checkpoint === undefined ? {} : {checkpoint: lease.checkpoint}),
			...(lease?.checkpointSubSequenceNumber === undefined ? {} : {subSequenceNumber: lease.checkpointSubSequenceNumber}),
			...(lease === undefined ? {} : {leaseCounter: lease.leaseCounter}),
			...(lease?.leaseOwner === undefined ? {} : {leaseOwner: lease.leaseOwner}),
			...(lease?.checkpointOwner === undefined ? {} : {checkpointOwner: lease.checkpointOwner}),
			holder: watch.holder(lease, now()),
		};
		const base = {
			shardId,
			leaseKey: lease?.leaseKey ?? leaseKeyOf(shardId, state.multiStream ? state.streamIdentifier : undefined),
			current,
			parentShardIds,
		};
		const unchanged = {checkpoint: lease?.checkpoint ?? '', subSequenceNumber: lease?.checkpointSubSequenceNumber ?? 0};
		if (shard === undefined)
			return {
				...base,
				action: 'unchanged',
				next: unchanged,
				effect: {kind: 'unknown', reason: 'the stream no longer lists the shard'},
				note: 'left as it is: the shard is gone',
			};
		if (target.type === 'SEQUENCE_NUMBER' && chosen.length !== 1)
			return {...base, action: 'unchanged', next: unchanged, effect: {kind: 'unknown', reason: 'a sequence number needs one shard'}};
		// The new checkpoint.
		let next: ShardResetPlan['next'];
		let nextCursor: Cursor;
		try {
			({next, cursor: nextCursor} = await newCheckpoint(clients, stream, shardId, target, budget, options.signal));
		} catch (error) {
			if (options.signal?.aborted) throw error;
			if ((error as {name?: string}).name === 'InvalidArgumentException' && target.type === 'SEQUENCE_NUMBER') {
				problems.push({
					kind: 'refused',
					message: `${target.sequenceNumber} is not a sequence number of ${shardId} of '${streamNameOf(stream)}' (Kinesis said: ${(error as Error).message})`,
				});
				return {
					...base,
					action: 'unchanged',
					next: {checkpoint: target.sequenceNumber, subSequenceNumber: 0},
					effect: {kind: 'unknown', reason: 'not a sequence number of this shard'},
				};
			}
			throw error;
		}
		const effect = await resetEffect(clients, stream, shardId, lease, position, nextCursor, budget).catch((error: unknown): ResetEffect => {
			// The current checkpoint is another stream's: what lies between is unknown, and the reset is refused
			// unless told the checkpoints are the stream's before it was made again.
			if (options.signal?.aborted || (error as {name?: string}).name !== 'InvalidArgumentException') throw error;
			doubt(
				`do not look like those of '${streamName}': Kinesis refuses its checkpoint of ${shardId} as a sequence number of another stream`,
			);
			return {kind: 'unknown', reason: 'the current checkpoint is not a sequence number of this shard'};
		});
		const sameText = lease?.checkpoint === next.checkpoint && (lease.checkpointSubSequenceNumber ?? 0) === next.subSequenceNumber;
		// A finished shard stays finished unless the reset makes it read records again.
		const finishedStays = position.type === 'SHARD_END' && effect.kind !== 're-read';
		const action = lease === undefined ? 'create' : sameText || finishedStays ? 'unchanged' : 'reset';
		return {
			...base,
			action,
			next: finishedStays ? {checkpoint: 'SHARD_END', subSequenceNumber: 0} : next,
			effect: finishedStays ? {kind: 'none'} : effect,
			...(finishedStays
				? {note: 'finished (SHARD_END): nothing to read again at the new position'}
				: sameText
					? {note: 'already there'}
					: {}),
		};
	};

	const counted = await mapLimited(
		[...chosen.filter((shardId) => byShard.has(shardId)), ...createIds],
		options.concurrency ?? 4,
		async (shardId) => planShard(shardId, byShard.get(shardId)),
	);
	const leaselessCounts = await mapLimited(
		leaselessIds.filter((shardId) => !createIds.includes(shardId)),
		options.concurrency ?? 4,
		async (shardId) => ({shardId, ...(await countBetween(clients.kinesis, stream, shardId, {kind: 'start'}, {kind: 'tip'}, budget))}),
	);

	// With the second read in, re-plan the shards whose lease moved meanwhile: the plan expects the newest.
	const reread = await livenessRead;
	let shards = counted;
	if (reread !== undefined) {
		const newer = new Map(reread.map((lease) => [lease.shardId, lease]));
		shards = await mapLimited(counted, options.concurrency ?? 4, async (plan) => {
			const lease = newer.get(plan.shardId);
			if (!plan.current.exists || lease === undefined) return plan;
			if (lease.checkpoint === plan.current.checkpoint && lease.checkpointSubSequenceNumber === plan.current.subSequenceNumber) {
				// Owners as the newer read has them: a handoff may have started or ended between the reads.
				const {leaseOwner: _owner, checkpointOwner: _handoff, ...current} = plan.current;
				return {
					...plan,
					current: {
						...current,
						leaseCounter: lease.leaseCounter,
						...(lease.leaseOwner === undefined ? {} : {leaseOwner: lease.leaseOwner}),
						...(lease.checkpointOwner === undefined ? {} : {checkpointOwner: lease.checkpointOwner}),
						holder: watch.holder(lease, now()),
					},
				};
			}
			return planShard(plan.shardId, lease);
		});
	}
	shards.sort((a, b) => shardNumber(a.shardId) - shardNumber(b.shardId));
	const handoff = handoffProblem(shards);
	if (handoff !== undefined) problems.push(handoff);

	const leaseless: LeaselessShard[] = leaselessIds.map((shardId) => {
		const shard = state.shards.get(shardId);
		const parents = shard?.parents ?? [];
		const child = parents.some((parent) => byShard.has(parent));
		const count = leaselessCounts.find((entry) => entry.shardId === shardId);
		return {
			shardId,
			open: shard?.open ?? false,
			parents,
			reason: child ? 'child' : 'new',
			startsAt: child
				? 'TRIM_HORIZON, once its parents reach SHARD_END'
				: "the application's initial position (often TRIM_HORIZON or LATEST)",
			records: count?.records ?? 0,
			atLeast: count?.atLeast ?? false,
			...(count?.firstMs === undefined ? {} : {from: new Date(count.firstMs).toISOString()}),
			leaseCreated: createIds.includes(shardId),
		};
	});

	const {warnings, liveWorkers} = planWarnings({
		shards,
		leaseless,
		target,
		leases: byShard,
		heldBy: options.heldBy,
		problems: problems.length,
		nameAction,
	});
	// Told to reset them all the same: the doubt is still said.
	if (ownershipDoubt !== undefined && request.foreignCheckpoints === true)
		warnings.unshift(`${ownershipDoubt}: reset all the same, as asked.`);

	return {
		operation: 'checkpoint-reset',
		stream,
		application,
		multiStream: state.multiStream,
		...(state.multiStream && state.streamIdentifier ? {streamIdentifier: streamIdentifierText(state.streamIdentifier)} : {}),
		request,
		target: describeTarget(target),
		plannedAt: new Date(now()).toISOString(),
		shards,
		leaseless,
		liveWorkers,
		problems,
		warnings,
	};
}

/** What to read before writing a plan: leases held by the console or live workers, unchecked owners, the child-shard trap, LATEST, pending checkpoints. */
function planWarnings({
	shards,
	leaseless,
	target,
	leases,
	heldBy,
	problems,
	nameAction,
}: {
	readonly shards: readonly ShardResetPlan[];
	readonly leaseless: readonly LeaselessShard[];
	readonly target: ResetTarget;
	readonly leases: ReadonlyMap<string, Lease>;
	readonly heldBy: string | undefined;
	readonly problems: number;
	readonly nameAction: (action: ResetAction) => string;
}): {warnings: string[]; liveWorkers: string[]} {
	const warnings: string[] = [];
	const written = shards.filter((plan) => plan.action !== 'unchanged');
	const byConsole = (plan: ShardResetPlan) => heldBy !== undefined && plan.current.leaseOwner === heldBy;
	const held = written.filter(byConsole);
	if (held.length > 0)
		warnings.push(
			`The console holds the lease${held.length === 1 ? '' : 's'} of ${held.length === 1 ? held[0]?.shardId : `${held.length} shards`}: the workers stopped reading ${held.length === 1 ? 'it' : 'them'} and ${held.length === 1 ? 'its checkpoint stays' : 'their checkpoints stay'} put. The reset gives ${held.length === 1 ? 'it' : 'them'} back, and a worker takes each from its new checkpoint; leaving without writing gives them back unchanged. ${LEASE_STEALING_NOTE}`,
		);
	const live = written.filter((plan) => plan.current.holder === 'live' && !byConsole(plan));
	const liveWorkers = [
		...new Set(live.map((plan) => plan.current.leaseOwner).filter((owner): owner is string => owner !== undefined)),
	].sort();
	if (live.length > 0) {
		warnings.push(
			`Workers still hold live leases on ${live.length < written.length ? `${live.length} of the ${written.length} shards` : written.length === 1 ? 'the shard' : `all ${written.length} shards`} to reset (${liveWorkers.join(', ')}): a running worker keeps its position in memory and may overwrite the reset. ` +
				'The reset bumps each lease counter, so the holder loses the lease at its next renewal and picks it up again from the new checkpoint; a checkpoint it writes before the reset is caught (changed since the plan). Stopping the application first is safest; ' +
				`taking the leases first (${nameAction('takeLeases')}) keeps the checkpoints where the plan read them until the reset.`,
		);
	}
	const unknown = written.filter((plan) => plan.current.holder === 'unknown' && !byConsole(plan));
	if (unknown.length > 0) {
		warnings.push(
			`${unknown.length} lease${unknown.length === 1 ? ' has an owner' : 's have owners'} whose liveness was not checked: a running worker may overwrite the reset.`,
		);
	}
	const trapped = leaseless.filter((shard) => !shard.leaseCreated);
	if (trapped.length > 0 && target.type !== 'TRIM_HORIZON') {
		const children = trapped.filter((shard) => shard.reason === 'child');
		const waiting = trapped.reduce((sum, shard) => sum + shard.records, 0);
		warnings.push(
			`The child-shard trap: ${trapped.map((shard) => shard.shardId).join(', ')} ${trapped.length === 1 ? 'has' : 'have'} no lease${children.length > 0 ? ` (${children.length === trapped.length ? '' : 'some are '}children after a reshard)` : ''}, so this reset does not move ${trapped.length === 1 ? 'it' : 'them'}. ` +
				`When the application reaches ${trapped.length === 1 ? 'it, it starts' : 'them, they start'} at TRIM_HORIZON (children of a finished parent) or at the application's initial position, ` +
				`reading ${trapped.some((shard) => shard.atLeast) ? 'at least ' : ''}${plural(waiting, 'record')} already there, whatever the reset says. ` +
				`Make their leases at the new position too (${nameAction('createMissing')}).`,
		);
	}
	if (target.type === 'LATEST' && written.length > 0) {
		warnings.push(
			'LATEST is kept as LATEST: a worker starts at the newest record when it takes the lease, so what arrives between the reset and then is skipped too.',
		);
	}
	const pending = written.filter((plan) => leases.get(plan.shardId)?.pendingCheckpoint !== undefined);
	if (pending.length > 0)
		warnings.push(
			`${pending.length} lease${pending.length === 1 ? ' has a pending' : 's have pending'} (prepared) checkpoint${pending.length === 1 ? '' : 's'}: the reset removes ${pending.length === 1 ? 'it' : 'them'}.`,
		);
	if (written.length === 0 && problems === 0) warnings.push('Every chosen checkpoint is already there: there is nothing to write.');

	return {warnings, liveWorkers};
}

/** A shard's new checkpoint under the target, and the cursor it reads from; a sequence number is checked against the shard first. */
async function newCheckpoint(
	clients: LeaseClients,
	stream: StreamRef,
	shardId: string,
	target: ResetTarget,
	budget: Budget,
	signal: AbortSignal | undefined,
): Promise<{next: ShardResetPlan['next']; cursor: Cursor}> {
	switch (target.type) {
		case 'TRIM_HORIZON':
			return {next: {checkpoint: 'TRIM_HORIZON', subSequenceNumber: 0}, cursor: {kind: 'start'}};
		case 'LATEST':
			return {next: {checkpoint: 'LATEST', subSequenceNumber: 0}, cursor: {kind: 'tip'}};
		case 'SEQUENCE_NUMBER': {
			await withRetries(
				() =>
					clients.kinesis.send(
						new GetShardIteratorCommand({
							...streamParameters(stream),
							ShardId: shardId,
							ShardIteratorType: 'AT_SEQUENCE_NUMBER',
							StartingSequenceNumber: target.sequenceNumber,
						}),
						signal ? {abortSignal: signal} : {},
					),
				signal,
			);
			return {
				next: {checkpoint: target.sequenceNumber, subSequenceNumber: 0},
				cursor: {kind: 'after', sequenceNumber: target.sequenceNumber},
			};
		}
		case 'AT_TIMESTAMP': {
			const around = await recordsAround(clients.kinesis, stream, shardId, target.timestamp, budget);
			const firstRecord =
				around.after === undefined
					? {}
					: {firstRecord: {sequenceNumber: around.after.sequenceNumber, arrivalTime: new Date(around.after.arrivalMs).toISOString()}};
			return around.before === undefined
				? {next: {checkpoint: 'TRIM_HORIZON', subSequenceNumber: 0, ...firstRecord}, cursor: {kind: 'start'}}
				: {
						next: {checkpoint: around.before.sequenceNumber, subSequenceNumber: 0, ...firstRecord},
						cursor: {kind: 'after', sequenceNumber: around.before.sequenceNumber},
					};
		}
	}
}

/** What moves: from the current checkpoint (or where a leaseless shard would start: TRIM_HORIZON) to the new one, counted. */
async function resetEffect(
	clients: LeaseClients,
	stream: StreamRef,
	shardId: string,
	lease: Lease | undefined,
	position: CheckpointPosition,
	nextCursor: Cursor,
	budget: Budget,
): Promise<ResetEffect> {
	const currentCursor: Cursor | undefined = lease === undefined ? {kind: 'start'} : cursorOf(position);
	if (currentCursor === undefined)
		return {
			kind: 'unknown',
			reason:
				position.type === 'AT_TIMESTAMP'
					? "the current position is the application's initial timestamp, which the lease does not hold"
					: 'the current checkpoint is not a position',
		};
	const order = compareCursors(nextCursor, currentCursor);
	if (order === 0) return {kind: 'none'};
	const [from, to] = order < 0 ? [nextCursor, currentCursor] : [currentCursor, nextCursor];
	const counted = await countBetween(clients.kinesis, stream, shardId, from, to, budget);
	return counted.records === 0 && !counted.atLeast
		? {kind: 'none'}
		: {
				kind: order < 0 ? 're-read' : 'skip',
				records: counted.records,
				atLeast: counted.atLeast,
				...(counted.estimate === undefined ? {} : {estimate: counted.estimate}),
				...(counted.firstMs === undefined ? {} : {from: new Date(counted.firstMs).toISOString()}),
				...(counted.lastMs === undefined ? {} : {to: new Date(counted.lastMs).toISOString()}),
				...(counted.firstMs === undefined || counted.lastMs === undefined ? {} : {spanMs: counted.lastMs - counted.firstMs}),
				...(to.kind === 'tip' && position.type !== 'SHARD_END' && order > 0 ? {andNewer: true} : {}),
			};
}
