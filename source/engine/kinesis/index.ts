import type {RegisteredAction} from './action.js';
import addTagsToStream from './actions/addTagsToStream.js';
import createChannel from './actions/createChannel.js';
import createStream from './actions/createStream.js';
import decreaseStreamRetentionPeriod from './actions/decreaseStreamRetentionPeriod.js';
import deleteChannel from './actions/deleteChannel.js';
import deleteResourcePolicy from './actions/deleteResourcePolicy.js';
import deleteStream from './actions/deleteStream.js';
import deregisterStreamConsumer from './actions/deregisterStreamConsumer.js';
import describeAccountSettings from './actions/describeAccountSettings.js';
import describeChannel from './actions/describeChannel.js';
import describeLimits from './actions/describeLimits.js';
import describeStream from './actions/describeStream.js';
import describeStreamConsumer from './actions/describeStreamConsumer.js';
import describeStreamSummary from './actions/describeStreamSummary.js';
import disableEnhancedMonitoring from './actions/disableEnhancedMonitoring.js';
import enableEnhancedMonitoring from './actions/enableEnhancedMonitoring.js';
import getRecords from './actions/getRecords.js';
import getResourcePolicy from './actions/getResourcePolicy.js';
import getShardIterator from './actions/getShardIterator.js';
import increaseStreamRetentionPeriod from './actions/increaseStreamRetentionPeriod.js';
import listChannels from './actions/listChannels.js';
import listShards from './actions/listShards.js';
import listStreamConsumers from './actions/listStreamConsumers.js';
import listStreams from './actions/listStreams.js';
import listTagsForResource from './actions/listTagsForResource.js';
import listTagsForStream from './actions/listTagsForStream.js';
import mergeShards from './actions/mergeShards.js';
import putRecord from './actions/putRecord.js';
import putRecords from './actions/putRecords.js';
import putResourcePolicy from './actions/putResourcePolicy.js';
import registerStreamConsumer from './actions/registerStreamConsumer.js';
import removeTagsFromStream from './actions/removeTagsFromStream.js';
import splitShard from './actions/splitShard.js';
import startStreamEncryption from './actions/startStreamEncryption.js';
import stopStreamEncryption from './actions/stopStreamEncryption.js';
import subscribeToShard from './actions/subscribeToShard.js';
import tagResource from './actions/tagResource.js';
import untagResource from './actions/untagResource.js';
import updateAccountSettings from './actions/updateAccountSettings.js';
import updateChannel from './actions/updateChannel.js';
import updateMaxRecordSize from './actions/updateMaxRecordSize.js';
import updateShardCount from './actions/updateShardCount.js';
import updateStreamMode from './actions/updateStreamMode.js';
import updateStreamRecordDistributionStrategy from './actions/updateStreamRecordDistributionStrategy.js';
import updateStreamWarmThroughput from './actions/updateStreamWarmThroughput.js';

/** Every Kinesis action the engine serves, by its name in X-Amz-Target: adding an action is one module in actions/ and one line here. */
export const kinesisActions: Readonly<Record<string, RegisteredAction>> = {
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
