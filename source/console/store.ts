/**
 * The small observable state the terminal UI reads with useSyncExternalStore: a snapshot that is
 * replaced, never mutated, and listeners told after each change.
 */
export class Store<T> {
	private readonly listeners = new Set<() => void>();

	constructor(private state: T) {}

	readonly getSnapshot = (): T => this.state;

	readonly subscribe = (listener: () => void): (() => void) => {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	};

	protected set(next: T | ((previous: T) => T)): void {
		this.state = typeof next === 'function' ? (next as (previous: T) => T)(this.state) : next;
		for (const listener of this.listeners) listener();
	}
}

/** A view's data with its loading, empty and failed states made explicit. */
export type Loadable<T> =
	| {readonly status: 'loading'}
	| {readonly status: 'ready'; readonly value: T; readonly updatedAt: Date; readonly refreshError?: string}
	| {readonly status: 'failed'; readonly error: string};
