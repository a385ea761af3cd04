import * as sdk from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {kinesisActions} from '../../source/engine/kinesis/index.js';
import {useEngine} from './support.js';

/** Every operation of the SDK's Kinesis client, from the command classes it exports (ListStreamsCommand → ListStreams). */
const sdkOperations = Object.entries(sdk)
	.filter(([name, value]) => /^[A-Z]\w*Command$/.test(name) && typeof value === 'function')
	.map(([name, value]) => ({operation: name.slice(0, -'Command'.length), Command: value as new (input: object) => unknown}))
	.sort((a, b) => (a.operation < b.operation ? -1 : 1));

describe('the operations of the SDK client', () => {
	const harness = useEngine('http2');

	it('are the operations the engine serves, no more and no fewer', () => {
		expect(sdkOperations.length).toBeGreaterThanOrEqual(45);
		expect(sdkOperations.map(({operation}) => operation)).toEqual(Object.keys(kinesisActions).sort());
	});

	it('are each answered, never as UnknownOperationException', async () => {
		const answers: Record<string, string> = {};
		for (const {operation, Command} of sdkOperations) {
			try {
				// An empty request: enough to reach the operation, which then answers or names what is missing.
				await harness.client.send(new Command({}) as never);
				answers[operation] = 'ok';
			} catch (error) {
				answers[operation] = (error as Error).name;
			}
		}
		const unknown = Object.entries(answers).filter(([, answer]) => answer === 'UnknownOperationException');
		expect(unknown).toEqual([]);
		expect(Object.keys(answers)).toHaveLength(sdkOperations.length);
	});
});
