import {defineAction, perAccount} from '../action.js';
import {describeSummary} from './describe.js';
import {StreamRef} from '../model/fields.js';
import {liveChannels} from '../model/channels.js';
import {DEFAULT_MAX_RECORD_KIB} from '../model/recordSizes.js';
import {describeWarmThroughput} from '../model/warmThroughput.js';

export default defineAction(
	{...StreamRef},
	(context, input) => {
		const {streams, region, nowMs} = context;
		const stream = streams.find(region, input, nowMs);
		const warm = describeWarmThroughput(context, stream);
		return {
			StreamDescriptionSummary: {
				...describeSummary(streams, stream, nowMs),
				...(warm ? {WarmThroughput: warm} : {}),
				// StreamDescriptionSummary has these members in the service model; StreamDescription (DescribeStream) has none of them.
				MaxRecordSizeInKiB: stream.maxRecordSizeKiB ?? DEFAULT_MAX_RECORD_KIB,
				ChannelCount: liveChannels(stream, nowMs).length,
				// "This field is only present for streams that use the on-demand capacity mode." (StreamDescriptionSummary)
				...(stream.mode === 'ON_DEMAND' ? {RecordDistributionStrategy: stream.recordDistribution ?? 'USER_PARTITION_KEY'} : {}),
			},
		};
	},
	// "DescribeStreamSummary has a limit of 20 transactions per second per account." (API_DescribeStreamSummary)
	{quota: perAccount(20)},
);
