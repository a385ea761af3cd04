import {performance} from 'node:perf_hooks';
import {putRecordsCall} from '../cloudwatch/recorder.js';
import {invalidArgument} from '../protocol/errors.js';
import {SelfEncoding} from '../protocol/values.js';
import {defineAction} from './action.js';
import {Data, HashKey, PartitionKey, StreamRef} from './fields.js';
import {shardIdOf} from './names.js';
import {sequenceFormatter} from './sequenceNumbers.js';
import {hashKeyOf, throttledWrite, writableStream, writeRecords, type RoutedRecord} from './writeRecords.js';

const MAX_REQUEST_BYTES = 5 * 1024 * 1024;

export default defineAction(
	{
		...StreamRef,
		Records: {
			type: 'List',
			required: true,
			min: 1,
			max: 500,
			memberText: 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry',
			member: {type: 'Structure', members: {Data, ExplicitHashKey: HashKey, PartitionKey}},
		},
	},
	async (context, input) => {
		const started = performance.now();
		const stream = writableStream(context, input);
		let bytes = 0;
		for (const record of input.Records) bytes += record.Data.length + Buffer.byteLength(record.PartitionKey);
		if (bytes > MAX_REQUEST_BYTES) throw invalidArgument('Records size exceeds 5 MB limit');
		// A bad ExplicitHashKey refuses the whole request on AWS too: it is checked before anything is written.
		const hashHexes = input.Records.map(hashKeyOf);
		const routed = await writeRecords(context, stream, input.Records, hashHexes);
		context.metrics.putRecords(stream, putRecordsCall(routed, performance.now() - started), context.nowMs);
		const failed = routed.filter((record) => !record.admitted).length;
		// Sequence numbers are formatted once per shard prefix, and each record's error is built only when it has one.
		const formatters = new Map<number, (position: number) => string>();
		const sequenceOf = (record: RoutedRecord) => {
			let format = formatters.get(record.shardIndex);
			if (!format) formatters.set(record.shardIndex, (format = sequenceFormatter(stream.createdMs, record.shardIndex)));
			return format(record.position);
		};
		const failure = (record: RoutedRecord) => {
			const error = throttledWrite(context, stream, record.shard);
			return {ErrorCode: error.type, ErrorMessage: error.message};
		};
		return new SelfEncoding(
			function* () {
				// Written in one pass: sequence numbers and shard ids are plain digits and letters.
				let json = `{"FailedRecordCount":${failed},"Records":[`;
				for (let index = 0; index < routed.length; index++) {
					const record = routed[index] as RoutedRecord;
					json += index === 0 ? '' : ',';
					json += record.admitted
						? `{"SequenceNumber":"${sequenceOf(record)}","ShardId":"${shardIdOf(record.shardIndex)}"}`
						: JSON.stringify(failure(record));
				}
				yield `${json}],"EncryptionType":"${stream.encryption.type}"}`;
			},
			() => ({
				FailedRecordCount: failed,
				Records: routed.map((record) => (record.admitted ? {SequenceNumber: sequenceOf(record), ShardId: shardIdOf(record.shardIndex)} : failure(record))),
				EncryptionType: stream.encryption.type,
			}),
		);
	},
);
