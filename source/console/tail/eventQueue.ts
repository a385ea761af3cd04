/**
 * A bounded queue between shard readers and the one consumer of a tail. Readers wait in `push` while
 * the queue holds more than its budget, so a slow consumer slows the reads instead of growing memory.
 */
export class EventQueue<T> {
	private readonly items: Array<{item: T; weight: number}> = [];
	private weight = 0;
	private closed = false;
	private readonly spaceWaiters: Array<() => void> = [];
	private itemWaiter: (() => void) | undefined;

	constructor(private readonly budget: number) {}

	/** Adds an item of a weight (e.g. its record count); resolves once there is room for more. */
	async push(item: T, weight = 1): Promise<void> {
		if (this.closed) return;
		this.items.push({item, weight});
		this.weight += weight;
		this.wakeConsumer();
		while (this.weight > this.budget && !this.closed) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
	}

	/** No more items: the consumer ends after draining what is queued; waiting producers are released. */
	close(): void {
		this.closed = true;
		this.wakeConsumer();
		for (const wake of this.spaceWaiters.splice(0)) wake();
	}

	async *drain(): AsyncGenerator<T> {
		for (;;) {
			const next = this.items.shift();
			if (next) {
				this.weight -= next.weight;
				if (this.weight <= this.budget) for (const wake of this.spaceWaiters.splice(0)) wake();
				yield next.item;
				continue;
			}
			if (this.closed) return;
			await new Promise<void>((resolve) => (this.itemWaiter = resolve));
		}
	}

	private wakeConsumer(): void {
		const wake = this.itemWaiter;
		this.itemWaiter = undefined;
		wake?.();
	}
}
