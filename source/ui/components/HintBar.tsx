import {Box} from 'ink';
import {Text} from './Text.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {displayKeys, visibleBindings, type Binding, type Scope} from '../keymap.js';
import {useTheme} from '../theme.js';

const GAP = 2;

/** One line of the keys that matter here, made from the keymap: the view's own first, as many as fit. */
export function HintBar({scopes, readOnly}: {readonly scopes: readonly Scope[]; readonly readOnly: boolean}) {
	const theme = useTheme();
	const {columns} = useTerminalSize();
	const hints = visibleBindings(scopes, readOnly).filter((binding) => binding.hint);
	const shown: Binding[] = [];
	let width = 0;
	for (const binding of hints) {
		const cost = displayKeys(binding).length + 1 + binding.description.length + (shown.length > 0 ? GAP : 0);
		if (width + cost > columns) continue;
		shown.push(binding);
		width += cost;
	}
	return (
		<Box columnGap={GAP} height={1} overflow="hidden">
			{shown.map((binding) => (
				<Text key={`${binding.scope}:${binding.id}`} wrap="truncate">
					<Text color={theme.accent} bold={!theme.colored}>
						{displayKeys(binding)}
					</Text>{' '}
					<Text color={theme.muted}>{binding.description}</Text>
				</Text>
			))}
		</Box>
	);
}
