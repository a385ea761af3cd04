import {CloudWatchServiceException} from '@aws-sdk/client-cloudwatch';
import {InternalServerError, RequestLimitExceeded} from '@aws-sdk/client-dynamodb';
import {
	AccessDeniedException,
	ExpiredIteratorException,
	InternalFailureException,
	InvalidArgumentException,
	KinesisServiceException,
	KMSThrottlingException,
	LimitExceededException,
	ProvisionedThroughputExceededException,
	ResourceInUseException,
	ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import {CredentialsProviderError} from '@smithy/core/config';
import {describe, expect, it} from 'vitest';
import {describeError, errorKind, isIteratorLost, isRetryable, isUnreachable, type ErrorKind} from '../../../source/console/aws/errors.js';

const metadata = (httpStatusCode: number) => ({httpStatusCode, requestId: 'c63f5b8c-c4f9-ce47-9950-1ee7364f442a'});

/** A service error the model does not name, as the SDK deserialises it (its code in `name`). */
const kinesisError = (name: string, message: string, status = 400, fault: 'client' | 'server' = 'client') =>
	new KinesisServiceException({name, $fault: fault, $metadata: metadata(status), message});

/** Node's errors for a failed connection: a code, and the address. */
const nodeError = (code: string, message: string) => Object.assign(new Error(message), {code, syscall: 'connect'});

const table: ReadonlyArray<readonly [string, unknown, ErrorKind]> = [
	// Throttling.
	[
		'ProvisionedThroughputExceededException',
		new ProvisionedThroughputExceededException({
			message: 'Rate exceeded for shard shardId-000000000001 in stream orders under account 123456789012.',
			$metadata: metadata(400),
		}),
		'throttling',
	],
	[
		'LimitExceededException naming a rate',
		new LimitExceededException({message: 'Rate exceeded for stream orders under account 123456789012.', $metadata: metadata(400)}),
		'throttling',
	],
	[
		'LimitExceededException naming a rate for the account',
		new LimitExceededException({message: 'Rate exceeded for account 123456789012.', $metadata: metadata(400)}),
		'throttling',
	],
	['KMSThrottlingException', new KMSThrottlingException({message: 'Rate exceeded', $metadata: metadata(400)}), 'throttling'],
	[
		'ThrottlingException (CloudWatch)',
		new CloudWatchServiceException({name: 'Throttling', $fault: 'client', $metadata: metadata(400), message: 'Rate exceeded'}),
		'throttling',
	],
	['TooManyRequestsException', kinesisError('TooManyRequestsException', 'Too many requests'), 'throttling'],
	[
		'RequestLimitExceeded (DynamoDB)',
		new RequestLimitExceeded({message: 'Throughput exceeds the current throughput limit for your account.', $metadata: metadata(400)}),
		'throttling',
	],
	['HTTP 429 with no known name', kinesisError('UnknownError', '', 429), 'throttling'],
	// Transient.
	['InternalFailure', kinesisError('InternalFailure', 'Internal service failure.', 500, 'server'), 'transient'],
	['InternalFailureException', new InternalFailureException({message: 'Internal failure', $metadata: metadata(500)}), 'transient'],
	['InternalServerError (DynamoDB)', new InternalServerError({message: 'Internal server error', $metadata: metadata(500)}), 'transient'],
	['ServiceUnavailable', kinesisError('ServiceUnavailable', 'Service Unavailable', 503, 'server'), 'transient'],
	['any 5xx', kinesisError('UnknownError', 'Bad Gateway', 502, 'server'), 'transient'],
	['ECONNREFUSED', nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), 'transient'],
	['ECONNRESET', nodeError('ECONNRESET', 'read ECONNRESET'), 'transient'],
	['ETIMEDOUT', nodeError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443'), 'transient'],
	['EPIPE', nodeError('EPIPE', 'write EPIPE'), 'transient'],
	[
		'EAI_AGAIN (a lookup that could not be made for now)',
		nodeError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN kinesis.eu-west-1.amazonaws.com'),
		'transient',
	],
	['socket hang up (no code)', new Error('socket hang up'), 'transient'],
	[
		'a refused connection wrapped by the SDK',
		new Error('The pending stream has been canceled', {cause: nodeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:9')}),
		'transient',
	],
	[
		'a refused connection in an AggregateError',
		new AggregateError([nodeError('ECONNREFUSED', 'connect ECONNREFUSED ::1:9')], ''),
		'transient',
	],
	['TimeoutError', Object.assign(new Error('socket did not establish a connection within 5000 ms'), {name: 'TimeoutError'}), 'transient'],
	['RequestExpired (the SDK corrects its clock)', kinesisError('RequestExpired', 'Request has expired.'), 'transient'],
	[
		'InvalidSignatureException: Signature expired',
		kinesisError('InvalidSignatureException', 'Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z'),
		'transient',
	],
	// Credentials.
	['ExpiredTokenException', kinesisError('ExpiredTokenException', 'The security token included in the request is expired'), 'credentials'],
	[
		'UnrecognizedClientException',
		kinesisError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
		'credentials',
	],
	[
		'InvalidSignatureException',
		kinesisError('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.'),
		'credentials',
	],
	[
		'CredentialsProviderError',
		new CredentialsProviderError('Could not load credentials from any providers', {tryNextLink: false}),
		'credentials',
	],
	// Final.
	[
		'LimitExceededException naming a quota',
		new LimitExceededException({
			message: 'This request would exceed the shard limit for the account 123456789012 in us-east-1.',
			$metadata: metadata(400),
		}),
		'final',
	],
	[
		'LimitExceededException naming the scalings per day',
		new LimitExceededException({
			message: 'Exceeded the limit of 10 UpdateShardCount operations per rolling 24 hours for stream orders under account 123456789012.',
			$metadata: metadata(400),
		}),
		'final',
	],
	[
		'ResourceNotFoundException',
		new ResourceNotFoundException({message: 'Stream orders under account 123456789012 not found.', $metadata: metadata(400)}),
		'final',
	],
	[
		'ResourceInUseException',
		new ResourceInUseException({
			message: 'Stream orders under account 123456789012 not ACTIVE, instead in state UPDATING',
			$metadata: metadata(400),
		}),
		'final',
	],
	['InvalidArgumentException', new InvalidArgumentException({message: '1 validation error detected', $metadata: metadata(400)}), 'final'],
	[
		'AccessDeniedException',
		new AccessDeniedException({
			message: 'User: arn:aws:iam::123456789012:user/x is not authorized to perform: kinesis:ListShards',
			$metadata: metadata(400),
		}),
		'final',
	],
	[
		'ExpiredIteratorException (the tail renews it first)',
		new ExpiredIteratorException({message: 'Iterator expired.', $metadata: metadata(400)}),
		'final',
	],
	['ENOTFOUND (a host name that does not exist)', nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND kinesis.eu-wset-1.amazonaws.com'), 'final'],
	[
		'an AbortError, even over a dropped connection',
		Object.assign(new Error('The operation was aborted', {cause: nodeError('ECONNRESET', 'aborted')}), {name: 'AbortError'}),
		'final',
	],
	['a string', 'something', 'final'],
	['undefined', undefined, 'final'],
];

describe('errorKind', () => {
	it.each(table)('%s', (_, error, kind) => {
		expect(errorKind(error)).toBe(kind);
	});

	it('retries throttling and transient failures only', () => {
		expect((['throttling', 'transient', 'credentials', 'final'] as const).filter(isRetryable)).toEqual(['throttling', 'transient']);
	});
});

describe('isUnreachable', () => {
	it('is the endpoint not answering, ENOTFOUND included, an answer not', () => {
		expect(isUnreachable(nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'))).toBe(true);
		expect(isUnreachable(nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND nowhere.example'))).toBe(true);
		expect(isUnreachable(new Error('wrapped', {cause: nodeError('ETIMEDOUT', 'connect ETIMEDOUT')}))).toBe(true);
		expect(isUnreachable(kinesisError('InternalFailure', 'Internal service failure.', 500, 'server'))).toBe(false);
		expect(isUnreachable(new ProvisionedThroughputExceededException({message: 'Rate exceeded', $metadata: metadata(400)}))).toBe(false);
	});
});

describe('isIteratorLost', () => {
	it('is an expired iterator, or one the endpoint no longer knows', () => {
		expect(isIteratorLost(new ExpiredIteratorException({message: 'Iterator expired.', $metadata: metadata(400)}))).toBe(true);
		expect(isIteratorLost(new InvalidArgumentException({message: 'Invalid ShardIterator.', $metadata: metadata(400)}))).toBe(true);
		expect(isIteratorLost(new InvalidArgumentException({message: 'StreamName is too long', $metadata: metadata(400)}))).toBe(false);
	});
});

describe('describeError', () => {
	it("says the service's code and message, or Node's code for a bare Error", () => {
		expect(describeError(new LimitExceededException({message: 'Rate exceeded for account 1.', $metadata: metadata(400)}))).toBe(
			'LimitExceededException: Rate exceeded for account 1.',
		);
		expect(describeError(nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'))).toBe(
			'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9',
		);
		expect(describeError('plain')).toBe('plain');
	});
});
