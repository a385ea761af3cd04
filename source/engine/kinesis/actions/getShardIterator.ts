import {invalidArgument, resourceNotFound} from '../../protocol/errors.js';
import type {StreamState} from '../../store/streamState.js';
import {defineAction, type ActionContext} from '../action.js';
import {awsSequenceForm, encodedShardId} from '../model/awsSequenceForms.js';
import {SequenceNumber, ShardId, StreamRef} from '../model/fields.js';
import {shardIdOf} from '../model/names.js';
import {isFromStream, parseSequenceNumber, positionAt} from '../model/sequenceNumbers.js';
import {shardIndexIn} from '../model/reshard.js';
import {encodeIterator} from '../model/shardIterators.js';
import {shardRateExceeded} from '../model/throughput.js';

// In the order AWS lists them in its validation message.
const ITERATOR_TYPES = ['AFTER_SEQUENCE_NUMBER', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'TRIM_HORIZON'] as const;

export default defineAction(
	{
		...StreamRef,
		ShardId: {...ShardId, required: true},
		ShardIteratorType: {type: 'String', required: true, enum: ITERATOR_TYPES},
		StartingSequenceNumber: SequenceNumber,
		Timestamp: {type: 'Timestamp'},
	},
	(context, input) => {
		const {streams, region, nowMs, throughput} = context;
		// AWS reads the shard id first, and names the shard (as it spells it) when the stream is missing too.
		const index = shardIndexIn(context, input, input.ShardId);
		const name = streams.nameOf(region, input);
		const stream = streams.lookup(region, name, nowMs);
		const shard = stream?.shards[index];
		if (!stream || !shard || stream.status === 'CREATING') {
			throw resourceNotFound(`Shard ${shardIdOf(index)} in stream ${name} under account ${streams.account} does not exist`);
		}
		const type = input.ShardIteratorType;
		const bySequence = type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER';
		if (bySequence !== (input.StartingSequenceNumber !== undefined)) {
			throw invalidArgument(
				'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
					'(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. ' +
					`Request specified ${type} and ${bySequence ? 'no' : 'also a'} StartingSequenceNumber.`,
			);
		}
		let position: number;
		if (input.StartingSequenceNumber !== undefined) {
			position =
				positionOfSequence(context, stream, shard.index, input.StartingSequenceNumber) + (type === 'AFTER_SEQUENCE_NUMBER' ? 1 : 0);
		} else if (type === 'TRIM_HORIZON') {
			position = shard.startPosition;
		} else if (type === 'LATEST') {
			position = shard.endPosition === undefined ? streams.lastPosition(stream) + 1 : shard.endPosition + 1;
		} else {
			position = positionAtTimestamp(context, stream, shard.index, input.Timestamp);
		}
		// Checked once the request is known to be well formed, so that a bad one still gets its own error.
		if (!throughput.admitIterator(stream.uid, shard.index, nowMs)) {
			throw shardRateExceeded(context, stream, shard.index);
		}
		return {
			ShardIterator: encodeIterator({
				region: stream.region,
				streamName: stream.name,
				streamCreatedMs: stream.createdMs,
				shardIndex: shard.index,
				position,
				issuedMs: nowMs,
			}),
		};
	},
);

/**
 * The position a number names. A number the engine did not issue is read as AWS reads it (awsSequenceForms.ts),
 * so that the shard it encodes is named as AWS names it (kinesalite's test/getShardIterator.js: "5" encodes
 * shardId-000000000005, a version-2 number with 8 near its end shardId--02147483648).
 */
function positionOfSequence(context: ActionContext, stream: StreamState, shardIndex: number, sequenceNumber: string): number {
	const where = `used in GetShardIterator on shard ${shardIdOf(shardIndex)} in stream ${stream.name} under account ${context.streams.account}`;
	const parts = parseSequenceNumber(sequenceNumber);
	const form = parts ? undefined : awsSequenceForm(sequenceNumber);
	const encoded = parts?.shardIndex ?? form?.shardIndex;
	// AWS answers a number of the old form that names this shard with an InternalFailure (kinesalite's "small
	// (old?) sequence number" case); the engine never answers 500 to a request, and calls it invalid.
	if (encoded === undefined || (form?.version === 0 && encoded === shardIndex)) {
		throw invalidArgument(`StartingSequenceNumber ${sequenceNumber} ${where} is invalid.`);
	}
	if (encoded !== shardIndex) {
		throw invalidArgument(
			`Invalid StartingSequenceNumber. It encodes ${encodedShardId(encoded)}, while it was used in a call to a shard with ${shardIdOf(shardIndex)}`,
		);
	}
	if (!parts || !isFromStream(parts, stream)) {
		throw invalidArgument(`StartingSequenceNumber ${sequenceNumber} ${where} is invalid because it did not come from this stream.`);
	}
	return parts.position;
}

/** The position of the first record that arrived at or after a time; past the newest record, the next one to come. */
function positionAtTimestamp(context: ActionContext, stream: StreamState, shardIndex: number, timestamp: Date | undefined): number {
	if (timestamp === undefined) {
		throw invalidArgument(
			'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
		);
	}
	const ms = timestamp.getTime();
	if (ms > context.nowMs) {
		throw invalidArgument(
			`The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: ${ms}, currentTimestampInMillis: ${context.nowMs}`,
		);
	}
	// Every record below positionAt(ms) arrived before ms, so the search starts there and ends quickly.
	const shard = stream.shards[shardIndex];
	const from = Math.max(positionAt(ms), shard?.startPosition ?? 0);
	const found = context.store.firstArrivedSince(stream.uid, shardIndex, from, ms);
	if (found !== undefined) return found;
	return shard?.endPosition === undefined ? context.streams.lastPosition(stream) + 1 : shard.endPosition + 1;
}
