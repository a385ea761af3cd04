import type {Connection} from '../console/connect.js';
import type {ChangeProgress} from '../console/changes.js';
import {planCheckpointReset, type CheckpointResetPlan, type ResetRequest} from '../console/checkpoints/plan.js';
import type {LeaseWatch} from '../console/checkpoints/reading.js';
import {CheckpointsStore, type CheckpointsView} from '../console/checkpoints/store.js';
import {executeCheckpointReset, type CheckpointResetResult} from '../console/checkpoints/write.js';
import {BehindStore} from '../console/consumers/behindStore.js';
import {discoverConsumers, type StreamConsumers} from '../console/consumers/index.js';
import type {ConsumerClients} from '../console/consumers/kind.js';
import {
	executeMappingSwitch,
	planMappingSwitch,
	type MappingSwitchPlan,
	type MappingSwitchResult,
} from '../console/consumers/lambdaChanges.js';
import {executeFanOutChange, planFanOutChange, type FanOutChangePlan, type FanOutChangeResult} from '../console/consumers/fanOutChanges.js';
import {LeaseHold} from '../console/leaseHold.js';
import type {Loadable, RunningStore} from '../console/store.js';
import {keyOfResetAction} from './resetActions.js';

/** An application's checkpoints as a view reads them: read every few seconds while started, with a lag series per shard. */
export interface CheckpointsSource extends RunningStore<Loadable<CheckpointsView>> {
	refresh(): Promise<void>;
	/** Holders judged over the reads so far, for a reset plan. */
	readonly watch?: LeaseWatch;
}

/**
 * What the consumers, checkpoints and reset views reach the core through. Reading is there under
 * --read-only too; `planReset`, `reset`, `planDeregister` and `deregister` are not.
 */
export interface ConsumerServices {
	readonly describeError: (error: unknown) => Promise<string>;
	/** The stream's consumers of every registered kind. */
	readonly discover: (stream: string, signal?: AbortSignal) => Promise<StreamConsumers>;
	/** Who is behind on the stream: one store per stream, shared by the consumers screen and each consumer's own, so its readings carry over. */
	readonly behind: (stream: string) => BehindStore;
	readonly checkpoints: (stream: string, application: string) => CheckpointsSource;
	readonly planReset?: (
		stream: string,
		application: string,
		request: ResetRequest,
		options: {readonly watch?: LeaseWatch; readonly signal?: AbortSignal; readonly heldBy?: string},
	) => Promise<CheckpointResetPlan>;
	/** Writes a plan with conditional writes (executeCheckpointReset, which writes the audit log); leases `heldBy` the console are given back by their writes. */
	readonly reset?: (
		plan: CheckpointResetPlan,
		signal: AbortSignal,
		heldBy?: string,
	) => AsyncIterable<ChangeProgress<CheckpointResetResult>>;
	/** What deregistering an enhanced fan-out consumer would change (the deregister screen). */
	readonly planDeregister?: (stream: string, consumerName: string, signal?: AbortSignal) => Promise<FanOutChangePlan>;
	/** Deregisters as planned and follows the consumer until it is gone (executeFanOutChange, which writes the audit log). */
	readonly deregister?: (plan: FanOutChangePlan, signal: AbortSignal) => AsyncIterable<ChangeProgress<FanOutChangeResult>>;
	/** What pausing or resuming a Lambda event source mapping would change (the pause screen); absent without a Lambda client. */
	readonly planPause?: (stream: string, uuid: string, action: 'pause' | 'resume', signal?: AbortSignal) => Promise<MappingSwitchPlan>;
	/** Pauses or resumes as planned, followed until Disabled or Enabled (executeMappingSwitch, which writes the audit log). */
	readonly pause?: (plan: MappingSwitchPlan, signal: AbortSignal) => AsyncIterable<ChangeProgress<MappingSwitchResult>>;
	/** Takes leases from their workers for a reset, so that their checkpoints stay put until it is written (LeaseHold). */
	readonly takeLeases?: (application: string, leaseKeys: readonly string[]) => Promise<{hold: LeaseHold; missed: string[]}>;
}

export function consoleConsumerServices(
	connection: Pick<Connection, 'kinesis' | 'dynamodb' | 'target'> &
		Partial<Pick<Connection, 'documents' | 'lambda' | 'firehose' | 'flink' | 'cloudwatch'>>,
	describeError: (error: unknown) => Promise<string>,
	options: {readonly readOnly: boolean; readonly refreshMs?: number; readonly behindWindowMs?: number},
): ConsumerServices {
	const clients = {
		kinesis: connection.kinesis,
		dynamodb: connection.dynamodb,
		...(connection.documents ? {documents: connection.documents} : {}),
	};
	const discoveryClients: ConsumerClients = {
		...clients,
		// Read when discovery first asks (the consumers screen), so the console starts without loading Lambda's client.
		get lambda() {
			return connection.lambda;
		},
		get firehose() {
			return connection.firehose;
		},
		get flink() {
			return connection.flink;
		},
		get cloudwatch() {
			return connection.cloudwatch;
		},
	};
	// The last checkpoints store of each application: a reset plan takes the holders it has judged, rather than reading twice.
	const stores = new Map<string, CheckpointsStore>();
	const key = (stream: string, application: string) => `${stream}\u0000${application}`;
	const behindStores = new Map<string, BehindStore>();
	const discover = (stream: string, signal?: AbortSignal) =>
		discoverConsumers(discoveryClients, stream, {
			...(signal ? {signal} : {}),
			target: connection.target,
			describeError: async (error) => describeError(error),
		});
	const reading: ConsumerServices = {
		describeError,
		discover,
		behind: (stream) => {
			let store = behindStores.get(stream);
			if (store === undefined) {
				store = new BehindStore({
					discover: (signal) => discover(stream, signal),
					describeError,
					...(options.refreshMs === undefined ? {} : {periodMs: options.refreshMs}),
					...(options.behindWindowMs === undefined ? {} : {windowMs: options.behindWindowMs}),
				});
				behindStores.set(stream, store);
			}
			return store;
		},
		checkpoints: (stream, application) => {
			const store = new CheckpointsStore({
				clients,
				stream,
				application,
				describeError,
				...(options.refreshMs === undefined ? {} : {refreshMs: options.refreshMs}),
			});
			stores.set(key(stream, application), store);
			return store;
		},
	};
	if (options.readOnly) return reading;
	return {
		...reading,
		planReset: (stream, application, request, {watch, signal, heldBy}) => {
			const judged = watch ?? stores.get(key(stream, application))?.watch;
			return planCheckpointReset(clients, stream, application, request, {
				nameAction: keyOfResetAction,
				...(judged ? {watch: judged} : {}),
				...(signal ? {signal} : {}),
				...(heldBy ? {heldBy} : {}),
			});
		},
		reset: (plan, signal, heldBy) => {
			// The plan made again after a shard changed takes the holders the view has judged, rather than reading twice.
			const judged = stores.get(key(plan.stream, plan.application))?.watch;
			return executeCheckpointReset({...clients, target: connection.target, signal, ...(heldBy ? {releaseOwner: heldBy} : {})}, plan, {
				nameAction: keyOfResetAction,
				...(judged ? {watch: judged} : {}),
				...(heldBy ? {heldBy} : {}),
			});
		},
		takeLeases: (application, leaseKeys) => LeaseHold.take(clients, application, leaseKeys),
		planDeregister: (stream, consumerName, signal) => planFanOutChange(connection.kinesis, stream, consumerName, 'deregister', signal),
		deregister: (plan, signal) => executeFanOutChange({kinesis: connection.kinesis, target: connection.target, signal}, plan),
		...(!('lambda' in connection) ? {} : lambdaChanges(connection.kinesis, () => connection.lambda, connection.target)),
	};
}

/** Pausing and resuming Lambda mappings, with the Lambda client made when first used. */
function lambdaChanges(
	kinesis: Connection['kinesis'],
	lambda: () => Connection['lambda'] | undefined,
	target: Connection['target'],
): Pick<ConsumerServices, 'planPause' | 'pause'> {
	const client = () => {
		const made = lambda();
		if (!made) throw new Error('No Lambda client in this console.');
		return made;
	};
	return {
		planPause: (stream, uuid, action, signal) => planMappingSwitch({kinesis, lambda: client()}, stream, uuid, action, signal),
		pause: (plan, signal) => executeMappingSwitch({kinesis, lambda: client(), target, signal}, plan),
	};
}
