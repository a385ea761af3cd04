import {Box} from 'ink';
import {keysOf} from '../keymap.js';
import {wrapRows} from '../../console/wrapWords.js';
import {Text} from '../components/Text.js';
import {useEffect, useLayoutEffect, useMemo, useState} from 'react';
import {sanitizeForTerminal, sanitizeLine} from '../../console/records/index.js';
import type {Loadable} from '../../console/store.js';
import {describePosition, type TailRecord} from '../../console/tail/index.js';
import type {TailRow, TailSnapshot} from '../../console/tailStore.js';
import type {SaveSelection} from '../../console/tailStore/shownRecords.js';
import type {MoveCommand} from '../../console/tailStore/viewport.js';
import {RecordInspector, inspectorLines, maxInspectorScroll} from '../components/RecordInspector.js';
import {StateView} from '../components/StateView.js';
import {TextPrompt} from '../components/TextPrompt.js';
import {useRunWhileVisible, useStore} from '../hooks/useStore.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {useCapturedInput} from '../inputCapture.js';
import {distinguishingSpan, sequenceCell, type DigitSpan} from '../sequenceColumn.js';
import {useViewCommands} from '../navigation.js';
import {useServices} from '../services.js';
import {useTheme, type Theme} from '../theme.js';
import {formatCount, plural, shortShardId} from '../../console/format.js';

type Prompt =
	| {readonly kind: 'filter'}
	| {readonly kind: 'position'}
	/** `selection`: what was shown when s was pressed, which is what the save writes. */
	| {readonly kind: 'save'; readonly initial: string; readonly selection: SaveSelection}
	| {readonly kind: 'overwrite'; readonly path: string; readonly typed: string; readonly selection: SaveSelection};

const MOVES: ReadonlySet<string> = new Set<MoveCommand>(['up', 'down', 'pageUp', 'pageDown', 'top', 'bottom']);
const FILTER_HELP = 'text:foo itext:foo re:^err key:user-* json:level=ERROR; all must match';
/** How quotes work in a filter (see splitExpressions): its own line, so that it is not cut at 80 columns. */
const QUOTING_HELP = `Quotes are matched as typed (text:"level":"ERROR"); 'text:a b' keeps a space`;

/**
 * Records of a stream, or of one shard, as they arrive: shard, sequence number, arrival time,
 * partition key and the decoded data, one line each. Pause, follow, scroll, filter, change the
 * decoding or the starting position, open a record in full, save what is shown.
 */
export function TailView({
	stream,
	shardId,
	height,
}: {
	readonly stream: string;
	readonly shardId?: string | undefined;
	readonly height: number;
}) {
	const services = useServices();
	const theme = useTheme();
	const store = useMemo(() => services.tail({stream, ...(shardId ? {shardId} : {})}), [services, stream, shardId]);
	useRunWhileVisible(store);
	const state = useStore(store);
	const {columns} = useTerminalSize();
	const [prompt, setPrompt] = useState<Prompt | undefined>(undefined);
	const [promptError, setPromptError] = useState<string | undefined>(undefined);
	const [saving, setSaving] = useState(false);
	/** What the last save wrote, said in full under the records (a header notice is cut at 80 columns). */
	const [saved, setSaved] = useState<string | undefined>(undefined);
	const [inspected, setInspected] = useState<{record: TailRecord; scroll: number} | undefined>(undefined);

	// What the tail says under its rows, wrapped on up to three rows so that a failure is read whole at 80 columns.
	const footer = saving
		? {text: 'Saving…', tone: 'muted' as const}
		: saved
			? {text: saved, tone: 'success' as const}
			: state.retrying
				? {text: `⟳ ${state.retrying.reason}`, tone: 'warning' as const}
				: state.message && state.shown > 0
					? {text: state.message, tone: state.status === 'failed' ? ('danger' as const) : ('muted' as const)}
					: undefined;
	const footerRows = footer ? wrapRows(sanitizeLine(footer.text), columns, 3) : [];
	const promptErrorRows = promptError ? wrapRows(sanitizeLine(promptError), columns, 3) : [];
	const footerLines = prompt ? (prompt.kind === 'filter' ? 3 : 2) + Math.max(0, promptErrorRows.length - 1) : footerRows.length;
	const listRows = Math.max(1, height - 3 - footerLines);
	useLayoutEffect(() => store.setViewport(listRows), [store, listRows]);

	const lines = useMemo(
		() => (inspected ? inspectorLines(inspected.record, {stream, decoder: state.decoder, width: columns - 1}) : []),
		[inspected, stream, state.decoder, columns],
	);

	const save = async (path: string, overwrite: boolean, selection: SaveSelection) => {
		setSaving(true);
		const result = await store.save(path, {overwrite, selection});
		setSaving(false);
		if (result.kind === 'exists') setPrompt({kind: 'overwrite', path: result.path, typed: path, selection});
		if (result.kind === 'saved') setSaved(savedText(result.records, result.lines, path));
	};
	useEffect(() => {
		if (saved === undefined) return;
		const timer = setTimeout(() => setSaved(undefined), SAVED_NOTE_MS);
		return () => clearTimeout(timer);
	}, [saved]);

	useViewCommands('tail', (command) => {
		if (inspected) {
			if (command === 'back' || command === 'inspect') return setInspected(undefined);
			if (command === 'decoder') return void store.cycleDecoder();
			if (command === 'pause') return store.togglePause();
			if (MOVES.has(command)) {
				const page = Math.max(1, height - 3);
				const last = maxInspectorScroll(lines.length, height);
				const scroll = Math.min(last, inspected.scroll);
				const next =
					command === 'up'
						? scroll - 1
						: command === 'down'
							? scroll + 1
							: command === 'pageUp'
								? scroll - page
								: command === 'pageDown'
									? scroll + page
									: command === 'top'
										? 0
										: last;
				setInspected({...inspected, scroll: Math.min(last, Math.max(0, next))});
			}
			return;
		}
		switch (command) {
			case 'filter':
			case 'position':
				setPromptError(undefined);
				setSaved(undefined);
				return setPrompt({kind: command});
			case 'save':
				setPromptError(undefined);
				setSaved(undefined);
				return setPrompt({kind: 'save', initial: store.defaultSavePath(), selection: store.shownForSaving()});
			case 'pause':
				return store.togglePause();
			case 'follow':
				return store.follow();
			case 'decoder':
				return void store.cycleDecoder();
			case 'inspect': {
				const record = store.selectedRecord();
				if (record) setInspected({record, scroll: 0});
				return;
			}
			case 'back':
				if (state.filter) return void store.setFilter('');
				return false;
			default:
				if (MOVES.has(command)) store.move(command as MoveCommand);
		}
	});

	if (inspected) {
		const title = sanitizeForTerminal(`Record ${inspected.record.shardId} ${inspected.record.sequenceNumber}`, {keepNewlines: false});
		return <RecordInspector lines={lines} scroll={inspected.scroll} height={height} title={title} />;
	}

	const closePrompt = () => {
		setPrompt(undefined);
		setPromptError(undefined);
	};
	const submit = (apply: () => string | undefined) => {
		const error = apply();
		if (error) setPromptError(error);
		else closePrompt();
	};

	return (
		<Box flexDirection="column">
			<Header state={state} />
			<StateView
				state={loadable(state)}
				what={`the tail of ${sanitizeForTerminal(stream, {keepNewlines: false})}`}
				isEmpty={(snapshot) => snapshot.shown === 0}
				empty={<Empty state={state} />}
			>
				{(snapshot) => <Rows snapshot={snapshot} columns={columns} />}
			</StateView>
			{prompt ? (
				<Box flexDirection="column">
					<PromptHelp prompt={prompt} errorRows={promptErrorRows} state={state} />
					{prompt.kind === 'filter' ? (
						<TextPrompt
							label="/"
							initial={state.filter}
							onSubmit={(value) => submit(() => store.setFilter(value))}
							onCancel={closePrompt}
						/>
					) : prompt.kind === 'position' ? (
						<TextPrompt label="from: " onSubmit={(value) => submit(() => store.setPosition(value))} onCancel={closePrompt} />
					) : prompt.kind === 'save' ? (
						<TextPrompt
							label="save to: "
							initial={prompt.initial}
							onSubmit={(value) => {
								if (!value.trim()) return setPromptError('Give a file name.');
								closePrompt();
								void save(value.trim(), false, prompt.selection);
							}}
							onCancel={closePrompt}
						/>
					) : (
						<Confirm
							onYes={() => {
								closePrompt();
								void save(prompt.path, true, prompt.selection);
							}}
							onNo={() => setPrompt({kind: 'save', initial: prompt.typed, selection: prompt.selection})}
						/>
					)}
				</Box>
			) : (
				footerRows.map((row, index) => (
					<Text key={index} color={theme[footer?.tone ?? 'muted']} wrap="truncate">
						{row}
					</Text>
				))
			)}
		</Box>
	);
}

/** Loading until the tail starts or fails with nothing to show; then the rows, or why there are none. */
function loadable(state: TailSnapshot): Loadable<TailSnapshot> {
	if (state.buffered === 0 && state.status === 'starting') return {status: 'loading'};
	if (state.buffered === 0 && state.status === 'failed') return {status: 'failed', error: state.message ?? 'The tail failed.'};
	return {status: 'ready', value: state, updatedAt: new Date()};
}

function Header({state}: {readonly state: TailSnapshot}) {
	const theme = useTheme();
	const mode =
		state.status === 'failed' ? (
			<Text color={theme.danger} bold>
				✖ stopped
			</Text>
		) : state.retrying ? (
			<Text color={theme.warning} bold>
				⟳ retrying (nothing skipped)
			</Text>
		) : state.paused ? (
			<Text color={theme.warning} bold>
				⏸ paused (reading held, nothing skipped)
			</Text>
		) : state.following ? (
			<Text color={theme.success} bold>
				● following
			</Text>
		) : (
			<Text color={theme.accent} bold>
				◦ scrolled (f follows)
			</Text>
		);
	const facts = [
		`${formatCount(Math.round(state.rate))} records/s`,
		state.shardId ? '' : callsFact(state.callsPerSecond),
		// Paused, the last figure is no longer now's: said as of the pause.
		state.behindMs ? `behind ${(state.behindMs / 1000).toFixed(1)} s${state.paused ? ' at the pause' : ''}` : '',
		`${formatCount(state.buffered)} buffered of ${formatCount(state.received)}`,
		state.filter ? `${formatCount(state.shown)} match` : '',
		state.rows.length > 0 ? `rows ${formatCount(state.offset + 1)}–${formatCount(state.offset + state.rows.length)}` : '',
	].filter(Boolean);
	const what = [
		state.shardId ? state.shardId : `all shards${readersFact(state)}`,
		`from ${describePosition(state.position)}`,
		`decode ${state.decoder}`,
	];
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				{mode}
				<Text color={theme.muted}> · {facts.join(' · ')}</Text>
			</Text>
			<Text wrap="truncate">
				<Text bold>{sanitizeForTerminal(state.stream, {keepNewlines: false})}</Text>
				<Text color={theme.muted}> · {sanitizeForTerminal(what.join(' · '), {keepNewlines: false})}</Text>
				{state.filter ? <Text color={theme.accent}> · filter {sanitizeForTerminal(state.filter, {keepNewlines: false})}</Text> : null}
			</Text>
		</Box>
	);
}

/** How many shards are being read, and while a start is under way how many are still starting: ` (1200 reading, 800 starting)`. */
function readersFact(state: Pick<TailSnapshot, 'shards' | 'starting' | 'paused'>): string {
	// Paused, the readers wait on a full queue: held, not reading.
	const parts = [
		state.shards > 0 ? `${state.shards} ${state.paused ? 'held' : 'reading'}` : '',
		state.starting > 0 ? `${state.starting} starting` : '',
	].filter(Boolean);
	return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** GetRecords answered per second, as measured (not the budget): what reading the whole stream costs. */
function callsFact(calls: number): string {
	return `${calls >= 10 || calls === 0 ? formatCount(Math.round(calls)) : calls.toFixed(1)} calls/s`;
}

function Empty({state}: {readonly state: TailSnapshot}) {
	const theme = useTheme();
	const from = describePosition(state.position);
	let text: string;
	if (state.filter) {
		// Said whether or not records came: a filter that hides everything must say so, not leave an empty table.
		const read = state.tested === 0 ? 'none read since it was set' : `${plural(state.tested, 'record')} read since it was set`;
		const after = state.status === 'ended' ? ` ${state.message ?? 'The tail has ended.'}` : state.paused ? ' (paused: p resumes)' : '';
		text = `No record matches ${state.filter} (${read}).${after} ${keysOf('list', 'filter')} changes the filter, ${keysOf('global', 'back')} clears it.`;
	} else if (state.status === 'ended') text = state.message ?? 'The tail has ended.';
	else
		text = `Waiting for records from ${from}… they appear here as they arrive.${state.paused ? ' (paused: p resumes)' : ''} o starts from another position.`;
	return (
		<Text color={theme.muted} wrap="wrap">
			{sanitizeForTerminal(text, {keepNewlines: false})}
		</Text>
	);
}

interface Layout {
	readonly shard: number;
	readonly sequence: number;
	/** The digits that tell the rows' sequence numbers apart. */
	readonly sequenceSpan: DigitSpan | undefined;
	readonly key: number;
	readonly data: number;
}

/**
 * The rows in view, one <Text> each with the selection mark inside it: a live tail redraws every row
 * several times a second, and Ink's cost grows with its nodes (a SelectableList row is a Box and two Texts).
 */
function Rows({snapshot, columns}: {readonly snapshot: TailSnapshot; readonly columns: number}) {
	const theme = useTheme();
	const layout = layoutFor(snapshot.rows, columns);
	const header = [
		'TIME'.padEnd(12),
		layout.shard > 0 ? 'SHARD'.padEnd(layout.shard) : '',
		layout.sequence > 0 ? 'SEQUENCE'.padEnd(layout.sequence) : '',
		'KEY'.padEnd(layout.key),
		'DATA',
	].filter(Boolean);
	return (
		<Box flexDirection="column">
			<Text color={theme.muted} bold wrap="truncate">
				{'  '}
				{header.join('  ')}
			</Text>
			{snapshot.rows.map((row, index) => (
				<Row key={row.index} row={row} layout={layout} theme={theme} selected={index === snapshot.selected} />
			))}
		</Box>
	);
}

function Row({
	row,
	layout,
	theme,
	selected,
}: {
	readonly row: TailRow;
	readonly layout: Layout;
	readonly theme: Theme;
	readonly selected: boolean;
}) {
	const cells = [
		clock(row.arrivalTime),
		layout.shard > 0 ? fit(shortShardId(row.shardId), layout.shard) : '',
		layout.sequence > 0 ? fit(sequenceCell(row.sequenceNumber, layout.sequenceSpan, layout.sequence), layout.sequence) : '',
		fit(oneLine(row.partitionKey), layout.key),
	].filter(Boolean);
	const data = oneLine(row.text.slice(0, layout.data * 2 + 16)).slice(0, layout.data);
	if (selected) {
		return (
			<Text wrap="truncate" color={theme.accent} inverse={!theme.colored}>
				{'› '}
				{cells.join('  ')}
				{'  '}
				{data}
			</Text>
		);
	}
	return (
		<Text wrap="truncate">
			{'  '}
			<Text color={theme.muted}>{cells.join('  ')}</Text>
			{'  '}
			{data}
		</Text>
	);
}

/** Column widths for the rows in view: narrow terminals drop the sequence, then the shard. */
function layoutFor(rows: readonly TailRow[], columns: number): Layout {
	const marker = 2;
	const gap = 2;
	const shard = columns >= 60 ? Math.max(5, ...rows.map((row) => shortShardId(row.shardId).length)) : 0;
	const sequence = columns >= 90 ? 13 : 0;
	const key = Math.min(columns >= 90 ? 24 : 12, Math.max(3, ...rows.map((row) => row.partitionKey.length)));
	const used = marker + 12 + gap + (shard > 0 ? shard + gap : 0) + (sequence > 0 ? sequence + gap : 0) + key + gap;
	const sequenceSpan = sequence > 0 ? distinguishingSpan(rows) : undefined;
	return {shard, sequence, sequenceSpan, key, data: Math.max(8, columns - used - 1)};
}

const oneLine = (text: string): string => sanitizeForTerminal(text, {keepNewlines: false, keepTabs: false});

/**
 * Cut to a width with an ASCII mark: a line of printable ASCII takes string-width's fast path, which
 * Ink runs on every line of every frame (a single '…' makes the whole line several times slower).
 */
function fit(text: string, width: number): string {
	return text.length > width ? `${text.slice(0, width - 2)}..` : text.padEnd(width);
}

function clock(date: Date): string {
	const pad = (value: number, length = 2) => String(value).padStart(length, '0');
	return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** How long the line saying what a save wrote stays under the records. */
const SAVED_NOTE_MS = 15_000;

/** "Saved 740 records to ./x.jsonl", with the lines when they differ (KPL user records, a filter on them). */
function savedText(records: number, lines: number, path: string): string {
	return `Saved ${plural(records, 'record')}${lines === records ? '' : ` (${plural(lines, 'line')})`} to ${path}`;
}

function PromptHelp({
	prompt,
	errorRows,
	state,
}: {
	readonly prompt: Prompt;
	readonly errorRows: readonly string[];
	readonly state: TailSnapshot;
}) {
	const theme = useTheme();
	const quoting =
		prompt.kind === 'filter' ? (
			<Text color={theme.muted} wrap="truncate">
				{QUOTING_HELP}
			</Text>
		) : null;
	if (errorRows.length > 0) {
		return (
			<>
				{errorRows.map((row, index) => (
					<Text key={index} color={theme.danger} wrap="truncate">
						{row}
					</Text>
				))}
				{quoting}
			</>
		);
	}
	const text =
		prompt.kind === 'filter'
			? FILTER_HELP
			: prompt.kind === 'position'
				? `Start from: trim-horizon, latest, 15m/2h/1d ago, an ISO time${state.shardId ? ', at:SEQ or after:SEQ' : ''}; Enter restarts, Esc cancels`
				: prompt.kind === 'save'
					? `Save the ${plural(prompt.selection.records.length, 'record')} shown when s was pressed as JSON lines; Enter saves`
					: `${prompt.path} exists.`;
	return (
		<>
			<Text color={prompt.kind === 'overwrite' ? theme.warning : theme.muted} wrap="truncate">
				{sanitizeForTerminal(text, {keepNewlines: false})}
			</Text>
			{quoting}
		</>
	);
}

/** y or n, taking every key while it is open. */
function Confirm({onYes, onNo}: {readonly onYes: () => void; readonly onNo: () => void}) {
	const theme = useTheme();
	useCapturedInput((input, key) => {
		if (input === 'y' || input === 'Y') onYes();
		else if (input === 'n' || input === 'N' || key.escape) onNo();
	}, 'y overwrites · n or Esc chooses another name');
	return (
		<Text>
			<Text color={theme.warning}>Overwrite it? </Text>y overwrites, n or Esc chooses another name
		</Text>
	);
}
