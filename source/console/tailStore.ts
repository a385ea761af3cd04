import type {NoticeStore} from './notices.js';
import type {DecoderName, RecordFormat} from './records/index.js';
import {BackgroundStore, type Session} from './store.js';
import {
	LATEST,
	parseStartPosition,
	startPositionProblem,
	type StartPosition,
	type TailEvent,
	type TailOptions,
	type TailRecord,
} from './tail/index.js';
import {ReaderProgress} from './tailStore/readerProgress.js';
import {defaultSavePath, saveRecords, type SaveResult} from './tailStore/saving.js';
import {ShownRecords, type SaveSelection} from './tailStore/shownRecords.js';
import {Viewport, type MoveCommand} from './tailStore/viewport.js';
import {DECODER_NAMES} from './records/index.js';
import {formatDelay, plural} from './format.js';

/** Where a tail's events come from: `tailStream` over a Kinesis client, or a script in tests. */
export type TailSource = (options: TailOptions) => AsyncIterable<TailEvent>;

/** What to tail and how much to keep: what a view chooses. */
export interface TailSettings {
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
	/** The view is told of new records at most this often. Default 200 ms. */
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

export interface TailStoreOptions extends TailSettings {
	readonly source: TailSource;
	readonly notices: NoticeStore;
	/**
	 * Turns a failure into what the console shows: a sentence, then a hint on the next line. The stream
	 * the tail reads is given, for messages such as "the stream 'orders' was not found".
	 */
	readonly describeError: (error: unknown, context?: {readonly streamName?: string}) => Promise<string>;
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
	/** Shards whose reader started and has had no read answered yet (the start of a big tail takes seconds). */
	readonly starting: number;
	/** GetRecords calls answered per second, over the last second or so (measured, not the configured budget). */
	readonly callsPerSecond: number;
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

/**
 * The tail view's model: runs a tail of a stream (or one shard) from a starting position while
 * started, keeping the newest records (shownRecords.ts: the buffer, the filter and decoded rows);
 * follows the newest record or stays where the user scrolled (viewport.ts); pauses (the tail stops
 * reading, so the view holds still and nothing is skipped); restarts from another position; saves
 * what is shown (saving.ts). The view is told at most every `notifyMs` while records pour in, and at
 * once after a user's action.
 */
export class TailStore extends BackgroundStore<TailSnapshot> {
	private readonly shown: ShownRecords;
	private readonly viewport = new Viewport();
	private readonly progress = new ReaderProgress();
	private readonly notifyMs: number;
	private readonly now: () => number;
	private position: StartPosition;
	private paused = false;
	private resume: (() => void) | undefined;
	private status: TailStatus = 'starting';
	private message: string | undefined;
	/** The tail under way: a new position starts another within the same session. */
	private reader: AbortController | undefined;
	/** Counts tails (starts and restarts), so that late answers of an earlier one are dropped. */
	private generation = 0;
	private cancelFlush: (() => void) | undefined;
	private lastFlushMs = 0;

	constructor(readonly options: TailStoreOptions) {
		super(undefined as unknown as TailSnapshot);
		this.shown = new ShownRecords(
			{capacity: options.capacity ?? 5_000, maxBytes: options.maxBytes ?? 64 * 1024 * 1024},
			options.decoder ?? 'auto',
		);
		this.notifyMs = options.notifyMs ?? 200;
		this.now = options.now ?? Date.now;
		this.position = options.from ?? LATEST;
		this.set(this.snapshot());
	}

	protected begin(session: Session): void {
		// Stopping ends the tail under way, and a paused one waiting to go on.
		session.signal.addEventListener('abort', () => {
			this.generation++;
			this.reader?.abort();
			this.reader = undefined;
			this.wake();
		});
		this.restart(session);
		session.every(1_000, () => {
			if (this.progress.sampleRate(this.now())) this.schedule();
		});
	}

	protected override end(): void {
		this.cancelFlush = undefined;
	}

	/** How many rows the view shows. */
	setViewport(rows: number): void {
		if (this.viewport.setHeight(rows)) this.flush();
	}

	move(command: MoveCommand): void {
		const moved = this.viewport.move(command, this.shown);
		if (moved === 'follow') this.followNewest();
		else if (moved === 'moved') this.flush();
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
		const filtered = this.shown.filtered;
		if (!this.shown.setDecoder(decoder)) return;
		this.shownChanged(filtered);
		this.flush();
	}

	/** The next decoder in the list, round. */
	cycleDecoder(): DecoderName {
		const next = DECODER_NAMES[(DECODER_NAMES.indexOf(this.shown.decoder) + 1) % DECODER_NAMES.length] ?? 'auto';
		this.setDecoder(next);
		return next;
	}

	/**
	 * Shows only the records that match every expression (space-separated, as `--filter` takes them
	 * one by one); '' shows all. Returns what is wrong with the expression, leaving the filter as it was.
	 */
	setFilter(text: string): string | undefined {
		const filtered = this.shown.filtered;
		const problem = this.shown.setFilter(text);
		if (problem) return problem;
		this.shownChanged(filtered);
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
		const session = this.current;
		if (session) this.restart(session);
		else this.flush();
		return undefined;
	}

	/** The selected record as it was received, for the inspector. */
	selectedRecord(): TailRecord | undefined {
		const index = this.viewport.selected(this.shown);
		return index === undefined ? undefined : this.shown.at(index);
	}

	/** A file name for saving: `./<stream>-<time>.jsonl` in the working directory. */
	defaultSavePath(): string {
		return defaultSavePath(this.options.stream, this.options.shardId, new Date(this.now()));
	}

	/**
	 * What is shown now (every buffered record that passes the filter, oldest first), with the decoding
	 * and filter that show it: kept apart from the buffer, so that what a save prompt counts is what it
	 * writes however many records arrive while it is open.
	 */
	shownForSaving(): SaveSelection {
		return this.shown.selection();
	}

	/**
	 * Writes records as JSON lines, the shape of `kinesis-console tail --json`: those of `selection`, or
	 * what is shown now. An existing file is left alone unless `overwrite`. Says how it went in a notice.
	 */
	async save(path: string, options: {overwrite?: boolean; selection?: SaveSelection} = {}): Promise<SaveResult> {
		const result = await saveRecords(path, options.selection ?? this.shownForSaving(), options.overwrite);
		const {notices} = this.options;
		if (result.kind === 'failed') notices.say('error', `Could not save to ${result.path}: ${result.error}`);
		if (result.kind === 'saved')
			notices.say('info', `Saved ${plural(result.records, 'record')} (${plural(result.lines, 'line')}) to ${result.path}`);
		return result;
	}

	// The tail.

	private restart(session: Session): void {
		this.reader?.abort();
		const reader = new AbortController();
		this.reader = reader;
		const generation = ++this.generation;
		this.wake();
		this.shown.clear();
		this.progress.reset(this.now());
		this.viewport.following = true;
		this.status = 'starting';
		this.message = undefined;
		this.flush();
		void session.track(this.consume(session, generation, AbortSignal.any([session.signal, reader.signal])));
	}

	private async consume(session: Session, generation: number, signal: AbortSignal): Promise<void> {
		const current = () => generation === this.generation && !signal.aborted;
		const shardId = this.options.shardId;
		try {
			const events = this.options.source({
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
				this.handle(session, event);
				if (this.status === 'failed') break;
			}
			if (!current() || this.status === 'failed') return;
			if (this.progress.failures.size > 0) {
				// Readers stopped on failures (the stream deleted, access denied): not "read to its end".
				await this.fail([...this.progress.failures.values()].at(-1), this.progress.stoppedShardsPrefix());
				return;
			}
			this.status = 'ended';
			this.message =
				this.progress.startedShards === 0
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

	private handle(session: Session, event: TailEvent): void {
		const progress = this.progress;
		switch (event.type) {
			case 'shards':
				if (this.status === 'starting') this.status = 'reading';
				return this.schedule();
			case 'shard-started':
				progress.started(event.shardId);
				if (this.status === 'starting') this.status = 'reading';
				return this.schedule();
			case 'records': {
				const first = progress.answered(event.shardId);
				this.readingAgain(event.shardId);
				for (const record of event.records) this.shown.push(record);
				progress.received += event.records.length;
				progress.noteBehind(event.shardId, event.millisBehindLatest);
				return first ? this.firstAnswer() : this.schedule();
			}
			case 'polled':
				progress.noteBehind(event.shardId, event.millisBehindLatest);
				if (progress.answered(event.shardId)) this.firstAnswer();
				return;
			case 'shard-ended':
				progress.ended(event.shardId);
				this.readingAgain(event.shardId, false);
				return this.schedule();
			case 'retrying':
				return this.onRetrying(event);
			case 'recovered':
				return this.readingAgain(event.shardId);
			case 'failed':
				if (event.shardId) {
					const shardId = event.shardId;
					progress.failed(shardId, event.error);
					this.readingAgain(shardId, false);
					const generation = this.generation;
					void session.track(this.describe(event.error)).then((text) => {
						if (generation === this.generation) this.options.notices.say('error', `${shardId} stopped: ${text}`);
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
		this.progress.clearRetries();
		this.message = prefix + (error instanceof Error ? error.message : String(error));
		const text = prefix + (await this.describe(error));
		if (generation !== this.generation) return;
		this.message = text;
		this.options.notices.say('error', text);
		this.flush();
	}

	/** The failure in the console's words, or its own message if describing it fails. */
	private describe(error: unknown): Promise<string> {
		return this.options
			.describeError(error, {streamName: this.options.stream})
			.catch(() => (error instanceof Error ? error.message : String(error)));
	}

	/** A call failed and is retried: say so in the tail (while it lasts) and, every few seconds per shard, as a notice. */
	private onRetrying(event: Extract<TailEvent, {type: 'retrying'}>): void {
		const key = event.shardId;
		const notify = this.progress.retry(key, event.reason, this.now());
		const generation = this.generation;
		void this.describe(event.error ?? new Error(event.reason)).then((text) => {
			if (generation !== this.generation || !this.progress.retrying.has(key)) return;
			// The whole of it in the tail (what to do matters: `aws sso login`), the sentence in the status line.
			this.progress.retryReason = text;
			const reason = firstLine(text);
			const retry = /[.!?]$/.test(reason) ? ` Retrying in ${formatDelay(event.delayMs)}.` : `; retrying in ${formatDelay(event.delayMs)}`;
			if (notify) this.options.notices.say('warning', `${key || this.options.stream}: ${reason}${retry}`);
			this.schedule();
		});
		this.schedule();
	}

	/** A shard that was retrying reads again (or is gone); with `announce`, says so once none is left retrying. */
	private readingAgain(shardId: string, announce = true): void {
		const state = this.progress.readingAgain(shardId);
		if (state === 'idle') return;
		// A listing that works again says nothing of the readers, and the other way round: only when none is left.
		if (state === 'recovered' && announce) this.options.notices.say('info', `${this.options.stream}: reading again.`);
		this.schedule();
	}

	private wake(): void {
		const resume = this.resume;
		this.resume = undefined;
		resume?.();
	}

	/** Selects the newest record and keeps it in view, paused or not (scrolling to the end). */
	private followNewest(): void {
		this.viewport.following = true;
		this.flush();
	}

	/** The shown records changed (a filter set, changed or dropped): a selection among them means nothing any more. */
	private shownChanged(wasFiltered: boolean): void {
		if (wasFiltered || this.shown.filtered) this.viewport.following = true;
	}

	// Notifications: at most every notifyMs for what the stream does; at once for what the user does.

	private schedule(): void {
		const session = this.current;
		if (this.cancelFlush || !session) return;
		const delay = Math.max(0, this.lastFlushMs + this.notifyMs - this.now());
		this.cancelFlush = session.after(delay, () => {
			this.cancelFlush = undefined;
			this.flush();
		});
	}

	/**
	 * A shard's first read answered. The last of a start is said at once: "every shard reading" is the
	 * moment a big tail's user waits for, and at the stream's pace it would show up to notifyMs late.
	 */
	private firstAnswer(): void {
		if (this.progress.startingShards === 0) this.flush();
		else this.schedule();
	}

	private flush(): void {
		this.cancelFlush?.();
		this.cancelFlush = undefined;
		this.lastFlushMs = this.now();
		this.set(this.snapshot());
	}

	private snapshot(): TailSnapshot {
		const shown = this.shown;
		const {top, selected} = this.viewport.window(shown);
		const rows: TailRow[] = [];
		for (let place = top; place < Math.min(shown.count, top + this.viewport.height); place++) {
			const index = shown.indexAt(place);
			const record = shown.at(index);
			const info = shown.row(index);
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
		const progress = this.progress;
		return {
			status: this.status,
			...(this.message === undefined ? {} : {message: this.message}),
			...(progress.retrying.size === 0 || progress.retryReason === undefined
				? {}
				: {retrying: {reason: progress.retryReason, shards: progress.retrying.size}}),
			stream: this.options.stream,
			...(this.options.shardId ? {shardId: this.options.shardId} : {}),
			position: this.position,
			decoder: shown.decoder,
			filter: shown.filter,
			paused: this.paused,
			following: this.viewport.following,
			rate: progress.rate,
			behindMs: progress.behindMs,
			shards: progress.shards,
			starting: progress.startingShards,
			callsPerSecond: progress.callRate,
			received: progress.received,
			buffered: shown.buffered,
			shown: shown.count,
			tested: shown.tested,
			rows,
			selected: selected < 0 ? -1 : selected - top,
			offset: top,
		};
	}
}

const firstLine = (text: string): string => text.split('\n', 1)[0] ?? text;
