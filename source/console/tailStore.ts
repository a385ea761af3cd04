import {open} from 'node:fs/promises';
import {homedir} from 'node:os';
import {resolve} from 'node:path';
import type {NoticeStore} from './notices.js';
import {recordLineJson, recordLines} from './recordLine.js';
import {
	DECODER_NAMES,
	decodeRecord,
	matches,
	parseFilters,
	type DecodedRecord,
	type DecoderName,
	type RecordFilter,
	type RecordFormat,
} from './records/index.js';
import {Store} from './store.js';
import {
	LATEST,
	parseStartPosition,
	startPositionProblem,
	type StartPosition,
	type TailEvent,
	type TailOptions,
	type TailRecord,
} from './tail/index.js';

/** Where a tail's events come from: `tailStream` over a Kinesis client, or a script in tests. */
export type TailSource = (options: TailOptions) => AsyncIterable<TailEvent>;

export interface TailStoreDependencies {
	readonly source: TailSource;
	readonly notices: NoticeStore;
	/**
	 * Turns a failure into what the console shows: a sentence, then a hint on the next line. The stream
	 * the tail reads is given, for messages such as "the stream 'orders' was not found".
	 */
	readonly describeError: (error: unknown, context?: {readonly streamName?: string}) => Promise<string>;
}

export interface TailStoreOptions {
	readonly stream: string;
	/** Tail this shard (and its children after a reshard) instead of the whole stream. */
	readonly shardId?: string;
	/** Default LATEST: records as they arrive. */
	readonly from?: StartPosition;
	readonly decoder?: DecoderName;
	/** Records kept for scrolling, filtering and saving: the newest this many. Default 5,000. */
	readonly capacity?: number;
	/** And at most this many bytes of record data and keys. Default 64 MiB. */
	readonly maxBytes?: number;
	/** The view is told of new records at most this often. Default 100 ms. */
	readonly notifyMs?: number;
	/** Records the tail may read ahead of the view (the tail's queue). Default 2,000. */
	readonly readAhead?: number;
	/**
	 * GetRecords Limit. Default 2,000: at 5 calls a second that reads 10,000 records/s from a shard (ten
	 * times what a shard takes in), while one response never holds the event loop long enough to delay a key.
	 */
	readonly readLimit?: number;
	readonly now?: () => number;
}

/** One row of the tail view: a Kinesis record with the start of its decoded data on one line. */
export interface TailRow {
	/** Its place in the tail since it started; stable while it stays in the buffer. */
	readonly index: number;
	readonly shardId: string;
	readonly sequenceNumber: string;
	readonly arrivalTime: Date;
	readonly partitionKey: string;
	/**
	 * The decoded data on one line (compact JSON), cut to a few thousand characters. As it is in the
	 * record, control characters and all: sanitize it before it reaches a terminal.
	 */
	readonly text: string;
	readonly format: RecordFormat;
	/** The user records of a KPL aggregate (1 for a plain record). */
	readonly userRecords: number;
	readonly bytes: number;
}

export type TailStatus = 'starting' | 'reading' | 'ended' | 'failed';

export interface TailSnapshot {
	readonly status: TailStatus;
	/** Why the tail failed or ended. */
	readonly message?: string;
	/**
	 * While calls fail and are being retried (the endpoint unreachable, throttling, expired credentials):
	 * what failed and what to do, in plain words (a sentence, a newline and a hint), and how many shard
	 * readers (and the shard listing) wait on it. Cleared when they read again.
	 */
	readonly retrying?: {readonly reason: string; readonly shards: number};
	readonly stream: string;
	readonly shardId?: string;
	readonly position: StartPosition;
	readonly decoder: DecoderName;
	/** The filter expression as typed; '' for none. */
	readonly filter: string;
	/** Reading stops while paused (the readers wait, nothing is lost): the view stays as it is. */
	readonly paused: boolean;
	/** The newest record is selected and stays in view as records arrive. */
	readonly following: boolean;
	/** Records per second received, over the last second or so. */
	readonly rate: number;
	/** The largest MillisBehindLatest the shard readers last saw. */
	readonly behindMs: number | undefined;
	/** Shards being read now. */
	readonly shards: number;
	readonly received: number;
	readonly buffered: number;
	/**
	 * What can be scrolled and saved: every record in the buffer, or with a filter the newest records
	 * that passed it since it was set (kept apart, up to the same bounds, so a rare match stays).
	 */
	readonly shown: number;
	/** Records tested against the filter since it was set. */
	readonly tested: number;
	/** The rows in view, oldest first, at most the viewport's height. */
	readonly rows: readonly TailRow[];
	/** Which of `rows` is selected; -1 when there are none. */
	readonly selected: number;
	/** The place (0-based) of rows[0] among the shown records. */
	readonly offset: number;
}

export type SaveResult =
	| {readonly kind: 'saved'; readonly path: string; readonly records: number; readonly lines: number}
	| {readonly kind: 'exists'; readonly path: string}
	| {readonly kind: 'failed'; readonly path: string; readonly error: string};

/** Records to save, as they were shown: a save writes them with this decoding and filter. */
export interface SaveSelection {
	readonly records: readonly TailRecord[];
	readonly decoder: DecoderName;
	readonly filters: readonly RecordFilter[];
}

/** What the tail view's list commands ask. */
export type MoveCommand = 'up' | 'down' | 'pageUp' | 'pageDown' | 'top' | 'bottom';

const ROW_TEXT_LIMIT = 2_000;
const ROW_CACHE_LIMIT = 1_024;
const RECORD_OVERHEAD_BYTES = 200;
const RETRY_NOTICE_MS = 5_000;

/** A row's decoded part, cached per record: never the whole decoded text. */
interface RowInfo {
	readonly text: string;
	readonly format: RecordFormat;
	readonly userRecords: number;
	readonly match: boolean;
}

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

/**
 * The tail view's model: runs a tail of a stream (or one shard) from a starting position and keeps
 * the newest records in a bounded buffer; decodes only what is shown (rows in view, and records tested
 * against a filter), with the chosen decoder; follows the newest record or stays where the user
 * scrolled; pauses (the tail stops reading, so the view holds still and nothing is skipped); restarts
 * from another position; saves what is shown as JSON lines. The view is told at most every
 * `notifyMs` while records pour in, and at once after a user's action.
 */
export class TailStore extends Store<TailSnapshot> {
	private readonly ring: RecordRing;
	private readonly notifyMs: number;
	private readonly now: () => number;
	private position: StartPosition;
	private decoder: DecoderName;
	private filterText = '';
	private filters: RecordFilter[] = [];
	/**
	 * With a filter, the newest records that pass it, tested as they arrive: a rare match stays to be
	 * seen however fast the records around it fall out of `ring`. Without one, undefined.
	 */
	private matchRing: RecordRing | undefined;
	/** Records tested against the filter since it was set. */
	private tested = 0;
	private readonly rowCache = new Map<number, RowInfo>();
	private paused = false;
	private resume: (() => void) | undefined;
	private following = true;
	private selectedIndex = 0;
	private topIndex = 0;
	private viewport = 20;
	private status: TailStatus = 'starting';
	private message: string | undefined;
	private received = 0;
	private readonly behind = new Map<string, number>();
	private readonly reading = new Set<string>();
	private startedShards = 0;
	private readonly lastRetryNotice = new Map<string, number>();
	/** Shards (or '' for the listing) whose calls are failing and being retried. */
	private readonly retryingShards = new Set<string>();
	private retryReason: string | undefined;
	/** Shards whose reader stopped on a failure, with the failure. */
	private readonly shardFailures = new Map<string, unknown>();
	private rate = 0;
	private rateSample = {atMs: 0, received: 0};
	private controller: AbortController | undefined;
	private generation = 0;
	private flushTimer: NodeJS.Timeout | undefined;
	private rateTimer: NodeJS.Timeout | undefined;
	private lastFlushMs = 0;

	constructor(
		private readonly dependencies: TailStoreDependencies,
		readonly options: TailStoreOptions,
	) {
		super(undefined as unknown as TailSnapshot);
		this.ring = this.newRing();
		this.notifyMs = options.notifyMs ?? 200;
		this.now = options.now ?? Date.now;
		this.position = options.from ?? LATEST;
		this.decoder = options.decoder ?? 'auto';
		this.set(this.snapshot());
	}

	/** Starts tailing (again, after stop). */
	start(): void {
		if (this.controller) return;
		this.restart();
		this.rateTimer = setInterval(() => this.sampleRate(), 1_000);
		this.rateTimer.unref?.();
	}

	/** Stops the tail: its readers end, timers stop. The records read so far stay. */
	stop(): void {
		this.controller?.abort();
		this.controller = undefined;
		this.generation++;
		this.wake();
		clearInterval(this.rateTimer);
		clearTimeout(this.flushTimer);
		this.rateTimer = this.flushTimer = undefined;
	}

	get running(): boolean {
		return this.controller !== undefined;
	}

	/** How many rows the view shows. */
	setViewport(rows: number): void {
		const next = Math.max(1, Math.floor(rows));
		if (next === this.viewport) return;
		this.viewport = next;
		this.flush();
	}

	move(command: MoveCommand): void {
		const count = this.shownCount();
		if (count === 0) return;
		const last = count - 1;
		const current = this.following ? last : this.placeOf(this.selectedIndex);
		const page = Math.max(1, this.viewport - 1);
		let next = current;
		if (command === 'up') next = current - 1;
		else if (command === 'down') next = current + 1;
		else if (command === 'pageUp') next = current - page;
		else if (command === 'pageDown') next = current + page;
		else if (command === 'top') next = 0;
		else next = last;
		next = Math.min(last, Math.max(0, next));
		if (next === last && (command === 'down' || command === 'pageDown' || command === 'bottom')) {
			this.followNewest();
			return;
		}
		if (this.following) this.topIndex = this.shownAt(Math.max(0, count - this.viewport));
		this.following = false;
		this.selectedIndex = this.shownAt(next);
		this.flush();
	}

	/**
	 * Selects the newest record and keeps it in view; a paused tail resumes reading, as F does in less
	 * and k9s: following what has stopped coming would show nothing new.
	 */
	follow(): void {
		this.paused = false;
		this.wake();
		this.followNewest();
	}

	/** Selects the newest record and keeps it in view, paused or not (scrolling to the end). */
	private followNewest(): void {
		this.following = true;
		this.flush();
	}

	togglePause(): void {
		this.setPaused(!this.paused);
	}

	setPaused(paused: boolean): void {
		if (paused === this.paused) return;
		this.paused = paused;
		if (!paused) this.wake();
		this.flush();
	}

	setDecoder(decoder: DecoderName): void {
		if (decoder === this.decoder) return;
		this.decoder = decoder;
		this.refilter();
		this.flush();
	}

	/** The next decoder in the list, round. */
	cycleDecoder(): DecoderName {
		const next = DECODER_NAMES[(DECODER_NAMES.indexOf(this.decoder) + 1) % DECODER_NAMES.length] ?? 'auto';
		this.setDecoder(next);
		return next;
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
		this.flush();
		return undefined;
	}

	/**
	 * Restarts the tail from a position as typed (trim-horizon, latest, 15m, an ISO time, at:SEQ or
	 * after:SEQ for a shard's tail). The buffer starts over. Returns what is wrong with the text.
	 */
	setPosition(text: string): string | undefined {
		let position: StartPosition;
		const now = new Date(this.now());
		try {
			position = parseStartPosition(text, now);
		} catch (error) {
			return error instanceof Error ? error.message : String(error);
		}
		const problem = startPositionProblem(position, now);
		if (problem) return problem;
		if ((position.type === 'AT_SEQUENCE_NUMBER' || position.type === 'AFTER_SEQUENCE_NUMBER') && !this.options.shardId) {
			return 'A sequence number belongs to one shard: tail a single shard (Enter on it in the stream dashboard) to start at a sequence number.';
		}
		this.position = position;
		// The user asked for records from there: show them, paused or not.
		this.paused = false;
		if (this.controller) this.restart();
		else this.flush();
		return undefined;
	}

	/** The selected record as it was received, for the inspector. */
	selectedRecord(): TailRecord | undefined {
		const count = this.shownCount();
		if (count === 0) return undefined;
		return this.shownRing.at(this.following ? this.shownAt(count - 1) : this.shownAt(this.placeOf(this.selectedIndex)));
	}

	/** A file name for saving: `./<stream>-<time>.jsonl` in the working directory. */
	defaultSavePath(): string {
		const name = (this.options.stream.split('/').at(-1) ?? 'stream').replace(/[^A-Za-z0-9._-]/g, '_');
		const stamp = new Date(this.now())
			.toISOString()
			.replace(/\.\d+Z$/, 'Z')
			.replace(/:/g, '-');
		return `./${name}${this.options.shardId ? `-${this.options.shardId}` : ''}-${stamp}.jsonl`;
	}

	/**
	 * What is shown now (every buffered record that passes the filter, oldest first), with the decoding
	 * and filter that show it: kept apart from the buffer, so that what a save prompt counts is what it
	 * writes however many records arrive while it is open.
	 */
	shownForSaving(): SaveSelection {
		const count = this.shownCount();
		const records: TailRecord[] = [];
		for (let place = 0; place < count; place++) {
			const record = this.shownRing.at(this.shownAt(place));
			if (record) records.push(record);
		}
		return {records, decoder: this.decoder, filters: this.filters};
	}

	/**
	 * Writes records as JSON lines, the shape of `kinesis-console tail --json`: those of `selection`, or
	 * what is shown now. An existing file is left alone unless `overwrite`.
	 */
	async save(path: string, options: {overwrite?: boolean; selection?: SaveSelection} = {}): Promise<SaveResult> {
		const target = resolve(path.startsWith('~/') ? homedir() + path.slice(1) : path);
		const {records, decoder, filters} = options.selection ?? this.shownForSaving();
		let lines = 0;
		try {
			const file = await open(target, options.overwrite ? 'w' : 'wx');
			try {
				let chunk = '';
				for (const record of records) {
					for (const line of recordLines(record, decoder, filters)) {
						chunk += `${recordLineJson(line)}\n`;
						lines++;
					}
					if (chunk.length >= 64 * 1024) {
						await file.write(chunk);
						chunk = '';
					}
				}
				if (chunk) await file.write(chunk);
			} finally {
				await file.close();
			}
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'EEXIST') return {kind: 'exists', path: target};
			const message = error instanceof Error ? error.message : String(error);
			this.dependencies.notices.say('error', `Could not save to ${target}: ${message}`);
			return {kind: 'failed', path: target, error: message};
		}
		this.dependencies.notices.say('info', `Saved ${plural(records.length, 'record')} (${plural(lines, 'line')}) to ${target}`);
		return {kind: 'saved', path: target, records: records.length, lines};
	}

	// The tail.

	private restart(): void {
		this.controller?.abort();
		const controller = new AbortController();
		this.controller = controller;
		const generation = ++this.generation;
		this.wake();
		this.ring.clear();
		this.refilter();
		this.received = 0;
		this.rate = 0;
		this.rateSample = {atMs: this.now(), received: 0};
		this.behind.clear();
		this.reading.clear();
		this.retryingShards.clear();
		this.retryReason = undefined;
		this.shardFailures.clear();
		this.startedShards = 0;
		this.following = true;
		this.status = 'starting';
		this.message = undefined;
		this.flush();
		void this.consume(generation, controller.signal);
	}

	private async consume(generation: number, signal: AbortSignal): Promise<void> {
		const current = () => generation === this.generation && !signal.aborted;
		const shardId = this.options.shardId;
		try {
			const events = this.dependencies.source({
				stream: this.options.stream,
				from: this.position,
				...(shardId ? {shards: [shardId]} : {}),
				bufferRecords: this.options.readAhead ?? 2_000,
				limit: this.options.readLimit ?? 2_000,
				// Left open, the console waits out expired credentials and resumes once they are renewed.
				waitForCredentials: true,
				signal,
			});
			for await (const event of events) {
				// Paused: hold this event and take no more, so the readers wait on their full queue and nothing is skipped.
				while (this.paused && current()) await new Promise<void>((resolve) => (this.resume = resolve));
				if (!current()) break;
				this.handle(event);
				if (this.status === 'failed') break;
			}
			if (!current() || this.status === 'failed') return;
			if (this.shardFailures.size > 0) {
				// Readers stopped on failures (the stream deleted, access denied): not "read to its end".
				await this.fail([...this.shardFailures.values()].at(-1), this.stoppedShardsPrefix());
				return;
			}
			this.status = 'ended';
			this.message =
				this.startedShards === 0
					? shardId
						? `Nothing to read: ${shardId} is not a shard of ${this.options.stream}, or it holds nothing new.`
						: `Nothing to read: ${this.options.stream} has no shard to read.`
					: 'Every shard has been read to its end.';
			this.flush();
		} catch (error) {
			if (!current()) return;
			await this.fail(error);
		}
	}

	private handle(event: TailEvent): void {
		switch (event.type) {
			case 'shards':
				if (this.status === 'starting') this.status = 'reading';
				this.schedule();
				return;
			case 'shard-started':
				this.reading.add(event.shardId);
				this.startedShards++;
				if (this.status === 'starting') this.status = 'reading';
				this.schedule();
				return;
			case 'records':
				this.readingAgain(event.shardId);
				for (const record of event.records) {
					this.ring.push(record);
					this.test(record);
				}
				this.received += event.records.length;
				this.noteBehind(event.shardId, event.millisBehindLatest);
				this.schedule();
				return;
			case 'polled':
				this.noteBehind(event.shardId, event.millisBehindLatest);
				return;
			case 'shard-ended':
				this.reading.delete(event.shardId);
				this.behind.delete(event.shardId);
				this.readingAgain(event.shardId, false);
				this.schedule();
				return;
			case 'retrying':
				this.onRetrying(event);
				return;
			case 'recovered':
				this.readingAgain(event.shardId);
				return;
			case 'failed':
				if (event.shardId) {
					const shardId = event.shardId;
					this.reading.delete(shardId);
					this.readingAgain(shardId, false);
					this.shardFailures.set(shardId, event.error);
					const generation = this.generation;
					void this.describe(event.error).then((text) => {
						if (generation === this.generation) this.dependencies.notices.say('error', `${shardId} stopped: ${text}`);
					});
					this.schedule();
				} else {
					this.status = 'failed';
					void this.fail(event.error);
				}
				return;
			default:
				return;
		}
	}

	private async fail(error: unknown, prefix = ''): Promise<void> {
		const generation = this.generation;
		this.status = 'failed';
		this.retryingShards.clear();
		this.retryReason = undefined;
		this.message = prefix + (error instanceof Error ? error.message : String(error));
		const text = prefix + (await this.describe(error));
		if (generation !== this.generation) return;
		this.message = text;
		this.dependencies.notices.say('error', text);
		this.flush();
	}

	/** The failure in the console's words, or its own message if describing it fails. */
	private describe(error: unknown): Promise<string> {
		return this.dependencies
			.describeError(error, {streamName: this.options.stream})
			.catch(() => (error instanceof Error ? error.message : String(error)));
	}

	/** "shardId-…1 stopped: " when only some of the shards read stopped on a failure; '' when they all did. */
	private stoppedShardsPrefix(): string {
		const stopped = [...this.shardFailures.keys()];
		if (stopped.length >= this.startedShards) return '';
		return `${stopped.length === 1 ? stopped[0] : `${stopped.length} of ${this.startedShards} shards`} stopped: `;
	}

	/** A call failed and is retried: say so in the tail (while it lasts) and, every few seconds per shard, as a notice. */
	private onRetrying(event: Extract<TailEvent, {type: 'retrying'}>): void {
		const key = event.shardId;
		this.retryingShards.add(key);
		this.retryReason ??= event.reason;
		const generation = this.generation;
		const last = this.lastRetryNotice.get(key) ?? Number.NEGATIVE_INFINITY;
		const notify = this.now() - last >= RETRY_NOTICE_MS;
		if (notify) this.lastRetryNotice.set(key, this.now());
		void this.describe(event.error ?? new Error(event.reason)).then((text) => {
			if (generation !== this.generation || !this.retryingShards.has(key)) return;
			// The whole of it in the tail (what to do matters: `aws sso login`), the sentence in the status line.
			this.retryReason = text;
			const reason = firstLine(text);
			const retry = /[.!?]$/.test(reason) ? ` Retrying in ${formatDelay(event.delayMs)}.` : `; retrying in ${formatDelay(event.delayMs)}`;
			if (notify) this.dependencies.notices.say('warning', `${key || this.options.stream}: ${reason}${retry}`);
			this.schedule();
		});
		this.schedule();
	}

	/** A shard that was retrying reads again (or is gone); with `announce`, says so once none is left retrying. */
	private readingAgain(shardId: string, announce = true): void {
		if (!this.retryingShards.delete(shardId)) return;
		// A listing that works again says nothing of the readers, and the other way round: only when none is left.
		if (this.retryingShards.size > 0) return this.schedule();
		this.retryReason = undefined;
		if (announce) this.dependencies.notices.say('info', `${this.options.stream}: reading again.`);
		this.schedule();
	}

	private noteBehind(shardId: string, millisBehindLatest: number | undefined): void {
		if (millisBehindLatest === undefined) this.behind.delete(shardId);
		else this.behind.set(shardId, millisBehindLatest);
	}

	private wake(): void {
		const resume = this.resume;
		this.resume = undefined;
		resume?.();
	}

	private sampleRate(): void {
		const now = this.now();
		const elapsed = now - this.rateSample.atMs;
		if (elapsed <= 0) return;
		const rate = ((this.received - this.rateSample.received) * 1000) / elapsed;
		this.rateSample = {atMs: now, received: this.received};
		if (Math.round(rate) === Math.round(this.rate)) return;
		this.rate = rate;
		this.schedule();
	}

	// Notifications: at most every notifyMs for what the stream does; at once for what the user does.

	private schedule(): void {
		if (this.flushTimer) return;
		const delay = Math.max(0, this.lastFlushMs + this.notifyMs - this.now());
		this.flushTimer = setTimeout(() => {
			this.flushTimer = undefined;
			this.flush();
		}, delay);
		this.flushTimer.unref?.();
	}

	private flush(): void {
		clearTimeout(this.flushTimer);
		this.flushTimer = undefined;
		this.lastFlushMs = this.now();
		this.set(this.snapshot());
	}

	// What is shown: every record in the buffer, or with a filter the ring of those that passed it.

	private newRing(): RecordRing {
		return new RecordRing(Math.max(1, this.options.capacity ?? 5_000), Math.max(1, this.options.maxBytes ?? 64 * 1024 * 1024));
	}

	private get shownRing(): RecordRing {
		return this.matchRing ?? this.ring;
	}

	/** Starts the ring of matches over from the buffer, for a new filter or decoder. */
	private refilter(): void {
		this.rowCache.clear();
		this.tested = 0;
		// The shown records change: a selection among them means nothing any more.
		if (this.matchRing || this.filters.length > 0) this.following = true;
		if (this.filters.length === 0) {
			this.matchRing = undefined;
			return;
		}
		this.matchRing = this.newRing();
		for (let index = this.ring.head; index < this.ring.tail; index++) {
			const record = this.ring.at(index);
			if (record) this.test(record);
		}
	}

	/** Tests an arriving record against the filter and keeps it among the matches when it passes. */
	private test(record: TailRecord): void {
		const ring = this.matchRing;
		if (!ring) return;
		this.tested++;
		const info = this.decodeRow(record);
		if (!info.match) return;
		ring.push(record);
		// It was just decoded: keep its row for when it is shown, as the newest usually is.
		this.cacheRow(ring.tail - 1, info);
	}

	private shownCount(): number {
		return this.shownRing.size;
	}

	private shownAt(place: number): number {
		return this.shownRing.head + place;
	}

	/** The place among the shown records of an index; an index that fell out of the ring is the oldest left. */
	private placeOf(index: number): number {
		const ring = this.shownRing;
		return Math.min(Math.max(0, index - ring.head), Math.max(0, ring.size - 1));
	}

	private rowInfo(index: number): RowInfo | undefined {
		const cached = this.rowCache.get(index);
		if (cached) return cached;
		const record = this.shownRing.at(index);
		if (!record) return undefined;
		const info = this.decodeRow(record);
		this.cacheRow(index, info);
		return info;
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
			decoder: this.decoder,
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

	private snapshot(): TailSnapshot {
		const count = this.shownCount();
		const rows: TailRow[] = [];
		let selectedPlace = -1;
		let top = 0;
		if (count > 0) {
			const height = this.viewport;
			if (this.following) {
				selectedPlace = count - 1;
				top = Math.max(0, count - height);
			} else {
				selectedPlace = this.placeOf(this.selectedIndex);
				top = Math.min(this.placeOf(this.topIndex), Math.max(0, count - height));
				if (selectedPlace < top) top = selectedPlace;
				if (selectedPlace >= top + height) top = selectedPlace - height + 1;
				this.selectedIndex = this.shownAt(selectedPlace);
				this.topIndex = this.shownAt(top);
			}
			for (let place = top; place < Math.min(count, top + height); place++) {
				const index = this.shownAt(place);
				const record = this.shownRing.at(index);
				const info = this.rowInfo(index);
				if (!record || !info) continue;
				rows.push({
					index,
					shardId: record.shardId,
					sequenceNumber: record.sequenceNumber,
					arrivalTime: record.arrivalTime,
					partitionKey: record.partitionKey,
					text: info.text,
					format: info.format,
					userRecords: info.userRecords,
					bytes: record.data.byteLength,
				});
			}
		}
		let behindMs: number | undefined;
		for (const value of this.behind.values()) behindMs = Math.max(behindMs ?? 0, value);
		return {
			status: this.status,
			...(this.message === undefined ? {} : {message: this.message}),
			...(this.retryingShards.size === 0 || this.retryReason === undefined
				? {}
				: {retrying: {reason: this.retryReason, shards: this.retryingShards.size}}),
			stream: this.options.stream,
			...(this.options.shardId ? {shardId: this.options.shardId} : {}),
			position: this.position,
			decoder: this.decoder,
			filter: this.filterText,
			paused: this.paused,
			following: this.following,
			rate: this.rate,
			behindMs,
			shards: this.reading.size,
			received: this.received,
			buffered: this.ring.size,
			shown: count,
			tested: this.tested,
			rows,
			selected: selectedPlace < 0 ? -1 : selectedPlace - top,
			offset: top,
		};
	}
}

function rowText(decoded: DecodedRecord | undefined, userRecords: number): string {
	const text = decoded ? decoded.text.slice(0, ROW_TEXT_LIMIT) : '';
	return userRecords > 1 ? `[${userRecords} user records] ${text}` : text;
}

/**
 * Filter expressions as typed after `/`, separated by spaces. Quotes are part of the text and matched as
 * typed (`text:"level":"ERROR"` looks for those quotes, as in the JSON); a quoted run only keeps its
 * spaces in one expression (`text:"two words"`). An expression wrapped whole in quotes loses them, so
 * that `'text:two words'` looks for two words, as a shell would pass it. A quote with no match is a character.
 */
export function splitExpressions(text: string): string[] {
	const expressions: string[] = [];
	let word = '';
	/** Where in `word` the quoted run that opened it ends, when it opened with one. */
	let firstRunEnd = -1;
	const push = () => {
		if (word) expressions.push(firstRunEnd === word.length - 1 && word.length >= 2 ? word.slice(1, -1) : word);
		word = '';
		firstRunEnd = -1;
	};
	for (let at = 0; at < text.length;) {
		const char = text[at] ?? '';
		if (/\s/.test(char)) {
			push();
			at++;
			continue;
		}
		const close = char === '"' || char === "'" ? text.indexOf(char, at + 1) : -1;
		if (close === -1) {
			word += char;
			at++;
			continue;
		}
		if (word === '') firstRunEnd = close - at;
		word += text.slice(at, close + 1);
		at = close + 1;
	}
	push();
	return expressions;
}

const firstLine = (text: string): string => text.split('\n', 1)[0] ?? text;

const formatDelay = (ms: number): string => (ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

const plural = (count: number, word: string): string => `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
