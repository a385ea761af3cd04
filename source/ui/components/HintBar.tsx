import {Box} from 'ink';
import {Text} from './Text.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {displayKeys, visibleBindings, type Binding, type Scope} from '../keymap.js';
import {useTheme} from '../theme.js';

const GAP = 2;

/** One line of the keys that matter here, made from the keymap: the view's own first, as many as fit. */
export function HintBar({
	scopes,
	readOnly,
	offered,
	typing,
}: {
	readonly scopes: readonly Scope[];
	readonly readOnly: boolean;
	/** The view's commands it offers now (navigation.ts, useOfferedCommands); undefined: all. */
	readonly offered?: ReadonlySet<string> | undefined;
	/** The keys of a prompt that takes every key (inputCapture.ts), shown instead of the screen's, which would be typed into it. */
	readonly typing?: string | undefined;
}) {
	const theme = useTheme();
	const {columns} = useTerminalSize();
	if (typing !== undefined)
		return (
			<Text color={theme.muted} wrap="truncate">
				{typing}
			</Text>
		);
	const hints = visibleBindings(scopes, readOnly).filter(
		(binding) => binding.hint && (offered === undefined || binding.scope === 'global' || offered.has(binding.id)),
	);
	// The help key always shows, last, however narrow the terminal: it leads to every other key.
	const help = hints.find((binding) => binding.id === 'help');
	const costOf = (binding: Binding) => displayKeys(binding).length + 1 + (binding.hintText ?? binding.description).length + GAP;
	const shown: Binding[] = [];
	let width = help ? costOf(help) : 0;
	for (const binding of hints) {
		if (binding === help || width + costOf(binding) > columns) continue;
		shown.push(binding);
		width += costOf(binding);
	}
	if (help) shown.push(help);
	return (
		<Box columnGap={GAP} height={1} overflow="hidden">
			{shown.map((binding) => (
				<Text key={`${binding.scope}:${binding.id}`} wrap="truncate">
					<Text color={theme.accent} bold={!theme.colored}>
						{displayKeys(binding)}
					</Text>{' '}
					<Text color={theme.muted}>{binding.hintText ?? binding.description}</Text>
				</Text>
			))}
		</Box>
	);
}
