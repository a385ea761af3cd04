import {invalidArgument} from '../../protocol/errors.js';
import {defineAction} from '../action.js';
import {StreamARN} from '../model/fields.js';
import {activeStream} from '../model/reshard.js';
import {RecordDistributionStrategy} from '../model/writeRecords.js';

/**
 * "The change takes effect immediately": no UPDATING. "Attempting to set AUTO on a provisioned stream results
 * in an InvalidArgumentException." (UpdateStreamRecordDistributionStrategy, @aws-sdk/client-kinesis 3.1143;
 * the message's wording is the engine's own.)
 */
export default defineAction(
	{StreamARN: {...StreamARN, required: true}, RecordDistributionStrategy: {...RecordDistributionStrategy, required: true}},
	async (context, input) => {
		const stream = activeStream(context, input);
		const strategy = input.RecordDistributionStrategy === 'AUTO' ? 'AUTO' : 'USER_PARTITION_KEY';
		if (strategy === 'AUTO' && stream.mode !== 'ON_DEMAND') {
			throw invalidArgument(
				`Record distribution strategy AUTO is supported only for ON_DEMAND streams; stream ${stream.name} under account ${context.streams.account} is ${stream.mode}.`,
			);
		}
		stream.recordDistribution = strategy;
		await context.streams.save(stream);
		return {};
	},
);
