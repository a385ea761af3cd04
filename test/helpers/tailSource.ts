import {stripVTControlCharacters} from 'node:util';
import type {Shard} from '@aws-sdk/client-kinesis';
import {NoticeStore} from '../../source/console/notices.js';
import type {TailEvent, TailOptions, TailRecord} from '../../source/console/tail/index.js';
import {TailStore, type TailSettings} from '../../source/console/tailStore.js';
import {describeForTest} from './wait.js';

/** The events of one tail, pushed by a test; ends when the tail's signal aborts or the test ends it. */
export class TailChannel implements AsyncIterable<TailEvent> {
	private readonly items: TailEvent[] = [];
	private waiter: (() => void) | undefined;
	private ended = false;
	/** Events the consumer has taken. */
	pulled = 0;
	/** The consumer stopped early (break or return). */
	returned = false;

	constructor(signal: AbortSignal | undefined) {
		signal?.addEventListener('abort', () => this.end(), {once: true});
	}

	push(...events: TailEvent[]): void {
		this.items.push(...events);
		this.wake();
	}

	end(): void {
		this.ended = true;
		this.wake();
	}

	get waiting(): number {
		return this.items.length;
	}

	[Symbol.asyncIterator](): AsyncIterator<TailEvent> {
		return {
			next: async () => {
				for (;;) {
					const item = this.items.shift();
					if (item) {
						this.pulled++;
						return {value: item, done: false};
					}
					if (this.ended) return {value: undefined, done: true};
					await new Promise<void>((resolve) => (this.waiter = resolve));
				}
			},
			return: async () => {
				this.returned = true;
				this.end();
				return {value: undefined, done: true};
			},
		};
	}

	private wake(): void {
		const waiter = this.waiter;
		this.waiter = undefined;
		waiter?.();
	}
}

/** A tail source whose events the test writes: each run (a start, a new position) gets its own channel. */
export class FakeTail {
	readonly runs: Array<{readonly options: TailOptions; readonly channel: TailChannel}> = [];

	readonly source = (options: TailOptions): AsyncIterable<TailEvent> => {
		const channel = new TailChannel(options.signal);
		this.runs.push({options, channel});
		return channel;
	};

	get current(): {readonly options: TailOptions; readonly channel: TailChannel} {
		const run = this.runs.at(-1);
		if (!run) throw new Error('the tail has not started');
		return run;
	}

	push(...events: TailEvent[]): void {
		this.current.channel.push(...events);
	}

	/** The tail found its shards, started reading them, and each first read answered (empty). */
	started(shardIds: readonly string[] = ['shardId-000000000000']): void {
		this.push(
			{type: 'shards', shards: shardIds.map(shard)},
			...shardIds.map((shardId): TailEvent => ({type: 'shard-started', shardId, position: this.current.options.from ?? {type: 'LATEST'}})),
			...shardIds.map((shardId): TailEvent => ({type: 'polled', shardId, millisBehindLatest: 0, atMs: Date.now()})),
		);
	}

	records(records: readonly TailRecord[], shardId = records[0]?.shardId ?? 'shardId-000000000000'): void {
		this.push({
			type: 'records',
			shardId,
			records,
			bytes: records.reduce((sum, record) => sum + record.data.length, 0),
			millisBehindLatest: 0,
			atMs: Date.now(),
		});
	}
}

/** A shard as ListShards describes it (the whole hash range: enough for a fake tail). */
export const shard = (ShardId: string): Shard => ({
	ShardId,
	HashKeyRange: {StartingHashKey: '0', EndingHashKey: '340282366920938463463374607431768211455'},
	SequenceNumberRange: {StartingSequenceNumber: '49650000000000000000000000000000000000000000000000000000'},
});

let sequence = 49_650_000_000_000_000_000_000_000_000_000_000_000_000_000n;

/** A record with the given data (a string is UTF-8), the next sequence number, and arrival now. */
export function record(
	data: string | Uint8Array,
	options: {key?: string; shardId?: string; arrival?: Date; sequenceNumber?: string} = {},
): TailRecord {
	sequence += 1n;
	return {
		shardId: options.shardId ?? 'shardId-000000000000',
		sequenceNumber: options.sequenceNumber ?? sequence.toString(),
		arrivalTime: options.arrival ?? new Date(),
		partitionKey: options.key ?? 'user-1',
		data: typeof data === 'string' ? new TextEncoder().encode(data) : data,
	};
}

/** A TailStore over a fake tail, with its notices, telling its listeners quickly. */
export function fakeTailStore(settings: Partial<TailSettings> = {}, fake = new FakeTail(), notices = new NoticeStore()) {
	const store = new TailStore({
		stream: 'clickstream',
		notifyMs: 10,
		...settings,
		source: fake.source,
		notices,
		describeError: describeForTest,
	});
	return {store, fake, notices};
}

export {until} from './wait.js';

/**
 * Types text into the open prompt whose line starts with `label`, and waits until the prompt shows it.
 * Under a loaded machine a prompt's key handler can attach after its first frame is out: text typed
 * before that is dropped, so while the prompt still shows what it showed before, the text is typed again.
 */
export async function typeInto(
	app: {stdin: {write: (data: string) => void}; lastFrame: () => string | undefined},
	label: string,
	text: string,
): Promise<void> {
	/** What the prompt holds: its line after the label, without the cursor. */
	const value = () =>
		stripVTControlCharacters(app.lastFrame() ?? '')
			.split('\n')
			.map((candidate) => candidate.trimEnd())
			.find((candidate) => candidate.startsWith(label) || candidate === label.trimEnd())
			?.slice(label.length)
			.trimEnd();
	const before = value();
	if (before === undefined) throw new Error(`no prompt line starting with ${JSON.stringify(label)}:\n${app.lastFrame() ?? ''}`);
	const expected = `${before}${text}`.trimEnd();
	for (let attempt = 0; attempt < 5; attempt++) {
		app.stdin.write(text);
		const deadline = Date.now() + 2_000;
		while (Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 20));
			const now = value();
			if (now === expected) {
				await new Promise((resolve) => setTimeout(resolve, 25));
				return;
			}
			if (now !== before) throw new Error(`the prompt holds ${JSON.stringify(now)}, not ${JSON.stringify(expected)}`);
		}
	}
	throw new Error(`the prompt never held ${JSON.stringify(expected)}`);
}
