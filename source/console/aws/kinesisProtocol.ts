import type {ChildShard, GetRecordsOutput, GetShardIteratorOutput, _Record} from '@aws-sdk/client-kinesis';
import {isAscii} from 'node:buffer';
import {AwsJson1_1Protocol} from '@aws-sdk/core/protocols';
import {collectBody} from '@smithy/core/protocols';
import type {HandlerExecutionContext, HttpResponse, MetadataBearer, OperationSchema, SerdeFunctions} from '@smithy/types';

/**
 * Kinesis's JSON protocol (awsJson1_1) as the SDK speaks it, except that a successful GetRecords or
 * GetShardIterator answer is read here (`parseGetRecords`, `parseGetShardIterator`). The SDK reads every
 * member of every record through its schema walk (checking each Data with a regular expression, a Date
 * through a generic parser): for a tail that drains a backlog, that was a third of its CPU; and a tail's
 * start is a GetShardIterator per shard. Everything else is the SDK's own: requests, signing, retries,
 * errors (an error answer goes to the SDK's reader too), other operations.
 * The client takes it as its `protocol` (a constructor the client builds with its own settings).
 */
export class KinesisProtocol extends AwsJson1_1Protocol {
	override async deserializeResponse<Output extends MetadataBearer>(
		operationSchema: OperationSchema,
		context: HandlerExecutionContext & SerdeFunctions,
		response: HttpResponse,
	): Promise<Output> {
		const parse = leanReaders[operationSchema.name];
		if (parse === undefined || this.isErrorResponse(response.statusCode)) {
			return super.deserializeResponse<Output>(operationSchema, context, response);
		}
		// As the SDK does, so that its metadata reads the request id whatever case the endpoint wrote it in.
		for (const header of Object.keys(response.headers)) {
			const lower = header.toLowerCase();
			if (lower === header) continue;
			response.headers[lower] = response.headers[header] ?? '';
			delete response.headers[header];
		}
		const output: MetadataBearer = {...parse(await collectBody(response.body, context)), $metadata: this.deserializeMetadata(response)};
		// Output is the SDK's type for this operation's output, which the reader's answer is.
		return output as unknown as Output;
	}
}

const leanReaders: Readonly<Record<string, (body: Uint8Array) => object>> = {
	GetRecords: parseGetRecords,
	GetShardIterator: parseGetShardIterator,
};

/** GetShardIterator's JSON answer as the SDK's output: its one member, ShardIterator, if it is a string. */
export function parseGetShardIterator(body: Uint8Array): GetShardIteratorOutput {
	if (body.byteLength === 0) return {};
	const json = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as {ShardIterator?: unknown} | null;
	if (json === null || typeof json !== 'object') throw new TypeError('GetShardIterator answered with something other than a JSON object');
	return typeof json.ShardIterator === 'string' ? {ShardIterator: json.ShardIterator} : {};
}

interface RecordJson {
	readonly SequenceNumber?: unknown;
	readonly ApproximateArrivalTimestamp?: unknown;
	readonly Data?: unknown;
	readonly PartitionKey?: unknown;
	readonly EncryptionType?: unknown;
}

interface ChildShardJson {
	readonly ShardId?: unknown;
	readonly ParentShards?: unknown;
	readonly HashKeyRange?: {readonly StartingHashKey?: unknown; readonly EndingHashKey?: unknown};
}

interface GetRecordsJson {
	readonly Records?: unknown;
	readonly NextShardIterator?: unknown;
	readonly MillisBehindLatest?: unknown;
	readonly ChildShards?: unknown;
}

/**
 * GetRecords' JSON answer as the SDK's output: the members of its model only (GetRecordsOutput in
 * the Kinesis service model: Records, NextShardIterator, MillisBehindLatest, ChildShards), each record's
 * Data decoded from base64 (JSON's form of a blob), ApproximateArrivalTimestamp from epoch seconds to
 * a Date rounded to the millisecond, as the SDK's parseEpochTimestamp does. A member the answer lacks is undefined.
 */
export function parseGetRecords(body: Uint8Array): GetRecordsOutput {
	if (body.byteLength === 0) return {Records: undefined};
	const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
	// JSON in ASCII (a blob is base64; AWS's keys and sequence numbers are ASCII) reads the same as Latin-1, which is a copy where UTF-8 is a decoding.
	const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
	const json = JSON.parse(text) as GetRecordsJson | null;
	if (json === null || typeof json !== 'object') throw new TypeError('GetRecords answered with something other than a JSON object');
	const output: {-readonly [K in keyof GetRecordsOutput]: GetRecordsOutput[K]} = {
		Records: Array.isArray(json.Records) ? (json.Records as RecordJson[]).map(toRecord) : undefined,
	};
	if (typeof json.NextShardIterator === 'string') output.NextShardIterator = json.NextShardIterator;
	if (typeof json.MillisBehindLatest === 'number') output.MillisBehindLatest = json.MillisBehindLatest;
	if (Array.isArray(json.ChildShards)) output.ChildShards = (json.ChildShards as ChildShardJson[]).map(toChildShard);
	return output;
}

function toRecord(json: RecordJson): _Record {
	const record: {-readonly [K in keyof _Record]: _Record[K]} = {
		SequenceNumber: json.SequenceNumber as string,
		ApproximateArrivalTimestamp: epochSeconds(json.ApproximateArrivalTimestamp),
		Data: base64(json.Data),
		PartitionKey: json.PartitionKey as string,
	};
	if (json.EncryptionType !== undefined) record.EncryptionType = json.EncryptionType as _Record['EncryptionType'];
	return record;
}

function toChildShard(json: ChildShardJson): ChildShard {
	const range = json.HashKeyRange;
	return {
		ShardId: json.ShardId as string,
		ParentShards: json.ParentShards as string[],
		HashKeyRange:
			range === undefined ? undefined : {StartingHashKey: range.StartingHashKey as string, EndingHashKey: range.EndingHashKey as string},
	};
}

function epochSeconds(value: unknown): Date | undefined {
	if (value === undefined || value === null) return undefined;
	const seconds = typeof value === 'number' ? value : Number(value);
	if (!Number.isFinite(seconds)) throw new TypeError('Epoch timestamps must be valid, non-Infinite, non-NaN numerics');
	return new Date(Math.round(seconds * 1000));
}

/** A blob from its base64 text, as a plain Uint8Array (as the SDK gives it: slice copies, as Uint8Array's does). */
function base64(value: unknown): Uint8Array | undefined {
	if (typeof value !== 'string') return undefined;
	const bytes = Buffer.from(value, 'base64');
	return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
