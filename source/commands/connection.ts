import {connect, type Connection} from '../console/connect.js';
import {formatFailure, streamLister, toFailure, type FailureContext} from '../console/failures.js';
import {createOutput, type Output, type WhenClosed} from './output.js';
import {parseQuotaShare} from './parseArgs.js';

/** The flags every command that talks to Kinesis takes, named as the AWS CLI names them. */
export const connectionFlags = {
	profile: {type: 'string'},
	region: {type: 'string'},
	endpointUrl: {type: 'string'},
	local: {type: 'boolean', default: false},
	dataDir: {type: 'string'},
	json: {type: 'boolean', default: false},
	quotaShare: {type: 'string'},
	// Every command takes it, so that `kinesis-console --read-only COMMAND` (an alias, say) runs: change commands refuse under it.
	readOnly: {type: 'boolean', default: false},
} as const;

export const connectionHelp = `
  Connection
    --profile <name>       AWS profile (default: AWS_PROFILE, then the default profile)
    --region <region>      AWS region (default: AWS_REGION, then the profile's)
    --endpoint-url <url>   Another Kinesis endpoint: LocalStack, kinesalite, a running engine
    --local                Start the built-in engine in this process (no AWS account needed)
    --data-dir <dir>       With --local: keep the engine's data here instead of a throw-away directory
    --quota-share <f>      The share of each of AWS's API quotas to use (default 0.25; the rest is production's)

  Output
    --json                 JSON lines (the default when stdout is not a terminal)`;

export interface ConnectionFlagValues {
	readonly profile?: string | undefined;
	readonly region?: string | undefined;
	readonly endpointUrl?: string | undefined;
	readonly local: boolean;
	readonly dataDir?: string | undefined;
	readonly json: boolean;
	readonly quotaShare?: string | undefined;
}

/**
 * Runs a command's work with a connection and an output, and turns any failure into a plain message on
 * stderr and its distinct exit code. The connection is closed however the work ends.
 */
export async function withConnection(
	flags: ConnectionFlagValues,
	context: Omit<FailureContext, 'target' | 'listStreams'>,
	work: (connection: Connection, output: Output) => Promise<number | void>,
	whenClosed?: WhenClosed,
): Promise<number> {
	let connection: Connection | undefined;
	const quotaShare = parseQuotaShare(flags.quotaShare);
	try {
		connection = await connect({
			quotaShare,
			...(flags.profile === undefined ? {} : {profile: flags.profile}),
			...(flags.region === undefined ? {} : {region: flags.region}),
			...(flags.endpointUrl === undefined ? {} : {endpointUrl: flags.endpointUrl}),
			...(flags.local ? {local: flags.dataDir === undefined ? true : {dataDir: flags.dataDir}} : {}),
		});
		return (await work(connection, createOutput({json: flags.json, ...(whenClosed === undefined ? {} : {whenClosed})}))) ?? 0;
	} catch (error) {
		const failure = await toFailure(error, {
			...context,
			...(connection ? {target: connection.target, listStreams: streamLister(connection.kinesis)} : {}),
		});
		process.stderr.write(`${formatFailure(failure)}\n`);
		return failure.exitCode;
	} finally {
		await connection?.close();
	}
}
