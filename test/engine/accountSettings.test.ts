import {
	DescribeAccountSettingsCommand,
	type KinesisClient,
	UpdateAccountSettingsCommand,
	type UpdateAccountSettingsCommandInput,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {kinesisClient} from '../helpers/engine.js';
import {FakeClock, expectError, useEngine} from './support.js';

const DAY = 24 * 3_600_000;

const describeSettings = async (client: KinesisClient) =>
	(await client.send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment;
const setStatus = async (client: KinesisClient, Status: 'ENABLED' | 'DISABLED') =>
	(await client.send(new UpdateAccountSettingsCommand({MinimumThroughputBillingCommitment: {Status}}))).MinimumThroughputBillingCommitment;

describe('account settings', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {now: clock.now});

	it('runs the minimum throughput billing commitment through its 24-hour window, in each region on its own', async () => {
		const {client} = harness;
		expect(await describeSettings(client)).toEqual({Status: 'DISABLED'});
		const startedMs = clock.ms;
		const enabled = {Status: 'ENABLED', StartedAt: new Date(startedMs), EarliestAllowedEndAt: new Date(startedMs + DAY)};
		expect(await setStatus(client, 'ENABLED')).toEqual(enabled);
		clock.advance(60_000);
		// Enabling what is enabled changes nothing, not even the start.
		expect(await setStatus(client, 'ENABLED')).toEqual(enabled);
		expect(await describeSettings(client)).toEqual(enabled);

		// Disabling within the window schedules the end; enabling again cancels it.
		const pending = {...enabled, Status: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END'};
		expect(await setStatus(client, 'DISABLED')).toEqual(pending);
		expect(await describeSettings(client)).toEqual(pending);
		expect(await setStatus(client, 'ENABLED')).toEqual(enabled);
		expect(await setStatus(client, 'DISABLED')).toEqual(pending);

		const west = kinesisClient(harness.url, 'http2', 'us-west-2');
		try {
			expect(await describeSettings(west)).toEqual({Status: 'DISABLED'});
		} finally {
			west.destroy();
		}

		// The scheduled end comes at the earliest allowed end.
		clock.advance(DAY);
		const ended = {
			Status: 'DISABLED',
			StartedAt: new Date(startedMs),
			EndedAt: new Date(startedMs + DAY),
			EarliestAllowedEndAt: new Date(startedMs + DAY),
		};
		expect(await describeSettings(client)).toEqual(ended);
		// A new commitment starts a new window.
		expect(await setStatus(client, 'ENABLED')).toEqual({
			Status: 'ENABLED',
			StartedAt: new Date(clock.ms),
			EarliestAllowedEndAt: new Date(clock.ms + DAY),
		});
		// After the window a disable takes effect at once.
		clock.advance(DAY + 1);
		expect(await setStatus(client, 'DISABLED')).toMatchObject({Status: 'DISABLED', EndedAt: new Date(clock.ms)});
	});

	it('refuses a status outside ENABLED and DISABLED, and a missing commitment, with ValidationException', async () => {
		await expectError(
			// A value the SDK's types rule out, as a client without them could send it.
			harness.client.send(new UpdateAccountSettingsCommand({MinimumThroughputBillingCommitment: {Status: 'PAUSED' as 'ENABLED'}})),
			'ValidationException',
			"1 validation error detected: Value 'PAUSED' at 'minimumThroughputBillingCommitment.status' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]",
		);
		await expectError(
			harness.client.send(new UpdateAccountSettingsCommand({} as UpdateAccountSettingsCommandInput)),
			'ValidationException',
			"1 validation error detected: Value null at 'minimumThroughputBillingCommitment' failed to satisfy constraint: Member must not be null",
		);
	});
});
