import {performance} from 'node:perf_hooks';
import {putRecordsCall} from '../../cloudwatch/recorder.js';
import {invalidArgument} from '../../protocol/errors.js';
import {takePieceBuffer} from '../../protocol/pieceBuffers.js';
import {SelfEncoding} from '../../protocol/values.js';
import type {StreamState} from '../../store/streamState.js';
import {defineAction} from '../action.js';
import {shardIdOf} from '../model/names.js';
import {putRecordsSchema, readPutRecordsBody} from './putRecordsBody.js';
import {checkRecordSizes, requestLimitBytes} from '../model/recordSizes.js';
import {SEQUENCE_DIGITS, sequenceWriter, type SequenceWriter} from '../model/sequenceNumbers.js';
import {shardRateExceeded} from '../model/throughput.js';
import {routingHashes, writableStream, writeRecords, type RoutedRecord} from '../model/writeRecords.js';

export default defineAction(
	putRecordsSchema,
	async (context, input) => {
		const started = performance.now();
		const stream = writableStream(context, input);
		checkRecordSizes(putRecordsSchema, input, input.Records, stream);
		let bytes = 0;
		for (const record of input.Records) bytes += record.Data.length + Buffer.byteLength(record.PartitionKey);
		const limit = requestLimitBytes(stream);
		// AWS's words for the 5 MiB limit (an answer quoted in aws/amazon-kinesis-streams-for-fluent-bit issue 21); the 10 MiB one is worded alike here.
		if (bytes > limit) throw invalidArgument(`Records size exceeds ${limit / (1024 * 1024)} MB limit`);
		// A bad ExplicitHashKey refuses the whole request on AWS too: it is checked before anything is written.
		const hashes = routingHashes(stream, input.Records);
		const routed = await writeRecords(context, stream, input.Records, hashes);
		context.metrics.putRecords(stream, putRecordsCall(routed, performance.now() - started), context.nowMs);
		const failed = routed.filter((record) => !record.admitted).length;
		const writers = new Map<number, SequenceWriter>();
		const sequenceOf = (record: RoutedRecord) => {
			let writer = writers.get(record.shardIndex);
			if (!writer) writers.set(record.shardIndex, (writer = sequenceWriter(stream, record.shardIndex)));
			return writer.format(record.position);
		};
		const failure = (record: RoutedRecord) => {
			const error = shardRateExceeded(context, stream, record.shardIndex);
			return {ErrorCode: error.type, ErrorMessage: error.message};
		};
		return new SelfEncoding(
			() => [answerJson(stream, routed, failed, (record) => JSON.stringify(failure(record)))],
			() => ({
				FailedRecordCount: failed,
				Records: routed.map((record) =>
					record.admitted ? {SequenceNumber: sequenceOf(record), ShardId: shardIdOf(record.shardIndex)} : failure(record),
				),
				...(stream.encryption.type === 'KMS' ? {EncryptionType: 'KMS'} : {}),
			}),
		);
	},
	{readJson: readPutRecordsBody},
);

interface ShardPieces {
	/** A record's JSON in this shard, its sequence number left blank. */
	readonly entry: Buffer;
	readonly sequence: SequenceWriter;
}
const SEQUENCE_KEY = '{"SequenceNumber":"';

/**
 * The answer's JSON as bytes: a record's JSON is the same for every record of a shard but for its
 * sequence number, so it is made once per shard, with the shard's sequence writer, copied per record
 * and the number written into it.
 */
function answerJson(
	stream: StreamState,
	routed: readonly RoutedRecord[],
	failed: number,
	failureJson: (record: RoutedRecord) => string,
): Buffer {
	const around = new Map<number, ShardPieces>();
	// Per record, in order: the text around its position, or its error's JSON.
	const pieces: Array<ShardPieces | string> = [];
	const open = `{"FailedRecordCount":${failed},"Records":[`;
	// EncryptionType only for an encrypted stream, as AWS answers (kinesalite's suite, test/putRecords.js functionality).
	const close = stream.encryption.type === 'KMS' ? '],"EncryptionType":"KMS"}' : ']}';
	let size = open.length + close.length + routed.length;
	for (const record of routed) {
		if (!record.admitted) {
			const json = failureJson(record);
			pieces.push(json);
			size += Buffer.byteLength(json);
			continue;
		}
		let parts = around.get(record.shardIndex);
		if (!parts) {
			parts = {
				entry: Buffer.from(`${SEQUENCE_KEY}${'0'.repeat(SEQUENCE_DIGITS)}","ShardId":"${shardIdOf(record.shardIndex)}"}`, 'latin1'),
				sequence: sequenceWriter(stream, record.shardIndex),
			};
			around.set(record.shardIndex, parts);
		}
		pieces.push(parts);
		size += parts.entry.length;
	}
	// A pooled buffer, taken back once the answer is written: a fresh one each call, outside the JS heap, made V8 collect more often.
	const out = takePieceBuffer(size);
	let at = out.write(open, 0, 'latin1');
	for (let index = 0; index < routed.length; index++) {
		if (index > 0) out[at++] = 0x2c;
		const piece = pieces[index] as ShardPieces | string;
		if (typeof piece === 'string') {
			at += out.write(piece, at, 'utf8');
			continue;
		}
		out.set(piece.entry, at);
		piece.sequence.write(out, at + SEQUENCE_KEY.length, (routed[index] as RoutedRecord).position);
		at += piece.entry.length;
	}
	at += out.write(close, at, 'latin1');
	return out.subarray(0, at);
}
