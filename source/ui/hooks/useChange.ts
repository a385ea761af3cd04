import {useCallback, useEffect, useRef, useState} from 'react';
import type {ChangeProgress} from '../../console/changes.js';
import type {Loadable} from '../../console/store.js';
import {formatDelay} from '../../console/format.js';

/** A change as a view follows it: not started, running (with the last progress event), done, or failed. */
export type ChangeState<R> =
	| {readonly stage: 'idle'}
	| {readonly stage: 'running'; readonly startedMs: number; readonly event: ChangeProgress<R> | undefined}
	| {readonly stage: 'done'; readonly result: R; readonly elapsedMs: number}
	/** `submitted`: the change was accepted before it failed, so it may have taken effect (the error says how to check). */
	| {readonly stage: 'failed'; readonly error: string; readonly submitted: boolean};

export interface ChangeRunner<R> {
	readonly state: ChangeState<R>;
	/** Starts a change (an executor's progress events); ignored while one runs. */
	readonly run: (start: (signal: AbortSignal) => AsyncIterable<ChangeProgress<R>>) => void;
	/** Back to not started, after a failure. */
	readonly reset: () => void;
}

/**
 * Runs a change for a view and follows its progress events to the end. Errors are described and said
 * in the status line too. Leaving the view while the change runs stops following it (the change goes
 * on at Kinesis, and the audit log records it unconfirmed), and says so.
 */
export function useChange<R>(options: {
	readonly what: string;
	readonly describe: (error: unknown) => Promise<string>;
	readonly say: (level: 'info' | 'warning' | 'error', text: string) => void;
	readonly onDone?: (result: R) => void;
	/** What the status line says of a result, when "done" would not be true (a change that wrote nothing). */
	readonly outcome?: (result: R) => {readonly level: 'info' | 'warning' | 'error'; readonly text: string} | undefined;
}): ChangeRunner<R> {
	const [state, setState] = useState<ChangeState<R>>({stage: 'idle'});
	const running = useRef<AbortController | undefined>(undefined);
	const latest = useRef(options);
	latest.current = options;
	useEffect(
		() => () => {
			const controller = running.current;
			if (!controller) return;
			controller.abort();
			latest.current.say('warning', `Stopped following the ${latest.current.what}: it goes on at Kinesis.`);
		},
		[],
	);
	const run = useCallback((start: (signal: AbortSignal) => AsyncIterable<ChangeProgress<R>>) => {
		if (running.current) return;
		const controller = new AbortController();
		running.current = controller;
		const startedMs = Date.now();
		setState({stage: 'running', startedMs, event: undefined});
		let submitted = false;
		void (async () => {
			try {
				for await (const event of start(controller.signal)) {
					if (controller.signal.aborted) return;
					if (event.type === 'done') {
						running.current = undefined;
						setState({stage: 'done', result: event.result, elapsedMs: event.elapsedMs});
						const outcome = latest.current.outcome?.(event.result);
						if (outcome) latest.current.say(outcome.level, outcome.text);
						else latest.current.say('info', `The ${latest.current.what} is done (${(event.elapsedMs / 1000).toFixed(1)} s).`);
						latest.current.onDone?.(event.result);
						return;
					}
					// A retry is said on the status line as every screen's are, besides the panel's progress line.
					if (event.type === 'retrying')
						latest.current.say(
							'warning',
							`${event.call} ${event.kind === 'throttling' ? 'throttled' : 'failed'} (${event.reason}); retry ${event.attempt} in ${formatDelay(event.delayMs)}`,
						);
					if (event.type === 'submitted') submitted = true;
					setState({stage: 'running', startedMs, event});
				}
				running.current = undefined;
			} catch (error) {
				if (controller.signal.aborted) return;
				running.current = undefined;
				const text = await latest.current.describe(error);
				setState({stage: 'failed', error: text, submitted});
				const first = text.split('\n')[0] ?? text;
				// After its submission the failure says itself what became of the change (accepted, not confirmed; the stream deleted).
				if (submitted) latest.current.say('warning', first);
				else latest.current.say('error', `The ${latest.current.what} failed: ${first}`);
			}
		})();
	}, []);
	const reset = useCallback(() => {
		if (!running.current) setState({stage: 'idle'});
	}, []);
	return {state, run, reset};
}

/** Loads a value for a view (again on `reload`), with its loading and failed states; stale answers are dropped. */
export function useLoad<T>(
	load: ((signal: AbortSignal) => Promise<T>) | undefined,
	describe: (error: unknown) => Promise<string>,
	deps: readonly unknown[],
): [Loadable<T>, () => void] {
	const [state, setState] = useState<Loadable<T>>({status: 'loading'});
	const [round, setRound] = useState(0);
	useEffect(() => {
		if (!load) return;
		const controller = new AbortController();
		setState({status: 'loading'});
		load(controller.signal).then(
			(value) => {
				if (!controller.signal.aborted) setState({status: 'ready', value, updatedAt: new Date()});
			},
			async (error: unknown) => {
				if (controller.signal.aborted) return;
				const text = await describe(error);
				if (!controller.signal.aborted) setState({status: 'failed', error: text});
			},
		);
		return () => controller.abort();
		// The caller names what the load depends on, as with useEffect; `load` and `describe` are new closures each render.
		// eslint-disable-next-line react-hooks/exhaustive-deps
	}, [round, ...deps]);
	const reload = useCallback(() => setRound((value) => value + 1), []);
	return [state, reload];
}
