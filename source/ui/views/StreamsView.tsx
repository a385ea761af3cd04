import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {useEffect, useState} from 'react';
import type {StreamRow} from '../../console/streamsStore.js';
import {sanitizeForTerminal, sanitizeLine} from '../../console/records/index.js';
import {SelectableList, moveSelection, windowStart} from '../components/SelectableList.js';
import {StateView} from '../components/StateView.js';
import {FilterLine} from '../components/FilterLine.js';
import {formatCompact} from '../../console/format.js';
import {useRunWhileVisible, useStore} from '../hooks/useStore.js';
import {useNavigator, useViewCommands} from '../navigation.js';
import {useServices} from '../services.js';
import {useTheme} from '../theme.js';

// INCOMING is CloudWatch's average over the last 5 minutes: the header says so, as it lags a stream that just started or stopped.
const COLUMNS = ['STREAM', 'STATUS', 'MODE', 'SHARDS', 'RETENTION', 'CONSUMERS', 'ENCRYPTION', 'INCOMING 5m'] as const;

/**
 * Every stream with status, mode, shards, retention, consumers, encryption and incoming rate; `/` filters,
 * Enter opens. The list comes from ListStreams' summaries; the rows in view are described (and rated) as
 * they come into view, so that a thousand streams cost what the twenty on screen cost.
 * One component: its state, the rows in view, one short command handler and one list; only just over 80 lines.
 */
export function StreamsView({height}: {readonly height: number}) {
	const {streams} = useServices();
	const navigator = useNavigator();
	const theme = useTheme();
	const state = useStore(streams);
	const [selected, setSelected] = useState(0);
	const [filter, setFilter] = useState('');
	const [editingFilter, setEditingFilter] = useState(false);

	useRunWhileVisible(streams);

	const all = state.status === 'ready' ? state.value.streams : [];
	const shown = filter ? all.filter((stream) => stream.name.toLowerCase().includes(filter.toLowerCase())) : all;
	const listHeight = Math.max(3, height - 4);
	const shownSelected = Math.min(selected, Math.max(0, shown.length - 1));
	const start = windowStart(shownSelected, listHeight, shown.length);
	const inView = shown.slice(start, start + listHeight);
	const inViewKey = inView.map((stream) => stream.name).join('\n');
	useEffect(() => streams.show(inViewKey === '' ? [] : inViewKey.split('\n')), [streams, inViewKey]);

	useViewCommands('streams', (command) => {
		if (command === 'filter') return setEditingFilter(true);
		if (command === 'refresh') return void streams.refresh();
		if (command === 'open') {
			const stream = shown[selected];
			if (stream) navigator.push({kind: 'dashboard', stream: stream.name});
			return;
		}
		if (command === 'back' && filter) return setFilter('');
		if (command === 'back') return false;
		setSelected(moveSelection(command, selected, shown.length, listHeight));
	});

	const widths = columnWidths(inView);
	return (
		<Box flexDirection="column">
			<StateView
				state={state}
				what="streams"
				isEmpty={(value) => value.complete && value.streams.length === 0}
				empty={<Text color={theme.muted}>No streams here yet. Create one with the AWS CLI, or run with --demo.</Text>}
			>
				{() => (
					<SelectableList
						items={shown}
						selected={shownSelected}
						height={listHeight}
						header={
							<Text color={theme.muted} bold wrap="truncate">
								{'  '}
								{COLUMNS.map((column, index) => column.padEnd(widths[index] ?? 0)).join('  ')}
							</Text>
						}
						renderRow={(stream) => (
							<Text wrap="truncate">
								{cells(stream)
									.map((cell, index) => cell.padEnd(widths[index] ?? 0))
									.join('  ')}
							</Text>
						)}
					/>
				)}
			</StateView>
			{state.status === 'ready' && !state.value.complete ? (
				<Text color={theme.muted}>Listing streams… {formatCompact(all.length)} so far</Text>
			) : null}
			{state.status === 'ready' && state.refreshError ? (
				<Text color={theme.warning}>Refresh failed: {sanitizeLine(state.refreshError)}</Text>
			) : null}
			<FilterLine
				editing={editingFilter}
				filter={filter}
				onChange={(value) => {
					setFilter(value);
					setSelected(0);
				}}
				onDone={() => setEditingFilter(false)}
				matches={{shown: shown.length, total: all.length, noun: 'stream'}}
			/>
		</Box>
	);
}

/** A name longer than this (AWS allows 128 characters) is cut with …, so that the other columns stay in view. */
const NAME_WIDTH = 48;

/** A row's cells, each on one line and unable to drive the terminal, whatever the endpoint returned. */
function cells(stream: StreamRow): string[] {
	const [name = '', ...rest] = rawCells(stream).map((cell) => sanitizeForTerminal(cell, {keepNewlines: false, keepTabs: false}));
	return [name.length > NAME_WIDTH ? `${name.slice(0, NAME_WIDTH - 1)}…` : name, ...rest];
}

/** Shown for what is not read yet: the details of a row just scrolled into view. */
const PENDING = '…';

function rawCells(stream: StreamRow): string[] {
	const {details} = stream;
	// The listing is the fresher: it is read more often than any one stream's details.
	const status = stream.status ?? details?.status;
	const mode = stream.mode ?? details?.mode;
	return [
		stream.name,
		status ?? PENDING,
		mode === undefined ? PENDING : mode === 'ON_DEMAND' ? 'on-demand' : 'provisioned',
		details ? `${details.openShards} open${details.closedShards > 0 ? ` / ${details.closedShards} closed` : ''}` : PENDING,
		details ? (details.retentionHours === undefined ? '-' : `${details.retentionHours}h`) : PENDING,
		details ? (details.consumers === undefined ? '-' : String(details.consumers)) : PENDING,
		details ? (details.encryption === 'NONE' ? 'none' : details.encryption) : PENDING,
		stream.incomingRate === undefined ? '-' : `${formatCompact(stream.incomingRate)} rec/s`,
	];
}

function columnWidths(streams: readonly StreamRow[]): number[] {
	const widths = COLUMNS.map((column) => column.length);
	for (const stream of streams) cells(stream).forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
	return widths;
}
