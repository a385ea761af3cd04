import {Box} from 'ink';
import {Text} from './Text.js';
import type {ReactNode} from 'react';
import {sanitizeForTerminal} from '../../console/records/index.js';
import type {Loadable} from '../../console/store.js';
import {useTheme} from '../theme.js';

/** Renders a loadable value's explicit states: loading, failed, empty, or the view itself. */
export function StateView<T>({
	state,
	what,
	isEmpty,
	empty,
	children,
}: {
	readonly state: Loadable<T>;
	readonly what: string;
	readonly isEmpty?: (value: T) => boolean;
	readonly empty?: ReactNode;
	readonly children: (value: T) => ReactNode;
}) {
	const theme = useTheme();
	if (state.status === 'loading') return <Text color={theme.muted}>Loading {what}…</Text>;
	if (state.status === 'failed') {
		return (
			<Box flexDirection="column">
				<Text color={theme.danger} bold>
					Could not load {sanitizeForTerminal(what, {keepNewlines: false})}.
				</Text>
				<Text>{sanitizeForTerminal(state.error, {keepTabs: false})}</Text>
			</Box>
		);
	}
	if (isEmpty?.(state.value)) return <>{empty ?? <Text color={theme.muted}>No {what}.</Text>}</>;
	return <>{children(state.value)}</>;
}
