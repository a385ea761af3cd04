import type {Store} from '../store/store.js';
import {Timestamp} from '../protocol/values.js';

/**
 * Firehose delivery streams as the engine keeps them: configuration and state only. The engine delivers
 * nothing: no record is ever read from the source stream or written to a destination, so no destination
 * description claims a delivery, and DeliveryStartTimestamp is only where Firehose would start reading.
 * States follow from times, as AWS's do (DeliveryStreamStatus in the service model): CREATING, then
 * ACTIVE; DELETING, then gone. Each is kept in the engine's store (a key per delivery stream), so that a
 * restart loses nothing a request was answered for.
 */

export type DeliveryStreamStatus = 'CREATING' | 'ACTIVE' | 'DELETING';
export type DestinationKind = 'ExtendedS3' | 'S3';

export interface DeliveryStreamState {
	readonly region: string;
	readonly name: string;
	readonly type: string;
	readonly createdMs: number;
	/** When CREATING ends. */
	readonly activeAtMs: number;
	/** Set by DeleteDeliveryStream: when DELETING ends and the delivery stream is gone. */
	readonly goneAtMs?: number;
	/** KinesisStreamAsSource's KinesisStreamSourceConfiguration. */
	readonly kinesisSource?: {readonly KinesisStreamARN: string; readonly RoleARN: string};
	/** DirectPut's DirectPutSourceConfiguration, when given. */
	readonly directPut?: {readonly ThroughputHintInMBs: number};
	readonly destination: {readonly kind: DestinationKind; readonly configuration: Readonly<Record<string, unknown>>};
	readonly encryption?: {readonly KeyType: string; readonly KeyARN?: string};
	readonly tags: ReadonlyArray<{readonly Key: string; readonly Value?: string}>;
}

export interface DeliveryStreamTimings {
	/** How long CREATING lasts. */
	readonly createMs: number;
	/** How long DELETING lasts. */
	readonly deleteMs: number;
}

const KIND = 'firehose';
/** The id AWS gives a delivery stream's one destination. */
export const DESTINATION_ID = 'destinationId-000000000001';

export class DeliveryStreams {
	private readonly byKey = new Map<string, DeliveryStreamState>();

	constructor(
		private readonly store: Store,
		private readonly account: string,
		readonly timings: DeliveryStreamTimings,
		/** Delivery streams allowed per account and region. */
		readonly limit: number,
	) {
		for (const stream of store.loadResources<DeliveryStreamState>(KIND)) this.byKey.set(keyOf(stream.region, stream.name), stream);
	}

	statusOf(stream: DeliveryStreamState, nowMs: number): DeliveryStreamStatus | undefined {
		if (stream.goneAtMs !== undefined) return nowMs < stream.goneAtMs ? 'DELETING' : undefined;
		return nowMs < stream.activeAtMs ? 'CREATING' : 'ACTIVE';
	}

	/** The delivery stream by name; undefined when there is none, or its deletion has finished (it is then forgotten). */
	get(region: string, name: string, nowMs: number): DeliveryStreamState | undefined {
		const stream = this.byKey.get(keyOf(region, name));
		if (!stream) return undefined;
		if (this.statusOf(stream, nowMs) !== undefined) return stream;
		this.byKey.delete(keyOf(region, name));
		// Gone already by its time: forgetting it on disk is tidying, which a failure here (retried at the next start) does not undo.
		this.store.saveResource(KIND, region, name, undefined).catch(() => undefined);
		return undefined;
	}

	/** The region's delivery streams, by name. */
	list(region: string, nowMs: number): DeliveryStreamState[] {
		return [...this.byKey.values()]
			.filter((stream) => stream.region === region && this.get(region, stream.name, nowMs) !== undefined)
			.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	}

	/** Keeps a new delivery stream; resolves once it is stored. */
	async create(stream: DeliveryStreamState): Promise<void> {
		await this.store.saveResource(KIND, stream.region, stream.name, stream);
		this.byKey.set(keyOf(stream.region, stream.name), stream);
	}

	/** Starts deleting it: DELETING now, gone after the delete time. */
	async markDeleting(stream: DeliveryStreamState, nowMs: number): Promise<void> {
		const deleting = {...stream, goneAtMs: nowMs + this.timings.deleteMs};
		await this.store.saveResource(KIND, stream.region, stream.name, deleting);
		this.byKey.set(keyOf(stream.region, stream.name), deleting);
	}

	arnOf(stream: Pick<DeliveryStreamState, 'region' | 'name'>): string {
		return `arn:aws:firehose:${stream.region}:${this.account}:deliverystream/${stream.name}`;
	}

	/** DeliveryStreamDescription, as DescribeDeliveryStream answers it. */
	describe(stream: DeliveryStreamState, nowMs: number, withDestinations = true): Record<string, unknown> {
		const source = sourceOf(stream);
		return {
			DeliveryStreamName: stream.name,
			DeliveryStreamARN: this.arnOf(stream),
			DeliveryStreamStatus: this.statusOf(stream, nowMs) ?? 'DELETING',
			DeliveryStreamEncryptionConfiguration: stream.encryption ? {...stream.encryption, Status: 'ENABLED'} : {Status: 'DISABLED'},
			DeliveryStreamType: stream.type,
			VersionId: '1',
			CreateTimestamp: new Timestamp(stream.createdMs),
			...(source ? {Source: source} : {}),
			Destinations: withDestinations ? [destinationOf(stream)] : [],
			HasMoreDestinations: false,
		};
	}
}

const keyOf = (region: string, name: string) => `${region}/${name}`;

/** SourceDescription: the Kinesis source, or DirectPut's throughput hint when one was given; none otherwise. */
function sourceOf(stream: DeliveryStreamState): Record<string, unknown> | undefined {
	if (stream.kinesisSource)
		return {KinesisStreamSourceDescription: {...stream.kinesisSource, DeliveryStartTimestamp: new Timestamp(stream.createdMs)}};
	return stream.directPut ? {DirectPutSourceDescription: stream.directPut} : undefined;
}

/**
 * The destination as configured, with AWS's defaults where the request gave none (CreateDeliveryStream:
 * "if no BufferingHints value is provided, Firehose buffers data up to 5 MB or for 5 minutes"; no
 * compression and no encryption unless asked). Nothing in it says a delivery happened: none does.
 */
function destinationOf(stream: DeliveryStreamState): Record<string, unknown> {
	const {kind, configuration} = stream.destination;
	const {S3BackupConfiguration: backup, ...rest} = configuration as Record<string, unknown> & {
		S3BackupConfiguration?: Record<string, unknown>;
	};
	const described =
		kind === 'ExtendedS3'
			? {
					...withS3Defaults(rest),
					S3BackupMode: rest.S3BackupMode ?? 'Disabled',
					...(backup ? {S3BackupDescription: withS3Defaults(backup)} : {}),
				}
			: withS3Defaults(rest);
	return {DestinationId: DESTINATION_ID, [`${kind}DestinationDescription`]: described};
}

function withS3Defaults(configuration: Record<string, unknown>): Record<string, unknown> {
	const hints = (configuration.BufferingHints ?? {}) as Record<string, unknown>;
	return {
		...configuration,
		BufferingHints: {SizeInMBs: hints.SizeInMBs ?? 5, IntervalInSeconds: hints.IntervalInSeconds ?? 300},
		CompressionFormat: configuration.CompressionFormat ?? 'UNCOMPRESSED',
		EncryptionConfiguration: configuration.EncryptionConfiguration ?? {NoEncryptionConfig: 'NoEncryption'},
	};
}
