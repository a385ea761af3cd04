import {createContext, useContext, useLayoutEffect} from 'react';

/**
 * While a view takes typed text (a filter, a position), every key belongs to it: the app's global keys
 * (q, ?, :) are off. A view claims input with useCaptureInput(true). The claim is made in a layout
 * effect and read through a ref, so the very next key after a prompt opens or closes goes to the right place.
 */
export interface InputCapture {
	readonly captured: {current: boolean};
}

export const InputCaptureContext = createContext<InputCapture>({captured: {current: false}});

export function useCaptureInput(capturing: boolean): void {
	const {captured} = useContext(InputCaptureContext);
	useLayoutEffect(() => {
		if (!capturing) return;
		captured.current = true;
		return () => {
			captured.current = false;
		};
	}, [capturing, captured]);
}
