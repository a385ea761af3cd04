import {render} from 'ink';
import {connect, type Connection} from '../console/connect.js';
import {StreamDashboardStore} from '../console/dashboardStore.js';
import {describeDemo, startDemo, startDemoConsumers, type Demo} from '../console/demo.js';
import {formatFailure, streamLister, toFailure} from '../console/failures.js';
import {CloudWatchMetrics} from '../console/metrics.js';
import {NoticeStore} from '../console/notices.js';
import {StreamsStore} from '../console/streamsStore.js';
import {tailStream} from '../console/tail/index.js';
import {TailStore} from '../console/tailStore.js';
import {enterAlternateScreen} from './alternateScreen.js';
import {App} from './app.js';
import {consoleConsumerServices} from './consumerServices.js';
import {consoleOperations} from './operations.js';
import type {Route} from './navigation.js';
import {renderRoute} from './screens/index.js';
import type {ConsoleServices} from './services.js';
import {themeFor} from './theme.js';

export interface ConsoleOptions {
	readonly profile?: string | undefined;
	readonly region?: string | undefined;
	readonly endpointUrl?: string | undefined;
	readonly local: boolean;
	readonly dataDir?: string | undefined;
	/** With local: open shards allowed per account in each region (the engine's --shard-limit). */
	readonly shardLimit?: number | undefined;
	/** The share of each of AWS's API quotas the console uses (--quota-share). */
	readonly quotaShare?: number | undefined;
	readonly demo: boolean;
	readonly readOnly: boolean;
	/** The view to open on; default the streams list. */
	readonly initialRoute?: Route;
}

/**
 * Ink's frame cap: it throttles renders to one per 1000/MAX_FPS ms, the first at once and the rest
 * after a timer. A key's frame that falls within that window of a data frame waits it out, behind
 * whatever the event loop does meanwhile (GetRecords answers parsed, the next data frame): at 20 frames/s
 * and a tail's 5 data frames a second, about one key in four waited up to 50 ms. The stores pace what
 * the data draws (the tail notifies every 200 ms, the dashboard every second), so this cap binds when the
 * user acts, and only guards against a store that would not pace itself: at 250 a key waits at most 4 ms
 * for it (bench/ui-results.md, issue 18 item 5). A frame costs a few milliseconds (inkOutput.ts).
 */
const MAX_FPS = 250;

/** Opens the terminal console; resolves to the exit code once the user quits. */
export async function runConsole(options: ConsoleOptions): Promise<number> {
	if (!process.stdin.isTTY || !process.stdout.isTTY) {
		process.stderr.write('The console needs a terminal. For scripts and pipes, use a subcommand: kinesis-console --help lists them.\n');
		return 2;
	}
	let connection: Connection | undefined;
	let demo: Demo | undefined;
	let leaveAlternateScreen: (() => void) | undefined;
	try {
		connection = await connect({
			quotaShare: options.quotaShare,
			...(options.profile === undefined ? {} : {profile: options.profile}),
			...(options.region === undefined ? {} : {region: options.region}),
			...(options.endpointUrl === undefined ? {} : {endpointUrl: options.endpointUrl}),
			...(options.local ? {local: localEngineOptions(options)} : {}),
		});
		const services = consoleServices(connection, {readOnly: options.readOnly});
		if (options.demo) demo = runDemo(connection, services);
		leaveAlternateScreen = enterAlternateScreen();
		const instance = render(
			<App
				services={services}
				theme={themeFor()}
				renderRoute={renderRoute}
				{...(options.initialRoute ? {initialRoute: options.initialRoute} : {})}
			/>,
			{maxFps: MAX_FPS, exitOnCtrlC: true},
		);
		await instance.waitUntilExit();
		leaveAlternateScreen();
		return 0;
	} catch (error) {
		leaveAlternateScreen?.();
		const failure = await toFailure(error, connection ? {target: connection.target} : {});
		process.stderr.write(`${formatFailure(failure)}\n`);
		return failure.exitCode;
	} finally {
		leaveAlternateScreen?.();
		await demo?.stop();
		await connection?.close();
	}
}

/** The stores and operations the views use, over a connection; failures described as the subcommands describe them. */
export function consoleServices(connection: Connection, options: {readonly readOnly: boolean}): ConsoleServices {
	const describeError = async (error: unknown, context: {readonly streamName?: string} = {}) =>
		formatFailure(await toFailure(error, {target: connection.target, listStreams: streamLister(connection.kinesis), ...context}));
	// The built-in engine keeps 1-second metrics: finer charts for short windows.
	const metrics = new CloudWatchMetrics(connection.cloudwatch, {highResolution: connection.target.kind === 'local'});
	const streams = new StreamsStore({
		kinesis: connection.kinesis,
		describeError,
		incomingRates: {
			fetch: (names, signal) => metrics.incomingRates(names, signal),
			everyMs: connection.target.kind === 'local' ? 10_000 : 60_000,
		},
	});
	const services: ConsoleServices = {
		target: connection.target,
		readOnly: options.readOnly,
		streams,
		notices: new NoticeStore(),
		budget: connection.budget,
		dashboard: (stream) =>
			new StreamDashboardStore({
				kinesis: connection.kinesis,
				metrics,
				stream,
				describeError: (error) => describeError(error, {streamName: stream}),
				notices: services.notices,
			}),
		tail: (tailOptions) =>
			new TailStore({...tailOptions, source: (source) => tailStream(connection.kinesis, source), notices: services.notices, describeError}),
		// --read-only: no changes at all, not even reachable.
		...(options.readOnly
			? {}
			: {operations: consoleOperations(connection, describeError, {onChanged: (stream) => streams.changed(stream)})}),
		consumers: consoleConsumerServices(connection, describeError, {readOnly: options.readOnly}),
	};
	return services;
}

/**
 * --demo: demo streams and traffic on the endpoint (cli.tsx allows it only with --local or --endpoint-url),
 * and their consumers (demo.ts's startDemoConsumers: every kind with --local).
 */
function runDemo(connection: Connection, services: ConsoleServices): Demo {
	const {notices, streams} = services;
	/** The demo's own notice: it is replaced every few seconds, but leaves someone else's up for a while. */
	let shown: ReturnType<typeof notices.getSnapshot>;
	const say = (level: 'info' | 'warning', text: string) => {
		const current = notices.getSnapshot();
		if (level === 'info' && current !== undefined && current !== shown && Date.now() - current.at.getTime() < 15_000) return;
		notices.say(level, text);
		shown = notices.getSnapshot();
	};
	const demo = startDemo(connection.kinesis, {onError: (message) => say('warning', message)});
	say('info', 'demo: creating the streams clickstream and app-logs');
	demo.ready.then(
		() => void streams.refresh(),
		(error: unknown) => say('warning', `demo: ${error instanceof Error ? error.message : String(error)}`),
	);
	const consumers = startDemoConsumers(connection, {onError: (message) => say('warning', message)});
	const timer = setInterval(() => say('info', describeDemo(demo.stats())), 2_000);
	timer.unref();
	return {
		...demo,
		stop: async () => {
			clearInterval(timer);
			await Promise.all([consumers.stop(), demo.stop()]);
		},
	};
}

/** The built-in engine's options from the console's flags (--data-dir, --shard-limit). */
function localEngineOptions(options: ConsoleOptions): {dataDir?: string; shardLimit?: number} {
	return {
		...(options.dataDir === undefined ? {} : {dataDir: options.dataDir}),
		...(options.shardLimit === undefined ? {} : {shardLimit: options.shardLimit}),
	};
}
