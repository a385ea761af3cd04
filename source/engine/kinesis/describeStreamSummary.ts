import {defineAction} from './action.js';
import {describeSummary} from './describe.js';
import {StreamRef} from './fields.js';
import {DEFAULT_MAX_RECORD_KIB} from './recordSizes.js';
import {describeWarmThroughput} from './warmThroughput.js';

export default defineAction({...StreamRef}, (context, input) => {
	const {streams, region, nowMs} = context;
	const stream = streams.find(region, input, nowMs);
	const warm = describeWarmThroughput(context, stream);
	return {
		StreamDescriptionSummary: {
			...describeSummary(streams, stream, nowMs),
			...(warm ? {WarmThroughput: warm} : {}),
			// StreamDescriptionSummary has MaxRecordSizeInKiB in the service model; StreamDescription (DescribeStream) does not.
			MaxRecordSizeInKiB: stream.maxRecordSizeKiB ?? DEFAULT_MAX_RECORD_KIB,
		},
	};
});
