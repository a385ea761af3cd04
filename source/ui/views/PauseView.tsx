import {Box} from 'ink';
import type {MappingSwitchResult} from '../../console/consumers/lambdaChanges.js';
import {formatDuration} from '../../console/format.js';
import {sanitizeForTerminal} from '../../console/records/index.js';
import {ChangeOutcome, ConfirmLine, PlanNotes} from '../components/ChangePanel.js';
import {StateView} from '../components/StateView.js';
import {Text} from '../components/Text.js';
import type {ConsumerServices} from '../consumerServices.js';
import {useChange, useLoad} from '../hooks/useChange.js';
import {useOperationCommands} from '../hooks/useOperationCommands.js';
import {keysOf} from '../keymap.js';
import {useServices, type ConsoleServices} from '../services.js';
import {useTheme} from '../theme.js';

interface PauseProps {
	readonly stream: string;
	readonly uuid: string;
	readonly functionName: string;
	readonly action: 'pause' | 'resume';
	readonly height: number;
}

/**
 * Pausing or resuming a Lambda event source mapping: the mapping as Lambda describes it and what the
 * change stops or restarts, confirmed with y, then followed until it is Disabled or Enabled. Under
 * --read-only the screen is not offered, and the services have no pause.
 */
export function PauseView(props: PauseProps) {
	const services = useServices();
	const theme = useTheme();
	const consumers = services.consumers;
	if (!consumers?.planPause || !consumers.pause || services.readOnly)
		return <Text color={theme.warning}>Pausing Lambda mappings is not available in this console (read-only, or no Lambda client).</Text>;
	return (
		<PausePanel {...props} services={services} describeError={consumers.describeError} plan={consumers.planPause} pause={consumers.pause} />
	);
}

const clean = (text: string): string => sanitizeForTerminal(text, {keepNewlines: false});

function PausePanel({
	stream,
	uuid,
	functionName,
	action,
	services,
	describeError,
	plan: planSwitch,
	pause,
}: PauseProps & {
	readonly services: ConsoleServices;
	readonly describeError: ConsumerServices['describeError'];
	readonly plan: NonNullable<ConsumerServices['planPause']>;
	readonly pause: NonNullable<ConsumerServices['pause']>;
}) {
	const theme = useTheme();
	const [plan, replan] = useLoad((signal) => planSwitch(stream, uuid, action, signal), describeError, [stream, uuid, action]);
	const change = useChange<MappingSwitchResult>({
		what: `${action} of '${functionName}'`,
		describe: describeError,
		say: (level, text) => services.notices.say(level, text),
	});
	const ready = plan.status === 'ready' ? plan.value : undefined;
	const submittable = ready !== undefined && ready.problems.length === 0;
	useOperationCommands('pause', change, {
		confirm: () => {
			if (ready && submittable) change.run((signal) => pause(ready, signal));
		},
		replan,
	});
	const verb = action === 'pause' ? 'Pause' : 'Resume';
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text bold color={theme.accent}>
					{verb}
				</Text>{' '}
				the Lambda event source mapping of {clean(functionName)} on {stream}
			</Text>
			<StateView state={plan} what={`the mapping of '${functionName}'`}>
				{(value) => (
					<Box flexDirection="column">
						{value.mapping ? (
							<Text wrap="truncate">
								{value.mapping.state} · {value.mapping.lastProcessingResult ?? '-'} · {clean(value.mapping.uuid)}
							</Text>
						) : null}
						<PlanNotes problems={value.problems} warnings={value.warnings} />
						{change.state.stage === 'idle' && submittable ? (
							<ConfirmLine question={`${verb} ${clean(functionName)}?`} name={clean(functionName)} readOnly={services.readOnly} />
						) : null}
						{change.state.stage === 'done' ? (
							<Box flexDirection="column">
								<Text color={theme.success} bold>
									✓ Done in {formatDuration(change.state.elapsedMs)}: the mapping of {clean(functionName)} is {change.state.result.state}.
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
