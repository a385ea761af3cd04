import type {Key} from 'ink';
import {Text} from './Text.js';
import {useRef, useState} from 'react';
import {useCapturedInput} from '../inputCapture.js';
import {useTheme} from '../theme.js';

export interface Entry {
	readonly value: string;
	/** The value is the initial one, shown selected: typing replaces it, Backspace clears it, → or End keeps it to edit. */
	readonly selected: boolean;
}

/**
 * A one-line text entry that takes every key while it is open: Enter submits, Esc cancels,
 * Backspace deletes a character, Ctrl-U clears the line, Ctrl-W deletes the last word. An initial
 * value opens selected, as in a browser's address bar, so that typing a new value does not append
 * to the old one (`8` typed over 9 is 8, not 98).
 */
export function TextPrompt({
	label,
	initial = '',
	hint,
	onChange,
	onSubmit,
	onCancel,
}: {
	readonly label: string;
	readonly initial?: string;
	/** Shown after the entry, dimmed: how to type the value. */
	readonly hint?: string;
	readonly onChange?: (value: string) => void;
	readonly onSubmit: (value: string) => void;
	readonly onCancel: () => void;
}) {
	const theme = useTheme();
	const [entry, setEntry] = useState<Entry>({value: initial, selected: initial !== ''});
	// What has been typed, ahead of the render that shows it: keys can come faster than frames.
	const typed = useRef(entry);
	useCapturedInput((input, key) => {
		const current = typed.current;
		if (key.escape) return onCancel();
		if (key.return) return onSubmit(current.value);
		const next = edited(current, input, key);
		if (next === undefined) return;
		if (next.entry.value !== current.value) onChange?.(next.entry.value);
		if (next.submit) return onSubmit(next.entry.value);
		typed.current = next.entry;
		setEntry(next.entry);
	}, PROMPT_KEYS);
	return (
		<Text>
			<Text color={theme.accent}>{label}</Text>
			{entry.selected ? <Text inverse>{entry.value}</Text> : entry.value}
			{entry.selected ? null : <Text inverse> </Text>}
			{hint ? <Text color={theme.muted}> {hint}</Text> : null}
		</Text>
	);
}

/** What a prompt's line takes, for the hint bar while it is open. */
export const PROMPT_KEYS = 'Enter submits · Esc cancels · Backspace, Ctrl-U and Ctrl-W edit the line';

/**
 * The entry after one key (or one chunk of typed text), and whether the chunk ended with Enter: every
 * line the console asks for is edited so (a prompt's, the command palette's). Undefined for a key that
 * does not edit.
 */
export function edited(current: Entry, input: string, key: Key): {entry: Entry; submit: boolean} | undefined {
	const base = current.selected ? '' : current.value;
	// A chunk led by a control key reaches us as that key's letter with ctrl, then the rest ("\x152" as "u2"):
	// the key first, then the rest as typed.
	if (key.ctrl && input.length > 1) {
		const first = edited(current, input.slice(0, 1), key);
		const rest = edited(first?.entry ?? current, input.slice(1), {...key, ctrl: false});
		return rest ?? first;
	}
	if (key.backspace || key.delete)
		return {entry: {value: current.selected ? '' : current.value.slice(0, -1), selected: false}, submit: false};
	if (key.ctrl && input === 'u') return {entry: {value: '', selected: false}, submit: false};
	if (key.ctrl && input === 'w') return {entry: {value: base.replace(/\S*\s*$/, ''), selected: false}, submit: false};
	if (key.rightArrow || key.end) return {entry: {value: current.value, selected: false}, submit: false};
	if (key.ctrl || key.meta || !input || key.upArrow || key.downArrow || key.leftArrow || key.tab) return undefined;
	// Typed fast, pasted or sent by a script, keys come in one chunk: Ctrl-U, Ctrl-W and Backspace in it edit as
	// they would alone, other control characters are dropped, and the line ends at the first newline.
	let value = base;
	for (const char of input) {
		if (char === '\r' || char === '\n') return {entry: {value, selected: false}, submit: true};
		if (char === '\u0015') value = '';
		else if (char === '\u0017') value = value.replace(/\S*\s*$/, '');
		else if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
		else if (char >= ' ') value += char;
	}
	return {entry: {value, selected: false}, submit: false};
}
