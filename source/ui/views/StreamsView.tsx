import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {useState} from 'react';
import type {StreamRow} from '../../console/streamsStore.js';
import {sanitizeForTerminal, sanitizeLine} from '../../console/records/index.js';
import {SelectableList, moveSelection} from '../components/SelectableList.js';
import {StateView} from '../components/StateView.js';
import {FilterLine} from '../components/FilterLine.js';
import {formatCount} from '../figures.js';
import {useRunWhileVisible, useStore} from '../hooks/useStore.js';
import {useNavigator, useViewCommands} from '../navigation.js';
import {useServices} from '../services.js';
import {useTheme} from '../theme.js';

// INCOMING is CloudWatch's average over the last 5 minutes: the header says so, as it lags a stream that just started or stopped.
const COLUMNS = ['STREAM', 'STATUS', 'MODE', 'SHARDS', 'RETENTION', 'CONSUMERS', 'ENCRYPTION', 'INCOMING 5m'] as const;

/** Every stream with status, mode, shards, retention, consumers, encryption and incoming rate; `/` filters, Enter opens. */
export function StreamsView({height}: {readonly height: number}) {
	const {streams} = useServices();
	const navigator = useNavigator();
	const theme = useTheme();
	const state = useStore(streams);
	const [selected, setSelected] = useState(0);
	const [filter, setFilter] = useState('');
	const [editingFilter, setEditingFilter] = useState(false);

	useRunWhileVisible(streams);

	const all = state.status === 'ready' ? state.value : [];
	const shown = filter ? all.filter((stream) => stream.name.toLowerCase().includes(filter.toLowerCase())) : all;
	const listHeight = Math.max(3, height - 4);

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

	const widths = columnWidths(shown);
	return (
		<Box flexDirection="column">
			<StateView
				state={state}
				what="streams"
				isEmpty={(value) => value.length === 0}
				empty={<Text color={theme.muted}>No streams here yet. Create one with the AWS CLI, or run with --demo.</Text>}
			>
				{() => (
					<SelectableList
						items={shown}
						selected={Math.min(selected, Math.max(0, shown.length - 1))}
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

function rawCells(stream: StreamRow): string[] {
	return [
		stream.name,
		stream.status,
		stream.mode === 'ON_DEMAND' ? 'on-demand' : 'provisioned',
		`${stream.openShards} open${stream.closedShards > 0 ? ` / ${stream.closedShards} closed` : ''}`,
		stream.retentionHours === undefined ? '-' : `${stream.retentionHours}h`,
		stream.consumers === undefined ? '-' : String(stream.consumers),
		stream.encryption === 'NONE' ? 'none' : stream.encryption,
		stream.incomingRate === undefined ? '-' : `${formatCount(stream.incomingRate)} rec/s`,
	];
}

function columnWidths(streams: readonly StreamRow[]): number[] {
	const widths = COLUMNS.map((column) => column.length);
	for (const stream of streams) cells(stream).forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
	return widths;
}
