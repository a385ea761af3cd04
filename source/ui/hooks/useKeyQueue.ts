import {useApp, useInput} from 'ink';
import {useEffect, useRef} from 'react';
import type {KeyHandler} from '../inputCapture.js';
import {keyName, splitPresses, type KeyPress} from '../keymap.js';

/**
 * The app's one input listener. Keys are handled one at a time, each after the render the one before
 * caused (or after a short pause if it changed nothing), so each sees the state the one before it
 * left: a key that opens a prompt is followed by text for the prompt, however fast it comes. A prompt
 * (the `captured` handler) takes the text typed into it in one piece; otherwise `handleKey` gets each
 * key's name. Ctrl-C exits at once.
 */
export function useKeyQueue(captured: {readonly current: KeyHandler | undefined}, handleKey: (name: string) => void): void {
	const {exit} = useApp();
	const latestHandleKey = useRef(handleKey);
	latestHandleKey.current = handleKey;
	const queued = useRef<KeyPress[]>([]);
	const settling = useRef(false);
	const fallback = useRef<NodeJS.Timeout | undefined>(undefined);
	const drain = () => {
		clearTimeout(fallback.current);
		settling.current = false;
		const next = queued.current.shift();
		if (next === undefined) return;
		const prompt = captured.current;
		if (prompt) {
			let text = next.input;
			while (text && queued.current[0]?.input && !queued.current[0].key.ctrl && !queued.current[0].key.meta)
				text += queued.current.shift()?.input;
			prompt(text, next.key);
		} else latestHandleKey.current(keyName(next.input, next.key));
		settling.current = true;
		fallback.current = setTimeout(drain, 15);
	};
	useEffect(() => {
		if (settling.current) drain();
	});
	useInput((input, key) => {
		if (key.ctrl && input === 'c') return exit();
		queued.current.push(...splitPresses(input, key));
		if (!settling.current) drain();
	});
}
