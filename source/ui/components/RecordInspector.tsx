import {Box} from 'ink';
import {Text} from './Text.js';
import {cutToWidth} from '../../console/wrapWords.js';
import {decodeRecord, sanitizeForTerminal, type DecoderName} from '../../console/records/index.js';
import type {TailRecord} from '../../console/tail/index.js';
import {useTheme} from '../theme.js';
import {formatCount, formatSpan, plural} from '../../console/format.js';

/** One line of the inspector, already sanitized and no wider than the screen. */
export interface InspectorLine {
	readonly text: string;
	readonly tone?: 'label' | 'heading' | 'note';
	/** The value after a label, on label lines. */
	readonly value?: string;
}

/** Decoded text beyond this is not shown (saving writes all of it). */
const INSPECTOR_TEXT_LIMIT = 256 * 1024;
const LABEL_WIDTH = 17;

/**
 * A record in full: every piece of metadata, then the data decoded with the chosen decoder (JSON
 * indented, hex as a dump), each KPL user record in turn, wrapped to the width. Everything from the
 * record is sanitized here, before it can reach the terminal.
 */
export function inspectorLines(
	record: TailRecord,
	options: {stream: string; decoder: DecoderName; width: number; now?: number},
): InspectorLine[] {
	const width = Math.max(20, options.width);
	const lines: InspectorLine[] = [];
	const field = (label: string, value: string) => {
		const room = Math.max(10, width - LABEL_WIDTH);
		cutToWidth(clean(value), room).forEach((part, index) => lines.push({text: index === 0 ? label : '', value: part, tone: 'label'}));
	};
	const ageMs = (options.now ?? Date.now()) - record.arrivalTime.getTime();
	const decoded = decodeRecord(record.data, {
		decoder: options.decoder,
		jsonStyle: 'pretty',
		hexStyle: 'dump',
		partitionKey: record.partitionKey,
	});
	field('Stream', options.stream);
	field('Shard', record.shardId);
	field('Sequence number', record.sequenceNumber);
	field('Arrived', `${record.arrivalTime.toISOString()} (${record.arrivalTime.toLocaleString()}, ${formatSpan(ageMs)} ago)`);
	field('Partition key', record.partitionKey);
	field('Encryption', record.encryptionType ?? 'NONE');
	field('Size', `${plural(record.data.byteLength, 'byte')}`);
	if (decoded.length > 1) field('KPL aggregate', `${decoded.length} user records`);
	decoded.forEach((user, position) => {
		lines.push({text: ''});
		if (decoded.length > 1) {
			const extra = [
				`sub-sequence ${user.subSequenceNumber ?? position}`,
				`key ${user.partitionKey ?? ''}`,
				user.explicitHashKey ? `hash key ${user.explicitHashKey}` : '',
			]
				.filter(Boolean)
				.join(' · ');
			lines.push({text: clean(`── user record ${position + 1} of ${decoded.length} · ${extra}`).slice(0, width), tone: 'heading'});
		}
		const how = [
			`decoder ${options.decoder}`,
			`shown as ${user.format}`,
			user.compression ? `${user.compression}-compressed` : '',
			`${plural(user.byteLength, 'byte')} decoded`,
			user.truncated ? 'truncated' : '',
		]
			.filter(Boolean)
			.join(' · ');
		lines.push({text: how.slice(0, width), tone: 'note'});
		for (const note of user.notes ?? [])
			for (const part of cutToWidth(clean(`note: ${note}`), width)) lines.push({text: part, tone: 'note'});
		const text = user.text.length > INSPECTOR_TEXT_LIMIT ? user.text.slice(0, INSPECTOR_TEXT_LIMIT) : user.text;
		for (const line of sanitizeForTerminal(text).split('\n'))
			for (const part of cutToWidth(line.replaceAll('\t', '    '), width)) lines.push({text: part});
		if (text.length < user.text.length) {
			lines.push({
				text: `… ${formatCount(user.text.length - text.length)} more characters not shown (s in the list saves the record in full)`,
				tone: 'note',
			});
		}
	});
	return lines;
}

/** The inspector: a window of `height` rows onto the lines, from `scroll`. */
export function RecordInspector({
	lines,
	scroll,
	height,
	title,
}: {
	readonly lines: readonly InspectorLine[];
	readonly scroll: number;
	readonly height: number;
	readonly title: string;
}) {
	const theme = useTheme();
	const bodyHeight = Math.max(1, height - 2);
	const start = Math.min(Math.max(0, scroll), Math.max(0, lines.length - bodyHeight));
	const shown = lines.slice(start, start + bodyHeight);
	return (
		<Box flexDirection="column">
			<Text bold color={theme.accent} wrap="truncate">
				{title}
			</Text>
			{shown.map((line, offset) => (
				<Text key={start + offset} wrap="truncate">
					{line.tone === 'label' ? (
						<>
							<Text color={theme.muted}>{line.text.padEnd(LABEL_WIDTH)}</Text>
							{line.value}
						</>
					) : line.tone === 'heading' ? (
						<Text color={theme.accent}>{line.text}</Text>
					) : line.tone === 'note' ? (
						<Text color={theme.muted}>{line.text}</Text>
					) : (
						line.text || ' '
					)}
				</Text>
			))}
			<Text color={theme.muted} wrap="truncate">
				lines {lines.length === 0 ? 0 : start + 1}–{start + shown.length} of {lines.length} · ↑↓ PgUp PgDn scroll · d decoding · Esc closes
			</Text>
		</Box>
	);
}

/** The largest scroll that still fills the window. */
export const maxInspectorScroll = (lines: number, height: number): number => Math.max(0, lines - Math.max(1, height - 2));

const clean = (text: string): string => sanitizeForTerminal(text, {keepNewlines: false, keepTabs: false});
