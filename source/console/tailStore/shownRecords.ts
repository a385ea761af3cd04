import {
	decodeRecord,
	matches,
	parseFilters,
	type DecodedRecord,
	type DecoderName,
	type RecordFilter,
	type RecordFormat,
} from '../records/index.js';
import type {TailRecord} from '../tail/index.js';
import {splitExpressions} from './filterExpressions.js';
import {RecordRing} from './recordRing.js';

/** A row's decoded part, cached per record: never the whole decoded text. */
export interface RowInfo {
	readonly text: string;
	readonly format: RecordFormat;
	/** The user records of a KPL aggregate (1 for a plain record). */
	readonly userRecords: number;
	readonly match: boolean;
}

/** Records to save, as they were shown: a save writes them with this decoding and filter. */
export interface SaveSelection {
	readonly records: readonly TailRecord[];
	readonly decoder: DecoderName;
	readonly filters: readonly RecordFilter[];
}

/** The shown records by place (0 the oldest shown), as the viewport scrolls them. */
export interface ShownPlaces {
	readonly count: number;
	/** The tail's index of the record at a place. */
	indexAt(place: number): number;
	/** The place of an index; an index that fell out of the ring is the oldest left. */
	placeOf(index: number): number;
}

const ROW_TEXT_LIMIT = 2_000;
const ROW_CACHE_LIMIT = 1_024;

/**
 * What a tail shows: every record in its buffer, or with a filter the newest records that passed it
 * since it was set, tested as they arrive and kept in a ring of their own, so that a rare match stays
 * to be seen however fast the records around it fall out of the buffer. Decodes only what is shown
 * or tested, with the chosen decoder, and caches the rows' decoded start.
 */
export class ShownRecords implements ShownPlaces {
	private readonly buffer: RecordRing;
	/** With a filter, the newest records that pass it; without one, undefined. */
	private matches: RecordRing | undefined;
	private filters: RecordFilter[] = [];
	private filterText = '';
	/** Records tested against the filter since it was set. */
	private testedCount = 0;
	private readonly rowCache = new Map<number, RowInfo>();

	constructor(
		private readonly bounds: {readonly capacity: number; readonly maxBytes: number},
		private decoderName: DecoderName,
	) {
		this.buffer = this.newRing();
	}

	get decoder(): DecoderName {
		return this.decoderName;
	}

	/** The filter expression as typed; '' for none. */
	get filter(): string {
		return this.filterText;
	}

	get tested(): number {
		return this.testedCount;
	}

	/** Records in the buffer, shown or not. */
	get buffered(): number {
		return this.buffer.size;
	}

	get count(): number {
		return this.shown.size;
	}

	indexAt(place: number): number {
		return this.shown.head + place;
	}

	placeOf(index: number): number {
		const ring = this.shown;
		return Math.min(Math.max(0, index - ring.head), Math.max(0, ring.size - 1));
	}

	at(index: number): TailRecord | undefined {
		return this.shown.at(index);
	}

	/** An arriving record: into the buffer, and among the matches when it passes the filter. */
	push(record: TailRecord): void {
		this.buffer.push(record);
		this.test(record);
	}

	/** Empties the buffer (a tail starting over); the filter stays. */
	clear(): void {
		this.buffer.clear();
		this.refilter();
	}

	/**
	 * Shows only the records that match every expression (space-separated, as `--filter` takes them
	 * one by one); '' shows all. Returns what is wrong with the expression, leaving the filter as it was.
	 */
	setFilter(text: string): string | undefined {
		const expression = text.trim();
		let filters: RecordFilter[];
		try {
			filters = parseFilters(splitExpressions(expression));
		} catch (error) {
			return error instanceof Error ? error.message : String(error);
		}
		this.filterText = expression;
		this.filters = filters;
		this.refilter();
		return undefined;
	}

	/** Returns whether it changed. */
	setDecoder(decoder: DecoderName): boolean {
		if (decoder === this.decoderName) return false;
		this.decoderName = decoder;
		this.refilter();
		return true;
	}

	/** Whether a filter picks what is shown (a new filter or decoder then changes the shown records). */
	get filtered(): boolean {
		return this.matches !== undefined;
	}

	/** A shown record's row, decoded once and cached. */
	row(index: number): RowInfo | undefined {
		const cached = this.rowCache.get(index);
		if (cached) return cached;
		const record = this.shown.at(index);
		if (!record) return undefined;
		const info = this.decodeRow(record);
		this.cacheRow(index, info);
		return info;
	}

	/** Every shown record, oldest first, with the decoding and filter that show them. */
	selection(): SaveSelection {
		const records: TailRecord[] = [];
		for (let place = 0; place < this.count; place++) {
			const record = this.shown.at(this.indexAt(place));
			if (record) records.push(record);
		}
		return {records, decoder: this.decoderName, filters: this.filters};
	}

	private get shown(): RecordRing {
		return this.matches ?? this.buffer;
	}

	private newRing(): RecordRing {
		return new RecordRing(Math.max(1, this.bounds.capacity), Math.max(1, this.bounds.maxBytes));
	}

	/** Starts the ring of matches over from the buffer, for a new filter or decoder. */
	private refilter(): void {
		this.rowCache.clear();
		this.testedCount = 0;
		if (this.filters.length === 0) {
			this.matches = undefined;
			return;
		}
		this.matches = this.newRing();
		for (let index = this.buffer.head; index < this.buffer.tail; index++) {
			const record = this.buffer.at(index);
			if (record) this.test(record);
		}
	}

	private test(record: TailRecord): void {
		const ring = this.matches;
		if (!ring) return;
		this.testedCount++;
		const info = this.decodeRow(record);
		if (!info.match) return;
		ring.push(record);
		// It was just decoded: keep its row for when it is shown, as the newest usually is.
		this.cacheRow(ring.tail - 1, info);
	}

	private cacheRow(index: number, info: RowInfo): void {
		this.rowCache.set(index, info);
		if (this.rowCache.size > ROW_CACHE_LIMIT) {
			const oldest = this.rowCache.keys().next();
			if (!oldest.done) this.rowCache.delete(oldest.value);
		}
	}

	private decodeRow(record: TailRecord): RowInfo {
		const decoded = decodeRecord(record.data, {
			decoder: this.decoderName,
			jsonStyle: 'compact',
			hexStyle: 'compact',
			partitionKey: record.partitionKey,
		});
		const first = this.filters.length === 0 ? decoded[0] : decoded.find((user) => matches(this.filters, user));
		return {
			text: rowText(first ?? decoded[0], decoded.length),
			format: (first ?? decoded[0])?.format ?? 'hex',
			userRecords: decoded.length,
			match: first !== undefined,
		};
	}
}

function rowText(decoded: DecodedRecord | undefined, userRecords: number): string {
	const text = decoded ? decoded.text.slice(0, ROW_TEXT_LIMIT) : '';
	return userRecords > 1 ? `[${userRecords} user records] ${text}` : text;
}
