import {stripVTControlCharacters} from 'node:util';
import {render} from 'ink-testing-library';
import type {ReactNode} from 'react';
import {CloudWatchClient} from '@aws-sdk/client-cloudwatch';
import type {ConnectionTarget} from '../../source/console/connect.js';
import {StreamDashboardStore} from '../../source/console/dashboardStore.js';
import {CloudWatchMetrics} from '../../source/console/metrics.js';
import {NoticeStore} from '../../source/console/notices.js';
import {StreamsStore} from '../../source/console/streamsStore.js';
import {tailStream} from '../../source/console/tail/index.js';
import {TailStore} from '../../source/console/tailStore.js';
import type {KinesisClient} from '@aws-sdk/client-kinesis';
import {credentials} from './engine.js';
import {App} from '../../source/ui/app.js';
import type {Route} from '../../source/ui/navigation.js';
import type {ConsoleServices} from '../../source/ui/services.js';
import {colorTheme, noColorTheme} from '../../source/ui/theme.js';
import {describeForTest} from './wait.js';

export const localTarget = (url: string): ConnectionTarget => ({
	kind: 'local',
	region: 'us-east-1',
	endpoint: url,
	endpoints: {kinesis: url, cloudwatch: url, dynamodb: url},
});

/** Services over a real Kinesis client, with parts replaced as a test needs. */
export function testServices(kinesis: KinesisClient, url: string, overrides: Partial<ConsoleServices> = {}): ConsoleServices {
	const services: ConsoleServices = {
		target: localTarget(url),
		readOnly: false,
		streams: new StreamsStore({
			kinesis,
			describeError: describeForTest,
			refreshMs: 60_000,
		}),
		notices: new NoticeStore(),
		dashboard: (stream) =>
			new StreamDashboardStore({kinesis, metrics: new CloudWatchMetrics(cloudWatchClient(url), {highResolution: true}), stream}),
		tail: (options) =>
			new TailStore({
				...options,
				source: (tailOptions) => tailStream(kinesis, tailOptions),
				notices: services.notices,
				describeError: describeForTest,
			}),
		...overrides,
	};
	return services;
}

/** A CloudWatch client for an engine, made once per endpoint and kept for the worker's later test files (vitest.config.ts). */
const cloudWatchClients = new Map<string, CloudWatchClient>();
export function cloudWatchClient(url: string): CloudWatchClient {
	let client = cloudWatchClients.get(url);
	if (!client)
		cloudWatchClients.set(url, (client = new CloudWatchClient({endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1})));
	return client;
}

/** Renders the app in ink-testing-library with a route renderer. */
export function renderApp(
	services: ConsoleServices,
	renderRoute: (route: Route, height: number) => ReactNode,
	options: {noColor?: boolean; initialRoute?: Route} = {},
) {
	return render(
		<App
			services={services}
			theme={options.noColor ? noColorTheme : colorTheme}
			renderRoute={renderRoute}
			{...(options.initialRoute ? {initialRoute: options.initialRoute} : {})}
		/>,
	);
}

/** Waits until the last frame, without colours, satisfies a check (Ink renders asynchronously). */
export async function waitForFrame(
	lastFrame: () => string | undefined,
	check: (frame: string) => boolean,
	timeoutMs = 5000,
): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const frame = stripVTControlCharacters(lastFrame() ?? '');
		if (check(frame)) {
			// Input handlers attach in effects, which run just after a frame is written: let them.
			await new Promise((resolve) => setTimeout(resolve, 25));
			return frame;
		}
		if (Date.now() > deadline) throw new Error(`frame never matched; last frame:\n${frame}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

export const press = {up: '\u001b[A', down: '\u001b[B', right: '\u001b[C', enter: '\r', escape: '\u001b', backspace: '\u007f'};
