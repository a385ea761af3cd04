import {setTimeout as sleep} from 'node:timers/promises';
import {describe, expect, it} from 'vitest';
import {dispatch, releaseInput, type Service} from '../../source/engine/protocol/dispatch.js';
import {ServiceError} from '../../source/engine/protocol/errors.js';
import {signedHeaders} from './support.js';

/**
 * A fast reader's input in lent memory (PutRecords' decoded data, protocol/dispatch.ts LentInput): given
 * back exactly once, and only once its action has settled, however the request ends.
 */
describe('an input read into lent memory', () => {
	function serviceRecording(events: string[], refuse = false): Service {
		const lentReader = () => ({[releaseInput]: () => events.push('released')});
		const slowly = async (outcome: 'answer' | 'throw') => {
			events.push('run');
			await sleep(20);
			events.push('settled');
			if (outcome === 'throw') throw new ServiceError('InvalidArgumentException', 'no', 400);
			return {};
		};
		return {
			name: 'Test',
			targetPrefix: 'Test_1',
			actions: {
				Answer: {schema: {}, readJson: lentReader, run: () => slowly('answer')},
				Throw: {schema: {}, readJson: lentReader, run: () => slowly('throw')},
			},
			contextFor: () => ({}),
			...(refuse ? {admit: () => new ServiceError('LimitExceededException', 'Rate exceeded', 400)} : {}),
		};
	}
	const request = (action: string) => ({
		method: 'POST',
		headers: {...signedHeaders(), 'x-amz-target': `Test_1.${action}`},
		body: Buffer.from('{}'),
	});

	it('is given back once its action has settled, answered or failed, and once only', async () => {
		for (const action of ['Answer', 'Throw']) {
			const events: string[] = [];
			const answer = await dispatch([serviceRecording(events)], 'us-east-1', request(action));
			expect({action, status: answer.status, events}).toEqual({
				action,
				status: action === 'Answer' ? 200 : 400,
				events: ['run', 'settled', 'released'],
			});
		}
	});

	it('is given back when the request is refused before its action runs', async () => {
		const events: string[] = [];
		const answer = await dispatch([serviceRecording(events, true)], 'us-east-1', request('Answer'));
		expect({status: answer.status, events}).toEqual({status: 400, events: ['released']});
	});
});
