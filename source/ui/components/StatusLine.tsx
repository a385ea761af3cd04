import {Box} from 'ink';
import {Text} from './Text.js';
import type {ConnectionTarget} from '../../console/connect.js';
import type {Notice} from '../../console/notices.js';
import {sanitizeForTerminal, sanitizeLine} from '../../console/records/index.js';
import {useTheme} from '../theme.js';
import {wrapRows} from '../../console/wrapWords.js';

const GAP = 2;
const READ_ONLY = ' [read-only]';
/** A notice longer than this many rows is cut at the end of the last. */
const MAX_NOTICE_ROWS = 2;

export interface StatusLineProps {
	readonly target: ConnectionTarget;
	readonly crumbs: readonly string[];
	readonly notice: Notice | undefined;
	readonly readOnly: boolean;
	readonly columns: number;
}

/** Where the console points and how it came to be here, as one line of text. */
function placeText({target, crumbs}: Pick<StatusLineProps, 'target' | 'crumbs'>): string {
	const place = sanitizeForTerminal(describeTarget(target), {keepNewlines: false});
	const trail = crumbs.map((crumb) => sanitizeForTerminal(crumb, {keepNewlines: false, keepTabs: false})).join(' › ');
	return crumbs.length > 0 ? `${place} › ${trail}` : place;
}

/**
 * The notice's rows: none, or beside where the console points when it fits there (an empty array
 * then, the notice being on the first row), or under it, wrapped at words on up to two rows, so that
 * neither is cut mid-word where there is room.
 */
function noticeRows(props: StatusLineProps): string[] | undefined {
	if (!props.notice) return undefined;
	const text = sanitizeLine(props.notice.text);
	const left = placeText(props).length + (props.readOnly ? READ_ONLY.length : 0);
	if (left + GAP + text.length <= props.columns) return [];
	return wrapRows(text, props.columns, MAX_NOTICE_ROWS);
}

/** The rows the status line takes: the frame gives the view what is left. */
export const statusLineRows = (props: StatusLineProps): number => 1 + (noticeRows(props)?.length ?? 0);

/** Where the console points, how it came to be here, and the last thing worth knowing. */
export function StatusLine(props: StatusLineProps) {
	const {notice, readOnly} = props;
	const theme = useTheme();
	const color = notice?.level === 'error' ? theme.danger : notice?.level === 'warning' ? theme.warning : theme.muted;
	const [place, ...trail] = placeText(props).split(' › ');
	const below = noticeRows(props);
	const noticeText = (text: string, key?: number) => (
		<Text key={key} color={color} wrap="truncate">
			{text}
		</Text>
	);
	return (
		<Box flexDirection="column">
			<Box justifyContent="space-between" columnGap={GAP}>
				<Text wrap="truncate">
					<Text color={theme.accent} bold>
						{place}
					</Text>
					{trail.length > 0 ? <Text color={theme.muted}> › {trail.join(' › ')}</Text> : null}
					{readOnly ? <Text color={theme.warning}>{READ_ONLY}</Text> : null}
				</Text>
				{notice && below?.length === 0 ? noticeText(sanitizeLine(notice.text)) : null}
			</Box>
			{below?.map((row, index) => noticeText(row, index))}
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
