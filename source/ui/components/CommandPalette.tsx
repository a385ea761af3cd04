import {Box, useInput} from 'ink';
import {Text} from './Text.js';
import {useState} from 'react';
import {displayKeys, visibleBindings, type Binding, type Scope} from '../keymap.js';
import {useCaptureInput} from '../inputCapture.js';
import {useTheme} from '../theme.js';

const MAX_SHOWN = 8;

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
	const [query, setQuery] = useState('');
	const [selected, setSelected] = useState(0);
	useCaptureInput(true);
	const words = query.toLowerCase().split(/\s+/).filter(Boolean);
	const matches = visibleBindings(scopes, readOnly).filter((binding) => {
		const text = `${binding.description} ${binding.id}`.toLowerCase();
		return words.every((word) => text.includes(word));
	});
	const chosen = Math.min(selected, Math.max(0, matches.length - 1));
	useInput((input, key) => {
		if (key.escape) return onClose();
		if (key.return) {
			const binding = matches[chosen];
			onClose();
			if (binding) onRun(binding);
			return;
		}
		if (key.upArrow) return setSelected(Math.max(0, chosen - 1));
		if (key.downArrow) return setSelected(Math.min(matches.length - 1, chosen + 1));
		if (key.backspace || key.delete) return setQuery(query.slice(0, -1));
		if (input && !key.ctrl && !key.meta) {
			setQuery(query + input);
			setSelected(0);
		}
	});
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.border} paddingX={1}>
			<Text>
				<Text color={theme.accent}>:</Text>
				{query}
				<Text inverse> </Text>
			</Text>
			{matches.length === 0 ? <Text color={theme.muted}>No command matches.</Text> : null}
			{matches.slice(0, MAX_SHOWN).map((binding, index) => (
				<Text key={`${binding.scope}:${binding.id}`} inverse={index === chosen}>
					{binding.description.padEnd(40)}
					<Text color={theme.muted}>{displayKeys(binding)}</Text>
				</Text>
			))}
		</Box>
	);
}
