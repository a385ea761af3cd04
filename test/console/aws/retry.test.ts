import {LimitExceededException, ProvisionedThroughputExceededException, ResourceNotFoundException} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {backoffDelay, MAX_SKEW_RETRIES, retry, RetrySchedule, sleep, type RetryReport} from '../../../source/console/aws/retry.js';
import {GaveUpError} from '../../../source/console/failures.js';

const throttled = () =>
	new ProvisionedThroughputExceededException({message: 'Rate exceeded for shard shardId-000000000000', $metadata: {httpStatusCode: 400}});
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {code: 'ECONNREFUSED'});
const notFound = () =>
	new ResourceNotFoundException({message: 'Stream orders under account 123456789012 not found.', $metadata: {httpStatusCode: 400}});

/** A call that fails with the given errors in turn, then answers 'ok'; counts its calls. */
function failing(...errors: unknown[]) {
	const state = {calls: 0};
	const call = async () => {
		const error = errors[state.calls++];
		if (error !== undefined) throw error;
		return 'ok';
	};
	return {state, call};
}

describe('backoffDelay', () => {
	it('draws up to base * 2^attempt (full jitter), never past the cap', () => {
		expect(backoffDelay(0, 100, 5_000, () => 0)).toBe(0);
		expect(backoffDelay(0, 100, 5_000, () => 0.999_999)).toBe(100);
		expect(backoffDelay(3, 100, 5_000, () => 0.5)).toBe(400);
		expect(backoffDelay(10, 100, 5_000, () => 0.999_999)).toBe(5_000);
		expect(backoffDelay(60, 100, 5_000, () => 0.5)).toBe(2_500);
	});

	it('spreads its draws over the whole range with the real random source', () => {
		const draws = Array.from({length: 2_000}, () => backoffDelay(4, 100, 10_000));
		expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
		expect(Math.max(...draws)).toBeLessThanOrEqual(1_600);
		// Full jitter: as many draws below the middle as above it, give or take.
		const low = draws.filter((delay) => delay < 800).length;
		expect(low).toBeGreaterThan(800);
		expect(low).toBeLessThan(1_200);
	});
});

describe('retry', () => {
	it('retries throttling and dropped connections, reporting each retry once in one shape', async () => {
		const reports: RetryReport[] = [];
		const first = throttled();
		const second = refused();
		const {state, call} = failing(first, second);
		const result = await retry('PutRecords', call, {baseMs: 1, random: () => 1, onRetry: (report) => void reports.push(report)});
		expect(result).toBe('ok');
		expect(state.calls).toBe(3);
		expect(reports).toEqual([
			{operation: 'PutRecords', kind: 'throttling', attempt: 1, delayMs: 1, error: first, reason: expect.stringContaining('Rate exceeded')},
			{
				operation: 'PutRecords',
				kind: 'transient',
				attempt: 2,
				delayMs: 2,
				error: second,
				reason: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
			},
		]);
	});

	it('throws a final failure at once, and a quota named by LimitExceededException', async () => {
		const gone = notFound();
		const missing = failing(gone);
		await expect(retry('ListShards', missing.call, {baseMs: 1})).rejects.toBe(gone);
		expect(missing.state.calls).toBe(1);
		const quota = new LimitExceededException({
			message: 'This request would exceed the shard limit for the account 1 in us-east-1.',
			$metadata: {},
		});
		const limited = failing(quota);
		await expect(retry('UpdateShardCount', limited.call, {baseMs: 1})).rejects.toBe(quota);
		expect(limited.state.calls).toBe(1);
	});

	it('gives up with the last error after maxRetries retries', async () => {
		const errors = [throttled(), throttled(), throttled(), throttled()];
		const {state, call} = failing(...errors);
		await expect(retry('GetRecords', call, {baseMs: 1, maxRetries: 2})).rejects.toBe(errors[2]);
		expect(state.calls).toBe(3);
	});

	it('keeps every wait within [minDelayMs, capMs]', async () => {
		const reports: RetryReport[] = [];
		const {call} = failing(...Array.from({length: 8}, throttled));
		await retry('GetRecords', call, {baseMs: 1, capMs: 20, minDelayMs: 3, random: () => 1, onRetry: (report) => void reports.push(report)});
		expect(reports.map((report) => report.delayMs)).toEqual([3, 3, 4, 8, 16, 20, 20, 20]);
	});

	it('stops waiting when the signal aborts, with its reason', async () => {
		const controller = new AbortController();
		const {state, call} = failing(throttled(), throttled());
		const started = Date.now();
		const running = retry('GetRecords', call, {baseMs: 60_000, minDelayMs: 60_000, signal: controller.signal});
		setTimeout(() => controller.abort(new Error('stopped by the user')), 20);
		await expect(running).rejects.toThrow('stopped by the user');
		expect(Date.now() - started).toBeLessThan(5_000);
		expect(state.calls).toBe(1);
	});

	it('does not retry a call that failed because the signal aborted', async () => {
		const controller = new AbortController();
		controller.abort();
		const {state, call} = failing(refused());
		await expect(retry('GetRecords', call, {signal: controller.signal})).rejects.toMatchObject({code: 'ECONNREFUSED'});
		expect(state.calls).toBe(1);
	});
});

describe('RetrySchedule', () => {
	it('gives up on a streak of failures past the deadline with a GaveUpError, cutting the last wait to end near it', () => {
		let now = 0;
		const schedule = new RetrySchedule('ListShards', {
			deadline: {ms: 10_000},
			baseMs: 4_000,
			capMs: 8_000,
			random: () => 1,
			now: () => now,
		});
		const waits: number[] = [];
		for (;;) {
			const decision = schedule.failed(refused());
			if ('giveUp' in decision) {
				expect(decision.giveUp).toBeInstanceOf(GaveUpError);
				expect(decision.giveUp).toMatchObject({attempts: 3, elapsedMs: 10_000});
				break;
			}
			waits.push(decision.retry.delayMs);
			now += decision.retry.delayMs;
		}
		// 4 s, then 6 s (not 8: the deadline is 6 s later); the third failure, at the deadline, gives up.
		expect(waits).toEqual([4_000, 6_000]);
	});

	it('counts only the failures the deadline counts: any other ends the streak', () => {
		let now = 0;
		const schedule = new RetrySchedule('GetRecords', {
			deadline: {ms: 1_000, counts: (error) => (error as {code?: string}).code === 'ECONNREFUSED'},
			now: () => now,
		});
		schedule.failed(refused());
		now = 900;
		schedule.failed(throttled());
		now = 1_800;
		expect('retry' in schedule.failed(refused())).toBe(true);
		now = 2_900;
		expect(schedule.failed(refused())).toMatchObject({giveUp: expect.objectContaining({attempts: 2, elapsedMs: 1_100})});
	});

	it('starts again from the first backoff after a success', () => {
		const schedule = new RetrySchedule('GetRecords', {baseMs: 100, random: () => 1});
		schedule.failed(throttled());
		schedule.failed(throttled());
		expect(schedule.attempt).toBe(2);
		schedule.succeeded();
		expect(schedule.failed(throttled())).toMatchObject({retry: {attempt: 1, delayMs: 100}});
	});

	it('waits for credentials one to ten seconds apart only when asked', () => {
		const expired = Object.assign(new Error('The security token included in the request is expired'), {name: 'ExpiredTokenException'});
		expect(new RetrySchedule('GetRecords').failed(expired)).toEqual({giveUp: expired});
		const waiting = new RetrySchedule('GetRecords', {waitForCredentials: true, random: () => 0});
		expect(waiting.failed(expired)).toMatchObject({retry: {kind: 'credentials', delayMs: 1_000}});
		const late = new RetrySchedule('GetRecords', {waitForCredentials: true, random: () => 1});
		const delays = Array.from({length: 6}, () => {
			const decision = late.failed(expired);
			return 'retry' in decision ? decision.retry.delayMs : undefined;
		});
		expect(delays).toEqual([2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
	});

	it('gives up on a call refused for its signing time again and again: the clock could not be corrected', () => {
		const expired = () =>
			Object.assign(new Error('Signature expired: 20261207T034500Z is now earlier than 20261207T035500Z (20261207T040000Z - 5 min.)'), {
				name: 'InvalidSignatureException',
				$metadata: {httpStatusCode: 400},
			});
		const schedule = new RetrySchedule('GetRecords', {random: () => 0});
		const decisions = Array.from({length: MAX_SKEW_RETRIES + 1}, () => ('retry' in schedule.failed(expired()) ? 'retry' : 'give up'));
		expect(decisions).toEqual([...Array.from({length: MAX_SKEW_RETRIES}, () => 'retry'), 'give up']);
		// Corrected (a call answered), or refused for something else between, the count starts again.
		const corrected = new RetrySchedule('GetRecords', {random: () => 0});
		for (let round = 0; round < 3; round++) {
			for (let attempt = 0; attempt < MAX_SKEW_RETRIES; attempt++) expect(corrected.failed(expired())).toHaveProperty('retry');
			if (round === 0) corrected.succeeded();
			else expect(corrected.failed(throttled())).toHaveProperty('retry');
		}
	});

	it('lets a caller call a failure of its own retryable, and wait longer for it', () => {
		const inUse = Object.assign(new Error('Another active subscription exists for this consumer'), {name: 'ResourceInUseException'});
		const schedule = new RetrySchedule('SubscribeToShard', {classify: () => 'transient', random: () => 1});
		expect(schedule.failed(inUse, {baseMs: 1_000})).toMatchObject({retry: {kind: 'transient', delayMs: 1_000}});
	});
});

describe('sleep', () => {
	it('ends at once when the signal aborts', async () => {
		const controller = new AbortController();
		const started = Date.now();
		setTimeout(() => controller.abort(), 10);
		await sleep(60_000, controller.signal);
		expect(Date.now() - started).toBeLessThan(5_000);
	});
});
