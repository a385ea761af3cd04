import {CloudWatchClient, ListMetricsCommand} from '@aws-sdk/client-cloudwatch';
import {DynamoDBClient, ListTablesCommand} from '@aws-sdk/client-dynamodb';
import {KinesisClient, ListStreamsCommand, PutRecordCommand} from '@aws-sdk/client-kinesis';
import {NodeHttp2Handler, NodeHttpHandler} from '@smithy/node-http-handler';
import {describe, expect, it} from 'vitest';
import {verifySignature} from '../../source/engine/protocol/signature.js';
import {credentials, kinesisClient, type Transport} from '../helpers/engine.js';
import {createStream, errorOf, expectError, rawRequest, transports, uniqueName, useEngine} from './support.js';

const MISMATCH =
	'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function clientWith(url: string, transport: Transport, accessKeyId: string, secretAccessKey: string): KinesisClient {
	return new KinesisClient({
		endpoint: url,
		region: 'us-east-1',
		credentials: {accessKeyId, secretAccessKey},
		maxAttempts: 1,
		...(transport === 'http1' ? {requestHandler: new NodeHttpHandler({})} : {}),
	});
}

describe('SigV4 verification (the AWS test suite vector get-vanilla)', () => {
	const vanilla = {
		method: 'GET',
		url: '/',
		headers: {
			host: 'example.amazonaws.com',
			'x-amz-date': '20150830T123600Z',
			authorization:
				'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
		},
		body: Buffer.alloc(0),
	};
	const example = {accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'};
	const signedAt = Date.UTC(2015, 7, 30, 12, 36);

	it('accepts the signature AWS documents, and nothing changed from it', () => {
		expect(() => verifySignature(vanilla, example, signedAt)).not.toThrow();
		expect(() => verifySignature({...vanilla, url: '/other'}, example, signedAt)).toThrow(MISMATCH);
		expect(() => verifySignature(vanilla, {...example, secretAccessKey: 'x'}, signedAt)).toThrow(MISMATCH);
		expect(() => verifySignature(vanilla, example, signedAt + 6 * 60_000)).toThrow(
			'Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)',
		);
		expect(() => verifySignature(vanilla, example, signedAt - 6 * 60_000)).toThrow(
			'Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T123000Z + 5 min.)',
		);
	});
});

describe.each(transports)('--auth over %s', (transport) => {
	// The helpers' SDK clients sign with these credentials; the engine now knows the secret and checks.
	const harness = useEngine(transport, {auth: credentials});

	it('accepts requests the SDK signs with the right key and secret', async () => {
		const name = uniqueName('auth');
		await createStream(harness.client, name);
		await harness.client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('signed')}));
		const {StreamNames} = await harness.client.send(new ListStreamsCommand({}));
		expect(StreamNames).toContain(name);
	});

	it('refuses a wrong secret with InvalidSignatureException', async () => {
		const client = clientWith(harness.url, transport, credentials.accessKeyId, 'not-the-secret');
		try {
			await expectError(client.send(new ListStreamsCommand({})), 'InvalidSignatureException', MISMATCH);
		} finally {
			client.destroy();
		}
	});

	it('refuses an unknown access key with UnrecognizedClientException', async () => {
		const client = clientWith(harness.url, transport, 'AKIDSOMEONEELSE', credentials.secretAccessKey);
		try {
			await expectError(
				client.send(new ListStreamsCommand({})),
				'UnrecognizedClientException',
				'The security token included in the request is invalid.',
			);
		} finally {
			client.destroy();
		}
	});

	it('refuses a request changed after it was signed', async () => {
		const name = uniqueName('tamper');
		await createStream(harness.client, name);
		const client = kinesisClient(harness.url, transport);
		// After signing, before sending: one byte of the body changes (the length stays, so the request still parses).
		client.middlewareStack.add(
			(next) => async (args) => {
				const request = args.request as {body?: unknown};
				const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body as Uint8Array).toString('utf8');
				request.body = body.replace('"PartitionKey":"k"', '"PartitionKey":"j"');
				expect(request.body).not.toBe(body);
				return next(args);
			},
			{step: 'deserialize', name: 'tamperAfterSigning'},
		);
		try {
			await expectError(
				client.send(new PutRecordCommand({StreamName: name, PartitionKey: 'k', Data: Buffer.from('x')})),
				'InvalidSignatureException',
				MISMATCH,
			);
		} finally {
			client.destroy();
		}
	});

	it('checks CloudWatch and DynamoDB requests on the same port the same way', async () => {
		const handler = () => (transport === 'http1' ? new NodeHttpHandler({}) : new NodeHttp2Handler({}));
		const options = (secretAccessKey: string) => ({
			endpoint: harness.url,
			region: 'us-east-1',
			credentials: {accessKeyId: credentials.accessKeyId, secretAccessKey},
			maxAttempts: 1,
			requestHandler: handler(),
		});
		const clients = [new CloudWatchClient(options(credentials.secretAccessKey)), new CloudWatchClient(options('wrong'))] as const;
		const tables = [new DynamoDBClient(options(credentials.secretAccessKey)), new DynamoDBClient(options('wrong'))] as const;
		try {
			await clients[0].send(new ListMetricsCommand({}));
			await expect(clients[1].send(new ListMetricsCommand({}))).rejects.toMatchObject({
				name: 'InvalidSignatureException',
				message: MISMATCH,
			});
			await tables[0].send(new ListTablesCommand({}));
			await expect(tables[1].send(new ListTablesCommand({}))).rejects.toMatchObject({name: 'InvalidSignatureException', message: MISMATCH});
		} finally {
			for (const client of [...clients, ...tables]) client.destroy();
		}
	});

	it('refuses a missing or incomplete Authorization header, and a stale signature', async () => {
		const missing = await rawRequest(harness.url, transport, {headers: {authorization: undefined}});
		expect({status: missing.status, ...errorOf(missing)}).toEqual({
			status: 400,
			type: 'MissingAuthenticationTokenException',
			message: 'Missing Authentication Token',
		});

		const authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20240115/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date`;
		const incomplete = await rawRequest(harness.url, transport, {headers: {authorization}});
		// AWS repeats the header after what it lacks (kinesalite's suite, test/connection.js "should return IncompleteSignatureException if invalid auth").
		expect(errorOf(incomplete)).toEqual({
			type: 'IncompleteSignatureException',
			message: `Authorization header requires 'Signature' parameter. Authorization=${authorization}`,
		});

		// A scope whose region is longer than a host label: refused where an empty region is, before the key and the date.
		const region = 'r'.repeat(64);
		const longRegion = await rawRequest(harness.url, transport, {
			headers: {
				authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20240115/${region}/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`,
			},
		});
		expect(errorOf(longRegion)).toEqual({
			type: 'IncompleteSignatureException',
			message: `Credential should be scoped to a valid region, not '${region}'.`,
		});

		// The shape is right, but it was signed (supposedly) in January 2024.
		const stale = await rawRequest(harness.url, transport, {});
		expect(stale.status).toBe(400);
		expect(errorOf(stale).type).toBe('InvalidSignatureException');
		expect(String(errorOf(stale).message)).toMatch(
			/^Signature expired: 20240115T120000Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/,
		);
	});
});

describe('without --auth', () => {
	const harness = useEngine('http2');

	it('accepts any well-formed signature, as before', async () => {
		const client = clientWith(harness.url, 'http2', 'anything', 'at-all');
		try {
			await client.send(new ListStreamsCommand({}));
			// A made-up signature from long ago passes too: only its shape is checked.
			const reply = await rawRequest(harness.url, 'http1', {});
			expect(reply.status).toBe(200);
		} finally {
			client.destroy();
		}
	});
});
