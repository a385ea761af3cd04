import {invalidArgument} from '../../protocol/errors.js';
import {defineAction, perAccount} from '../action.js';
import {updateChannelSchema} from './channelFields.js';
import {activeChannel, describeChannel} from '../model/channels.js';

/**
 * "Updates the data freshness interval or the Amazon CloudWatch Logs configuration of an existing channel."
 * The channel is UPDATING for the engine's update time (UpdateChannel, @aws-sdk/client-kinesis 3.1143).
 */
export default defineAction(
	updateChannelSchema,
	async (context, input) => {
		const {stream, channel} = activeChannel(context, input.ChannelARN);
		const configuration = channel.configuration;
		const changes: Array<[key: string, update: {DataFreshnessInSeconds: number} | undefined]> = [
			['S3DestinationConfiguration', input.S3DestinationConfiguration],
			['S3TablesDestinationConfiguration', input.S3TablesDestinationConfiguration],
		];
		for (const [key, update] of changes) {
			if (update === undefined) continue;
			const destination = configuration[key] as Record<string, unknown> | undefined;
			// Wording the engine's own: the destination of a channel cannot change.
			if (!destination) throw invalidArgument(`Channel ${channel.name} has no ${key} to update.`);
			configuration[key] = {...destination, DataFreshnessInSeconds: update.DataFreshnessInSeconds};
		}
		if (input.LoggingConfiguration?.CloudWatchLogs) configuration['LoggingConfiguration'] = input.LoggingConfiguration;
		channel.updatedAtMs = context.nowMs + context.streams.timings.updateMs;
		await context.streams.save(stream);
		return {ChannelDescription: describeChannel(context, stream, channel)};
	},
	// "This operation has a call limit of 5 transactions per second (TPS) for each ... account." (API_UpdateChannel)
	{quota: perAccount(5)},
);
