import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {startEngine} from '../helpers/engine.js';

const run = promisify(execFile);

/** The AWS CLI's kinesis commands, isolated from any real configuration on the machine. */
const aws = (engine: Engine, ...args: string[]) => awsService(engine, 'kinesis', ...args);

/** The AWS CLI's commands of a service, isolated from any real configuration on the machine. */
async function awsService(engine: Engine, service: string, ...args: string[]): Promise<{stdout: string; stderr: string; code: number}> {
	const env = {
		PATH: process.env.PATH ?? '',
		HOME: process.env.HOME ?? '/tmp',
		AWS_ACCESS_KEY_ID: 'AKIDAWSCLITEST',
		AWS_SECRET_ACCESS_KEY: 'aws-cli-test-secret',
		AWS_DEFAULT_REGION: 'eu-west-1',
		AWS_CONFIG_FILE: '/nonexistent/config',
		AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
		AWS_EC2_METADATA_DISABLED: 'true',
		AWS_PAGER: '',
	};
	try {
		const {stdout, stderr} = await run('aws', ['--endpoint-url', engine.url, '--output', 'json', service, ...args], {env});
		return {stdout, stderr, code: 0};
	} catch (error) {
		const failed = error as {stdout?: string; stderr?: string; code?: number | string};
		if (failed.code === 'ENOENT') throw new Error('the AWS CLI (aws) is not installed: .ci/run installs it');
		return {stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: Number(failed.code ?? 1)};
	}
}

describe('the AWS CLI against the engine (HTTP/1.1, JSON 1.1)', () => {
	let engine: Engine;
	let major = 1;
	beforeAll(async () => {
		engine = await startEngine();
		const {stdout, stderr} = await run('aws', ['--version']);
		major = Number(/aws-cli\/(\d+)/.exec(stdout + stderr)?.[1] ?? 1);
	});
	afterAll(() => engine.close());

	it('creates a stream, writes a record and reads it back', async () => {
		expect((await aws(engine, 'create-stream', '--stream-name', 'cli-stream', '--shard-count', '2')).code).toBe(0);
		const summary = JSON.parse((await aws(engine, 'describe-stream-summary', '--stream-name', 'cli-stream')).stdout);
		expect(summary.StreamDescriptionSummary).toMatchObject({
			StreamName: 'cli-stream',
			StreamARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/cli-stream',
			OpenShardCount: 2,
		});

		// CLI v2 reads --data as base64 by default; v1 sends the text as is.
		const put = JSON.parse(
			(await aws(engine, 'put-record', '--stream-name', 'cli-stream', '--partition-key', 'a', '--data', 'aGVsbG8=')).stdout,
		);
		expect(put.ShardId).toBe('shardId-000000000000');
		const iterator = JSON.parse(
			(
				await aws(
					engine,
					'get-shard-iterator',
					'--stream-name',
					'cli-stream',
					'--shard-id',
					put.ShardId,
					'--shard-iterator-type',
					'AT_SEQUENCE_NUMBER',
					'--starting-sequence-number',
					put.SequenceNumber,
				)
			).stdout,
		);
		const records = JSON.parse((await aws(engine, 'get-records', '--shard-iterator', iterator.ShardIterator)).stdout);
		expect(records.Records).toHaveLength(1);
		expect(records.Records[0]).toMatchObject({SequenceNumber: put.SequenceNumber, PartitionKey: 'a'});
		expect(Buffer.from(records.Records[0].Data, 'base64').toString()).toBe(major >= 2 ? 'hello' : 'aGVsbG8=');

		const list = JSON.parse((await aws(engine, 'list-streams')).stdout);
		expect(list.StreamNames).toEqual(['cli-stream']);
	});

	it('shows AWS errors as the CLI shows them for AWS', async () => {
		const missing = await aws(engine, 'describe-stream', '--stream-name', 'absent');
		expect(missing.code).not.toBe(0);
		expect(missing.stderr).toContain(
			'An error occurred (ResourceNotFoundException) when calling the DescribeStream operation: Stream absent under account 000000000000 not found.',
		);
	});

	it("creates, describes and lists a Firehose delivery stream reading a stream, and shows Firehose's errors", async () => {
		expect((await aws(engine, 'create-stream', '--stream-name', 'cli-source', '--shard-count', '1')).code).toBe(0);
		const role = 'arn:aws:iam::000000000000:role/firehose-reader';
		const created = await awsService(
			engine,
			'firehose',
			'create-delivery-stream',
			'--delivery-stream-name',
			'cli-archive',
			'--delivery-stream-type',
			'KinesisStreamAsSource',
			'--kinesis-stream-source-configuration',
			`KinesisStreamARN=arn:aws:kinesis:eu-west-1:000000000000:stream/cli-source,RoleARN=${role}`,
			'--extended-s3-destination-configuration',
			`RoleARN=${role},BucketARN=arn:aws:s3:::cli-archive`,
		);
		expect(created.code, created.stderr).toBe(0);
		expect(JSON.parse(created.stdout).DeliveryStreamARN).toBe('arn:aws:firehose:eu-west-1:000000000000:deliverystream/cli-archive');
		const described = JSON.parse(
			(await awsService(engine, 'firehose', 'describe-delivery-stream', '--delivery-stream-name', 'cli-archive')).stdout,
		);
		expect(described.DeliveryStreamDescription.Source.KinesisStreamSourceDescription).toMatchObject({
			KinesisStreamARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/cli-source',
			RoleARN: role,
		});
		const listed = JSON.parse((await awsService(engine, 'firehose', 'list-delivery-streams')).stdout);
		expect(listed).toEqual({DeliveryStreamNames: ['cli-archive'], HasMoreDeliveryStreams: false});
		const missing = await awsService(engine, 'firehose', 'describe-delivery-stream', '--delivery-stream-name', 'absent');
		expect(missing.stderr).toContain(
			'An error occurred (ResourceNotFoundException) when calling the DescribeDeliveryStream operation: Firehose absent under account 000000000000 not found.',
		);
	});
});
