import {limitExceeded, type ServiceError} from '../protocol/errors.js';
import type {ActionQuota} from './action.js';
import {kinesisActions} from './index.js';
import {TokenBucket} from './model/throughput.js';

/**
 * Kinesis's control-plane API quotas: each action declares its own (`quota` in defineAction, with the
 * sentence of AWS's API reference beside it), and this table gathers them by action name. The data
 * plane (PutRecord(s), GetRecords, GetShardIterator) is limited per shard in model/throughput.ts
 * instead, and has no entry here.
 */
export interface Quota extends ActionQuota {
	/** Where AWS states it. */
	readonly source: string;
}

const reference = (action: string) => `https://docs.aws.amazon.com/kinesis/latest/APIReference/API_${action}.html`;

/**
 * Every action whose page states a rate. Actions that exist in the service model but whose page states
 * none (the retention, monitoring, mode, resource-policy, TagResource family, UpdateMaxRecordSize and
 * UpdateStreamRecordDistributionStrategy actions, as of @aws-sdk/client-kinesis 3.1143.0) are not
 * limited: the README lists them, so that nobody takes the absence for a number.
 */
export const CONTROL_PLANE_QUOTAS: Readonly<Record<string, Quota>> = Object.fromEntries(
	Object.entries(kinesisActions).flatMap(([name, action]) => (action.quota ? [[name, {...action.quota, source: reference(name)}]] : [])),
);

/** The request members a quota's scope and message are read from. */
interface Named {
	readonly StreamName?: unknown;
	readonly StreamARN?: unknown;
	readonly ConsumerARN?: unknown;
	readonly ResourceARN?: unknown;
	readonly NextToken?: unknown;
	readonly ShardId?: unknown;
}

/**
 * Counts control-plane calls against their quotas, per account and region (and stream, or consumer and
 * shard, where AWS counts so). A refused call changes nothing: it is refused before the action runs,
 * once its input has passed validation, so that a malformed request still gets its own error.
 */
export class ControlPlaneQuotas {
	private readonly buckets = new Map<string, TokenBucket>();
	/** The bucket count at which full buckets are next swept out. */
	private sweepAt = MAX_BUCKETS;

	constructor(
		readonly enabled: boolean,
		private readonly account: string,
		private readonly now: () => number,
		private readonly quotas: Readonly<Record<string, Quota>> = CONTROL_PLANE_QUOTAS,
	) {}

	/**
	 * Takes one call from the action's budget, or answers the refusal AWS gives when it is spent. An
	 * action with no quota (the whole data plane) costs one property lookup, and no clock reading.
	 */
	admit(action: string, input: object, region: string): ServiceError | undefined {
		if (!this.enabled) return undefined;
		const quota = Object.hasOwn(this.quotas, action) ? this.quotas[action] : undefined;
		if (!quota) return undefined;
		const nowMs = this.now();
		const named = input as Named;
		const stream = streamNameOf(named);
		let key = `${region}|${action}`;
		if (quota.scope === 'stream') key += `|${stream ?? ''}`;
		else if (quota.scope === 'consumerShard') key += `|${String(named.ConsumerARN)}|${String(named.ShardId)}`;
		let bucket = this.buckets.get(key);
		if (!bucket) {
			if (this.buckets.size >= this.sweepAt) this.forgetFull(nowMs);
			bucket = new TokenBucket(quota.perSecond, nowMs);
			this.buckets.set(key, bucket);
		}
		if (bucket.available(nowMs) >= 1) {
			bucket.take(1);
			return undefined;
		}
		// AWS's wording, as its answers show it: a call that names a stream is refused "for stream NAME
		// under account ID." (DescribeStream: boto/botocore#821, an account-wide quota); one that names
		// none "for account ID." (ListStreams: Graylog2/graylog-plugin-integrations#341).
		return limitExceeded(
			stream === undefined
				? `Rate exceeded for account ${this.account}.`
				: `Rate exceeded for stream ${stream} under account ${this.account}.`,
		);
	}

	/**
	 * Drops the buckets that have refilled: a new one would be the same, so memory stays bounded by recent
	 * callers. When most are still in use, the next sweep waits until there are twice as many, so that
	 * sweeping stays a small cost per bucket made.
	 */
	private forgetFull(nowMs: number): void {
		for (const [key, bucket] of this.buckets) if (bucket.full(nowMs)) this.buckets.delete(key);
		this.sweepAt = Math.max(MAX_BUCKETS, this.buckets.size * 2);
	}
}

/** Past this many buckets (streams and consumer shards called recently), full ones are forgotten. */
const MAX_BUCKETS = 10_000;

const STREAM_IN_ARN = /:stream\/([^/:\s]+)/;

/** The stream a request is about, by name, ARN (of the stream or a consumer), or ListShards' NextToken. */
function streamNameOf(input: Named): string | undefined {
	if (typeof input.StreamName === 'string') return input.StreamName;
	for (const arn of [input.StreamARN, input.ConsumerARN, input.ResourceARN]) {
		if (typeof arn === 'string') {
			const name = STREAM_IN_ARN.exec(arn)?.[1];
			if (name !== undefined) return name;
		}
	}
	if (typeof input.NextToken === 'string') return streamOfToken(input.NextToken);
	return undefined;
}

/** The stream a page token (pageTokens.ts) was issued for; the action itself answers a bad token. */
function streamOfToken(token: string): string | undefined {
	try {
		const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as {streamName?: unknown};
		return typeof decoded.streamName === 'string' && decoded.streamName !== '' ? decoded.streamName : undefined;
	} catch {
		return undefined;
	}
}
