import {describe, expect, it} from 'vitest';
import {KinesisClient} from '@aws-sdk/client-kinesis';
import {MAX_SHARD_CALLS_IN_FLIGHT, SHARD_CALL_SOCKETS} from '../../source/console/aws/directReads.js';
import {connect} from '../../source/console/connect.js';
import {MAX_SOCKETS} from '../../source/console/httpHandlers.js';
import {
	BUSY_WAIT_FOR_STARTS_MS,
	DEFAULT_CONCURRENCY,
	OTHER_TURN_EVERY,
	IDLE_WAIT_FOR_STARTS_MS,
	PollScheduler,
	TARGET_CALL_RATE,
	WINDOW_MS,
	pollSchedulerFor,
} from '../../source/console/tail/pollScheduler.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PollScheduler', () => {
	it('keeps at most its concurrency in flight and serves the shards by when each is due, first asked first', async () => {
		const scheduler = new PollScheduler({concurrency: 2});
		const order: string[] = [];
		let inFlight = 0;
		let most = 0;
		const now = Date.now();
		const call = async (key: string, notBeforeMs: number) => {
			const release = await scheduler.turn({key, notBeforeMs, perSecond: 0});
			if (!release) throw new Error('no turn');
			order.push(key);
			inFlight++;
			most = Math.max(most, inFlight);
			await wait(20);
			inFlight--;
			release();
		};
		// Asked in this order; d is due before c although asked after it.
		await Promise.all([call('a', now), call('b', now), call('c', now + 60), call('d', now + 10), call('e', now)]);
		expect(most).toBe(2);
		expect(order).toEqual(['a', 'b', 'e', 'd', 'c']);
	});

	it("serves readers' iterators, their first reads and the polls of readers already reading in turn while more than one is due, idle shards' polls after them", async () => {
		const scheduler = new PollScheduler({concurrency: 1});
		const held = await scheduler.turn({key: 'held', notBeforeMs: 0, perSecond: 0});
		const order: string[] = [];
		const call = async (key: string, phase?: 'start' | 'first read' | 'idle poll') => {
			// An idle poll due now waits for the starts (IDLE_WAIT_FOR_STARTS_MS); a busy one here has waited as long as it may.
			const notBeforeMs = phase === undefined ? Date.now() - BUSY_WAIT_FOR_STARTS_MS : Date.now();
			const release = await scheduler.turn({key, notBeforeMs, perSecond: 0, ...(phase ? {phase} : {})});
			order.push(key);
			release?.();
		};
		// The start of a big tail: iterators asked before the first reads and the next looks at shards already
		// started, some of which found records (again-n) and some nothing (idle-n).
		const calls = [
			call('idle-1', 'idle poll'),
			call('new-1', 'start'),
			call('new-2', 'start'),
			call('new-3', 'start'),
			call('read-1', 'first read'),
			call('read-2', 'first read'),
			call('again-1'),
			call('again-2'),
			call('idle-2', 'idle poll'),
		];
		held?.();
		await Promise.all(calls);
		expect(order).toEqual(['new-1', 'read-1', 'again-1', 'new-2', 'read-2', 'again-2', 'new-3', 'idle-1', 'idle-2']);
	});

	it("lets a shard's poll wait for other readers' starts no longer than BUSY_WAIT_FOR_STARTS_MS past its time, an idle shard's IDLE_WAIT_FOR_STARTS_MS", async () => {
		for (const [phase, mostMs] of [
			['poll', BUSY_WAIT_FOR_STARTS_MS],
			['idle poll', IDLE_WAIT_FOR_STARTS_MS],
		] as const) {
			for (const waitedMs of [mostMs - 1, mostMs]) {
				let clock = 1_000_000;
				const scheduler = new PollScheduler({concurrency: 1, now: () => clock});
				const held = await scheduler.turn({key: 'held', notBeforeMs: 0, perSecond: 0});
				const order: string[] = [];
				const call = async (key: string, asked: 'start' | 'idle poll' | 'poll') => {
					const release = await scheduler.turn({key, notBeforeMs: clock, perSecond: 0, ...(asked === 'poll' ? {} : {phase: asked})});
					order.push(key);
					release?.();
				};
				const calls = [call('again', phase), call('new-1', 'start'), call('new-2', 'start'), call('new-3', 'start')];
				clock += waitedMs;
				held?.();
				await Promise.all(calls);
				expect({phase, waitedMs, order}).toEqual({
					phase,
					waitedMs,
					order: waitedMs < mostMs ? ['new-1', 'new-2', 'new-3', 'again'] : ['new-1', 'again', 'new-2', 'new-3'],
				});
			}
		}
	});

	it('paces the polls of readers already reading at its rate, and not their iterators and first reads', async () => {
		const scheduler = new PollScheduler({ratePerSecond: 10, burst: 1});
		const started = Date.now();
		const take = async (key: string, phase?: 'start' | 'first read' | 'idle poll') => {
			const release = await scheduler.turn({key, notBeforeMs: 0, perSecond: 0, ...(phase ? {phase} : {})});
			release?.();
			return Date.now() - started;
		};
		// The start of a tail of 40 shards, and 6 polls of shards already reading.
		const firsts = Array.from({length: 40}, (_, n) => take(`new-${n}`, n % 2 === 0 ? 'start' : 'first read'));
		const returning = Array.from({length: 6}, (_, n) => take(`again-${n}`, n % 2 === 0 ? 'idle poll' : undefined));
		expect(Math.max(...(await Promise.all(firsts)))).toBeLessThan(300);
		// One from the burst, then one every 100 ms.
		expect(Math.max(...(await Promise.all(returning)))).toBeGreaterThanOrEqual(450);
	});

	it("serves a hot shard's polls before other shards' waiting longer, but for one turn in OTHER_TURN_EVERY", async () => {
		const scheduler = new PollScheduler({ratePerSecond: 50, burst: 1, concurrency: 1});
		const order: string[] = [];
		// A big tail past its rate: other shards' polls long due, and a hot shard asking again after each answer.
		const idle = Array.from({length: 12}, async (_, n) => {
			const release = await scheduler.turn({key: `idle-${n}`, notBeforeMs: 0, perSecond: 0, phase: 'idle poll'});
			order.push('idle');
			release?.();
		});
		const hot = (async () => {
			for (let n = 0; n < 6; n++) {
				const release = await scheduler.turn({key: 'hot', notBeforeMs: Date.now(), perSecond: 0, phase: 'hot poll'});
				order.push('hot');
				release?.();
			}
		})();
		await Promise.all([...idle, hot]);
		expect(OTHER_TURN_EVERY).toBe(4);
		// The first idle poll took the burst before the hot shard asked; then three turns in four are the hot shard's.
		expect(order).toEqual(['idle', 'hot', 'hot', 'hot', 'idle', 'hot', 'hot', 'hot', ...Array.from({length: 10}, () => 'idle')]);
	});

	it('lets no shard call more than its budget in any window, whoever asks for it', async () => {
		const scheduler = new PollScheduler();
		const sent: number[] = [];
		const turn = async () => {
			const release = await scheduler.turn({key: 'stream/shardId-0', notBeforeMs: 0, perSecond: 2});
			sent.push(Date.now());
			release?.();
		};
		// Two readers of the same shard (a tail and the dashboard's figures), each asking three times at once.
		await Promise.all(
			[0, 1].map(async () => {
				for (let n = 0; n < 3; n++) await turn();
			}),
		);
		expect(sent).toHaveLength(6);
		sent.sort((a, b) => a - b);
		for (let n = 2; n < sent.length; n++) expect((sent[n] ?? 0) - (sent[n - 2] ?? 0)).toBeGreaterThanOrEqual(WINDOW_MS - 5);
	}, 10_000);

	it('gives no turn once the signal aborts, and a waiter that gave up takes no place', async () => {
		const scheduler = new PollScheduler({concurrency: 1});
		const held = await scheduler.turn({key: 'a', notBeforeMs: 0, perSecond: 0});
		const controller = new AbortController();
		const waiting = scheduler.turn({key: 'b', notBeforeMs: 0, perSecond: 0, signal: controller.signal});
		controller.abort();
		await expect(waiting).resolves.toBeUndefined();
		held?.();
		const next = await scheduler.turn({key: 'c', notBeforeMs: 0, perSecond: 0});
		expect(scheduler.active).toBe(1);
		next?.();
		expect(scheduler.active).toBe(0);
	});

	describe('calls in flight', () => {
		/** Turns for `count` shards, each resolving with its release. */
		const asking = (scheduler: PollScheduler, count: number) => {
			const releases: Array<() => void> = [];
			for (let n = 0; n < count; n++)
				void scheduler.turn({key: `s${n}`, notBeforeMs: 0, perSecond: 0}).then((release) => {
					if (release) releases.push(release);
				});
			return releases;
		};
		const settle = () => new Promise((resolve) => setImmediate(resolve));
		/** Calls in flight that keep twice TARGET_CALL_RATE going over a round trip of `ms`. */
		const neededFor = (ms: number) => Math.ceil((2 * TARGET_CALL_RATE * ms) / 1000);

		it("follows the transport's round trip, up to its most; once it falls, new calls wait until fewer are out", async () => {
			let roundTripMs: number | undefined;
			const scheduler = new PollScheduler({concurrency: 4, maxConcurrency: 40, roundTripMs: () => roundTripMs});
			const releases = asking(scheduler, 100);
			await settle();
			expect(scheduler.active).toBe(4);
			// A far region: the transport's round trip is 5 ms.
			roundTripMs = 5;
			releases.shift()?.();
			await settle();
			expect(scheduler.inFlightLimit).toBe(neededFor(5));
			expect(scheduler.active).toBe(neededFor(5));
			// Further still: the most the transport carries, not more.
			roundTripMs = 100;
			releases.shift()?.();
			await settle();
			expect(scheduler.inFlightLimit).toBe(40);
			expect(scheduler.active).toBe(40);
			// Near again: no new call goes until fewer than the limit are out, and then they go again.
			roundTripMs = 0;
			releases.shift()?.();
			await settle();
			expect(scheduler.inFlightLimit).toBe(4);
			expect(scheduler.active).toBe(39);
			while (releases.length > 4) releases.shift()?.();
			await settle();
			expect(scheduler.active).toBe(4);
			releases.shift()?.();
			await settle();
			expect(scheduler.active).toBe(4);
		});

		it('stays at its concurrency without a most given, and below a most smaller than it', async () => {
			const unbounded = new PollScheduler({concurrency: 3, roundTripMs: () => 1_000});
			const releases = asking(unbounded, 20);
			await settle();
			releases.shift()?.();
			await settle();
			expect(unbounded.inFlightLimit).toBe(3);
			expect(unbounded.active).toBe(3);
			const small = new PollScheduler({concurrency: 48, maxConcurrency: 8});
			asking(small, 20);
			await settle();
			expect(small.active).toBe(8);
		});

		it("may grow to its own transport's connections for a connection's client, and stays below the HTTP agent's for a client made elsewhere", async () => {
			const connection = await connect({endpointUrl: 'http://127.0.0.1:9', region: 'us-east-1'});
			const client = new KinesisClient({
				endpoint: 'http://127.0.0.1:9',
				region: 'us-east-1',
				credentials: {accessKeyId: 'a', secretAccessKey: 'b'},
			});
			try {
				expect(pollSchedulerFor(connection.kinesis).maxConcurrency).toBe(MAX_SHARD_CALLS_IN_FLIGHT);
				expect(MAX_SHARD_CALLS_IN_FLIGHT).toBeLessThan(SHARD_CALL_SOCKETS);
				expect(pollSchedulerFor(client).maxConcurrency).toBe(DEFAULT_CONCURRENCY);
				expect(pollSchedulerFor(client).concurrency).toBe(DEFAULT_CONCURRENCY);
				expect(DEFAULT_CONCURRENCY).toBeLessThan(MAX_SOCKETS);
			} finally {
				await connection.close();
				client.destroy();
			}
		});
	});
});
