import {invalidArgument} from '../../protocol/errors.js';
import type {StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';

/** "By default, you cannot ... Scale to more than 10 GiBps for an on-demand stream." (UpdateStreamWarmThroughput, @aws-sdk/client-kinesis 3.1143) */
export const MAX_WARM_MIBPS = 10 * 1024;

/** NaturalIntegerObject in the service model (botocore kinesis service-2.json): an integer of 0 or more. */
export const WarmThroughputMiBps = {type: 'Integer', minValue: 0} as const;

/**
 * Checks that a stream may have warm throughput: "This operation is only supported for data streams with the
 * on-demand capacity mode in accounts that have MinimumThroughputBillingCommitment enabled." (same source).
 * The wording of these refusals is the engine's own: no source records AWS's.
 */
export function checkWarmThroughput(context: ActionContext, stream: {name: string; mode: StreamState['mode']}, mibps: number): void {
	const {account} = context.streams;
	if (stream.mode !== 'ON_DEMAND') {
		throw invalidArgument(
			`Warm throughput is supported only for ON_DEMAND streams; stream ${stream.name} under account ${account} is ${stream.mode}.`,
		);
	}
	if (!context.accountSettings.committed(context.region, context.nowMs)) {
		throw invalidArgument(
			`Warm throughput requires MinimumThroughputBillingCommitment to be enabled for account ${account} in ${context.region}.`,
		);
	}
	if (mibps > MAX_WARM_MIBPS) {
		throw invalidArgument(`Warm throughput of ${mibps} MiBps for stream ${stream.name} exceeds the limit of ${MAX_WARM_MIBPS} MiBps.`);
	}
}

/** Sets a stream's target; what it had before stays current until reachedAtMs (the end of the update). */
export function setWarmThroughput(stream: StreamState, mibps: number, nowMs: number, reachedAtMs: number): void {
	stream.warmThroughput = {targetMiBps: mibps, previousMiBps: currentWarmMiBps(stream, nowMs), reachedAtMs};
}

const currentWarmMiBps = (stream: StreamState, nowMs: number): number => {
	const warm = stream.warmThroughput;
	if (!warm) return 0;
	return nowMs >= warm.reachedAtMs ? warm.targetMiBps : warm.previousMiBps;
};

/**
 * WarmThroughputObject: "This is only present for On-Demand Kinesis Data Streams in accounts that have
 * MinimumThroughputBillingCommitment enabled." (StreamDescriptionSummary, @aws-sdk/client-kinesis 3.1143)
 */
export function describeWarmThroughput(context: ActionContext, stream: StreamState) {
	if (stream.mode !== 'ON_DEMAND' || !stream.warmThroughput || !context.accountSettings.committed(context.region, context.nowMs)) {
		return undefined;
	}
	return {TargetMiBps: stream.warmThroughput.targetMiBps, CurrentMiBps: currentWarmMiBps(stream, context.nowMs)};
}
