import {Box} from 'ink';
import {useMemo} from 'react';
import {kindOf} from '../../console/consumers/index.js';
import {formatDuration} from '../../console/format.js';
import {sanitizeForTerminal} from '../../console/records/index.js';
import {Chart} from '../components/Chart.js';
import {StateView} from '../components/StateView.js';
import {Text} from '../components/Text.js';
import type {ConsumerServices} from '../consumerServices.js';
import {useRunWhileVisible, useStore} from '../hooks/useStore.js';
import {useTerminalSize} from '../hooks/useTerminalSize.js';
import {keysOf} from '../keymap.js';
import {useViewCommands} from '../navigation.js';
import {useServices} from '../services.js';
import {useTheme} from '../theme.js';
import {statusColor, Unavailable} from './ConsumerViews.js';
import {useConsumerActions} from '../hooks/useConsumerActions.js';

/**
 * One consumer whose positions the console does not read (a fan-out consumer, a Lambda mapping, a
 * channel, ...): its status and why, its lag and time left, its lag over the readings its status was
 * judged on as a chart, its own fields (its kind's JSON line), and the actions its capabilities offer.
 * It reads through the same who-is-behind store as the consumers screen, so its readings carry over.
 */
export function ConsumerView(props: {
	readonly stream: string;
	readonly consumerKey: string;
	readonly name: string;
	readonly height: number;
}) {
	const services = useServices();
	return services.consumers ? <ConsumerPanel {...props} consumers={services.consumers} /> : <Unavailable />;
}

function ConsumerPanel({
	stream,
	consumerKey,
	name,
	height,
	consumers,
}: {
	readonly stream: string;
	readonly consumerKey: string;
	readonly name: string;
	readonly height: number;
	readonly consumers: ConsumerServices;
}) {
	const theme = useTheme();
	const {columns} = useTerminalSize();
	const store = useMemo(() => consumers.behind(stream), [consumers, stream]);
	const state = useStore(store);
	useRunWhileVisible(store);
	const row = state.status === 'ready' ? state.value.rows.find((candidate) => candidate.key === consumerKey) : undefined;
	const actions = useConsumerActions(stream, row?.consumer, consumers, store);
	useViewCommands('consumer', (command) => {
		switch (command) {
			case 'deregister':
				return actions.openDeregister();
			case 'pause':
				return actions.openPause();
			case 'refresh':
				return void store.refresh();
			case 'back':
				return false;
		}
	});
	const fields = row
		? Object.entries(kindOf(row.consumer).json(row.consumer)).filter(([field, value]) => field !== 'type' && value !== undefined)
		: [];
	const fieldRows = Math.max(1, Math.min(fields.length, Math.floor((height - 6) / 2)));
	const chartLines = Math.max(0, Math.min(8, height - 7 - fieldRows));
	const offers = [
		...(actions.deregister ? [`${keysOf('consumer', 'deregister')} deregisters it`] : []),
		...(actions.pause ? [`${keysOf('consumer', 'pause')} ${actions.pause.enabled ? 'pauses' : 'resumes'} it`] : []),
	];
	return (
		<Box flexDirection="column">
			<StateView state={state} what={`the consumers of ${stream}`}>
				{() =>
					row === undefined ? (
						<Text color={theme.warning}>
							{sanitizeForTerminal(name, {keepNewlines: false})} is no longer found on {stream}.
						</Text>
					) : (
						<Box flexDirection="column">
							<Text wrap="truncate">
								<Text bold color={theme.accent}>
									{sanitizeForTerminal(name, {keepNewlines: false})}
								</Text>{' '}
								<Text color={theme.muted}>{kindOf(row.consumer).label} on</Text> {stream} ·{' '}
								<Text color={statusColor(row.status, theme)}>{row.status}</Text>: {row.reason}
							</Text>
							<Text wrap="truncate">
								lag {formatDuration(row.lagMs)} · oldest unread record expires in {formatDuration(row.expiresInMs)}
								<Text color={theme.muted}> · {offers.length > 0 ? offers.join(' · ') : 'no action for its kind here'}</Text>
							</Text>
							{chartLines >= 3 && row.series.some((point) => point.lagMs !== undefined) ? (
								<Box flexDirection="column">
									<Text color={theme.muted} wrap="truncate">
										lag over the last {formatDuration(row.windowMs)} ({row.series.length} readings
										{row.windowMs >= 300_000 ? ", CloudWatch's minutes" : ''})
									</Text>
									<Chart
										series={row.series.map((point) => point.lagMs ?? 0)}
										width={Math.min(columns, 100)}
										height={chartLines}
										format={(value) => formatDuration(value)}
										fold="max"
									/>
								</Box>
							) : (
								<Text color={theme.muted}>lag unknown: its kind reports none here</Text>
							)}
							{fields.slice(0, fieldRows).map(([field, value]) => (
								<Text key={field} wrap="truncate">
									<Text color={theme.muted}>{field.padEnd(24)}</Text>
									{sanitizeForTerminal(typeof value === 'string' ? value : JSON.stringify(value), {keepNewlines: false})}
								</Text>
							))}
						</Box>
					)
				}
			</StateView>
		</Box>
	);
}
