import {
	DeleteResourcePolicyCommand,
	GetResourcePolicyCommand,
	PutResourcePolicyCommand,
	RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {ACCOUNT, arnOf, createStream, expectError, uniqueName, useEngine} from './support.js';

const policyFor = (resource: string, action = 'kinesis:GetRecords') =>
	JSON.stringify({
		Version: '2012-10-17',
		Statement: [{Effect: 'Allow', Principal: {AWS: 'arn:aws:iam::111122223333:root'}, Action: action, Resource: resource}],
	});

describe('resource policies', () => {
	const harness = useEngine('http2');
	const get = async (ResourceARN: string) => (await harness.client.send(new GetResourcePolicyCommand({ResourceARN}))).Policy;
	const put = (ResourceARN: string, Policy: string) => harness.client.send(new PutResourcePolicyCommand({ResourceARN, Policy}));

	it('keeps a policy on a stream and another on its consumer, returns them as given, and deletes them', async () => {
		const name = uniqueName('policies');
		await createStream(harness.client, name);
		const streamArn = arnOf(name);
		const {Consumer} = await harness.client.send(new RegisterStreamConsumerCommand({StreamARN: streamArn, ConsumerName: 'reader'}));
		const consumerArn = Consumer?.ConsumerARN ?? '';
		expect(await get(streamArn)).toBe('{}');

		// Whitespace and member order are kept: the document is stored as text.
		const streamPolicy = `{ "Statement": ${JSON.stringify(JSON.parse(policyFor(streamArn)).Statement)},  "Version": "2012-10-17" }`;
		await put(streamArn, streamPolicy);
		const consumerPolicy = policyFor(consumerArn, 'kinesis:SubscribeToShard');
		await put(consumerArn, consumerPolicy);
		expect(await get(streamArn)).toBe(streamPolicy);
		expect(await get(consumerArn)).toBe(consumerPolicy);

		const replaced = policyFor(streamArn, 'kinesis:DescribeStreamSummary');
		await put(streamArn, replaced);
		expect(await get(streamArn)).toBe(replaced);

		await harness.client.send(new DeleteResourcePolicyCommand({ResourceARN: streamArn}));
		expect(await get(streamArn)).toBe('{}');
		expect(await get(consumerArn)).toBe(consumerPolicy);
		await harness.client.send(new DeleteResourcePolicyCommand({ResourceARN: consumerArn}));
		expect(await get(consumerArn)).toBe('{}');
		await expectError(
			harness.client.send(new DeleteResourcePolicyCommand({ResourceARN: consumerArn})),
			'ResourceNotFoundException',
			`No resource policy found for resource ARN ${consumerArn}`,
		);
	});

	it('refuses documents that are not JSON objects with a Statement, or over 20 KB', async () => {
		const name = uniqueName('policy-checks');
		await createStream(harness.client, name);
		const arn = arnOf(name);
		await expectError(put(arn, '{"Statement": ['), 'InvalidArgumentException', 'Policy document is not valid JSON.');
		await expectError(put(arn, '[]'), 'InvalidArgumentException', 'Policy document must be a JSON object with a Statement.');
		await expectError(
			put(arn, '{"Version": "2012-10-17"}'),
			'InvalidArgumentException',
			'Policy document must be a JSON object with a Statement.',
		);
		const padded = `{"Statement": [], "Padding": "${'x'.repeat(20 * 1024)}"}`;
		await expectError(
			put(arn, padded),
			'InvalidArgumentException',
			`Policy document of ${Buffer.byteLength(padded)} bytes exceeds the limit of 20480 bytes.`,
		);
		expect(await get(arn)).toBe('{}');
	});

	it('refuses ARNs outside the pattern and resources that do not exist', async () => {
		await expectError(
			harness.client.send(new GetResourcePolicyCommand({ResourceARN: 'arn:aws:s3:::bucket'})),
			'ValidationException',
			"1 validation error detected: Value 'arn:aws:s3:::bucket' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+",
		);
		const missing = arnOf('no-such-stream');
		await expectError(
			put(missing, policyFor(missing)),
			'ResourceNotFoundException',
			`Resource ${missing} under account ${ACCOUNT} not found.`,
		);
		const name = uniqueName('policy-consumer');
		await createStream(harness.client, name);
		const missingConsumer = `${arnOf(name)}/consumer/nobody:1700000000`;
		await expectError(
			harness.client.send(new DeleteResourcePolicyCommand({ResourceARN: missingConsumer})),
			'ResourceNotFoundException',
			`Resource ${missingConsumer} under account ${ACCOUNT} not found.`,
		);
	});
});
