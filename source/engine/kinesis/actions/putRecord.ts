import {performance} from 'node:perf_hooks';
import {invalidArgument} from '../../protocol/errors.js';
import {defineAction} from '../action.js';
import {Data, HashKey, PartitionKey, SequenceNumber, StreamRef} from '../model/fields.js';
import {shardIdOf} from '../model/names.js';
import {checkRecordSizes} from '../model/recordSizes.js';
import {isFromStream, parseSequenceNumber, sequenceWriter} from '../model/sequenceNumbers.js';
import {shardRateExceeded} from '../model/throughput.js';
import {routingHashes, writableStream, writeRecords} from '../model/writeRecords.js';

const schema = {...StreamRef, Data, PartitionKey, ExplicitHashKey: HashKey, SequenceNumberForOrdering: SequenceNumber} as const;

export default defineAction(schema, async (context, input) => {
	const started = performance.now();
	const stream = writableStream(context, input);
	checkRecordSizes(schema, input, [input], stream);
	const [hashHex = ''] = routingHashes(stream, [input]);
	let minimumPosition = 0;
	if (input.SequenceNumberForOrdering !== undefined) {
		// The new record must sort after the one named, so the number has to be one this stream issued.
		const parts = parseSequenceNumber(input.SequenceNumberForOrdering);
		if (!parts || !isFromStream(parts, stream) || parts.position > context.streams.lastPosition(stream)) {
			throw invalidArgument(
				`ExclusiveMinimumSequenceNumber ${input.SequenceNumberForOrdering} used in PutRecord on stream ${stream.name} under account ${context.streams.account} is invalid.`,
			);
		}
		minimumPosition = parts.position + 1;
	}
	const [written] = await writeRecords(context, stream, [input], [hashHex], minimumPosition);
	if (!written) throw new Error('a written record was not reported');
	context.metrics.putRecord(
		stream,
		{bytes: written.bytes, succeeded: written.admitted, latencyMs: performance.now() - started},
		context.nowMs,
	);
	if (!written.admitted) throw shardRateExceeded(context, stream, written.shardIndex);
	return {
		ShardId: shardIdOf(written.shardIndex),
		SequenceNumber: sequenceWriter(stream, written.shardIndex).format(written.position),
		// Only for an encrypted stream: AWS leaves it out otherwise (kinesalite's suite, test/putRecord.js functionality).
		...(stream.encryption.type === 'KMS' ? {EncryptionType: 'KMS'} : {}),
	};
});
