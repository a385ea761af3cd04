import type {ActionQuota} from '../kinesis/action.js';
import type {Streams} from '../kinesis/model/streams.js';
import type {Infer, Schema} from '../protocol/schema.js';
import type {DeliveryStreams} from './deliveryStreams.js';

/** What a Firehose action sees: the delivery streams, the Kinesis streams they read, and the request's region and time. */
export interface FirehoseContext {
	readonly deliveryStreams: DeliveryStreams;
	readonly streams: Streams;
	readonly account: string;
	readonly region: string;
	readonly nowMs: number;
}

export interface FirehoseAction<S extends Schema = Schema> {
	readonly schema: S;
	readonly run: (context: FirehoseContext, input: Infer<S>) => Promise<object> | object;
	/** Its rate, as AWS's Firehose quotas page states it (see index.ts). */
	readonly quota?: ActionQuota;
}

export const defineAction = <S extends Schema>(
	schema: S,
	run: FirehoseAction<S>['run'],
	options: Pick<FirehoseAction<S>, 'quota'> = {},
): FirehoseAction<S> => ({schema, run, ...options});
