import net from 'node:net';

/**
 * HTTP/2 spoken frame by frame over a plain socket, for what node:http2 will not send: garbage after
 * the preface, frames the protocol forbids, floods. Headers are HPACK literals without indexing and
 * without Huffman coding, which every decoder must take; what the server sends back is only split into
 * frames, not decoded.
 */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
	DATA: 0,
	HEADERS: 1,
	PRIORITY: 2,
	RST_STREAM: 3,
	SETTINGS: 4,
	PUSH_PROMISE: 5,
	PING: 6,
	GOAWAY: 7,
	WINDOW_UPDATE: 8,
	CONTINUATION: 9,
} as const;

export const Flag = {END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20} as const;

/** HTTP/2 error codes by name, for reports. */
export const ERROR_NAMES = [
	'NO_ERROR',
	'PROTOCOL_ERROR',
	'INTERNAL_ERROR',
	'FLOW_CONTROL_ERROR',
	'SETTINGS_TIMEOUT',
	'STREAM_CLOSED',
	'FRAME_SIZE_ERROR',
	'REFUSED_STREAM',
	'CANCEL',
	'COMPRESSION_ERROR',
	'CONNECT_ERROR',
	'ENHANCE_YOUR_CALM',
	'INADEQUATE_SECURITY',
	'HTTP_1_1_REQUIRED',
];
export const errorName = (code: number): string => ERROR_NAMES[code] ?? `error ${code}`;

export interface Frame {
	readonly type: number;
	readonly flags: number;
	readonly streamId: number;
	readonly payload: Buffer;
}

export function frame(
	type: number,
	flags: number,
	streamId: number,
	payload: Buffer | Uint8Array = Buffer.alloc(0),
	declaredLength = payload.length,
): Buffer {
	const header = Buffer.alloc(9);
	header.writeUIntBE(declaredLength & 0xffffff, 0, 3);
	header[3] = type;
	header[4] = flags;
	header.writeUInt32BE(streamId >>> 0, 5);
	return Buffer.concat([header, payload]);
}

export function settings(values: ReadonlyArray<readonly [id: number, value: number]> = [], flags = 0): Buffer {
	const payload = Buffer.alloc(values.length * 6);
	values.forEach(([id, value], index) => {
		payload.writeUInt16BE(id, index * 6);
		payload.writeUInt32BE(value >>> 0, index * 6 + 2);
	});
	return frame(FrameType.SETTINGS, flags, 0, payload);
}

function hpackInteger(value: number, prefixBits: number, firstByte: number): Buffer {
	const max = (1 << prefixBits) - 1;
	if (value < max) return Buffer.from([firstByte | value]);
	const bytes = [firstByte | max];
	let rest = value - max;
	while (rest >= 128) {
		bytes.push((rest % 128) + 128);
		rest = Math.floor(rest / 128);
	}
	bytes.push(rest);
	return Buffer.from(bytes);
}

/** A header block of literals without indexing (RFC 7541, 6.2.2). */
export function headerBlock(headers: ReadonlyArray<readonly [name: string, value: string]>): Buffer {
	return Buffer.concat(
		headers.flatMap(([name, value]) => {
			const nameBytes = Buffer.from(name, 'latin1');
			const valueBytes = Buffer.from(value, 'latin1');
			return [Buffer.from([0x00]), hpackInteger(nameBytes.length, 7, 0), nameBytes, hpackInteger(valueBytes.length, 7, 0), valueBytes];
		}),
	);
}

/** The headers of a Kinesis request as a signed client sends them. */
export function requestHeaders(
	port: number,
	target: string,
	contentLength: number,
	extra: ReadonlyArray<readonly [string, string]> = [],
): Array<readonly [string, string]> {
	return [
		[':method', 'POST'],
		[':scheme', 'http'],
		[':authority', `127.0.0.1:${port}`],
		[':path', '/'],
		['content-type', 'application/x-amz-json-1.1'],
		['x-amz-target', target],
		['x-amz-date', '20240115T120000Z'],
		[
			'authorization',
			'AWS4-HMAC-SHA256 Credential=AKIDENGINETEST/20240115/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef',
		],
		['content-length', String(contentLength)],
		...extra,
	];
}

/** A whole request on one stream: HEADERS, then the body in one DATA frame that ends the stream. */
export function requestFrames(port: number, streamId: number, target: string, body: string): Buffer {
	const bytes = Buffer.from(body);
	return Buffer.concat([
		frame(
			FrameType.HEADERS,
			Flag.END_HEADERS | (bytes.length === 0 ? Flag.END_STREAM : 0),
			streamId,
			headerBlock(requestHeaders(port, target, bytes.length)),
		),
		...(bytes.length === 0 ? [] : [frame(FrameType.DATA, Flag.END_STREAM, streamId, bytes)]),
	]);
}

/** A raw HTTP/2 connection: what the server sends, split into frames, and whether it has closed. */
export class RawHttp2 {
	readonly frames: Frame[] = [];
	closed = false;
	private pending = Buffer.alloc(0);
	private readonly waiters = new Set<() => void>();

	private constructor(readonly socket: net.Socket) {
		socket.on('data', (chunk: Buffer) => {
			this.pending = Buffer.concat([this.pending, chunk]);
			while (this.pending.length >= 9) {
				const length = this.pending.readUIntBE(0, 3);
				if (this.pending.length < 9 + length) break;
				const received: Frame = {
					type: this.pending[3] ?? 0,
					flags: this.pending[4] ?? 0,
					streamId: this.pending.readUInt32BE(5) & 0x7fffffff,
					payload: this.pending.subarray(9, 9 + length),
				};
				this.pending = this.pending.subarray(9 + length);
				this.frames.push(received);
				// Acknowledge the server's settings, as a client must.
				if (received.type === FrameType.SETTINGS && (received.flags & Flag.ACK) === 0 && !socket.destroyed)
					socket.write(settings([], Flag.ACK));
			}
			this.wake();
		});
		socket.on('error', () => undefined);
		socket.on('close', () => {
			this.closed = true;
			this.wake();
		});
	}

	/** Connects and, unless told not to, sends the preface and an empty SETTINGS frame. */
	static connect(port: number, handshake = true): Promise<RawHttp2> {
		return new Promise((resolve, reject) => {
			const socket = net.connect(port, '127.0.0.1', () => {
				const connection = new RawHttp2(socket);
				// A large window for what the server sends, so that many answers fit without WINDOW_UPDATEs from here.
				const window = Buffer.alloc(4);
				window.writeUInt32BE(2 ** 30);
				if (handshake) socket.write(Buffer.concat([PREFACE, settings([[4, 2 ** 30]]), frame(FrameType.WINDOW_UPDATE, 0, 0, window)]));
				resolve(connection);
			});
			socket.once('error', reject);
		});
	}

	private wake(): void {
		for (const waiter of this.waiters) waiter();
	}

	send(bytes: Buffer): void {
		if (!this.socket.destroyed) this.socket.write(bytes);
	}

	/** Resolves when the test holds, the connection closes, or the time runs out; says which. */
	until(test: (frames: readonly Frame[]) => boolean, timeoutMs: number): Promise<'met' | 'closed' | 'timeout'> {
		return new Promise((resolve) => {
			const check = () => {
				if (test(this.frames)) return finish('met');
				if (this.closed) return finish('closed');
			};
			const finish = (outcome: 'met' | 'closed' | 'timeout') => {
				clearTimeout(timer);
				this.waiters.delete(check);
				resolve(outcome);
			};
			const timer = setTimeout(() => finish('timeout'), timeoutMs);
			this.waiters.add(check);
			check();
		});
	}

	goaway(): {lastStreamId: number; code: number} | undefined {
		const away = this.frames.find((each) => each.type === FrameType.GOAWAY);
		return away && away.payload.length >= 8
			? {lastStreamId: away.payload.readUInt32BE(0) & 0x7fffffff, code: away.payload.readUInt32BE(4)}
			: undefined;
	}

	resets(streamId: number): number | undefined {
		const reset = this.frames.find((each) => each.type === FrameType.RST_STREAM && each.streamId === streamId);
		return reset && reset.payload.length >= 4 ? reset.payload.readUInt32BE(0) : undefined;
	}

	/** Whether the server answered on a stream (with HEADERS: the response is not decoded). */
	answered(streamId: number): boolean {
		return this.frames.some((each) => each.type === FrameType.HEADERS && each.streamId === streamId);
	}

	/** The body bytes the server sent on a stream. */
	body(streamId: number): Buffer {
		return Buffer.concat(
			this.frames.filter((each) => each.type === FrameType.DATA && each.streamId === streamId).map((each) => each.payload),
		);
	}

	destroy(): void {
		this.socket.destroy();
	}
}
