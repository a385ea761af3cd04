import type {_Record} from '@aws-sdk/client-kinesis';
import type {TailEvent, TailRecord} from './events.js';

/** What both shard readers (GetRecords and SubscribeToShard) do with a batch they received. */
export interface Delivery {
	readonly shardId: string;
	/** Records that arrived after this time (ms) are not delivered, and the reader stops there. */
	readonly untilMs: number | undefined;
	readonly emit: (event: TailEvent, weight?: number) => Promise<void>;
	readonly now: () => number;
}

/**
 * Emits a batch as a 'records' event (or 'polled' when it holds none), cut at `untilMs`. Returns the
 * sequence number of the last record delivered, and whether the batch went past `untilMs`.
 */
export async function deliver(
	delivery: Delivery,
	received: readonly _Record[] | undefined,
	millisBehindLatest: number | undefined,
): Promise<{readonly lastSequence: string | undefined; readonly pastUntil: boolean}> {
	const {shardId, untilMs, emit, now} = delivery;
	let records = (received ?? []).map((record) => toTailRecord(shardId, record));
	const pastUntil = untilMs !== undefined && records.some((record) => record.arrivalTime.getTime() > untilMs);
	if (pastUntil) records = records.filter((record) => record.arrivalTime.getTime() <= untilMs);
	if (records.length === 0) {
		await emit({type: 'polled', shardId, millisBehindLatest, atMs: now()}, 0);
		return {lastSequence: undefined, pastUntil};
	}
	const bytes = records.reduce((sum, record) => sum + record.data.length, 0);
	await emit({type: 'records', shardId, records, bytes, millisBehindLatest, atMs: now()}, records.length);
	return {lastSequence: records.at(-1)?.sequenceNumber, pastUntil};
}

function toTailRecord(shardId: string, record: _Record): TailRecord {
	return {
		shardId,
		sequenceNumber: record.SequenceNumber ?? '',
		arrivalTime: record.ApproximateArrivalTimestamp ?? new Date(0),
		partitionKey: record.PartitionKey ?? '',
		data: record.Data ?? new Uint8Array(),
		...(record.EncryptionType ? {encryptionType: record.EncryptionType} : {}),
	};
}
