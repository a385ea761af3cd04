import {ServiceError, invalidArgument, resourceInUse, resourceNotFound} from '../../protocol/errors.js';
import {Timestamp} from '../../protocol/values.js';
import type {ConsumerState, StreamState} from '../../store/streamState.js';
import type {ActionContext} from '../action.js';
import type {Streams} from './streams.js';
import {MAX_TAGS_PER_STREAM, checkTagCharacters, tagTexts} from './tagRules.js';

/**
 * Enhanced fan-out consumers: registered per stream and kept with it in the store, CREATING for a
 * while, then ACTIVE, then DELETING once deregistered, then gone. Statuses follow from times, so a
 * read never writes. Also the live SubscribeToShard subscriptions, one per consumer and shard.
 */
export type ConsumerStatus = 'CREATING' | 'ACTIVE' | 'DELETING';

export interface ConsumerTimings {
	/** How long a new consumer stays CREATING. */
	readonly registerMs: number;
	/** How long a deregistered consumer stays DELETING. */
	readonly deregisterMs: number;
	/** How long a subscription lasts before its stream ends (AWS: 5 minutes). */
	readonly subscriptionMs: number;
	/** A second subscription for the same consumer and shard within this time of the first is refused; later it takes over (AWS: 5 s). */
	readonly takeoverMs: number;
}

export const MAX_CONSUMERS_PER_STREAM = 20;
/** AWS: "you cannot have more than 5 consumers in a CREATING status at the same time". */
export const MAX_CREATING_CONSUMERS = 5;

export interface Subscription {
	readonly startedMs: number;
	/** Ends the subscription's stream, with an exception event when given one. */
	end(error: ServiceError): void;
}

export interface ConsumerRef {
	readonly StreamARN?: string;
	readonly ConsumerName?: string;
	readonly ConsumerARN?: string;
}

const CONSUMER_ARN = /^arn:aws[a-z-]*:kinesis:([a-z0-9-]+):(\d{12}):stream\/([a-zA-Z0-9_.-]+)\/consumer\/([a-zA-Z0-9_.-]+):(\d+)$/;

export function parseConsumerArn(
	arn: string,
): {region: string; account: string; streamName: string; name: string; createdSeconds: number} | undefined {
	const match = CONSUMER_ARN.exec(arn);
	if (!match) return undefined;
	const [, region, account, streamName, name, seconds] = match;
	return region && account && streamName && name && seconds
		? {region, account, streamName, name, createdSeconds: Number(seconds)}
		: undefined;
}

export class Consumers {
	private readonly subscriptions = new Map<string, Subscription>();

	constructor(
		private readonly streams: Streams,
		readonly timings: ConsumerTimings,
		/** The engine's clock, read while a subscription runs. */
		readonly now: () => number,
	) {}

	statusOf(consumer: ConsumerState, nowMs: number): ConsumerStatus | undefined {
		if (consumer.goneAtMs !== undefined) return nowMs < consumer.goneAtMs ? 'DELETING' : undefined;
		return nowMs < consumer.activeAtMs ? 'CREATING' : 'ACTIVE';
	}

	/** The consumers a stream has (not those whose deletion has completed), in registration order. */
	of(stream: StreamState, nowMs: number): ConsumerState[] {
		return (stream.consumers ?? []).filter((consumer) => this.statusOf(consumer, nowMs) !== undefined);
	}

	arnOf(stream: StreamState, consumer: ConsumerState): string {
		return `${this.streams.arnOf(stream)}/consumer/${consumer.name}:${Math.floor(consumer.createdMs / 1000)}`;
	}

	/** A consumer as ListStreamConsumers and RegisterStreamConsumer show it. */
	summary(stream: StreamState, consumer: ConsumerState, nowMs: number) {
		return {
			ConsumerName: consumer.name,
			ConsumerARN: this.arnOf(stream, consumer),
			ConsumerStatus: this.statusOf(consumer, nowMs) ?? 'DELETING',
			ConsumerCreationTimestamp: new Timestamp(consumer.createdMs),
		};
	}

	/**
	 * The consumer a request names: by ConsumerARN, or by StreamARN and ConsumerName; when several are
	 * given they must agree. Throws AWS's errors.
	 */
	find(region: string, ref: ConsumerRef, nowMs: number): {stream: StreamState; consumer: ConsumerState} {
		const account = this.streams.account;
		if (ref.ConsumerARN !== undefined) {
			const arn = parseConsumerArn(ref.ConsumerARN);
			const notFound = () => resourceNotFound(`Consumer ${ref.ConsumerARN}, account ${account} not found.`);
			if (!arn || arn.region !== region || arn.account !== account) throw notFound();
			if (ref.ConsumerName !== undefined && ref.ConsumerName !== arn.name) {
				throw invalidArgument(`ConsumerARN ${ref.ConsumerARN} and ConsumerName ${ref.ConsumerName} do not refer to the same consumer.`);
			}
			if (ref.StreamARN !== undefined && !ref.ConsumerARN.startsWith(`${ref.StreamARN}/consumer/`)) {
				throw invalidArgument(`ConsumerARN ${ref.ConsumerARN} does not belong to the stream ${ref.StreamARN}.`);
			}
			const stream = this.streams.lookup(region, arn.streamName, nowMs);
			const consumer = stream && this.of(stream, nowMs).find((candidate) => this.arnOf(stream, candidate) === ref.ConsumerARN);
			if (!stream || !consumer) throw notFound();
			return {stream, consumer};
		}
		if (ref.StreamARN === undefined || ref.ConsumerName === undefined) {
			throw invalidArgument('ConsumerARN or both ConsumerName and StreamARN are required for this request.');
		}
		const stream = this.streams.find(region, {StreamARN: ref.StreamARN}, nowMs);
		const consumer = this.of(stream, nowMs).find((candidate) => candidate.name === ref.ConsumerName);
		if (!consumer) throw resourceNotFound(`Consumer ${ref.ConsumerName}, account ${account} not found.`);
		return {stream, consumer};
	}

	/** The consumer a resource ARN names (TagResource and friends), undefined when it names no consumer. */
	ofResource(context: ActionContext, resourceArn: string): {stream: StreamState; consumer: ConsumerState} | undefined {
		const arn = parseConsumerArn(resourceArn);
		if (!arn) return undefined;
		const stream = arn.account === this.streams.account ? this.streams.lookup(arn.region, arn.streamName, context.nowMs) : undefined;
		const consumer = stream && this.of(stream, context.nowMs).find((candidate) => this.arnOf(stream, candidate) === resourceArn);
		if (!stream || !consumer) throw resourceNotFound(`Resource ${resourceArn} under account ${this.streams.account} not found.`);
		return {stream, consumer};
	}

	/** Registers a consumer with AWS's limits: 20 a stream, 5 CREATING at once in a region, names unique per stream. */
	async register(stream: StreamState, name: string, tags: Record<string, string>, nowMs: number): Promise<ConsumerState> {
		const account = this.streams.account;
		if (stream.status !== 'ACTIVE' && stream.status !== 'UPDATING') {
			throw resourceInUse(`Stream ${stream.name} under account ${account} not ACTIVE, instead in state ${stream.status}`);
		}
		const present = this.of(stream, nowMs);
		if (present.some((consumer) => consumer.name === name)) {
			throw resourceInUse(`Consumer ${name} under stream ${stream.name} already exists for account ${account}.`);
		}
		if (present.length >= MAX_CONSUMERS_PER_STREAM) {
			throw new ServiceError(
				'LimitExceededException',
				`Consumer limit of ${MAX_CONSUMERS_PER_STREAM} reached for stream ${stream.name} under account ${account}. Deregister a consumer before registering another.`,
			);
		}
		const creating = this.streams
			.list(stream.region, nowMs)
			.flatMap((each) => this.of(each, nowMs))
			.filter((consumer) => this.statusOf(consumer, nowMs) === 'CREATING').length;
		if (creating >= MAX_CREATING_CONSUMERS) {
			throw new ServiceError(
				'LimitExceededException',
				`This request would exceed the limit of ${MAX_CREATING_CONSUMERS} consumers in the CREATING state for account ${account}. Retry when one of them is ACTIVE.`,
			);
		}
		const consumer: ConsumerState = {
			name,
			createdMs: nowMs,
			activeAtMs: nowMs + this.timings.registerMs,
			...(Object.keys(tags).length > 0 ? {tags} : {}),
		};
		stream.consumers = [...present, consumer];
		await this.streams.save(stream);
		return consumer;
	}

	/** Starts deleting a consumer; its subscriptions end. Deregistering one already DELETING changes nothing. */
	async deregister(stream: StreamState, consumer: ConsumerState, nowMs: number): Promise<void> {
		if (consumer.goneAtMs !== undefined) return;
		consumer.goneAtMs = nowMs + this.timings.deregisterMs;
		stream.consumers = this.of(stream, nowMs);
		await this.streams.save(stream);
	}

	/** Adds or replaces a consumer's tags (TagResource with a consumer ARN), within the same 50 as a stream's. */
	async addTags(owner: {stream: StreamState; consumer: ConsumerState}, tags: Record<string, string>): Promise<void> {
		const failure = `Failed to add tags to consumer ${owner.consumer.name} under account ${this.streams.account}`;
		checkTagCharacters(tagTexts(tags), failure);
		const merged = {...owner.consumer.tags, ...tags};
		if (Object.keys(merged).length > MAX_TAGS_PER_STREAM) {
			throw invalidArgument(`${failure} because a given consumer cannot have more than ${MAX_TAGS_PER_STREAM} tags associated with it.`);
		}
		owner.consumer.tags = merged;
		await this.streams.save(owner.stream);
	}

	async removeTags(owner: {stream: StreamState; consumer: ConsumerState}, keys: readonly string[]): Promise<void> {
		checkTagCharacters(keys, `Failed to remove tags from consumer ${owner.consumer.name} under account ${this.streams.account}`);
		const remaining = {...owner.consumer.tags};
		for (const key of keys) delete remaining[key];
		owner.consumer.tags = remaining;
		await this.streams.save(owner.stream);
	}

	/** Deletes every consumer of a stream at once (DeleteStream with EnforceConsumerDeletion). */
	removeAll(stream: StreamState): void {
		stream.consumers = [];
	}

	/**
	 * Opens the subscription of a consumer to a shard. Within takeoverMs of the open one's start this is
	 * refused with ResourceInUseException; later, the new one takes over and the old one ends with it.
	 */
	subscribe(key: string, refusal: string, subscription: Subscription): void {
		const open = this.subscriptions.get(key);
		if (open && subscription.startedMs - open.startedMs < this.timings.takeoverMs) throw resourceInUse(refusal);
		open?.end(resourceInUse(refusal));
		this.subscriptions.set(key, subscription);
	}

	unsubscribe(key: string, subscription: Subscription): void {
		if (this.subscriptions.get(key) === subscription) this.subscriptions.delete(key);
	}
}
