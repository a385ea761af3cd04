/**
 * Values that each wire format writes its own way: a blob is base64 text in JSON and a byte string
 * in CBOR; a timestamp is epoch seconds in JSON and a tagged epoch in CBOR. Actions return these and
 * never care which codec answers.
 */
export class Blob {
	constructor(readonly bytes: Buffer) {}
	toJSON(): string {
		return this.bytes.toString('base64');
	}
}

export class Timestamp {
	constructor(readonly ms: number) {}
	toJSON(): number {
		return this.ms / 1000;
	}
}

/**
 * An answer on a hot path (GetRecords, PutRecords) that writes its own JSON text, skipping the
 * per-record objects and toJSON calls; other codecs take its plain value. The text comes in pieces:
 * a large answer is sent piece by piece, with other work let in between (see dispatch).
 */
export class SelfEncoding {
	constructor(
		readonly json: () => Iterable<string | Buffer>,
		readonly value: () => object,
	) {}
}
