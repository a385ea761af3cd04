import type {Action, Service} from '../protocol/dispatch.js';
import {describeCloudWatchError} from './errors.js';
import getMetricData from './getMetricData.js';
import getMetricStatistics from './getMetricStatistics.js';
import listMetrics from './listMetrics.js';
import type {MetricStore} from './metricStore.js';
import type {CloudWatchContext} from './action.js';
import putMetricData from './putMetricData.js';

/** Every CloudWatch action the engine serves, by its name in X-Amz-Target. */
export const cloudWatchActions: Readonly<Record<string, Action>> = {
	GetMetricData: getMetricData,
	GetMetricStatistics: getMetricStatistics,
	ListMetrics: listMetrics,
	PutMetricData: putMetricData,
};

/**
 * CloudWatch on the engine's port, as @aws-sdk/client-cloudwatch calls it: `POST /` with
 * `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, an `application/x-amz-json-1.0` body,
 * timestamps in epoch seconds, and query-compatible errors; and as aws-sdk v2 and boto3 call it, with
 * the query protocol (`Action=<Operation>&Version=2010-08-01`, form-encoded, XML answers).
 */
export function cloudWatchService(metrics: MetricStore, now: () => number): Service {
	return {
		name: 'CloudWatch',
		targetPrefix: 'GraniteServiceVersion20100801',
		actions: cloudWatchActions,
		contextFor: ({region}): CloudWatchContext => ({metrics, region, nowMs: now()}),
		describeError: describeCloudWatchError,
		// The awsQuery service model's metadata: aws-sdk v2, apis/monitoring-2010-08-01.min.json.
		query: {version: '2010-08-01', xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/'},
	};
}

export {MetricStore} from './metricStore.js';
export {KinesisMetrics, noMetrics, type MetricsRecorder} from './recorder.js';
