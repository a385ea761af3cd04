import {describe, expect, it} from 'vitest';
import {Meters, SpaceSaving} from '../../source/console/meters.js';
import type {TailEvent, TailRecord} from '../../source/console/tail/index.js';

const record = (shardId: string, partitionKey: string): TailRecord => ({
	shardId,
	sequenceNumber: '1',
	arrivalTime: new Date(0),
	partitionKey,
	data: new Uint8Array(100),
});
const batch = (shardId: string, atMs: number, keys: string[], millisBehindLatest = 0): TailEvent => ({
	type: 'records',
	shardId,
	records: keys.map((key) => record(shardId, key)),
	bytes: keys.length * 100,
	millisBehindLatest,
	atMs,
});

describe('Meters', () => {
	it('measures records, bytes and calls per second over the last ten complete seconds', () => {
		let now = 1_000_000;
		const meters = new Meters(() => now);
		for (let second = 0; second < 10; second++) {
			for (let call = 0; call < 4; call++)
				meters.observe(batch('shardId-000000000000', now + second * 1000 + call * 200, Array(50).fill('k')));
			meters.observe({type: 'polled', shardId: 'shardId-000000000001', millisBehindLatest: 0, atMs: now + second * 1000});
		}
		now += 10_000;
		const [hot, idle] = meters.snapshot();
		expect(hot).toMatchObject({
			shardId: 'shardId-000000000000',
			recordsPerSecond: 200,
			bytesPerSecond: 20_000,
			callsPerSecond: 4,
			rateWindowMs: 10_000,
			totalRecords: 2000,
		});
		expect(hot?.readBudget.calls).toBeCloseTo(0.8);
		expect(idle).toMatchObject({shardId: 'shardId-000000000001', recordsPerSecond: 0, callsPerSecond: 1, millisBehindLatest: 0});
		expect(meters.hottest()?.shardId).toBe('shardId-000000000000');
	});

	it('measures a shard read for less than the window over the whole seconds it has been read', () => {
		for (const startMs of [5_000_000, 5_000_500, 5_000_900]) {
			let now = startMs;
			const meters = new Meters(() => now);
			meters.observe({type: 'polled', shardId: 's', millisBehindLatest: 0, atMs: now});
			meters.observe({type: 'polled', shardId: 's', millisBehindLatest: 0, atMs: now + 1000});
			meters.observe({type: 'polled', shardId: 's', millisBehindLatest: 0, atMs: now + 2000});
			// Still inside its first second: nothing complete to measure yet.
			expect(meters.snapshot()[0]?.callsPerSecond).toBe(0);
			now = 5_003_050;
			// Seconds 5,000 to 5,002, with a call in each: once a second, wherever in its first second it started.
			expect({startMs, ...meters.snapshot()[0]}).toMatchObject({startMs, callsPerSecond: 1, rateWindowMs: 3000});
			now += 30_000;
			expect(meters.snapshot()[0]?.callsPerSecond).toBe(0);
		}
	});

	it('keeps the latest MillisBehindLatest and a per-second series for charts', () => {
		let now = 2_000_000;
		const meters = new Meters(() => now);
		meters.observe(batch('s', now, ['a'], 5000));
		meters.observe(batch('s', now + 2000, ['a', 'b'], 1000));
		now += 4000;
		// The second answer's 2 records arrived over the 2 s since the first: 1 a second each, not 0 then 2.
		expect(meters.series('s', 'records', 4)).toEqual([1, 1, 1, 0]);
		expect(meters.series('s', 'millisBehindLatest', 4)).toEqual([5000, 5000, 1000, 1000]);
		expect(meters.snapshot()[0]?.millisBehindLatest).toBe(1000);
	});

	it('counts throttling per minute and names the hottest partition keys', () => {
		const now = 3_000_000;
		const meters = new Meters(() => now + 1000);
		meters.observe({
			type: 'retrying',
			shardId: 's',
			kind: 'throttling',
			reason: 'ProvisionedThroughputExceededException: Rate exceeded',
			attempt: 1,
			delayMs: 100,
		});
		meters.observe({type: 'retrying', shardId: 's', kind: 'transient', reason: 'ECONNRESET', attempt: 1, delayMs: 100});
		meters.observe(batch('s', now, ['hot', 'hot', 'hot', 'cold']));
		const [meter] = meters.snapshot();
		expect(meter?.throttledPerMinute).toBe(1);
		expect(meter?.topKeys[0]).toEqual({key: 'hot', count: 3, share: 0.75});
	});

	it('notifies subscribers on every observation', () => {
		const meters = new Meters();
		let calls = 0;
		const unsubscribe = meters.subscribe(() => calls++);
		meters.observe(batch('s', Date.now(), ['a']));
		unsubscribe();
		meters.observe(batch('s', Date.now(), ['a']));
		expect(calls).toBe(1);
		expect(meters.getVersion()).toBe(2);
	});
});

describe('SpaceSaving', () => {
	it('finds heavy hitters among many more keys than it tracks', () => {
		const counter = new SpaceSaving(10);
		for (let index = 0; index < 10_000; index++) {
			counter.add(index % 3 === 0 ? 'heavy' : index % 7 === 0 ? 'medium' : `rare-${index}`);
		}
		expect(counter.top(2).map((entry) => entry.key)).toEqual(['heavy', 'medium']);
	});
});
