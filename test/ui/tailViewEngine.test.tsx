import {CreateStreamCommand, PutRecordsCommand, type KinesisClient} from '@aws-sdk/client-kinesis';
import {cleanup} from 'ink-testing-library';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {renderRoute} from '../../source/ui/screens/index.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {typeInto} from '../helpers/tailSource.js';
import {press, renderApp, testServices, waitForFrame} from '../helpers/ui.js';

describe('the tail view on the engine', () => {
	let engine: Engine;
	let kinesis: KinesisClient;
	beforeAll(async () => {
		engine = await startEngine();
		kinesis = kinesisClient(engine.url, 'http1');
		await kinesis.send(new CreateStreamCommand({StreamName: 'orders', ShardCount: 2}));
	});
	afterEach(() => cleanup());
	afterAll(async () => {
		kinesis.destroy();
		await engine.close();
	});

	const put = (records: Array<{key: string; data: unknown}>) =>
		kinesis.send(
			new PutRecordsCommand({
				StreamName: 'orders',
				Records: records.map(({key, data}) => ({PartitionKey: key, Data: new TextEncoder().encode(JSON.stringify(data))})),
			}),
		);

	it('shows the records the test writes, from the start and as they arrive, and filters them', async () => {
		await put([
			{key: 'order-1', data: {order: 1, status: 'paid'}},
			{key: 'order-2', data: {order: 2, status: 'failed'}},
		]);
		const app = renderApp(testServices(kinesis, engine.url), renderRoute, {initialRoute: {kind: 'tail', stream: 'orders'}});
		const frame = (check: (text: string) => boolean) => waitForFrame(app.lastFrame, check, 10_000);
		await frame((text) => text.includes('Waiting for records from LATEST') && text.includes('all shards (2 reading)'));

		app.stdin.write('o');
		await frame((text) => text.includes('Start from: trim-horizon'));
		await typeInto(app, 'from: ', 'trim-horizon');
		app.stdin.write(press.enter);
		const early = await frame((text) => text.includes('from TRIM_HORIZON') && text.includes('"order":2'));
		expect(early).toMatch(/order-1 +\{"order":1,"status":"paid"\}/);
		expect(early).toContain('2 buffered of 2');

		await put([{key: 'order-3', data: {order: 3, status: 'failed'}}]);
		await frame((text) => text.includes('"order":3'));

		app.stdin.write('/');
		await frame((text) => text.includes('all must match'));
		await typeInto(app, '/', 'json:status=failed');
		app.stdin.write(press.enter);
		const filtered = await frame((text) => text.includes('2 match') && !text.includes('"order":1'));
		expect(filtered).toContain('order-2');
		expect(filtered).toContain('order-3');
		app.unmount();
	});
});
