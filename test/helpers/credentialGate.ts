import http from 'node:http';
import type {AddressInfo} from 'node:net';

/**
 * An HTTP/1.1 proxy in front of an engine that plays AWS's side of temporary credentials: a request
 * signed with a session token the test has expired is refused as AWS refuses it (HTTP 400,
 * ExpiredTokenException, "The security token included in the request is expired"); every other
 * request goes through to the engine unchanged. The engine itself (with `--auth`) still checks the
 * access key and the signature.
 */
export interface CredentialGate {
	readonly url: string;
	/** From now on, requests carrying this session token are refused as expired. */
	expire(sessionToken: string): void;
	/** Requests passed on, and requests refused as expired. */
	readonly stats: () => {readonly forwarded: number; readonly refused: number};
	close(): Promise<void>;
}

export const EXPIRED_TOKEN_MESSAGE = 'The security token included in the request is expired';

export async function startCredentialGate(engineUrl: string): Promise<CredentialGate> {
	const target = new URL(engineUrl);
	const expired = new Set<string>();
	let forwarded = 0;
	let refused = 0;
	const agent = new http.Agent({keepAlive: true});
	const server = http.createServer((request, response) => {
		const token = request.headers['x-amz-security-token'];
		if (typeof token === 'string' && expired.has(token)) {
			refused++;
			request.resume();
			request.on('end', () => {
				const json = (request.headers['content-type'] ?? '').includes('json');
				const body = JSON.stringify({__type: 'ExpiredTokenException', message: EXPIRED_TOKEN_MESSAGE});
				response.writeHead(400, {
					'content-type': json ? String(request.headers['content-type']) : 'application/x-amz-json-1.1',
					'x-amzn-requestid': `gate-${refused}`,
					'x-amzn-errortype': 'ExpiredTokenException',
					'content-length': Buffer.byteLength(body),
				});
				response.end(body);
			});
			return;
		}
		forwarded++;
		const upstream = http.request(
			{host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers, agent},
			(answer) => {
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(response);
			},
		);
		upstream.on('error', () => response.destroy());
		request.pipe(upstream);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		expire: (token) => void expired.add(token),
		stats: () => ({forwarded, refused}),
		async close() {
			server.closeAllConnections();
			agent.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
