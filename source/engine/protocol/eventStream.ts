import {EventStreamCodec} from '@smithy/eventstream-codec';

/**
 * Answers that are a stream of events instead of one body (SubscribeToShard): framed in
 * `application/vnd.amazon.eventstream` with the SDK's own codec. Each message carries
 * `:message-type` (`event` or `exception`), then `:event-type` or `:exception-type`, and
 * `:content-type`; its payload is encoded by the codec the request came in.
 */
export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

export type StreamEvent =
	| {readonly kind: 'event'; readonly type: string; readonly payload: object}
	| {readonly kind: 'exception'; readonly type: string; readonly message: string};

/**
 * What an operation returns to answer with an event stream. The events start when the answer is
 * sent; the signal aborts when the client goes away or the engine stops, and the events then end.
 */
export class EventStreamReply {
	constructor(readonly open: (signal: AbortSignal) => AsyncIterable<StreamEvent>) {}
}

const codec = new EventStreamCodec(
	(bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
	(text) => Buffer.from(text, 'utf8'),
);

const header = (value: string) => ({type: 'string' as const, value});

/** The framed messages of a stream: the initial-response event first (the output has no other members), then each event. */
export async function* frameEvents(
	events: AsyncIterable<StreamEvent>,
	contentType: string,
	encode: (value: object) => Buffer | string,
): AsyncIterable<Uint8Array> {
	const body = (value: object) => {
		const encoded = encode(value);
		return typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
	};
	yield codec.encode({
		headers: {':message-type': header('event'), ':event-type': header('initial-response'), ':content-type': header(contentType)},
		body: body({}),
	});
	for await (const event of events) {
		yield codec.encode(
			event.kind === 'event'
				? {
						headers: {':message-type': header('event'), ':event-type': header(event.type), ':content-type': header(contentType)},
						body: body(event.payload),
					}
				: {
						headers: {':message-type': header('exception'), ':exception-type': header(event.type), ':content-type': header(contentType)},
						body: body({message: event.message}),
					},
		);
	}
}

/** Splits a byte stream back into messages: for tests and tools that read an event stream without an SDK. */
export function decodeEventStream(bytes: Uint8Array): Array<{headers: Record<string, string>; body: Buffer}> {
	const messages = [];
	let offset = 0;
	while (offset + 4 <= bytes.length) {
		const length = Buffer.from(bytes.buffer, bytes.byteOffset + offset, 4).readUInt32BE(0);
		const message = codec.decode(bytes.subarray(offset, offset + length));
		const headers: Record<string, string> = {};
		for (const [name, {value}] of Object.entries(message.headers)) headers[name] = String(value);
		messages.push({headers, body: Buffer.from(message.body)});
		offset += length;
	}
	return messages;
}
