import {Box} from 'ink';
import {Text} from './Text.js';
import {displayKeys, visibleBindings, type Scope} from '../keymap.js';
import {useTheme} from '../theme.js';

const TITLES: Record<Scope, string> = {
	global: 'Everywhere',
	list: 'Lists',
	streams: 'Streams',
	dashboard: 'Stream dashboard',
	tail: 'Tail',
	operation: 'Change',
	split: 'Split',
	merge: 'Merge',
	scale: 'Scale',
	retention: 'Retention',
	consumers: 'Consumers',
	checkpoints: 'Checkpoints',
	reset: 'Checkpoint reset',
};

/** The help screen: every binding of the current view, grouped, generated from the keymap. */
export function HelpOverlay({scopes, readOnly}: {readonly scopes: readonly Scope[]; readonly readOnly: boolean}) {
	const theme = useTheme();
	const bindings = visibleBindings(scopes, readOnly);
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.border} paddingX={1}>
			<Text bold>Keys{readOnly ? ' (read-only: changes are hidden)' : ''}</Text>
			{scopes.map((scope) => {
				const inScope = bindings.filter((binding) => binding.scope === scope);
				if (inScope.length === 0) return null;
				return (
					<Box key={scope} flexDirection="column" marginTop={1}>
						<Text color={theme.accent} bold>
							{TITLES[scope]}
						</Text>
						{inScope.map((binding) => (
							<Text key={binding.id}>
								{'  '}
								{displayKeys(binding).padEnd(18)}
								{binding.description}
								{binding.dangerous ? <Text color={theme.warning}> (changes the stream)</Text> : null}
							</Text>
						))}
					</Box>
				);
			})}
			<Text color={theme.muted}>{'\n'}? or Esc closes this help.</Text>
		</Box>
	);
}
