import {setTimeout as sleep} from 'node:timers/promises';
import {describe, expect, it} from 'vitest';
import {BackgroundStore, type Session} from '../../source/console/store.js';

/** A store whose run counts ticks of slow work, so the test can see what stop waits for. */
class Ticker extends BackgroundStore<number> {
	readonly log: string[] = [];
	inFlight = 0;
	maxInFlight = 0;
	constructor(private readonly workMs: number) {
		super(0);
	}
	protected begin(session: Session): void {
		this.log.push('begin');
		session.repeat(5, async () => {
			this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
			await sleep(this.workMs, undefined, {signal: session.signal}).catch(() => {});
			this.inFlight--;
			if (session.live) this.set((count) => count + 1);
		});
	}
	protected override end(): void {
		this.log.push('end');
	}
}

describe('BackgroundStore', () => {
	it('repeats its work one run at a time, and stop aborts it and waits for it', async () => {
		const store = new Ticker(20);
		store.start();
		store.start();
		await sleep(120);
		expect(store.log).toEqual(['begin']);
		expect(store.maxInFlight).toBe(1);
		expect(store.getSnapshot()).toBeGreaterThan(1);
		await store.stop();
		expect(store.inFlight).toBe(0);
		expect(store.log).toEqual(['begin', 'end']);
		const count = store.getSnapshot();
		await sleep(60);
		expect(store.getSnapshot()).toBe(count);
		expect(store.running).toBe(false);
	});

	it('runs while anyone holds it, and stops when the last holder lets go', async () => {
		const store = new Ticker(1);
		const screen = store.hold();
		const command = store.hold();
		expect(store.running).toBe(true);
		screen();
		screen();
		expect(store.running).toBe(true);
		command();
		expect(store.running).toBe(false);
		await sleep(10);
		expect(store.log).toEqual(['begin', 'end']);
		store.hold();
		expect(store.log).toEqual(['begin', 'end', 'begin']);
		await store.stop();
	});

	it('cancels a timer set with after', async () => {
		let fired = 0;
		class Once extends BackgroundStore<number> {
			protected begin(session: Session): void {
				const cancel = session.after(10, () => fired++);
				session.after(10, () => fired++);
				cancel();
			}
		}
		const store = new Once(0);
		store.start();
		await sleep(40);
		expect(fired).toBe(1);
		await store.stop();
	});
});
