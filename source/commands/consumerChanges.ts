import {problemError} from '../console/changes.js';
import {executeMappingSwitch, planMappingSwitch} from '../console/consumers/lambdaChanges.js';
import {executeFanOutChange, planFanOutChange, type FanOutChangePlan, type FanOutChangeResult} from '../console/consumers/fanOutChanges.js';
import {UsageError} from './command.js';
import {parseCommandLine} from './parseArgs.js';
import {
	askYesNo,
	changeContext,
	changeFlags,
	changeHelp,
	declined,
	follow,
	refuseEarly,
	sanitize,
	warningLines,
	type ChangeFlagValues,
} from './changeCommand.js';
import {connectionFlags, connectionHelp, withConnection, type ConnectionFlagValues} from './connection.js';
import type {Output} from './output.js';

const help = `
  Usage
    $ kinesis-console consumers register STREAM CONSUMER      register an enhanced fan-out consumer
    $ kinesis-console consumers deregister STREAM CONSUMER    deregister one
    $ kinesis-console consumers pause STREAM FUNCTION         pause a Lambda event source mapping
    $ kinesis-console consumers resume STREAM FUNCTION        resume one

  register adds an enhanced fan-out consumer to the stream and waits until it is ACTIVE (it is billed per
  consumer-shard hour from then on, read or not). deregister removes one and waits until it is gone:
  every subscription of it ends, and its application's SubscribeToShard calls fail until a consumer of
  that name is registered again. pause and resume disable and enable a Lambda event source mapping of
  the stream (or of one of its fan-out consumers), named by its function or its UUID, and wait until
  it is Disabled or Enabled: while paused its records wait in the stream. Each shows what will change
  and asks first.

  Options
${changeHelp}
${connectionHelp}

  Examples
    $ kinesis-console consumers deregister orders console-tail
    $ kinesis-console consumers register orders alerts --yes --json
    $ kinesis-console consumers pause orders orders-enricher
`;

/** `consumers register|deregister|pause|resume STREAM NAME`: a change confirmed, followed and audited like the stream's own. */
export async function run(argv: string[]): Promise<number> {
	const cli = parseCommandLine(help, argv, {...connectionFlags, ...changeFlags});
	const [action, stream, consumerName, ...extra] = cli.input;
	if ((action === 'pause' || action === 'resume') && stream && consumerName && extra.length === 0)
		return runMappingSwitch(action, stream, consumerName, cli.flags);
	if ((action !== 'register' && action !== 'deregister') || !stream || !consumerName || extra.length > 0)
		throw new UsageError(
			action === 'pause' || action === 'resume'
				? `consumers ${action} takes a stream name or ARN and a Lambda function's name (or its mapping's UUID).`
				: `consumers ${action ?? 'register'} takes a stream name or ARN and a consumer name.`,
		);
	const {flags} = cli;
	const early = refuseEarly(flags, `consumers ${action}`, `${action === 'register' ? 'registering' : 'deregistering'} '${consumerName}'`);
	if (early !== undefined) return early;

	return withConnection(flags, {streamName: stream, operation: 'DescribeStreamConsumer'}, async (connection, output) => {
		const plan = await planFanOutChange(connection.kinesis, stream, consumerName, action);
		await printPlan(output, plan);
		const refusal = problemError(plan.problems);
		if (refusal) throw refusal;
		if (flags.dryRun) return 0;
		const question =
			action === 'register'
				? `Register '${sanitize(consumerName)}' on '${sanitize(plan.stream)}'?`
				: `Deregister '${sanitize(consumerName)}' from '${sanitize(plan.stream)}'?`;
		if (!flags.yes && !(await askYesNo(question))) return declined();
		const result = await follow((signal) => executeFanOutChange(changeContext(connection, signal), plan));
		if (result === undefined) return 130;
		await printResult(output, result);
		return 0;
	});
}

async function printPlan(output: Output, plan: FanOutChangePlan): Promise<void> {
	if (output.json) return output.write([{type: 'plan', ...plan}], () => '');
	const current = plan.current
		? ` It is ${plan.current.status}${plan.current.createdAt ? `, registered ${plan.current.createdAt}` : ''}: ${sanitize(plan.current.arn)}.`
		: '';
	const verb = plan.action === 'register' ? 'Register the enhanced fan-out consumer' : 'Deregister the enhanced fan-out consumer';
	const text = `${verb} '${sanitize(plan.consumerName)}' ${plan.action === 'register' ? 'on' : 'from'} '${sanitize(plan.stream)}'.${current}\n`;
	await output.text(plan.warnings.length > 0 ? `${text}\n${warningLines(plan.warnings)}` : text);
}

async function printResult(output: Output, result: FanOutChangeResult): Promise<void> {
	if (output.json) return output.write([{type: 'result', ...result}], () => '');
	await output.text(
		result.action === 'register'
			? `\n'${sanitize(result.consumerName)}' is ACTIVE on '${sanitize(result.stream)}': ${sanitize(result.consumer?.arn ?? '')}\n`
			: `\n'${sanitize(result.consumerName)}' is deregistered from '${sanitize(result.stream)}'.\n`,
	);
}

/** `consumers pause|resume STREAM FUNCTION`: a Lambda event source mapping disabled or enabled, and followed until it is. */
async function runMappingSwitch(
	action: 'pause' | 'resume',
	stream: string,
	named: string,
	flags: ChangeFlagValues & ConnectionFlagValues,
): Promise<number> {
	const early = refuseEarly(
		flags,
		`consumers ${action}`,
		`${action === 'pause' ? 'pausing' : 'resuming'} the mapping of '${named}'`,
		'a Lambda event source mapping',
	);
	if (early !== undefined) return early;
	return withConnection(
		flags,
		{streamName: stream, operation: 'ListEventSourceMappings', service: 'lambda'},
		async (connection, output) => {
			const plan = await planMappingSwitch(connection, stream, named, action);
			if (output.json) await output.write([{type: 'plan', ...plan}], () => '');
			else {
				const mapping = plan.mapping;
				const text = `${action === 'pause' ? 'Pause' : 'Resume'} the Lambda event source mapping of '${sanitize(named)}' on '${sanitize(plan.stream)}'.${mapping ? ` It is ${mapping.state} (${sanitize(mapping.uuid)}, ${mapping.consumer ? `via '${sanitize(mapping.consumer)}'` : 'on the stream'}).` : ''}\n`;
				await output.text(plan.warnings.length > 0 ? `${text}\n${warningLines(plan.warnings)}` : text);
			}
			const refusal = problemError(plan.problems);
			if (refusal) throw refusal;
			if (flags.dryRun) return 0;
			if (!flags.yes && !(await askYesNo(`${action === 'pause' ? 'Pause' : 'Resume'} the mapping of '${sanitize(named)}'?`)))
				return declined();
			const result = await follow((signal) =>
				executeMappingSwitch({...changeContext(connection, signal), lambda: connection.lambda}, plan),
			);
			if (result === undefined) return 130;
			if (output.json) await output.write([{type: 'result', ...result}], () => '');
			else await output.text(`\nThe mapping of '${sanitize(result.functionName)}' is ${result.state}.\n`);
			return 0;
		},
	);
}
