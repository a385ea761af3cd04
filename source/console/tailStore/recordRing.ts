import type {TailRecord} from '../tail/index.js';

const RECORD_OVERHEAD_BYTES = 200;

/**
 * The newest records of a tail, in arrival order, bounded by count and bytes: older ones fall out
 * as new ones come, however fast the stream runs. Indexes count every record the tail received.
 */
export class RecordRing {
	private readonly slots: Array<TailRecord | undefined>;
	/** Index of the oldest record held, and one past the newest. */
	head = 0;
	tail = 0;
	bytes = 0;

	constructor(
		readonly capacity: number,
		readonly maxBytes: number,
	) {
		this.slots = new Array<TailRecord | undefined>(capacity);
	}

	get size(): number {
		return this.tail - this.head;
	}

	push(record: TailRecord): void {
		if (this.size === this.capacity) this.evict();
		this.slots[this.tail % this.capacity] = record;
		this.tail++;
		this.bytes += recordBytes(record);
		while (this.bytes > this.maxBytes && this.size > 1) this.evict();
	}

	at(index: number): TailRecord | undefined {
		return index >= this.head && index < this.tail ? this.slots[index % this.capacity] : undefined;
	}

	clear(): void {
		this.slots.fill(undefined);
		this.head = this.tail = this.bytes = 0;
	}

	private evict(): void {
		const slot = this.head % this.capacity;
		const record = this.slots[slot];
		if (record) this.bytes -= recordBytes(record);
		this.slots[slot] = undefined;
		this.head++;
	}
}

const recordBytes = (record: TailRecord): number =>
	record.data.byteLength + 2 * (record.partitionKey.length + record.sequenceNumber.length + record.shardId.length) + RECORD_OVERHEAD_BYTES;
