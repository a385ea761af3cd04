import type {Operation} from '../protocol/dispatch.js';
import addTagsToStream from './addTagsToStream.js';
import createStream from './createStream.js';
import deleteStream from './deleteStream.js';
import describeStream from './describeStream.js';
import describeStreamSummary from './describeStreamSummary.js';
import getRecords from './getRecords.js';
import getShardIterator from './getShardIterator.js';
import listShards from './listShards.js';
import listStreams from './listStreams.js';
import listTagsForResource from './listTagsForResource.js';
import listTagsForStream from './listTagsForStream.js';
import putRecord from './putRecord.js';
import putRecords from './putRecords.js';
import removeTagsFromStream from './removeTagsFromStream.js';
import tagResource from './tagResource.js';
import untagResource from './untagResource.js';

/** Every Kinesis operation the engine serves, by its name in X-Amz-Target. */
export const kinesisActions: Readonly<Record<string, Operation>> = {
	AddTagsToStream: addTagsToStream,
	CreateStream: createStream,
	DeleteStream: deleteStream,
	DescribeStream: describeStream,
	DescribeStreamSummary: describeStreamSummary,
	GetRecords: getRecords,
	GetShardIterator: getShardIterator,
	ListShards: listShards,
	ListStreams: listStreams,
	ListTagsForResource: listTagsForResource,
	ListTagsForStream: listTagsForStream,
	PutRecord: putRecord,
	PutRecords: putRecords,
	RemoveTagsFromStream: removeTagsFromStream,
	TagResource: tagResource,
	UntagResource: untagResource,
};
