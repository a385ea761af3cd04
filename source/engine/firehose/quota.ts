import {perAccount} from '../kinesis/action.js';

/**
 * "The CreateDeliveryStream, DeleteDeliveryStream, DescribeDeliveryStream, ListDeliveryStreams,
 * UpdateDestination, TagDeliveryStream, UntagDeliveryStream, ListTagsForDeliveryStream,
 * StartDeliveryStreamEncryption, StopDeliveryStreamEncryption APIs can each provide up to 5
 * invocations per second, which is a hard limit." (https://docs.aws.amazon.com/firehose/latest/dev/limits.html;
 * the API reference's ListTagsForDeliveryStream and TagDeliveryStream pages say the same: "This operation
 * has a limit of five transactions per second per account.")
 */
export const FIREHOSE_QUOTA = perAccount(5);

export const FIREHOSE_QUOTA_SOURCE = 'https://docs.aws.amazon.com/firehose/latest/dev/limits.html';
