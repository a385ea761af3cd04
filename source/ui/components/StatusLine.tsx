import {Box} from 'ink';
import {Text} from './Text.js';
import type {ConnectionTarget} from '../../console/connect.js';
import type {Notice} from '../../console/notices.js';
import {sanitizeForTerminal, sanitizeLine} from '../../console/records/index.js';
import {useTheme} from '../theme.js';

/** Where the console points, how it came to be here, and the last thing worth knowing. */
export function StatusLine({
	target,
	crumbs,
	notice,
	readOnly,
}: {
	readonly target: ConnectionTarget;
	readonly crumbs: readonly string[];
	readonly notice: Notice | undefined;
	readonly readOnly: boolean;
}) {
	const theme = useTheme();
	const color = notice?.level === 'error' ? theme.danger : notice?.level === 'warning' ? theme.warning : theme.muted;
	return (
		<Box justifyContent="space-between" columnGap={2}>
			<Text wrap="truncate">
				<Text color={theme.accent} bold>
					{sanitizeForTerminal(describeTarget(target), {keepNewlines: false})}
				</Text>
				{crumbs.length > 0 ? (
					<Text color={theme.muted}>
						{' '}
						› {crumbs.map((crumb) => sanitizeForTerminal(crumb, {keepNewlines: false, keepTabs: false})).join(' › ')}
					</Text>
				) : null}
				{readOnly ? <Text color={theme.warning}> [read-only]</Text> : null}
			</Text>
			{notice ? (
				<Text color={color} wrap="truncate-start">
					{sanitizeLine(notice.text)}
				</Text>
			) : null}
		</Box>
	);
}

export function describeTarget(target: ConnectionTarget): string {
	switch (target.kind) {
		case 'local':
			return `local engine ${target.endpoint ?? ''} ${target.region}`.trim();
		case 'endpoint':
			return `${target.endpoint ?? 'endpoint'} ${target.region}`;
		default:
			return `aws ${target.region}${target.profile ? ` (${target.profile})` : ''}`;
	}
}
