import {Box} from 'ink';
import {Text} from './Text.js';
import {useRef, useState} from 'react';
import {displayKeys, visibleBindings, type Binding, type Scope} from '../keymap.js';
import {useCapturedInput} from '../inputCapture.js';
import {useTheme} from '../theme.js';
import {edited} from './TextPrompt.js';

const MAX_SHOWN = 8;
/** The rows the palette always takes (its border, the query, the commands), so that the view under it knows its height. */
export const PALETTE_ROWS = MAX_SHOWN + 3;

/** The commands whose description or id holds every word of the query. */
function matching(bindings: readonly Binding[], query: string): Binding[] {
	const words = query.toLowerCase().split(/\s+/).filter(Boolean);
	return bindings.filter((binding) => {
		const text = `${binding.description} ${binding.id}`.toLowerCase();
		return words.every((word) => text.includes(word));
	});
}

/** `:` — every command of the current view by name; type to narrow, arrows to choose, Enter to run. */
export function CommandPalette({
	scopes,
	readOnly,
	onRun,
	onClose,
}: {
	readonly scopes: readonly Scope[];
	readonly readOnly: boolean;
	readonly onRun: (binding: Binding) => void;
	readonly onClose: () => void;
}) {
	const theme = useTheme();
	// The query and the choice live in one state, changed from what was typed before, not from the last
	// frame: keys can come faster than frames.
	const [{query, selected}, setPalette] = useState({query: '', selected: 0});
	const current = useRef({query, selected});
	const update = (next: {query: string; selected: number}) => {
		current.current = next;
		setPalette(next);
	};
	const matches = matching(visibleBindings(scopes, readOnly), query);
	const chosen = Math.min(selected, Math.max(0, matches.length - 1));
	useCapturedInput((input, key) => {
		const {query, selected} = current.current;
		const matches = matching(visibleBindings(scopes, readOnly), query);
		const chosen = Math.min(selected, Math.max(0, matches.length - 1));
		if (key.escape) return onClose();
		if (key.return) {
			const binding = matches[chosen];
			onClose();
			if (binding) onRun(binding);
			return;
		}
		if (key.upArrow) return update({query, selected: Math.max(0, chosen - 1)});
		if (key.downArrow) return update({query, selected: Math.min(matches.length - 1, chosen + 1)});
		// Edited as every prompt's line is (Backspace, Ctrl-U, Ctrl-W; text and Enter typed in one chunk).
		const next = edited({value: query, selected: false}, input, key);
		if (!next) return;
		if (!next.submit) return update({query: next.entry.value, selected: 0});
		const binding = matching(visibleBindings(scopes, readOnly), next.entry.value)[0];
		onClose();
		if (binding) onRun(binding);
	}, '↑/↓ choose · Enter runs · Esc closes');
	// The window of matches shown follows the choice: the first MAX_SHOWN, or the last ones up to it.
	const first = Math.max(0, Math.min(chosen - MAX_SHOWN + 1, matches.length - MAX_SHOWN));
	const shown = matches.slice(first, first + MAX_SHOWN);
	// Keys first, in a column of their own: a description may be cut at the terminal's edge, a key never.
	const keyWidth = Math.max(...shown.map((binding) => displayKeys(binding).length), 0) + 2;
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.border} paddingX={1} height={PALETTE_ROWS} flexShrink={0}>
			<Text wrap="truncate">
				<Text color={theme.accent}>:</Text>
				{query}
				<Text inverse> </Text>
			</Text>
			{matches.length === 0 ? <Text color={theme.muted}>No command matches.</Text> : null}
			{shown.map((binding, index) => (
				<Text key={`${binding.scope}:${binding.id}`} inverse={first + index === chosen} wrap="truncate">
					<Text color={theme.muted}>{displayKeys(binding).padEnd(keyWidth)}</Text>
					{binding.description}
				</Text>
			))}
		</Box>
	);
}
