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

/** What a screen or a command needs of a store that does background work (polls, reads shards). */
export interface RunningStore<T> {
	readonly subscribe: (listener: () => void) => () => void;
	readonly getSnapshot: () => T;
	/** Begins the background work; a second call while running does nothing. */
	start(): void;
	/** Ends every timer, call and reader; resolves once nothing is left running. What was read stays. */
	stop(): Promise<void>;
	/** Keeps the store running until every holder has released it (a screen while visible, a command while it runs). */
	hold(): () => void;
}

/**
 * One run of a store, from start to stop. Everything the run schedules goes through it, so stop
 * can end all of it: the signal aborts calls in flight, timers are cleared, and work still
 * settling is awaited.
 */
export interface Session {
	readonly signal: AbortSignal;
	/** False once the store was stopped (or restarted): late answers of this run are dropped. */
	readonly live: boolean;
	/** Runs `work` now and again `ms` after each run ends (never two at once); `ms` may be worked out after each run. */
	repeat(ms: number | (() => number), work: () => Promise<unknown> | void): void;
	/** Runs `run` every `ms` (for cheap, synchronous ticks). */
	every(ms: number, run: () => void): void;
	/** Runs `run` once after `ms`; the function returned cancels it. */
	after(ms: number, run: () => void): () => void;
	/** Work stop waits for. */
	track<R>(work: Promise<R>): Promise<R>;
}

/**
 * The one lifecycle of the console's stores: start opens a session, stop closes it and waits,
 * hold and release count the screens and commands that need it running. Subclasses say what a
 * run does in `begin` and what is reset in `end`.
 */
export abstract class BackgroundStore<T> extends Store<T> implements RunningStore<T> {
	private session: RunSession | undefined;
	private holders = 0;

	/** The run under way, if started. */
	protected get current(): Session | undefined {
		return this.session;
	}

	get running(): boolean {
		return this.session !== undefined;
	}

	start(): void {
		if (this.session) return;
		this.session = new RunSession();
		this.begin(this.session);
	}

	async stop(): Promise<void> {
		const session = this.session;
		if (!session) return;
		this.session = undefined;
		await session.close();
		this.end();
	}

	hold(): () => void {
		this.holders++;
		this.start();
		let released = false;
		return () => {
			if (released) return;
			released = true;
			if (--this.holders === 0) void this.stop();
		};
	}

	/** Starts the run's work: every timer and call through `session`. */
	protected abstract begin(session: Session): void;

	/** After a run has fully stopped: say so in the snapshot if the store shows it. */
	protected end(): void {}
}

class RunSession implements Session {
	private readonly controller = new AbortController();
	private readonly timers = new Set<NodeJS.Timeout>();
	private readonly work = new Set<Promise<unknown>>();
	private closed = false;

	get signal(): AbortSignal {
		return this.controller.signal;
	}

	get live(): boolean {
		return !this.closed;
	}

	repeat(ms: number | (() => number), work: () => Promise<unknown> | void): void {
		const run = (): void => {
			if (this.closed) return;
			void this.track(Promise.resolve().then(work)).finally(() => void this.after(typeof ms === 'number' ? ms : ms(), run));
		};
		run();
	}

	every(ms: number, run: () => void): void {
		if (this.closed) return;
		const timer = setInterval(run, ms);
		timer.unref?.();
		this.timers.add(timer);
	}

	after(ms: number, run: () => void): () => void {
		if (this.closed) return () => {};
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			if (!this.closed) run();
		}, ms);
		timer.unref?.();
		this.timers.add(timer);
		return () => {
			clearTimeout(timer);
			this.timers.delete(timer);
		};
	}

	track<R>(work: Promise<R>): Promise<R> {
		this.work.add(work);
		const forget = () => this.work.delete(work);
		work.then(forget, forget);
		return work;
	}

	async close(): Promise<void> {
		this.closed = true;
		this.controller.abort();
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
		await Promise.allSettled([...this.work]);
	}
}

/** A view's data with its loading, empty and failed states made explicit. */
export type Loadable<T> =
	| {readonly status: 'loading'}
	| {readonly status: 'ready'; readonly value: T; readonly updatedAt: Date; readonly refreshError?: string}
	| {readonly status: 'failed'; readonly error: string};
