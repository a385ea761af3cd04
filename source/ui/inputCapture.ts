import type {Key} from 'ink';
import {createContext, useContext, useLayoutEffect, useRef} from 'react';

export type KeyHandler = (input: string, key: Key) => void;

/**
 * While a view takes typed text (a filter, a position, a y/n), every key belongs to it and the app's
 * global keys (q, ?, :) are off. Keys reach it through the app's one input listener, which is always
 * attached: Ink's useInput attaches in a passive effect, after the frame that shows the prompt is
 * drawn, so a prompt listening for itself would miss what is typed in that gap.
 */
export interface InputCapture {
	readonly captured: {current: KeyHandler | undefined};
	/** Told the keys of a view that takes every key, and undefined once it stops: the hint bar shows those, not the screen's. */
	readonly setCapturing?: (keys: string | undefined) => void;
}

export const InputCaptureContext = createContext<InputCapture>({captured: {current: undefined}});

/**
 * Takes every key while the calling component is mounted; `handler` may change with each render. `keys`
 * says them for the hint bar (e.g. "Enter submits · Esc cancels"), where the screen's would be typed in.
 */
export function useCapturedInput(handler: KeyHandler, keys: string): void {
	const {captured, setCapturing} = useContext(InputCaptureContext);
	const latest = useRef(handler);
	// A layout effect runs in the commit that shows the component, before any further input is read.
	useLayoutEffect(() => {
		latest.current = handler;
	});
	useLayoutEffect(() => {
		const route: KeyHandler = (input, key) => latest.current(input, key);
		captured.current = route;
		setCapturing?.(keys);
		return () => {
			if (captured.current !== route) return;
			captured.current = undefined;
			setCapturing?.(undefined);
		};
	}, [captured, setCapturing, keys]);
}
