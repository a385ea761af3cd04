import {Text} from './Text.js';
import {useTheme} from '../theme.js';
import {TextPrompt} from './TextPrompt.js';

/** A list's `/` filter: the prompt while it is typed (live), then what it holds until Esc clears it. */
export function FilterLine({
	editing,
	filter,
	onChange,
	onDone,
}: {
	readonly editing: boolean;
	readonly filter: string;
	/** Each change of the text, as typed. */
	readonly onChange: (filter: string) => void;
	/** The prompt closed: kept (Enter) or cleared (Esc). */
	readonly onDone: () => void;
}) {
	const theme = useTheme();
	if (editing) {
		return (
			<TextPrompt
				label="/"
				initial={filter}
				onChange={onChange}
				onSubmit={onDone}
				onCancel={() => {
					onChange('');
					onDone();
				}}
			/>
		);
	}
	return filter ? <Text color={theme.muted}>filter: {filter} (Esc clears)</Text> : null;
}
