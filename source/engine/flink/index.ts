import type {Action, Service} from '../protocol/dispatch.js';
import {ServiceError, limitExceeded, resourceInUse, resourceNotFound} from '../protocol/errors.js';
import type {Infer, Schema} from '../protocol/schema.js';
import type {Store} from '../store/store.js';
import {Applications, type Application} from './applications.js';
import * as schemas from './schemas.js';

/**
 * The control plane of Managed Service for Apache Flink (Kinesis Data Analytics v2) on the engine's
 * port, as @aws-sdk/client-kinesis-analytics-v2 and the AWS CLI call it: `POST /` with
 * `X-Amz-Target: KinesisAnalytics_20180523.<Operation>` and an `application/x-amz-json-1.1` body.
 * CreateApplication, DescribeApplication, ListApplications, StartApplication, StopApplication and
 * DeleteApplication keep applications with AWS's validation, statuses and errors. The engine runs no
 * application: nothing reads the streams an application names, and no metric is published for it.
 * Applications are kept in the store, as Firehose's delivery streams are.
 *
 * Error types are the service model's; where AWS documents a rule but not its message (most of them),
 * the message is the engine's wording of that rule.
 */

export interface FlinkContext {
	readonly applications: Applications;
	readonly region: string;
	readonly account: string;
	readonly nowMs: number;
	/** AWS's documented quotas, on with the engine's limits. */
	readonly limits: boolean;
}

interface FlinkAction<S extends Schema> {
	readonly schema: S;
	readonly run: (context: FlinkContext, input: Infer<S>) => Promise<object> | object;
}

const define = <S extends Schema>(schema: S, run: FlinkAction<S>['run']): FlinkAction<S> => ({schema, run});

/**
 * "You can create up to 100 Managed Service for Apache Flink applications per Region in your account."
 * (Managed Service for Apache Flink Developer Guide, "Managed Service for Apache Flink and Studio
 * notebook quota").
 */
export const APPLICATIONS_PER_REGION = 100;

const invalidArgument = (message: string) => new ServiceError('InvalidArgumentException', message);
const notFound = (name: string, region: string, account: string) =>
	resourceNotFound(`Application ${name} is not found in account ${account} in region ${region}.`);

function find(context: FlinkContext, name: string): Application {
	const application = context.applications.get(context.region, name);
	if (!application) throw notFound(name, context.region, context.account);
	return application;
}

const isSql = (runtime: string) => runtime === 'SQL-1_0';

const createApplication = define(schemas.createApplication, async (context, input) => {
	const configuration = input.ApplicationConfiguration ?? {};
	const sql = isSql(input.RuntimeEnvironment);
	// The API reference: SqlApplicationConfiguration is for SQL-based applications; EnvironmentProperties and
	// FlinkApplicationConfiguration for Managed Service for Apache Flink applications.
	if (!sql && configuration.SqlApplicationConfiguration)
		throw invalidArgument(`SqlApplicationConfiguration is not supported for runtime environment ${input.RuntimeEnvironment}.`);
	if (sql && (configuration.EnvironmentProperties || configuration.FlinkApplicationConfiguration))
		throw invalidArgument('EnvironmentProperties and FlinkApplicationConfiguration are not supported for runtime environment SQL-1_0.');
	const inputs = configuration.SqlApplicationConfiguration?.Inputs ?? [];
	// "Each application can have one streaming source" (Kinesis Data Analytics for SQL, Limits).
	if (inputs.length > 1) throw invalidArgument('An application can have only one streaming source (Inputs may hold one input).');
	for (const source of inputs) {
		if ((source.KinesisStreamsInput === undefined) === (source.KinesisFirehoseInput === undefined))
			throw invalidArgument('An input must name exactly one source: KinesisStreamsInput or KinesisFirehoseInput.');
	}
	const groups = configuration.EnvironmentProperties?.PropertyGroups ?? [];
	const ids = groups.map((group) => group.PropertyGroupId);
	const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
	if (repeated !== undefined) throw invalidArgument(`Property group ${repeated} is given more than once.`);
	if (context.applications.get(context.region, input.ApplicationName))
		throw resourceInUse(`Application ${input.ApplicationName} already exists.`);
	if (context.limits && context.applications.list(context.region).length >= APPLICATIONS_PER_REGION)
		throw limitExceeded(
			`The number of applications in this Region in your account (${APPLICATIONS_PER_REGION}) has been reached. Delete an application, or request a quota increase.`,
		);
	const application = await context.applications.add({
		region: context.region,
		name: input.ApplicationName,
		arn: `arn:aws:kinesisanalytics:${context.region}:${context.account}:application/${input.ApplicationName}`,
		description: input.ApplicationDescription,
		runtimeEnvironment: input.RuntimeEnvironment,
		serviceExecutionRole: input.ServiceExecutionRole,
		applicationMode: input.ApplicationMode ?? (sql ? undefined : 'STREAMING'),
		configuration: describeConfiguration(input, inputs, groups),
		createdMs: context.nowMs,
	});
	return {ApplicationDetail: detail(context, application)};
});

type CreateInput = Infer<typeof schemas.createApplication>;
type Inputs = NonNullable<NonNullable<NonNullable<CreateInput['ApplicationConfiguration']>['SqlApplicationConfiguration']>['Inputs']>;
type Groups = NonNullable<NonNullable<CreateInput['ApplicationConfiguration']>['EnvironmentProperties']>['PropertyGroups'];

/** ApplicationConfigurationDescription from what CreateApplication was given (with AWS's defaults for a Flink application). */
function describeConfiguration(input: CreateInput, inputs: Inputs, groups: Groups): Record<string, unknown> {
	const configuration = input.ApplicationConfiguration ?? {};
	const code = configuration.ApplicationCodeConfiguration;
	if (isSql(input.RuntimeEnvironment)) {
		return {
			SqlApplicationConfigurationDescription: {
				InputDescriptions: inputs.map((source, index) => ({
					InputId: `${index + 1}.1`,
					NamePrefix: source.NamePrefix,
					InAppStreamNames: [`${source.NamePrefix}_001`],
					...(source.KinesisStreamsInput
						? {KinesisStreamsInputDescription: {ResourceARN: source.KinesisStreamsInput.ResourceARN, RoleARN: input.ServiceExecutionRole}}
						: {}),
					...(source.KinesisFirehoseInput
						? {KinesisFirehoseInputDescription: {ResourceARN: source.KinesisFirehoseInput.ResourceARN, RoleARN: input.ServiceExecutionRole}}
						: {}),
					InputSchema: source.InputSchema,
					InputParallelism: {Count: source.InputParallelism?.Count ?? 1},
					InputStartingPositionConfiguration: {},
				})),
				OutputDescriptions: [],
				ReferenceDataSourceDescriptions: [],
			},
			...(code ? {ApplicationCodeConfigurationDescription: codeDescription(code)} : {}),
		};
	}
	const flink = configuration.FlinkApplicationConfiguration ?? {};
	return {
		...(code ? {ApplicationCodeConfigurationDescription: codeDescription(code)} : {}),
		// AWS's defaults for ConfigurationType DEFAULT (API reference: CheckpointConfiguration, MonitoringConfiguration, ParallelismConfiguration).
		FlinkApplicationConfigurationDescription: {
			CheckpointConfigurationDescription: {
				ConfigurationType: 'DEFAULT',
				CheckpointingEnabled: true,
				CheckpointInterval: 60_000,
				MinPauseBetweenCheckpoints: 5_000,
				...flink.CheckpointConfiguration,
			},
			MonitoringConfigurationDescription: {
				ConfigurationType: 'DEFAULT',
				MetricsLevel: 'APPLICATION',
				LogLevel: 'INFO',
				...flink.MonitoringConfiguration,
			},
			ParallelismConfigurationDescription: {
				ConfigurationType: 'DEFAULT',
				Parallelism: 1,
				ParallelismPerKPU: 1,
				AutoScalingEnabled: false,
				...flink.ParallelismConfiguration,
				CurrentParallelism: flink.ParallelismConfiguration?.Parallelism ?? 1,
			},
		},
		EnvironmentPropertyDescriptions: {PropertyGroupDescriptions: groups},
		ApplicationSnapshotConfigurationDescription: {
			SnapshotsEnabled: configuration.ApplicationSnapshotConfiguration?.SnapshotsEnabled ?? false,
		},
	};
}

function codeDescription(
	code: NonNullable<NonNullable<CreateInput['ApplicationConfiguration']>['ApplicationCodeConfiguration']>,
): Record<string, unknown> {
	const content = code.CodeContent;
	return {
		CodeContentType: code.CodeContentType,
		CodeContentDescription: {
			...(content?.TextContent === undefined ? {} : {TextContent: content.TextContent}),
			...(content?.S3ContentLocation ? {S3ApplicationCodeLocationDescription: content.S3ContentLocation} : {}),
		},
	};
}

/** ApplicationDetail, as CreateApplication and DescribeApplication answer it (timestamps in epoch seconds). */
function detail(context: FlinkContext, application: Application): Record<string, unknown> {
	return {
		ApplicationARN: application.arn,
		...(application.description === undefined ? {} : {ApplicationDescription: application.description}),
		ApplicationName: application.name,
		RuntimeEnvironment: application.runtimeEnvironment,
		ServiceExecutionRole: application.serviceExecutionRole,
		ApplicationStatus: context.applications.statusOf(application) ?? 'DELETING',
		ApplicationVersionId: 1,
		CreateTimestamp: application.createdMs / 1000,
		LastUpdateTimestamp: application.lastUpdateMs / 1000,
		ApplicationConfigurationDescription: application.configuration,
		CloudWatchLoggingOptionDescriptions: [],
		...(application.applicationMode === undefined ? {} : {ApplicationMode: application.applicationMode}),
	};
}

const describeApplication = define(schemas.describeApplication, (context, input) => ({
	ApplicationDetail: detail(context, find(context, input.ApplicationName)),
}));

const listApplications = define(schemas.listApplications, (context, input) => {
	const limit = input.Limit ?? 50;
	const after = input.NextToken;
	const all = context.applications.list(context.region);
	const rest = after === undefined ? all : all.filter((application) => application.name > after);
	const page = rest.slice(0, limit);
	const last = page.at(-1);
	return {
		ApplicationSummaries: page.map((application) => ({
			ApplicationName: application.name,
			ApplicationARN: application.arn,
			ApplicationStatus: context.applications.statusOf(application) ?? 'DELETING',
			ApplicationVersionId: 1,
			RuntimeEnvironment: application.runtimeEnvironment,
			...(application.applicationMode === undefined ? {} : {ApplicationMode: application.applicationMode}),
		})),
		...(rest.length > limit && last ? {NextToken: last.name} : {}),
	};
});

const startApplication = define(schemas.startApplication, async (context, input) => {
	const application = find(context, input.ApplicationName);
	const status = context.applications.statusOf(application);
	// "After creating an application, you must exclusively call this operation to start your application": from READY only.
	if (status !== 'READY')
		throw resourceInUse(`Application ${application.name} is in ${status} status. An application can be started only in READY status.`);
	await context.applications.move(application, 'STARTING', 'RUNNING');
	return {};
});

/** "The application must be in the STARTING, UPDATING, STOPPING, AUTOSCALING, or RUNNING status" to be force-stopped (StopApplication, Force). */
const FORCE_STOPPABLE = new Set(['STARTING', 'UPDATING', 'STOPPING', 'AUTOSCALING', 'RUNNING']);

const stopApplication = define(schemas.stopApplication, async (context, input) => {
	const application = find(context, input.ApplicationName);
	const status = context.applications.statusOf(application) ?? 'DELETING';
	if (input.Force === true) {
		// "You can only force stop a Managed Service for Apache Flink application. You can't force stop a SQL-based ... application."
		if (isSql(application.runtimeEnvironment)) throw invalidArgument('Force stop is not supported for SQL-based applications.');
		if (!FORCE_STOPPABLE.has(status))
			throw resourceInUse(
				`Application ${application.name} is in ${status} status. An application can be force-stopped only in STARTING, UPDATING, STOPPING, AUTOSCALING or RUNNING status.`,
			);
		await context.applications.move(application, 'FORCE_STOPPING', 'READY');
		return {};
	}
	// "You can stop an application only if it is in the running status, unless you set the Force parameter to true."
	if (status !== 'RUNNING')
		throw resourceInUse(`Application ${application.name} is in ${status} status. An application can be stopped only in RUNNING status.`);
	await context.applications.move(application, 'STOPPING', 'READY');
	return {};
});

const deleteApplication = define(schemas.deleteApplication, async (context, input) => {
	const application = find(context, input.ApplicationName);
	// CreateTimestamp guards against deleting an application made again under the same name: it is the
	// operation's concurrency token, as CurrentApplicationVersionId is the others' (whose mismatch the
	// model documents as ConcurrentModificationException). Compared to the second, as it is sent.
	if (Math.floor(input.CreateTimestamp.getTime() / 1000) !== Math.floor(application.createdMs / 1000))
		throw new ServiceError(
			'ConcurrentModificationException',
			`CreateTimestamp ${input.CreateTimestamp.toISOString()} does not match the creation time of application ${application.name}; use DescribeApplication to get it.`,
		);
	const status = context.applications.statusOf(application);
	// "Managed Service for Apache Flink halts application execution and deletes the application": a running one too.
	if (status !== 'READY' && status !== 'RUNNING')
		throw resourceInUse(`Application ${application.name} is in ${status} status and cannot be deleted now.`);
	await context.applications.delete(application);
	return {};
});

/** Every operation served, by its X-Amz-Target name. */
export const flinkActions: Readonly<Record<string, Action>> = {
	CreateApplication: createApplication,
	DeleteApplication: deleteApplication,
	DescribeApplication: describeApplication,
	ListApplications: listApplications,
	StartApplication: startApplication,
	StopApplication: stopApplication,
};

export function flinkService(options: {
	readonly store: Store;
	readonly now: () => number;
	readonly account: string;
	readonly transitionMs: number;
	readonly limits: boolean;
}): Service {
	const applications = new Applications(options.store, options.now, options.transitionMs);
	return {
		name: 'KinesisAnalytics',
		targetPrefix: 'KinesisAnalytics_20180523',
		actions: flinkActions,
		contextFor: ({region}): FlinkContext => ({
			applications,
			region,
			account: options.account,
			nowMs: options.now(),
			limits: options.limits,
		}),
	};
}
