import http from 'node:http';
import type {AddressInfo} from 'node:net';

/**
 * An HTTP proxy in front of the engine that, while a storm is on, answers the chosen Kinesis operations
 * as AWS answers a call over its account's quota (400, LimitExceededException, "Rate exceeded for ..."),
 * or with another error, and passes everything else through. It counts what it refused.
 */
export interface ThrottlingProxy {
	readonly url: string;
	/**
	 * Refuse these operations from now on (until `calm`): as throttled, or with another of Kinesis's errors,
	 * and only the calls whose input `when` picks.
	 */
	storm(operations: readonly string[], options?: StormOptions): void;
	calm(): void;
	/** Calls refused so far, by operation. */
	refused(operation: string): number;
	close(): Promise<void>;
}

export interface StormOptions {
	/** The error's type and message; default LimitExceededException, "Rate exceeded for OPERATION." */
	readonly error?: {readonly type: string; readonly message: string};
	readonly when?: (input: Record<string, unknown>) => boolean;
}

export async function startThrottlingProxy(targetPort: number): Promise<ThrottlingProxy> {
	let stormy = new Set<string>();
	let storm: StormOptions = {};
	const refused = new Map<string, number>();
	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const body = Buffer.concat(chunks);
			const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
			if (stormy.has(operation) && (storm.when?.(JSON.parse(body.toString() || '{}') as Record<string, unknown>) ?? true)) {
				refused.set(operation, (refused.get(operation) ?? 0) + 1);
				const answer = JSON.stringify(
					storm.error
						? {__type: storm.error.type, message: storm.error.message}
						: {__type: 'LimitExceededException', message: `Rate exceeded for ${operation}.`},
				);
				response.writeHead(400, {'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(answer)});
				response.end(answer);
				return;
			}
			forward(targetPort, request, body, response);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		storm(operations, options = {}) {
			stormy = new Set(operations);
			storm = options;
		},
		calm() {
			stormy = new Set();
		},
		refused: (operation) => refused.get(operation) ?? 0,
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** Passes a request, read whole into `body`, to the server on loopback `port`, and its answer back. */
export function forward(port: number, request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): void {
	const upstream = http.request({host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers});
	upstream.on('response', (answer) => {
		response.writeHead(answer.statusCode ?? 500, answer.headers);
		answer.pipe(response);
	});
	upstream.on('error', () => response.destroy());
	upstream.end(body);
}
