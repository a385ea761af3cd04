import {CreateStreamCommand, PutRecordCommand, PutRecordsCommand} from '@aws-sdk/client-kinesis';
import {afterEach, describe, expect, it} from 'vitest';
import {HOT_RECORDS, PollScheduler, type TurnRequest} from '../../source/console/tail/pollScheduler.js';
import {readShard} from '../../source/console/tail/shardReader.js';
import type {TailEvent} from '../../source/console/tail/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A scheduler that notes which kind of turn each call asked for. */
class RecordingScheduler extends PollScheduler {
	readonly asked: Array<TurnRequest['phase'] | 'poll'> = [];
	override turn(request: TurnRequest): Promise<(() => void) | undefined> {
		this.asked.push(request.phase ?? 'poll');
		return super.turn(request);
	}
}

describe('a shard reader’s turns', () => {
	it('asks for its iterator and first read as a start, and after an empty answer at the tip for an idle poll, after records for a poll', async () => {
		const engine = await startEngine();
		cleanups.push(() => engine.close());
		const client = kinesisClient(engine.url, 'http1');
		cleanups.push(() => client.destroy());
		await client.send(new CreateStreamCommand({StreamName: 'turns', ShardCount: 1}));
		const scheduler = new RecordingScheduler();
		const controller = new AbortController();
		const events: TailEvent[] = [];
		let wrote = false;
		const reading = readShard({
			kinesis: client,
			stream: 'turns',
			shardId: 'shardId-000000000000',
			from: {type: 'TRIM_HORIZON'},
			callsPerSecond: 5,
			limit: 100,
			stopAtLatest: false,
			signal: controller.signal,
			scheduler,
			emit: async (event) => {
				events.push(event);
				// Once the empty shard has been read, a record arrives; once it has been read, the test ends.
				if (event.type === 'caught-up' && !wrote) {
					wrote = true;
					await client.send(new PutRecordCommand({StreamName: 'turns', PartitionKey: 'k', Data: Buffer.from('one')}));
				}
				if (event.type === 'records') setTimeout(() => controller.abort(), 300);
			},
		});
		await reading;
		expect(events.some((event) => event.type === 'records')).toBe(true);
		// Iterator, first read (empty, at the tip), idle polls until the record, then polls after it.
		const [iterator, first, ...rest] = scheduler.asked;
		expect([iterator, first]).toEqual(['start', 'first read']);
		const firstBusy = rest.indexOf('poll');
		expect(rest[0]).toBe('idle poll');
		expect(firstBusy).toBeGreaterThan(0);
		expect(rest.slice(0, firstBusy).every((phase) => phase === 'idle poll')).toBe(true);
	});

	it('asks for a hot poll after an answer behind or of HOT_RECORDS records or more', async () => {
		const engine = await startEngine();
		cleanups.push(() => engine.close());
		const client = kinesisClient(engine.url, 'http1');
		cleanups.push(() => client.destroy());
		await client.send(new CreateStreamCommand({StreamName: 'hot', ShardCount: 1}));
		// A backlog of 2.5 pages of HOT_RECORDS: two full answers (hot), then the rest at the tip (busy), then nothing (idle).
		const records = Array.from({length: HOT_RECORDS * 2.5}, (_, n) => ({PartitionKey: 'k', Data: Buffer.from(`r${n}`)}));
		await client.send(new PutRecordsCommand({StreamName: 'hot', Records: records}));
		const scheduler = new RecordingScheduler();
		const controller = new AbortController();
		await readShard({
			kinesis: client,
			stream: 'hot',
			shardId: 'shardId-000000000000',
			from: {type: 'TRIM_HORIZON'},
			callsPerSecond: 5,
			limit: HOT_RECORDS,
			stopAtLatest: false,
			signal: controller.signal,
			scheduler,
			emit: async (event) => {
				if (event.type === 'caught-up') controller.abort();
			},
		});
		expect(scheduler.asked.slice(0, 5)).toEqual(['start', 'first read', 'hot poll', 'hot poll', 'poll']);
	});
});
