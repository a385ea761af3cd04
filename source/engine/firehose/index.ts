import {ControlPlaneQuotas, type Quota} from '../kinesis/quotas.js';
import type {Streams} from '../kinesis/model/streams.js';
import type {RegisteredAction} from '../kinesis/action.js';
import type {Service} from '../protocol/dispatch.js';
import type {Store} from '../store/store.js';
import type {FirehoseContext} from './action.js';
import createDeliveryStream from './actions/createDeliveryStream.js';
import deleteDeliveryStream from './actions/deleteDeliveryStream.js';
import describeDeliveryStream from './actions/describeDeliveryStream.js';
import listDeliveryStreams from './actions/listDeliveryStreams.js';
import {DeliveryStreams, type DeliveryStreamTimings} from './deliveryStreams.js';
import {FIREHOSE_QUOTA_SOURCE} from './quota.js';

/** Every Firehose action the engine serves, by its name in X-Amz-Target: the control plane of delivery streams. */
export const firehoseActions: Readonly<Record<string, RegisteredAction>> = {
	CreateDeliveryStream: createDeliveryStream,
	DeleteDeliveryStream: deleteDeliveryStream,
	DescribeDeliveryStream: describeDeliveryStream,
	ListDeliveryStreams: listDeliveryStreams,
};

/** Each action's quota, as kinesis/quotas.ts gathers Kinesis's. */
export const FIREHOSE_QUOTAS: Readonly<Record<string, Quota>> = Object.fromEntries(
	Object.entries(firehoseActions).flatMap(([name, action]) =>
		action.quota ? [[name, {...action.quota, source: FIREHOSE_QUOTA_SOURCE}]] : [],
	),
);

export interface FirehoseOptions extends DeliveryStreamTimings {
	readonly store: Store;
	readonly streams: Streams;
	readonly account: string;
	/** Delivery streams allowed per account and region. */
	readonly deliveryStreamLimit: number;
	/** Enforce the control plane's rates (--limits on). */
	readonly rateLimits: boolean;
	readonly now: () => number;
}

/**
 * Firehose's control plane on the engine's port, as @aws-sdk/client-firehose calls it: `POST /` with
 * `X-Amz-Target: Firehose_20150804.<Operation>` and an `application/x-amz-json-1.1` body (the service
 * model's awsJson1_1 protocol), validated and answered by the same dispatcher as Kinesis. It keeps
 * delivery streams and their state; it delivers nothing.
 */
export function firehoseService(options: FirehoseOptions): Service {
	const deliveryStreams = new DeliveryStreams(
		options.store,
		options.account,
		{createMs: options.createMs, deleteMs: options.deleteMs},
		options.deliveryStreamLimit,
	);
	const quotas = new ControlPlaneQuotas(options.rateLimits, options.account, options.now, FIREHOSE_QUOTAS);
	return {
		name: 'Firehose',
		targetPrefix: 'Firehose_20150804',
		actions: firehoseActions,
		contextFor: ({region}): FirehoseContext => ({
			deliveryStreams,
			streams: options.streams,
			account: options.account,
			region,
			nowMs: options.now(),
		}),
		admit: (action, input, region) => quotas.admit(action, input, region),
	};
}

/** AWS's default quota of delivery streams per account and region: "By default, you can create up to 5,000 Firehose streams per Amazon Web Services Region" (the API reference, CreateDeliveryStream). */
export const DELIVERY_STREAM_LIMIT = 5_000;
