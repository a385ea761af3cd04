import type {Action} from '../protocol/dispatch.js';
import addTagsToStream from './addTagsToStream.js';
import createChannel from './createChannel.js';
import createStream from './createStream.js';
import decreaseStreamRetentionPeriod from './decreaseStreamRetentionPeriod.js';
import deleteChannel from './deleteChannel.js';
import deleteResourcePolicy from './deleteResourcePolicy.js';
import deleteStream from './deleteStream.js';
import deregisterStreamConsumer from './deregisterStreamConsumer.js';
import describeAccountSettings from './describeAccountSettings.js';
import describeChannel from './describeChannel.js';
import describeLimits from './describeLimits.js';
import describeStream from './describeStream.js';
import describeStreamConsumer from './describeStreamConsumer.js';
import describeStreamSummary from './describeStreamSummary.js';
import disableEnhancedMonitoring from './disableEnhancedMonitoring.js';
import enableEnhancedMonitoring from './enableEnhancedMonitoring.js';
import getRecords from './getRecords.js';
import getResourcePolicy from './getResourcePolicy.js';
import getShardIterator from './getShardIterator.js';
import increaseStreamRetentionPeriod from './increaseStreamRetentionPeriod.js';
import listChannels from './listChannels.js';
import listShards from './listShards.js';
import listStreamConsumers from './listStreamConsumers.js';
import listStreams from './listStreams.js';
import listTagsForResource from './listTagsForResource.js';
import listTagsForStream from './listTagsForStream.js';
import mergeShards from './mergeShards.js';
import putRecord from './putRecord.js';
import putRecords from './putRecords.js';
import putResourcePolicy from './putResourcePolicy.js';
import registerStreamConsumer from './registerStreamConsumer.js';
import removeTagsFromStream from './removeTagsFromStream.js';
import splitShard from './splitShard.js';
import startStreamEncryption from './startStreamEncryption.js';
import stopStreamEncryption from './stopStreamEncryption.js';
import subscribeToShard from './subscribeToShard.js';
import tagResource from './tagResource.js';
import untagResource from './untagResource.js';
import updateAccountSettings from './updateAccountSettings.js';
import updateChannel from './updateChannel.js';
import updateMaxRecordSize from './updateMaxRecordSize.js';
import updateShardCount from './updateShardCount.js';
import updateStreamMode from './updateStreamMode.js';
import updateStreamRecordDistributionStrategy from './updateStreamRecordDistributionStrategy.js';
import updateStreamWarmThroughput from './updateStreamWarmThroughput.js';

/** Every Kinesis action the engine serves, by its name in X-Amz-Target. */
export const kinesisActions: Readonly<Record<string, Action>> = {
	AddTagsToStream: addTagsToStream,
	CreateChannel: createChannel,
	CreateStream: createStream,
	DecreaseStreamRetentionPeriod: decreaseStreamRetentionPeriod,
	DeleteChannel: deleteChannel,
	DeleteResourcePolicy: deleteResourcePolicy,
	DeleteStream: deleteStream,
	DeregisterStreamConsumer: deregisterStreamConsumer,
	DescribeAccountSettings: describeAccountSettings,
	DescribeChannel: describeChannel,
	DescribeLimits: describeLimits,
	DescribeStream: describeStream,
	DescribeStreamConsumer: describeStreamConsumer,
	DescribeStreamSummary: describeStreamSummary,
	DisableEnhancedMonitoring: disableEnhancedMonitoring,
	EnableEnhancedMonitoring: enableEnhancedMonitoring,
	GetRecords: getRecords,
	GetResourcePolicy: getResourcePolicy,
	GetShardIterator: getShardIterator,
	IncreaseStreamRetentionPeriod: increaseStreamRetentionPeriod,
	ListChannels: listChannels,
	ListShards: listShards,
	ListStreamConsumers: listStreamConsumers,
	ListStreams: listStreams,
	ListTagsForResource: listTagsForResource,
	ListTagsForStream: listTagsForStream,
	MergeShards: mergeShards,
	PutRecord: putRecord,
	PutRecords: putRecords,
	PutResourcePolicy: putResourcePolicy,
	RegisterStreamConsumer: registerStreamConsumer,
	RemoveTagsFromStream: removeTagsFromStream,
	SplitShard: splitShard,
	StartStreamEncryption: startStreamEncryption,
	StopStreamEncryption: stopStreamEncryption,
	SubscribeToShard: subscribeToShard,
	TagResource: tagResource,
	UntagResource: untagResource,
	UpdateAccountSettings: updateAccountSettings,
	UpdateChannel: updateChannel,
	UpdateMaxRecordSize: updateMaxRecordSize,
	UpdateShardCount: updateShardCount,
	UpdateStreamMode: updateStreamMode,
	UpdateStreamRecordDistributionStrategy: updateStreamRecordDistributionStrategy,
	UpdateStreamWarmThroughput: updateStreamWarmThroughput,
};
