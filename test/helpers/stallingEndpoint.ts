import http from 'node:http';
import type {AddressInfo} from 'node:net';

/**
 * A Kinesis endpoint (JSON 1.1) that keeps the console's calls waiting, to time how fast the console
 * and its commands end while calls are pending: streams that list, some whose every
 * DescribeStreamSummary is throttled with a Retry-After (the SDK waits before each retry), and one
 * stream of many shards whose GetShardIterator is never answered (the calls hang, and those beyond
 * the client's sockets queue behind them). CloudWatch and DynamoDB calls are never answered either.
 */
export interface StallingEndpoint {
	readonly url: string;
	/** The stream of many shards, described at once, whose shards never give an iterator. */
	readonly wide: string;
	/** Requests received, by operation (answered or not). */
	calls(operation: string): number;
	close(): Promise<void>;
}

export interface StallingOptions {
	/** Streams besides the wide one whose DescribeStreamSummary is always throttled. */
	readonly throttledStreams: number;
	/** The wide stream's shards. */
	readonly shards: number;
	/** The Retry-After the throttled calls carry, in seconds. */
	readonly retryAfterSeconds?: number;
}

const START = '49650000000000000000000000000000000000000000000000000000';

export async function startStallingEndpoint(options: StallingOptions): Promise<StallingEndpoint> {
	const wide = 'wide';
	const throttled = Array.from({length: options.throttledStreams}, (_, index) => `throttled-${String(index).padStart(3, '0')}`);
	const calls = new Map<string, number>();
	const step = 2n ** 128n / BigInt(options.shards);
	const shards = Array.from({length: options.shards}, (_, index) => ({
		ShardId: `shardId-${String(index).padStart(12, '0')}`,
		HashKeyRange: {
			StartingHashKey: (step * BigInt(index)).toString(),
			EndingHashKey: (index === options.shards - 1 ? 2n ** 128n - 1n : step * BigInt(index + 1) - 1n).toString(),
		},
		SequenceNumberRange: {StartingSequenceNumber: START},
	}));

	const answer = (
		operation: string,
		input: Record<string, unknown>,
	): {status: number; body: unknown; headers?: Record<string, string>} | undefined => {
		switch (operation) {
			case 'ListStreams':
				return {status: 200, body: {StreamNames: [wide, ...throttled], HasMoreStreams: false}};
			case 'DescribeStreamSummary':
				if (input.StreamName !== wide)
					return {
						status: 400,
						body: {__type: 'LimitExceededException', message: 'Rate exceeded for DescribeStreamSummary.'},
						headers: {'retry-after': String(options.retryAfterSeconds ?? 10)},
					};
				return {
					status: 200,
					body: {
						StreamDescriptionSummary: {
							StreamName: wide,
							StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${wide}`,
							StreamStatus: 'ACTIVE',
							StreamModeDetails: {StreamMode: 'PROVISIONED'},
							RetentionPeriodHours: 24,
							StreamCreationTimestamp: Date.now() / 1000 - 3600,
							EnhancedMonitoring: [{ShardLevelMetrics: []}],
							EncryptionType: 'NONE',
							OpenShardCount: options.shards,
							ConsumerCount: 0,
						},
					},
				};
			case 'ListShards':
				return {status: 200, body: {Shards: shards}};
			case 'ListStreamConsumers':
				return {status: 200, body: {Consumers: []}};
			default:
				// GetShardIterator, and anything else: never answered.
				return undefined;
		}
	};

	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const target = String(request.headers['x-amz-target'] ?? '');
			const [service = '', operation = ''] = target.split('.');
			calls.set(operation, (calls.get(operation) ?? 0) + 1);
			if (!service.startsWith('Kinesis_')) return;
			let input: Record<string, unknown> = {};
			try {
				input = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
			} catch {
				// Not JSON: never answered, like the rest.
			}
			const reply = answer(operation, input);
			if (!reply) return;
			const body = JSON.stringify(reply.body);
			response.writeHead(reply.status, {
				'content-type': 'application/x-amz-json-1.1',
				'content-length': Buffer.byteLength(body),
				...reply.headers,
			});
			response.end(body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		wide,
		calls: (operation) => calls.get(operation) ?? 0,
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
