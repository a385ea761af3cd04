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
	/** When UpdateShardCount ran, for AWS's limit of scalings per rolling day. */
	scalingsMs?: number[];
	/** Enhanced fan-out consumers (RegisterStreamConsumer); absent in streams stored before they existed. */
	consumers?: ConsumerState[];
}

/** A registered consumer: CREATING until activeAtMs, then ACTIVE; once deregistered, DELETING until goneAtMs, then gone. */
export interface ConsumerState {
	readonly name: string;
	readonly createdMs: number;
	readonly activeAtMs: number;
	goneAtMs?: number;
	tags?: Record<string, string>;
}

export const isOpen = (shard: ShardState): boolean => shard.endPosition === undefined;
