import {parseStreamArn} from '../../kinesis/model/names.js';
import {invalidArgument, limitExceeded, resourceInUse} from '../../protocol/errors.js';
import {defineAction, type FirehoseContext} from '../action.js';
import type {DestinationKind} from '../deliveryStreams.js';
import {
	DeliveryStreamEncryptionConfigurationInput,
	DeliveryStreamName,
	DeliveryStreamType,
	ExtendedS3DestinationConfiguration,
	KinesisStreamARN,
	OTHER_DESTINATIONS,
	RoleARN,
	S3DestinationConfiguration,
	Tags,
} from '../fields.js';
import {FIREHOSE_QUOTA} from '../quota.js';

const otherDestinations = Object.fromEntries(OTHER_DESTINATIONS.map((name) => [name, {type: 'Structure', members: {}} as const]));

/**
 * CreateDeliveryStream with a Kinesis stream (KinesisStreamAsSource) or direct puts (DirectPut) as its
 * source, and an S3 or ExtendedS3 destination, kept as given. "This is an asynchronous operation that
 * immediately returns. The initial status of the Firehose stream is CREATING. After the Firehose stream
 * is created, its status is ACTIVE" (the API reference). Nothing is ever delivered (deliveryStreams.ts).
 */
export default defineAction(
	{
		DeliveryStreamName: {...DeliveryStreamName, required: true},
		DeliveryStreamType,
		DirectPutSourceConfiguration: {
			type: 'Structure',
			members: {ThroughputHintInMBs: {type: 'Integer', required: true, minValue: 1, maxValue: 100}},
		},
		KinesisStreamSourceConfiguration: {
			type: 'Structure',
			members: {KinesisStreamARN: {...KinesisStreamARN, required: true}, RoleARN: {...RoleARN, required: true}},
		},
		DeliveryStreamEncryptionConfigurationInput,
		S3DestinationConfiguration,
		ExtendedS3DestinationConfiguration,
		...otherDestinations,
		Tags,
	},
	async (context, input) => {
		const {deliveryStreams, region, nowMs, account} = context;
		const name = input.DeliveryStreamName;
		// "DirectPut" when absent, as the API reference's DeliveryStreamType says.
		const type = input.DeliveryStreamType ?? 'DirectPut';
		const destination = destinationOf(input as Record<string, unknown>);
		if (type === 'MSKAsSource' || type === 'DatabaseAsSource')
			throw invalidArgument(`The kinesis-console engine serves DirectPut and KinesisStreamAsSource delivery streams, not ${type}.`);
		const source = input.KinesisStreamSourceConfiguration;
		// The engine's wording: what AWS answers for a source configuration that does not fit the type is not recorded anywhere we found.
		if (type === 'KinesisStreamAsSource' && !source)
			throw invalidArgument('KinesisStreamSourceConfiguration is required when DeliveryStreamType is KinesisStreamAsSource.');
		if (type !== 'KinesisStreamAsSource' && source)
			throw invalidArgument(
				`KinesisStreamSourceConfiguration is only valid when DeliveryStreamType is KinesisStreamAsSource, not ${type}.`,
			);
		if (type !== 'DirectPut' && input.DirectPutSourceConfiguration)
			throw invalidArgument(`DirectPutSourceConfiguration is only valid when DeliveryStreamType is DirectPut, not ${type}.`);
		if (source) checkSourceStream(context, source.KinesisStreamARN);
		// Moto's and LocalStack's wording for AWS's answer (getmoto/moto moto/firehose/models.py; localstack's firehose provider).
		if (deliveryStreams.get(region, name, nowMs)) throw resourceInUse(`Firehose ${name} under accountId ${account} already exists`);
		// "By default, you can create up to 5,000 Firehose streams per Amazon Web Services Region" (the API
		// reference); "If you exceed this number, a call to CreateDeliveryStream results in a
		// LimitExceededException exception" (https://docs.aws.amazon.com/firehose/latest/dev/limits.html).
		// Moto's wording, without the list of every name it appends.
		const limit = deliveryStreams.limit;
		if (deliveryStreams.list(region, nowMs).length >= limit)
			throw limitExceeded(`You have already consumed your firehose quota of ${limit} hoses.`);
		const stream = {
			region,
			name,
			type,
			createdMs: nowMs,
			activeAtMs: nowMs + deliveryStreams.timings.createMs,
			...(source ? {kinesisSource: {KinesisStreamARN: source.KinesisStreamARN, RoleARN: source.RoleARN}} : {}),
			...(input.DirectPutSourceConfiguration ? {directPut: input.DirectPutSourceConfiguration} : {}),
			destination,
			...(input.DeliveryStreamEncryptionConfigurationInput ? {encryption: input.DeliveryStreamEncryptionConfigurationInput} : {}),
			tags: input.Tags ?? [],
		};
		await deliveryStreams.create(stream);
		return {DeliveryStreamARN: deliveryStreams.arnOf(stream)};
	},
	{quota: FIREHOSE_QUOTA},
);

/** The one destination: AWS's reference says "You must specify only one of the following destination configuration parameters". */
function destinationOf(input: Record<string, unknown>): {kind: DestinationKind; configuration: Record<string, unknown>} {
	const given = Object.keys(input).filter((member) => member.endsWith('DestinationConfiguration'));
	// The engine's wording: AWS's answer to none or several is not recorded anywhere we found.
	if (given.length !== 1)
		throw invalidArgument(
			`Exactly one destination configuration must be given (ExtendedS3DestinationConfiguration, S3DestinationConfiguration, ...); this request has ${given.length}.`,
		);
	const member = given[0] as string;
	if (member !== 'ExtendedS3DestinationConfiguration' && member !== 'S3DestinationConfiguration')
		throw invalidArgument(
			`The kinesis-console engine keeps ExtendedS3 and S3 destinations only, not ${member.replace('DestinationConfiguration', '')} (it delivers nothing to any).`,
		);
	return {kind: member === 'S3DestinationConfiguration' ? 'S3' : 'ExtendedS3', configuration: input[member] as Record<string, unknown>};
}

/**
 * The source stream must exist. What AWS answers when it does not is not recorded anywhere we found
 * (the service model lists InvalidArgumentException, LimitExceededException, ResourceInUseException and
 * InvalidKMSResourceException for CreateDeliveryStream): the engine answers InvalidArgumentException.
 */
function checkSourceStream(context: FirehoseContext, arn: string): void {
	const parsed = parseStreamArn(arn);
	const stream =
		parsed && parsed.account === context.account && parsed.region === context.region
			? context.streams.lookup(parsed.region, parsed.name, context.nowMs)
			: undefined;
	if (!stream || stream.status === 'DELETING')
		throw invalidArgument(`The source Kinesis stream ${arn} does not exist in account ${context.account}, region ${context.region}.`);
}
