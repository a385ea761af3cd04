import {Box} from 'ink';
import {Text} from './Text.js';
import type {ReactNode} from 'react';
import {useTheme} from '../theme.js';

/** A window onto a list with one selected row kept in view; the caller renders each row. */
export function SelectableList<T>({
	items,
	selected,
	height,
	header,
	renderRow,
}: {
	readonly items: readonly T[];
	readonly selected: number;
	readonly height: number;
	readonly header?: ReactNode;
	readonly renderRow: (item: T, selected: boolean) => ReactNode;
}) {
	const theme = useTheme();
	const rows = Math.max(1, height);
	const start = windowStart(selected, rows, items.length);
	const shown = items.slice(start, start + rows);
	return (
		<Box flexDirection="column">
			{header}
			{shown.map((item, offset) => {
				const isSelected = start + offset === selected;
				return (
					<Box key={start + offset}>
						{/* A fixed width: a row wider than the terminal must not squeeze the marker's space away. */}
						<Box width={2} flexShrink={0}>
							<Text color={isSelected ? theme.accent : undefined} inverse={isSelected && !theme.colored}>
								{isSelected ? '›' : ' '}
							</Text>
						</Box>
						{renderRow(item, isSelected)}
					</Box>
				);
			})}
			{items.length > rows ? (
				<Text color={theme.muted}>
					{start + 1}–{start + shown.length} of {items.length}
				</Text>
			) : null}
		</Box>
	);
}

/** The first row in view: the selection kept near the middle, the window never past the end. */
export function windowStart(selected: number, rows: number, count: number): number {
	return Math.min(Math.max(0, selected - Math.floor(rows / 2)), Math.max(0, count - rows));
}

/** Moves a selection for the list commands. */
export function moveSelection(command: string, selected: number, count: number, page: number): number {
	const last = Math.max(0, count - 1);
	switch (command) {
		case 'up':
			return Math.max(0, selected - 1);
		case 'down':
			return Math.min(last, selected + 1);
		case 'pageUp':
			return Math.max(0, selected - page);
		case 'pageDown':
			return Math.min(last, selected + page);
		case 'top':
			return 0;
		case 'bottom':
			return last;
		default:
			return selected;
	}
}
