import {
	CreateStreamCommand,
	DescribeStreamSummaryCommand,
	UpdateAccountSettingsCommand,
	UpdateStreamModeCommand,
	UpdateStreamWarmThroughputCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, FakeClock, REGION, arnOf, createStream, expectError, uniqueName, useEngine} from './support.js';

const UPDATE_MS = 1000;
const DAY = 24 * 3_600_000;
const notOnDemand = (name: string) =>
	`Warm throughput is supported only for ON_DEMAND streams; stream ${name} under account ${ACCOUNT} is PROVISIONED.`;
const notCommitted = `Warm throughput requires MinimumThroughputBillingCommitment to be enabled for account ${ACCOUNT} in ${REGION}.`;

describe('warm throughput', () => {
	const clock = new FakeClock();
	const harness = useEngine('http2', {now: clock.now, updateStreamMs: UPDATE_MS});
	const summaryOf = async (name: string) =>
		(await harness.client.send(new DescribeStreamSummaryCommand({StreamName: name}))).StreamDescriptionSummary;
	const commit = (Status: 'ENABLED' | 'DISABLED') =>
		harness.client.send(new UpdateAccountSettingsCommand({MinimumThroughputBillingCommitment: {Status}}));
	const createOnDemand = (name: string, warm?: number) =>
		harness.client.send(
			new CreateStreamCommand({
				StreamName: name,
				StreamModeDetails: {StreamMode: 'ON_DEMAND'},
				...(warm === undefined ? {} : {WarmThroughputMiBps: warm}),
			}),
		);
	const warmUp = (name: string, mibps: number) =>
		harness.client.send(new UpdateStreamWarmThroughputCommand({StreamARN: arnOf(name), WarmThroughputMiBps: mibps}));

	it('needs the billing commitment, then scales an on-demand stream toward its target while UPDATING', async () => {
		const name = uniqueName('warm');
		await expectError(createOnDemand(name, 100), 'InvalidArgumentException', notCommitted);
		await commit('ENABLED');
		await createOnDemand(name, 100);
		expect((await summaryOf(name))?.WarmThroughput).toEqual({TargetMiBps: 100, CurrentMiBps: 100});

		const answer = await warmUp(name, 250);
		expect(answer).toMatchObject({StreamARN: arnOf(name), StreamName: name, WarmThroughput: {TargetMiBps: 250, CurrentMiBps: 100}});
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'UPDATING', WarmThroughput: {TargetMiBps: 250, CurrentMiBps: 100}});
		await expectError(
			warmUp(name, 300),
			'ResourceInUseException',
			`Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`,
		);
		clock.advance(UPDATE_MS);
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'ACTIVE', WarmThroughput: {TargetMiBps: 250, CurrentMiBps: 250}});
		// By name too, as the model allows.
		await harness.client.send(new UpdateStreamWarmThroughputCommand({StreamName: name, WarmThroughputMiBps: 50}));
		clock.advance(UPDATE_MS);
		expect((await summaryOf(name))?.WarmThroughput).toEqual({TargetMiBps: 50, CurrentMiBps: 50});
	});

	it('refuses provisioned streams, more than 10 GiBps, negative values and unknown streams', async () => {
		await commit('ENABLED');
		const provisioned = uniqueName('warm-provisioned');
		await createStream(harness.client, provisioned);
		await expectError(warmUp(provisioned, 10), 'InvalidArgumentException', notOnDemand(provisioned));
		expect(await summaryOf(provisioned)).not.toHaveProperty('WarmThroughput');
		const name = uniqueName('warm-limits');
		await createOnDemand(name);
		await expectError(
			warmUp(name, 10_241),
			'InvalidArgumentException',
			`Warm throughput of 10241 MiBps for stream ${name} exceeds the limit of 10240 MiBps.`,
		);
		await expectError(
			warmUp(name, -1),
			'ValidationException',
			"1 validation error detected: Value '-1' at 'warmThroughputMiBps' failed to satisfy constraint: Member must have value greater than or equal to 0",
		);
		await expectError(
			warmUp('no-such-stream', 10),
			'ResourceNotFoundException',
			`Stream no-such-stream under account ${ACCOUNT} not found.`,
		);
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'ACTIVE'});
		expect(await summaryOf(name)).not.toHaveProperty('WarmThroughput');
	});

	it('takes warm throughput with UpdateStreamMode only when the stream becomes on-demand, and drops it when it goes back', async () => {
		await commit('ENABLED');
		const name = uniqueName('warm-mode');
		await createStream(harness.client, name);
		await expectError(
			harness.client.send(
				new UpdateStreamModeCommand({StreamARN: arnOf(name), StreamModeDetails: {StreamMode: 'PROVISIONED'}, WarmThroughputMiBps: 20}),
			),
			'InvalidArgumentException',
			notOnDemand(name),
		);
		await harness.client.send(
			new UpdateStreamModeCommand({StreamARN: arnOf(name), StreamModeDetails: {StreamMode: 'ON_DEMAND'}, WarmThroughputMiBps: 20}),
		);
		expect(await summaryOf(name)).toMatchObject({StreamStatus: 'UPDATING', WarmThroughput: {TargetMiBps: 20, CurrentMiBps: 0}});
		clock.advance(UPDATE_MS);
		expect((await summaryOf(name))?.WarmThroughput).toEqual({TargetMiBps: 20, CurrentMiBps: 20});
		await harness.client.send(new UpdateStreamModeCommand({StreamARN: arnOf(name), StreamModeDetails: {StreamMode: 'PROVISIONED'}}));
		clock.advance(UPDATE_MS);
		expect(await summaryOf(name)).not.toHaveProperty('WarmThroughput');
	});

	it('shows warm throughput only while the account keeps its commitment', async () => {
		await commit('ENABLED');
		const name = uniqueName('warm-commitment');
		await createOnDemand(name, 40);
		expect((await summaryOf(name))?.WarmThroughput).toEqual({TargetMiBps: 40, CurrentMiBps: 40});
		await commit('DISABLED');
		clock.advance(DAY);
		expect(await summaryOf(name)).not.toHaveProperty('WarmThroughput');
		await expectError(warmUp(name, 60), 'InvalidArgumentException', notCommitted);
	});
});
