import {performance} from 'node:perf_hooks';
import {invalidArgument} from '../../protocol/errors.js';
import type {StreamState} from '../../store/streamState.js';
import {defineAction, type ActionContext} from '../action.js';
import {awsSequenceForm} from '../model/awsSequenceForms.js';
import {Data, HashKey, PartitionKey, SequenceNumber, StreamRef} from '../model/fields.js';
import {shardIdOf} from '../model/names.js';
import {checkRecordSizes} from '../model/recordSizes.js';
import {isFromStream, parseSequenceNumber, sequenceWriter} from '../model/sequenceNumbers.js';
import {shardRateExceeded} from '../model/throughput.js';
import {IncomingRecords, routingHashes, writableStream, writeRecords} from '../model/writeRecords.js';

const schema = {...StreamRef, Data, PartitionKey, ExplicitHashKey: HashKey, SequenceNumberForOrdering: SequenceNumber} as const;

export default defineAction(schema, async (context, input) => {
	const started = performance.now();
	const stream = writableStream(context, input);
	checkRecordSizes(schema, input.Data.length, stream, () => input);
	const records = IncomingRecords.of([input]);
	const hashes = routingHashes(stream, records);
	let minimumPosition = 0;
	if (input.SequenceNumberForOrdering !== undefined) {
		minimumPosition = orderingPosition(context, stream, input.SequenceNumberForOrdering);
	}
	const written = await writeRecords(context, stream, records, hashes, minimumPosition);
	const shardIndex = written.shardIndexes[0] as number;
	const position = written.positions[0] as number;
	const succeeded = position >= 0;
	context.metrics.putRecord(stream, {bytes: written.bytes[0] as number, succeeded, latencyMs: performance.now() - started}, context.nowMs);
	if (!succeeded) throw shardRateExceeded(context, stream, shardIndex);
	return {
		ShardId: shardIdOf(shardIndex),
		SequenceNumber: sequenceWriter(stream, shardIndex).format(position),
		// Only for an encrypted stream: AWS leaves it out otherwise (kinesalite's suite, test/putRecord.js functionality).
		...(stream.encryption.type === 'KMS' ? {EncryptionType: 'KMS'} : {}),
	};
});

/**
 * The lowest position the record may take after SequenceNumberForOrdering. A number of this stream orders the
 * record after it (and must be one it issued). AWS takes any other number it reads as well formed, of version
 * 1 or 2 and not from the future (kinesalite's test/putRecord.js: "should work with SequenceNumberForOrdering
 * all 0", "... all 0 with version 1", "... if 8 near end"; its actions/putRecord.js refuses only what
 * db/index.js parseSequence refuses and a time after now); such a number constrains nothing, since every
 * record a shard takes lands after all it holds. A number of the old form (below 2^129) is refused: no
 * recorded answer says AWS takes one.
 */
function orderingPosition(context: ActionContext, stream: StreamState, sequenceNumber: string): number {
	const parts = parseSequenceNumber(sequenceNumber);
	const own = parts !== undefined && isFromStream(parts, stream);
	if (own && parts.position <= context.streams.lastPosition(stream)) return parts.position + 1;
	const form = own ? undefined : awsSequenceForm(sequenceNumber);
	if (form && form.version !== 0 && (form.arrivalMs ?? 0) <= context.nowMs) return 0;
	throw invalidArgument(
		`ExclusiveMinimumSequenceNumber ${sequenceNumber} used in PutRecord on stream ${stream.name} under account ${context.streams.account} is invalid.`,
	);
}
