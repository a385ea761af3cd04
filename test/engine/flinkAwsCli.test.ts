import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {startEngine} from '../helpers/engine.js';

const run = promisify(execFile);

/** The AWS CLI's kinesisanalyticsv2 commands, isolated from any real configuration on the machine. */
async function aws(engine: Engine, ...args: string[]): Promise<{stdout: string; stderr: string; code: number}> {
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
		const {stdout, stderr} = await run('aws', ['--endpoint-url', engine.url, '--output', 'json', 'kinesisanalyticsv2', ...args], {env});
		return {stdout, stderr, code: 0};
	} catch (error) {
		const failed = error as {stdout?: string; stderr?: string; code?: number | string};
		if (failed.code === 'ENOENT') throw new Error('the AWS CLI (aws) is not installed: .ci/run installs it');
		return {stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: Number(failed.code ?? 1)};
	}
}

/** Managed Flink's control plane through the AWS CLI (botocore's JSON 1.1 client, HTTP/1.1). */
describe('the AWS CLI against the engine: kinesisanalyticsv2', () => {
	let engine: Engine;

	beforeAll(async () => {
		engine = await startEngine({flinkApplicationMs: 0});
	});
	afterAll(async () => {
		await engine.close();
	});

	it('creates, lists and deletes an application, and prints AWS-style errors', async () => {
		const created = await aws(
			engine,
			'create-application',
			'--application-name',
			'cli-app',
			'--runtime-environment',
			'FLINK-1_20',
			'--service-execution-role',
			'arn:aws:iam::000000000000:role/flink',
		);
		expect(created.code, created.stderr).toBe(0);
		const detail = (JSON.parse(created.stdout) as {ApplicationDetail: {ApplicationStatus: string; CreateTimestamp: number | string}})
			.ApplicationDetail;
		expect(detail.ApplicationStatus).toBe('READY');

		const listed = await aws(engine, 'list-applications');
		expect(JSON.parse(listed.stdout)).toMatchObject({
			ApplicationSummaries: [
				{ApplicationName: 'cli-app', ApplicationARN: 'arn:aws:kinesisanalytics:eu-west-1:000000000000:application/cli-app'},
			],
		});

		const missing = await aws(engine, 'describe-application', '--application-name', 'nope');
		expect(missing.code).toBeGreaterThan(0);
		expect(missing.stderr).toContain(
			'An error occurred (ResourceNotFoundException) when calling the DescribeApplication operation: Application nope is not found in account 000000000000 in region eu-west-1.',
		);

		const deleted = await aws(
			engine,
			'delete-application',
			'--application-name',
			'cli-app',
			'--create-timestamp',
			String(detail.CreateTimestamp),
		);
		expect(deleted.code, deleted.stderr).toBe(0);
	});
});
