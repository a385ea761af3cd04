import {performance} from 'node:perf_hooks';
import {putRecordsCall} from '../cloudwatch/recorder.js';
import {invalidArgument} from '../protocol/errors.js';
import {SelfEncoding} from '../protocol/values.js';
import {defineAction} from './action.js';
import {Data, HashKey, PartitionKey, StreamRef} from './fields.js';
import {shardIdOf} from './names.js';
import {hashKeyOf, writableStream, writeRecords, type WriteOutcome} from './writeRecords.js';

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
		const routed = input.Records.map((record) => ({record, hashHex: hashKeyOf(record)}));
		const outcomes = await writeRecords(context, stream, routed);
		context.metrics.putRecords(stream, putRecordsCall(input.Records, outcomes, performance.now() - started), context.nowMs);
		const failed = outcomes.filter((outcome) => 'throttled' in outcome).length;
		const entries = () =>
			outcomes.map((outcome) =>
				'throttled' in outcome
					? {ErrorCode: outcome.throttled.type, ErrorMessage: outcome.throttled.message}
					: {SequenceNumber: outcome.sequenceNumber, ShardId: shardIdOf(outcome.shard.index)},
			);
		return new SelfEncoding(
			function* () {
				// Written in one pass: sequence numbers and shard ids are plain digits and letters.
				let json = `{"FailedRecordCount":${failed},"Records":[`;
				for (let index = 0; index < outcomes.length; index++) {
					const outcome = outcomes[index] as WriteOutcome;
					json += index === 0 ? '' : ',';
					json +=
						'throttled' in outcome
							? JSON.stringify({ErrorCode: outcome.throttled.type, ErrorMessage: outcome.throttled.message})
							: `{"SequenceNumber":"${outcome.sequenceNumber}","ShardId":"${shardIdOf(outcome.shard.index)}"}`;
				}
				yield `${json}],"EncryptionType":"${stream.encryption.type}"}`;
			},
			() => ({FailedRecordCount: failed, Records: entries(), EncryptionType: stream.encryption.type}),
		);
	},
);
