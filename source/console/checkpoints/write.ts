import {GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient} from '@aws-sdk/lib-dynamodb';
import {AuditLog, auditTarget} from '../auditLog.js';
import {isAbort, problemError, retrying, type ChangeContext, type ChangeProgress} from '../changes.js';
import {formatFailure, toFailure} from '../failures.js';
import {documentsOf, LEASE_KEY, leaseFromItem, type LeaseClients} from '../leases.js';
import {streamNameOf} from '../traffic.js';
import {planCheckpointReset, type CheckpointResetPlan, type ResetAction, type ResetPlanOptions, type ShardResetPlan} from './plan.js';

/**
 * A reset plan written: conditional writes that never overwrite a checkpoint written after the plan was
 * made, the audit log's lines, and the plan made again when a shard changed under it.
 */

/** Where and how a reset runs: a Connection's clients and target, and the audit log. */
export interface CheckpointChangeContext extends ChangeContext, LeaseClients {
	/** The owner the console holds leases as (a LeaseHold's): each such lease is given up by the write that resets it. */
	readonly releaseOwner?: string;
}

/** A shard whose lease changed between the plan and the write: nothing was written to it. */
export interface ChangedShard {
	readonly shardId: string;
	readonly planned: {readonly checkpoint?: string; readonly leaseCounter?: number; readonly exists: boolean};
	/** The lease now; absent when it was deleted. */
	readonly now?: {
		readonly checkpoint?: string;
		readonly subSequenceNumber?: number;
		readonly leaseCounter: number;
		readonly leaseOwner?: string;
		readonly checkpointOwner?: string;
	};
	/**
	 * What changed: the checkpoint (a worker checkpointed), the lease's existence, or a KCL 3.x graceful
	 * handoff began or ended (handoff.ts). A lease renewed or taken with its checkpoint where the plan read it
	 * is written: renewals move the counter alone.
	 */
	readonly change: 'checkpoint' | 'created' | 'deleted' | 'handoff';
}

export interface CheckpointResetResult {
	readonly stream: string;
	readonly application: string;
	readonly written: ReadonlyArray<{
		readonly shardId: string;
		readonly action: 'reset' | 'create';
		readonly before?: string;
		readonly after: string;
	}>;
	readonly changedSincePlan: readonly ChangedShard[];
	/** When a shard changed since the plan: the plan made again from the table as it is now, to be shown and confirmed again. */
	readonly replan?: CheckpointResetPlan;
}

const PENDING_ATTRIBUTES = ['pendingCheckpoint', 'pendingCheckpointSubSequenceNumber', 'pendingCheckpointState'] as const;

/**
 * Writes a plan: each lease with a conditional write that expects the checkpoint and lease counter the
 * plan read, bumping the counter; a lease to make only where none exists. A shard whose lease moved
 * since the plan is left as it is and reported, and the plan is made again for the caller to show.
 * Yields `submitting`, `retrying` while throttled, and `done` with the result; the audit log
 * gets a `submitted` line before the writes and a `completed` (or `failed`) line after.
 * One generator: the yields, the writes and the audit lines around them are one ordered sequence.
 */
export async function* executeCheckpointReset(
	context: CheckpointChangeContext,
	plan: CheckpointResetPlan,
	replanOptions: ResetPlanOptions = {},
): AsyncGenerator<ChangeProgress<CheckpointResetResult>, CheckpointResetResult> {
	const problem = problemError(plan.problems);
	if (problem) throw problem;
	const now = context.now ?? Date.now;
	const documents = documentsOf(context);
	const audit = context.audit === false ? undefined : (context.audit ?? new AuditLog());
	const toWrite = plan.shards.filter((shard) => shard.action !== 'unchanged');
	const {base, before, planned} = auditOfReset(context, plan, toWrite);

	await audit?.check();
	yield {type: 'submitting', operation: 'checkpoint reset'};
	const startedMs = now();
	await audit?.append({...base, outcome: 'submitted', before, after: {planned}});
	const written: Array<CheckpointResetResult['written'][number]> = [];
	const changed: ChangedShard[] = [];
	try {
		for (const shard of toWrite) {
			if (context.signal?.aborted) break;
			const outcome = yield* retrying(
				shard.action === 'create' ? 'PutItem' : 'UpdateItem',
				() => writeShard(documents, plan, shard, context.releaseOwner),
				context,
			);
			if (outcome === 'written') {
				written.push({
					shardId: shard.shardId,
					action: shard.action === 'create' ? 'create' : 'reset',
					...(shard.current.checkpoint === undefined ? {} : {before: shard.current.checkpoint}),
					after: shard.next.checkpoint,
				});
			} else {
				changed.push(await changedShard(documents, plan.application, shard));
			}
		}
	} catch (error) {
		const text = isAbort(error)
			? 'stopped'
			: formatFailure(await toFailure(error, {target: context.target, service: 'dynamodb', tableName: plan.application})).replaceAll(
					'\n',
					' ',
				);
		await audit?.append({
			...base,
			outcome: 'failed',
			before,
			after: {written: written.map(({shardId, after}) => ({shardId, checkpoint: after}))},
			error: text,
			elapsedMs: now() - startedMs,
		});
		throw error;
	}
	const elapsedMs = now() - startedMs;
	const after = {
		written: written.map(({shardId, after: checkpoint}) => ({shardId, checkpoint})),
		...(changed.length === 0 ? {} : {changedSincePlan: changed.map((shard) => shard.shardId)}),
	};
	await audit?.append({
		...base,
		outcome: written.length === 0 && changed.length > 0 ? 'failed' : 'completed',
		before,
		after,
		...(changed.length > 0 ? {error: `${changed.length} shard${changed.length === 1 ? '' : 's'} changed since the plan: not written`} : {}),
		elapsedMs,
	});
	const replan =
		changed.length > 0
			? await planCheckpointReset(context, plan.stream, plan.application, plan.request, {
					...replanOptions,
					...(context.signal ? {signal: context.signal} : {}),
				})
			: undefined;
	const result: CheckpointResetResult = {
		stream: plan.stream,
		application: plan.application,
		written,
		changedSincePlan: changed,
		...(replan ? {replan} : {}),
	};
	yield {type: 'done', elapsedMs, result};
	return result;
}

/** What the audit log says of a reset: the operation, the checkpoints before, and the ones planned. */
function auditOfReset(context: CheckpointChangeContext, plan: CheckpointResetPlan, toWrite: readonly ShardResetPlan[]) {
	const base = {
		id: AuditLog.newId(),
		operation: 'checkpoint-reset',
		stream: streamNameOf(plan.stream),
		target: auditTarget(context.target),
		parameters: {
			application: plan.application,
			to: plan.target,
			shards: plan.request.shards ?? 'all',
			createMissingLeases: plan.request.createMissingLeases ?? false,
		},
	};
	const before = toWrite.map((shard) => ({
		shardId: shard.shardId,
		...(shard.current.exists
			? {
					checkpoint: shard.current.checkpoint ?? null,
					subSequenceNumber: shard.current.subSequenceNumber ?? 0,
					leaseCounter: shard.current.leaseCounter,
				}
			: {lease: 'none'}),
	}));
	const planned = toWrite.map((shard) => ({shardId: shard.shardId, checkpoint: shard.next.checkpoint}));

	return {base, before, planned};
}

async function writeShard(
	documents: DynamoDBDocumentClient,
	plan: CheckpointResetPlan,
	shard: ShardResetPlan,
	releaseOwner?: string,
): Promise<'written' | 'changed'> {
	try {
		if (shard.action === 'create') {
			const identifier = plan.streamIdentifier;
			await documents.send(
				new PutCommand({
					TableName: plan.application,
					Item: {
						leaseKey: shard.leaseKey,
						checkpoint: shard.next.checkpoint,
						checkpointSubSequenceNumber: shard.next.subSequenceNumber,
						leaseCounter: 0,
						ownerSwitchesSinceCheckpoint: 0,
						...(shard.parentShardIds.length > 0 ? {parentShardId: new Set(shard.parentShardIds)} : {}),
						...(plan.multiStream && identifier !== undefined ? {streamName: identifier, shardId: shard.shardId} : {}),
					},
					ConditionExpression: 'attribute_not_exists(leaseKey)',
				}),
			);
			return 'written';
		}
		const names: Record<string, string> = {
			'#key': LEASE_KEY,
			'#cp': 'checkpoint',
			'#sub': 'checkpointSubSequenceNumber',
			'#counter': 'leaseCounter',
		};
		PENDING_ATTRIBUTES.forEach((name, index) => (names[`#p${index}`] = name));
		const values: Record<string, unknown> = {':cp': shard.next.checkpoint, ':sub': shard.next.subSequenceNumber, ':one': 1, ':zero': 0};
		// The write expects the checkpoint the plan read, not the lease counter: a KCL worker renews its
		// lease by bumping the counter alone every few seconds (DynamoDBLeaseRefresher.renewLease expects
		// leaseCounter and sets leaseCounter + 1, awslabs/amazon-kinesis-client), so a renewal says nothing
		// about the position, and expecting the counter refused every reset of a live application.
		// The counter is still bumped, so that the holder loses the lease at its next renewal or checkpoint.
		const conditions = ['attribute_exists(#key)'];
		if (shard.current.checkpoint === undefined) conditions.push('attribute_not_exists(#cp)');
		else {
			conditions.push('#cp = :oldcp');
			values[':oldcp'] = shard.current.checkpoint;
		}
		if (shard.current.subSequenceNumber === undefined) conditions.push('attribute_not_exists(#sub)');
		else {
			conditions.push('#sub = :oldsub');
			values[':oldsub'] = shard.current.subSequenceNumber;
		}
		// A graceful handoff begun or ended since the plan is not written over (handoff.ts); checkpointOwner is kept.
		names['#cpo'] = 'checkpointOwner';
		if (shard.current.checkpointOwner === undefined) conditions.push('attribute_not_exists(#cpo)');
		else {
			conditions.push('#cpo = :cpo');
			values[':cpo'] = shard.current.checkpointOwner;
		}
		// A lease the console holds is given up in the same write: the workers take it from the new checkpoint.
		const release = releaseOwner !== undefined && shard.current.leaseOwner === releaseOwner;
		if (release) {
			names['#owner'] = 'leaseOwner';
			values[':me'] = releaseOwner;
			conditions.push('#owner = :me');
		}
		const removed = [...PENDING_ATTRIBUTES.map((_, index) => `#p${index}`), ...(release ? ['#owner'] : [])];
		await documents.send(
			new UpdateCommand({
				TableName: plan.application,
				Key: {leaseKey: shard.leaseKey},
				UpdateExpression: `SET #cp = :cp, #sub = :sub, #counter = if_not_exists(#counter, :zero) + :one REMOVE ${removed.join(', ')}`,
				ConditionExpression: conditions.join(' AND '),
				ExpressionAttributeNames: names,
				ExpressionAttributeValues: values,
			}),
		);
		return 'written';
	} catch (error) {
		if ((error as {name?: string}).name === 'ConditionalCheckFailedException') return 'changed';
		throw error;
	}
}

async function changedShard(documents: DynamoDBDocumentClient, table: string, shard: ShardResetPlan): Promise<ChangedShard> {
	const planned = {
		exists: shard.current.exists,
		...(shard.current.checkpoint === undefined ? {} : {checkpoint: shard.current.checkpoint}),
		...(shard.current.leaseCounter === undefined ? {} : {leaseCounter: shard.current.leaseCounter}),
	};
	const item = (await documents.send(new GetCommand({TableName: table, Key: {leaseKey: shard.leaseKey}, ConsistentRead: true}))).Item;
	if (item === undefined) return {shardId: shard.shardId, planned, change: 'deleted'};
	const lease = leaseFromItem(item);
	const nowLease = {
		...(lease?.checkpoint === undefined ? {} : {checkpoint: lease.checkpoint}),
		...(lease?.checkpointSubSequenceNumber === undefined ? {} : {subSequenceNumber: lease.checkpointSubSequenceNumber}),
		leaseCounter: lease?.leaseCounter ?? 0,
		...(lease?.leaseOwner === undefined ? {} : {leaseOwner: lease.leaseOwner}),
		...(lease?.checkpointOwner === undefined ? {} : {checkpointOwner: lease.checkpointOwner}),
	};
	const sameCheckpoint =
		lease?.checkpoint === shard.current.checkpoint && lease?.checkpointSubSequenceNumber === shard.current.subSequenceNumber;
	const change = !shard.current.exists
		? 'created'
		: sameCheckpoint && lease?.checkpointOwner !== shard.current.checkpointOwner
			? 'handoff'
			: 'checkpoint';
	return {shardId: shard.shardId, planned, now: nowLease, change};
}

/** Why a shard was not written, in words the console and the command both use. */
export function changedShardText(shard: ChangedShard, checkpointText: (checkpoint: string) => string = (text) => text): string {
	switch (shard.change) {
		case 'checkpoint': {
			const now = shard.now;
			const position = now?.checkpoint === undefined ? 'no checkpoint' : checkpointText(now.checkpoint);
			const sub = (now?.subSequenceNumber ?? 0) > 0 ? `/${now?.subSequenceNumber}` : '';
			const planned = shard.planned.checkpoint === undefined ? 'none' : checkpointText(shard.planned.checkpoint);
			return `${now?.leaseOwner ?? 'someone'} checkpointed it at ${position}${sub} after the plan (planned on ${planned})`;
		}
		case 'deleted':
			return 'its lease was deleted after the plan';
		case 'created':
			return 'a lease was made for it after the plan';
		case 'handoff':
			return shard.now?.checkpointOwner === undefined
				? 'a graceful handoff ended after the plan'
				: `${shard.now.checkpointOwner} began handing it to ${shard.now.leaseOwner ?? 'another worker'} after the plan (KCL 3.x graceful handoff)`;
	}
}

/**
 * What to do when checkpoints keep moving under a reset: the application's workers are running. Said
 * when a reset leaves shards because their checkpoint moved since the plan; `nameAction` names taking
 * the leases the caller's way (a key, a flag).
 */
export const movingCheckpointsAdvice = (nameAction: (action: ResetAction) => string): string =>
	"The application's workers are still checkpointing these shards, so each plan is stale by the time it is written. " +
	'Stop the application (its workers give their leases up and the checkpoints stay put), then reset again; ' +
	`or take the leases first (${nameAction('takeLeases')}): the workers stop reading those shards until the reset gives the leases back.`;
