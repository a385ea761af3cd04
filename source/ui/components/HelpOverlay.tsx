import {Box} from 'ink';
import {Text} from './Text.js';
import {displayKeys, keysOf, titleOf, visibleBindings, type Scope} from '../keymap.js';
import {useTheme} from '../theme.js';
import {wrapWords} from '../../console/wrapWords.js';

/** How help marks a dangerous binding: what it changes. */
const dangerText = (binding: {readonly changes?: string}): string => `(changes ${binding.changes ?? 'the stream'})`;
/** The border and the padding on each side. */
const FRAME_COLUMNS = 4;
/** The border's two rows, the title and the closing line. */
const FRAME_ROWS = 4;

/** One row of the help: a scope's title, a binding (or the continuation of a long description), or a gap. */
export type HelpLine =
	| {readonly kind: 'title'; readonly text: string}
	| {readonly kind: 'binding'; readonly keys: string; readonly text: string; readonly danger: string | undefined}
	| {readonly kind: 'gap'};

/**
 * Every binding of the current view as rows that fit `columns`: a description too long for the row
 * goes on under itself, so nothing is cut or drawn over the border (Ink would wrap it on its own and
 * push the frame past the terminal's height, which garbled the screen at 80×24).
 */
export function helpLines(scopes: readonly Scope[], readOnly: boolean, columns: number): HelpLine[] {
	const shown = visibleBindings(scopes, readOnly);
	const keysWidth = Math.min(16, Math.max(...shown.map((binding) => displayKeys(binding).length))) + 2;
	const textWidth = Math.max(10, columns - FRAME_COLUMNS - 2 - keysWidth);
	const lines: HelpLine[] = [];
	for (const scope of scopes) {
		const inScope = shown.filter((binding) => binding.scope === scope);
		if (inScope.length === 0) continue;
		if (lines.length > 0) lines.push({kind: 'gap'});
		lines.push({kind: 'title', text: titleOf(scope)});
		for (const binding of inScope) {
			const rows = wrapWords(binding.description + (binding.dangerous ? ` ${dangerText(binding)}` : ''), textWidth);
			rows.forEach((text, index) =>
				lines.push({
					kind: 'binding',
					keys: (index === 0 ? displayKeys(binding) : '').padEnd(keysWidth),
					text,
					danger: binding.dangerous ? dangerText(binding) : undefined,
				}),
			);
		}
	}
	return lines;
}

/** How many rows of help fit in a view of `height` rows. */
export const helpBodyRows = (height: number): number => Math.max(1, height - FRAME_ROWS);

/** The help screen: every binding of the current view, grouped, generated from the keymap; scrolled when it is taller than the view. */
export function HelpOverlay({
	scopes,
	readOnly,
	columns,
	height,
	offset,
}: {
	readonly scopes: readonly Scope[];
	readonly readOnly: boolean;
	readonly columns: number;
	readonly height: number;
	/** The first row shown. */
	readonly offset: number;
}) {
	const theme = useTheme();
	const lines = helpLines(scopes, readOnly, columns);
	const rows = helpBodyRows(height);
	const first = Math.max(0, Math.min(offset, lines.length - rows));
	const shown = lines.slice(first, first + rows);
	const scrolls = lines.length > rows;
	const closing = `${keysOf('global', 'help')} or ${keysOf('global', 'back')} closes`;
	const scrollKeys = ['up', 'down', 'pageUp', 'pageDown'].map((id) => keysOf('list', id, {first: true})).join('/');
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.border} paddingX={1} width={columns}>
			<Text bold wrap="truncate">
				Keys{readOnly ? ' (read-only: changes are hidden)' : ''}
			</Text>
			{shown.map((line, index) => (
				<HelpRow key={first + index} line={line} />
			))}
			<Text color={theme.muted} wrap="truncate">
				{scrolls ? `${first + 1}–${first + shown.length} of ${lines.length} · ${scrollKeys} scroll · ${closing}` : `${closing} this help.`}
			</Text>
		</Box>
	);
}

function HelpRow({line}: {readonly line: HelpLine}) {
	const theme = useTheme();
	if (line.kind === 'gap') return <Text> </Text>;
	if (line.kind === 'title')
		return (
			<Text color={theme.accent} bold wrap="truncate">
				{line.text}
			</Text>
		);
	const danger = line.danger && line.text.endsWith(line.danger) ? line.danger : undefined;
	return (
		<Text wrap="truncate">
			{'  '}
			{line.keys}
			{danger ? line.text.slice(0, -danger.length) : line.text}
			{danger ? <Text color={theme.warning}>{danger}</Text> : null}
		</Text>
	);
}
