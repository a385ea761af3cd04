import {randomUUID} from 'node:crypto';
import type {Store} from '../store/store.js';

/**
 * Lambda event source mappings as the engine keeps them: configuration and state only. The engine
 * runs no function, so a mapping never reads its stream: LastProcessingResult stays AWS's words for
 * a mapping that has processed nothing, "No records processed". States follow from times, as
 * AWS's do: Creating, then Enabled (or Disabled when created disabled); Enabling/Disabling, then
 * Enabled/Disabled; Updating, then back; Deleting, then gone. Each mapping is kept in the engine's store
 * (a key per mapping, beside Firehose's delivery streams) before a request is answered, so that a
 * restart loses nothing.
 */

/** The states AWS names (EventSourceMappingConfiguration.State). */
export type MappingState = 'Creating' | 'Enabling' | 'Enabled' | 'Disabling' | 'Disabled' | 'Updating' | 'Deleting';

/** What a mapping's settings hold, in the API's names (the Kinesis ones; others are kept as given). */
export interface MappingSettings {
	readonly BatchSize: number;
	readonly MaximumBatchingWindowInSeconds: number;
	readonly ParallelizationFactor: number;
	readonly BisectBatchOnFunctionError: boolean;
	readonly MaximumRetryAttempts: number;
	readonly MaximumRecordAgeInSeconds: number;
	readonly TumblingWindowInSeconds: number;
	readonly FunctionResponseTypes: readonly string[];
	readonly DestinationConfig: {readonly OnFailure?: {readonly Destination?: string}};
	readonly MetricsConfig?: {readonly Metrics?: readonly string[]};
}

export interface Mapping {
	readonly uuid: string;
	readonly region: string;
	readonly eventSourceArn: string;
	readonly functionArn: string;
	readonly startingPosition: string;
	readonly startingPositionTimestamp?: number;
	readonly settings: MappingSettings;
	/** What the state is heading for, and when it gets there. */
	readonly enabled: boolean;
	readonly transition?: {readonly state: MappingState; readonly untilMs: number};
	readonly deletedAtMs?: number;
	readonly lastModifiedMs: number;
}

const KIND = 'lambda';

/** The engine's stand-in for AWS's "No records processed": the same words, since the engine processes nothing. */
export const NO_RECORDS_PROCESSED = 'No records processed';

export class Mappings {
	private readonly byId = new Map<string, Mapping>();

	constructor(
		private readonly now: () => number,
		/** How long Creating, Enabling, Disabling, Updating and Deleting last. */
		private readonly transitionMs: number,
		private readonly store: Store,
	) {
		for (const mapping of store.loadResources<Mapping>(KIND)) this.byId.set(mapping.uuid, mapping);
	}

	/** The mapping's state now; undefined once a deletion has finished. */
	stateOf(mapping: Mapping): MappingState | undefined {
		const nowMs = this.now();
		if (mapping.deletedAtMs !== undefined) return nowMs < mapping.deletedAtMs ? 'Deleting' : undefined;
		if (mapping.transition && nowMs < mapping.transition.untilMs) return mapping.transition.state;
		return mapping.enabled ? 'Enabled' : 'Disabled';
	}

	get(region: string, uuid: string): Mapping | undefined {
		const mapping = this.byId.get(uuid);
		if (!mapping || mapping.region !== region) return undefined;
		if (this.stateOf(mapping) === undefined) {
			this.byId.delete(uuid);
			// Gone already by its time: forgetting it on disk is tidying, which a failure here (retried at the next start) does not undo.
			this.store.saveResource(KIND, mapping.region, uuid, undefined).catch(() => undefined);
			return undefined;
		}
		return mapping;
	}

	list(region: string): Mapping[] {
		return [...this.byId.values()].filter((mapping) => this.get(region, mapping.uuid) !== undefined);
	}

	async create(fields: Omit<Mapping, 'uuid' | 'transition' | 'deletedAtMs' | 'lastModifiedMs'>): Promise<Mapping> {
		const nowMs = this.now();
		return this.keep({
			...fields,
			uuid: randomUUID(),
			transition: {state: 'Creating', untilMs: nowMs + this.transitionMs},
			lastModifiedMs: nowMs,
		});
	}

	/** Changes settings and, when given, whether it is enabled: Enabling or Disabling for a change of that, else Updating. */
	async update(mapping: Mapping, settings: Partial<MappingSettings>, enabled: boolean | undefined): Promise<Mapping> {
		const nowMs = this.now();
		const switching = enabled !== undefined && enabled !== mapping.enabled;
		return this.keep({
			...mapping,
			settings: {...mapping.settings, ...settings},
			enabled: enabled ?? mapping.enabled,
			transition: {state: switching ? (enabled ? 'Enabling' : 'Disabling') : 'Updating', untilMs: nowMs + this.transitionMs},
			lastModifiedMs: nowMs,
		});
	}

	async delete(mapping: Mapping): Promise<Mapping> {
		const {transition: _, ...rest} = mapping;
		return this.keep({...rest, deletedAtMs: this.now() + this.transitionMs});
	}

	/** Stores the mapping as it now is, then serves it: what a request is answered for is on disk first. */
	private async keep(mapping: Mapping): Promise<Mapping> {
		await this.store.saveResource(KIND, mapping.region, mapping.uuid, mapping);
		this.byId.set(mapping.uuid, mapping);
		return mapping;
	}

	/** EventSourceMappingConfiguration, as every operation answers it. */
	describe(mapping: Mapping): Record<string, unknown> {
		return {
			UUID: mapping.uuid,
			StartingPosition: mapping.startingPosition,
			...(mapping.startingPositionTimestamp === undefined ? {} : {StartingPositionTimestamp: mapping.startingPositionTimestamp}),
			...mapping.settings,
			EventSourceArn: mapping.eventSourceArn,
			FunctionArn: mapping.functionArn,
			LastModified: mapping.lastModifiedMs / 1000,
			LastProcessingResult: NO_RECORDS_PROCESSED,
			State: this.stateOf(mapping) ?? 'Deleting',
			StateTransitionReason: 'User action',
			EventSourceMappingArn: `${mapping.functionArn.replace(/:function:.*$/, '')}:event-source-mapping:${mapping.uuid}`,
		};
	}
}
