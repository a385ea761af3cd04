import {Box} from 'ink';
import type {FanOutChangeResult} from '../../console/consumers/fanOutChanges.js';
import {sanitizeForTerminal} from '../../console/records/index.js';
import {formatDuration} from '../../console/format.js';
import {ChangeOutcome, ConfirmLine, PlanNotes} from '../components/ChangePanel.js';
import {StateView} from '../components/StateView.js';
import {Text} from '../components/Text.js';
import type {ConsumerServices} from '../consumerServices.js';
import {useChange, useLoad} from '../hooks/useChange.js';
import {useOperationCommands} from '../hooks/useOperationCommands.js';
import {keysOf} from '../keymap.js';
import {useServices, type ConsoleServices} from '../services.js';
import {useTheme} from '../theme.js';

/**
 * Deregistering an enhanced fan-out consumer: the consumer as Kinesis describes it and what its
 * deregistration ends, confirmed with y, then followed until Kinesis no longer lists it. Under
 * --read-only the screen is not offered, and the services have no deregister.
 */
export function DeregisterView(props: {readonly stream: string; readonly consumer: string; readonly height: number}) {
	const services = useServices();
	const theme = useTheme();
	const consumers = services.consumers;
	if (!consumers?.planDeregister || !consumers.deregister || services.readOnly)
		return <Text color={theme.warning}>Deregistering consumers is not available in this console (read-only).</Text>;
	return (
		<DeregisterPanel
			{...props}
			services={services}
			describeError={consumers.describeError}
			planDeregister={consumers.planDeregister}
			deregister={consumers.deregister}
		/>
	);
}

const clean = (text: string): string => sanitizeForTerminal(text, {keepNewlines: false});

function DeregisterPanel({
	stream,
	consumer,
	services,
	describeError,
	planDeregister,
	deregister,
}: {
	readonly stream: string;
	readonly consumer: string;
	readonly services: ConsoleServices;
	readonly describeError: ConsumerServices['describeError'];
	readonly planDeregister: NonNullable<ConsumerServices['planDeregister']>;
	readonly deregister: NonNullable<ConsumerServices['deregister']>;
}) {
	const theme = useTheme();
	const [plan, replan] = useLoad((signal) => planDeregister(stream, consumer, signal), describeError, [stream, consumer]);
	const change = useChange<FanOutChangeResult>({
		what: `deregistration of '${consumer}'`,
		describe: describeError,
		say: (level, text) => services.notices.say(level, text),
	});
	const ready = plan.status === 'ready' ? plan.value : undefined;
	const submittable = ready !== undefined && ready.problems.length === 0;
	useOperationCommands('deregister', change, {
		confirm: () => {
			if (ready && submittable) change.run((signal) => deregister(ready, signal));
		},
		replan,
	});
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text bold color={theme.accent}>
					Deregister
				</Text>{' '}
				the enhanced fan-out consumer {clean(consumer)} from {stream}
			</Text>
			<StateView state={plan} what={`the consumer '${consumer}'`}>
				{(value) => (
					<Box flexDirection="column">
						{value.current ? (
							<Text wrap="truncate">
								{value.current.status}
								{value.current.createdAt ? ` · registered ${value.current.createdAt}` : ''} · {clean(value.current.arn)}
							</Text>
						) : null}
						<PlanNotes problems={value.problems} warnings={value.warnings} />
						{change.state.stage === 'idle' && submittable ? (
							<ConfirmLine question={`Deregister ${clean(consumer)}?`} name={clean(consumer)} readOnly={services.readOnly} />
						) : null}
						{change.state.stage === 'done' ? (
							<Box flexDirection="column">
								<Text color={theme.success} bold>
									✓ Done in {formatDuration(change.state.elapsedMs)}: {clean(consumer)} is deregistered; Kinesis no longer lists it.
								</Text>
								<Text color={theme.muted}>{keysOf('global', 'back')} goes back to the consumers</Text>
							</Box>
						) : (
							<ChangeOutcome state={change.state} />
						)}
					</Box>
				)}
			</StateView>
		</Box>
	);
}
