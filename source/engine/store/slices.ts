import {performance} from 'node:perf_hooks';
import {setImmediate as nextTurn} from 'node:timers/promises';

/** How long a big job (a sweep, a trim, a reshard) may hold the event loop before it lets other calls run. */
export const SLICE_MS = 4;

/**
 * Cuts a big job into slices: the job asks `spent` as it goes, and `pause()` between two units of work,
 * which yields to the event loop (I/O and timers included, not only promises) once the slice has run its
 * time. One Slices may be shared by several jobs run one after the other, such as a sweep over many shards.
 */
export class Slices {
	private startedMs = performance.now();

	constructor(private readonly budgetMs = SLICE_MS) {}

	/** True once the current slice has run its time. */
	get spent(): boolean {
		return performance.now() - this.startedMs >= this.budgetMs;
	}

	/** Lets other work run if the slice has run its time; then a new slice starts. */
	async pause(): Promise<void> {
		if (this.spent) await this.yield();
	}

	/** Lets other work run, whatever the time; then a new slice starts. */
	async yield(): Promise<void> {
		await nextTurn();
		this.startedMs = performance.now();
	}
}
