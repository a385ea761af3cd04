import {Text} from './Text.js';
import {keysOf} from '../keymap.js';
import {useTheme} from '../theme.js';
import {TextPrompt} from './TextPrompt.js';
import {formatCount} from '../../console/format.js';

/** A list's `/` filter: the prompt while it is typed (live), then what it holds until Esc clears it. */
export function FilterLine({
	editing,
	filter,
	onChange,
	onDone,
	matches,
}: {
	readonly editing: boolean;
	readonly filter: string;
	/** Each change of the text, as typed. */
	readonly onChange: (filter: string) => void;
	/** The prompt closed: kept (Enter) or cleared (Esc). */
	readonly onDone: () => void;
	/** What the filter lets through: when nothing, the line says so rather than leave an empty table. */
	readonly matches?: {readonly shown: number; readonly total: number; readonly noun: string};
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
	if (!filter) return null;
	if (matches?.shown === 0) {
		const {noun, total} = matches;
		return (
			<Text color={theme.warning} wrap="truncate">
				No {noun} matches {filter} ({formatCount(total)} {noun}
				{total === 1 ? '' : 's'}); {keysOf('global', 'back')} clears the filter
			</Text>
		);
	}
	return (
		<Text color={theme.muted} wrap="truncate">
			filter: {filter}
			{matches
				? ` · ${formatCount(matches.shown)} of ${formatCount(matches.total)} ${matches.noun}${matches.total === 1 ? '' : 's'}`
				: ''}{' '}
			({keysOf('global', 'back')} clears)
		</Text>
	);
}
