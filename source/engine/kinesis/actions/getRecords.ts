import {performance} from 'node:perf_hooks';
import {ServiceError, invalidArgument, resourceNotFound} from '../../protocol/errors.js';
import {Blob, SelfEncoding, Timestamp} from '../../protocol/values.js';
import type {ShardState, StreamState} from '../../store/streamState.js';
import {recordsOf} from '../../store/store.js';
import {defineAction} from '../action.js';
import {encryptionAt} from './encryption.js';
import {StreamARN} from '../model/fields.js';
import {hexToDecimal} from '../model/hashKeys.js';
import {shardIdOf} from '../model/names.js';
import {recordsJson} from './recordsJson.js';
import {positionAt, sequenceWriter} from '../model/sequenceNumbers.js';
import {decodeIterator, encodeIterator} from '../model/shardIterators.js';

const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export default defineAction(
	{
		ShardIterator: {type: 'String', required: true, min: 1, max: 512},
		Limit: {type: 'Integer', minValue: 1, maxValue: 10_000},
		StreamARN,
	},
	({streams, store, limits, throughput, metrics, nowMs}, input) => {
		const started = performance.now();
		const iterator = decodeIterator(input.ShardIterator);
		if (!iterator) throw invalidArgument('Invalid ShardIterator.');
		if (nowMs - iterator.issuedMs > limits.iteratorTtlMs) {
			throw new ServiceError(
				'ExpiredIteratorException',
				`Iterator expired. The iterator was created at time ${javaDate(iterator.issuedMs)} while right now it is ${javaDate(nowMs)} ` +
					`which is further in the future than the tolerated delay of ${limits.iteratorTtlMs} milliseconds.`,
			);
		}
		const stream = streams.lookup(iterator.region, iterator.streamName, nowMs);
		const shard = stream?.createdMs === iterator.streamCreatedMs ? stream.shards[iterator.shardIndex] : undefined;
		if (!stream || !shard) {
			throw resourceNotFound(
				`Shard ${shardIdOf(iterator.shardIndex)} in stream ${iterator.streamName} under account ${streams.account} does not exist`,
			);
		}

		if (!throughput.admitRead(stream.uid, shard.index, nowMs)) {
			metrics.getRecordsThrottled(stream, shard.index, nowMs);
			throw new ServiceError(
				'ProvisionedThroughputExceededException',
				`Rate exceeded for Shard - ${streams.account}/${stream.name}/${shardIdOf(shard.index)}`,
			);
		}

		const minArrivalMs = nowMs - stream.retentionHours * 3_600_000;
		// Positions are never below arrival ms * 1000, so every record below positionAt(horizon) is past retention.
		const page = store.readPage(stream.uid, shard.index, Math.max(iterator.position, positionAt(minArrivalMs)), {
			maxRecords: input.Limit ?? 10_000,
			maxBytes: MAX_RESPONSE_BYTES,
			minArrivalMs,
		});
		const {last, next} = page;
		const nextPosition = last ? last.position + 1 : iterator.position;
		// A closed shard ends once nothing is left to read and no write reserved inside it is still in flight.
		const atEnd = shard.endPosition !== undefined && next === undefined && streams.settledThrough(stream, shard.endPosition);
		throughput.chargeRead(stream.uid, shard.index, page.bytes, nowMs);
		const iteratorAgeMs = last ? Math.max(0, nowMs - last.arrivalMs) : 0;
		metrics.getRecords(
			stream,
			shard.index,
			{records: page.count, bytes: page.bytes, iteratorAgeMs, latencyMs: performance.now() - started},
			nowMs,
		);

		const encryptedAt = (position: number) => encryptionAt(stream, position) === 'KMS';
		const rest = {
			MillisBehindLatest: next ? Math.max(0, nowMs - next.arrivalMs) : 0,
			...(atEnd
				? {ChildShards: childShards(stream, shard)}
				: {NextShardIterator: encodeIterator({...iterator, position: nextPosition, issuedMs: nowMs})}),
		};
		return new SelfEncoding(
			() =>
				recordsJson(
					page,
					{sequence: sequenceWriter(stream, shard.index), encryptedAt},
					'{"Records":[',
					`],${JSON.stringify(rest).slice(1)}`,
				),
			() => {
				const sequenceOf = sequenceWriter(stream, shard.index).format;
				return {
					Records: recordsOf(page).map((record) => ({
						SequenceNumber: sequenceOf(record.position),
						ApproximateArrivalTimestamp: new Timestamp(record.arrivalMs),
						Data: new Blob(record.data),
						PartitionKey: record.partitionKey,
						...(encryptedAt(record.position) ? {EncryptionType: 'KMS'} : {}),
					})),
					...rest,
				};
			},
		);
	},
);

export function childShards(stream: StreamState, parent: ShardState) {
	return stream.shards
		.filter((shard) => shard.parentIndex === parent.index || shard.adjacentParentIndex === parent.index)
		.map((shard) => ({
			ShardId: shardIdOf(shard.index),
			ParentShards: [shard.parentIndex, shard.adjacentParentIndex].filter((index) => index !== undefined).map(shardIdOf),
			HashKeyRange: {StartingHashKey: hexToDecimal(shard.startHash), EndingHashKey: hexToDecimal(shard.endHash)},
		}));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (value: number) => String(value).padStart(2, '0');

/** A time as Java's Date.toString writes it in UTC, which is how AWS's message shows it. */
function javaDate(ms: number): string {
	const date = new Date(ms);
	return (
		`${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${two(date.getUTCDate())} ` +
		`${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`
	);
}
