import {CloudWatchServiceException} from '@aws-sdk/client-cloudwatch';
import {
	AccessDeniedException,
	KinesisServiceException,
	KMSAccessDeniedException,
	LimitExceededException,
	ProvisionedThroughputExceededException,
	ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import {CredentialsProviderError, TokenProviderError} from '@smithy/core/config';
import {describe, expect, it} from 'vitest';
import type {ConnectionTarget} from '../../source/console/connect.js';
import {
	ConsoleError,
	EXIT_CODES,
	EXIT_DECLINED,
	type FailureContext,
	formatFailure,
	redact,
	toFailure,
} from '../../source/console/failures.js';
import {expectNoSecrets, isolateAwsEnvironment, SECRETS, useEnvCredentials} from './awsEnv.js';

const aws = isolateAwsEnvironment();

const metadata = {httpStatusCode: 400, requestId: 'c63f5b8c-c4f9-ce47-9950-1ee7364f442a'};

const awsTarget: ConnectionTarget = {
	kind: 'aws',
	region: 'eu-west-1',
	profile: 'ops',
	endpoint: 'https://kinesis.eu-west-1.amazonaws.com',
	endpoints: {
		kinesis: 'https://kinesis.eu-west-1.amazonaws.com',
		cloudwatch: 'https://monitoring.eu-west-1.amazonaws.com',
		dynamodb: 'https://dynamodb.eu-west-1.amazonaws.com',
	},
};

async function failure(error: unknown, context: FailureContext = {}) {
	const result = await toFailure(error, context);
	expectNoSecrets(result);
	expect(result.exitCode).toBe(EXIT_CODES[result.kind]);
	return result;
}

/** An SDK service error as the client deserialises one the model does not name. */
function serviceError(name: string, message: string): KinesisServiceException {
	return new KinesisServiceException({name, $fault: 'client', $metadata: metadata, message});
}

describe('exit codes', () => {
	it('are distinct for every kind, and none is 0 or 2', () => {
		const codes = Object.values(EXIT_CODES);
		expect(new Set(codes).size).toBe(codes.length);
		expect(codes).not.toContain(0);
		expect(codes).not.toContain(2);
		// A change declined at its question is neither a success nor any failure.
		expect([0, 1, 2, 130, ...codes]).not.toContain(EXIT_DECLINED);
	});
});

describe('credentials', () => {
	it('explains the default chain running dry', async () => {
		const result = await failure(new CredentialsProviderError('Could not load credentials from any providers', {tryNextLink: false}));
		expect(result.kind).toBe('no-credentials');
		expect(result.message).toContain('AWS_ACCESS_KEY_ID');
		expect(result.message).toContain(aws.files.credentials);
		expect(result.hint).toContain('aws configure');
		expect(result.hint).toContain('--profile');
	});

	it('names the profile and keeps what the SDK said about it', async () => {
		const result = await failure(
			new CredentialsProviderError('Profile ops requires multi-factor authentication, but no MFA code callback was provided.'),
			{target: awsTarget},
		);
		expect(result.kind).toBe('no-credentials');
		expect(result.message).toContain("profile 'ops'");
		expect(result.message).toContain('skipped: a profile is chosen');
		expect(result.message).toContain('multi-factor authentication');
		expect(result.hint).toContain('aws configure --profile ops');
	});

	it('recognises an expired SSO session, from the credential and the token providers', async () => {
		const errors = [
			new CredentialsProviderError(
				'The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.',
				{tryNextLink: false},
			),
			new CredentialsProviderError(
				'The SSO session associated with this profile is invalid. To refresh this SSO session run aws sso login with the corresponding profile.',
				{tryNextLink: false},
			),
			new TokenProviderError("Token is expired. To refresh this SSO session run 'aws sso login' with the corresponding profile.", false),
			new TokenProviderError(
				"The SSO session token associated with profile=ops was not found or is invalid. To refresh this SSO session run 'aws sso login' with the corresponding profile.",
				false,
			),
			// GetRoleCredentials refusing a revoked token, wrapped by the SSO provider.
			new CredentialsProviderError('UnauthorizedException: Session token not found or invalid', {tryNextLink: false}),
		];
		for (const error of errors) {
			const result = await failure(error, {target: awsTarget});
			expect(result.kind).toBe('sso-expired');
			expect(result.message).toContain("'ops'");
			expect(result.hint).toBe('Run `aws sso login --profile ops` to renew it, then try again.');
		}
	});

	it('takes the SSO profile from AWS_PROFILE when there is no target', async () => {
		process.env.AWS_PROFILE = 'dev-sso';
		const result = await failure(
			new CredentialsProviderError(
				'The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.',
			),
		);
		expect(result.hint).toContain('aws sso login --profile dev-sso');
	});

	it('recognises an expired session token', async () => {
		useEnvCredentials();
		process.env.AWS_SESSION_TOKEN = SECRETS.envSessionToken;
		const result = await failure(serviceError('ExpiredTokenException', 'The security token included in the request is expired'));
		expect(result.kind).toBe('expired-token');
		expect(result.message).toContain('AWS_SESSION_TOKEN');
		const fromQuery = await failure(
			new CloudWatchServiceException({
				name: 'ExpiredToken',
				$fault: 'client',
				$metadata: metadata,
				message: 'The security token included in the request is expired',
			}),
			{target: awsTarget, service: 'cloudwatch'},
		);
		expect(fromQuery.kind).toBe('expired-token');
		expect(fromQuery.hint).toContain('aws sso login --profile ops');
	});

	it('recognises credentials that AWS does not accept', async () => {
		const unknownKey = await failure(
			serviceError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
			{target: awsTarget},
		);
		expect(unknownKey.kind).toBe('invalid-credentials');
		expect(unknownKey.hint).toContain('aws sts get-caller-identity --profile ops');
		const badSecret = await failure(
			serviceError(
				'InvalidSignatureException',
				'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
			),
		);
		expect(badSecret.kind).toBe('invalid-credentials');
		expect(badSecret.message).toContain('secret access key');
	});
});

describe('access denied', () => {
	it('names the missing action and the resource from the message', async () => {
		const error = new AccessDeniedException({
			message:
				'User: arn:aws:sts::123456789012:assumed-role/Ops/alice is not authorized to perform: kinesis:ListShards on resource: arn:aws:kinesis:eu-west-1:123456789012:stream/orders because no identity-based policy allows the kinesis:ListShards action',
			$metadata: metadata,
		});
		const result = await failure(error, {target: awsTarget});
		expect(result.kind).toBe('access-denied');
		expect(result.exitCode).toBe(EXIT_CODES['access-denied']);
		expect(result.message).toContain('kinesis:ListShards');
		expect(result.message).toContain('arn:aws:kinesis:eu-west-1:123456789012:stream/orders');
		expect(result.message).toContain("profile 'ops'");
		expect(result.hint).toContain('kinesis:ListShards');
	});

	it("reads the query protocol's AccessDenied, and an explicit deny", async () => {
		const error = new CloudWatchServiceException({
			name: 'AccessDenied',
			$fault: 'client',
			$metadata: metadata,
			message:
				'User: arn:aws:iam::123456789012:user/bob is not authorized to perform: cloudwatch:GetMetricData with an explicit deny in an identity-based policy',
		});
		const result = await failure(error, {service: 'cloudwatch'});
		expect(result.kind).toBe('access-denied');
		expect(result.message).toContain('cloudwatch:GetMetricData');
		expect(result.message).toContain('explicit deny');
	});

	it('falls back to the operation the caller names', async () => {
		const result = await failure(serviceError('AccessDeniedException', 'Access denied'), {service: 'dynamodb', operation: 'Scan'});
		expect(result.kind).toBe('access-denied');
		expect(result.message).toContain('dynamodb:Scan');
	});

	it('tells a KMS refusal apart', async () => {
		const error = new KMSAccessDeniedException({
			message: 'The ciphertext refers to a customer master key that does not exist or that you do not have access to.',
			$metadata: metadata,
		});
		const result = await failure(error);
		expect(result.kind).toBe('access-denied');
		expect(result.message).toContain('KMS');
		expect(result.hint).toContain('kms:Decrypt');
	});
});

describe('not found', () => {
	const notFound = () =>
		new ResourceNotFoundException({message: 'Stream ordres under account 123456789012 not found.', $metadata: metadata});

	it('says where it looked and lists the streams there', async () => {
		const result = await failure(notFound(), {target: awsTarget, listStreams: async () => ['orders', 'payments']});
		expect(result.kind).toBe('not-found');
		expect(result.message).toBe(
			"The stream 'ordres' was not found in eu-west-1 at https://kinesis.eu-west-1.amazonaws.com, profile 'ops'.",
		);
		expect(result.hint).toBe('Streams there: orders, payments.');
	});

	it('shortens a long list, and copes with none and with a listing that fails', async () => {
		const many = Array.from({length: 25}, (_, index) => `stream-${index}`);
		expect((await failure(notFound(), {target: awsTarget, listStreams: async () => many})).hint).toContain('and 5 more');
		expect((await failure(notFound(), {target: awsTarget, listStreams: async () => []})).hint).toContain('no streams');
		const failed = await failure(notFound(), {
			target: awsTarget,
			listStreams: async () => {
				throw new Error('denied');
			},
		});
		expect(failed.kind).toBe('not-found');
		expect(failed.hint).toContain('could not be listed');
	});

	it('speaks of tables for DynamoDB', async () => {
		const result = await failure(serviceError('ResourceNotFoundException', 'Requested resource not found'), {
			target: awsTarget,
			service: 'dynamodb',
			tableName: 'orders-app',
		});
		expect(result.message).toContain("table 'orders-app'");
		expect(result.message).toContain('https://dynamodb.eu-west-1.amazonaws.com');
	});
});

describe('throttling', () => {
	it('names the shard that is over its throughput', async () => {
		const error = new ProvisionedThroughputExceededException({
			message: 'Rate exceeded for shard shardId-000000000001 in stream orders under account 123456789012.',
			$metadata: metadata,
		});
		const result = await failure(error);
		expect(result.kind).toBe('throttled');
		expect(result.message).toContain('shardId-000000000001');
		expect(result.hint).toContain('split');
	});

	it('covers control-plane limits and account quotas', async () => {
		const rate = await failure(
			new LimitExceededException({message: 'Rate exceeded for stream orders under account 123456789012.', $metadata: metadata}),
		);
		expect(rate.kind).toBe('throttled');
		const quota = await failure(
			new LimitExceededException({
				message: 'This request would exceed the shard limit for the account 123456789012 in us-east-1.',
				$metadata: metadata,
			}),
		);
		expect(quota.kind).toBe('throttled');
		expect(quota.hint).toContain('Service Quotas');
		expect((await failure(serviceError('ThrottlingException', 'Rate exceeded'), {service: 'cloudwatch'})).kind).toBe('throttled');
	});
});

describe('unreachable', () => {
	it("reads Node's network errors, wrapped or aggregated", async () => {
		const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4567'), {
			code: 'ECONNREFUSED',
			address: '127.0.0.1',
			port: 4567,
		});
		expect((await failure(refused)).message).toBe('Cannot reach the Kinesis endpoint 127.0.0.1:4567: the connection was refused.');
		const wrapped = new Error('The pending stream has been canceled', {cause: refused});
		expect((await failure(wrapped, {target: awsTarget})).message).toContain('https://kinesis.eu-west-1.amazonaws.com');
		const aggregated = Object.assign(
			new AggregateError(
				[Object.assign(new Error('connect ECONNREFUSED ::1:4567'), {code: 'ECONNREFUSED', address: '::1', port: 4567})],
				'',
			),
			{code: 'ECONNREFUSED'},
		);
		expect((await failure(aggregated)).kind).toBe('unreachable');
		const dns = Object.assign(new Error('getaddrinfo ENOTFOUND kinesis.nowhere.example'), {
			code: 'ENOTFOUND',
			hostname: 'kinesis.nowhere.example',
		});
		expect((await failure(dns)).message).toContain('kinesis.nowhere.example: the host name was not found');
	});

	it('names the endpoint variable of the service that could not be reached', async () => {
		const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9001'), {code: 'ECONNREFUSED'});
		const endpointTarget: ConnectionTarget = {...awsTarget, kind: 'endpoint', endpoint: 'http://127.0.0.1:4567'};
		expect((await failure(refused, {target: endpointTarget, service: 'lambda'})).hint).toBe(
			"Check that the emulator or proxy is running there, and the endpoint (--endpoint-url, AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, or the profile's endpoint_url).",
		);
		expect((await failure(refused, {target: endpointTarget})).hint).toContain('AWS_ENDPOINT_URL_KINESIS,');
	});

	it("treats the SDK's timeouts as unreachable", async () => {
		const timeout = Object.assign(
			new Error(
				'@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.',
			),
			{name: 'TimeoutError'},
		);
		const result = await failure(timeout, {target: awsTarget, service: 'cloudwatch'});
		expect(result.kind).toBe('unreachable');
		expect(result.message).toBe('Cannot reach the CloudWatch endpoint https://monitoring.eu-west-1.amazonaws.com: the request timed out.');
		expect(result.hint).toContain('--region');
	});
});

describe('everything else', () => {
	it("passes the console's own failures through", async () => {
		const result = await failure(new ConsoleError({kind: 'configuration', message: 'No AWS region is set.', hint: 'Pass --region.'}));
		expect(result).toEqual({
			kind: 'configuration',
			message: 'No AWS region is set.',
			hint: 'Pass --region.',
			exitCode: EXIT_CODES.configuration,
		});
		expect(formatFailure(result)).toBe('No AWS region is set.\nPass --region.');
	});

	it("falls back to the error's own words, with the request id", async () => {
		const result = await failure(serviceError('InvalidArgumentException', 'ShardCount must be positive.'), {target: awsTarget});
		expect(result.kind).toBe('unexpected');
		expect(result.exitCode).toBe(1);
		expect(result.message).toContain('InvalidArgumentException: ShardCount must be positive.');
		expect(result.hint).toContain(metadata.requestId);
		expect((await failure('a thrown string')).message).toContain('a thrown string');
		expect((await failure(undefined)).kind).toBe('unexpected');
	});
});

describe('secrets', () => {
	it('never repeats the credentials of the environment or the shared files, whatever the error says', async () => {
		useEnvCredentials();
		process.env.AWS_SESSION_TOKEN = SECRETS.envSessionToken;
		aws.files.write({
			credentials: `[ops]\naws_access_key_id = ${SECRETS.profileKeyId}\naws_secret_access_key = ${SECRETS.profileSecret}\n`,
		});
		const leaky = [
			new Error(`credential_process printed {"AccessKeyId": "${SECRETS.profileKeyId}", "SecretAccessKey": "${SECRETS.profileSecret}"}`),
			new CredentialsProviderError(`Profile ops credential_process returned ${SECRETS.profileSecret} which is not JSON`),
			serviceError(
				'InvalidSignatureException',
				`The Canonical String was ... Credential=${SECRETS.envKeyId}/20240101/us-east-1/kinesis ${SECRETS.envSecret}`,
			),
			new ResourceNotFoundException({message: `Stream ${SECRETS.envSessionToken} under account 1 not found.`, $metadata: metadata}),
			Object.assign(new Error(`connect ECONNREFUSED http://bob:${SECRETS.envSecret}@10.0.0.1:4567`), {code: 'ECONNREFUSED'}),
		];
		for (const error of leaky) await failure(error, {target: awsTarget, listStreams: async () => [SECRETS.envSecret]});
	});

	it('redacts key ids, keyed values, signatures and URL user info from any text', () => {
		const text = redact(
			`AKIAIOSFODNN7EXAMPLE aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY X-Amz-Security-Token=FQoGZXIvYXdz https://user:pa55@host/ "sessionToken":"abc123def456"`,
		);
		expect(text).not.toMatch(/AKIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI|FQoGZXIvYXdz|pa55|abc123def456/);
		expect(redact(`the secret ${SECRETS.envSecret}.`, [SECRETS.envSecret])).toBe('the secret ****.');
	});
});
