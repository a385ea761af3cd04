/**
 * AWS's front end, as the engine answers it: the refusals it gives before it reads the protocol, the
 * shapes of its errors, and the order of its checks. Each expectation is AWS's answer as kinesalite's
 * suite recorded it against AWS (mhart/kinesalite test/connection.js, test/helpers.js and the
 * operations' files); `npm run conformance` runs that suite itself.
 */
import {GetShardIteratorCommand} from '@aws-sdk/client-kinesis';
import {describe, expect, it} from 'vitest';
import {decodeCbor} from '../../source/engine/protocol/cbor.js';
import {ACCOUNT, createStream, signedHeaders, uniqueName, useEngine} from './support.js';

const ACCESS_DENIED =
	'<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n</AccessDeniedException>\n';

describe("AWS's front end", () => {
	const harness = useEngine('http1', {createStreamMs: 0});

	/** Over HTTP/1.1 with fetch: any method, path and headers; the body as bytes, so that fetch adds no content type. */
	async function send(options: {method?: string; path?: string; headers?: Record<string, string | undefined>; body?: string}) {
		const headers = Object.fromEntries(
			Object.entries({...signedHeaders(), ...options.headers}).filter((entry): entry is [string, string] => entry[1] !== undefined),
		);
		const response = await fetch(`${harness.url}${options.path ?? '/'}`, {
			method: options.method ?? 'POST',
			headers,
			...(options.body === undefined ? {} : {body: new TextEncoder().encode(options.body)}),
		});
		const body = Buffer.from(await response.arrayBuffer());
		return {status: response.status, contentType: response.headers.get('content-type'), id2: response.headers.get('x-amz-id-2'), body};
	}
	const json = (body: Buffer): unknown => JSON.parse(body.toString('utf8'));
	const target = (operation: string) => ({'x-amz-target': `Kinesis_20131202.${operation}`});

	it('refuses a method other than POST in XML, with no content type', async () => {
		for (const method of ['GET', 'PUT', 'DELETE']) {
			const answer = await send({method});
			expect({method, status: answer.status, contentType: answer.contentType, body: answer.body.toString()}).toEqual({
				method,
				status: 403,
				contentType: null,
				body: ACCESS_DENIED,
			});
			expect(Buffer.from(answer.id2 ?? '', 'base64').length).toBeGreaterThanOrEqual(64);
		}
	});

	it('refuses a body in a content type AWS does not read: an unknown operation when the target names one', async () => {
		const named = await send({headers: {'content-type': undefined, ...target('ListStreams')}, body: '{}'});
		expect({status: named.status, body: named.body.toString()}).toEqual({status: 404, body: '<UnknownOperationException/>\n'});
		const unnamed = await send({headers: {'content-type': 'text/plain', 'x-amz-target': 'Whatever'}, body: '{}'});
		expect({status: unnamed.status, body: unnamed.body.toString()}).toEqual({status: 403, body: ACCESS_DENIED});
	});

	it('answers application/json in its envelope, reading no further than the body', async () => {
		const headers = {'content-type': 'application/json', ...target('ListStreams')};
		const garbage = await send({headers, body: 'hello'});
		expect({status: garbage.status, contentType: garbage.contentType, body: json(garbage.body)}).toEqual({
			status: 400,
			contentType: 'application/json',
			body: {Output: {__type: 'com.amazon.coral.service#SerializationException'}, Version: '1.0'},
		});
		const wellFormed = await send({headers, body: '{}'});
		expect({status: wellFormed.status, body: json(wellFormed.body)}).toEqual({
			status: 404,
			body: {Output: {__type: 'com.amazon.coral.service#UnknownOperationException'}, Version: '1.0'},
		});
	});

	it('refuses an empty body, a body that is no structure, and an unknown operation, naming no reason', async () => {
		const empty = await send({headers: target('ListStreams')});
		expect({status: empty.status, body: json(empty.body)}).toEqual({status: 400, body: {__type: 'SerializationException'}});
		for (const body of ['hello', 'null', 'true', '42']) {
			// Checked before the signature: an unsigned request with a broken body is refused for its body.
			const broken = await send({headers: {...target('ListStreams'), authorization: undefined}, body});
			expect({body, answer: json(broken.body)}).toEqual({body, answer: {__type: 'SerializationException'}});
		}
		const unknown = await send({headers: target('ListStream'), body: '{}'});
		expect({status: unknown.status, body: json(unknown.body)}).toEqual({status: 400, body: {__type: 'UnknownOperationException'}});
		// Without a content type AWS cannot know the client speaks JSON: it answers in CBOR.
		const bare = await send({headers: {'content-type': undefined, 'x-amz-target': 'Whatever'}});
		expect({status: bare.status, contentType: bare.contentType, body: decodeCbor(bare.body)}).toEqual({
			status: 400,
			contentType: 'application/x-amz-cbor-1.1',
			body: {__type: 'UnknownOperationException'},
		});
	});

	it('words a member of the wrong type under Message, and a signature problem as AWS does', async () => {
		const typed = await send({headers: target('DescribeStream'), body: '{"StreamName": true}'});
		expect(json(typed.body)).toEqual({
			__type: 'SerializationException',
			Message: 'class java.lang.Boolean can not be converted to an String',
		});
		const both = await send({path: '/?X-Amz-Algorithm', headers: target('ListStreams'), body: '{}'});
		expect(json(both.body)).toEqual({
			__type: 'InvalidSignatureException',
			message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
		});
		const query = await send({
			path: '/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d',
			headers: {...target('ListStreams'), authorization: undefined},
			body: '{}',
		});
		expect(json(query.body)).toEqual({
			__type: 'IncompleteSignatureException',
			message: "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
		});
		const header = await send({headers: {...target('ListStreams'), authorization: 'X', 'x-amz-date': undefined}, body: '{}'});
		expect(json(header.body)).toEqual({
			__type: 'IncompleteSignatureException',
			message:
				"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a " +
				"'X-Amz-Date' or a 'Date' header. Authorization=X",
		});
	});

	it('answers an operation with no output with an empty body', async () => {
		const created = await send({headers: target('CreateStream'), body: JSON.stringify({StreamName: uniqueName('empty'), ShardCount: 1})});
		expect({status: created.status, body: created.body.toString()}).toEqual({status: 200, body: ''});
	});

	it('reads a shard id as AWS does, and issues iterators of the shape AWS does', async () => {
		const name = uniqueName('shard-ids');
		await createStream(harness.client, name);
		for (const shardId of ['shardId-000000000000', 'shardId-0', 'anything-0', '0']) {
			const {ShardIterator} = await harness.client.send(
				new GetShardIteratorCommand({StreamName: name, ShardId: shardId, ShardIteratorType: 'LATEST'}),
			);
			const bytes = Buffer.from(ShardIterator ?? '', 'base64');
			expect({
				shardId,
				prefix: bytes.subarray(0, 8).toString('hex'),
				aligned: bytes.length >= 152 && (bytes.length - 152) % 16 === 0,
			}).toEqual({
				shardId,
				prefix: '0000000000000001',
				aligned: true,
			});
		}
		// An id that names no shard is not found before the stream is looked up; one past the stream's shards, by its AWS spelling.
		const missing = uniqueName('missing');
		const unreadable = await send({
			headers: target('GetShardIterator'),
			body: JSON.stringify({StreamName: missing, ShardId: 'x-y', ShardIteratorType: 'LATEST'}),
		});
		expect(json(unreadable.body)).toEqual({
			__type: 'ResourceNotFoundException',
			message: `Could not find shard x-y in stream ${missing} under account ${ACCOUNT}.`,
		});
		const past = await send({
			headers: target('SplitShard'),
			body: JSON.stringify({StreamName: name, ShardToSplit: 'shardId-5', NewStartingHashKey: '2'}),
		});
		expect(json(past.body)).toEqual({
			__type: 'ResourceNotFoundException',
			message: `Could not find shard shardId-000000000005 in stream ${name} under account ${ACCOUNT}.`,
		});
	});

	it('reports a list of strings once, with every constraint of its members', async () => {
		const long = 'a'.repeat(129);
		const answer = await send({
			headers: target('RemoveTagsFromStream'),
			body: JSON.stringify({StreamName: 'x', TagKeys: ['a', long, 'b']}),
		});
		expect(json(answer.body)).toEqual({
			__type: 'ValidationException',
			message:
				`1 validation error detected: Value '[a, ${long}, b]' at 'tagKeys' failed to satisfy constraint: ` +
				'Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]',
		});
	});

	it('refuses a credential scope whose region is longer than a host label, with the signature, in JSON, the query protocol and Lambda, and takes one of 63 characters', async () => {
		const scoped = (region: string) =>
			`AWS4-HMAC-SHA256 Credential=AKIDENGINETEST/20240115/${region}/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef`;
		const long = `${'r'.repeat(60)}-1-x`;
		const refused = await send({headers: {authorization: scoped(long), ...target('ListStreams')}, body: '{}'});
		expect({status: refused.status, body: json(refused.body)}).toEqual({
			status: 400,
			body: {__type: 'IncompleteSignatureException', message: `Credential should be scoped to a valid region, not '${long}'.`},
		});
		const query = await send({
			headers: {authorization: scoped(long), 'content-type': 'application/x-www-form-urlencoded'},
			body: 'Action=ListMetrics&Version=2010-08-01',
		});
		expect(query.status).toBe(400);
		expect(query.body.toString()).toContain(`<Code>IncompleteSignature</Code>`);
		expect(query.body.toString()).toContain(`Credential should be scoped to a valid region, not '${long}'.`);

		// In AWS's order, with the signature: what is wrong with the body or the operation is said first.
		const empty = await send({headers: {authorization: scoped(long), ...target('ListStreams')}});
		expect(json(empty.body)).toEqual({__type: 'SerializationException'});
		const unknown = await send({headers: {authorization: scoped(long), ...target('Nothing')}, body: '{}'});
		expect(json(unknown.body)).toEqual({__type: 'UnknownOperationException'});
		// Lambda's API on the same port, too.
		const lambda = await send({method: 'GET', path: '/2015-03-31/event-source-mappings/', headers: {authorization: scoped(long)}});
		expect((json(lambda.body) as {message?: string}).message).toBe(`Credential should be scoped to a valid region, not '${long}'.`);

		// The longest region a host label allows has its own streams, read through an iterator that names it.
		const longest = 'r'.repeat(63);
		const headers = {authorization: scoped(longest)};
		const name = uniqueName('longest-region');
		const created = await send({headers: {...headers, ...target('CreateStream')}, body: JSON.stringify({StreamName: name, ShardCount: 1})});
		expect(created.status).toBe(200);
		const iterator = await send({
			headers: {...headers, ...target('GetShardIterator')},
			body: JSON.stringify({StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON'}),
		});
		expect(iterator.status).toBe(200);
		const records = await send({headers: {...headers, ...target('GetRecords')}, body: iterator.body.toString()});
		expect({status: records.status, records: (json(records.body) as {Records: unknown[]}).Records}).toEqual({status: 200, records: []});
	});
});
