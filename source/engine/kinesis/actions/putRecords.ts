import {performance} from 'node:perf_hooks';
import {putRecordsCall} from '../../cloudwatch/recorder.js';
import {invalidArgument} from '../../protocol/errors.js';
import {takePieceBuffer} from '../../protocol/pieceBuffers.js';
import {SelfEncoding} from '../../protocol/values.js';
import type {StreamState} from '../../store/streamState.js';
import {defineAction} from '../action.js';
import {shardIdOf} from '../model/names.js';
import {putRecordsSchema, readPutRecordsBody, type PutRecordsInput, type ReadPutRecords} from './putRecordsBody.js';
import {checkRecordSizes, requestLimitBytes} from '../model/recordSizes.js';
import {SEQUENCE_DIGITS, sequenceWriter, type SequenceWriter} from '../model/sequenceNumbers.js';
import {shardRateExceeded} from '../model/throughput.js';
import {IncomingRecords, routingHashes, writableStream, writeRecords, type WrittenRecords} from '../model/writeRecords.js';

export default defineAction(
	putRecordsSchema,
	async (context, input: PutRecordsInput | ReadPutRecords) => {
		const started = performance.now();
		const stream = writableStream(context, input);
		// The fast reader gives the records as the write path takes them; the general path, as parsed.
		const records = input.Records instanceof IncomingRecords ? input.Records : IncomingRecords.of(input.Records);
		checkRecordSizes(putRecordsSchema, records.largestData(), stream, (): PutRecordsInput => ({...input, Records: records.entries()}));
		const bytes = records.bytes();
		const limit = requestLimitBytes(stream);
		// AWS's words for the 5 MiB limit (an answer quoted in aws/amazon-kinesis-streams-for-fluent-bit issue 21); the 10 MiB one is worded alike here.
		if (bytes > limit) throw invalidArgument(`Records size exceeds ${limit / (1024 * 1024)} MB limit`);
		// A bad ExplicitHashKey refuses the whole request on AWS too: it is checked before anything is written.
		const hashes = routingHashes(stream, records);
		const written = await writeRecords(context, stream, records, hashes);
		context.metrics.putRecords(stream, putRecordsCall(written, performance.now() - started), context.nowMs);
		const failure = (shardIndex: number) => {
			const error = shardRateExceeded(context, stream, shardIndex);
			return {ErrorCode: error.type, ErrorMessage: error.message};
		};
		return new SelfEncoding(
			() => [answerJson(stream, written, (shardIndex) => JSON.stringify(failure(shardIndex)))],
			() => {
				const writers = new Map<number, SequenceWriter>();
				const sequenceOf = (shardIndex: number, position: number) => {
					let writer = writers.get(shardIndex);
					if (!writer) writers.set(shardIndex, (writer = sequenceWriter(stream, shardIndex)));
					return writer.format(position);
				};
				return {
					FailedRecordCount: written.count - written.admitted,
					Records: Array.from(written.positions, (position, index) => {
						const shardIndex = written.shardIndexes[index] as number;
						return position >= 0 ? {SequenceNumber: sequenceOf(shardIndex, position), ShardId: shardIdOf(shardIndex)} : failure(shardIndex);
					}),
					...(stream.encryption.type === 'KMS' ? {EncryptionType: 'KMS'} : {}),
				};
			},
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
function answerJson(stream: StreamState, written: WrittenRecords, failureJson: (shardIndex: number) => string): Buffer {
	const {count, shardIndexes, positions} = written;
	const around = new Map<number, ShardPieces>();
	// Per record, in order: the text around its position, or its error's JSON.
	const pieces: Array<ShardPieces | string> = [];
	const open = `{"FailedRecordCount":${count - written.admitted},"Records":[`;
	// EncryptionType only for an encrypted stream, as AWS answers (kinesalite's suite, test/putRecords.js functionality).
	const close = stream.encryption.type === 'KMS' ? '],"EncryptionType":"KMS"}' : ']}';
	let size = open.length + close.length + count;
	for (let index = 0; index < count; index++) {
		const shardIndex = shardIndexes[index] as number;
		if ((positions[index] as number) < 0) {
			const json = failureJson(shardIndex);
			pieces.push(json);
			size += Buffer.byteLength(json);
			continue;
		}
		let parts = around.get(shardIndex);
		if (!parts) {
			parts = {
				entry: Buffer.from(`${SEQUENCE_KEY}${'0'.repeat(SEQUENCE_DIGITS)}","ShardId":"${shardIdOf(shardIndex)}"}`, 'latin1'),
				sequence: sequenceWriter(stream, shardIndex),
			};
			around.set(shardIndex, parts);
		}
		pieces.push(parts);
		size += parts.entry.length;
	}
	// A pooled buffer, taken back once the answer is written: a fresh one each call, outside the JS heap, made V8 collect more often.
	const out = takePieceBuffer(size);
	let at = out.write(open, 0, 'latin1');
	for (let index = 0; index < count; index++) {
		if (index > 0) out[at++] = 0x2c;
		const piece = pieces[index] as ShardPieces | string;
		if (typeof piece === 'string') {
			at += out.write(piece, at, 'utf8');
			continue;
		}
		out.set(piece.entry, at);
		piece.sequence.write(out, at + SEQUENCE_KEY.length, positions[index] as number);
		at += piece.entry.length;
	}
	at += out.write(close, at, 'latin1');
	return out.subarray(0, at);
}
