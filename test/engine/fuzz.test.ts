import type {IncomingHttpHeaders} from 'node:http';
import {performance} from 'node:perf_hooks';
import fc from 'fast-check';
import {
	DescribeStreamCommand,
	GetShardIteratorCommand,
	type KinesisClient,
	ListStreamsCommand,
	PutRecordsCommand,
	RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Engine} from '../../source/engine/index.js';
import {decodeCbor} from '../../source/engine/protocol/cbor.js';
import {kinesisClient, startEngine} from '../helpers/engine.js';
import {
	FUZZ_RUNS,
	FUZZ_SEED,
	Http1Client,
	Http2Client,
	Tally,
	createGuardedStream,
	inParallel,
	snapshot,
	type Outcome,
} from './fuzzSupport.js';
import {CBOR_TYPE, OPERATION_ERRORS, caseArb, expectedOf, isQueryCall, type Expected, type FuzzCase, type World} from './fuzzRequests.js';
import {arnOf, createStream} from './support.js';
import {MAX_BODY_BYTES} from '../../source/engine/index.js';

/**
 * The engine's bad-input fuzz test: FUZZ_RUNS requests (10,000 by default) generated from every
 * operation's schema by fast-check, spoiled member by member (wrong types, numbers past every bound,
 * strings of every length around each limit, broken base64, missing and unknown members), in their
 * bytes (truncated, flipped, garbage, nested 100,000 deep), in their target, content type,
 * signature and method, as JSON and as CBOR, over HTTP/1.1 keep-alive and HTTP/2. Each answer must be
 * the AWS error the oracle (fuzzRequests.ts) names, or for a well-formed request a success or an error
 * its operation documents; never a 500, a hang or a closed connection. Writes go to a stream of their
 * own; the records of the guarded stream are compared byte for byte before and after.
 *
 * FUZZ_SEED=<n> replays another run; FUZZ_RUNS=<n> sends more; FUZZ_REPORT=<file> appends the table.
 */

const GUARDED = 'fuzz-guarded';
const TARGET = 'fuzz-target';
const CONCURRENCY = 16;
const CHUNK = 500;

interface Verdict {
	/** The tally's row: an AWS error type, or `200 OK`. */
	readonly key: string;
	readonly problem?: string;
}

/** Checks one answer against the oracle's expectation. */
function judge(fuzzCase: FuzzCase, expected: Expected, outcome: Outcome): Verdict {
	if (fuzzCase.call.body.length > MAX_BODY_BYTES) {
		// Refused before it is read: 413, and over HTTP/1.1 the connection closed, which may cut the answer off.
		if (outcome.kind === 'closed')
			return fuzzCase.via === 'h1' ? {key: 'closed (body over 16 MiB)'} : {key: 'closed', problem: `oversized body: ${outcome.reason}`};
		const type = (parseBody(outcome.body, false) as {__type?: unknown} | undefined)?.__type;
		return outcome.status === 413 && type === 'SerializationException'
			? {key: '413 SerializationException (body over 16 MiB)'}
			: {key: `HTTP ${outcome.status}`, problem: `oversized body answered ${outcome.status} ${String(type)}`};
	}
	if (outcome.kind === 'closed') return {key: 'closed', problem: `connection closed: ${outcome.reason}`};
	const {status, headers, body} = outcome;
	const requestType = String(fuzzCase.call.headers['content-type'] ?? '')
		.split(';')[0]
		?.trim();
	const cbor = requestType === CBOR_TYPE;
	if (status === 200) {
		if (expected.kind === 'error')
			return {key: '200 OK', problem: `accepted a request that AWS refuses with ${expected.types.join(' or ')} (${expected.why})`};
		if (headers['content-type'] === 'application/vnd.amazon.eventstream') return {key: '200 OK (event stream)'};
		// An operation with no output answers with no body, as AWS does.
		if (body.length === 0) return {key: '200 OK'};
		const parsed = parseBody(body, cbor);
		if (typeof parsed !== 'object' || parsed === null)
			return {key: '200 OK', problem: `success body is not a structure: ${body.toString('utf8', 0, 200)}`};
		return {key: '200 OK'};
	}
	const refusal = frontEndRefusal(status, headers, body);
	if (refusal !== undefined) return judgeType(expected, refusal, body, cbor);
	if (status !== 400) return {key: `HTTP ${status}`, problem: `status ${status}: ${body.toString('utf8', 0, 300)}`};
	if (isQueryCall(fuzzCase)) return judgeQueryError(expected, headers, body);
	const headerType = headers['x-amzn-errortype'];
	let type: unknown = headerType;
	if (fuzzCase.call.method !== 'HEAD') {
		// JSON answers what was asked in JSON, CBOR all else (a Kinesis target makes JSON 1.0 a language it speaks).
		const target = String(fuzzCase.call.headers['x-amz-target'] ?? '');
		const expectedType =
			requestType === 'application/x-amz-json-1.1'
				? requestType
				: requestType === 'application/x-amz-json-1.0' && target.split('.')[0] === 'Kinesis_20131202'
					? requestType
					: CBOR_TYPE;
		if (headers['content-type'] !== expectedType)
			return {key: String(headerType), problem: `error answered as ${headers['content-type']}, not ${expectedType}`};
		const answeredCbor = expectedType === CBOR_TYPE;
		// AWS's shapes: `message`, `Message` for SerializationException, or no text (UnknownOperationException, a body that does not parse).
		const parsed = parseBody(body, answeredCbor) as {__type?: unknown; message?: unknown; Message?: unknown} | undefined;
		const text = parsed?.message ?? parsed?.Message;
		if (typeof parsed?.__type !== 'string' || (text !== undefined && typeof text !== 'string'))
			return {key: 'malformed error', problem: `error body without __type, or with a message not text: ${body.toString('utf8', 0, 200)}`};
		if (parsed.__type !== headerType)
			return {key: parsed.__type, problem: `x-amzn-errortype ${String(headerType)} but __type ${parsed.__type}`};
		type = parsed.__type;
	}
	if (!headers['x-amzn-requestid']) return {key: String(type), problem: 'no x-amzn-requestid'};
	return judgeType(expected, String(type), body, cbor);
}

/**
 * The refusals AWS's front end gives before it reads the protocol, as kinesalite's suite recorded them
 * (test/connection.js): XML without a content type (403 AccessDeniedException, 404 UnknownOperationException),
 * or application/json's envelope. The error type they name, or undefined for any other answer.
 */
function frontEndRefusal(status: number, headers: IncomingHttpHeaders, body: Buffer): string | undefined {
	// A HEAD answer has no body to name the type: the status does.
	if ((status === 403 || status === 404) && headers['content-type'] === undefined)
		return /^<(\w+)/.exec(body.toString('utf8'))?.[1] ?? (status === 403 ? 'AccessDeniedException' : 'UnknownOperationException');
	if ((status === 400 || status === 404) && headers['content-type'] === 'application/json') {
		const parsed = parseBody(body, false) as {Output?: {__type?: unknown}} | undefined;
		return String(parsed?.Output?.__type ?? '').split('#')[1];
	}
	return undefined;
}

function judgeType(expected: Expected, key: string, body: Buffer, cbor: boolean): Verdict {
	if (expected.kind === 'error') {
		return expected.types.includes(key)
			? {key}
			: {key, problem: `${key} where AWS answers ${expected.types.join(' or ')} (${expected.why}): ${messageOf(body, cbor)}`};
	}
	const allowed = OPERATION_ERRORS[expected.operation] ?? [];
	return allowed.includes(key) ? {key} : {key, problem: `${key} is not an error ${expected.operation} can give: ${messageOf(body, cbor)}`};
}

/** A query-protocol error: XML, `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
function judgeQueryError(expected: Expected, headers: IncomingHttpHeaders, body: Buffer): Verdict {
	const text = body.toString('utf8');
	const code =
		/^<ErrorResponse [^>]*><Error><Type>Sender<\/Type><Code>(\w+)<\/Code><Message>[^<]*<\/Message><\/Error><RequestId>[^<]+<\/RequestId><\/ErrorResponse>/.exec(
			text,
		)?.[1];
	if (headers['content-type'] !== 'text/xml' || code === undefined)
		return {key: 'malformed query error', problem: `not a query-protocol error: ${text.slice(0, 200)}`};
	if (!headers['x-amzn-requestid']) return {key: code, problem: 'no x-amzn-requestid'};
	return expected.kind === 'error' && expected.types.includes(code)
		? {key: code}
		: {key: code, problem: `${code} where ${JSON.stringify(expected)} was expected`};
}

function parseBody(body: Buffer, cbor: boolean): unknown {
	try {
		return cbor ? decodeCbor(body) : JSON.parse(body.toString('utf8'));
	} catch {
		return undefined;
	}
}

function messageOf(body: Buffer, cbor: boolean): string {
	const parsed = parseBody(body, cbor) as {message?: unknown; Message?: unknown} | undefined;
	return String(parsed?.message ?? parsed?.Message ?? body.toString('utf8', 0, 200)).slice(0, 300);
}

/** A seed per chunk of cases that no other FUZZ_SEED's chunks share (seed + chunk would: seed 1's second chunk is seed 2's first). */
function chunkSeed(seed: number, chunk: number): number {
	return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(chunk, 0xc2b2ae35)) | 0;
}

/** A request as a reader can follow it: the operation, what was spoiled, and the start of the body. */
function show(fuzzCase: FuzzCase): string {
	const body =
		fuzzCase.codec === 'cbor'
			? fuzzCase.call.body.subarray(0, 120).toString('hex')
			: JSON.stringify(fuzzCase.call.body.toString('utf8', 0, 300));
	return `${fuzzCase.operation} via ${fuzzCase.via} as ${fuzzCase.codec} (${fuzzCase.mutation}) ${fuzzCase.call.body.length} bytes: ${body}`;
}

describe('the engine under hostile requests', () => {
	let engine: Engine;
	let client: KinesisClient;
	let world: World;

	beforeAll(async () => {
		engine = await startEngine({subscriptionMs: 300, registerConsumerMs: 0, deregisterConsumerMs: 0});
		client = kinesisClient(engine.url, 'http1');
		await createGuardedStream(client, GUARDED);
		await createStream(client, TARGET, 2);
		const put = await client.send(
			new PutRecordsCommand({
				StreamName: TARGET,
				Records: Array.from({length: 10}, (_, index) => ({PartitionKey: `t-${index}`, Data: Buffer.from(`target ${index}`)})),
			}),
		);
		const {Consumer} = await client.send(new RegisterStreamConsumerCommand({StreamARN: arnOf(TARGET), ConsumerName: 'fuzz-consumer'}));
		const iterators: string[] = [];
		for (const [stream, shard, type] of [
			[GUARDED, 'shardId-000000000000', 'TRIM_HORIZON'],
			[GUARDED, 'shardId-000000000002', 'LATEST'],
			[TARGET, 'shardId-000000000001', 'TRIM_HORIZON'],
		] as const) {
			const {ShardIterator} = await client.send(new GetShardIteratorCommand({StreamName: stream, ShardId: shard, ShardIteratorType: type}));
			if (ShardIterator) iterators.push(ShardIterator);
		}
		const guardedRecords = (await snapshot(client, GUARDED)).records;
		world = {
			guarded: GUARDED,
			target: TARGET,
			missing: 'fuzz-missing',
			arn: (name) => arnOf(name),
			iterators,
			sequenceNumbers: [
				...guardedRecords.slice(0, 3).map((record) => record.sequenceNumber),
				...(put.Records ?? []).slice(0, 3).map((record) => record.SequenceNumber ?? '0'),
			],
			consumerArns: Consumer?.ConsumerARN ? [Consumer.ConsumerARN] : [],
			nowSeconds: Date.now() / 1000,
		};
	});

	afterAll(async () => {
		client?.destroy();
		await engine?.close();
	});

	it(`answers ${FUZZ_RUNS} generated hostile requests with AWS's errors and leaves the guarded stream as it was`, async () => {
		const before = await snapshot(client, GUARDED);
		expect(before.records).toHaveLength(60);

		const h1 = new Http1Client(engine.url);
		const h2 = new Http2Client(engine.url);
		const tally = new Tally();
		const problems: string[] = [];
		const started = performance.now();
		const arbitrary = caseArb(world);
		try {
			for (let chunk = 0; chunk * CHUNK < FUZZ_RUNS; chunk++) {
				// Each chunk has its own seed, derived from FUZZ_SEED, so that any run can be replayed.
				const cases = fc.sample(arbitrary, {seed: chunkSeed(FUZZ_SEED, chunk), numRuns: Math.min(CHUNK, FUZZ_RUNS - chunk * CHUNK)});
				await inParallel(cases, CONCURRENCY, async (fuzzCase, index) => {
					const expected = expectedOf(fuzzCase);
					const outcome = await (fuzzCase.via === 'h1' ? h1 : h2).send(fuzzCase.call);
					const verdict = judge(fuzzCase, expected, outcome);
					tally.add(verdict.key);
					if (verdict.problem && problems.length < 20)
						problems.push(`[chunk ${chunk} case ${index}] ${verdict.problem}\n    ${show(fuzzCase)}`);
				});
			}
		} finally {
			h1.close();
			h2.close();
		}
		const seconds = (performance.now() - started) / 1000;
		tally.report(`Engine bad-input fuzz: ${tally.total} requests in ${seconds.toFixed(1)} s`);
		expect(problems, `seed ${FUZZ_SEED}`).toEqual([]);
		expect(tally.total).toBe(FUZZ_RUNS);

		// Still up, over both protocols, and the guarded records are byte for byte what they were.
		const fresh = kinesisClient(engine.url, 'http2');
		try {
			expect((await fresh.send(new DescribeStreamCommand({StreamName: GUARDED}))).StreamDescription?.StreamStatus).toBe('ACTIVE');
			expect((await fresh.send(new ListStreamsCommand({}))).StreamNames).toContain(GUARDED);
		} finally {
			fresh.destroy();
		}
		expect(await snapshot(client, GUARDED)).toEqual(before);
	}, 180_000);
});
