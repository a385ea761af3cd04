import {AsyncLocalStorage} from 'node:async_hooks';

/**
 * A minimal mocha-compatible runner: enough of mocha's BDD interface (describe, it, it.skip, before,
 * after, beforeEach, afterEach, this.timeout) to run kinesalite's test/*.js as mocha runs them:
 * files loaded in order, then suites depth-first, one test at a time, each with a callback, a
 * promise or neither, and an exception thrown later in a callback counted against its test. Unlike
 * mocha, that is the test whose callback threw (followed through async context), not whichever test
 * runs at the time: a test that fails early and keeps throwing does not fail the tests after it.
 */
type Callback = (error?: unknown) => void;
type Body = (this: Context, done: Callback) => unknown;

interface Context {
	timeout(ms: number): Context;
	slow(ms: number): Context;
}

interface Test {
	readonly title: string;
	readonly body: Body | undefined;
}

interface Suite {
	readonly title: string;
	readonly pending: boolean;
	readonly tests: Test[];
	readonly suites: Suite[];
	readonly before: Body[];
	readonly after: Body[];
	readonly beforeEach: Body[];
	readonly afterEach: Body[];
}

export interface Outcome {
	readonly title: string;
	readonly state: 'passed' | 'failed' | 'pending';
	readonly error?: string;
	readonly ms?: number;
}

export interface RunOptions {
	readonly timeoutMs: number;
	/** Only tests whose full title matches run; the others are left out of the counts. */
	readonly grep?: RegExp;
	readonly onOutcome: (outcome: Outcome) => void;
}

const newSuite = (title: string, pending: boolean): Suite => ({
	title,
	pending,
	tests: [],
	suites: [],
	before: [],
	after: [],
	beforeEach: [],
	afterEach: [],
});

export class Runner {
	readonly root = newSuite('', false);
	private readonly stack: Suite[] = [this.root];
	/** The callback of the test or hook whose code runs: an exception nobody caught there is its failure. */
	private readonly owner = new AsyncLocalStorage<Callback>();

	/** Defines describe, it and the hooks as globals, as mocha does before it loads test files. */
	installGlobals(): void {
		const describe = (title: string, define: () => void, pending = false) => {
			const suite = newSuite(title, pending || this.top.pending);
			this.top.suites.push(suite);
			this.stack.push(suite);
			try {
				define.call({});
			} finally {
				this.stack.pop();
			}
		};
		const it = (title: string, body?: Body) => void this.top.tests.push({title, body: this.top.pending ? undefined : body});
		const globals = globalThis as Record<string, unknown>;
		globals.describe = Object.assign(describe, {skip: (title: string, define: () => void) => describe(title, define, true)});
		globals.xdescribe = (title: string, define: () => void) => describe(title, define, true);
		globals.it = Object.assign(it, {skip: (title: string) => it(title)});
		globals.xit = (title: string) => it(title);
		for (const hook of ['before', 'after', 'beforeEach', 'afterEach'] as const) {
			globals[hook] = (body: Body) => void this.top[hook].push(body);
		}
		process.on('uncaughtException', (error) => {
			const owner = this.owner.getStore();
			if (owner) owner(error);
			else console.error('uncaught outside any test:', error);
		});
	}

	private get top(): Suite {
		return this.stack[this.stack.length - 1] as Suite;
	}

	async run(options: RunOptions): Promise<void> {
		await this.runSuite(this.root, [], [], options);
	}

	private async runSuite(suite: Suite, titles: readonly string[], eachHooks: readonly Suite[], options: RunOptions): Promise<void> {
		const path = suite.title ? [...titles, suite.title] : titles;
		const selected = (test: Test) => !options.grep || options.grep.test([...path, test.title].join(' '));
		if (!hasSelected(suite, path, options.grep)) return;
		const hooks = [...eachHooks, suite];
		try {
			for (const hook of suite.before) await this.call(hook, options.timeoutMs);
		} catch (error) {
			// As mocha: a failed `before` hook fails the suite, whose tests are not run.
			for (const test of allTests(suite, path)) if (!options.grep || options.grep.test(test)) fail(options, test, error);
			return;
		}
		for (const test of suite.tests) {
			if (!selected(test)) continue;
			const title = [...path, test.title].join(' ');
			if (!test.body) {
				options.onOutcome({title, state: 'pending'});
				continue;
			}
			const started = Date.now();
			try {
				for (const owner of hooks) for (const hook of owner.beforeEach) await this.call(hook, options.timeoutMs);
				await this.call(test.body, options.timeoutMs);
				for (const owner of [...hooks].reverse()) for (const hook of owner.afterEach) await this.call(hook, options.timeoutMs);
				options.onOutcome({title, state: 'passed', ms: Date.now() - started});
			} catch (error) {
				fail(options, title, error, Date.now() - started);
			}
		}
		for (const child of suite.suites) await this.runSuite(child, path, hooks, options);
		for (const hook of suite.after) {
			try {
				await this.call(hook, options.timeoutMs);
			} catch (error) {
				fail(options, [...path, '"after all" hook'].join(' '), error);
			}
		}
	}

	/** Runs a test or hook to its end: the callback, the promise, or the return; or the timeout, which `this.timeout(ms)` resets. */
	private call(body: Body, timeoutMs: number): Promise<void> {
		return new Promise((resolve, reject) => {
			let timer: NodeJS.Timeout | undefined;
			let finished = false;
			const finish: Callback = (error) => {
				if (finished) return;
				finished = true;
				clearTimeout(timer);
				if (error) reject(error);
				else resolve();
			};
			const arm = (ms: number) => {
				clearTimeout(timer);
				timer = setTimeout(() => finish(new Error(`Timeout of ${ms}ms exceeded`)), ms);
			};
			const context: Context = {
				timeout(ms) {
					arm(ms);
					return context;
				},
				slow: () => context,
			};
			arm(timeoutMs);
			this.owner.run(finish, () => {
				try {
					if (body.length > 0) {
						body.call(context, finish);
					} else {
						const result = body.call(context, finish);
						if (result instanceof Promise) result.then(() => finish(), finish);
						else finish();
					}
				} catch (error) {
					finish(error);
				}
			});
		});
	}
}

function fail(options: RunOptions, title: string, error: unknown, ms?: number): void {
	const text = error instanceof Error ? error.message : String(error);
	options.onOutcome({title, state: 'failed', error: text, ...(ms === undefined ? {} : {ms})});
}

function allTests(suite: Suite, path: readonly string[]): string[] {
	return [
		...suite.tests.filter((test) => test.body).map((test) => [...path, test.title].join(' ')),
		...suite.suites.flatMap((child) => allTests(child, [...path, child.title])),
	];
}

function hasSelected(suite: Suite, path: readonly string[], grep: RegExp | undefined): boolean {
	if (!grep) return true;
	return (
		suite.tests.some((test) => grep.test([...path, test.title].join(' '))) ||
		suite.suites.some((child) => hasSelected(child, [...path, child.title], grep))
	);
}
