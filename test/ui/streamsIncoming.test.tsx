import {CreateStreamCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {Text} from 'ink';
import {cleanup} from 'ink-testing-library';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {CloudWatchMetrics} from '../../source/console/metrics.js';
import {StreamsStore} from '../../source/console/streamsStore.js';
import type {Engine} from '../../source/engine/index.js';
import {StreamsView} from '../../source/ui/views/StreamsView.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {cloudWatchClient, renderApp, testServices, waitForFrame} from '../helpers/ui.js';
import {describeForTest} from '../helpers/wait.js';

describe('the streams list incoming rate', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		for (const name of ['busy', 'quiet']) await kinesis.send(new CreateStreamCommand({StreamName: name, ShardCount: 1}));
		const records = Array.from({length: 300}, (_, index) => ({Data: Buffer.from('event'), PartitionKey: `k${index}`}));
		await kinesis.send(new PutRecordsCommand({StreamName: 'busy', Records: records}));
	});
	afterEach(() => cleanup());
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});

	const describeError = describeForTest;
	const routes = (route: {kind: string}, height: number) =>
		route.kind === 'streams' ? <StreamsView height={height} /> : <Text>elsewhere</Text>;

	it('shows records/s over the last 5 minutes from CloudWatch, refreshed with the list', async () => {
		// Ten seconds ahead, so that the 10-second period being written counts as complete.
		const metrics = new CloudWatchMetrics(cloudWatchClient(engine.url), {highResolution: true, now: () => Date.now() + 10_000});
		const streams = new StreamsStore({
			kinesis,
			describeError,
			refreshMs: 60_000,
			incomingRates: {fetch: (names) => metrics.incomingRates(names), everyMs: 0},
		});
		const app = renderApp(testServices(kinesis, engine.url, {streams}), routes);
		const frame = await waitForFrame(app.lastFrame, (text) => /busy .* 1 rec\/s/.test(text));
		expect(frame).toMatch(/STREAM +STATUS +MODE +SHARDS +RETENTION +CONSUMERS +ENCRYPTION +INCOMING 5m/);
		expect(frame).toMatch(/quiet .* 0 rec\/s/);
		app.unmount();
	});

	it("shows '-' where CloudWatch cannot answer, and keeps the list", async () => {
		const streams = new StreamsStore({
			kinesis,
			describeError,
			refreshMs: 60_000,
			incomingRates: {
				fetch: async () => {
					throw new Error('AccessDenied: cloudwatch:GetMetricData');
				},
				everyMs: 0,
			},
		});
		const app = renderApp(testServices(kinesis, engine.url, {streams}), routes);
		const frame = await waitForFrame(app.lastFrame, (text) => /quiet .*none +-$/m.test(text));
		expect(frame).toMatch(/busy .*none +-$/m);
		expect(frame).not.toContain('AccessDenied');
		app.unmount();
	});
});
