import {Text} from './Text.js';
import {useRef, useState} from 'react';
import {useCapturedInput} from '../inputCapture.js';
import {useTheme} from '../theme.js';

/** A one-line text entry that takes every key while it is open: Enter submits, Esc cancels. */
export function TextPrompt({
	label,
	initial = '',
	onChange,
	onSubmit,
	onCancel,
}: {
	readonly label: string;
	readonly initial?: string;
	readonly onChange?: (value: string) => void;
	readonly onSubmit: (value: string) => void;
	readonly onCancel: () => void;
}) {
	const theme = useTheme();
	const [value, setValue] = useState(initial);
	// What has been typed, ahead of the render that shows it: keys can come faster than frames.
	const typed = useRef(initial);
	useCapturedInput((input, key) => {
		const value = typed.current;
		if (key.escape) return onCancel();
		if (key.return) return onSubmit(value);
		let next = value;
		if (key.backspace || key.delete) next = value.slice(0, -1);
		else if (!key.ctrl && !key.meta && input && !key.upArrow && !key.downArrow && !key.tab) {
			// Typed fast or pasted, text and Enter can come in one chunk: the line ends at the first newline.
			const end = input.search(/[\r\n]/);
			next = value + (end === -1 ? input : input.slice(0, end));
			if (end !== -1) {
				if (next !== value) onChange?.(next);
				return onSubmit(next);
			}
		}
		if (next !== value) {
			typed.current = next;
			setValue(next);
			onChange?.(next);
		}
	});
	return (
		<Text>
			<Text color={theme.accent}>{label}</Text>
			{value}
			<Text inverse> </Text>
		</Text>
	);
}
