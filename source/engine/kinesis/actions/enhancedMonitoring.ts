import type {ActionContext} from '../action.js';
import {StreamRef} from '../model/fields.js';
import {activeStream} from '../model/reshard.js';

export const SHARD_LEVEL_METRICS = [
	'IncomingBytes',
	'IncomingRecords',
	'OutgoingBytes',
	'OutgoingRecords',
	'WriteProvisionedThroughputExceeded',
	'ReadProvisionedThroughputExceeded',
	'IteratorAgeMilliseconds',
] as const;

export const monitoringInput = {
	...StreamRef,
	ShardLevelMetrics: {
		type: 'List',
		required: true,
		min: 1,
		max: 7,
		member: {type: 'String', enum: [...SHARD_LEVEL_METRICS, 'ALL']},
	},
} as const;

/** Enables or disables shard-level metrics ("ALL" names every one); answers with the sets before and after. */
export async function changeMonitoring(
	context: ActionContext,
	input: {StreamName?: string; StreamARN?: string; ShardLevelMetrics: string[]},
	enable: boolean,
) {
	const stream = activeStream(context, input);
	const named = new Set(input.ShardLevelMetrics.includes('ALL') ? SHARD_LEVEL_METRICS : input.ShardLevelMetrics);
	const before = [...stream.enhancedMonitoring];
	stream.enhancedMonitoring = SHARD_LEVEL_METRICS.filter((metric) =>
		enable ? before.includes(metric) || named.has(metric) : before.includes(metric) && !named.has(metric),
	);
	await context.streams.save(stream);
	return {
		StreamName: stream.name,
		StreamARN: context.streams.arnOf(stream),
		CurrentShardLevelMetrics: before,
		DesiredShardLevelMetrics: [...stream.enhancedMonitoring],
	};
}
