import {defineAction} from '../action.js';
import {StreamARN} from '../model/fields.js';
import {MaxRecordSizeInKiB} from '../model/recordSizes.js';
import {activeStream} from '../model/reshard.js';

/**
 * Sets the largest record a stream takes, 1024..10240 KiB (API_UpdateMaxRecordSize). The API reference
 * calls it neither synchronous nor asynchronous; the engine applies it at once, on an ACTIVE stream.
 */
export default defineAction({StreamARN, MaxRecordSizeInKiB: {...MaxRecordSizeInKiB, required: true}}, async (context, input) => {
	const stream = activeStream(context, input);
	stream.maxRecordSizeKiB = input.MaxRecordSizeInKiB;
	await context.streams.save(stream);
	return {};
});
