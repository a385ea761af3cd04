import {
	CreateApplicationCommand,
	DescribeApplicationCommand,
	StartApplicationCommand,
	type KinesisAnalyticsV2Client,
} from '@aws-sdk/client-kinesis-analytics-v2';
import {describeError, errorName} from '../aws/errors.js';

/**
 * The demo's Managed Service for Apache Flink application `clickstream-sessions`: made and started on
 * the engine (engine/flink/), with a runtime property naming the clickstream, as AWS's examples pass a
 * source stream to a Flink job, so the console finds it as a consumer. The engine runs no application
 * and the demo stands in for none: nothing reads for it and it publishes no metric, so the who-is-behind
 * screen shows it STOPPED and says why. The application is kept by the engine; stopping the demo leaves it.
 */

export const DEMO_FLINK_APPLICATION = 'clickstream-sessions';
/** The engine's one account: the role is a name only (the engine runs nothing with it). */
const ROLE = `arn:aws:iam::000000000000:role/${DEMO_FLINK_APPLICATION}`;

export function startDemoFlink(
	clients: {readonly flink: KinesisAnalyticsV2Client},
	options: {readonly stream?: string; readonly application?: string; readonly onError?: (message: string) => void} = {},
): {readonly ready: Promise<void>; stop(): Promise<void>} {
	const name = options.application ?? DEMO_FLINK_APPLICATION;
	const stream = options.stream ?? 'clickstream';
	const controller = new AbortController();
	const ready = ensureRunning(clients.flink, name, stream, controller.signal);
	ready.catch((error: unknown) => {
		// Said once, not retried: the application is only a listing on the engine, and the rest of the demo runs without it.
		if (!controller.signal.aborted) options.onError?.(`demo Flink application ${name}: ${describeError(error)}`);
	});
	return {
		ready,
		async stop() {
			controller.abort();
			await ready.catch(() => undefined);
		},
	};
}

/** The application there already, or created now; started when it is READY. */
async function ensureRunning(flink: KinesisAnalyticsV2Client, name: string, stream: string, signal: AbortSignal): Promise<void> {
	let status: string | undefined;
	try {
		status = (await flink.send(new DescribeApplicationCommand({ApplicationName: name}), {abortSignal: signal})).ApplicationDetail
			?.ApplicationStatus;
	} catch (error) {
		if (errorName(error) !== 'ResourceNotFoundException') throw error;
		try {
			await flink.send(
				new CreateApplicationCommand({
					ApplicationName: name,
					ApplicationDescription: `Sessions of ${stream} (demo: the engine runs no application)`,
					RuntimeEnvironment: 'FLINK-1_20',
					ServiceExecutionRole: ROLE,
					ApplicationConfiguration: {
						EnvironmentProperties: {
							PropertyGroups: [
								{PropertyGroupId: 'ConsumerConfigProperties', PropertyMap: {'input.stream.name': stream, 'aws.region': 'us-east-1'}},
							],
						},
					},
				}),
				{abortSignal: signal},
			);
			status = 'READY';
		} catch (createError) {
			// Another console made it meanwhile: it is started by whoever made it.
			if (errorName(createError) !== 'ResourceInUseException') throw createError;
		}
	}
	if (status === 'READY') await flink.send(new StartApplicationCommand({ApplicationName: name}), {abortSignal: signal});
}
