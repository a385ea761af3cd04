import {gzipSync} from 'node:zlib';
import {CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand} from '@aws-sdk/client-cloudwatch';
// aws-sdk v2, used here on purpose as a query-protocol client (its end-of-support notice is silenced in vitest.config.ts).
import AWS from 'aws-sdk';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {credentials} from '../helpers/engine.js';
import {rawRequest, uniqueName, useEngine, type RawResponse} from './support.js';

const MINUTE = 60_000;
const NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

/** CloudWatch as aws-sdk v2 calls it: the query protocol, form-encoded requests and XML answers. */
function queryClient(url: string, secretAccessKey = credentials.secretAccessKey): AWS.CloudWatch {
	return new AWS.CloudWatch({
		endpoint: url,
		region: 'us-east-1',
		credentials: {accessKeyId: credentials.accessKeyId, secretAccessKey},
		maxRetries: 0,
	});
}

/** The error aws-sdk v2 rejected a call with: the code, status and message it read from the XML. */
async function queryError(call: Promise<unknown>): Promise<{code: string; status: number; message: string}> {
	try {
		await call;
	} catch (error) {
		const {code, statusCode, message} = error as AWS.AWSError;
		return {code, status: statusCode ?? 0, message};
	}
	return expect.fail('expected the call to fail, but it succeeded');
}

/** A form-encoded request as it is sent, bypassing any SDK. */
function formRequest(url: string, body: string | Buffer, headers: Record<string, string | undefined> = {}): Promise<RawResponse> {
	return rawRequest(url, 'http1', {
		body,
		headers: {'x-amz-target': undefined, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers},
	});
}

/** The parts of a query-protocol error answer, checked whole: anything else in it fails the match. */
function xmlErrorOf(response: RawResponse): {type: string; code: string; message: string} {
	const requestId = String(response.headers['x-amzn-requestid']);
	const match =
		/^<ErrorResponse xmlns="([^"]+)"><Error><Type>(\w+)<\/Type><Code>(\w+)<\/Code><Message>(.*)<\/Message><\/Error><RequestId>([^<]+)<\/RequestId><\/ErrorResponse>\n$/s.exec(
			response.body,
		);
	expect(match, response.body).not.toBeNull();
	const [, namespace, type, code, message, bodyRequestId] = match as unknown as string[];
	expect(namespace).toBe(NAMESPACE);
	expect(bodyRequestId).toBe(requestId);
	expect(response.headers['content-type']).toBe('text/xml');
	return {type: type ?? '', code: code ?? '', message: message ?? ''};
}

describe('CloudWatch over the query protocol (aws-sdk v2)', () => {
	const harness = useEngine('http1');
	let cloudWatch: AWS.CloudWatch | undefined;
	let jsonClient: CloudWatchClient | undefined;
	beforeAll(() => {
		cloudWatch = queryClient(harness.url);
		jsonClient = new CloudWatchClient({endpoint: harness.url, region: 'us-east-1', credentials, maxAttempts: 1});
	});
	afterAll(() => jsonClient?.destroy());
	const client = () => cloudWatch as AWS.CloudWatch;
	// Whole minutes in the recent past, well inside PutMetricData's two weeks.
	const start = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;

	it('keeps what PutMetricData puts and reads it back with ListMetrics, GetMetricStatistics and GetMetricData', async () => {
		const namespace = uniqueName('query-app');
		const dimensions = [
			{Name: 'ShardId', Value: 'shardId-000000000000'},
			{Name: 'Operation', Value: 'Process & <Check>'},
		];
		await client()
			.putMetricData({
				Namespace: namespace,
				MetricData: [
					{MetricName: 'Lag', Dimensions: dimensions, Timestamp: new Date(start), Value: 1200, Unit: 'Milliseconds'},
					{MetricName: 'Lag', Dimensions: dimensions, Timestamp: new Date(start + 30_000), Value: 800.5, Unit: 'Milliseconds'},
					{MetricName: 'Lag', Dimensions: dimensions, Timestamp: new Date(start + MINUTE), Value: 100, Unit: 'Milliseconds'},
					{
						MetricName: 'Processed',
						Dimensions: dimensions,
						Timestamp: new Date(start),
						StatisticValues: {SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15},
						Unit: 'Count',
					},
					{MetricName: 'Time', Timestamp: new Date(start), Values: [10, 20], Counts: [3, 1], StorageResolution: 1},
				],
			})
			.promise();

		const listed = await client().listMetrics({Namespace: namespace}).promise();
		expect(listed.Metrics?.map((metric) => metric.MetricName).sort()).toEqual(['Lag', 'Processed', 'Time']);
		expect(listed.Metrics?.find((metric) => metric.MetricName === 'Lag')?.Dimensions).toEqual(dimensions);
		const filtered = await client()
			.listMetrics({Namespace: namespace, Dimensions: [{Name: 'Operation', Value: 'Process & <Check>'}]})
			.promise();
		expect(filtered.Metrics?.map((metric) => metric.MetricName).sort()).toEqual(['Lag', 'Processed']);

		const statistics = await client()
			.getMetricStatistics({
				Namespace: namespace,
				MetricName: 'Lag',
				Dimensions: dimensions,
				StartTime: new Date(start),
				EndTime: new Date(start + 2 * MINUTE),
				Period: 60,
				Statistics: ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'],
			})
			.promise();
		expect(statistics.Label).toBe('Lag');
		expect(statistics.Datapoints).toEqual([
			{Timestamp: new Date(start), Sum: 2000.5, SampleCount: 2, Average: 1000.25, Minimum: 800.5, Maximum: 1200, Unit: 'Milliseconds'},
			{Timestamp: new Date(start + MINUTE), Sum: 100, SampleCount: 1, Average: 100, Minimum: 100, Maximum: 100, Unit: 'Milliseconds'},
		]);

		const data = await client()
			.getMetricData({
				StartTime: new Date(start),
				EndTime: new Date(start + 2 * MINUTE),
				ScanBy: 'TimestampAscending',
				MetricDataQueries: [
					{
						Id: 'lag',
						Label: 'behind',
						MetricStat: {Metric: {Namespace: namespace, MetricName: 'Lag', Dimensions: dimensions}, Period: 60, Stat: 'Maximum'},
					},
					{
						Id: 'sum',
						MetricStat: {Metric: {Namespace: namespace, MetricName: 'Processed', Dimensions: dimensions}, Period: 60, Stat: 'Sum'},
					},
					{Id: 'mean', MetricStat: {Metric: {Namespace: namespace, MetricName: 'Time'}, Period: 1, Stat: 'Average'}},
					{Id: 'hidden', ReturnData: false, MetricStat: {Metric: {Namespace: namespace, MetricName: 'Time'}, Period: 60, Stat: 'Sum'}},
				],
			})
			.promise();
		expect(data.NextToken).toBeUndefined();
		expect(data.MetricDataResults).toEqual([
			{
				Id: 'lag',
				Label: 'behind',
				Timestamps: [new Date(start), new Date(start + MINUTE)],
				Values: [1200, 100],
				StatusCode: 'Complete',
				Messages: [],
			},
			{Id: 'sum', Label: 'Processed', Timestamps: [new Date(start)], Values: [40], StatusCode: 'Complete', Messages: []},
			{Id: 'mean', Label: 'Time', Timestamps: [new Date(start)], Values: [12.5], StatusCode: 'Complete', Messages: []},
		]);

		// The same metric read over JSON 1.0 (@aws-sdk/client-cloudwatch) gives the same numbers: one store, two codecs.
		const overJson = await jsonClient?.send(
			new GetMetricDataCommand({
				StartTime: new Date(start),
				EndTime: new Date(start + 2 * MINUTE),
				ScanBy: 'TimestampAscending',
				MetricDataQueries: [
					{Id: 'lag', MetricStat: {Metric: {Namespace: namespace, MetricName: 'Lag', Dimensions: dimensions}, Period: 60, Stat: 'Maximum'}},
				],
			}),
		);
		expect(overJson?.MetricDataResults?.[0]?.Values).toEqual([1200, 100]);
	});

	it('pages GetMetricData with the NextToken it hands out', async () => {
		const namespace = uniqueName('query-pages');
		await client()
			.putMetricData({
				Namespace: namespace,
				MetricData: [0, 1, 2].map((index) => ({MetricName: 'M', Timestamp: new Date(start + index * MINUTE), Value: index})),
			})
			.promise();
		const query = {
			StartTime: new Date(start),
			EndTime: new Date(start + 3 * MINUTE),
			MaxDatapoints: 2,
			MetricDataQueries: [{Id: 'm', MetricStat: {Metric: {Namespace: namespace, MetricName: 'M'}, Period: 60, Stat: 'Sum'}}],
		};
		const first = await client().getMetricData(query).promise();
		expect(first.MetricDataResults?.[0]).toMatchObject({Values: [2, 1], StatusCode: 'PartialData'});
		expect(first.NextToken).toBeTruthy();
		const second = await client()
			.getMetricData({...query, ...(first.NextToken === undefined ? {} : {NextToken: first.NextToken})})
			.promise();
		expect(second.MetricDataResults?.[0]).toMatchObject({Values: [0], StatusCode: 'Complete'});
		expect(second.NextToken).toBeUndefined();
	});

	it('answers with XML errors in the codes the SDK knows', async () => {
		expect(
			await queryError(
				client()
					.putMetricData({Namespace: 'AWS/Kinesis', MetricData: [{MetricName: 'M', Value: 1}]})
					.promise(),
			),
		).toEqual({code: 'InvalidParameterValue', status: 400, message: 'The value AWS/Kinesis for parameter Namespace is invalid.'});
		expect(
			await queryError(
				client()
					.getMetricStatistics({
						Namespace: 'app',
						MetricName: 'M',
						StartTime: new Date(start),
						EndTime: new Date(start + MINUTE),
						Period: 7,
						Statistics: ['Sum'],
					})
					.promise(),
			),
		).toEqual({code: 'InvalidParameterValue', status: 400, message: 'The parameter Period must be 1, 5, 10, 30, or a multiple of 60.'});
		expect(
			await queryError(
				client()
					.getMetricData({
						StartTime: new Date(start + MINUTE),
						EndTime: new Date(start),
						MetricDataQueries: [{Id: 'm', MetricStat: {Metric: {Namespace: 'app', MetricName: 'M'}, Period: 60, Stat: 'Sum'}}],
					})
					.promise(),
			),
		).toEqual({
			code: 'InvalidParameterCombination',
			status: 400,
			message: 'The parameter StartTime must be less than the parameter EndTime.',
		});
		expect(await queryError(client().listMetrics({RecentlyActive: 'PT1H'}).promise())).toEqual({
			code: 'ValidationError',
			status: 400,
			message:
				"1 validation error detected: Value 'PT1H' at 'recentlyActive' failed to satisfy constraint: Member must satisfy enum value set: [PT3H]",
		});
		expect(await queryError(client().listMetrics({NextToken: 'bm90IGEgdG9rZW4'}).promise())).toEqual({
			code: 'InvalidNextToken',
			status: 400,
			message: "The service couldn't process the NextToken.",
		});
	});

	it('shapes errors as query APIs do, for what no SDK would send', async () => {
		const version = 'Version=2010-08-01';
		expect(xmlErrorOf(await formRequest(harness.url, `Action=DescribeAlarms&${version}`))).toEqual({
			type: 'Sender',
			code: 'InvalidAction',
			message: 'Could not find operation DescribeAlarms for version 2010-08-01',
		});
		expect(xmlErrorOf(await formRequest(harness.url, 'Action=ListMetrics&Version=2009-01-01'))).toMatchObject({
			code: 'InvalidAction',
			message: 'Could not find operation ListMetrics for version 2009-01-01',
		});
		const noAction = await formRequest(harness.url, version);
		expect(noAction.status).toBe(400);
		expect(xmlErrorOf(noAction)).toMatchObject({code: 'MissingAction'});
		expect(xmlErrorOf(await formRequest(harness.url, `Action=GetMetricStatistics&${version}&Namespace=app&MetricName=M`))).toEqual({
			type: 'Sender',
			code: 'ValidationError',
			message:
				"3 validation errors detected: Value null at 'startTime' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'endTime' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'period' failed to satisfy constraint: Member must not be null",
		});
		const times = 'StartTime=2024-01-15T12:00:00Z&EndTime=2024-01-15T13:00:00Z';
		expect(
			xmlErrorOf(await formRequest(harness.url, `Action=GetMetricStatistics&${version}&Namespace=app&MetricName=M&${times}&Period=sixty`)),
		).toMatchObject({code: 'InvalidParameterValue', message: 'The value sixty for parameter Period is invalid: expected an integer.'});
		expect(
			xmlErrorOf(
				await formRequest(
					harness.url,
					`Action=GetMetricStatistics&${version}&Namespace=app&MetricName=M&StartTime=yesterday&EndTime=now&Period=60`,
				),
			),
		).toMatchObject({
			code: 'InvalidParameterValue',
			message: 'The value yesterday for parameter StartTime is invalid: expected a timestamp in ISO 8601.',
		});
		// Unsigned: the signature is checked once the operation is known, as for JSON requests.
		const unsigned = await formRequest(harness.url, `Action=ListMetrics&${version}`, {authorization: undefined});
		expect(unsigned.status).toBe(403);
		expect(xmlErrorOf(unsigned)).toMatchObject({code: 'MissingAuthenticationToken', message: 'Missing Authentication Token'});
	});

	it('reads list members and timestamps as the query protocol writes them, and answers in XML', async () => {
		const namespace = uniqueName('query-raw');
		const put = await formRequest(
			harness.url,
			`Action=PutMetricData&Version=2010-08-01&Namespace=${namespace}` +
				`&MetricData.member.2.MetricName=B&MetricData.member.2.Value=2&MetricData.member.2.Timestamp=${encodeURIComponent(new Date(start).toISOString())}` +
				`&MetricData.member.1.MetricName=A&MetricData.member.1.Values.member.1=1.5&MetricData.member.1.Values.member.2=2.5` +
				`&MetricData.member.1.Dimensions.member.1.Name=Host&MetricData.member.1.Dimensions.member.1.Value=a%2Bb+c`,
		);
		expect(put.status).toBe(200);
		expect(put.body).toBe(
			`<PutMetricDataResponse xmlns="${NAMESPACE}"><ResponseMetadata><RequestId>${String(put.headers['x-amzn-requestid'])}</RequestId></ResponseMetadata></PutMetricDataResponse>\n`,
		);
		const listed = await formRequest(harness.url, `Action=ListMetrics&Version=2010-08-01&Namespace=${namespace}&MetricName=A`);
		expect(listed.body).toBe(
			`<ListMetricsResponse xmlns="${NAMESPACE}"><ListMetricsResult><Metrics><member><Namespace>${namespace}</Namespace><MetricName>A</MetricName>` +
				'<Dimensions><member><Name>Host</Name><Value>a+b c</Value></member></Dimensions></member></Metrics></ListMetricsResult>' +
				`<ResponseMetadata><RequestId>${String(listed.headers['x-amzn-requestid'])}</RequestId></ResponseMetadata></ListMetricsResponse>\n`,
		);
		const statistics = await formRequest(
			harness.url,
			`Action=GetMetricStatistics&Version=2010-08-01&Namespace=${namespace}&MetricName=B&Period=60&Statistics.member.1=Sum` +
				`&StartTime=${new Date(start).toISOString()}&EndTime=${new Date(start + MINUTE).toISOString()}`,
		);
		expect(statistics.body).toContain(
			`<GetMetricStatisticsResult><Label>B</Label><Datapoints><member><Timestamp>${new Date(start).toISOString().replace('.000Z', 'Z')}</Timestamp><Sum>2.0</Sum><Unit>None</Unit></member></Datapoints></GetMetricStatisticsResult>`,
		);
	});

	it('takes gzip-compressed bodies, as the SDKs send PutMetricData of 10 KiB and more', async () => {
		const namespace = uniqueName('query-gzip');
		// Large enough that @aws-sdk/client-cloudwatch compresses it (its default threshold is 10,240 bytes).
		const data = Array.from({length: 300}, (_, index) => ({
			MetricName: `metric-with-a-long-name-${index}`,
			Value: index,
			Timestamp: new Date(start),
		}));
		await jsonClient?.send(new PutMetricDataCommand({Namespace: namespace, MetricData: data}));
		const listed = await client().listMetrics({Namespace: namespace}).promise();
		expect(listed.Metrics).toHaveLength(300);

		const form = `Action=ListMetrics&Version=2010-08-01&Namespace=${namespace}&MetricName=metric-with-a-long-name-7`;
		const compressed = await formRequest(harness.url, gzipSync(form), {'content-encoding': 'gzip'});
		expect(compressed.status).toBe(200);
		expect(compressed.body).toContain('<MetricName>metric-with-a-long-name-7</MetricName>');
	});
});

describe('CloudWatch over the query protocol with --auth', () => {
	const harness = useEngine('http1', {auth: credentials});

	it('accepts form bodies signed with the right secret and refuses a wrong one with SignatureDoesNotMatch', async () => {
		const namespace = uniqueName('query-auth');
		await queryClient(harness.url)
			.putMetricData({Namespace: namespace, MetricData: [{MetricName: 'M', Value: 1}]})
			.promise();
		const listed = await queryClient(harness.url).listMetrics({Namespace: namespace}).promise();
		expect(listed.Metrics?.map((metric) => metric.MetricName)).toEqual(['M']);
		expect(await queryError(queryClient(harness.url, 'not-the-secret').listMetrics({}).promise())).toEqual({
			code: 'SignatureDoesNotMatch',
			status: 403,
			message:
				'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
		});
	});
});
