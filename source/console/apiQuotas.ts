import type {ApiQuota} from './requestBudget.js';

const perAccount = (perSecond: number): ApiQuota => ({perSecond, scope: 'account'});
const perStream = (perSecond: number): ApiQuota => ({perSecond, scope: 'stream'});

/**
 * AWS's per-account API quotas for the calls the console makes, which its request budget takes a share
 * of. Kinesis's come from each operation's page of the API reference
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_<Operation>.html), as the built-in
 * engine's actions declare them too; a test holds the two tables equal. The console keeps its own copy
 * so that connecting to AWS does not load the engine. GetRecords (5 calls a second per shard) is not
 * here: its request names an iterator, not a shard, so the readers pace each shard themselves, within
 * `readsPerShard` (tail/pollScheduler.ts).
 */
export const API_QUOTAS: Readonly<Record<string, ApiQuota>> = {
	// "... has a limit of five transactions per second per account."
	AddTagsToStream: perAccount(5),
	CreateStream: perAccount(5),
	DeleteStream: perAccount(5),
	ListStreams: perAccount(5),
	ListTagsForStream: perAccount(5),
	MergeShards: perAccount(5),
	RemoveTagsFromStream: perAccount(5),
	SplitShard: perAccount(5),
	RegisterStreamConsumer: perAccount(5),
	// "This operation has a limit of one transaction per second per account."
	DescribeLimits: perAccount(1),
	// "This operation has a limit of 10 transactions per second per account."
	DescribeStream: perAccount(10),
	// "DescribeStreamSummary has a limit of 20 transactions per second per account."
	DescribeStreamSummary: perAccount(20),
	// "Make over 10 TPS. TPS over 10 will trigger the LimitExceededException"
	UpdateShardCount: perAccount(10),
	// "This operation has a limit of 1000 transactions per second per data stream."
	ListShards: perStream(1000),
	// "This operation has a limit of five transactions per second per stream."
	DeregisterStreamConsumer: perStream(5),
	// "This operation has a limit of 20 transactions per second per stream."
	DescribeStreamConsumer: perStream(20),
	// "This operation has a limit of 5 transactions per second per stream."
	ListStreamConsumers: perStream(5),
	// "You can make one call to SubscribeToShard per second per registered consumer per shard."
	SubscribeToShard: {perSecond: 1, scope: 'consumerShard'},
	// "This operation has a call limit of 5 transactions per second (TPS) for each ... account."
	CreateChannel: perAccount(5),
	DescribeChannel: perAccount(5),
	ListChannels: perAccount(5),
	UpdateChannel: perAccount(5),
	DeleteChannel: perAccount(5),
	// "This API has a call limit of 5 transactions per second (TPS) for each ... account."
	DescribeAccountSettings: perAccount(5),
	UpdateAccountSettings: perAccount(5),
	UpdateStreamWarmThroughput: perAccount(5),
	// "GetShardIterator has a limit of five transactions per second per account per open shard."
	GetShardIterator: {perSecond: 5, scope: 'shard'},
	// CloudWatch's service quotas (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html):
	// "GetMetricData: 50 transactions per second (TPS)", "ListMetrics: 25 TPS".
	GetMetricData: perAccount(50),
	ListMetrics: perAccount(25),
	// Firehose's (https://docs.aws.amazon.com/firehose/latest/dev/limits.html): "The CreateDeliveryStream,
	// DeleteDeliveryStream, DescribeDeliveryStream, ListDeliveryStreams, ... APIs can each provide up to 5
	// invocations per second". Its operation names are its own, so one budget holds both services.
	CreateDeliveryStream: perAccount(5),
	DeleteDeliveryStream: perAccount(5),
	DescribeDeliveryStream: perAccount(5),
	ListDeliveryStreams: perAccount(5),
};

/** GetRecords: "Each shard can support up to five read transactions per second." (API reference, GetRecords), for every consumer of the stream together. */
export const SHARD_READS_PER_SECOND = 5;

/**
 * GetRecords calls a second the console may make on one shard, every reader of the process together: its
 * share of the shard's 5, at least 1. At the default quarter that is 1, as much as one more consumer
 * polling once a second (AWS Lambda polls each shard "at a base rate of once per second", its developer
 * guide; a polling KCL worker every 1–1.5 s when idle: idleTimeBetweenReadsInMillis, 1,000 ms in KCL 1.x,
 * PollingConfig's 1,500 in 2.x and later), so that the console takes no read from the stream's own
 * applications that one of them would not.
 */
export function readsPerShard(share: number): number {
	return Math.max(1, Math.min(SHARD_READS_PER_SECOND, Math.floor(SHARD_READS_PER_SECOND * share + 1e-9)));
}
