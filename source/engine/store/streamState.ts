/** What the engine keeps about a stream and its shards; stored as is. */
export type StreamStatus = 'CREATING' | 'DELETING' | 'ACTIVE' | 'UPDATING';
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';

export interface ShardState {
	readonly index: number;
	/** Hash key range, as 32-digit hex (see hashKeys.ts). */
	readonly startHash: string;
	readonly endHash: string;
	readonly parentIndex?: number;
	readonly adjacentParentIndex?: number;
	/** The stream position when the shard opened: its StartingSequenceNumber. */
	readonly startPosition: number;
	/** Set when the shard closed: its EndingSequenceNumber. */
	endPosition?: number;
}

export interface StreamState {
	readonly uid: number;
	readonly region: string;
	readonly name: string;
	readonly createdMs: number;
	status: StreamStatus;
	/** While CREATING, DELETING or UPDATING: when the status moves on. */
	statusChangesAtMs?: number;
	mode: StreamMode;
	retentionHours: number;
	shards: ShardState[];
	tags: Record<string, string>;
	encryption: {type: 'NONE' | 'KMS'; keyId?: string};
	/** Each Start/StopStreamEncryption, from the first position it applies to: records keep the encryption they were written under. */
	encryptionChanges?: Array<{fromPosition: number; type: 'NONE' | 'KMS'}>;
	enhancedMonitoring: string[];
	/** While an UpdateShardCount is under way: its target (see scalingJob.ts). */
	scalingTo?: number;
	/** When UpdateShardCount ran, for AWS's limit of scalings per rolling day. */
	scalingsMs?: number[];
	/** Enhanced fan-out consumers (RegisterStreamConsumer); absent in streams stored before they existed. */
	consumers?: ConsumerState[];
	/** The largest record this stream takes, in KiB (UpdateMaxRecordSize); absent means AWS's default, 1024. */
	maxRecordSizeKiB?: number;
	/** Warm throughput of an on-demand stream (UpdateStreamWarmThroughput): reached once the update it started is over. */
	warmThroughput?: WarmThroughput;
	/** How an on-demand stream places records (UpdateStreamRecordDistributionStrategy); absent means USER_PARTITION_KEY. */
	recordDistribution?: RecordDistribution;
	/** The resource policy attached to the stream (PutResourcePolicy), as the JSON text given: kept, not enforced. */
	resourcePolicy?: string;
	/** Channels reading from this stream (CreateChannel): configuration kept, nothing delivered. */
	channels?: ChannelState[];
	/** Deleted while CREATING: its shards were never shown, and a DELETING description lists none either. */
	deletedWhileCreating?: true;
}

export type RecordDistribution = 'AUTO' | 'USER_PARTITION_KEY';

export interface WarmThroughput {
	readonly targetMiBps: number;
	/** What the stream had before the update that set the target. */
	readonly previousMiBps: number;
	readonly reachedAtMs: number;
}

/**
 * A channel (CreateChannel): its configuration as the request gave it, in AWS's member names, and its
 * lifecycle, CREATING until activeAtMs, UPDATING until updatedAtMs, DELETING until goneAtMs.
 */
export interface ChannelState {
	readonly name: string;
	readonly id: string;
	readonly createdMs: number;
	readonly activeAtMs: number;
	updatedAtMs?: number;
	goneAtMs?: number;
	/** Tags as [key, value] pairs, stored so (see store.ts: a `__proto__` key survives). */
	tags: Array<[string, string]>;
	/** ServiceExecutionRoleARN, StreamConfigurationList, the destination, encryption and logging, as described. */
	configuration: Record<string, unknown>;
}

/** The minimum throughput billing commitment of an account in a region (UpdateAccountSettings). */
export interface AccountSettings {
	status: 'ENABLED' | 'DISABLED' | 'ENABLED_UNTIL_EARLIEST_ALLOWED_END';
	startedMs?: number;
	endedMs?: number;
	earliestAllowedEndMs?: number;
}

/** A registered consumer: CREATING until activeAtMs, then ACTIVE; once deregistered, DELETING until goneAtMs, then gone. */
export interface ConsumerState {
	readonly name: string;
	readonly createdMs: number;
	readonly activeAtMs: number;
	goneAtMs?: number;
	tags?: Record<string, string>;
	/** The resource policy attached to the consumer (PutResourcePolicy), as the JSON text given: kept, not enforced. */
	resourcePolicy?: string;
}

export const isOpen = (shard: ShardState): boolean => shard.endPosition === undefined;
