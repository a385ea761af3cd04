import {Text, useInput} from 'ink';
import {useState} from 'react';
import {useCaptureInput} from '../inputCapture.js';
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
	useCaptureInput(true);
	useInput((input, key) => {
		if (key.escape) return onCancel();
		if (key.return) return onSubmit(value);
		let next = value;
		if (key.backspace || key.delete) next = value.slice(0, -1);
		else if (!key.ctrl && !key.meta && input && !key.upArrow && !key.downArrow && !key.tab) next = value + input.replaceAll(/[\r\n]/g, '');
		if (next !== value) {
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
