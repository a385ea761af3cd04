import type {Operation} from '../protocol/dispatch.js';
import addTagsToStream from './addTagsToStream.js';
import createStream from './createStream.js';
import decreaseStreamRetentionPeriod from './decreaseStreamRetentionPeriod.js';
import deleteStream from './deleteStream.js';
import deregisterStreamConsumer from './deregisterStreamConsumer.js';
import describeLimits from './describeLimits.js';
import describeStream from './describeStream.js';
import describeStreamConsumer from './describeStreamConsumer.js';
import describeStreamSummary from './describeStreamSummary.js';
import disableEnhancedMonitoring from './disableEnhancedMonitoring.js';
import enableEnhancedMonitoring from './enableEnhancedMonitoring.js';
import getRecords from './getRecords.js';
import getShardIterator from './getShardIterator.js';
import increaseStreamRetentionPeriod from './increaseStreamRetentionPeriod.js';
import listShards from './listShards.js';
import listStreamConsumers from './listStreamConsumers.js';
import listStreams from './listStreams.js';
import listTagsForResource from './listTagsForResource.js';
import listTagsForStream from './listTagsForStream.js';
import mergeShards from './mergeShards.js';
import putRecord from './putRecord.js';
import putRecords from './putRecords.js';
import registerStreamConsumer from './registerStreamConsumer.js';
import removeTagsFromStream from './removeTagsFromStream.js';
import splitShard from './splitShard.js';
import startStreamEncryption from './startStreamEncryption.js';
import stopStreamEncryption from './stopStreamEncryption.js';
import subscribeToShard from './subscribeToShard.js';
import tagResource from './tagResource.js';
import untagResource from './untagResource.js';
import updateShardCount from './updateShardCount.js';
import updateStreamMode from './updateStreamMode.js';

/** Every Kinesis operation the engine serves, by its name in X-Amz-Target. */
export const kinesisActions: Readonly<Record<string, Operation>> = {
	AddTagsToStream: addTagsToStream,
	CreateStream: createStream,
	DecreaseStreamRetentionPeriod: decreaseStreamRetentionPeriod,
	DeleteStream: deleteStream,
	DeregisterStreamConsumer: deregisterStreamConsumer,
	DescribeLimits: describeLimits,
	DescribeStream: describeStream,
	DescribeStreamConsumer: describeStreamConsumer,
	DescribeStreamSummary: describeStreamSummary,
	DisableEnhancedMonitoring: disableEnhancedMonitoring,
	EnableEnhancedMonitoring: enableEnhancedMonitoring,
	GetRecords: getRecords,
	GetShardIterator: getShardIterator,
	IncreaseStreamRetentionPeriod: increaseStreamRetentionPeriod,
	ListShards: listShards,
	ListStreamConsumers: listStreamConsumers,
	ListStreams: listStreams,
	ListTagsForResource: listTagsForResource,
	ListTagsForStream: listTagsForStream,
	MergeShards: mergeShards,
	PutRecord: putRecord,
	PutRecords: putRecords,
	RegisterStreamConsumer: registerStreamConsumer,
	RemoveTagsFromStream: removeTagsFromStream,
	SplitShard: splitShard,
	StartStreamEncryption: startStreamEncryption,
	StopStreamEncryption: stopStreamEncryption,
	SubscribeToShard: subscribeToShard,
	TagResource: tagResource,
	UntagResource: untagResource,
	UpdateShardCount: updateShardCount,
	UpdateStreamMode: updateStreamMode,
};
