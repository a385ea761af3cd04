import {Box, Text} from 'ink';
import {displayKeys, visibleBindings, type Scope} from '../keymap.js';
import {useTheme} from '../theme.js';

/** One line of the keys that matter here, made from the keymap. */
export function HintBar({scopes, readOnly}: {readonly scopes: readonly Scope[]; readonly readOnly: boolean}) {
	const theme = useTheme();
	const hints = visibleBindings(scopes, readOnly).filter((binding) => binding.hint);
	return (
		<Box flexWrap="wrap" columnGap={2}>
			{hints.map((binding) => (
				<Text key={`${binding.scope}:${binding.id}`}>
					<Text color={theme.accent} bold={!theme.colored}>
						{displayKeys(binding)}
					</Text>{' '}
					<Text color={theme.muted}>{binding.description}</Text>
				</Text>
			))}
		</Box>
	);
}
